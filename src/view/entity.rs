//! Views: what a page or a command shows about one thing, computed once
//! as plain values, then rendered by whoever shows it (`describe` on a
//! terminal, the server as HTML or JSON). Nothing here writes text.
//!
//! [`EntityView`] is what `describe` and the entity page show: an entity's
//! labels and classes, its facts with the graphs that state each one, the
//! facts pointing at it, the facts of its qualified nodes (a role, a
//! broadcast, an award) one level deep, and its external links.
//! [`PassageGroups`] gathers the passages under its facts so that a page
//! shows each passage once, with the facts it supports.

use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::limits::MAX_PASSAGES_PER_FACT;
use crate::provenance::evidence::{self, Articles, Passage};
use crate::view::links::{self, ExternalLink};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{
    NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, QuadRef, Term, TermRef,
};
use std::borrow::Cow;

/// One entity, as `describe` and the entity page show it.
pub struct EntityView {
    pub iri: NamedNode,
    /// Its label in the language asked for (see `labels.rs`), if any.
    pub label: Option<String>,
    /// Its classes, sorted by how they are shown.
    pub classes: Vec<Value>,
    /// What it states, sorted by property name then value; links to
    /// external sites are left out (they are in `external`).
    pub facts: Vec<Fact>,
    /// What points at it, sorted the same way.
    pub incoming: Vec<Fact>,
    /// Its verified links to Wikidata, Wikipedia and IMDb.
    pub external: Vec<ExternalLink>,
}

/// One fact: a property, a value, and the graphs that state it. For an
/// incoming fact the value is the subject pointing at the entity.
pub struct Fact {
    pub property: NamedNode,
    /// The property's label, or its compact IRI.
    pub property_name: String,
    pub value: Value,
    /// The named graphs stating it (articles, `mkg:links`…), sorted by
    /// short name; empty for a fact only the default graph holds.
    pub sources: Vec<Source>,
    /// The facts of the value when it is a qualified fact (a role, a
    /// broadcast), without the link back to the entity, its type or label.
    pub nested: Vec<Fact>,
    /// Where the articles say it (filled by [`EntityView::add_evidence`]),
    /// at most [`MAX_PASSAGES_PER_FACT`] of them.
    pub passages: Vec<Passage>,
    /// How many more passages the articles give for it than are kept.
    pub more_passages: usize,
}

/// A value as shown: the term and the text people read.
pub struct Value {
    pub term: Term,
    /// `Label (prefix:x)` for a labelled node, the compact IRI otherwise, a
    /// literal's lexical value with ` @lang` for a language-tagged text,
    /// followed by its unit when it has one.
    pub text: String,
    /// The unit of a number, from a fact beside it: an `mk:amount`'s
    /// `mk:currency` (an ISO 4217 code such as `EUR`).
    pub unit: Option<String>,
}

/// A graph stating a fact.
#[derive(Clone, PartialEq, Eq)]
pub struct Source {
    /// The short name: `article-000`, `links`, or a compact IRI.
    pub name: String,
    pub graph: NamedOrBlankNode,
}

impl EntityView {
    /// Computes the view of `node`, labels in `lang` where there is one,
    /// within `budget` (a node of a large store may have ever so many
    /// facts: the work stops at the timeout instead of reading on).
    pub fn compute(
        graph: &Graph,
        node: NamedNodeRef<'_>,
        lang: Option<&str>,
        budget: &Budget,
    ) -> Result<Self> {
        let mut labels = LabelCache::new(graph, lang);
        let subject: NamedOrBlankNodeRef<'_> = node.into();
        let label = labels.get(subject)?.map(str::to_owned);
        let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
        let mut classes = Vec::new();
        for quad in graph.default_quads(Some(subject), Some(rdf_type), None)? {
            classes.push(value(quad.object, &mut labels)?);
        }
        classes.sort_by(|a, b| a.text.cmp(&b.text));

        let mut facts = Vec::new();
        for (quad, mut fact) in outgoing(graph, subject, &mut labels, budget)? {
            if quad.predicate.as_ref() == rdf_type || is_link(quad.as_ref()) {
                continue;
            }
            if let Some(object) = as_subject(&quad.object) {
                fact.nested = unfold(graph, object.as_ref(), subject, &mut labels, budget)?;
            }
            facts.push(fact);
        }
        let mut incoming = Vec::new();
        for quad in graph.default_quads(None, None, Some(node.into()))? {
            budget.check("describe")?;
            // An evidence node naming one of its facts is shown as the
            // passages under that fact, not as a fact pointing at it.
            if is_link(quad.as_ref()) || evidence::is_reification(quad.predicate.as_str()) {
                continue;
            }
            let mut fact = Fact {
                property_name: property_name(quad.predicate.as_ref(), &mut labels)?,
                value: value(subject_term(&quad.subject), &mut labels)?,
                sources: sources(graph, &quad)?,
                nested: Vec::new(),
                passages: Vec::new(),
                more_passages: 0,
                property: quad.predicate.clone(),
            };
            fact.nested = unfold(graph, quad.subject.as_ref(), subject, &mut labels, budget)?;
            incoming.push(fact);
        }
        incoming.sort_by(|a, b| {
            (&a.property_name, &a.value.text).cmp(&(&b.property_name, &b.value.text))
        });
        attach_units(&mut facts);
        attach_units(&mut incoming);
        Ok(Self {
            iri: node.into_owned(),
            label,
            classes,
            facts,
            incoming,
            external: links::external_links(graph, node)?,
        })
    }
}

