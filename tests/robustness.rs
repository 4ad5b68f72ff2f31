//! Property tests: whatever a user types, the binary never panics and
//! answers with a clear error. Random and mutated SPARQL, RDF files of
//! every syntax with random damage, `--param` values, entity names and file
//! paths are thrown at it; each run must exit 0, 1 or 2, print no panic or
//! backtrace, and, when it fails, start stderr with `error: ` on a single
//! line (a SPARQL syntax error adds the offending line and a caret under it).
//!
//! Bounded for CI: `PROPTEST_CASES` cases per property (default 24 here);
//! set it higher to search longer, e.g. `PROPTEST_CASES=2000 cargo test
//! --test robustness`.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use std::path::Path;
use std::process::Output;

const KG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kg.trig");

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    Config {
        cases,
        // The inputs are generated; a failure prints its minimal case, which
        // is then added to the tests below by hand.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

fn run(args: &[&str]) -> Output {
    common::output(args)
}

/// Runs in `dir`, so that relative paths a case makes up land there.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::output_in(dir, args)
}

/// What every run keeps: exit 0, 1 or 2, and no panic or backtrace.
fn assert_no_panic(output: &Output, args: &[&str]) -> Result<(), TestCaseError> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    prop_assert!(
        matches!(code, Some(0..=2)),
        "exit {code:?} for {args:?}: {stderr}"
    );
    prop_assert!(!stderr.contains("panicked"), "panic for {args:?}: {stderr}");
    prop_assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "backtrace for {args:?}: {stderr}"
    );
    Ok(())
}

/// No panic, and a failure starts with `error: `; `lines` is how many lines
/// the error may take (1, or 3 for a SPARQL syntax error with its line and
/// caret). clap's own hint lines after a usage error (`Usage: …`, `For more
/// information, try '--help'.`) are not part of the error.
fn assert_clean(output: &Output, args: &[&str], lines: usize) -> Result<(), TestCaseError> {
    assert_no_panic(output, args)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() != Some(0) {
        prop_assert!(stderr.starts_with("error: "), "for {args:?}: {stderr}");
        let count = error_lines(&stderr);
        prop_assert!(
            count >= 1 && count <= lines,
            "{count} lines for {args:?}: {stderr}"
        );
    }
    Ok(())
}

/// `validate` reports on stdout and exits 1 when it finds problems; stderr
/// then holds at most its one-line summary, or one `error: ` line when it
/// could not run at all.
fn assert_validated(output: &Output, args: &[&str]) -> Result<(), TestCaseError> {
    assert_no_panic(output, args)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    prop_assert!(error_lines(&stderr) <= 1, "for {args:?}: {stderr}");
    Ok(())
}

fn error_lines(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| {
            !line.trim().is_empty()
                && !line.starts_with("Usage:")
                && !line.starts_with("For more information")
                && !line.starts_with("  ")
        })
        .count()
}

/// Text without NUL (which no command-line argument can hold).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[a-zA-Z:<>/#?_\\-\\.\"'@^ ]{0,30}",
    ]
    .prop_map(|s| s.replace('\0', ""))
}

