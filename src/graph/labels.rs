//! Human names for IRIs: the label to show, the compact form, and the one
//! fold that compares names (entity lookup, search, link reconciliation).
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
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, LiteralRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use std::borrow::Cow;
use std::collections::HashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Letters that Unicode does not decompose into a base letter and a mark,
/// and what they fold to.
const LETTERS: &[(char, &str)] = &[
    ('œ', "oe"),
    ('æ', "ae"),
    ('ß', "ss"),
    ('ø', "o"),
    ('đ', "d"),
    ('ð', "d"),
    ('ł', "l"),
    ('þ', "th"),
    ('ı', "i"),
];

/// A name made comparable: compatibility forms unfolded (`ﬁ` is `fi`,
/// full-width letters are ASCII), accents removed, lower case, the letters
/// of [`LETTERS`] spelt out (`Cœur` is `coeur`, `Straße` is `strasse`),
/// spaces collapsed. Two names equal after folding differ only in accents,
/// case, ligatures or spacing.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
    {
        match LETTERS.iter().find(|(letter, _)| *letter == c) {
            Some((_, spelt)) => folded.push_str(spelt),
            None => folded.push(c),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The label of `subject`, if it has one, preferring `lang`.
pub fn label(
    graph: &Graph,
    subject: NamedOrBlankNodeRef<'_>,
    lang: Option<&str>,
) -> Result<Option<String>> {
    if let Some(kept) = graph.kept_labels(lang) {
        return Ok(kept.labels.get(key(subject).as_ref()).cloned());
    }
    read_label(graph, subject, lang)
}

/// What labels are kept under ([`Kept`], [`LabelCache`]): an IRI itself,
/// a blank node by its N-Triples form (which no IRI can equal), so that a
/// named subject's lookup allocates nothing.
fn key(subject: NamedOrBlankNodeRef<'_>) -> Cow<'_, str> {
    match subject {
        NamedOrBlankNodeRef::NamedNode(node) => Cow::Borrowed(node.as_str()),
        NamedOrBlankNodeRef::BlankNode(node) => Cow::Owned(node.to_string()),
    }
}

/// Every subject's label in one language, as [`label`] chooses it, read
/// once (`Graph::keep_labels`); keyed as [`LabelCache`] is.
pub struct Kept {
    pub(crate) lang: String,
    labels: HashMap<String, String>,
}

impl Kept {
    /// The label of every subject of a label property in the default graph
    /// (any other has none).
    pub(crate) fn read(graph: &Graph, lang: &str) -> Result<Self> {
        let mut labels = HashMap::new();
        for predicate in [vocab::SKOS_PREF_LABEL, vocab::RDFS_LABEL] {
            let predicate = NamedNodeRef::new_unchecked(predicate);
            for quad in graph.default_quads(None, Some(predicate), None)? {
                let key = key(quad.subject.as_ref()).into_owned();
                if labels.contains_key(&key) {
                    continue;
                }
                if let Some(found) = read_label(graph, quad.subject.as_ref(), Some(lang))? {
                    labels.insert(key, found);
                }
            }
        }
        Ok(Self {
            lang: lang.to_owned(),
            labels,
        })
    }
}

/// [`label`], read from the graph.
fn read_label(
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

/// How [`term`] writes a literal; IRIs are compact either way
/// ([`compact`]), blank nodes and triple terms in N-Triples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// As the Turtle writer does: strings in N-Triples form, canonical
    /// numbers and booleans bare, other values `"v"^^prefix:type`.
    Turtle,
    /// Every value that is not a string with its type: `"5"^^xsd:integer`
    /// (what a shape's parameter is, in `validate`'s messages).
    Typed,
    /// N-Triples, types in full (the evidence lines of `--evidence`).
    NTriples,
}

/// A term as text, in one of the [`Style`]s: the one way the program
/// prints a term (people's tables use [`LabelCache::display`]).
pub fn term(term: TermRef<'_>, style: Style) -> String {
    match (term, style) {
        (TermRef::NamedNode(node), _) => compact(node.as_str()),
        (TermRef::Literal(literal), Style::Turtle) => turtle_literal(literal),
        (TermRef::Literal(literal), Style::Typed)
            if literal.language().is_none() && literal.datatype() != xsd::STRING =>
        {
            format!(
                "{}^^{}",
                Literal::new_simple_literal(literal.value()),
                compact(literal.datatype().as_str())
            )
        }
        (other, _) => other.to_string(),
    }
}

/// Plain and language-tagged strings use the N-Triples form (valid Turtle);
/// canonical numbers and booleans are written bare, as Turtle allows.
fn turtle_literal(literal: LiteralRef<'_>) -> String {
    let value = literal.value();
    let datatype = literal.datatype();
    if literal.language().is_some() || datatype == xsd::STRING {
        return literal.to_string();
    }
    let bare = match datatype {
        xsd::INTEGER => is_integer(value),
        xsd::DECIMAL => value
            .split_once('.')
            .is_some_and(|(int, frac)| (int.is_empty() || is_integer(int)) && is_digits(frac)),
        xsd::BOOLEAN => matches!(value, "true" | "false"),
        _ => false,
    };
    if bare {
        value.to_owned()
    } else {
        format!(
            "{}^^{}",
            Literal::new_simple_literal(value),
            compact(datatype.as_str())
        )
    }
}

fn is_integer(value: &str) -> bool {
    is_digits(value.strip_prefix(['+', '-']).unwrap_or(value))
}

fn is_digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
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
        let key = key(subject);
        if !self.cache.contains_key(key.as_ref()) {
            let found = label(self.graph, subject, self.lang)?;
            self.cache.insert(key.clone().into_owned(), found);
        }
        Ok(self.cache.get(key.as_ref()).and_then(Option::as_deref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels kept are the labels read, for every subject and in
    /// either language.
    #[test]
    fn kept_labels_are_the_labels_read() {
        let dataset = crate::graph::dataset::Dataset::embedded().expect("the built-in graph");
        let graph = Graph::from_dataset(dataset);
        let subjects: std::collections::HashSet<_> = graph
            .quads(None, None, None, None)
            .map(|quad| quad.expect("in memory").subject)
            .collect();
        graph.keep_labels(&["en", "fr"]).expect("in memory");
        let mut labelled = 0;
        for lang in ["en", "fr"] {
            for subject in &subjects {
                let read = read_label(&graph, subject.as_ref(), Some(lang)).expect("in memory");
                labelled += usize::from(read.is_some());
                assert_eq!(
                    label(&graph, subject.as_ref(), Some(lang)).expect("kept"),
                    read
                );
            }
        }
        assert!(labelled > 100, "{labelled}");
    }

    #[test]
    fn folds_accents_case_ligatures_and_spaces() {
        assert_eq!(fold("  Viviès   ÉTÉ "), "vivies ete");
        assert_eq!(fold("Hélène  Viviès"), "helene vivies");
        assert_eq!(fold("Cœur ŒUVRE"), "coeur oeuvre");
        assert_eq!(fold("Æsir"), "aesir");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ﬁlm ﬂeur"), "film fleur");
        assert_eq!(fold("Øresund Łódź"), "oresund lodz");
        assert_eq!(fold("ＭＩＳＳＩＯＮＳ"), "missions");
    }
}