impl EntityView {
    /// Fills in, under each fact (incoming and nested ones too), the
    /// passages of the articles that state it; their texts when `articles`
    /// has them.
    pub fn add_evidence(&mut self, graph: &Graph, articles: Option<&Articles>) -> Result<()> {
        self.add_evidence_with(&mut |node| {
            evidence::of_subject(graph, node, articles).map(Cow::Owned)
        })
    }

    /// The same, each subject's passages taken from `index` (read once,
    /// by the server) rather than from the graph.
    pub fn add_evidence_from(&mut self, index: &evidence::Index) -> Result<()> {
        let none = evidence::ByFact::new();
        self.add_evidence_with(&mut |node| Ok(Cow::Borrowed(index.of(node).unwrap_or(&none))))
    }

    /// [`Self::add_evidence`] with `passages_of` giving a subject's passages.
    fn add_evidence_with<'i>(
        &mut self,
        passages_of: &mut dyn FnMut(NamedOrBlankNodeRef<'_>) -> Result<Cow<'i, evidence::ByFact>>,
    ) -> Result<()> {
        let own = passages_of(self.iri.as_ref().into())?;
        for fact in &mut self.facts {
            (fact.passages, fact.more_passages) = lookup(&own, fact, None);
            if let Some(node) = as_subject(&fact.value.term) {
                add_nested_evidence(node.as_ref(), &mut fact.nested, passages_of)?;
            }
        }
        let iri: Term = self.iri.clone().into();
        for fact in &mut self.incoming {
            if let Some(node) = as_subject(&fact.value.term) {
                let theirs = passages_of(node.as_ref())?;
                (fact.passages, fact.more_passages) = lookup(&theirs, fact, Some(&iri));
                add_nested_evidence(node.as_ref(), &mut fact.nested, passages_of)?;
            }
        }
        Ok(())
    }
}

/// Every passage under an entity's facts, each once, with the facts it
/// supports: the entity page lists them in one section and each fact
/// points at its passages by their number there.
pub struct PassageGroups<'a> {
    /// In the order the page first cites them: its facts (each followed
    /// by its qualified node's own facts), then the facts pointing at it.
    pub groups: Vec<PassageGroup<'a>>,
    index: std::collections::HashMap<(&'a str, u64, u64), usize>,
}

/// One passage and the facts of the page it supports.
pub struct PassageGroup<'a> {
    pub passage: &'a Passage,
    pub facts: Vec<Supported<'a>>,
}

/// A fact a passage supports, as the page shows it.
pub struct Supported<'a> {
    pub fact: &'a Fact,
    /// The fact holding it when it is a qualified node's own fact (a
    /// role's person), to say whose it is.
    pub within: Option<&'a Fact>,
    /// Whether it points at the entity (read backwards).
    pub incoming: bool,
}

impl<'a> PassageGroups<'a> {
    pub fn of(view: &'a EntityView) -> Self {
        let mut groups = Self {
            groups: Vec::new(),
            index: std::collections::HashMap::new(),
        };
        for (list, incoming) in [(&view.facts, false), (&view.incoming, true)] {
            for fact in list {
                groups.add(fact, None, incoming);
                for nested in &fact.nested {
                    groups.add(nested, Some(fact), false);
                }
            }
        }
        groups
    }

