//! The server read by real clients that no one here wrote, on loopback:
//! SPARQLWrapper and rdflib's SPARQLStore (PyPI) in every result format,
//! and Oxigraph's own server (PyPI `oxigraph`) federating with it through
//! `SERVICE`. `.ci/run` installs them and sets MISSIONS_KG_REQUIRE_CLIENTS,
//! so a missing one fails there; elsewhere the tests say they skipped.

mod common;

use common::{available, http_request, OxigraphServer, Served};
use std::process::Command;

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
    let oxigraph = OxigraphServer::start(&dir.path().join("oxigraph"));
    let port = oxigraph.port;
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
    drop(oxigraph);
    let text = reply.text();
    assert_eq!(reply.status, 200, "{text}");
    assert!(
        text.contains("https://w3id.org/missions-kg/id/clement-aubert"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 7, "six actors and the header: {text}");
}
