//! Loads the knowledge graph into an in-memory Oxigraph store.
//!
//! Built-in `ontology/*` files go to the named graph `mkg:ontology`; `data/`
//! TriG files keep the graphs they declare (one per article, plus
//! `mkg:sources`); Turtle and N-Triples go to the default graph. Files given
//! with `--data` follow the same rules (a `.ttl` in a folder named `ontology`
//! counts as ontology). Then [`materialize`] copies every named-graph quad
//! into the default graph, so a plain query sees each fact once while
//! `GRAPH ?g` still tells its sources.

use crate::config::Config;
use crate::embedded;
use crate::vocab;
use anyhow::{bail, Context, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Quad};
use oxigraph::store::Store;
use std::fs;
use std::path::{Path, PathBuf};

/// Builds the store described by `config`: parse everything first, then one
/// bulk insert, because a single `extend` is much cheaper than many inserts.
pub fn load_store(config: &Config) -> Result<Store> {
    let mut quads = Vec::new();
    if config.embedded {
        for (path, text) in embedded::ONTOLOGY.iter().chain(embedded::DATA) {
            parse_file(Path::new(path), text.as_bytes(), &mut quads)?;
        }
    }
    for path in &config.data {
        load_path(path, &mut quads)?;
    }
    materialize(&mut quads);
    let store = Store::new().context("cannot create the in-memory store")?;
    store
        .extend(quads)
        .context("cannot insert the data into the store")?;
    Ok(store)
}

/// Adds a default-graph copy of every named-graph quad. The store is a set,
/// so a fact stated by two articles ends up once in the merged view.
pub fn materialize(quads: &mut Vec<Quad>) {
    let copies: Vec<Quad> = quads
        .iter()
        .filter(|quad| !quad.graph_name.is_default_graph())
        .map(|quad| {
            Quad::new(
                quad.subject.clone(),
                quad.predicate.clone(),
                quad.object.clone(),
                GraphName::DefaultGraph,
            )
        })
        .collect();
    quads.extend(copies);
}

/// Loads a file, or every RDF file below a folder (sorted, for stable blank
/// node labels and error order).
fn load_path(path: &Path, quads: &mut Vec<Quad>) -> Result<()> {
    let metadata = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if metadata.is_dir() {
        let mut files = Vec::new();
        collect_rdf_files(path, &mut files)?;
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
fn parse_file(path: &Path, bytes: &[u8], quads: &mut Vec<Quad>) -> Result<()> {
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
        quads.push(quad.with_context(|| format!("cannot load {}", path.display()))?);
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
    use oxigraph::model::NamedNode;

    #[test]
    fn materialize_copies_named_graph_quads_once() {
        let n = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let mut quads = vec![
            Quad::new(n("a"), n("p"), n("b"), n("g1")),
            Quad::new(n("a"), n("p"), n("b"), n("g2")),
            Quad::new(n("c"), n("p"), n("d"), GraphName::DefaultGraph),
        ];
        materialize(&mut quads);
        let store = Store::new().unwrap();
        store.extend(quads).unwrap();
        let default: Vec<_> = store
            .quads_for_pattern(None, None, None, Some(GraphName::DefaultGraph.as_ref()))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(default.len(), 2);
        assert_eq!(store.len().unwrap(), 4);
    }

    #[test]
    fn ontology_files_are_recognised_by_folder() {
        assert!(is_ontology(Path::new("ontology/core.ttl")));
        assert!(is_ontology(Path::new("/x/ontology/core.ttl")));
        assert!(!is_ontology(Path::new("data/core.ttl")));
    }
}
