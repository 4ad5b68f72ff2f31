//! Why-provenance for `query --why`: for each answer, the minimal sets of
//! named graphs (articles, curation, ontology…) whose facts suffice to
//! give it, computed from the query's algebra. `sparql::Prepared::trace`
//! (and `trace_construct`, `trace_describe`, which trace their pattern as
//! a SELECT) calls [`rewrite`], evaluates the result with the functions of
//! [`Functions`], and reads each answer's [`Family`].
//!
//! The rewrite keeps the query's answers and adds to each solution a
//! variable holding its family of supports (sets of graphs, one bit each):
//! - a triple pattern of the default graph (the merged view) becomes
//!   `GRAPH ?g { … }`, grouped by the pattern's variables so that each
//!   match is one solution whose family is the graphs stating it, as
//!   alternatives (the join above sees as many solutions as before);
//! - inside an explicit `GRAPH`, the graph's name is the support;
//! - a join needs a support of each side (pairwise unions), a union gives
//!   either side's, an `OPTIONAL` adds its right side's when it matched;
//! - an `EXISTS` in a filter or a binding adds its pattern's supports where
//!   the pattern matches and the value depends on it (`IF(EXISTS {…}, 0,
//!   1)`); a `NOT EXISTS` a filter requires is not applied but narrows the
//!   supports to those without its pattern's facts, so an answer the whole
//!   graph gives one way and a part of it another (a name from the curation
//!   graph, else the article's own) gets both; `MINUS` adds nothing (an
//!   answer it would refuse in the whole graph is not sought in parts);
//! - a group (aggregates) needs every member: the product of the members'
//!   families, each member one solution of the pattern under it; the
//!   aggregate values themselves come from the pattern as written;
//! - a path of one step is a triple pattern; sequences and alternatives
//!   are split into them; `*`, `+` and `?` match their zero-length part
//!   with no support and their other steps within one graph at a time.
//!
//! Where the rewrite can err (a negation inside a negation, an aggregate
//! whose members a missing fact would change, a path of zero steps), each
//! support found is run again on its graphs alone ([`keep_sufficient`]),
//! so a support given is always sufficient (the answer comes back from its
//! graphs alone); an answer may be left "not traced". A unit test checks
//! every stored query against runs on parts of the dataset: sufficient,
//! minimal, complete one graph at a time, and exact over the articles.
//!
//! Not traced (an error says so): `SERVICE`, `LIMIT`/`OFFSET` inside a
//! subquery, `FROM`/`FROM NAMED`, more than 63 named graphs.

mod exists;
mod recheck;
mod rewrite;
mod supports;
pub use recheck::{comparable, keep_sufficient, needs_check, without_top_slice};
pub use rewrite::{rewrite, top, Rewritten, Untraceable};
use supports::function;
pub use supports::{Family, Functions};

use oxigraph::model::Term;

/// The functions the rewritten query calls, under this namespace.
const NS: &str = "https://w3id.org/missions-kg/why#";

/// The most named graphs a trace tells apart (one bit each, one more for
/// the default graph's own triples).
pub const MAX_GRAPHS: usize = 63;

/// Stands for the default graph's own triples (those of no named graph,
/// as a plain Turtle file gives) among the graphs of a support.
pub fn default_graph() -> Term {
    function("default").into()
}

