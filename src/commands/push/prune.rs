//! `push --prune`: once every count is verified, the server's named graphs
//! under the project's namespace (`vocab::BASE`) that the data no longer
//! has are deleted, so an article removed here is removed there too. A push
//! only replaces the graphs it sends, and without this a removed article
//! stayed on the server for ever. Graphs outside the namespace are never
//! touched, whatever the server answers: a server may hold others' data
//! beside ours. They are found by one query (`GRAPH ?g {}`, which also
//! sees a graph left empty; Virtuoso needs a second, see `listed`) and
//! deleted the way `push` writes: a Graph
//! Store DELETE, or SPARQL Update's `DROP SILENT GRAPH`; then listed again,
//! and one still there is an error.

use super::{graph_url, update_form, Upload};
use crate::guard::error::{Failure, Kind};
use crate::vocab::BASE;
use anyhow::Result;
use oxigraph::model::{GraphName, NamedNode, Term};
use oxigraph::sparql::QueryResults;
use std::collections::BTreeSet;
use std::io::Write;

/// Deleted graphs named on stderr at most; the rest are counted.
const NAMED: usize = 10;

/// Deletes the graphs under the namespace that `kept` (what was pushed)
/// lacks, and says on stderr which.
pub(super) fn prune(upload: &Upload<'_>, kept: &[GraphName]) -> Result<()> {
    let kept: BTreeSet<&str> = kept
        .iter()
        .filter_map(|graph| match graph {
            GraphName::NamedNode(node) => Some(node.as_str()),
            _ => None,
        })
        .collect();
    let stale: Vec<NamedNode> = listed(upload)?
        .into_iter()
        .filter(|graph| !kept.contains(graph.as_str()))
        .collect();
    for graph in &stale {
        if upload.graph_store {
            let url = graph_url(upload.url, &GraphName::NamedNode(graph.clone()));
            upload.send("DELETE", &url, "", b"")?;
        } else {
            let drop = format!("DROP SILENT GRAPH {graph}");
            upload.send(
                "POST",
                upload.url,
                "application/x-www-form-urlencoded",
                &update_form(&drop),
            )?;
        }
    }
    let left: Vec<NamedNode> = listed(upload)?
        .into_iter()
        .filter(|graph| stale.contains(graph))
        .collect();
    if let Some(graph) = left.first() {
        return Err(Failure::new(
            Kind::Remote,
            format!(
                "--prune deleted {graph} but {} still lists it ({} of {} graphs left)",
                upload.client.shown_url(),
                left.len(),
                stale.len()
            ),
        )
        .into());
    }
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        said(&stale, upload.client.shown_url())
    );
    Ok(())
}

/// The server's named graphs under the namespace, each once, sorted.
fn listed(upload: &Upload<'_>) -> Result<Vec<NamedNode>> {
    // `GRAPH ?g {}` names every graph without reading a triple (Oxigraph,
    // Jena), empty ones too; Virtuoso answers it with no row, and then only
    // the graphs' triples tell them (a scan: slower, the same graphs). No
    // row cannot mean no graph here: the push just wrote at least one (or
    // its data has none, and the scan is then of nothing of ours).
    let listed = graphs_matching(upload, "{}")?;
    if !listed.is_empty() {
        return Ok(listed);
    }
    graphs_matching(upload, "{ ?s ?p ?o }")
}

/// The graphs under the namespace that `GRAPH ?g PATTERN` finds.
fn graphs_matching(upload: &Upload<'_>, pattern: &str) -> Result<Vec<NamedNode>> {
    // The server filters, to keep the answer small; the check below is the
    // one that keeps other graphs safe.
    let query = format!(
        "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {pattern} FILTER(STRSTARTS(STR(?g), \"{BASE}\")) }}"
    );
    let QueryResults::Solutions(solutions) = upload.client.query(&query, false)? else {
        return Err(Failure::new(
            Kind::Remote,
            format!(
                "{} answered the list of graphs with no rows",
                upload.client.shown_url()
            ),
        )
        .into());
    };
    let mut graphs = BTreeSet::new();
    for solution in solutions {
        if let Some(Term::NamedNode(graph)) = solution?.get("g") {
            if graph.as_str().starts_with(BASE) {
                graphs.insert(graph.clone());
            }
        }
    }
    Ok(graphs.into_iter().collect())
}

/// The line saying what was pruned: the count, then at most [`NAMED`]
/// names.
fn said(stale: &[NamedNode], server: &str) -> String {
    if stale.is_empty() {
        return format!("pruned no graph: {server} holds none under {BASE} that the data lacks");
    }
    let mut names: Vec<String> = stale.iter().take(NAMED).map(ToString::to_string).collect();
    if stale.len() > NAMED {
        names.push(format!("… and {} more", stale.len() - NAMED));
    }
    format!(
        "pruned {} graph{} under {BASE} that the data no longer has from {server}: {}",
        stale.len(),
        if stale.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_at_most_ten_graphs() {
        let graphs: Vec<NamedNode> = (0..12)
            .map(|i| NamedNode::new_unchecked(format!("{BASE}source/g{i:02}")))
            .collect();
        let line = said(&graphs, "http://s/query");
        assert!(line.starts_with("pruned 12 graphs under"), "{line}");
        assert!(line.contains("/g09>") && !line.contains("/g10>"), "{line}");
        assert!(line.ends_with("… and 2 more"), "{line}");
        let one = said(&graphs[..1], "http://s/query");
        assert!(one.starts_with("pruned 1 graph under"), "{one}");
        assert!(said(&[], "http://s/query").starts_with("pruned no graph"));
    }
}
