//! Round trip: export a dataset in every format, load the export with
//! `--data`, export again, and compare. Run on the small fixture and on the
//! built-in data (every datatype and language tag the articles need). Neither
//! has blank nodes, so sorted N-Quads equality is isomorphism.

mod common;

use std::path::Path;

/// The stdout of a run in the crate's root that must succeed.
fn run(args: &[&str]) -> String {
    common::ok(common::root(), args)
}

/// `--data FILE` for the fixture, nothing for the built-in data.
fn source(data: Option<&str>) -> Vec<&str> {
    data.map_or_else(Vec::new, |file| vec!["--data", file])
}

fn export(data: Option<&str>, graph: &str, format: &str, output: &Path) {
    let mut args = vec!["export"];
    args.extend(source(data));
    args.extend(["--graph", graph, "--format", format, "--output"]);
    args.push(output.to_str().unwrap());
    run(&args);
}

const SOURCES: [Option<&str>; 2] = [Some("tests/fixtures/kg.trig"), None];

#[test]
fn dataset_formats_keep_every_graph() {
    for data in SOURCES {
        dataset_round_trip(data);
    }
}

fn dataset_round_trip(data: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["export"];
    args.extend(source(data));
    args.extend(["--graph", "all", "-f", "nquads"]);
    let expected = run(&args);
    assert!(expected.contains("<https://w3id.org/missions-kg/source/article-000> ."));
    for (format, extension) in [("trig", "trig"), ("nquads", "nq"), ("jsonld", "jsonld")] {
        let file = dir.path().join(format!("export.{extension}"));
        export(data, "all", format, &file);
        let again = run(&[
            "export",
            "--data",
            file.to_str().unwrap(),
            "--graph",
            "all",
            "-f",
            "nquads",
        ]);
        assert_eq!(again, expected, "round trip of {data:?} through {format}");
    }
}

#[test]
fn graph_formats_keep_the_merged_view() {
    for data in SOURCES {
        graph_round_trip(data);
    }
}

fn graph_round_trip(data: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["export"];
    args.extend(source(data));
    args.extend(["-f", "ntriples"]);
    let expected = run(&args);
    for (format, extension) in [
        ("turtle", "ttl"),
        ("trig", "trig"),
        ("ntriples", "nt"),
        ("nquads", "nq"),
        ("jsonld", "jsonld"),
        ("rdfxml", "rdf"),
    ] {
        let file = dir.path().join(format!("export.{extension}"));
        export(data, "default", format, &file);
        let again = run(&["export", "--data", file.to_str().unwrap(), "-f", "ntriples"]);
        assert_eq!(again, expected, "round trip of {data:?} through {format}");
    }
}

#[test]
fn export_is_deterministic() {
    let first = run(&["export", "--graph", "all"]);
    let second = run(&["export", "--graph", "all"]);
    assert_eq!(first, second);
}

/// `export --format schemaorg` is the schema.org view: JSON-LD whose context is
/// inline (the parser is never allowed to fetch one), with the entities'
/// schema.org types, names and verified external links as `sameAs`.
#[test]
fn schema_org_jsonld_parses_offline_and_carries_same_as() {
    let text = run(&["export", "--format", "schemaorg"]);
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(document["@context"].is_object(), "the context is inline");
    let triples: Vec<String> =
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        })
        .for_slice(text.as_bytes())
        .map(|quad| quad.map(|q| q.to_string()))
        .collect::<Result<_, _>>()
        .unwrap();
    let has = |triple: &str| triples.iter().any(|t| t == triple);
    let missions = "<https://w3id.org/missions-kg/id/missions>";
    assert!(has(&format!(
        "{missions} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/TVSeries>"
    )));
    assert!(has(&format!(
        "{missions} <http://schema.org/name> \"Missions\"@fr"
    )));
    assert!(has(&format!("{missions} <http://schema.org/sameAs> <https://en.wikipedia.org/wiki/Missions_(TV_series)>")));
    assert!(has(&format!(
        "{missions} <http://schema.org/sameAs> <https://www.imdb.com/title/tt6445112/>"
    )));
    assert!(has("<https://w3id.org/missions-kg/id/esa> <http://schema.org/sameAs> <https://www.wikidata.org/wiki/Q42262>"));
    // Every predicate is schema.org's (or rdf:type): nothing of our own vocabulary leaks.
    for triple in &triples {
        let predicate = triple.split(' ').nth(1).unwrap();
        assert!(
            predicate.starts_with("<http://schema.org/") || predicate.ends_with("#type>"),
            "{triple}"
        );
    }
}
