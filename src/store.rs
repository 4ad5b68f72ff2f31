//! Loads the knowledge graph into the in-memory [`Dataset`].
//!
//! Built-in `ontology/*` files go to the named graph `mkg:ontology`; `data/`
//! TriG files keep the graphs they declare (one per article, plus
//! `mkg:sources`); Turtle and N-Triples go to the default graph. Files given
//! with `--data` follow the same rules (a `.ttl` in a folder named `ontology`
//! counts as ontology). Then every named-graph quad is copied into the
//! default graph, so a plain query sees each fact once while
//! `GRAPH ?g` still tells its sources.

use crate::config::Config;
use crate::dataset::{Dataset, DatasetBuilder};
use crate::embedded;
use crate::vocab;
use anyhow::{bail, Context, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use std::fs;
use std::path::{Path, PathBuf};

/// Builds the dataset described by `config`: parse everything, add the
/// merged view, then index it all at once.
pub fn load_store(config: &Config) -> Result<Dataset> {
    let mut quads = DatasetBuilder::default();
    if config.embedded {
        for (path, text) in embedded::ONTOLOGY.iter().chain(embedded::DATA) {
            parse_file(Path::new(path), text.as_bytes(), &mut quads)?;
        }
    }
    for path in &config.data {
        load_path(path, &mut quads)?;
    }
    quads.merge_named_graphs_into_default();
    Ok(quads.build())
}

/// Loads a file, or every RDF file below a folder (sorted, for stable blank
/// node labels and error order).
fn load_path(path: &Path, quads: &mut DatasetBuilder) -> Result<()> {
    let metadata = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if metadata.is_dir() {
        let mut files = Vec::new();
        collect_rdf_files(path, &mut files)?;
        if files.is_empty() {
            bail!(
                "no RDF file in {} (looked for .ttl, .trig, .nt, .nq, .rdf, .owl, .xml, .jsonld, .n3)",
                path.display()
            );
        }
        files.sort();
        for file in files {
            load_path(&file, quads)?;
        }
        return Ok(());
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_file(path, &bytes, quads)
}

fn collect_rdf_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_rdf_files(&path, files)?;
        } else if rdf_format(&path).is_some() {
            files.push(path);
        }
    }
    Ok(())
}

/// The RDF syntax of a file, from its extension (`x.owl` is RDF/XML).
pub fn rdf_format(path: &Path) -> Option<RdfFormat> {
    let extension = path.extension()?.to_str()?;
    if extension.eq_ignore_ascii_case("owl") {
        return Some(RdfFormat::RdfXml);
    }
    RdfFormat::from_extension(extension)
}

/// Parses one file into `quads`, choosing its graph as the module doc says.
fn parse_file(path: &Path, bytes: &[u8], quads: &mut DatasetBuilder) -> Result<()> {
    let Some(format) = rdf_format(path) else {
        bail!(
            "cannot load {}: unknown RDF file extension (expected one of: ttl, trig, nt, nq, \
             rdf, owl, xml, jsonld, n3)",
            path.display()
        );
    };
    let mut parser = RdfParser::from_format(format);
    if is_ontology(path) && !format.supports_datasets() {
        parser = parser.with_default_graph(vocab::graph("ontology"));
    }
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| {
            anyhow::anyhow!(
                "cannot load {}: {}",
                path.display(),
                crate::error::one_line(&e.to_string(), 200)
            )
        })?;
        quads.insert(quad);
    }
    Ok(())
}

/// A file whose parent folder is named `ontology`.
fn is_ontology(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|name| name == "ontology")
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, NamedNode, Quad};

    #[test]
    fn materialize_copies_named_graph_quads_once() {
        let n = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let mut quads = DatasetBuilder::default();
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g1")));
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g2")));
        quads.insert(Quad::new(n("c"), n("p"), n("d"), GraphName::DefaultGraph));
        quads.merge_named_graphs_into_default();
        let dataset = quads.build();
        let default = dataset
            .quads_for_pattern(None, None, None, Some(GraphName::DefaultGraph.as_ref()))
            .count();
        assert_eq!(default, 2);
        assert_eq!(dataset.len(), 4);
    }

    #[test]
    fn ontology_files_are_recognised_by_folder() {
        assert!(is_ontology(Path::new("ontology/core.ttl")));
        assert!(is_ontology(Path::new("/x/ontology/core.ttl")));
        assert!(!is_ontology(Path::new("data/core.ttl")));
    }
}
