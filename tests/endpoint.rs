//! `links reconcile` and `links check` against a real SPARQL server:
//! rdflib-endpoint (from PyPI) serving `tests/fixtures/links/wikidata.ttl`
//! on loopback, with the graph `tests/fixtures/links/kg.trig`. The tests
//! never need the internet.
//!
//! Without `rdflib-endpoint` on PATH these tests say so and pass, so that
//! `cargo test` works with only the Rust toolchain; `.ci/run` installs it and
//! sets `MISSIONS_KG_REQUIRE_ENDPOINT=1` (and `CI=true` does too), which
//! turns its absence into a failure. The error tests (refused connection,
//! silence, HTTP errors, answers that are not SPARQL results) use raw
//! sockets (`common::raw_server`) and always run.

mod common;

use common::{free_port, RdflibEndpoint};
use std::process::Output;
use std::time::{Duration, Instant};

const KG: &str = "tests/fixtures/links/kg.trig";

/// The binary on the links fixture graph.
fn run(args: &[&str]) -> Output {
    let mut all = vec!["--data", KG];
    all.extend_from_slice(args);
    common::output(&all)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// rdflib-endpoint serving the Wikidata fixture, or `None` (skipped).
fn server() -> Option<RdflibEndpoint> {
    RdflibEndpoint::start("tests/fixtures/links/wikidata.ttl")
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
    let output = common::output(&[
        "--data",
        file.path().to_str().unwrap(),
        "links",
        "check",
        "--endpoint",
        &server.url,
        "--format",
        "tsv",
    ]);
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

/// Serves one canned HTTP answer (or, with `None`, silence, the
/// connection held open) to every connection, for half a minute.
fn raw_server(answer: Option<&'static str>) -> String {
    common::raw_server(answer.map(|a| a.as_bytes().to_vec()), 100, 30.0).0
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