/// A stored query's text with a few random edits: deleted, inserted or
/// replaced characters and a possible truncation.
fn mutated_sparql() -> impl Strategy<Value = String> {
    let bases = [
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5",
        "SELECT ?series ?creator WHERE { ?series mk:creator ?creator } ORDER BY ?creator",
        "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = \"fr\") }",
        "ASK { GRAPH ?g { ?s a mk:Person } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c OPTIONAL { ?c ?d ?e } } GROUP BY ?a HAVING(?n > 1)",
        "DESCRIBE mkd:missions",
    ];
    (
        prop::sample::select(bases.to_vec()),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 0..6),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(base, edits, cut)| {
            let mut chars: Vec<char> = base.chars().collect();
            for (at, kind, c) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = at.index(chars.len());
                let c = if c == '\0' { ' ' } else { c };
                match kind {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars.insert(i, c),
                    _ => chars[i] = c,
                }
            }
            if let Some(cut) = cut {
                chars.truncate(cut.index(chars.len() + 1));
            }
            chars.into_iter().collect()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sparql_random_or_mutated(query in prop_oneof![mutated_sparql(), text()]) {
        let args = ["--data", KG, "query", "--timeout", "2", "-f", "tsv", "--", &query];
        assert_clean(&run(&args), &args, 3)?;
    }

    #[test]
    fn param_values(value in text()) {
        let param = format!("--param=article={value}");
        let args = ["query", "single-source-facts", &param, "-f", "tsv"];
        assert_clean(&run(&args), &args, 1)?;
        let param = format!("--param=entity={value}");
        let args = ["--data", KG, "query", "entity-facts", &param, "-f", "tsv"];
        assert_clean(&run(&args), &args, 1)?;
    }

    #[test]
    fn entity_names(name in text()) {
        let args = ["--data", KG, "describe", "--", &name];
        assert_clean(&run(&args), &args, 1)?;
        let args = ["--data", KG, "links", "--", &name];
        assert_clean(&run(&args), &args, 1)?;
        let args = ["sources", "--", &name];
        assert_clean(&run(&args), &args, 1)?;
    }

    #[test]
    fn file_paths(path in prop_oneof![
        text(),
        "(/|\\./|\\.\\./|tests/|/proc/self/|/dev/)[a-z.]{0,12}(\\.(ttl|trig|nt|nq|rdf|owl|jsonld|rq|n3))?",
    ]) {
        // Every run starts in a scratch folder, and the one path that is
        // written (--output) is kept inside it: no case may create files in
        // the repository or anywhere else.
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let data = format!("--data={path}");
        let args = [data.as_str(), "query", "ASK {}"];
        assert_clean(&run_in(dir, &args), &args, 1)?;
        let args = [data.as_str(), "validate"];
        assert_validated(&run_in(dir, &args), &args)?;
        let inside = path.trim_start_matches('/').replace("..", "__");
        let output = format!("--output={}", dir.join(inside).display());
        let args = ["--data", KG, "export", output.as_str()];
        assert_clean(&run_in(dir, &args), &args, 1)?;
        let shapes = format!("--shapes={path}");
        let args = ["--data", KG, "validate", shapes.as_str()];
        assert_validated(&run_in(dir, &args), &args)?;
    }

    /// A valid file of each RDF syntax, damaged: bytes replaced, inserted or
    /// cut. Loading it for a query is one error line; `validate` reports
    /// every syntax error it can find and exits 1, or 0 if the damage left
    /// valid RDF.
    #[test]
    fn damaged_rdf_files(
        format in prop::sample::select(vec!["ttl", "trig", "nt", "nq", "rdf", "jsonld"]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<bool>()), 1..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = sample(format);
        for (at, byte, insert) in edits {
            let i = at.index(bytes.len());
            if insert { bytes.insert(i, byte) } else { bytes[i] = byte }
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("damaged.{format}"));
        std::fs::write(&file, &bytes).unwrap();
        let data = format!("--data={}", file.display());
        let args = [data.as_str(), "query", "SELECT * { ?s ?p ?o } LIMIT 3", "-f", "tsv"];
        assert_clean(&run(&args), &args, 1)?;
        let args = [data.as_str(), "validate", "-f", "json"];
        let output = run(&args);
        assert_validated(&output, &args)?;
        if output.status.code() != Some(2) && !output.stderr.starts_with(b"error: ") {
            let report: Result<serde_json::Value, _> = serde_json::from_slice(&output.stdout);
            prop_assert!(report.is_ok(), "validate -f json wrote no JSON for {args:?}");
        }
    }
}

/// The fixture graph in `format`, as `export` writes it.
fn sample(format: &str) -> Vec<u8> {
    let (graph, name) = match format {
        "trig" | "nq" => ("all", format),
        "ttl" => ("default", "turtle"),
        "nt" => ("default", "ntriples"),
        "rdf" => ("default", "rdfxml"),
        _ => ("default", "jsonld"),
    };
    let name = if name == "nq" { "nquads" } else { name };
    let output = run(&["--data", KG, "export", "--graph", graph, "--format", name]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Cases found by the properties above, kept so they stay fixed.
#[test]
fn found_cases() {
    for args in [
        vec!["query", "--", "SELECT * {"],
        vec!["query", "--", ""],
        vec!["describe", "--", ""],
        vec!["--data=", "query", "ASK {}"],
        vec!["--data=/dev/null", "validate"],
    ] {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0..=2)),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
