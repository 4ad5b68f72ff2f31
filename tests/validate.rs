//! `missions-kg validate`: the shipped data conforms; each fixture in
//! `tests/fixtures/validate/broken/` (loaded on top of `valid.trig`) is one
//! kind of error, and its report is snapshotted; a file with ten thousand
//! syntax errors has them all reported; and pySHACL, an independent SHACL
//! engine, finds the same shape violations as ours on the shipped data and
//! on every fixture.
//!
//! pySHACL comes from PyPI. Without it on PATH the cross-check says so and
//! passes, so `cargo test` needs only the Rust toolchain; `.ci/run` installs
//! it and sets `MISSIONS_KG_REQUIRE_PYSHACL=1` (and `CI=true` does too),
//! which turns its absence into a failure.

mod common;

use insta_cmd::assert_cmd_snapshot;
use oxigraph::io::RdfFormat;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const VALID: &str = "tests/fixtures/validate/valid.trig";

fn kg(args: &[&str]) -> Command {
    common::command(args)
}

fn run(args: &[&str]) -> Output {
    common::output(args)
}

#[test]
fn the_shipped_data_conforms() {
    let output = run(&["validate"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.starts_with("conforms: "), "{stdout}");
    assert!(stdout.contains("0 syntax errors, 0 shape violations, 0 check violations"));
}

#[test]
fn the_valid_fixture_conforms() {
    let output = run(&["validate", "--data", VALID]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn each_broken_fixture_is_reported() {
    insta::glob!("fixtures/validate/broken/*", |path| {
        let fixture = relative(path);
        let mut command = kg(&["validate", "--data", VALID, "--data", &fixture]);
        assert_cmd_snapshot!(command);
    });
}

#[test]
fn json_report_counts_and_lists_each_kind() {
    let output = run(&[
        "validate",
        "--data",
        VALID,
        "--data",
        "tests/fixtures/validate/broken/syntax.ttl",
        "--data",
        "tests/fixtures/validate/broken/role.trig",
        "-f",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["conforms"], false);
    assert_eq!(report["summary"]["syntaxErrors"], 4);
    assert_eq!(report["syntaxErrors"][0]["line"], 3);
    assert_eq!(report["syntaxErrors"][0]["column"], 11);
    assert_eq!(report["summary"]["shapeViolations"], 3);
    assert_eq!(report["shapeViolations"][0]["focusNode"], "mkd:role-nobody");
    assert_eq!(report["shapeViolations"][0]["shape"], "mksh:Role");
    assert_eq!(
        report["checkViolations"][0]["check"],
        "incomplete-role-violation"
    );
    // The summary goes to stderr, so stdout stays JSON.
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("does not conform: "));
}

#[test]
fn turtle_report_is_a_shacl_report() {
    let output = run(&[
        "validate",
        "--data",
        VALID,
        "--data",
        "tests/fixtures/validate/broken/range.trig",
        "-f",
        "turtle",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let results = shacl_results(&output.stdout, RdfFormat::Turtle);
    assert!(results.contains(&(
        "https://w3id.org/missions-kg/id/show".to_owned(),
        "https://w3id.org/missions-kg/ontology#seasonNumber".to_owned(),
        "http://www.w3.org/ns/shacl#MinInclusiveConstraintComponent".to_owned()
    )));
    assert_eq!(results.len(), 3, "{results:?}");
}

#[test]
fn a_format_validate_cannot_write_is_a_usage_error() {
    let output = run(&["validate", "-f", "csv"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("text, json, turtle"), "{stderr}");
}

#[test]
fn broken_shapes_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = dir.path().join("shapes.ttl");
    std::fs::write(
        &shapes,
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n[] sh:path .\n",
    )
    .unwrap();
    let output = run(&["validate", "--shapes", shapes.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot read the shapes"), "{stderr}");
}

/// Ten thousand broken statements: every one is reported, with its line.
/// (How fast is measured by bench/validate.sh, not here: 40 ms in release.)
#[test]
fn ten_thousand_syntax_errors_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.ttl");
    let mut text = String::from("@prefix ex: <http://example.org/> .\n");
    // Two kinds the parser resumes from at the next statement. (After a
    // missing object it resumes one statement later: README, "Validating".)
    for i in 0..10_000 {
        if i % 2 == 0 {
            text.push_str(&format!("ex:s{i} ex:p <http://example.org/a b{i}> .\n"));
        } else {
            text.push_str(&format!("ex:s{i} undeclared:p ex:o .\n"));
        }
    }
    std::fs::write(&file, text).unwrap();
    let output = run(&["validate", "--data", file.to_str().unwrap(), "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors = report["syntaxErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 10_000);
    for (i, error) in errors.iter().enumerate() {
        assert_eq!(error["line"], i + 2, "{error}");
    }
}

/// `(focus node, path, constraint component)` of each `sh:result` of a SHACL
/// report, without our check results (SPARQL constraints pySHACL does not run).
fn shacl_results(report: &[u8], format: RdfFormat) -> BTreeSet<(String, String, String)> {
    let store = Store::new().unwrap();
    store.load_from_slice(format, report).unwrap();
    let query = r#"
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?focus ?path ?component WHERE {
          ?report sh:result ?result .
          ?result sh:focusNode ?f ; sh:sourceConstraintComponent ?c .
          FILTER(?c != sh:SPARQLConstraintComponent)
          OPTIONAL { ?result sh:resultPath ?p OPTIONAL { ?p sh:inversePath ?inverse } }
          BIND(STR(?f) AS ?focus)
          BIND(STR(?c) AS ?component)
          BIND(COALESCE(CONCAT("^", STR(?inverse)), STR(?p), "") AS ?path)
        }"#;
    let QueryResults::Solutions(solutions) = SparqlEvaluator::new()
        .parse_query(query)
        .unwrap()
        .on_store(&store)
        .execute()
        .unwrap()
    else {
        panic!("a SELECT query")
    };
    solutions
        .map(|solution| {
            let solution = solution.unwrap();
            let text = |name: &str| match solution.get(name) {
                Some(oxigraph::model::Term::Literal(literal)) => literal.value().to_owned(),
                _ => String::new(),
            };
            (text("focus"), text("path"), text("component"))
        })
        .collect()
}

/// Our shape results and pySHACL's, on the same triples: the merged view of
/// `data` (as `export` writes it) plus the ontology, which both mix in.
/// Returns how many results both found, or `None` when pySHACL is missing.
fn cross_check(data: &[&str]) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let merged = dir.path().join("merged.nt");
    let mut args = Vec::new();
    for path in data {
        args.extend(["--data", path]);
    }
    let mut export = args.clone();
    if data.is_empty() {
        // The built-in data, without the ontology that pySHACL gets with -e.
        export.extend(["--data", "data"]);
    }
    export.extend([
        "export",
        "--format",
        "ntriples",
        "--output",
        merged.to_str().unwrap(),
    ]);
    let exported = run(&export);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let pyshacl = Command::new("pyshacl")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "-s",
            "ontology/shapes.ttl",
            "-e",
            "ontology/missions.ttl",
            "-df",
            "nt",
            "-f",
            "nt",
        ])
        .arg(&merged)
        .output();
    let pyshacl = match pyshacl {
        Ok(output) => output,
        Err(error) => {
            common::skip(
                "MISSIONS_KG_REQUIRE_PYSHACL",
                &format!("pySHACL cannot start ({error}); pip install pyshacl to run this test"),
            );
            return None;
        }
    };
    // pySHACL exits 1 when the data does not conform, 0 when it does.
    assert!(
        matches!(pyshacl.status.code(), Some(0 | 1)),
        "pySHACL failed: {}",
        String::from_utf8_lossy(&pyshacl.stderr)
    );
    let theirs = shacl_results(&pyshacl.stdout, RdfFormat::NTriples);
    let mut validate = args.clone();
    validate.extend(["validate", "-f", "ntriples"]);
    let ours = run(&validate);
    let ours = shacl_results(&ours.stdout, RdfFormat::NTriples);
    assert_eq!(
        ours, theirs,
        "our SHACL results differ from pySHACL's on {data:?}"
    );
    Some(ours.len())
}

#[test]
fn pyshacl_agrees_on_the_shipped_data() {
    assert!(matches!(cross_check(&[]), None | Some(0)));
}

#[test]
fn pyshacl_agrees_on_each_broken_fixture() {
    let mut fixtures: Vec<_> = std::fs::read_dir("tests/fixtures/validate/broken")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !relative(path).contains("syntax"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 8);
    let mut with_violations = 0;
    for fixture in fixtures {
        let fixture = relative(&fixture);
        match cross_check(&[VALID, &fixture]) {
            None => return,
            Some(found) => with_violations += usize::from(found > 0),
        }
    }
    // Only the two provenance fixtures (outside, unsourced) are clean for SHACL.
    assert!(
        with_violations >= 8,
        "only {with_violations} fixtures had shape violations"
    );
}

/// A path relative to the crate root, with `/`, so snapshots match everywhere.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
