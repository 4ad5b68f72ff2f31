//! The on-disk store: `load --store DIR FILE…` writes it, and `--store DIR`
//! on the reading commands (and `serve`) opens it instead of loading files.
//!
//! Each graph is one HDT file (Header Dictionary Triples, the field's
//! compressed, indexed RDF format, read and written by the `hdt` crate): the
//! named graphs, the default graph as loaded, and the merged view that plain
//! queries see. Why HDT and not Oxigraph's RocksDB: the README's "On-disk
//! store" section, with the measurements.
//!
//! A load never changes files in place. It writes a new *generation*
//! (`gen-N/`, built as `gen-N.tmp/` and renamed once complete and synced),
//! then replaces the one-line `CURRENT` file by a rename, the way RocksDB
//! itself commits its manifest. A load killed at any point therefore leaves
//! `CURRENT` naming the old generation or the new, complete one. One writer
//! at a time holds `LOCK` (an OS file lock, released by the kernel when the
//! process dies); readers take no lock: a generation never changes once
//! named, and a reader that finds its generation removed under it starts
//! over from `CURRENT`.
//!
//! A store may come from elsewhere, damaged or crafted: every HDT file is
//! walked by `hdt_shape` before the `hdt` crate reads it (that crate would
//! abort on an absurd length), and every call into the crate runs under
//! `budget::contain_panic`, so what the walk cannot see ends in an error
//! line too.

mod files;
mod ids;
mod terms;
mod writer;
use files::{checked_name, corrupt, current, is_not_found, read_hdt, read_manifest};
use ids::{internal_of, GraphIds, Merged};
pub use ids::{StoreError, StoreTerm};
use terms::{hdt_string, predicate_from_hdt, quad_from_hdt, term_from_hdt};
pub use writer::{Writer, Written};

mod hdt_shape;

use crate::graph::dataset::MAX_COMPUTED_TERM_BYTES;
use crate::guard::budget::contain_panic;
use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use hdt::four_sect_dict::IdKind;
use hdt::Hdt;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, TermRef,
};
use serde::{Deserialize, Serialize};
use spareval::{InternalQuad, QueryableDataset};
use std::path::{Path, PathBuf};

/// The file naming the current generation.
const CURRENT: &str = "CURRENT";
/// The writers' lock file.
const LOCK: &str = "LOCK";
/// The manifest inside each generation.
const MANIFEST: &str = "manifest.json";
/// What the manifest's `format` says, so another folder is not taken for a store.
const FORMAT: &str = "missions-kg store";
const VERSION: u32 = 1;
/// How many decoded terms a store keeps (a few MiB).
const DECODED_TERMS: usize = 65_536;

