//! Running a stored query by name: the one way the commands (`links`,
//! `sources`, `validate`'s checks) and the server's pages do it, with
//! values bound as terms. `query NAME` and the protocol's `/queries/NAME`
//! read their parameters from text first (`params.rs`), then bind the same
//! way.

use super::catalog::Catalog;
use super::{prepare, Prepared};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use anyhow::Result;
use oxigraph::model::{Term, Variable};
use oxigraph::sparql::QueryResults;

impl Catalog {
    /// Runs the stored query `name` on `graph` within `budget`, each of
    /// `bindings` bound to the variable it names.
    pub fn run<'a>(
        &self,
        name: &str,
        graph: &'a Graph,
        budget: &Budget,
        bindings: &[(&str, Term)],
    ) -> Result<QueryResults<'a>> {
        self.run_with(name, graph, budget, bindings, &|text, origin| {
            prepare(text, origin)
        })
    }

    /// [`Catalog::run`], with the query text prepared by `prepare` (the
    /// server's, which parses each text once for all requests).
    pub fn run_with<'a>(
        &self,
        name: &str,
        graph: &'a Graph,
        budget: &Budget,
        bindings: &[(&str, Term)],
        prepare: &dyn Fn(&str, &str) -> Result<Prepared>,
    ) -> Result<QueryResults<'a>> {
        let stored = self.find(name)?;
        let mut prepared = prepare(&stored.sparql, &format!("'{}'", stored.name))?;
        for (variable, value) in bindings {
            prepared = prepared.bind(Variable::new_unchecked(*variable), value.clone());
        }
        prepared.execute(graph, budget)
    }
}
