//! Choosing which articles to trust, as a user runs it: `query --sources`,
//! `--without` and `--sensitivity` on the command line (the answers
//! themselves are checked against brute force for every stored query in
//! `provenance::trust`'s unit tests), and their errors, one line each.

mod common;

use common::{assert_error_line, assert_error_line_exit, run_in};

fn missions_kg(args: &[&str]) -> String {
    common::ok(common::root(), args)
}

const WHO_IS_BEHIND: &str = "SELECT ?by WHERE { mkd:mission-ulysse mk:fundedBy ?by } ORDER BY ?by";

#[test]
fn an_answer_only_some_articles_give_goes_with_them() {
    // ESA funds the mission in article 001 only; William Meyer in 003.
    let all = missions_kg(&["query", WHO_IS_BEHIND]);
    assert!(
        all.contains("/esa>") && all.contains("/character-william-meyer>"),
        "{all}"
    );
    let without = missions_kg(&["query", "--without", "001", WHO_IS_BEHIND]);
    assert!(
        !without.contains("/esa>") && without.contains("/character-william-meyer>"),
        "{without}"
    );
    let only = missions_kg(&["query", "--sources", "article-001,002", WHO_IS_BEHIND]);
    assert!(
        only.contains("/esa>") && !only.contains("/character-william-meyer>"),
        "{only}"
    );
    // An aggregate is what the kept articles give: fewer articles, fewer facts.
    let count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } ?g a mk:Article }";
    let number = |args: &[&str]| -> u64 {
        let mut all = vec!["query", "--format", "csv"];
        all.extend_from_slice(args);
        all.push(count);
        missions_kg(&all)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (whole, one) = (number(&[]), number(&["--sources", "000"]));
    assert!(0 < one && one < whole, "{one} of {whole}");
}

#[test]
fn sensitivity_names_what_each_answer_depends_on() {
    let table = missions_kg(&["query", "--sensitivity", "--format", "csv", WHO_IS_BEHIND]);
    let mut lines = table.lines();
    assert_eq!(lines.next(), Some("by,dependsOn,survivesWithout"));
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.contains(
            &"https://w3id.org/missions-kg/id/esa,article-001,article-000 article-002 article-003"
        ),
        "{table}"
    );
    assert!(
        rows.contains(&"https://w3id.org/missions-kg/id/character-william-meyer,article-003,article-000 article-001 article-002"),
        "{table}"
    );
    // Within --sources, the articles in play are the trusted ones.
    let within = missions_kg(&[
        "query",
        "--sources",
        "001,003",
        "--sensitivity",
        "--format",
        "csv",
        WHO_IS_BEHIND,
    ]);
    assert!(within.contains(",article-001,article-003"), "{within}");
    // An ASK: one row when true.
    let ask = missions_kg(&[
        "query",
        "--sensitivity",
        "--format",
        "csv",
        "ASK { mkd:mission-ulysse mk:fundedBy mkd:esa }",
    ]);
    assert_eq!(
        ask.trim(),
        "dependsOn,survivesWithout\r\narticle-001,article-000 article-002 article-003"
            .replace("\r\n", "\n")
            .trim()
            .replace('\n', "\r\n")
            .as_str()
            .trim()
    );
}

#[test]
fn trusting_articles_fails_in_one_line() {
    let root = common::root();
    let run = |args: &[&str]| run_in(root, args, None, 60.0);
    assert_error_line(
        &run(&["query", "--sources", "000,9", "creators"]),
        "no article '9'; the articles are: article-000, article-001, article-002, article-003",
        "an unknown article",
    );
    // Arguments that do not go together: clap's usage error, exit 2.
    let refused = |args: &[&str]| {
        let run = run(args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: the argument '--")
                && run.stderr.contains("cannot be used with"),
            "{args:?}: {}",
            run.stderr
        );
    };
    refused(&["query", "--sources", "000", "--without", "001", "creators"]);
    refused(&["query", "--sensitivity", "--why", "creators"]);
    refused(&[
        "query",
        "--sources",
        "000",
        "--endpoint",
        "http://127.0.0.1:9/sparql",
        "creators",
    ]);
    assert_error_line_exit(
        &run(&["query", "--sources", "", "creators"]),
        2,
        "--sources takes the articles to trust",
        "no article named",
    );
    assert_error_line_exit(
        &run(&["query", "--sensitivity", "CONSTRUCT WHERE { ?s ?p ?o }"]),
        2,
        "--sensitivity lists a SELECT's or an ASK's answers",
        "a CONSTRUCT",
    );
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The query page's "trust only…": the boxes ticked are the articles the
/// query sees; all ticked is the whole graph; an unknown one is a 400.
#[test]
fn the_query_page_trusts_only_the_articles_ticked() {
    let app = common::App::start(&[], &[]);
    let html = "text/html";
    let query = format!("/ui/query?query={}", encode(WHO_IS_BEHIND));
    let ticked = |names: &[&str]| {
        let mut url = format!("{query}&trusted=1");
        for name in names {
            url.push_str("&trust=");
            url.push_str(name);
        }
        let reply = app.get(&url, html);
        assert_eq!(reply.status, 200, "{url}");
        reply.text()
    };
    let only = ticked(&["article-001", "article-002"]);
    assert!(
        only.contains("href=\"/id/esa\"") && !only.contains("href=\"/id/character-william-meyer\""),
        "001 and 002 only"
    );
    assert!(
        only.contains(">2 results "),
        "ESA and the unnamed billionaire, both from 001"
    );
    assert!(
        only.contains("name=\"trust\" value=\"article-001\" checked"),
        "001 ticked"
    );
    assert!(
        !only.contains("name=\"trust\" value=\"article-003\" checked"),
        "003 not ticked"
    );
    assert!(
        only.contains("&amp;trusted=1&amp;trust=article-001&amp;trust=article-002"),
        "the permalink keeps the choice"
    );
    assert!(
        only.contains("missions-kg query --sources"),
        "the downloads' note"
    );
    // Every box ticked, or the form never sent: the whole graph.
    for whole in [
        ticked(&["article-000", "article-001", "article-002", "article-003"]),
        app.get(&query, html).text(),
    ] {
        assert!(
            whole.contains("href=\"/id/esa\"")
                && whole.contains("href=\"/id/character-william-meyer\"")
        );
        assert!(whole.contains("format=csv"), "downloads offered");
    }
    // None ticked: no article's facts.
    assert!(ticked(&[]).contains(">0 results "), "none ticked");
    let unknown = app.get(&format!("{query}&trusted=1&trust=article-9"), html);
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.text().contains("no article"),
        "the unknown one named"
    );
}
