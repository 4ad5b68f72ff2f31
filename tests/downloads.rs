//! What the server offers to take away, in process (`common::App`):
//! downloads with names (`missions-kg.ttl`, the results' files) and the
//! page for people that lists them, and `/ontology`, the vocabulary's
//! documentation and its RDF. The other pages are `tests/pages.rs`.

mod common;

use common::App;
use oxigraph::io::{RdfFormat, RdfParser};

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The server on the built-in data.
fn embedded() -> App {
    App::start(&[], &[])
}

const CAST: &str = "SELECT ?person ?character WHERE { ?role mk:castMember ?person ; mk:character ?character } ORDER BY ?person";

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";

/// `attachment; filename="NAME"` of a reply, if it has one.
fn saved_as(reply: &common::Reply) -> Option<String> {
    let value = reply.header("content-disposition")?;
    let name = value.strip_prefix("attachment; filename=\"")?;
    Some(name.trim_end_matches('"').to_owned())
}

#[test]
fn downloads_have_names_and_a_page_for_people() {
    let app = embedded();
    // The home page offers the graph in four formats, each link saving a
    // file named for what it holds, that parses as that format.
    let home = app.get("/", BROWSER).text();
    assert!(home.contains("Download the graph"), "{home}");
    let links = common::links_to(&home, "/store?");
    let labels: Vec<&str> = links.iter().map(|(_, text)| text.as_str()).collect();
    for label in ["Turtle", "TriG", "N-Quads", "JSON-LD"] {
        assert!(labels.contains(&label), "{label}: {links:?}");
    }
    for (href, label) in &links {
        let (format, name) = match label.as_str() {
            "Turtle" => (RdfFormat::Turtle, "missions-kg.ttl"),
            "TriG" => (RdfFormat::TriG, "missions-kg.trig"),
            "N-Quads" => (RdfFormat::NQuads, "missions-kg.nq"),
            "JSON-LD" => (
                RdfFormat::JsonLd {
                    profile: oxigraph::io::JsonLdProfileSet::empty(),
                },
                "missions-kg.jsonld",
            ),
            _ => continue,
        };
        let reply = app.get(href, BROWSER);
        assert_eq!(reply.status, 200, "{href}: {}", reply.text());
        assert_eq!(saved_as(&reply).as_deref(), Some(name), "{href}");
        assert_eq!(
            reply
                .header("content-type")
                .map(|t| t.split(';').next().unwrap()),
            Some(format.media_type()),
            "{href}"
        );
        let quads = RdfParser::from_format(format)
            .for_slice(&reply.body)
            .count();
        assert!(quads > 1000, "{href}: {quads} quads");
    }
    // `/store` and `/store?default` in a browser: a page with the choice,
    // saying what each file holds; not RDF/XML.
    for target in ["/store", "/store?default"] {
        let page = app.get(target, BROWSER);
        assert_eq!(page.status, 200, "{target}");
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{target}: {:?}",
            page.header("content-type")
        );
        let text = page.text();
        for needle in [
            "missions-kg.trig",
            "missions-kg.ttl",
            "named graph",
            "RDF/XML",
        ] {
            assert!(text.contains(needle), "{target}: no {needle}");
        }
        assert_eq!(saved_as(&page), None);
    }
    let french = app.get("/store?lang=fr", BROWSER).text();
    assert!(french.contains("Télécharger le graphe"), "{french}");
    // Programs get RDF as before, now with a name.
    let all = app.get("/store", "application/n-quads");
    assert_eq!(saved_as(&all).as_deref(), Some("missions-kg.nq"));
    let merged = app.get("/store?default", "text/turtle");
    assert_eq!(saved_as(&merged).as_deref(), Some("missions-kg.ttl"));
    let article = app.get(
        &format!(
            "/store?graph={}",
            encode("https://w3id.org/missions-kg/source/article-000")
        ),
        "*/*",
    );
    assert_eq!(
        saved_as(&article).as_deref(),
        Some("missions-kg-article-000.ttl")
    );
    // Results downloads are labelled by format, and saved by name.
    let results = app
        .get(&format!("/sparql?query={}", encode(CAST)), BROWSER)
        .text();
    let downloads: Vec<(String, String)> = common::links_to(&results, "/sparql?")
        .into_iter()
        .filter(|(href, _)| href.contains("&format="))
        .collect();
    let mut labels: Vec<&str> = downloads.iter().map(|(_, text)| text.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["CSV", "JSON", "TSV", "XML"], "{downloads:?}");
    let csv = &downloads.iter().find(|(_, text)| text == "CSV").unwrap().0;
    let reply = app.get(csv, BROWSER);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(saved_as(&reply).as_deref(), Some("missions-kg-results.csv"));
    assert!(reply.text().contains("clement-aubert"), "{}", reply.text());
    // A client negotiating by Accept gets no attachment.
    let data = app.get(&format!("/sparql?query={}", encode(CAST)), "text/csv");
    assert_eq!(saved_as(&data), None);
    let graph = app
        .get(
            &format!(
                "/sparql?query={}",
                encode("CONSTRUCT WHERE { ?s mk:castMember ?o }")
            ),
            BROWSER,
        )
        .text();
    let labels: Vec<String> = common::links_to(&graph, "/sparql?")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(labels.contains(&"Turtle".to_owned()) && labels.contains(&"RDF/XML".to_owned()));
}

