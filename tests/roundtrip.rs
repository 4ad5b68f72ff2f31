//! Round trip: export the fixture dataset in every format, load the export
//! with `--data`, export again, and compare. Our data has no blank nodes, so
//! sorted N-Quads equality is isomorphism.

use insta_cmd::get_cargo_bin;
use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> String {
    let output = Command::new(get_cargo_bin("missions-kg"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn export(data: &str, graph: &str, format: &str, output: &Path) {
    run(&[
        "export",
        "--data",
        data,
        "--graph",
        graph,
        "--format",
        format,
        "--output",
        output.to_str().unwrap(),
    ]);
}

const FIXTURE: &str = "tests/fixtures/kg.trig";

#[test]
fn dataset_formats_keep_every_graph() {
    let dir = tempfile::tempdir().unwrap();
    let expected = run(&[
        "export", "--data", FIXTURE, "--graph", "all", "-f", "nquads",
    ]);
    assert!(expected.contains("<https://w3id.org/missions-kg/source/article-000> ."));
    for (format, extension) in [("trig", "trig"), ("nquads", "nq"), ("jsonld", "jsonld")] {
        let file = dir.path().join(format!("export.{extension}"));
        export(FIXTURE, "all", format, &file);
        let again = run(&[
            "export",
            "--data",
            file.to_str().unwrap(),
            "--graph",
            "all",
            "-f",
            "nquads",
        ]);
        assert_eq!(again, expected, "round trip through {format}");
    }
}

#[test]
fn graph_formats_keep_the_merged_view() {
    let dir = tempfile::tempdir().unwrap();
    let expected = run(&["export", "--data", FIXTURE, "-f", "ntriples"]);
    for (format, extension) in [
        ("turtle", "ttl"),
        ("trig", "trig"),
        ("ntriples", "nt"),
        ("nquads", "nq"),
        ("jsonld", "jsonld"),
        ("rdfxml", "rdf"),
    ] {
        let file = dir.path().join(format!("export.{extension}"));
        export(FIXTURE, "default", format, &file);
        let again = run(&["export", "--data", file.to_str().unwrap(), "-f", "ntriples"]);
        assert_eq!(again, expected, "round trip through {format}");
    }
}

#[test]
fn export_is_deterministic() {
    let first = run(&["export", "--data", FIXTURE, "--graph", "all"]);
    let second = run(&["export", "--data", FIXTURE, "--graph", "all"]);
    assert_eq!(first, second);
}
