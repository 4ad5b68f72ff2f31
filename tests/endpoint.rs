//! `links reconcile` and `links check` against a real SPARQL server:
//! rdflib-endpoint (from PyPI) serving `tests/fixtures/links/wikidata.ttl`
//! on loopback, with the graph `tests/fixtures/links/kg.trig`. The tests
//! never need the internet.
//!
//! Without `rdflib-endpoint` on PATH these tests say so and pass, so that
//! `cargo test` works with only the Rust toolchain; `.ci/run` installs it and
//! sets `MISSIONS_KG_REQUIRE_ENDPOINT=1`, which turns its absence into a
//! failure. The error tests (refused connection, silence, HTTP errors,
//! answers that are not SPARQL results) use raw sockets and always run.

use insta_cmd::get_cargo_bin;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const KG: &str = "tests/fixtures/links/kg.trig";

fn run(args: &[&str]) -> Output {
    Command::new(get_cargo_bin("missions-kg"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--data", KG])
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// rdflib-endpoint on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Starts the server, or returns `None` (test skipped) when it is not
/// installed and not required.
fn server() -> Option<Server> {
    let required = std::env::var_os("MISSIONS_KG_REQUIRE_ENDPOINT").is_some();
    let port = free_port();
    let child = Command::new("rdflib-endpoint")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "tests/fixtures/links/wikidata.ttl"])
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(
                !required,
                "rdflib-endpoint is required (MISSIONS_KG_REQUIRE_ENDPOINT) but cannot start: {error}; pip install 'rdflib-endpoint[cli]'"
            );
            eprintln!("SKIPPED: rdflib-endpoint not installed ({error}); pip install 'rdflib-endpoint[cli]' to run this test");
            return None;
        }
    };
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}/"),
    };
    // Ready when it answers a query.
    let started = Instant::now();
    loop {
        let ready = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && post(port, "ASK {}").contains("200 OK");
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

/// A bare HTTP POST, to see whether the server is up.
fn post(port: u16, query: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let body = format!(
        "query={}",
        query
            .replace(' ', "+")
            .replace('{', "%7B")
            .replace('}', "%7D")
    );
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

#[test]
fn reconcile_proposes_the_series_and_drops_homonyms_of_the_wrong_type() {
    let Some(server) = server() else { return };
    let output = run(&["links", "reconcile", "--endpoint", &server.url]);
    assert!(output.status.success(), "{}", stderr(&output));
    let proposals = stdout(&output);
    insta::assert_snapshot!(proposals.replace(&server.url, "http://127.0.0.1:PORT/"));
    // The person and the film called "Missions" are not proposed.
    assert!(!proposals.contains("Q990000002"));
    assert!(!proposals.contains("Q990000003"));
    // Without --scan, "Vivies" does not find "Viviès".
    assert!(!proposals.contains("Q990000010"));
    assert!(stderr(&output).contains("2 candidates dropped because their type does not fit"));
    // The review file is Turtle.
    let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_slice(proposals.as_bytes())
        .collect::<Result<Vec<_>, _>>();
    assert!(parsed.is_ok(), "{parsed:?}");
}

#[test]
fn reconcile_scan_finds_a_label_that_differs_in_accents() {
    let Some(server) = server() else { return };
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();
    let output = run(&[
        "links",
        "reconcile",
        "--endpoint",
        &server.url,
        "--scan",
        "--output",
        path,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let proposals = std::fs::read_to_string(path).unwrap();
    assert!(
        proposals.contains("mkl:proposal-helene-vivies-Q990000010"),
        "{proposals}"
    );
    assert!(proposals.contains("mk:score 0.80"), "{proposals}");
    assert!(proposals.contains("but for accents or case"), "{proposals}");
}

#[test]
fn check_reports_wrong_links_and_spelling_differences() {
    let Some(server) = server() else { return };
    let output = run(&[
        "links",
        "check",
        "--endpoint",
        &server.url,
        "--format",
        "csv",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("checked 6 Wikidata links")
            && message.contains("3 look wrong, 1 spelling differences"),
        "{message}"
    );
    assert!(
        message.contains("error: 3 Wikidata link(s) look wrong"),
        "{message}"
    );
}

#[test]
fn check_passes_when_the_links_are_right() {
    let Some(server) = server() else { return };
    // Only the links that hold: Clarke (same label, human) and France
    // (a sovereign state, which is a subclass of country).
    let graph =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(KG)).unwrap();
    let kept: String = graph
        .lines()
        .filter(|line| {
            ![
                "mkd:lost owl",
                "mkd:character-alexandra-najac owl",
                "mkd:mad-men owl",
                "mkd:atlantis owl",
            ]
            .iter()
            .any(|dropped| line.contains(dropped))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let file = tempfile::Builder::new().suffix(".trig").tempfile().unwrap();
    std::fs::write(file.path(), kept).unwrap();
    let output = Command::new(get_cargo_bin("missions-kg"))
        .args(["--data", file.path().to_str().unwrap()])
        .args([
            "links",
            "check",
            "--endpoint",
            &server.url,
            "--format",
            "tsv",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).lines().count(),
        1,
        "only the header: {}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("checked 2 Wikidata links"),
        "{}",
        stderr(&output)
    );
}

/// Serves one canned HTTP answer (or none) to every connection.
fn raw_server(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            read_request(&mut stream);
            match answer {
                Some(answer) => {
                    let _ = stream.write_all(answer.as_bytes());
                }
                // Say nothing, and keep the connection open.
                None => thread::sleep(Duration::from_secs(30)),
            }
        }
    });
    format!("http://127.0.0.1:{port}/sparql")
}

/// Reads a whole request (headers and body), so the client is not cut off
/// while it is still sending.
fn read_request(stream: &mut TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0; 8192];
    loop {
        let Ok(n) = stream.read(&mut buffer) else {
            return;
        };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return;
            }
        }
    }
}

fn check_error(url: &str, extra: &[&str]) -> String {
    let mut args = vec!["links", "check", "--endpoint", url];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(!message.contains("panicked"), "{message}");
    message
}

#[test]
fn endpoint_errors_are_one_clear_line() {
    let closed = format!("http://127.0.0.1:{}/sparql", free_port());
    let message = check_error(&closed, &[]);
    assert!(message.contains("is the server running?"), "{message}");

    let started = Instant::now();
    let message = check_error(&raw_server(None), &["--timeout", "1"]);
    assert!(message.contains("no answer within 1 s"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20));

    let message = check_error(
        &raw_server(Some("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 22\r\nConnection: close\r\n\r\nquery engine exploded\n")),
        &[],
    );
    assert!(
        message.contains("answered HTTP 500: query engine exploded"),
        "{message}"
    );

    let message = check_error(
        &raw_server(Some("HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{\"head\": {\"vars\"")),
        &[],
    );
    assert!(message.contains("sent a malformed answer"), "{message}");

    let message = check_error(
        &raw_server(Some("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<html></html>\r\n")),
        &[],
    );
    assert!(message.contains("not SPARQL results"), "{message}");

    let output = run(&["links", "reconcile", "--endpoint", "ftp://example.org/"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("give an http:// or https:// URL"));
}
