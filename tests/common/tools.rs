//! The tools no one here wrote (SPARQL servers, clients, suites), and the
//! one rule for a test that cannot run without one: it says it SKIPPED and
//! why, unless it is [`required`], and then it fails.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Whether tests that need `switch`'s tools (a `MISSIONS_KG_REQUIRE_*`
/// name) must run here: the switch is `1`, or `CI` is `true` (or `1`),
/// which requires them all. Either may also be unset, empty, `0` or
/// `false`; any other value is a mistake, and fails the test that reads it.
pub fn required(switch: &str) -> bool {
    let on = |name: &str, yes: &[&str]| match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => false,
        Ok(value) if matches!(value.as_str(), "" | "0" | "false") => false,
        Ok(value) if yes.contains(&value.as_str()) => true,
        other => panic!("{name} is {other:?}: set it to 1, or leave it unset"),
    };
    on(switch, &["1"]) || on("CI", &["true", "1"])
}

/// For a test that cannot run here (`why`: what is missing): fails it when
/// `switch` is [`required`], else says it SKIPPED and why. The caller
/// returns after it.
pub fn skip(switch: &str, why: &str) {
    assert!(
        !required(switch),
        "{why}; it is required here ({switch}=1 or CI=true), so this fails instead of skipping"
    );
    eprintln!("SKIPPED: {why}");
}

/// Whether a tool that no one here wrote is installed; when it is not, the
/// test says it skipped, unless MISSIONS_KG_REQUIRE_CLIENTS (or CI) makes
/// the tools [`required`], where a missing one fails.
pub fn available(what: &str, check: &mut Command) -> bool {
    let ok = check
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        skip(
            "MISSIONS_KG_REQUIRE_CLIENTS",
            &format!("{what} is not installed"),
        );
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

/// rdflib-endpoint (PyPI `rdflib-endpoint[cli]`) serving `file` (relative
/// to the crate's root) on a free loopback port, ready to answer; killed
/// when dropped.
pub struct RdflibEndpoint {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
}

impl RdflibEndpoint {
    /// Starts it, or returns `None` when it cannot start and is not
    /// [`required`] (the test then says it SKIPPED, see [`skip`]).
    pub fn start(file: &str) -> Option<Self> {
        let port = free_port();
        let child = Command::new("rdflib-endpoint")
            .current_dir(super::root())
            .args(["serve", file])
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) => {
                skip(
                    "MISSIONS_KG_REQUIRE_ENDPOINT",
                    &format!("rdflib-endpoint cannot start ({error}); pip install 'rdflib-endpoint[cli]' to run this test"),
                );
                return None;
            }
        };
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        };
        // Ready when it answers a query.
        let started = Instant::now();
        loop {
            let ready = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && ask(port).contains("200 OK");
            if ready {
                return Some(server);
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "rdflib-endpoint did not start on port {port} within 60 s"
            );
            thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for RdflibEndpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare HTTP POST of `ASK {}` to `/`, to see whether a server is up: its
/// whole answer, or nothing.
fn ask(port: u16) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let body = "query=ASK+%7B%7D";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sparql-results+json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.write_all(request.as_bytes());
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}
