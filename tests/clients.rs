//! The server read by real clients that no one here wrote, on loopback:
//! SPARQLWrapper and rdflib's SPARQLStore (PyPI) in every result format,
//! and Oxigraph's own server (PyPI `oxigraph`) federating with it through
//! `SERVICE`; pyld expands `export --format annotations`. `.ci/run` installs them and sets MISSIONS_KG_REQUIRE_CLIENTS,
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

/// `export --format annotations` read by pyld (PyPI), offline: each
/// annotation's types and properties as the Web Annotation context expands
/// them, one per fact and passage of the evidence graph, `exact` only with
/// `--articles` (tests/clients/annotations.py).
#[test]
fn pyld_expands_the_annotations() {
    if !available("pyld", Command::new("python3").args(["-c", "import pyld"])) {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let count = common::run_in(
        root,
        &[
            "query",
            "--format",
            "tsv",
            "SELECT (COUNT(*) AS ?n) { GRAPH mkg:evidence { ?e rdf:subject ?s ; mk:passage ?x } }",
        ],
        None,
        60.0,
    );
    let count = count.stdout_text().lines().nth(1).unwrap_or("").to_owned();
    assert!(count.parse::<u32>().is_ok_and(|n| n > 400), "{count}");
    let dir = tempfile::tempdir().unwrap();
    let seeds = root.join("../shared/seeds").display().to_string();
    for (mode, args) in [
        ("without-exact", vec![]),
        ("with-exact", vec!["--articles", seeds.as_str()]),
    ] {
        let file = dir.path().join(format!("{mode}.annotations.jsonld"));
        let file = file.display().to_string();
        let mut export = args.clone();
        export.extend(["export", "-o", file.as_str()]);
        let run = common::run_in(root, &export, None, 60.0);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/annotations.py");
        let output = Command::new("python3")
            .args([script, &file, &count, mode])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{mode}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains(&format!("ok annotations {count} {mode}")),
            "{stdout}"
        );
    }
}