/// One generation's table of contents.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    /// The default graph as loaded (without the named graphs' copies).
    default: Option<Part>,
    /// The merged view: the default graph plus every named graph, each
    /// triple once.
    merged: Option<Part>,
    /// The named graphs, by name (`<iri>` or `_:label`).
    graphs: Vec<NamedPart>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Part {
    file: String,
    triples: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct NamedPart {
    name: String,
    file: String,
    /// The map from the file's ids to the merged view's, written by
    /// `load` so that no query has to build it.
    ids: String,
    triples: u64,
}

/// A store opened for reading: every HDT file of the current generation,
/// in memory (HDT is compact enough to be queried as it is: its
/// dictionary stays compressed).
pub struct Store {
    dir: PathBuf,
    /// `None` for an empty store (then there are no named graphs either).
    merged: Option<Merged>,
    /// Only read back by `load`, which rewrites it.
    default: Option<Hdt>,
    graphs: Vec<Named>,
    /// Terms decoded from the merged view, by id: grouping, sorting and
    /// answers decode the same terms over and over.
    decoded: quick_cache::sync::Cache<u64, Term>,
}

/// A named graph's file, with its name as a term and as the evaluator's
/// term, and the map from its dictionary's ids to the merged view's.
struct Named {
    name: NamedOrBlankNode,
    internal: StoreTerm,
    hdt: Hdt,
    /// Its ids → the merged view's, from its `.ids` file.
    ids: GraphIds,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store in `dir`, as it was when its `CURRENT` file was read.
    pub fn open(dir: &Path) -> Result<Self> {
        // A load that finishes while this one reads may remove the
        // generation being read: start over, a few times.
        let mut attempts = 0;
        loop {
            let opened = contain_panic(|| Self::try_open(dir))
                .unwrap_or_else(|message| Err(corrupt(dir, &message)));
            match opened {
                Err(error) if attempts < 3 && is_not_found(&error) && current(dir)?.is_some() => {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    fn try_open(dir: &Path) -> Result<Self> {
        let Some(generation) = current(dir)? else {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "no store in {}: create one with `missions-kg load --store {} FILE…`",
                    dir.display(),
                    dir.display()
                ),
            )
            .into());
        };
        let folder = dir.join(&generation);
        let manifest = read_manifest(&folder)?;
        let read = |part: &Option<Part>| -> Result<Option<Hdt>> {
            part.as_ref()
                .map(|part| read_hdt(&folder, &part.file))
                .transpose()
        };
        let merged = read(&manifest.merged)?.map(Merged::new).transpose()?;
        let mut graphs = Vec::with_capacity(manifest.graphs.len());
        for part in &manifest.graphs {
            let name = match term_from_hdt(&part.name)? {
                Term::NamedNode(node) => NamedOrBlankNode::from(node),
                Term::BlankNode(node) => node.into(),
                _ => return Err(corrupt(&folder, "a graph named by a literal")),
            };
            if merged.is_none() {
                return Err(corrupt(&folder, "named graphs without a merged view"));
            }
            let hdt = read_hdt(&folder, &part.file)?;
            // Read now, not on first use: a later load removes this
            // generation, and a server opened on it must keep answering.
            let ids_file = folder.join(checked_name(&folder, &part.ids)?);
            let ids = match &merged {
                Some(merged) => GraphIds::read(&ids_file, &hdt, merged)
                    .map_err(|m| Failure::new(Kind::Damaged, m))?,
                None => return Err(corrupt(&folder, "named graphs without a merged view")),
            };
            graphs.push(Named {
                name,
                internal: internal_of(merged.as_ref(), part.name.clone()),
                hdt,
                ids,
            });
        }
        Ok(Self {
            dir: dir.to_owned(),
            merged,
            default: read(&manifest.default)?,
            graphs,
            decoded: quick_cache::sync::Cache::new(DECODED_TERMS),
        })
    }

    /// Quads matching a pattern; `None` matches anything (for the graph:
    /// every graph, the default one included), as in `Graph::quads`.
    pub fn quads<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph_name: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = Result<Quad>> + 'a> {
        let pattern = [
            subject.map(|s| hdt_string(s.into())),
            predicate.map(|p| hdt_string(p.into())),
            object.map(hdt_string),
        ];
        // A triple term cannot be in HDT: it matches nothing.
        if pattern.iter().flatten().any(Option::is_none) {
            return Box::new(std::iter::empty());
        }
        let [s, p, o] = pattern.map(Option::flatten);
        let mut sources: Vec<(GraphName, &Hdt)> = Vec::new();
        let wanted = |name: &NamedOrBlankNode| match graph_name {
            None => true,
            Some(GraphNameRef::DefaultGraph) => false,
            Some(GraphNameRef::NamedNode(node)) => name.as_ref() == node.into(),
            Some(GraphNameRef::BlankNode(node)) => name.as_ref() == node.into(),
        };
        if matches!(graph_name, None | Some(GraphNameRef::DefaultGraph)) {
            sources.extend(
                self.merged
                    .iter()
                    .map(|m| (GraphName::DefaultGraph, &m.hdt)),
            );
        }
        for graph in self.graphs.iter().filter(|g| wanted(&g.name)) {
            sources.push((graph.name.clone().into(), &graph.hdt));
        }
        let quads = sources.into_iter().flat_map(move |(graph, hdt)| {
            matching(hdt, [s.as_deref(), p.as_deref(), o.as_deref()])
                .map(move |triple| quad_from_hdt(triple?, &graph))
        });
        Box::new(self.contained(quads, |m| Failure::new(Kind::Damaged, m).into()))
    }

    /// Every property used, each once, from the merged view's dictionary.
    pub fn predicates(&self) -> Result<Vec<NamedNode>> {
        let Some(merged) = &self.merged else {
            return Ok(Vec::new());
        };
        (1..=merged.hdt.dict.predicates.num_strings())
            .map(|id| predicate_from_hdt(&merged.text(merged.predicate_ids[id])?))
            .collect()
    }

    /// How a failure inside the `hdt` crate reads: the store is damaged.
    fn damaged(&self, message: &str) -> String {
        format!("damaged store in {}: {message}", self.dir.display())
    }

    /// `quads`, with a panic of the `hdt` crate ending them in an error.
    fn contained<T, E>(
        &self,
        quads: impl Iterator<Item = Result<T, E>>,
        error: fn(String) -> E,
    ) -> impl Iterator<Item = Result<T, E>> {
        Contained {
            inner: quads,
            store: self.dir.clone(),
            error,
            done: false,
        }
    }

    /// The named graphs.
    pub fn named_graphs(&self) -> Vec<NamedOrBlankNode> {
        self.graphs.iter().map(|g| g.name.clone()).collect()
    }

    /// Whether `graph` names one of the store's graphs.
    pub fn contains_named_graph(&self, graph: NamedOrBlankNodeRef<'_>) -> bool {
        self.graphs.iter().any(|g| g.name.as_ref() == graph)
    }

    /// Every quad as loaded: the default graph's own triples and each named
    /// graph's (not the merged view, which `load` computes again).
    fn loaded_quads(&self) -> impl Iterator<Item = Result<Quad>> + '_ {
        let default = self
            .default
            .iter()
            .map(|hdt| (GraphName::DefaultGraph, hdt));
        let named = self
            .graphs
            .iter()
            .map(|g| (GraphName::from(g.name.clone()), &g.hdt));
        let quads = default.chain(named).flat_map(|(graph, hdt)| {
            matching(hdt, [None, None, None]).map(move |triple| quad_from_hdt(triple?, &graph))
        });
        self.contained(quads, |m| Failure::new(Kind::Damaged, m).into())
    }
}

