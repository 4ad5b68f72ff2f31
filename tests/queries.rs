//! Every stored query in `queries/`, run through the real binary on the
//! embedded data, against its expected result.
//!
//! Reports are compared with their reviewed snapshot in
//! `tests/snapshots/queries__*.snap` (TSV, so every term is shown in full);
//! checks (`*-violation.rq`) must return no row at all. A new `.rq` file is
//! picked up by the glob: its first run fails in CI until its expected
//! result has been reviewed (`cargo insta review`) and committed. Each check
//! must also fire on `tests/fixtures/checks-broken/`, data broken on purpose,
//! so that no check passes because it cannot fail.

mod common;

use std::path::Path;

/// Runs `missions-kg query NAME --format tsv` with the file's `#+ example:`
/// bindings, and returns stdout; fails the test on a non-zero exit.
fn run_stored_query(path: &Path, data: Option<&str>) -> String {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("utf-8 name");
    let text = std::fs::read_to_string(path).expect("readable query file");
    let mut args = Vec::new();
    if let Some(data) = data {
        args.extend(["--data", data]);
    }
    args.extend(["query", name, "--format", "tsv"]);
    for binding in text.lines().filter_map(|l| l.strip_prefix("#+ example:")) {
        args.extend(["--param", binding.trim()]);
    }
    let output = common::output(&args);
    assert!(
        output.status.success(),
        "query {name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn stored_query() {
    insta::glob!("../queries", "*.rq", |path| {
        let result = run_stored_query(path, None);
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if name.ends_with("-violation") {
            let offending: Vec<&str> = result.lines().skip(1).collect();
            assert!(
                offending.is_empty(),
                "check {name} found {} offending row(s):\n{}",
                offending.len(),
                offending.join("\n")
            );
        } else {
            let rows = result.lines().count().saturating_sub(1);
            assert!(rows > 0, "report {name} returned no rows");
            insta::assert_snapshot!(result);
        }
    });
}

#[test]
fn every_check_fires_on_broken_data() {
    insta::glob!("../queries", "*-violation.rq", |path| {
        let result = run_stored_query(path, Some("tests/fixtures/checks-broken"));
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            result.lines().count() > 1,
            "check {name} finds nothing in tests/fixtures/checks-broken: it could never fail"
        );
    });
}
