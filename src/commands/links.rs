//! `missions-kg links`: the entities' verified external links (stored query
//! `links`), or the entities that have none (`links-missing`); `reconcile`
//! and `check` talk to a SPARQL endpoint and live in `links/`.
//!
//! Listing runs the stored queries, so `query links` gives the same answer.

mod check;
mod reconcile;

use crate::cli::{LinksAction, LinksArgs};
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, Payload};
use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::error::Kind;
use crate::sparql;
use crate::sparql::catalog::Catalog;
use anyhow::Result;
use oxigraph::sparql::{QueryResults, QuerySolutionIter, Variable};

pub fn run(config: &Config, args: &LinksArgs) -> Result<()> {
    match &args.action {
        Some(LinksAction::Reconcile(action)) => reconcile::run(config, action),
        Some(LinksAction::Check(action)) => check::run(config, action),
        None => list(config, args),
    }
}

fn list(config: &Config, args: &LinksArgs) -> Result<()> {
    let format = format::resolve(
        args.format.as_deref(),
        None,
        Payload::Results,
        config.is_terminal,
    )?;
    let store = Graph::load(config)?;
    let name = if args.missing {
        "links-missing"
    } else {
        "links"
    };
    let catalog = Catalog::embedded()?;
    let stored = catalog.get(name).ok_or_else(|| catalog.unknown(name))?;
    let mut prepared = sparql::prepare(&stored.sparql, &format!("'{name}'"))?;
    let entity = match &args.entity {
        Some(text) => Some(entity::resolve(&store, text)?),
        None => None,
    };
    if let Some(node) = &entity {
        prepared = prepared.bind(Variable::new_unchecked("entity"), node.clone().into());
    }
    let QueryResults::Solutions(solutions) =
        prepared.execute(&store, &crate::guard::budget::Budget::default())?
    else {
        return Err(crate::guard::error::Failure::new(
            Kind::Internal,
            format!("the stored query '{name}' did not answer rows"),
        )
        .into());
    };
    let variables = solutions.variables().to_vec();
    let rows = solutions.collect::<Result<Vec<_>, _>>()?;
    if let (Some(node), true) = (&entity, rows.is_empty()) {
        // Not an error: "none verified" is an answer, and the curator's cue.
        eprintln!(
            "{} has no verified external link (see `missions-kg links --missing`)",
            labels::compact(node.as_str())
        );
    }
    let results = QueryResults::Solutions(QuerySolutionIter::new(
        variables.into(),
        rows.into_iter().map(Ok),
    ));
    write_output(None, |out| {
        format::write_results(
            results,
            format,
            LabelCache::new(&store, config.lang.as_deref()),
            out,
        )
    })
}
