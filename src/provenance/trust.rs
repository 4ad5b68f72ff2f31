//! Which articles to trust: any query answered as if only some articles'
//! facts were known (`query --sources 000,002`, `--without 001`, the query
//! page's "trust only…"), and, per answer, the articles it depends on and
//! those it survives without (`query --sensitivity`).
//!
//! Both run the query itself on a part of the dataset ([`Graph::restricted`]:
//! the chosen articles' graphs with every graph that is not an article's,
//! the ontology, our curation, the links), rather than filtering the whole
//! graph's answers by their supports (`why.rs`): an aggregate's value
//! changes with the articles kept (a count of 4 becomes 2), and a negation
//! can let in an answer the whole graph holds out, which no filter of the
//! whole graph's answers can give. The answers are therefore exactly those
//! of the query on that part, by construction; the tests compare them with
//! the query run on the same graphs loaded from files. Sensitivity is one
//! more run per article in play, without it.
//!
//! Called by `query` and the server's query page.

use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::error::{Failure, Kind};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, Variable};
use oxigraph::sparql::{QueryResults, QuerySolutionIter};
use std::collections::HashSet;

/// The articles of `graph` (the nodes typed `mk:Article`), sorted.
pub fn articles(graph: &Graph) -> Result<Vec<NamedNode>> {
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let article = NamedNode::new_unchecked(format!("{}Article", vocab::MK));
    let mut articles = Vec::new();
    for quad in graph.quads(None, Some(rdf_type), Some(article.as_ref().into()), None) {
        if let oxigraph::model::NamedOrBlankNode::NamedNode(node) = quad?.subject {
            articles.push(node);
        }
    }
    articles.sort();
    articles.dedup();
    Ok(articles)
}

/// The article of `articles` that `text` names: `article-002`, `002`, `2`,
/// `mks:article-002` or the IRI itself; an unknown one is a not-found
/// error listing the articles.
pub fn find_article(articles: &[NamedNode], text: &str) -> Result<NamedNode> {
    let iri = match vocab::iri_from_text(text) {
        Some(iri) => iri,
        None => {
            let digits = text.trim().trim_start_matches("article-");
            match digits.parse::<u32>() {
                Ok(number) => format!("{}article-{number:03}", vocab::MKS),
                Err(_) => String::new(),
            }
        }
    };
    articles
        .iter()
        .find(|article| article.as_str() == iri)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<String> = articles
                .iter()
                .map(|a| labels::graph_name(a.as_str()))
                .collect();
            // A name the data does not hold exits 1, like an unknown entity or graph.
            Failure::new(
                Kind::NotFound,
                format!(
                    "no article '{}'; the articles are: {}",
                    crate::guard::error::one_line(text, 80),
                    known.join(", ")
                ),
            )
            .into()
        })
}

/// The articles trusted: those of `sources` when given, else every article
/// but those of `without`. `None` when both are empty (trust them all).
pub fn trusted(
    all: &[NamedNode],
    sources: &[String],
    without: &[String],
) -> Result<Option<Vec<NamedNode>>> {
    if sources.is_empty() && without.is_empty() {
        return Ok(None);
    }
    let named = |texts: &[String]| -> Result<Vec<NamedNode>> {
        texts
            .iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| find_article(all, text))
            .collect()
    };
    if !sources.is_empty() && sources.iter().all(|text| text.trim().is_empty()) {
        return Err(Failure::usage(
            "--sources takes the articles to trust, e.g. --sources 000,002 (to trust none, use --without with all of them)",
        )
        .into());
    }
    let kept = if sources.is_empty() {
        let left_out = named(without)?;
        all.iter()
            .filter(|a| !left_out.contains(a))
            .cloned()
            .collect()
    } else {
        let mut kept = named(sources)?;
        kept.sort();
        kept.dedup();
        kept
    };
    Ok(Some(kept))
}

/// `graph` with only the `kept` articles' graphs among the articles' (the
/// other graphs stay).
pub fn keep_articles(graph: &Graph, all: &[NamedNode], kept: &[NamedNode]) -> Result<Graph> {
    graph.restricted(&|name| match name {
        Some(NamedOrBlankNodeRef::NamedNode(name)) => {
            kept.iter().any(|a| a.as_ref() == name) || !all.iter().any(|a| a.as_ref() == name)
        }
        _ => true,
    })
}

/// A query's answers, with the articles in play (the trusted ones) for
/// [`sensitivity`].
pub struct Answers {
    pub variables: Vec<Variable>,
    pub rows: Vec<Vec<Option<Term>>>,
}

impl Answers {
    /// Reads a SELECT's or ASK's results (an ASK: one empty row when true).
    pub fn read(results: QueryResults<'_>) -> Result<Self> {
        match results {
            QueryResults::Solutions(solutions) => {
                let variables = solutions.variables().to_vec();
                let mut rows = Vec::new();
                for solution in solutions {
                    rows.push(solution?.values().to_vec());
                }
                Ok(Self { variables, rows })
            }
            QueryResults::Boolean(true) => Ok(Self {
                variables: Vec::new(),
                rows: vec![Vec::new()],
            }),
            QueryResults::Boolean(false) => Ok(Self {
                variables: Vec::new(),
                rows: Vec::new(),
            }),
            QueryResults::Graph(_) => Err(Failure::usage(
                "--sensitivity lists a SELECT's or an ASK's answers; a CONSTRUCT or DESCRIBE has triples (use --sources or --without to compare its graphs)",
            )
            .into()),
        }
    }
}

/// Each answer of `whole` (the query on the trusted articles, `in_play`)
/// with two more columns: `dependsOn`, the articles without any one of
/// which it is lost, and `survivesWithout`, the others (short names,
/// space-separated). `without(article)` runs the query on the graphs
/// without that article.
pub fn sensitivity<'a>(
    whole: Answers,
    in_play: &[NamedNode],
    mut without: impl FnMut(&NamedNode) -> Result<Answers>,
) -> Result<QueryResults<'a>> {
    let mut lost_without: Vec<HashSet<Vec<String>>> = Vec::with_capacity(in_play.len());
    for article in in_play {
        let answers = without(article)?;
        lost_without.push(
            answers
                .rows
                .iter()
                .map(|row| crate::provenance::why::comparable(row))
                .collect(),
        );
    }
    let name = |base: &str| {
        let mut name = base.to_owned();
        while whole.variables.iter().any(|v| v.as_str() == name) {
            name.push('_');
        }
        Variable::new_unchecked(name)
    };
    let mut variables = whole.variables.clone();
    variables.push(name("dependsOn"));
    variables.push(name("survivesWithout"));
    let rows: Vec<_> = whole
        .rows
        .into_iter()
        .map(|mut row| {
            let key = crate::provenance::why::comparable(&row);
            let (mut depends, mut survives) = (Vec::new(), Vec::new());
            for (article, kept) in in_play.iter().zip(&lost_without) {
                let short = labels::graph_name(article.as_str());
                if kept.contains(&key) {
                    survives.push(short);
                } else {
                    depends.push(short);
                }
            }
            row.push(Some(Literal::new_simple_literal(depends.join(" ")).into()));
            row.push(Some(Literal::new_simple_literal(survives.join(" ")).into()));
            Ok(row)
        })
        .collect();
    Ok(QueryResults::Solutions(QuerySolutionIter::from_tuples(
        variables.into(),
        rows,
    )))
}

#[cfg(test)]
mod tests;
