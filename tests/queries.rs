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

/// The definition of a fact (README, "What counts as a fact"), as every
/// query that counts or lists facts writes it: one definition, the same
/// lines in each (whatever the subject's variable is called).
const FACT_QUERIES: &[&str] = &[
    "agreement",
    "fact-support",
    "single-source-facts",
    "sources",
    "facts-per-article",
    "source-facts",
    "source-facts-by-class",
    "source-facts-by-property",
];

/// The lines of the definition in a query's text, trimmed, `?entity`
/// read as `?subject`.
fn fact_definition(text: &str) -> Option<Vec<String>> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim().replace("?entity", "?subject"))
        .collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("# A fact (README, \"What counts as a fact\")"))?;
    lines.get(start..start + 5).map(<[String]>::to_vec)
}

#[test]
fn every_query_that_counts_facts_uses_the_one_definition_and_they_agree() {
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let read = |name: &str| std::fs::read_to_string(queries.join(format!("{name}.rq"))).unwrap();
    let reference = fact_definition(&read("agreement")).expect("agreement.rq holds the definition");
    for name in FACT_QUERIES {
        assert_eq!(
            fact_definition(&read(name)).as_ref(),
            Some(&reference),
            "{name}.rq does not define a fact as agreement.rq does"
        );
    }
    // The counts, per article, from each query: the same numbers.
    let tsv = |args: &[&str]| -> Vec<Vec<String>> {
        let mut all = vec!["query", "--format", "tsv"];
        all.extend_from_slice(args);
        let output = common::output(&all);
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    };
    let number = |cell: &str| -> u64 { cell.split('"').nth(1).unwrap_or(cell).parse().unwrap() };
    let sources = tsv(&["sources"]);
    let per_article = tsv(&["facts-per-article"]);
    let single = tsv(&["single-source-facts"]);
    let mut total = 0;
    for row in &sources {
        let (article, facts, only) = (&row[0], number(&row[6]), number(&row[7]));
        total += facts;
        let same = per_article.iter().find(|r| &r[0] == article).unwrap();
        assert_eq!(
            (number(&same[1]), number(&same[2])),
            (facts, only),
            "{article}"
        );
        let bare = article.trim_matches(['<', '>']);
        let listed = tsv(&["source-facts", "--param", &format!("article={bare}")]).len() as u64;
        assert_eq!(listed, facts, "{article}: source-facts lists {listed}");
        let by_property: u64 = tsv(&[
            "source-facts-by-property",
            "--param",
            &format!("article={bare}"),
        ])
        .iter()
        .map(|r| number(&r[2]))
        .sum();
        assert_eq!(by_property, facts, "{article}: by property");
        let alone = single.iter().filter(|r| &r[0] == article).count() as u64;
        assert_eq!(alone, only, "{article}: single-source-facts lists {alone}");
    }
    // Each fact once in fact-support, stated by one article or several.
    let stated: u64 = tsv(&["fact-support"]).iter().map(|r| number(&r[3])).sum();
    assert_eq!(
        stated, total,
        "fact-support's article counts add up to the articles' facts"
    );
}
