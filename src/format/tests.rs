//! The format table's promises: one meaning per name, negotiation by
//! q-values and specificity, names, labels and extensions from one table.

use super::*;

#[test]
fn resolves_names_extensions_and_defaults() {
    let tsv = OutputFormat::Results(QueryResultsFormat::Tsv);
    assert_eq!(
        resolve(None, None, Payload::Results, true).unwrap(),
        OutputFormat::Table
    );
    assert_eq!(resolve(None, None, Payload::Results, false).unwrap(), tsv);
    assert_eq!(
        resolve(None, Some(Path::new("x.tsv")), Payload::Results, true).unwrap(),
        tsv
    );
    assert_eq!(
        resolve(None, Some(Path::new("x.out")), Payload::Results, true).unwrap(),
        tsv
    );
    assert_eq!(
        resolve(Some("json"), None, Payload::Graph, true).unwrap(),
        OutputFormat::Rdf(JSON_LD)
    );
    assert_eq!(
        resolve(None, Some(Path::new("x.xml")), Payload::Graph, true).unwrap(),
        OutputFormat::Rdf(RdfFormat::RdfXml)
    );
    assert_eq!(
        resolve(None, None, Payload::Dataset, true).unwrap(),
        OutputFormat::Rdf(RdfFormat::TriG)
    );
}

#[test]
fn rejects_unknown_and_mismatched_formats() {
    let error = resolve(Some("yaml"), None, Payload::Results, true).unwrap_err();
    assert_eq!(
        error.message,
        "unknown format 'yaml'; valid formats: table, csv, tsv, json, xml"
    );
    let error = resolve(Some("turtle"), None, Payload::Results, true).unwrap_err();
    assert!(error.message.contains("cannot hold SELECT and ASK results"));
    let error = resolve(Some("turtle"), None, Payload::Dataset, true).unwrap_err();
    assert!(
        error.message.contains("trig, nquads, jsonld"),
        "{}",
        error.message
    );
    assert!(resolve(Some("csv"), None, Payload::Report, true).is_err());
}

#[test]
fn negotiates_by_q_values_and_specificity() {
    let results = Payload::Results.offers();
    let json = OutputFormat::Results(QueryResultsFormat::Json);
    let xml = OutputFormat::Results(QueryResultsFormat::Xml);
    let csv = OutputFormat::Results(QueryResultsFormat::Csv);
    assert_eq!(negotiate(None, &results).unwrap(), json);
    assert_eq!(negotiate(Some(""), &results).unwrap(), json);
    assert_eq!(negotiate(Some("*/*"), &results).unwrap(), json);
    assert_eq!(
        negotiate(Some("application/sparql-results+xml"), &results).unwrap(),
        xml
    );
    // SPARQLWrapper's XML request, with a lower q for anything else.
    assert_eq!(
        negotiate(Some("application/sparql-results+xml, */*;q=0.1"), &results).unwrap(),
        xml
    );
    assert_eq!(
        negotiate(
            Some("text/csv;q=0.9, application/sparql-results+json;q=0.5"),
            &results
        )
        .unwrap(),
        csv
    );
    // The most specific range sets the q-value: text/csv is refused
    // even though text/* is welcome.
    assert_eq!(
        negotiate(Some("text/*, text/csv;q=0"), &results).unwrap(),
        OutputFormat::Results(QueryResultsFormat::Tsv)
    );
    let error = negotiate(Some("image/png"), &results).unwrap_err();
    assert!(
        error.message.contains("application/sparql-results+json"),
        "{}",
        error.message
    );
    // A malformed q drops its range, not the header.
    assert_eq!(
        negotiate(Some("text/csv;q=high, text/tab-separated-values"), &results).unwrap(),
        OutputFormat::Results(QueryResultsFormat::Tsv)
    );
    let page = Payload::Page.offers();
    assert_eq!(page[0], OutputFormat::Html);
    assert_eq!(
        negotiate(Some("text/html,application/xhtml+xml,*/*;q=0.8"), &page).unwrap(),
        OutputFormat::Html
    );
    assert_eq!(
        negotiate(Some("text/turtle"), &page).unwrap(),
        OutputFormat::Rdf(RdfFormat::Turtle)
    );
    assert_eq!(
        negotiate(Some("application/ld+json"), &page).unwrap(),
        OutputFormat::Rdf(JSON_LD)
    );
    assert!(!Payload::Graph.offers().contains(&OutputFormat::Html));
    assert_eq!(
        Payload::Graph.offers()[0],
        OutputFormat::Rdf(RdfFormat::Turtle)
    );
    assert_eq!(
        Payload::Dataset.offers()[0],
        OutputFormat::Rdf(RdfFormat::TriG)
    );
}

#[test]
fn names_labels_and_extensions_come_from_the_one_table() {
    let json = OutputFormat::Results(QueryResultsFormat::Json);
    assert_eq!(name(json), "json");
    assert_eq!(label(json), "JSON");
    assert_eq!(extension(json), "srj");
    assert_eq!(name(OutputFormat::Rdf(JSON_LD)), "jsonld");
    assert_eq!(name(OutputFormat::Rdf(RdfFormat::Turtle)), "turtle");
    for format in Payload::Results
        .offers()
        .into_iter()
        .chain(Payload::Page.offers())
    {
        assert_eq!(
            resolve(Some(name(format)), None, Payload::Results, false)
                .or_else(|_| resolve(Some(name(format)), None, Payload::Page, false))
                .unwrap(),
            format
        );
    }
    let page = extensions(Payload::Page);
    for extension in ["ttl", "nt", "rdf", "jsonld", "trig", "nq", "html", "owl"] {
        assert!(page.contains(&extension), "{extension}: {page:?}");
        assert!(by_extension(extension, Payload::Page).is_some());
    }
    assert!(!page.contains(&"csv"), "{page:?}");
}

#[test]
fn every_name_has_one_meaning() {
    assert_eq!(
        resolve(Some("jsonld"), None, Payload::Export, false).unwrap(),
        OutputFormat::Rdf(JSON_LD)
    );
    assert_eq!(
        resolve(Some("schemaorg"), None, Payload::Export, false).unwrap(),
        OutputFormat::SchemaOrg
    );
    let mut names: Vec<&str> = NAMES.iter().map(|(name, _)| *name).collect();
    names.dedup();
    // `json` and `xml` are listed once per payload kind; every other
    // name is listed once.
    let twice: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| NAMES.iter().filter(|(n, _)| n == name).count() > 1)
        .collect();
    assert!(twice.is_empty(), "{twice:?}");
}
