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
use crate::guard::budget::{catch_cancellation, Budget};
use crate::guard::error::Kind;
use crate::sparql::catalog::Catalog;
use anyhow::Result;
use oxigraph::model::{NamedNode, Term};
use oxigraph::sparql::{QueryResults, QuerySolutionIter};

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
    // One budget for the whole command, as `query` has: the rows an
    // endpoint answers (`--endpoint`) are read after the graph is opened,
    // and count against the memory ceiling only while a budget is watched.
    let budget = Budget::new(config, None)?;
    let store = Graph::open(config, &budget)?;
    let name = if args.missing {
        "links-missing"
    } else {
        "links"
    };
    let entity = match &args.entity {
        Some(text) => Some(entity::resolve(&store, text)?),
        None => None,
    };
    let bindings: Vec<(&str, oxigraph::model::Term)> = entity
        .iter()
        .map(|node| ("entity", node.clone().into()))
        .collect();
    let (variables, rows) = catch_cancellation(|| {
        let QueryResults::Solutions(solutions) =
            Catalog::embedded()?.run(name, &store, &budget, &bindings)?
        else {
            return Err(crate::guard::error::Failure::new(
                Kind::Internal,
                format!("the stored query '{name}' did not answer rows"),
            )
            .into());
        };
        let variables = solutions.variables().to_vec();
        Ok((variables, solutions.collect::<Result<Vec<_>, _>>()?))
    })
    .map_err(|e| budget.explain_stop(e))?;
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

/// Which of the `(item, class)` pairs hold on the endpoint: the item is an
/// instance of the class, through subclasses (`wdt:P31/wdt:P279*`). The
/// one type check of `links check` and `links reconcile`, one query for
/// all pairs.
fn instances_of(
    endpoint: &crate::graph::client::SparqlClient,
    pairs: &std::collections::BTreeSet<(NamedNode, NamedNode)>,
) -> Result<Vec<(NamedNode, NamedNode)>> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = pairs
        .iter()
        .map(|(item, class)| format!("({item} {class})"))
        .collect();
    let query = format!(
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\nSELECT DISTINCT ?item ?accepted WHERE {{\n  VALUES (?item ?accepted) {{ {} }}\n  ?item wdt:P31/wdt:P279* ?accepted .\n}}",
        values.join(" ")
    );
    let mut held = Vec::new();
    for solution in endpoint.select(&query)? {
        if let (Some(Term::NamedNode(item)), Some(Term::NamedNode(class))) =
            (solution.get("item"), solution.get("accepted"))
        {
            held.push((item.clone(), class.clone()));
        }
    }
    Ok(held)
}
