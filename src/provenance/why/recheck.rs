//! The re-check: where a query holds because something is absent, each
//! support found is run again on its graphs alone, and kept only if the
//! answer comes back.

use super::default_graph;
use super::exists::exists_in;
use super::supports::Family;
use oxigraph::model::Term;
use spargebra::algebra::{Expression, GraphPattern, PropertyPathExpression};
use std::collections::HashMap;

/// Whether a query's supports must be checked by running it again on the
/// graphs of each: where it holds because something is absent (`MINUS`,
/// `OPTIONAL`, `EXISTS`, an aggregate, whose members may change) or a path
/// may match with zero steps, the rewrite can find supports that are too
/// small (a hostile review found them: a negation inside a negation, a
/// count over rows that a missing label lets in). The rewrite alone is
/// exact for the rest.
pub fn needs_check(query: &spargebra::Query) -> bool {
    let pattern = match query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Ask { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. } => pattern,
    };
    holds_by_absence(pattern)
}

/// The query without its top-level LIMIT and OFFSET (the answers a trace
/// re-checks on parts of the dataset are those of the whole query).
pub fn without_top_slice(query: &spargebra::Query) -> spargebra::Query {
    let unsliced = |pattern: &GraphPattern| match pattern {
        GraphPattern::Slice { inner, .. } => (**inner).clone(),
        other => other.clone(),
    };
    match query {
        spargebra::Query::Select {
            dataset,
            pattern,
            base_iri,
        } => spargebra::Query::Select {
            dataset: dataset.clone(),
            pattern: unsliced(pattern),
            base_iri: base_iri.clone(),
        },
        spargebra::Query::Construct {
            template,
            dataset,
            pattern,
            base_iri,
        } => spargebra::Query::Construct {
            template: template.clone(),
            dataset: dataset.clone(),
            pattern: unsliced(pattern),
            base_iri: base_iri.clone(),
        },
        other => other.clone(),
    }
}

/// Whether a pattern holds because something is absent, or may match a
/// path with zero steps ([`needs_check`]).
pub(super) fn holds_by_absence(pattern: &GraphPattern) -> bool {
    use GraphPattern as P;
    let tests_existence = |expression: &Expression| {
        let mut found = Vec::new();
        exists_in(expression, false, &mut found);
        !found.is_empty()
    };
    match pattern {
        P::Bgp { .. } | P::Values { .. } => false,
        P::Path { path, .. } => zero_steps(path),
        P::Join { left, right } | P::Union { left, right } => {
            holds_by_absence(left) || holds_by_absence(right)
        }
        P::Filter { expr, inner } => tests_existence(expr) || holds_by_absence(inner),
        P::Extend {
            inner, expression, ..
        } => tests_existence(expression) || holds_by_absence(inner),
        P::Graph { inner, .. }
        | P::Project { inner, .. }
        | P::Distinct { inner }
        | P::Reduced { inner }
        | P::OrderBy { inner, .. } => holds_by_absence(inner),
        // Which answers a LIMIT keeps depends on the others.
        _ => true,
    }
}

pub(super) fn zero_steps(path: &PropertyPathExpression) -> bool {
    use PropertyPathExpression as X;
    match path {
        X::NamedNode(_) | X::NegatedPropertySet(_) => false,
        X::ZeroOrMore(_) | X::ZeroOrOne(_) => true,
        X::Reverse(inner) | X::OneOrMore(inner) => zero_steps(inner),
        X::Sequence(a, b) | X::Alternative(a, b) => zero_steps(a) || zero_steps(b),
    }
}

/// Keeps, of each answer's supports, those whose graphs alone give the
/// answer again (`run` runs the query on a dataset); the others were too
/// small. An answer left with none shows "not traced". Each support is run
/// once, whatever the number of answers that name it.
pub fn keep_sufficient(
    rows: Vec<(Vec<Option<Term>>, Family)>,
    graphs: &[Term],
    graph: &crate::graph::Graph,
    mut run: impl FnMut(&crate::graph::Graph) -> anyhow::Result<Vec<Vec<Option<Term>>>>,
) -> anyhow::Result<Vec<(Vec<Option<Term>>, Family)>> {
    let mut answers: HashMap<u64, Vec<Vec<String>>> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    for (row, family) in rows {
        let key = comparable(&row);
        let mut masks = Vec::new();
        for &mask in family.masks() {
            if let std::collections::hash_map::Entry::Vacant(entry) = answers.entry(mask) {
                let part = part_of(graph, graphs, mask)?;
                entry.insert(run(&part)?.iter().map(|r| comparable(r)).collect());
            }
            if answers[&mask].contains(&key) {
                masks.push(mask);
            }
        }
        kept.push((row, Family::of(masks)));
    }
    Ok(kept)
}

/// A row for comparing runs on two datasets: a literal's words sorted,
/// as `GROUP_CONCAT` lists its members in an order that depends on how the
/// dataset numbers its terms.
pub fn comparable(row: &[Option<Term>]) -> Vec<String> {
    row.iter()
        .map(|term| match term {
            Some(Term::Literal(l)) => {
                let mut words: Vec<&str> = l
                    .value()
                    .split([' ', ','])
                    .filter(|w| !w.is_empty())
                    .collect();
                words.sort_unstable();
                format!("{} {}", words.join(" "), l.datatype())
            }
            Some(other) => other.to_string(),
            None => String::new(),
        })
        .collect()
}

/// The dataset of the graphs of `mask` alone, with its merged view.
pub(super) fn part_of(
    graph: &crate::graph::Graph,
    graphs: &[Term],
    mask: u64,
) -> anyhow::Result<crate::graph::Graph> {
    let kept = |name: &Term| {
        graphs
            .iter()
            .position(|g| g == name)
            .is_some_and(|bit| mask >> bit & 1 == 1)
    };
    graph.restricted(&|name| match name {
        None => kept(&default_graph()),
        Some(name) => kept(&Term::from(name.into_owned())),
    })
}
