//! What the integration tests share: running the built binary with a bound
//! on time (killed past it), watching its peak memory, and the assertions
//! about how a failure must look (one `error:` line, no panic, no abort).
//!
//! Each test file that uses it says `mod common;`; not every file uses
//! every helper.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_missions-kg")
}

/// What one bounded run did.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when killed by a signal or by the time bound.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub seconds: f64,
    /// The largest resident set seen (Linux's VmHWM), in MiB.
    pub peak_mib: u64,
    pub timed_out: bool,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs the binary with `args` in `dir`, feeding `stdin`, killed after
/// `seconds`. Output is read on two threads so a large one cannot block it.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<Stdio>, seconds: f64) -> Run {
    let start = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(stdin.unwrap_or_else(Stdio::null))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let mut timed_out = false;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:")) {
                let kib = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed().as_secs_f64() > seconds {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
        seconds: start.elapsed().as_secs_f64(),
        peak_mib: peak_kib / 1024,
        timed_out,
    }
}

/// Like [`run_in`], with `text` on stdin.
pub fn run_with_stdin(dir: &Path, args: &[&str], text: &[u8], seconds: f64) -> Run {
    let mut child_input = tempfile::tempfile().expect("a temporary file");
    child_input.write_all(text).expect("write stdin");
    std::io::Seek::rewind(&mut child_input).expect("rewind");
    run_in(dir, args, Some(Stdio::from(child_input)), seconds)
}

/// No panic, no abort, no stack overflow, whatever the exit code.
pub fn assert_no_crash(run: &Run, case: &str) {
    assert!(
        !run.timed_out,
        "{case}: still running after {:.1} s",
        run.seconds
    );
    assert!(
        run.code.is_some(),
        "{case}: killed by a signal (abort?); stderr: {}",
        head(&run.stderr)
    );
    for sign in [
        "panicked",
        "overflow",
        "RUST_BACKTRACE",
        "fatal runtime error",
    ] {
        assert!(
            !run.stderr.contains(sign),
            "{case}: stderr shows '{sign}': {}",
            head(&run.stderr)
        );
    }
}

/// Exit 1 with exactly one line on stderr, `error: …` containing `needle`.
pub fn assert_error_line(run: &Run, needle: &str, case: &str) {
    assert_error_line_exit(run, 1, needle, case);
}

/// Exit `code` with exactly one line on stderr, `error: …` containing
/// `needle` (2 for a usage error).
pub fn assert_error_line_exit(run: &Run, code: i32, needle: &str, case: &str) {
    assert_no_crash(run, case);
    assert_eq!(
        run.code,
        Some(code),
        "{case}: exit code; stderr: {}",
        head(&run.stderr)
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{case}: one line expected, got: {}",
        head(&run.stderr)
    );
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{case}: expected an error line with '{needle}', got: {}",
        head(&run.stderr)
    );
}

/// The first 500 characters of a text, for assertion messages.
pub fn head(text: &str) -> String {
    text.chars().take(500).collect()
}

/// A one-purpose HTTP server on a loopback port, written here so a test
/// controls every byte: it answers each request (at most `max_requests`,
/// for at most `seconds`) with `response`, or holds the connection open
/// without a word when `response` is `None`. Returns the endpoint URL and
/// a handle that yields how many connections it accepted.
pub fn raw_server(
    response: Option<Vec<u8>>,
    max_requests: usize,
    seconds: f64,
) -> (String, thread::JoinHandle<usize>) {
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}/sparql", listener.local_addr().expect("address"));
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = thread::spawn(move || {
        let start = Instant::now();
        let mut accepted = 0;
        let mut held = Vec::new();
        while accepted < max_requests && start.elapsed().as_secs_f64() < seconds {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    accepted += 1;
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                    read_request(&mut stream);
                    match &response {
                        Some(bytes) => {
                            let _ = stream.write_all(bytes);
                            let _ = stream.flush();
                        }
                        None => held.push(stream),
                    }
                }
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
        // A silent server keeps its connections until its time is up.
        while !held.is_empty() && start.elapsed().as_secs_f64() < seconds {
            thread::sleep(Duration::from_millis(20));
        }
        accepted
    });
    (url, handle)
}

