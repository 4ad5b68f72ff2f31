//! The provenance contract (rules 1–4 of `shared/design/data-model.md`)
//! beyond what the stored checks already assert on the built-in data:
//! the checks do fire on broken data, each article's recorded SHA-256
//! matches its text, and a plain query sees a fact stated twice only once.

mod common;

use common::{assert_error_line_exit, run_in};

/// The stdout of a run in the crate's root that must succeed.
fn missions_kg(args: &[&str]) -> String {
    common::ok(common::root(), args)
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

/// `query --why` on three small graphs, each expected support worked out
/// by hand from `tests/fixtures/why/kg.trig` (g1, g2, g3 are bits in that
/// order; a support lists its graphs, alternatives are split by ` | `).
#[test]
fn why_gives_the_minimal_graph_sets_worked_out_by_hand() {
    const KG: &str = "tests/fixtures/why/kg.trig";
    let cases: &[(&str, &[&str])] = &[
        // A top OFFSET picks which answers are shown, not what gives them:
        // ex:a, second by descending order, comes from g1 or g2 (g1 alone
        // holds no second answer, so a re-check with the OFFSET lost it).
        (
            "SELECT ?s { ?s ex:p ?o } ORDER BY DESC(?s) OFFSET 1",
            &["<http://e.org/a>\t\"g1 | g2\""],
        ),
        // A join: ex:a's p (g1 or g2) with b's q (g1 or g3); g1 alone
        // holds both, else g2 and g3 together. ex:c's p is g2's only.
        (
            "SELECT ?s ?v { ?s ex:p ?o . ?o ex:q ?v } ORDER BY ?s",
            &[
                "<http://e.org/a>\t\"x\"\t\"g1 | g2 + g3\"",
                "<http://e.org/c>\t\"x\"\t\"g1 + g2 | g2 + g3\"",
            ],
        ),
        // Either branch of a union.
        (
            "SELECT DISTINCT ?s { { ?s ex:r ?x } UNION { ?s ex:q ?x } }",
            &["<http://e.org/b>\t\"g1 | g3\""],
        ),
        // An OPTIONAL that does not match needs nothing.
        (
            "SELECT ?s ?v { ?s ex:p ex:b OPTIONAL { ?s ex:q ?v } } ORDER BY ?s",
            &[
                "<http://e.org/a>\t\t\"g1 | g2\"",
                "<http://e.org/c>\t\t\"g2\"",
            ],
        ),
        // A count needs every member: a (g1 or g2) and c (g2).
        ("SELECT (COUNT(*) AS ?n) { ?s ex:p ex:b }", &["2\t\"g2\""]),
        // MINUS only removes.
        (
            "SELECT ?s { ?s ex:p ex:b MINUS { ?s ex:q ?v } } ORDER BY ?s",
            &["<http://e.org/a>\t\"g1 | g2\"", "<http://e.org/c>\t\"g2\""],
        ),
        // Zero steps need c in the data (Oxigraph matches a node the data
        // holds: g2 or g3 mention it); the other steps are g3's.
        (
            "SELECT ?x { ex:c ex:sub* ?x } ORDER BY ?x",
            &[
                "<http://e.org/c>\t\"g2 | g3\"",
                "<http://e.org/d>\t\"g3\"",
                "<http://e.org/e>\t\"g3\"",
            ],
        ),
        // A sequence path is two triples.
        (
            "SELECT ?v { ex:a ex:p/ex:q ?v }",
            &["\"x\"\t\"g1 | g2 + g3\""],
        ),
        // An explicit GRAPH is its own support.
        (
            "SELECT ?g { GRAPH ?g { ex:a ex:p ex:b } } ORDER BY ?g",
            &[
                "<https://w3id.org/missions-kg/source/g1>\t\"g1\"",
                "<https://w3id.org/missions-kg/source/g2>\t\"g2\"",
            ],
        ),
        // A group per subject, each its members'.
        (
            "SELECT ?o (COUNT(?s) AS ?n) { ?s ex:p ?o } GROUP BY ?o",
            &["<http://e.org/b>\t2\t\"g2\""],
        ),
        ("ASK { ex:a ex:p ex:b }", &["\"g1 | g2\""]),
        ("ASK { ex:a ex:p ex:none }", &[]),
        // No fact needed: a count over no match, values given in the query.
        ("SELECT (COUNT(*) AS ?n) { ?s ex:none ?o }", &["0\t\"none\""]),
        ("SELECT ?x { VALUES ?x { 1 } }", &["1\t\"none\""]),
        // Two negations, one inside the other (found by a hostile review).
        // a: g1 alone holds a's p and b's q, which keeps the inner pattern
        // false. c needs g2 (its p) and g1 or g3 (b's q): the rewrite offers
        // g2 alone, which running the query on g2 refutes, so c is "not
        // traced" rather than given a support that does not hold.
        (
            "SELECT ?s { ?s ex:p ex:b FILTER NOT EXISTS { ?s ex:p ?o FILTER NOT EXISTS { ?o ex:q ?v } } } ORDER BY ?s",
            &["<http://e.org/a>\t\"g1\"", "<http://e.org/c>\t\"not traced\""],
        ),
        // A count over answers that a missing fact would let in: the
        // rewrite offers g2, where the count is 2, so it is dropped.
        (
            "SELECT (COUNT(*) AS ?n) { ?s ex:p ex:b FILTER NOT EXISTS { ex:b ex:r ?y } }",
            &["0\t\"not traced\""],
        ),
    ];
    for (query, expected) in cases {
        let query = format!("PREFIX ex: <http://e.org/> {query}");
        let out = missions_kg(&["--data", KG, "query", &query, "--why", "--format", "tsv"]);
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(rows, *expected, "{query}");
    }
    // A triple of the default graph only is its own support.
    let out = missions_kg(&[
        "--data",
        KG,
        "--data",
        "tests/fixtures/why/plain.ttl",
        "query",
        "SELECT ?v { <http://e.org/c> <http://e.org/q> ?v }",
        "--why",
        "--format",
        "tsv",
    ]);
    assert_eq!(
        out.lines().nth(1),
        Some("\"z\"\t\"default graph\""),
        "{out}"
    );
}

/// A CONSTRUCT's triples with `--why`: each in a graph per support, the
/// supports described in the default graph (same fixture, same supports
/// as the join above).
#[test]
fn why_puts_constructed_triples_in_a_graph_per_support() {
    let out = missions_kg(&[
        "--data",
        "tests/fixtures/why/kg.trig",
        "query",
        "PREFIX ex: <http://e.org/> CONSTRUCT { ?s ex:reaches ?v } WHERE { ?s ex:p ?o . ?o ex:q ?v }",
        "--why",
        "--format",
        "nquads",
    ]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    let label = "<http://www.w3.org/2000/01/rdf-schema#label>";
    let from = "<http://www.w3.org/ns/prov#wasDerivedFrom>";
    let g = |n: u8| format!("<https://w3id.org/missions-kg/source/g{n}>");
    let mut expected = vec![
        "<http://e.org/a> <http://e.org/reaches> \"x\" _:support-1 .".to_owned(),
        "<http://e.org/a> <http://e.org/reaches> \"x\" _:support-6 .".to_owned(),
        "<http://e.org/c> <http://e.org/reaches> \"x\" _:support-3 .".to_owned(),
        "<http://e.org/c> <http://e.org/reaches> \"x\" _:support-6 .".to_owned(),
        format!("_:support-1 {label} \"g1\" ."),
        format!("_:support-1 {from} {} .", g(1)),
        format!("_:support-3 {label} \"g1 + g2\" ."),
        format!("_:support-3 {from} {} .", g(1)),
        format!("_:support-3 {from} {} .", g(2)),
        format!("_:support-6 {label} \"g2 + g3\" ."),
        format!("_:support-6 {from} {} .", g(2)),
        format!("_:support-6 {from} {} .", g(3)),
    ];
    expected.sort_unstable();
    assert_eq!(lines, expected);
    // The support graphs never take a label the data's blank nodes have.
    let out = missions_kg(&[
        "--data",
        "tests/fixtures/why/blank.nq",
        "query",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "--why",
        "--format",
        "nquads",
    ]);
    assert!(
        out.contains("_:support-1 <http://e.org/p> \"from data\" _:xsupport-1 ."),
        "{out}"
    );
    // DESCRIBE: b is described because of its q (g1 or g3); its r is g3's.
    let out = missions_kg(&[
        "--data",
        "tests/fixtures/why/kg.trig",
        "query",
        "PREFIX ex: <http://e.org/> DESCRIBE ?s WHERE { ?s ex:q ?v }",
        "--why",
        "--format",
        "nquads",
    ]);
    let mut lines: Vec<&str> = out.lines().filter(|l| l.starts_with('<')).collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "<http://e.org/b> <http://e.org/q> \"x\" _:support-1 .",
            "<http://e.org/b> <http://e.org/q> \"x\" _:support-4 .",
            "<http://e.org/b> <http://e.org/r> \"y\" _:support-4 .",
        ]
    );
}

