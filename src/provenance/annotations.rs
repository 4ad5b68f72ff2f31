//! `export --format annotations`: the evidence graph as W3C Web Annotation
//! JSON-LD (context `http://www.w3.org/ns/anno.jsonld`), for annotation
//! tools that know nothing of RDF reification. One `Annotation` per fact
//! and passage, in an `AnnotationCollection` whose one page holds them all:
//! its `target` is the article with both selectors (`TextPositionSelector`,
//! the recorded offsets; `TextQuoteSelector`, `exact`, `prefix` and `suffix`
//! only when `--articles` gives the text and the passage is found there
//! with its very words (the repository keeps no words of the articles,
//! and `data/selectors.trig`'s masked contexts mean nothing to another
//! tool), and always the digest as the
//! extension property `mk:exactDigest`, by its full IRI); its `body` is the
//! fact, the `mk:Evidence` node as the `rdf:Statement` it is.

use crate::graph::Graph;
use crate::provenance::anchor::{How, CONTEXT as QUOTE_CONTEXT};
use crate::provenance::evidence::{self, Articles};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNode, Term};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// The Web Annotation context, named, never fetched.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// Writes every evidence record's passages as annotations.
pub fn write(graph: &Graph, articles: Option<&Articles>, out: &mut impl Write) -> Result<()> {
    let evidence_graph = vocab::graph("evidence");
    let in_evidence = Some(GraphNameRef::NamedNode(evidence_graph.as_ref()));
    // Each record's fact and passages, by the record's IRI.
    let mut records: BTreeMap<String, (Map<String, Value>, Vec<NamedOrBlankNode>)> =
        BTreeMap::new();
    for quad in graph.quads(None, None, None, in_evidence) {
        let quad = quad?;
        let NamedOrBlankNode::NamedNode(record) = &quad.subject else {
            continue;
        };
        let key = match quad.predicate.as_str() {
            vocab::RDF_SUBJECT => "rdf:subject",
            vocab::RDF_PREDICATE => "rdf:predicate",
            vocab::RDF_OBJECT => "rdf:object",
            vocab::MK_PASSAGE => {
                if let Term::NamedNode(passage) = quad.object {
                    let entry = records.entry(record.as_str().to_owned()).or_default();
                    entry.1.push(passage.into());
                }
                continue;
            }
            _ => continue,
        };
        let entry = records.entry(record.as_str().to_owned()).or_default();
        entry.0.insert(key.to_owned(), term(&quad.object));
    }
    let mut items = Vec::new();
    for (record, (mut fact, mut passages)) in records {
        if passages.is_empty() || fact.len() < 3 {
            continue;
        }
        fact.insert("id".to_owned(), json!(record));
        fact.insert("type".to_owned(), json!("rdf:Statement"));
        let mut read = Vec::new();
        passages.sort_by_key(ToString::to_string);
        for passage in passages {
            let NamedOrBlankNode::NamedNode(node) = passage else {
                continue;
            };
            let shown = evidence::read_passage(graph, node.as_ref(), articles)?;
            read.push((node, shown));
        }
        read.sort_by_key(|(_, p)| (p.start, p.end));
        for (node, passage) in read {
            let mut quote = Map::new();
            quote.insert("type".to_owned(), json!("TextQuoteSelector"));
            // The words (exact, prefix, suffix) only from the user's own copy
            // (`--articles`): the repository keeps the context masked.
            let words = match (articles, passage.found) {
                (Some(articles), Some(found)) if found.how != How::Edited => {
                    articles.text(&passage.article_iri).map(|text| {
                        let text: Vec<char> = text.chars().collect();
                        let end = found.end.min(text.len());
                        let start = found.start.min(end);
                        let piece =
                            |from: usize, to: usize| text[from..to].iter().collect::<String>();
                        (
                            piece(start, end),
                            piece(start.saturating_sub(QUOTE_CONTEXT), start),
                            piece(end, (end + QUOTE_CONTEXT).min(text.len())),
                        )
                    })
                }
                _ => None,
            };
            if let Some((exact, prefix, suffix)) = words {
                quote.insert("exact".to_owned(), json!(exact));
                quote.insert("prefix".to_owned(), json!(prefix));
                quote.insert("suffix".to_owned(), json!(suffix));
            }
            let range = (passage.start, passage.end);
            if let Some(selector) = evidence::selector(graph, node.as_ref(), range)? {
                quote.insert(vocab::MK_EXACT_DIGEST.to_owned(), json!(selector.digest));
            }
            items.push(json!({
                "id": format!("{record}#passage-{}-{}", passage.start, passage.end),
                "type": "Annotation",
                "motivation": "describing",
                "body": Value::Object(fact.clone()),
                "target": {
                    "type": "SpecificResource",
                    "source": passage.article_iri,
                    "selector": [
                        { "type": "TextPositionSelector", "start": passage.start, "end": passage.end },
                        Value::Object(quote),
                    ],
                },
            }));
        }
    }
    let collection = format!("{}evidence/annotations", vocab::BASE);
    let collection = json!({
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": "Missions knowledge graph: where each article states each fact",
        "total": items.len(),
        "first": {
            // The model gives every page an IRI of its own.
            "id": format!("{collection}#page-1"),
            "type": "AnnotationPage",
            "partOf": collection,
            "startIndex": 0,
            "items": items,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &collection)?;
    writeln!(out)?;
    Ok(())
}

/// A term as JSON-LD within the Web Annotation context: an IRI as `{"id"}`,
/// a blank node by its label, a literal as a value object.
fn term(term: &Term) -> Value {
    match term {
        Term::NamedNode(node) => json!({ "id": node.as_str() }),
        Term::BlankNode(node) => json!({ "id": format!("_:{}", node.as_str()) }),
        Term::Literal(literal) => match literal.language() {
            Some(language) => json!({ "@value": literal.value(), "@language": language }),
            None if literal.datatype() == NamedNodeRef::new_unchecked(vocab::XSD_STRING) => {
                json!({ "@value": literal.value() })
            }
            None => json!({ "@value": literal.value(), "@type": literal.datatype().as_str() }),
        },
        Term::Triple(triple) => json!({ "@value": triple.to_string() }),
    }
}