/// An iterator whose items come from the `hdt` crate: a panic there (a
/// damaged file that `hdt_shape` let through) ends it with one error.
struct Contained<I, E> {
    inner: I,
    store: PathBuf,
    error: fn(String) -> E,
    done: bool,
}

impl<T, E, I: Iterator<Item = Result<T, E>>> Iterator for Contained<I, E> {
    type Item = Result<T, E>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match contain_panic(|| self.inner.next()) {
            Ok(item) => item,
            Err(message) => {
                self.done = true;
                let message = format!("damaged store in {}: {message}", self.store.display());
                Some(Err((self.error)(message)))
            }
        }
    }
}

/// Triple ids of `hdt` matching a pattern of ids (0: any).
///
/// Works around a bug of the `hdt` crate 0.7.3: in a file whose triples
/// all share one subject and one predicate, its object index takes 0 bits
/// per entry and reading it panics (found by a hostile review: a one-triple
/// named graph was enough). There, a pattern that fixes the object but not
/// the subject scans by predicate (or all triples) and filters instead;
/// such a file holds one subject's triples, so the scan is short.
fn triple_ids(hdt: &Hdt, ids: [usize; 3]) -> Box<dyn Iterator<Item = [usize; 3]> + '_> {
    let [s, p, o] = ids;
    if s == 0 && o != 0 && hdt.triples.op_index.sequence.bits_per_entry == 0 {
        return Box::new(
            hdt.triple_ids_with_id_pattern([0, p, 0])
                .filter(move |triple| triple[2] == o),
        );
    }
    hdt.triple_ids_with_id_pattern(ids)
}