#[test]
fn why_refuses_what_it_cannot_trace_in_one_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "query",
                "CONSTRUCT WHERE { ?s ?p ?o }",
                "--why",
                "--format",
                "turtle",
            ],
            2,
            "a dataset format",
        ),
        (
            &[
                "query",
                "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                "--why",
            ],
            2,
            "SERVICE",
        ),
        (
            &[
                "query",
                "SELECT ?s { { SELECT ?s { ?s ?p ?o } LIMIT 2 } }",
                "--why",
            ],
            2,
            "LIMIT or OFFSET inside a subquery",
        ),
        (
            &["query", "SELECT ?s FROM mkg:ontology { ?s ?p ?o }", "--why"],
            2,
            "FROM",
        ),
        // Refused before anything is sent.
        (
            &[
                "query",
                "cast",
                "--why",
                "--endpoint",
                "http://127.0.0.1:9/",
            ],
            2,
            "'--why' cannot be used with '--endpoint",
        ),
    ];
    for (args, code, needle) in cases {
        let run = run_in(dir, args, None, 60.0);
        let first = run.stderr.lines().next().unwrap_or_default().to_owned();
        if *code == 2 && needle.starts_with("'--why'") {
            assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
            assert!(first.contains(needle), "{args:?}: {}", run.stderr);
        } else {
            assert_error_line_exit(&run, *code, needle, &format!("{args:?}"));
        }
    }
}

