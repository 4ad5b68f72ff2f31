//! The server read by real clients that no one here wrote, on loopback:
//! SPARQLWrapper and rdflib's SPARQLStore (PyPI) in every result format,
//! and Oxigraph's own server (PyPI `oxigraph`) federating with it through
//! `SERVICE`. `.ci/run` installs them and sets MISSIONS_KG_REQUIRE_CLIENTS,
//! so a missing one fails there; elsewhere the tests say they skipped.

mod common;

use common::{http_request, Served};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn available(what: &str, check: &mut Command) -> bool {
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

#[test]
fn sparqlwrapper_and_rdflib_read_every_format() {
    if !available(
        "SPARQLWrapper",
        Command::new("python3").args(["-c", "import SPARQLWrapper, rdflib"]),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/sparql_clients.py"
    );
    let output = Command::new("python3")
        .args([script, &format!("{}/sparql", served.url)])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for check in [
        "json-GET",
        "json-POST",
        "xml",
        "csv",
        "tsv",
        "graph-turtle",
        "graph-n3",
        "graph-rdfxml",
        "graph-jsonld",
        "ask",
        "rdflib-sparqlstore",
    ] {
        assert!(
            stdout.contains(&format!("ok {check} ")) || stdout.contains(&format!("ok {check}\n")),
            "{check}: {stdout}"
        );
    }
}

#[test]
fn oxigraph_server_federates_with_ours_through_service() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[]);
    // A free port for Oxigraph: bind, read it, release.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut oxigraph = Command::new("oxigraph")
        .args(["serve", "--location"])
        .arg(dir.path().join("oxigraph"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "oxigraph did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let query = format!(
        "PREFIX mk: <https://w3id.org/missions-kg/ontology#> \
         SELECT DISTINCT ?person WHERE {{ SERVICE <{}/sparql> {{ ?role mk:castMember ?person }} }} ORDER BY ?person",
        served.url
    );
    let reply = http_request(
        port,
        "POST",
        "/query",
        &[
            ("Content-Type", "application/sparql-query"),
            ("Accept", "text/csv"),
        ],
        query.as_bytes(),
    );
    let _ = oxigraph.kill();
    let _ = oxigraph.wait();
    let text = reply.text();
    assert_eq!(reply.status, 200, "{text}");
    assert!(
        text.contains("https://w3id.org/missions-kg/id/clement-aubert"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 7, "six actors and the header: {text}");
}
