//! The bounds on evidence, as a user meets them: an answer lists at most
//! 500 facts and a fact at most 20 passages, each then saying how many
//! more (`src/guard/limits.rs`). The passages themselves are checked in
//! `tests/evidence.rs`.

mod common;

use serde_json::Value;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An answer lists at most 500 facts, then says how many more: a count of
/// every name rests on each of them.
#[test]
fn an_answer_s_facts_are_capped() {
    let run = common::run_in(
        repo(),
        &[
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?o }",
            "--why",
            "--evidence",
            "--format",
            "json",
        ],
        None,
        120.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let rows = json["results"]["bindings"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    let count: usize = rows[0]["n"]["value"]
        .as_str()
        .expect("n")
        .parse()
        .expect("a count");
    let evidence = rows[0]["evidence"]["value"]
        .as_str()
        .expect("an evidence text");
    let lines: Vec<&str> = evidence.lines().collect();
    assert_eq!(lines.len(), 501, "{count} names");
    let more = count - 500;
    assert!(
        lines[500].starts_with(&format!(
            "… and {more} more facts (an answer lists at most 500"
        )),
        "{count}: {}",
        lines[500]
    );
}

/// A fact with 31 passages (the one article 002 gives, and 30 more from a
/// generated record): `describe --evidence` and the entity page show the
/// first 20 and say how many more, instead of every passage however many.
#[test]
fn a_fact_shows_at_most_twenty_passages_and_how_many_more() {
    let dir = common::scratch();
    let fixture = dir.path().join("many-passages.trig");
    let article = "https://w3id.org/missions-kg/source/article-002";
    let mut trig = String::from(
        "@prefix mk: <https://w3id.org/missions-kg/ontology#> .\n\
         @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n\
         <https://w3id.org/missions-kg/graph/evidence> {\n\
         <https://w3id.org/missions-kg/evidence/many> a mk:Evidence ;\n",
    );
    trig.push_str(&format!(
        "  mk:inArticle <{article}> ; rdf:subject <https://w3id.org/missions-kg/id/arben-bajraktaraj> ;\n\
         rdf:predicate mk:nationality ; rdf:object <https://w3id.org/missions-kg/id/lebanon> .\n"
    ));
    for i in 0..30 {
        let (start, end) = (900_000 + 10 * i, 900_005 + 10 * i);
        let passage = format!("<{article}#char={start},{end}>");
        trig.push_str(&format!(
            "<https://w3id.org/missions-kg/evidence/many> mk:passage {passage} .\n\
             {passage} <http://purl.org/dc/terms/isPartOf> <{article}> ; mk:start {start} ; mk:end {end} .\n"
        ));
    }
    trig.push_str("}\n");
    std::fs::write(&fixture, trig).unwrap();
    let fixture = fixture.display().to_string();
    let run = common::run_in(
        repo(),
        &[
            "--data",
            &fixture,
            "--with-embedded",
            "describe",
            "arben-bajraktaraj",
            "--evidence",
        ],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = run.stdout_text();
    let under = common::lines_under(&text, "nationality", "    ");
    let shown = under.iter().filter(|l| l.starts_with("    > ")).count();
    assert_eq!(shown, 20, "{text}");
    assert_eq!(
        under.last().copied(),
        Some("    … and 11 more passages (at most 20 are shown per fact)"),
        "{text}"
    );
    let app = common::App::start(&["--data", &fixture, "--with-embedded"], &[]);
    let page = app.get("/id/arben-bajraktaraj", "text/html").text();
    // Each kept passage shown once, in the page's passages.
    assert_eq!(
        page.matches("<small class=\"offsets\">#char=900").count(),
        19,
        "{page}"
    );
    assert!(
        page.contains("… and 11 more passages") || page.contains("… et 11 autres passages"),
        "{page}"
    );
}
