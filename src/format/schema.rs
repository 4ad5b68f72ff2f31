//! The schema.org view of a graph, as JSON-LD a web page can embed as is.
//!
//! Every entity becomes a node typed with the schema.org classes its own
//! classes specialise (`rdfs:subClassOf*` in the ontology), with the facts
//! whose property specialises a schema.org property (`rdfs:subPropertyOf*`),
//! its labels as `name`, and its verified external links as `sameAs` URLs.
//! Facts schema.org has no word for are left out: this is a view for search
//! engines and pages, not an exchange format (Turtle, TriG, N-Quads and
//! `jsonld-rdf` carry everything). The `@context` is inline, so nothing is
//! fetched to read it. Called by `format::write_schema_org` for `export`.

use crate::graph::Graph;
use crate::view::links;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, Term};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

const SCHEMA: &str = "http://schema.org/";

/// Writes the schema.org view of `quads` (read against `store`'s ontology).
pub fn write(store: &Graph, quads: &[Quad], out: &mut impl Write) -> Result<()> {
    let mut mapper = Mapper::new(store);
    let mut nodes: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for quad in quads {
        let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
            continue;
        };
        let id = subject.as_str();
        if !(id.starts_with(vocab::MKD) || id.starts_with(vocab::MKS)) {
            continue;
        }
        let node = nodes.entry(id.to_owned()).or_default();
        let predicate = quad.predicate.as_str();
        if predicate == vocab::RDF_TYPE {
            if let Term::NamedNode(class) = &quad.object {
                for name in mapper.schema_classes(class.as_ref())? {
                    push(node, "@type", Value::String(name));
                }
            }
            continue;
        }
        let names = if predicate == vocab::RDFS_LABEL {
            vec!["name".to_owned()]
        } else {
            mapper.schema_properties(quad.predicate.as_ref())?
        };
        for name in names {
            push(node, &name, value(&quad.object));
        }
    }
    for (id, node) in &mut nodes {
        for link in links::external_links(store, NamedNodeRef::new_unchecked(id))? {
            push(node, "sameAs", Value::String(link.url));
        }
    }
    let graph: Vec<Value> = nodes
        .into_iter()
        .filter(|(_, node)| !node.is_empty())
        .map(|(id, node)| {
            let mut object = Map::new();
            object.insert("@id".into(), Value::String(compact(&id)));
            for (key, mut values) in node {
                // One value is written bare, several as a sorted array, so
                // the output is the same whatever the input order.
                let Value::Array(list) = &mut values else {
                    unreachable!("push() stores arrays");
                };
                list.sort_by_key(ToString::to_string);
                list.dedup();
                let value = if list.len() == 1 {
                    list.pop().unwrap_or(Value::Null)
                } else {
                    values
                };
                object.insert(key, value);
            }
            Value::Object(object)
        })
        .collect();
    let document = json!({
        "@context": {
            "@vocab": SCHEMA,
            "mkd": vocab::MKD,
            "mks": vocab::MKS,
            "xsd": vocab::XSD,
            "sameAs": { "@id": "http://schema.org/sameAs", "@type": "@id" },
        },
        "@graph": graph,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

fn push(node: &mut Map<String, Value>, key: &str, value: Value) {
    match node.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(list) => list.push(value),
        _ => unreachable!("push() stores arrays"),
    }
}

/// An IRI as the context below names it: `mkd:` and `mks:` only, else
/// in full.
fn compact(iri: &str) -> String {
    vocab::compact_in(iri, &[("mkd", vocab::MKD), ("mks", vocab::MKS)])
        .unwrap_or_else(|| iri.to_owned())
}

/// A JSON-LD value: a node reference, a plain or language-tagged string,
/// or a typed value.
fn value(term: &Term) -> Value {
    match term {
        Term::NamedNode(node) => json!({ "@id": compact(node.as_str()) }),
        Term::BlankNode(node) => json!({ "@id": format!("_:{}", node.as_str()) }),
        Term::Literal(literal) => match literal.language() {
            Some(lang) => json!({ "@value": literal.value(), "@language": lang }),
            None if literal.datatype() == xsd::STRING => Value::String(literal.value().to_owned()),
            None => json!({
                "@value": literal.value(),
                "@type": literal.datatype().as_str().replace(vocab::XSD, "xsd:"),
            }),
        },
        // An RDF 1.2 triple term has no JSON-LD 1.1 form; its N-Triples text keeps it readable.
        other => Value::String(other.to_string()),
    }
}

/// Finds, once per term, the nearest schema.org terms above it.
struct Mapper<'a> {
    store: &'a Graph,
    classes: BTreeMap<String, Vec<String>>,
    properties: BTreeMap<String, Vec<String>>,
}

impl<'a> Mapper<'a> {
    fn new(store: &'a Graph) -> Self {
        Self {
            store,
            classes: BTreeMap::new(),
            properties: BTreeMap::new(),
        }
    }

    fn schema_classes(&mut self, class: NamedNodeRef<'_>) -> Result<Vec<String>> {
        if let Some(found) = self.classes.get(class.as_str()) {
            return Ok(found.clone());
        }
        let found = nearest_schema(self.store, class, vocab::RDFS_SUB_CLASS_OF)?;
        self.classes
            .insert(class.as_str().to_owned(), found.clone());
        Ok(found)
    }

    fn schema_properties(&mut self, property: NamedNodeRef<'_>) -> Result<Vec<String>> {
        if let Some(found) = self.properties.get(property.as_str()) {
            return Ok(found.clone());
        }
        let found = nearest_schema(self.store, property, vocab::RDFS_SUB_PROPERTY_OF)?;
        self.properties
            .insert(property.as_str().to_owned(), found.clone());
        Ok(found)
    }
}

/// The schema.org terms reached first going up `relation` from `term`
/// (the term itself if it is one), as local names.
fn nearest_schema(store: &Graph, term: NamedNodeRef<'_>, relation: &str) -> Result<Vec<String>> {
    let relation = NamedNodeRef::new_unchecked(relation);
    let mut level: BTreeSet<String> = BTreeSet::from([term.as_str().to_owned()]);
    let mut seen = level.clone();
    while !level.is_empty() {
        let found: Vec<String> = level
            .iter()
            .filter_map(|iri| iri.strip_prefix(SCHEMA).map(str::to_owned))
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let mut next = BTreeSet::new();
        for iri in &level {
            let subject: NamedOrBlankNodeRef<'_> = NamedNodeRef::new_unchecked(iri).into();
            for quad in store.default_quads(Some(subject), Some(relation), None)? {
                if let Term::NamedNode(parent) = quad.object {
                    if seen.insert(parent.as_str().to_owned()) {
                        next.insert(parent.as_str().to_owned());
                    }
                }
            }
        }
        level = next;
    }
    Ok(Vec::new())
}
