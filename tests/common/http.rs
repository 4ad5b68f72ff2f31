//! `missions-kg serve` on a loopback port ([`Served`]), HTTP requests
//! written byte by byte and their answers read ([`Reply`]), and one-purpose
//! servers that answer whatever a test needs ([`raw_server`]; and
//! [`ScriptedServer`], which answers by request, streams answers of any
//! size and records what it was sent): for what needs a real connection.

use super::command_in;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

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

/// Reads one request's head and its body (by Content-Length), and
/// returns them.
fn read_request(stream: &mut std::net::TcpStream) -> Vec<u8> {
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
    request
}

/// What a [`ScriptedServer`] writes for one request: `start` (the status
/// line, the headers and the body's first bytes), `repeat` `times` times,
/// then `end`. Written as it goes, so an answer of any size costs the test
/// no memory.
#[derive(Clone)]
pub struct Scripted {
    pub start: Vec<u8>,
    pub repeat: Vec<u8>,
    pub times: usize,
    pub end: Vec<u8>,
}

impl Scripted {
    /// A `200 OK` of `content_type` whose body is `start`, `repeat`
    /// `times` times, then `end`.
    pub fn ok(content_type: &str, start: &[u8], repeat: &[u8], times: usize, end: &[u8]) -> Self {
        let length = start.len() + repeat.len() * times + end.len();
        let mut head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        head.extend_from_slice(start);
        Self {
            start: head,
            repeat: repeat.to_vec(),
            times,
            end: end.to_vec(),
        }
    }

    /// A whole answer, as [`http_response`] writes it.
    pub fn whole(response: Vec<u8>) -> Self {
        Self {
            start: response,
            repeat: Vec::new(),
            times: 0,
            end: Vec::new(),
        }
    }
}

/// A loopback server that answers each request with what its script makes
/// of it (the request's head and body, as text), for at most `max_requests`
/// requests and `seconds`, and records every request; stopped when dropped.
pub struct ScriptedServer {
    /// `http://127.0.0.1:PORT/sparql`.
    pub url: String,
    /// `http://127.0.0.1:PORT`, for other paths.
    pub origin: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl ScriptedServer {
    pub fn start(
        script: impl Fn(&str) -> Scripted + Send + 'static,
        max_requests: usize,
        seconds: f64,
    ) -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (recorded, stopped) = (requests.clone(), stop.clone());
        let handle = thread::spawn(move || {
            let start = Instant::now();
            let mut accepted = 0;
            let open =
                || !stopped.load(Ordering::SeqCst) && start.elapsed().as_secs_f64() < seconds;
            while accepted < max_requests && open() {
                let Ok((mut stream, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                };
                accepted += 1;
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                // A client that stops reading holds a write at most this long.
                let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                let request = String::from_utf8_lossy(&read_request(&mut stream)).into_owned();
                let answer = script(&request);
                if let Ok(mut recorded) = recorded.lock() {
                    recorded.push(request);
                }
                let mut written = stream.write_all(&answer.start);
                // The repeated part goes out in blocks of about 64 KiB: a
                // write per repetition would take minutes for millions.
                let per_block = (65_536 / answer.repeat.len().max(1)).max(1);
                let block = answer.repeat.repeat(per_block);
                let mut left = answer.times;
                while written.is_ok() && left > 0 && open() {
                    let now = left.min(per_block);
                    written = stream.write_all(&block[..now * answer.repeat.len()]);
                    left -= now;
                }
                if written.is_ok() {
                    let _ = stream.write_all(&answer.end);
                    let _ = stream.flush();
                }
            }
        });
        Self {
            url: format!("{origin}/sparql"),
            origin,
            requests,
            stop,
            handle: Some(handle),
        }
    }

    /// Every request received so far: its head and body, as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
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
        let mut command = command_in(dir, global);
        command.args(["serve", "--bind", "127.0.0.1:0"]).args(args);
        Self::spawn(command)
    }

    /// Starts `command`, a `serve` on a free port however it is wrapped
    /// (a shell that lowers a limit first, say), and waits as [`Self::start`].
    pub fn spawn(mut command: Command) -> Self {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
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

    /// Kills the process; what it wrote on stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        stderr
    }

    /// The CPU time the process has used so far (user and system), from
    /// `/proc`.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("read /proc/PID/stat");
        // Fields after the name in parentheses; utime and stime are the
        // 14th and 15th of the line, in clock ticks.
        let rest = &stat[stat.rfind(')').expect("stat line") + 2..];
        let fields: Vec<u64> = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .map(|f| f.parse().expect("ticks"))
            .collect();
        // SAFETY: sysconf only reads a system constant.
        let ticks = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).unwrap_or(100);
        Duration::from_millis((fields[0] + fields[1]) * 1000 / ticks)
    }

    /// Sends SIGTERM, as a service manager stops a server.
    pub fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill only sends a signal to the process the test started.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "send SIGTERM");
    }

    /// The exit code once the process has ended, waiting at most `seconds`
    /// (`None`: still running then, or ended by a signal).
    pub fn exit_code(&mut self, seconds: u64) -> Option<i32> {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(seconds) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
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

/// A connection to 127.0.0.1:`port` from the loopback address `source`
/// (`127.0.0.2`…: Linux routes all of 127/8 to loopback), so that one test
/// can be several clients to a server that tells them apart by address.
pub fn connect_from(source: &str, port: u16) -> std::net::TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime to connect");
    let stream = runtime
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(format!("{source}:0").parse().expect("an address"))?;
            socket
                .connect(([127, 0, 0, 1], port).into())
                .await?
                .into_std()
        })
        .unwrap_or_else(|error| panic!("connect from {source}: {error}"));
    stream.set_nonblocking(false).expect("blocking");
    stream
}

/// [`http_request`] on a connection from `source` ([`connect_from`]).
pub fn http_request_from(source: &str, port: u16, target: &str) -> Reply {
    let mut stream = connect_from(source, port);
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("send head");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_reply(&raw, false)
}
