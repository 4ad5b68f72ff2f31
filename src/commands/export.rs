//! `missions-kg export`: write the merged view, one graph, or the dataset.
//!
//! `--graph all` (the default for trig, nquads and jsonld) writes every
//! named graph plus the default-graph triples that are in no named graph,
//! so loading the export again (which materializes the merged view)
//! rebuilds the same dataset. `schemaorg` writes the schema.org view;
//! `annotations`, the evidence as W3C Web Annotations (with the passages'
//! text when `--articles` is given).

use crate::cli::ExportArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::error::{Failure, Kind};
use crate::provenance::evidence::Articles;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, Quad};

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
    let store = Graph::load(config)?;
    if format == OutputFormat::Annotations {
        if args.graph.is_some() {
            return Err(Failure::usage(
                "export --format annotations writes the whole evidence graph: leave out --graph",
            )
            .into());
        }
        let budget = crate::guard::budget::Budget::new(config, None)?;
        let articles = Articles::configured(&store, config, &budget)?;
        return write_output(args.output.as_deref(), |out| {
            crate::provenance::annotations::write(&store, articles.as_ref(), out)
        });
    }
    let quads = match graph {
        "all" => store.dataset_quads(&mut || Ok(()))?,
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

fn graph_quads(store: &Graph, graph: GraphNameRef<'_>) -> Result<Vec<Quad>> {
    store.quads(None, None, None, Some(graph)).collect()
}

/// A graph by IRI, prefixed name, or short name (`article-000`, `ontology`).
fn find_graph(store: &Graph, name: &str) -> Result<NamedNode> {
    let candidates = [
        vocab::iri_from_text(name),
        // Any other absolute IRI, such as `urn:…`.
        Some(name.to_owned()),
        Some(format!("{}{name}", vocab::MKS)),
        Some(format!("{}{name}", vocab::MKG)),
    ];
    for iri in candidates.into_iter().flatten() {
        if let Ok(node) = NamedNode::new(iri) {
            if store.contains_named_graph(node.as_ref().into())? {
                return Ok(node);
            }
        }
    }
    let mut names: Vec<String> = store
        .named_graphs()?
        .into_iter()
        .map(|graph| match graph {
            NamedOrBlankNode::NamedNode(node) => labels::graph_name(node.as_str()),
            NamedOrBlankNode::BlankNode(node) => node.to_string(),
        })
        .collect();
    names.sort();
    Err(Failure::new(
        Kind::NotFound,
        format!(
            "no graph '{name}'; use default, all, or one of: {}",
            names.join(", ")
        ),
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::dataset::DatasetBuilder;
    use oxigraph::model::GraphName;

    #[test]
    fn dataset_keeps_only_unsourced_default_triples() {
        let n = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let mut quads = DatasetBuilder::default();
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g")));
        quads.insert(Quad::new(n("c"), n("p"), n("d"), GraphName::DefaultGraph));
        quads.merge_named_graphs_into_default();
        let store = Graph::from_dataset(quads.build());
        let mut exported: Vec<String> = store
            .dataset_quads(&mut || Ok(()))
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