/// Triples of `hdt` matching a pattern of HDT strings, as HDT strings;
/// nothing when a bound term is not in the file's dictionary.
fn matching<'a>(
    hdt: &'a Hdt,
    pattern: [Option<&str>; 3],
) -> Box<dyn Iterator<Item = Result<[String; 3]>> + 'a> {
    let mut ids = [0; 3];
    for ((id, term), kind) in ids.iter_mut().zip(pattern).zip(IdKind::KINDS) {
        if let Some(term) = term {
            *id = hdt.dict.string_to_id(term, kind);
            if *id == 0 {
                return Box::new(std::iter::empty());
            }
        }
    }
    Box::new(triple_ids(hdt, ids).map(move |triple| {
        let mut strings: [String; 3] = Default::default();
        for ((text, id), kind) in strings.iter_mut().zip(triple).zip(IdKind::KINDS) {
            *text = hdt
                .dict
                .id_to_string(id, kind)
                .map_err(|e| anyhow::anyhow!("damaged HDT dictionary: {e}"))?;
        }
        Ok(strings)
    }))
}

type InternalQuads<'a> = Box<dyn Iterator<Item = Result<InternalQuad<StoreTerm>, StoreError>> + 'a>;

impl Store {
    /// Default-graph (merged view) triples matching a pattern, all ids.
    fn merged_quads<'a>(&'a self, pattern: [Option<&StoreTerm>; 3]) -> InternalQuads<'a> {
        let Some(merged) = &self.merged else {
            return Box::new(std::iter::empty());
        };
        let mut ids = [0; 3];
        for ((id, term), kind) in ids.iter_mut().zip(pattern).zip(IdKind::KINDS) {
            match term {
                None => {}
                Some(StoreTerm::Id(canonical)) => match merged.position(*canonical, kind) {
                    Some(found) => *id = found,
                    None => return Box::new(std::iter::empty()),
                },
                // Not in the merged view: in no triple.
                Some(_) => return Box::new(std::iter::empty()),
            }
        }
        Box::new(triple_ids(&merged.hdt, ids).map(move |[s, p, o]| {
            Ok(InternalQuad {
                subject: StoreTerm::Id(s as u64),
                predicate: StoreTerm::Id(merged.predicate_ids[p]),
                object: StoreTerm::Id(merged.object_id(o)),
                graph_name: None,
            })
        }))
    }

    /// One named graph's triples matching a pattern, in merged ids.
    fn named_quads<'a>(
        &'a self,
        graph: &'a Named,
        pattern: [Option<&StoreTerm>; 3],
    ) -> InternalQuads<'a> {
        let Some(merged) = &self.merged else {
            return Box::new(std::iter::empty());
        };
        let dict = &graph.hdt.dict;
        let mut ids = [0; 3];
        for ((id, term), kind) in ids.iter_mut().zip(pattern).zip(IdKind::KINDS) {
            let text = match term {
                None => continue,
                Some(StoreTerm::Id(canonical)) => match merged.text(*canonical) {
                    Ok(text) => text,
                    Err(error) => return Box::new(std::iter::once(Err(error))),
                },
                Some(StoreTerm::Text(text)) => text.clone(),
                Some(StoreTerm::Other(_)) => return Box::new(std::iter::empty()),
            };
            *id = dict.string_to_id(&text, kind);
            if *id == 0 {
                return Box::new(std::iter::empty());
            }
        }
        let map = &graph.ids;
        let [subjects, predicates, objects] = &map.0;
        Box::new(triple_ids(&graph.hdt, ids).map(move |[s, p, o]| {
            Ok(InternalQuad {
                subject: StoreTerm::Id(subjects[s]),
                predicate: StoreTerm::Id(predicates[p]),
                object: StoreTerm::Id(objects[o]),
                graph_name: Some(graph.internal.clone()),
            })
        }))
    }
}

