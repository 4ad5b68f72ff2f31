//! The ontology as documentation: each class and property of the project's
//! vocabulary (`mk:`) with its labels, its definition, its domain and
//! range, how many facts of the graph use it and one or two of them as
//! examples. Computed from the graph (the ontology files are its named
//! graph `mkg:ontology`; the facts are the merged view), then rendered by
//! the server's `/ontology` page.

use crate::graph::labels;
use crate::graph::Graph;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
};
use std::collections::BTreeMap;

/// How many example facts a term shows.
const EXAMPLES: usize = 2;

/// What a term of the vocabulary is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TermKind {
    Class,
    Property,
    /// Anything else the vocabulary names: a question, an outcome.
    Other,
}

/// One term, as the ontology page shows it.
pub struct TermDoc {
    pub iri: NamedNode,
    /// Its local name (`Person`, `castMember`): the page's anchor.
    pub local: String,
    pub kind: TermKind,
    /// Its label in the language asked for, and in the other one.
    pub label: Option<String>,
    pub other_label: Option<String>,
    /// `skos:definition` (else `rdfs:comment`) in the language asked for.
    pub definition: Option<String>,
    pub domains: Vec<Term>,
    pub ranges: Vec<Term>,
    /// What it is an instance of when it is neither class nor property.
    pub types: Vec<Term>,
    /// How many facts of the merged view use it: as their property, or,
    /// for a class, as the class of something.
    pub uses: usize,
    /// Up to [`EXAMPLES`] of those facts, subject and value (for a class,
    /// the instance and no value).
    pub examples: Vec<(Term, Option<Term>)>,
}

/// The whole vocabulary, by kind, each kind sorted by local name.
pub struct OntologyView {
    pub terms: Vec<TermDoc>,
}

impl OntologyView {
    /// Every `mk:` term the ontology states something about, and every
    /// `mk:` property the data uses (so each property link of the site has
    /// its entry), with labels and definition in `lang` (`other` for the
    /// second label). `check` is called once per term (a request's budget).
    pub fn compute(
        graph: &Graph,
        lang: &str,
        other: &str,
        check: &mut dyn FnMut() -> Result<()>,
    ) -> Result<Self> {
        let ontology = vocab::graph("ontology");
        let mut found: BTreeMap<String, NamedNode> = BTreeMap::new();
        for quad in graph.quads(None, None, None, Some(ontology.as_ref().into())) {
            if let NamedOrBlankNode::NamedNode(term) = quad?.subject {
                if let Some(local) = term.as_str().strip_prefix(vocab::MK) {
                    found.entry(local.to_owned()).or_insert(term);
                }
            }
        }
        for predicate in graph.predicates()? {
            if let Some(local) = predicate.as_str().strip_prefix(vocab::MK) {
                found.entry(local.to_owned()).or_insert(predicate);
            }
        }
        let mut terms = Vec::new();
        for (local, iri) in found {
            check()?;
            terms.push(document(graph, iri, local, lang, other)?);
        }
        terms.sort_by(|a, b| {
            (a.kind, a.local.to_lowercase()).cmp(&(b.kind, b.local.to_lowercase()))
        });
        Ok(Self { terms })
    }
}

fn named(iri: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(iri)
}

fn document(
    graph: &Graph,
    iri: NamedNode,
    local: String,
    lang: &str,
    other: &str,
) -> Result<TermDoc> {
    let subject = NamedOrBlankNodeRef::from(iri.as_ref());
    let types = graph.objects(subject, named(vocab::RDF_TYPE))?;
    let is = |kinds: &[String]| {
        types.iter().any(
            |class| matches!(class, Term::NamedNode(class) if kinds.iter().any(|k| class.as_str() == k)),
        )
    };
    let owl = |name: &str| format!("{}{name}", vocab::OWL);
    let rdfs = |name: &str| format!("{}{name}", vocab::RDFS);
    let class_types = [owl("Class"), rdfs("Class")];
    let property_types = [
        owl("ObjectProperty"),
        owl("DatatypeProperty"),
        owl("AnnotationProperty"),
        owl("FunctionalProperty"),
        format!("{}Property", vocab::RDF),
    ];
    let used_as_property = graph
        .quads(
            None,
            Some(iri.as_ref()),
            None,
            Some(GraphNameRef::DefaultGraph),
        )
        .next()
        .is_some();
    let kind = if is(&class_types) {
        TermKind::Class
    } else if is(&property_types) || used_as_property {
        TermKind::Property
    } else {
        TermKind::Other
    };
    let mut uses = 0;
    let mut examples = Vec::new();
    let mut take = |subject: &NamedOrBlankNode, value: Option<Term>| {
        uses += 1;
        // Facts of the data first: the ontology's own statements (a
        // property answering a question) only when there are no others.
        let of_data =
            !matches!(subject, NamedOrBlankNode::NamedNode(s) if s.as_str().starts_with(vocab::MK));
        if examples.len() < EXAMPLES && of_data {
            examples.push((Term::from(subject.clone()), value));
        }
    };
    match kind {
        TermKind::Class => {
            for quad in graph.quads(
                None,
                Some(named(vocab::RDF_TYPE)),
                Some(TermRef::from(iri.as_ref())),
                Some(GraphNameRef::DefaultGraph),
            ) {
                take(&quad?.subject, None);
            }
        }
        _ => {
            for quad in graph.quads(
                None,
                Some(iri.as_ref()),
                None,
                Some(GraphNameRef::DefaultGraph),
            ) {
                let quad = quad?;
                take(&quad.subject, Some(quad.object));
            }
        }
    }
    let label = labels::label(graph, subject, Some(lang))?;
    let other_label = in_language(
        graph,
        subject,
        &[vocab::SKOS_PREF_LABEL, vocab::RDFS_LABEL],
        other,
        false,
    )?
    .filter(|text| Some(text) != label.as_ref());
    let definition = in_language(
        graph,
        subject,
        &[vocab::SKOS_DEFINITION, vocab::RDFS_COMMENT],
        lang,
        true,
    )?;
    Ok(TermDoc {
        domains: graph.objects(subject, named(&rdfs("domain")))?,
        ranges: graph.objects(subject, named(&rdfs("range")))?,
        types: if kind == TermKind::Other {
            types
        } else {
            Vec::new()
        },
        iri,
        local,
        kind,
        label,
        other_label,
        definition,
        uses,
        examples,
    })
}

/// The first of `predicates` with a literal in `lang`; with `fallback`,
/// else one in English, else any.
fn in_language(
    graph: &Graph,
    subject: NamedOrBlankNodeRef<'_>,
    predicates: &[&str],
    lang: &str,
    fallback: bool,
) -> Result<Option<String>> {
    for predicate in predicates {
        let mut best: Option<(u8, String)> = None;
        for object in graph.objects(subject, named(predicate))? {
            let Term::Literal(literal) = object else {
                continue;
            };
            let rank = match literal.language() {
                Some(tag) if tag == lang => 0,
                _ if !fallback => continue,
                Some("en") => 1,
                _ => 2,
            };
            if best.as_ref().is_none_or(|(best, _)| rank < *best) {
                best = Some((rank, literal.value().to_owned()));
            }
        }
        if let Some((_, text)) = best {
            return Ok(Some(text));
        }
    }
    Ok(None)
}
