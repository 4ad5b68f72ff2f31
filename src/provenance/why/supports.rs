//! Supports: a family of sets of named graphs, held as bit masks, and the
//! custom SPARQL functions and aggregate that combine them while the
//! rewritten query runs (products for joins, alternatives for unions).

use super::NS;
use oxigraph::model::{Literal, NamedNode, Term};
use oxigraph::sparql::AggregateFunctionAccumulator;
use std::collections::HashMap;
use std::sync::Arc;

/// A family of supports: the minimal sets of graphs (bit masks), none a
/// subset of another. `[0]`: nothing needed; `[]`: no support at all.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Family(Vec<u64>);

impl Family {
    /// Needs nothing (a `VALUES` row, a count over no match).
    pub fn nothing() -> Self {
        Self(vec![0])
    }

    pub fn of(masks: impl IntoIterator<Item = u64>) -> Self {
        let mut masks: Vec<u64> = masks.into_iter().collect();
        masks.sort_by_key(|m| (m.count_ones(), *m));
        masks.dedup();
        let mut kept: Vec<u64> = Vec::with_capacity(masks.len());
        for mask in masks {
            if !kept.iter().any(|k| k & mask == *k) {
                kept.push(mask);
            }
        }
        kept.sort_unstable();
        Self(kept)
    }

    pub fn masks(&self) -> &[u64] {
        &self.0
    }

    /// Either family's supports.
    pub fn or(&self, other: &Self) -> Self {
        Self::of(self.0.iter().chain(&other.0).copied())
    }

    /// A support of each: every pairwise union.
    pub fn and(&self, other: &Self) -> Self {
        Self::of(
            self.0
                .iter()
                .flat_map(|a| other.0.iter().map(move |b| a | b)),
        )
    }

    /// The supports that hold none of `forbidden`'s: with those graphs
    /// only, a pattern that must not match does not.
    pub fn unless(&self, forbidden: &Self) -> Self {
        Self(
            self.0
                .iter()
                .copied()
                .filter(|s| forbidden.0.iter().all(|f| f & s != *f))
                .collect(),
        )
    }

    pub(super) fn to_term(&self) -> Term {
        let masks: Vec<String> = self.0.iter().map(|m| format!("{m:x}")).collect();
        Literal::new_simple_literal(masks.join(",")).into()
    }

    pub fn from_term(term: &Term) -> Option<Self> {
        let Term::Literal(literal) = term else {
            return None;
        };
        if literal.value().is_empty() {
            return Some(Self(Vec::new()));
        }
        literal
            .value()
            .split(',')
            .map(|m| u64::from_str_radix(m, 16).ok())
            .collect::<Option<Vec<_>>>()
            .map(Self::of)
    }
}

pub(super) fn function(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NS}{name}"))
}

/// The custom functions and aggregates the rewritten query calls, bound
/// to the dataset's named graphs (each graph its bit).
pub struct Functions {
    graphs: Arc<HashMap<Term, u64>>,
}

impl Functions {
    pub fn new(graphs: &[Term]) -> Self {
        let graphs = graphs
            .iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), 1u64 << i))
            .collect();
        Self {
            graphs: Arc::new(graphs),
        }
    }

    /// Registers them on an evaluator.
    pub fn register(
        &self,
        evaluator: oxigraph::sparql::SparqlEvaluator,
    ) -> oxigraph::sparql::SparqlEvaluator {
        let graphs = self.graphs.clone();
        evaluator
            .with_custom_function(function("graph"), move |args| {
                let [graph] = args else { return None };
                graphs.get(graph).map(|&bit| Family::of([bit]).to_term())
            })
            .with_custom_function(function("join"), |args| {
                args.iter()
                    .try_fold(Family::nothing(), |acc, term| {
                        Family::from_term(term).map(|f| acc.and(&f))
                    })
                    .map(|f| f.to_term())
            })
            .with_custom_function(function("unless"), |args| {
                let (family, forbidden) = args.split_first()?;
                let family = Family::from_term(family)?;
                let forbidden = forbidden.iter().try_fold(Family::default(), |all, term| {
                    Family::from_term(term).map(|f| all.or(&f))
                })?;
                Some(family.unless(&forbidden).to_term())
            })
            .with_custom_function(function("term"), |args| {
                let [term] = args else { return None };
                Some(Literal::new_simple_literal(term.to_string()).into())
            })
            .with_custom_aggregate_function(function("any"), || {
                Box::new(Accumulate {
                    family: Family::default(),
                    all: false,
                })
            })
            .with_custom_aggregate_function(function("all"), || {
                Box::new(Accumulate {
                    family: Family::nothing(),
                    all: true,
                })
            })
    }
}

/// `why:any` (alternatives) or `why:all` (every member) of families.
pub(super) struct Accumulate {
    family: Family,
    all: bool,
}

impl AggregateFunctionAccumulator for Accumulate {
    fn accumulate(&mut self, element: Term) {
        if let Some(family) = Family::from_term(&element) {
            self.family = if self.all {
                self.family.and(&family)
            } else {
                self.family.or(&family)
            };
        }
    }

    fn finish(&mut self) -> Option<Term> {
        Some(self.family.to_term())
    }
}