/// The table of `query disagreements` as the site shows it: one row per
/// question, one column per article, the kind in words; the start date
/// stated four ways is one compatible row, not six pairs. Every other
/// format keeps the pair rows.
#[test]
fn disagreements_table_has_one_row_per_question_and_a_column_per_article() {
    let table = missions_kg(&["query", "disagreements", "--format", "table"]);
    let header = table.lines().nth(1).unwrap_or_default();
    for column in [
        "subject",
        "question",
        "article-000",
        "article-001",
        "article-002",
        "article-003",
        "how they differ",
    ] {
        assert!(header.contains(column), "no column {column}: {header}");
    }
    let start_dates: Vec<&str> = table
        .lines()
        .filter(|line| line.contains("(mk:startDate)"))
        .collect();
    assert_eq!(start_dates.len(), 1, "{table}");
    for cell in ["2017", "2017-06-01", "--06-01", "--06", "compatible"] {
        assert!(start_dates[0].contains(cell), "{}", start_dates[0]);
    }
    let pairs = missions_kg(&["query", "disagreements", "--format", "tsv"]);
    let date_pairs = pairs
        .lines()
        .filter(|line| line.contains("#startDate>"))
        .count();
    assert_eq!(date_pairs, 6, "{pairs}");
    let french = missions_kg(&[
        "--lang",
        "fr",
        "query",
        "disagreements",
        "--format",
        "table",
    ]);
    assert!(french.contains("compatibles"), "{french}");
}

/// The kind of each difference comes from the data where the values alone
/// do not tell: our assessments in the curation graph (granularity,
/// distinct facts), beside the dates and wordings the query tells apart.
#[test]
fn differences_are_told_apart_by_kind() {
    let table = missions_kg(&["query", "disagreements", "--format", "tsv"]);
    // Columns: ?kind ?subject ?property …
    let kind_of = |subject: &str, property: &str| -> Vec<String> {
        let (subject, property) = (
            format!("<https://w3id.org/missions-kg/id/{subject}>"),
            format!("<https://w3id.org/missions-kg/ontology#{property}>"),
        );
        let mut kinds: Vec<String> = table
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|cells| cells.len() > 2 && cells[1] == subject && cells[2] == property)
            .map(|cells| cells[0].trim_matches('"').to_owned())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    assert_eq!(kind_of("mission-ulysse", "fate"), ["distinctFacts"]);
    assert_eq!(kind_of("mission-ulysse", "fundedBy"), ["distinctFacts"]);
    assert_eq!(kind_of("crew-ulysse", "nationality"), ["granularity"]);
    assert_eq!(kind_of("broadcast-ocs-2017", "channel"), ["granularity"]);
    assert_eq!(kind_of("recognition-mip-2017", "event"), ["granularity"]);
    assert_eq!(kind_of("broadcast-ocs-2017", "startDate"), ["date"]);
    assert_eq!(kind_of("mission-american", "fate"), ["wording"]);
    let grouped = missions_kg(&["query", "disagreements", "--format", "table"]);
    for words in [
        "distinct facts that hold together: no disagreement",
        "one is a part of the other: compatible",
        "same date, given more or less precisely: compatible",
    ] {
        assert!(grouped.contains(words), "{words}");
    }
}
