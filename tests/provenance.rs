//! The provenance contract (rules 1–4 of `shared/design/data-model.md`)
//! beyond what the stored checks already assert on the built-in data:
//! the checks do fire on broken data, each article's recorded SHA-256
//! matches its text, and a plain query sees a fact stated twice only once.

use std::process::Command;

fn missions_kg(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_missions-kg"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("missions-kg runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

const BROKEN: &str = "tests/fixtures/provenance-broken.trig";

#[test]
fn unsourced_facts_are_reported() {
    let rows = missions_kg(&["--data", BROKEN, "query", "unsourced-fact-violation"]);
    assert!(
        rows.contains("numberOfEpisodes>\t12"),
        "the default-graph-only triple is not reported:\n{rows}"
    );
}

#[test]
fn outside_facts_in_an_article_graph_are_reported() {
    let rows = missions_kg(&[
        "--data",
        BROKEN,
        "query",
        "outside-fact-in-article-violation",
    ]);
    assert!(
        rows.contains("owl#sameAs>\t<http://www.wikidata.org/entity/Q1>"),
        "the Wikidata link inside article-000 is not reported:\n{rows}"
    );
}

#[test]
fn a_fact_stated_by_several_articles_is_seen_once_without_graph() {
    let plain = missions_kg(&[
        "query",
        "SELECT ?who WHERE { mkd:missions mk:creator ?who }",
        "--format",
        "tsv",
    ]);
    assert_eq!(
        plain.lines().count(),
        1 + 3,
        "three creators, once each:\n{plain}"
    );
    let per_source = missions_kg(&[
        "query",
        "SELECT ?g WHERE { GRAPH ?g { mkd:missions mk:creator mkd:julien-lacombe } }",
        "--format",
        "tsv",
    ]);
    assert_eq!(
        per_source.lines().count(),
        1 + 4,
        "all four articles:\n{per_source}"
    );
}

/// `shared/seeds/` sits beside the repository (as on every developer machine
/// and in CI); the recorded checksums must match the texts the data was read from.
#[test]
fn recorded_checksums_match_the_articles() {
    use sha2::{Digest, Sha256};
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let rows = missions_kg(&[
        "query",
        "SELECT ?file ?sha WHERE { ?a a mk:Article ; mk:fileName ?file ; mk:sha256 ?sha }",
        "--format",
        "csv",
    ]);
    let mut checked = 0;
    for row in rows.lines().skip(1) {
        let (file, sha) = row.split_once(',').expect("two columns");
        let path = seeds.join(file);
        let text = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {} (shared/seeds must sit beside the repository): {e}",
                path.display()
            )
        });
        let actual: String = Sha256::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(actual, sha.trim(), "checksum of {file}");
        checked += 1;
    }
    assert_eq!(checked, 4, "four articles described");
}