/// Reads one request's head and its body (by Content-Length).
fn read_request(stream: &mut std::net::TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
}

/// An HTTP/1.1 response with these headers and body.
pub fn http_response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A `missions-kg serve` started for a test on a free loopback port, killed
/// when dropped.
pub struct Served {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    pub port: u16,
}

impl Served {
    /// Starts `serve` with `args` (before and after the subcommand) in
    /// `dir`, and waits (at most 60 s) for the line that gives its URL.
    pub fn start(dir: &Path, global: &[&str], args: &[&str]) -> Self {
        let mut command = Command::new(bin());
        command
            .current_dir(dir)
            .args(global)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start serve");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        thread::spawn(move || {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = sender.send(line);
            }
            // Keep draining, so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let mut stderr = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                panic!("serve did not start: {stderr}");
            }
        };
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .expect("the start line names the URL")
            .trim_end_matches('/')
            .to_owned();
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        Self { child, url, port }
    }

    /// Sends one request and reads the whole answer.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        http_request(self.port, method, target, headers, body)
    }

    pub fn get(&self, target: &str, accept: &str) -> Reply {
        self.request("GET", target, &[("Accept", accept)], b"")
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` on a fresh connection
/// (`Connection: close`), read to the end within 60 s.
pub fn http_request(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send head");
    // The server may answer before reading a body it refuses.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_reply(&raw, method == "HEAD")
}

/// Parses a raw HTTP/1.1 answer (content-length, chunked or to the end).
pub fn parse_reply(raw: &[u8], head_only: bool) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete answer: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked && !head_only {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..end]).trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = end + 2;
            decoded.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
            rest = &rest[(start + size + 2).min(rest.len())..];
        }
        body = decoded;
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// Whether a tool that no one here wrote is installed; when it is not, the
/// test says it skipped, unless `.ci/run` made the tools required
/// (MISSIONS_KG_REQUIRE_CLIENTS), where a missing one fails.
pub fn available(what: &str, check: &mut Command) -> bool {
    let ok = check
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        assert!(
            std::env::var_os("MISSIONS_KG_REQUIRE_CLIENTS").is_none(),
            "{what} is required (MISSIONS_KG_REQUIRE_CLIENTS) but missing"
        );
        eprintln!("skipped: {what} is not installed");
    }
    ok
}

/// Oxigraph's own server (PyPI `oxigraph`), writable, on a free loopback
/// port, over a store in `location`; killed when dropped.
pub struct OxigraphServer {
    child: std::process::Child,
    pub port: u16,
}

/// A loopback port nothing listens on: bound, read, released.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port`, at most `seconds`.
pub fn wait_for_port(port: u16, seconds: u64, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "{what} did not start"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

impl OxigraphServer {
    pub fn start(location: &Path) -> Self {
        Self::start_with(location, &[])
    }

    /// With more options for `oxigraph serve` (`--union-default-graph`).
    pub fn start_with(location: &Path, options: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new("oxigraph")
            .args(["serve", "--location"])
            .arg(location)
            .args(options)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, 30, "oxigraph");
        Self { child, port }
    }

    /// The URL of `path` on this server (`/query`, `/update`, `/store`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for OxigraphServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Virtuoso 7 (Debian `virtuoso-opensource`) on free loopback ports, from
/// a copy of the packaged `virtuoso.ini` with every file in `dir`, and
/// anonymous SPARQL updates granted (its `/sparql-graph-crud` Graph Store
/// then takes them too); killed when dropped.
pub struct VirtuosoServer {
    child: std::process::Child,
    pub http_port: u16,
}

impl VirtuosoServer {
    pub fn start(dir: &Path) -> Self {
        let (sql_port, http_port) = (free_port(), free_port());
        let packaged = std::fs::read_to_string("/etc/virtuoso-opensource-7/virtuoso.ini").unwrap();
        let folder = dir.display().to_string();
        let ini: String = packaged
            .lines()
            .map(|line| {
                let key = line.split('=').next().unwrap_or("").trim();
                match key {
                    "ServerPort" if line.contains("1111") => format!("ServerPort = {sql_port}"),
                    "ServerPort" if line.contains("8890") => format!("ServerPort = {http_port}"),
                    "ServerRoot" => format!("ServerRoot = {folder}"),
                    _ => line.replace("/var/lib/virtuoso-opensource-7/db", &folder),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = dir.join("virtuoso.ini");
        std::fs::write(&config, ini).unwrap();
        let child = Command::new("virtuoso-t")
            .args(["+foreground", "+configfile"])
            .arg(&config)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, http_port };
        wait_for_port(http_port, 60, "virtuoso");
        let grant = Command::new("timeout")
            .args(["30", "isql-vt", &sql_port.to_string(), "dba", "dba"])
            .arg("exec=GRANT SPARQL_UPDATE TO \"SPARQL\";")
            .output()
            .unwrap();
        assert!(grant.status.success(), "{grant:?}");
        server
    }

    /// The URL of `path` on this server (`/sparql`, `/sparql-graph-crud`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }
}

impl Drop for VirtuosoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// Comparing answers across backends (remote engines, the on-disk store).

/// A decimal in its value's form: Oxigraph keeps a decimal's value, not
/// its lexical form (`1500000.0` comes back `"1500000"^^xsd:decimal`).
pub fn decimal(cell: &str) -> String {
    let lexical = cell
        .strip_prefix('"')
        .and_then(|c| c.strip_suffix("\"^^<http://www.w3.org/2001/XMLSchema#decimal>"))
        .or_else(|| (cell.contains('.') && !cell.contains('"')).then_some(cell));
    match lexical.and_then(|l| l.parse::<f64>().ok()) {
        Some(value) => format!("decimal {value}"),
        None => cell.to_owned(),
    }
}

/// A query's rows as a sorted list, with each `GROUP_CONCAT` list (", "
/// separated) sorted too: the order of those values is not defined by
/// SPARQL, and engines differ in it.
pub fn rows(tsv: &str) -> Vec<String> {
    let mut rows: Vec<String> = tsv
        .lines()
        .map(|line| {
            line.split('\t')
                .map(decimal)
                .map(|cell| {
                    // The lexical form apart from its language tag or type.
                    let (cell, suffix) =
                        match cell.strip_prefix('"').and_then(|c| c.rsplit_once('"')) {
                            Some((lexical, suffix)) => (lexical.to_owned(), suffix.to_owned()),
                            None => (cell.clone(), String::new()),
                        };
                    let cell = cell.as_str();
                    // The stored queries' separators: ", ", " / ", and " "
                    // between URLs.
                    let urls = cell.split(' ').all(|part| part.starts_with("http"));
                    let mut parts: Vec<&str> = if urls {
                        cell.split(' ').collect()
                    } else {
                        cell.split(", ").flat_map(|p| p.split(" / ")).collect()
                    };
                    parts.sort_unstable();
                    parts.join("|") + &suffix
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    rows.sort();
    rows
}

pub fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let run = run_in(dir, args, None, 120.0);
    assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
    run.stdout_text()
}

/// Every stored query, with values for the parameters a query needs.
pub fn stored_queries() -> Vec<(String, Vec<String>)> {
    let needed: std::collections::BTreeMap<&str, Vec<&str>> = [
        (
            "fact-sources",
            vec!["subject=missions", "property=mk:creator"],
        ),
        ("source-facts", vec!["article=mks:article-001"]),
    ]
    .into_iter()
    .collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/queries");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rq").map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut queries: Vec<(String, Vec<String>)> = names
        .into_iter()
        .map(|name| {
            let params = needed
                .get(name.as_str())
                .map(|p| p.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            (name, params)
        })
        .collect();
    // A bound parameter travels as a VALUES clause.
    queries.push((
        "entity-facts".to_owned(),
        vec!["entity=julien-lacombe".to_owned()],
    ));
    queries
}
