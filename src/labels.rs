//! Human names for IRIs: the label to show, and the compact form.
//!
//! The label rule is used everywhere a name is shown (tables, `describe`):
//! `skos:prefLabel` before `rdfs:label`, the language asked for with `--lang`
//! first, then English, then French, then any other, and the smallest string
//! among equals, so the choice never depends on load order. Labels are read
//! from the default graph.

use crate::dataset::Dataset;
use crate::vocab;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use std::collections::HashMap;

/// The label of `subject`, if it has one, preferring `lang`.
pub fn label(
    store: &Dataset,
    subject: NamedOrBlankNodeRef<'_>,
    lang: Option<&str>,
) -> Option<String> {
    let mut best: Option<((u8, u8), String)> = None;
    for (rank, predicate) in [vocab::SKOS_PREF_LABEL, vocab::RDFS_LABEL]
        .into_iter()
        .enumerate()
    {
        let predicate = NamedNodeRef::new_unchecked(predicate);
        for quad in store.quads_for_pattern(
            Some(subject),
            Some(predicate),
            None,
            Some(GraphNameRef::DefaultGraph),
        ) {
            let TermRef::Literal(literal) = quad.object else {
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
    best.map(|(_, value)| value)
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
    store: &'a Dataset,
    lang: Option<&'a str>,
    cache: HashMap<String, Option<String>>,
}

impl<'a> LabelCache<'a> {
    /// Labels from `store`, in `lang` where there is one.
    pub fn new(store: &'a Dataset, lang: Option<&'a str>) -> Self {
        Self {
            store,
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
    pub fn display(&mut self, term: TermRef<'_>) -> String {
        let (node, name): (NamedOrBlankNodeRef<'_>, String) = match term {
            TermRef::NamedNode(node) => (node.into(), compact(node.as_str())),
            TermRef::BlankNode(node) => (node.into(), node.to_string()),
            TermRef::Literal(literal) => return literal.value().to_owned(),
            // An RDF 1.2 triple term: its N-Triples text.
            other => return other.to_string(),
        };
        match self.get(node) {
            Some(label) => format!("{label} ({name})"),
            None => name,
        }
    }

    pub fn get(&mut self, subject: NamedOrBlankNodeRef<'_>) -> Option<&str> {
        let key = subject.to_string();
        self.cache
            .entry(key)
            .or_insert_with(|| label(self.store, subject, self.lang))
            .as_deref()
    }
}