    fn add(&mut self, fact: &'a Fact, within: Option<&'a Fact>, incoming: bool) {
        for passage in &fact.passages {
            let key = (passage.article_iri.as_str(), passage.start, passage.end);
            let at = *self.index.entry(key).or_insert_with(|| {
                self.groups.push(PassageGroup {
                    passage,
                    facts: Vec::new(),
                });
                self.groups.len() - 1
            });
            self.groups[at].facts.push(Supported {
                fact,
                within,
                incoming,
            });
        }
    }

    /// The passage's number on the page (from 1), if a fact cites it.
    pub fn number(&self, passage: &Passage) -> Option<usize> {
        self.index
            .get(&(passage.article_iri.as_str(), passage.start, passage.end))
            .map(|at| at + 1)
    }
}

fn add_nested_evidence<'i>(
    node: NamedOrBlankNodeRef<'_>,
    nested: &mut [Fact],
    passages_of: &mut dyn FnMut(NamedOrBlankNodeRef<'_>) -> Result<Cow<'i, evidence::ByFact>>,
) -> Result<()> {
    if nested.is_empty() {
        return Ok(());
    }
    let found = passages_of(node)?;
    for fact in nested {
        (fact.passages, fact.more_passages) = lookup(&found, fact, None);
    }
    Ok(())
}

/// The passages of one fact, of the articles among its sources only (an
/// evidence record may name an article whose graph lacks the fact: the
/// check `evidence-without-fact` reports it, and it is not shown): the
/// first [`MAX_PASSAGES_PER_FACT`] in their order, and how many more.
fn lookup(
    found: &evidence::ByFact,
    fact: &Fact,
    subject_value: Option<&Term>,
) -> (Vec<Passage>, usize) {
    let value = subject_value.unwrap_or(&fact.value.term);
    let mut passages: Vec<Passage> = found
        .get(&(fact.property.clone(), value.clone()))
        .into_iter()
        .flatten()
        .filter(|passage| {
            fact.sources.iter().any(|source| {
                matches!(&source.graph, NamedOrBlankNode::NamedNode(g) if g.as_str() == passage.article_iri)
            })
        })
        .cloned()
        .collect();
    let more = passages.len().saturating_sub(MAX_PASSAGES_PER_FACT);
    passages.truncate(MAX_PASSAGES_PER_FACT);
    (passages, more)
}

/// A link to an external wiki or its evidence record: shown apart, under
/// "external links", rather than as facts.
fn is_link(quad: QuadRef<'_>) -> bool {
    let predicate = quad.predicate.as_str();
    let wikidata =
        matches!(quad.object, TermRef::NamedNode(item) if item.as_str().starts_with(vocab::WD));
    (predicate == vocab::OWL_SAME_AS && wikidata)
        || predicate == vocab::MK_IMDB_ID
        || predicate == vocab::MK_LINKED_ENTITY
        || (predicate == vocab::SCHEMA_ABOUT
            && matches!(quad.subject, NamedOrBlankNodeRef::NamedNode(page)
                if links::wikipedia_language(page.as_str()).is_some()))
}

/// The facts of `node` when it is a qualified fact (or an unlabelled
/// node), leaving out the link back to the entity being described.
fn unfold(
    graph: &Graph,
    node: NamedOrBlankNodeRef<'_>,
    described: NamedOrBlankNodeRef<'_>,
    labels: &mut LabelCache<'_>,
    budget: &Budget,
) -> Result<Vec<Fact>> {
    if !(entity::is_qualified_fact(graph, node)? || labels.get(node)?.is_none()) {
        return Ok(Vec::new());
    }
    let back = subject_term(&described.into_owned());
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let rdfs_label = NamedNodeRef::new_unchecked(vocab::RDFS_LABEL);
    Ok(outgoing(graph, node, labels, budget)?
        .into_iter()
        .filter(|(quad, _)| {
            let predicate = quad.predicate.as_ref();
            quad.object != back && predicate != rdf_type && predicate != rdfs_label
        })
        .map(|(_, fact)| fact)
        .collect())
}

/// The facts `subject` states, with their quads, sorted by property name
/// then value. With a language asked for, a property's texts in other
/// languages are dropped when it has one in that language.
fn outgoing(
    graph: &Graph,
    subject: NamedOrBlankNodeRef<'_>,
    labels: &mut LabelCache<'_>,
    budget: &Budget,
) -> Result<Vec<(Quad, Fact)>> {
    let mut facts = Vec::new();
    for quad in graph.default_quads(Some(subject), None, None)? {
        budget.check("describe")?;
        let fact = Fact {
            property: quad.predicate.clone(),
            property_name: property_name(quad.predicate.as_ref(), labels)?,
            value: value(quad.object.clone(), labels)?,
            sources: sources(graph, &quad)?,
            nested: Vec::new(),
            passages: Vec::new(),
            more_passages: 0,
        };
        facts.push((quad, fact));
    }
    if let Some(lang) = labels.lang() {
        keep_language(&mut facts, lang);
    }
    facts.sort_by(|a, b| {
        (&a.1.property_name, &a.1.value.text).cmp(&(&b.1.property_name, &b.1.value.text))
    });
    Ok(facts)
}

