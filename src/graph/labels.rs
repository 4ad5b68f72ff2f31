//! Human names for IRIs: the label to show, and the compact form.
//!
//! The label rule is used everywhere a name is shown (tables, `describe`):
//! `skos:prefLabel` before `rdfs:label`, the language asked for with `--lang`
//! first, then English, then French, then any other, and the smallest string
//! among equals, so the choice never depends on load order. Labels are read
//! from the default graph. A label that cannot be read (a failing
//! backend) is an error, not a missing label.

use crate::graph::Graph;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use std::collections::HashMap;

/// The label of `subject`, if it has one, preferring `lang`.
pub fn label(
    graph: &Graph,
    subject: NamedOrBlankNodeRef<'_>,
    lang: Option<&str>,
) -> Result<Option<String>> {
    let mut best: Option<((u8, u8), String)> = None;
    for (rank, predicate) in [vocab::SKOS_PREF_LABEL, vocab::RDFS_LABEL]
        .into_iter()
        .enumerate()
    {
        let predicate = NamedNodeRef::new_unchecked(predicate);
        for object in graph.objects(subject, predicate)? {
            let TermRef::Literal(literal) = object.as_ref() else {
                continue;
            };
            let language = match literal.language() {
                Some(tag) if Some(tag) == lang => 0,
                Some("en") => 1,
                Some("fr") => 2,
                _ => 3,
            };
            let key = (u8::try_from(rank).unwrap_or(u8::MAX), language);
            let better = best.as_ref().is_none_or(|(best_key, best_value)| {
                (key, literal.value()) < (*best_key, best_value.as_str())
            });
            if better {
                best = Some((key, literal.value().to_owned()));
            }
        }
        if best.is_some() {
            break;
        }
    }
    Ok(best.map(|(_, value)| value))
}

/// An IRI as `prefix:local` when possible, else `<IRI>`.
pub fn compact(iri: &str) -> String {
    vocab::compact(iri).unwrap_or_else(|| format!("<{iri}>"))
}

/// The short name of a graph: `article-000` for an article, `ontology` for
/// `mkg:ontology`, the compact IRI otherwise.
pub fn graph_name(iri: &str) -> String {
    iri.strip_prefix(vocab::MKS)
        .or_else(|| iri.strip_prefix(vocab::MKG))
        .map_or_else(|| compact(iri), str::to_owned)
}

/// Remembers labels already looked up, for tables that repeat IRIs.
pub struct LabelCache<'a> {
    graph: &'a Graph,
    lang: Option<&'a str>,
    cache: HashMap<String, Option<String>>,
}

impl<'a> LabelCache<'a> {
    /// Labels from `store`, in `lang` where there is one.
    pub fn new(graph: &'a Graph, lang: Option<&'a str>) -> Self {
        Self {
            graph,
            lang,
            cache: HashMap::new(),
        }
    }

    /// The language asked for, if any.
    pub fn lang(&self) -> Option<&'a str> {
        self.lang
    }

    /// How a term is shown to people, in tables and in `describe` alike:
    /// `Label (mkd:x)` for a labelled node, the compact IRI (or blank node)
    /// otherwise, and a literal's lexical value.
    pub fn display(&mut self, term: TermRef<'_>) -> Result<String> {
        let (node, name): (NamedOrBlankNodeRef<'_>, String) = match term {
            TermRef::NamedNode(node) => (node.into(), compact(node.as_str())),
            TermRef::BlankNode(node) => (node.into(), node.to_string()),
            TermRef::Literal(literal) => return Ok(literal.value().to_owned()),
            // An RDF 1.2 triple term: its N-Triples text.
            other => return Ok(other.to_string()),
        };
        Ok(match self.get(node)? {
            Some(label) => format!("{label} ({name})"),
            None => name,
        })
    }

    /// The label of `subject`, looked up once.
    pub fn get(&mut self, subject: NamedOrBlankNodeRef<'_>) -> Result<Option<&str>> {
        // Keyed by the IRI itself (a blank node by its N-Triples form, which
        // no IRI can equal), so a hit allocates nothing.
        let blank;
        let key = match subject {
            NamedOrBlankNodeRef::NamedNode(node) => node.as_str(),
            NamedOrBlankNodeRef::BlankNode(node) => {
                blank = node.to_string();
                blank.as_str()
            }
        };
        if !self.cache.contains_key(key) {
            let found = label(self.graph, subject, self.lang)?;
            self.cache.insert(key.to_owned(), found);
        }
        Ok(self.cache.get(key).and_then(Option::as_deref))
    }
}