impl<'a> QueryableDataset<'a> for &'a Store {
    type InternalTerm = StoreTerm;
    type Error = StoreError;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&StoreTerm>,
        predicate: Option<&StoreTerm>,
        object: Option<&StoreTerm>,
        graph_name: Option<Option<&StoreTerm>>,
    ) -> impl Iterator<Item = Result<InternalQuad<StoreTerm>, StoreError>> + use<'a> {
        let store: &'a Store = self;
        let pattern = [subject, predicate, object];
        // `None`: any named graph (not the default one); `Some(None)`: the
        // default graph, here the merged view.
        let quads = contain_panic(|| -> InternalQuads<'a> {
            match graph_name {
                Some(None) => store.merged_quads(pattern),
                None => {
                    let parts: Vec<InternalQuads<'a>> = store
                        .graphs
                        .iter()
                        .map(|graph| store.named_quads(graph, pattern))
                        .collect();
                    Box::new(parts.into_iter().flatten())
                }
                Some(Some(wanted)) => match store.graphs.iter().find(|g| &g.internal == wanted) {
                    Some(graph) => store.named_quads(graph, pattern),
                    None => Box::new(std::iter::empty()),
                },
            }
        });
        let quads = quads.unwrap_or_else(|message| {
            Box::new(std::iter::once(Err(StoreError(store.damaged(&message)))))
        });
        store.contained(quads, StoreError)
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<StoreTerm, StoreError>> + use<'a> {
        let store: &'a Store = self;
        store.graphs.iter().map(|g| Ok(g.internal.clone()))
    }

    fn contains_internal_graph_name(&self, graph_name: &StoreTerm) -> Result<bool, StoreError> {
        Ok(self.graphs.iter().any(|g| &g.internal == graph_name))
    }

    fn internalize_term(&self, term: Term) -> Result<StoreTerm, StoreError> {
        Ok(match hdt_string(term.as_ref()) {
            Some(text) if text.len() > MAX_COMPUTED_TERM_BYTES => {
                return Err(StoreError(format!(
                    "a computed term of {} bytes is over the limit of {} MiB",
                    text.len(),
                    MAX_COMPUTED_TERM_BYTES >> 20
                )))
            }
            Some(text) => contain_panic(|| internal_of(self.merged.as_ref(), text))
                .map_err(|message| StoreError(self.damaged(&message)))?,
            None => StoreTerm::Other(term),
        })
    }

    fn externalize_term(&self, term: StoreTerm) -> Result<Term, StoreError> {
        let text = match term {
            StoreTerm::Id(id) => {
                if let Some(term) = self.decoded.get(&id) {
                    return Ok(term);
                }
                let Some(merged) = &self.merged else {
                    return Err(StoreError("an id in an empty store".to_owned()));
                };
                let term =
                    term_from_hdt(&merged.text(id)?).map_err(|e| StoreError(e.to_string()))?;
                self.decoded.insert(id, term.clone());
                return Ok(term);
            }
            StoreTerm::Text(text) => text,
            StoreTerm::Other(term) => return Ok(term),
        };
        term_from_hdt(&text).map_err(|e| StoreError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{BlankNode, Literal};

    #[test]
    fn every_kind_of_term_survives_its_hdt_text() {
        let terms: Vec<Term> = vec![
            NamedNode::new_unchecked("http://e.org/a#b").into(),
            BlankNode::new_unchecked("b1").into(),
            Literal::new_simple_literal("plain").into(),
            Literal::new_simple_literal("quote \" back \\ line\nret\rtab\t bell\u{7} é 🚀").into(),
            Literal::new_simple_literal("").into(),
            Literal::new_language_tagged_literal_unchecked("bonjour", "fr").into(),
            Literal::new_language_tagged_literal_unchecked("x \"y\"", "en-GB").into(),
            Literal::new_typed_literal(
                "1",
                NamedNode::new_unchecked("http://www.w3.org/2001/XMLSchema#integer"),
            )
            .into(),
            Literal::new_typed_literal("a\"b", NamedNode::new_unchecked("http://e.org/dt")).into(),
        ];
        for term in terms {
            let text = hdt_string(term.as_ref()).unwrap();
            assert_eq!(term_from_hdt(&text).unwrap(), term, "{text}");
        }
        assert!(term_from_hdt("http://e.org/a b").is_err());
        assert!(term_from_hdt("\"unterminated").is_err());
    }
}