/// The `<dt>` entry of `/ontology` for the term `local`, up to the next.
fn ontology_entry(page: &str, local: &str) -> String {
    let start = page
        .find(&format!("<dt id=\"{local}\">"))
        .unwrap_or_else(|| panic!("no entry for mk:{local}"));
    let rest = &page[start..];
    let end = rest[4..].find("<dt ").map_or(rest.len(), |end| end + 4);
    rest[..end].to_owned()
}

#[test]
fn the_ontology_documents_each_term_and_answers_rdf() {
    let app = embedded();
    let page = app.get("/ontology", BROWSER).text();
    // A property: labels in both languages, its definition (from the
    // ontology file), domain, range, how many facts use it, examples.
    let cast = ontology_entry(&page, "castMember");
    for needle in [
        "cast member",
        "interprète",
        "An actor in the cast (shortcut for a mk:ActorRole).",
        "Domain: ",
        "href=\"/ontology#Work\"",
        "Range: ",
        "href=\"/ontology#Person\"",
        " facts",
        "href=\"/id/",
    ] {
        assert!(cast.contains(needle), "castMember: no {needle}: {cast}");
    }
    let person = ontology_entry(&page, "Person");
    assert!(person.contains("A real human being."), "{person}");
    assert!(person.contains(" instances"), "{person}");
    let french = app.get("/ontology?lang=fr", BROWSER).text();
    let personne = ontology_entry(&french, "Person");
    assert!(personne.contains("Être humain réel."), "{personne}");
    assert!(personne.contains("Domaine") || personne.contains("instances"));
    // Every link to the ontology from the site's pages lands on an entry.
    for target in [
        "/id/julien-lacombe",
        "/id/broadcast-ocs-2017",
        "/source/article-000",
        "/search?q=lacombe",
        "/queries/cast",
    ] {
        let html = app.get(target, BROWSER).text();
        for href in common::hrefs(&html) {
            if let Some(anchor) = href.strip_prefix("/ontology#") {
                assert!(
                    page.contains(&format!(" id=\"{anchor}\"")),
                    "{target} links {href}, which /ontology has no entry for"
                );
            }
        }
    }
    // As data, like every IRI of the namespace: by Accept and by extension.
    let turtle = app.get("/ontology", "text/turtle");
    assert_eq!(turtle.status, 200);
    assert_eq!(
        turtle.header("content-type"),
        Some("text/turtle; charset=utf-8")
    );
    let count = |format: RdfFormat, body: &[u8]| {
        RdfParser::from_format(format)
            .for_slice(body)
            .inspect(|quad| assert!(quad.is_ok(), "{quad:?}"))
            .count()
    };
    let triples = count(RdfFormat::Turtle, &turtle.body);
    assert!(triples > 500, "{triples}");
    assert!(turtle.text().contains("castMember"));
    for (path, format) in [
        ("/ontology.ttl", RdfFormat::Turtle),
        ("/ontology.nt", RdfFormat::NTriples),
        ("/ontology.rdf", RdfFormat::RdfXml),
        (
            "/ontology.jsonld",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let reply = app.get(path, BROWSER);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply
                .header("content-type")
                .map(|t| t.split(';').next().unwrap()),
            Some(format.media_type()),
            "{path}"
        );
        assert_eq!(count(format, &reply.body), triples, "{path}");
    }
    let html = app.get("/ontology.html", "*/*");
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(app.get("/ontology.csv", "*/*").status, 404);
}
