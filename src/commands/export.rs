//! `missions-kg export`: write the merged view, one graph, or the dataset.
//!
//! `--graph all` (the default for trig, nquads and jsonld-rdf) writes every named graph plus the default-graph triples
//! that are in no named graph, so loading the export again (which
//! materializes the merged view) rebuilds the same dataset.

use crate::cli::ExportArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::dataset::Dataset;
use crate::error::Failure;
use crate::format::{self, OutputFormat, Payload};
use crate::labels;
use crate::store;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNodeRef, Quad, QuadRef};

pub fn run(config: &Config, args: &ExportArgs) -> Result<()> {
    let payload = if args.graph.as_deref() == Some("all") {
        Payload::Dataset
    } else {
        Payload::Export
    };
    // Never a table, so whether stdout is a terminal does not matter.
    let format = format::resolve(
        args.format.as_deref(),
        args.output.as_deref(),
        payload,
        false,
    )?;
    // A dataset format keeps every graph unless one is asked for: writing
    // only the merged view there would lose each article's graph on a
    // round trip.
    let graph = args.graph.as_deref().unwrap_or(match format {
        OutputFormat::Rdf(rdf) if rdf.supports_datasets() => "all",
        _ => "default",
    });
    let store = store::load_store(config)?;
    let quads = match graph {
        "all" => dataset_quads(&store)?,
        "default" => graph_quads(&store, GraphNameRef::DefaultGraph)?,
        name => {
            let graph = find_graph(&store, name)?;
            graph_quads(&store, graph.as_ref().into())?
        }
    };
    write_output(args.output.as_deref(), |out| match format {
        OutputFormat::Rdf(format) => format::write_quads(quads, format, out),
        OutputFormat::SchemaOrg => format::write_schema_org(&store, quads, out),
        _ => unreachable!("export payloads resolve to RDF formats or the schema.org view"),
    })
}

fn graph_quads(store: &Dataset, graph: GraphNameRef<'_>) -> Result<Vec<Quad>> {
    Ok(store
        .quads_for_pattern(None, None, None, Some(graph))
        .map(QuadRef::into_owned)
        .collect())
}

/// Named graphs in full, plus default-graph triples no named graph holds.
fn dataset_quads(store: &Dataset) -> Result<Vec<Quad>> {
    let mut quads = Vec::new();
    for quad in store.iter() {
        if quad.graph_name.is_default_graph() {
            let in_named_graph = store
                .quads_for_pattern(
                    Some(quad.subject),
                    Some(quad.predicate),
                    Some(quad.object),
                    None,
                )
                .any(|q| !q.graph_name.is_default_graph());
            if in_named_graph {
                continue;
            }
        }
        quads.push(quad.into_owned());
    }
    Ok(quads)
}

/// A graph by IRI, prefixed name, or short name (`article-000`, `ontology`).
fn find_graph(store: &Dataset, name: &str) -> Result<NamedNode> {
    let candidates = [
        vocab::iri_from_text(name),
        // Any other absolute IRI, such as `urn:…`.
        Some(name.to_owned()),
        Some(format!("{}{name}", vocab::MKS)),
        Some(format!("{}{name}", vocab::MKG)),
    ];
    for iri in candidates.into_iter().flatten() {
        if let Ok(node) = NamedNode::new(iri) {
            if store.contains_named_graph(node.as_ref().into()) {
                return Ok(node);
            }
        }
    }
    let mut names: Vec<String> = store
        .named_graphs()
        .map(|graph| match graph {
            NamedOrBlankNodeRef::NamedNode(node) => labels::graph_name(node.as_str()),
            NamedOrBlankNodeRef::BlankNode(node) => node.to_string(),
        })
        .collect();
    names.sort();
    Err(Failure::new(format!(
        "no graph '{name}'; use default, all, or one of: {}",
        names.join(", ")
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DatasetBuilder;
    use oxigraph::model::GraphName;

    #[test]
    fn dataset_keeps_only_unsourced_default_triples() {
        let n = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let mut quads = DatasetBuilder::default();
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g")));
        quads.insert(Quad::new(n("c"), n("p"), n("d"), GraphName::DefaultGraph));
        quads.merge_named_graphs_into_default();
        let store = quads.build();
        let mut exported: Vec<String> = dataset_quads(&store)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        exported.sort();
        assert_eq!(
            exported,
            [
                "<http://e.org/a> <http://e.org/p> <http://e.org/b> <http://e.org/g>",
                "<http://e.org/c> <http://e.org/p> <http://e.org/d>"
            ]
        );
    }
}