/// A family as people read it: supports separated by ` | `, the graphs of
/// one support by ` + ` (`article-000 + curation | article-002`); `none`
/// when the answer needs no fact.
pub fn shown(family: &Family, graphs: &[Term]) -> String {
    let name = |i: usize| match &graphs[i] {
        term if *term == default_graph() => "default graph".to_owned(),
        Term::NamedNode(node) => crate::graph::labels::graph_name(node.as_str()),
        other => other.to_string(),
    };
    let supports: Vec<String> = family
        .masks()
        .iter()
        .map(|&mask| {
            if mask == 0 {
                return "none".to_owned();
            }
            (0..graphs.len())
                .filter(|i| mask >> i & 1 == 1)
                .map(name)
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    supports.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::dataset::{Dataset, DatasetBuilder};
    use crate::graph::Graph;
    use crate::guard::budget::Budget;
    use oxigraph::model::Variable;
    use oxigraph::model::{GraphName, Quad};
    use oxigraph::sparql::QueryResults;
    use std::collections::HashMap;

    /// The built-in graph's named graphs' quads.
    fn named_quads() -> Vec<Quad> {
        let dataset = Dataset::embedded().expect("the built-in index");
        dataset
            .iter()
            .filter(|q| !q.graph_name.is_default_graph())
            .map(|q| q.into_owned())
            .collect()
    }

    /// A literal with its words sorted: GROUP_CONCAT lists their members in
    /// an order that depends on the dataset's ids.
    fn canonical(row: &[Option<Term>]) -> Vec<Option<String>> {
        row.iter()
            .map(|term| {
                term.as_ref().map(|term| match term {
                    Term::Literal(l) => {
                        let mut words: Vec<&str> = l
                            .value()
                            .split([' ', ',', '/'])
                            .filter(|w| !w.is_empty())
                            .collect();
                        words.sort_unstable();
                        format!("{} {:?}", words.join(" "), l.datatype())
                    }
                    other => other.to_string(),
                })
            })
            .collect()
    }

    /// One stored query traced on the built-in graph, and run again on
    /// parts of it.
    struct Trial<'a> {
        name: String,
        sparql: String,
        bound: Vec<(Variable, Term)>,
        traced: crate::provenance::trace::Traced,
        quads: &'a [Quad],
        cache: HashMap<u64, Vec<Vec<Option<String>>>>,
    }

    impl Trial<'_> {
        fn prepare(&self) -> crate::sparql::Prepared {
            let mut prepared = crate::sparql::prepare(&self.sparql, &self.name).unwrap();
            for (variable, value) in &self.bound {
                prepared = prepared.bind(variable.clone(), value.clone());
            }
            prepared
        }

        /// The answers with only the graphs of `mask` (bits as in the trace).
        fn answers(&mut self, mask: u64) -> Vec<Vec<Option<String>>> {
            if let Some(rows) = self.cache.get(&mask) {
                return rows.clone();
            }
            let graphs = &self.traced.graphs;
            let mut builder = DatasetBuilder::default();
            for quad in self.quads {
                let bit = graphs
                    .iter()
                    .position(|g| match (g, &quad.graph_name) {
                        (Term::NamedNode(a), GraphName::NamedNode(b)) => a == b,
                        (Term::BlankNode(a), GraphName::BlankNode(b)) => a == b,
                        _ => false,
                    })
                    .unwrap();
                if mask >> bit & 1 == 1 {
                    builder.insert(quad.clone());
                }
            }
            builder.merge_named_graphs_into_default();
            let graph = Graph::from_dataset(builder.build());
            let rows = match self.prepare().execute(&graph, &Budget::default()).unwrap() {
                QueryResults::Solutions(solutions) => solutions
                    .map(|s| {
                        let s = s.unwrap();
                        let row: Vec<Option<Term>> = self
                            .traced
                            .variables
                            .iter()
                            .map(|v| s.get(v).cloned())
                            .collect();
                        canonical(&row)
                    })
                    .collect(),
                QueryResults::Boolean(true) => vec![Vec::new()],
                _ => Vec::new(),
            };
            self.cache.insert(mask, rows.clone());
            rows
        }
    }

    /// Every stored query (with its example parameters, names looked up
    /// once in the whole graph), traced on the built-in graph.
    fn trials(quads: &[Quad]) -> Vec<Trial<'_>> {
        let full = Graph::from_dataset(Dataset::embedded().unwrap());
        let catalog = crate::sparql::catalog::Catalog::embedded().unwrap();
        catalog
            .queries
            .iter()
            .map(|stored| {
                let params: Vec<(String, String)> = stored
                    .example
                    .iter()
                    .map(|p| crate::sparql::split_param(p).unwrap())
                    .collect();
                let bound =
                    crate::sparql::bindings(&full, Some(stored), &params, "--param").unwrap();
                let mut trial = Trial {
                    name: stored.name.clone(),
                    sparql: stored.sparql.clone(),
                    bound,
                    traced: crate::provenance::trace::Traced {
                        variables: Vec::new(),
                        rows: Vec::new(),
                        graphs: Vec::new(),
                    },
                    quads,
                    cache: HashMap::new(),
                };
                trial.traced = trial
                    .prepare()
                    .trace_families(&full, &Budget::default())
                    .unwrap();
                trial
            })
            .collect()
    }

    /// Every stored query, run with `--why` on the built-in graph; then each
    /// answer checked against the query run on parts of the dataset: it is
    /// there with the graphs of each of its supports alone (sufficient), gone
    /// when any one of them is left out (minimal), and when it is still there
    /// without some graph, one of its supports does without that graph; and
    /// by brute force over the articles: for every subset of the four article
    /// graphs (the other graphs kept), the query gives exactly those of its
    /// answers that have a support within the subset. (One test: the runs on
    /// parts are shared.)
    #[test]
    fn every_stored_query_s_supports_match_its_answers_on_parts_of_the_dataset() {
        let quads = named_quads();
        let mut trials = trials(&quads);
        let mut failures: Vec<String> = Vec::new();
        let checked = per_graph(&mut trials, &mut failures);
        assert!(checked > 300, "only {checked} answers checked");
        let checked = over_subsets_of_the_articles(&mut trials, &mut failures);
        assert!(checked > 5000, "only {checked} checks over subsets");
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Sufficient, minimal, and complete one graph at a time.
    fn per_graph(trials: &mut [Trial<'_>], failures: &mut Vec<String>) -> usize {
        let mut checked = 0;
        for trial in trials {
            let graphs = trial.traced.graphs.clone();
            let all = (1u64 << graphs.len()) - 1;
            let name = trial.name.clone();
            for (row, family) in trial.traced.rows.clone() {
                let row = canonical(&row);
                if family.masks().is_empty() {
                    failures.push(format!("{name}: {row:?} not traced"));
                }
                for &support in family.masks() {
                    if !trial.answers(support).contains(&row) {
                        failures.push(format!("{name}: {row:?} not given by {support:b}"));
                    }
                    for bit in (0..graphs.len()).filter(|b| support >> b & 1 == 1) {
                        if trial.answers(support & !(1 << bit)).contains(&row) {
                            failures.push(format!(
                                "{name}: {row:?} given by {support:b} without {}",
                                graphs[bit]
                            ));
                        }
                    }
                }
                for (bit, graph) in graphs.iter().enumerate() {
                    if trial.answers(all & !(1 << bit)).contains(&row)
                        && family.masks().iter().all(|m| m >> bit & 1 == 1)
                    {
                        failures.push(format!(
                            "{name}: {row:?} given without {graph}, but every support needs it"
                        ));
                    }
                }
                checked += 1;
            }
        }
        checked
    }

    /// Every subset of the four articles (the other graphs kept): exactly
    /// the answers with a support within it.
    fn over_subsets_of_the_articles(trials: &mut [Trial<'_>], failures: &mut Vec<String>) -> usize {
        let mut checked = 0;
        for trial in trials {
            let graphs = trial.traced.graphs.clone();
            let is_article = |g: &Term| g.to_string().contains("/source/article-");
            let articles: Vec<usize> = (0..graphs.len())
                .filter(|&i| is_article(&graphs[i]))
                .collect();
            assert_eq!(articles.len(), 4, "{graphs:?}");
            let others: u64 = (0..graphs.len())
                .filter(|i| !articles.contains(i))
                .map(|i| 1u64 << i)
                .sum();
            for subset in 0u64..16 {
                let mask = articles
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| subset >> k & 1 == 1)
                    .map(|(_, &i)| 1u64 << i)
                    .sum::<u64>()
                    | others;
                let given = trial.answers(mask);
                for (row, family) in &trial.traced.rows {
                    let row = canonical(row);
                    let held = family.masks().iter().any(|s| s & mask == *s);
                    // A group's values computed again on fewer articles can
                    // equal the whole graph's by chance (29 facts stated by
                    // two articles, with two articles left out): that is
                    // another answer, not this one, so for an aggregate only
                    // "held, so given" is checked.
                    let aggregate =
                        trial.sparql.contains("GROUP BY") || trial.sparql.contains("COUNT(");
                    if held != given.contains(&row) && (held || !aggregate) {
                        failures.push(format!(
                            "{}: {row:?} with {mask:b}: given {}, a support held {held}",
                            trial.name,
                            given.contains(&row)
                        ));
                    }
                    checked += 1;
                }
            }
        }
        checked
    }

    #[test]
    fn families_keep_only_minimal_supports() {
        let a = Family::of([0b01, 0b011, 0b10]);
        assert_eq!(a.masks(), &[0b01, 0b10]);
        assert_eq!(a.and(&Family::of([0b100])).masks(), &[0b101, 0b110]);
        assert_eq!(a.or(&Family::of([0b11])).masks(), &[0b01, 0b10]);
        assert_eq!(Family::nothing().and(&a), a);
        let term = a.to_term();
        assert_eq!(Family::from_term(&term), Some(a));
    }
}