/// A property's text in another language goes when a graph stating it also
/// gives the property a text in `lang` (our translation of the same words);
/// a name given in French only stays, whatever `lang`, and so does a text
/// one article words only in English beside another article's French one
/// (article 001's "TV Critics Award" under `--lang fr`).
fn keep_language(facts: &mut Vec<(Quad, Fact)>, lang: &str) {
    let language = |quad: &Quad| match &quad.object {
        Term::Literal(literal) => literal.language().map(str::to_owned),
        _ => None,
    };
    // The graphs stating a fact; `None` for the default graph's own triples
    // (a plain Turtle file), which are all one source.
    let graphs = |fact: &Fact| -> Vec<Option<String>> {
        if fact.sources.is_empty() {
            vec![None]
        } else {
            fact.sources.iter().map(|s| Some(s.name.clone())).collect()
        }
    };
    let covered: std::collections::BTreeSet<(String, Option<String>)> = facts
        .iter()
        .filter(|(quad, _)| language(quad).as_deref() == Some(lang))
        .flat_map(|(quad, fact)| {
            graphs(fact)
                .into_iter()
                .map(|graph| (quad.predicate.as_str().to_owned(), graph))
        })
        .collect();
    facts.retain(|(quad, fact)| {
        language(quad).is_none_or(|tag| tag == lang)
            || !graphs(fact)
                .into_iter()
                .any(|graph| covered.contains(&(quad.predicate.as_str().to_owned(), graph)))
    });
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(node) => Some(node.clone().into()),
        Term::BlankNode(node) => Some(node.clone().into()),
        // Literals, and RDF 1.2 triple terms, are never subjects here.
        _ => None,
    }
}

fn subject_term(subject: &NamedOrBlankNode) -> Term {
    match subject {
        NamedOrBlankNode::NamedNode(node) => node.clone().into(),
        NamedOrBlankNode::BlankNode(node) => node.clone().into(),
    }
}

/// The property's label if the ontology gives one, else its compact IRI.
fn property_name(property: NamedNodeRef<'_>, labels: &mut LabelCache<'_>) -> Result<String> {
    Ok(labels
        .get(property.into())?
        .map_or_else(|| labels::compact(property.as_str()), str::to_owned))
}

/// A term with its display text.
fn value(term: Term, labels: &mut LabelCache<'_>) -> Result<Value> {
    let text = match &term {
        Term::Literal(literal) => match literal.language() {
            Some(language) => format!("{} @{language}", literal.value()),
            None => literal.value().to_owned(),
        },
        other => labels.display(other.as_ref())?,
    };
    Ok(Value {
        term,
        text,
        unit: None,
    })
}

/// Gives each amount among `facts` (and their nested facts) the currency
/// stated beside it: a budget's 1500000.0 is read with its EUR.
fn attach_units(facts: &mut [Fact]) {
    let amount = format!("{}amount", vocab::MK);
    let currency = format!("{}currency", vocab::MK);
    let unit = facts
        .iter()
        .find(|fact| fact.property.as_str() == currency)
        .and_then(|fact| match &fact.value.term {
            Term::Literal(code) if code.language().is_none() => Some(code.value().to_owned()),
            _ => None,
        });
    for fact in facts.iter_mut() {
        if fact.property.as_str() == amount {
            if let Some(unit) = &unit {
                fact.value.text = format!("{} {unit}", fact.value.text);
                fact.value.unit = Some(unit.clone());
            }
        }
        attach_units(&mut fact.nested);
    }
}

/// The named graphs stating this triple, sorted by short name.
fn sources(graph: &Graph, quad: &Quad) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for stated in graph.graphs_stating(
        quad.subject.as_ref(),
        quad.predicate.as_ref(),
        quad.object.as_ref(),
    )? {
        let (name, graph) = match stated {
            NamedOrBlankNode::NamedNode(node) => (labels::graph_name(node.as_str()), node.into()),
            NamedOrBlankNode::BlankNode(node) => (node.to_string(), node.into()),
        };
        sources.push(Source { name, graph });
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}
