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

use crate::dataset::{DatasetBuilder, MAX_COMPUTED_TERM_BYTES};
use crate::error::Failure;
use anyhow::{Context, Result};
use hdt::four_sect_dict::IdKind;
use hdt::Hdt;
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode,
    NamedOrBlankNodeRef, Quad, Term, TermRef,
};
use serde::{Deserialize, Serialize};
use spareval::{InternalQuad, QueryableDataset};
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
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
    triples: u64,
}

/// A store opened for reading: every HDT file of the current generation,
/// in memory (HDT is compact enough to be queried as it is: its
/// dictionary stays compressed).
pub struct Store {
    dir: PathBuf,
    merged: Option<Hdt>,
    /// Only read back by `load`, which rewrites it.
    default: Option<Hdt>,
    graphs: Vec<(NamedOrBlankNode, String, Hdt)>,
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
            match Self::try_open(dir) {
                Err(error) if attempts < 3 && is_not_found(&error) && current(dir)?.is_some() => {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    fn try_open(dir: &Path) -> Result<Self> {
        let Some(generation) = current(dir)? else {
            return Err(Failure::new(format!(
                "no store in {}: create one with `missions-kg load --store {} FILE…`",
                dir.display(),
                dir.display()
            ))
            .into());
        };
        let folder = dir.join(&generation);
        let manifest = read_manifest(&folder)?;
        let read = |part: &Option<Part>| -> Result<Option<Hdt>> {
            part.as_ref()
                .map(|part| read_hdt(&folder, &part.file))
                .transpose()
        };
        let mut graphs = Vec::with_capacity(manifest.graphs.len());
        for part in &manifest.graphs {
            let name = match term_from_hdt(&part.name)? {
                Term::NamedNode(node) => NamedOrBlankNode::from(node),
                Term::BlankNode(node) => node.into(),
                _ => return Err(corrupt(&folder, "a graph named by a literal")),
            };
            graphs.push((name, part.name.clone(), read_hdt(&folder, &part.file)?));
        }
        Ok(Self {
            dir: dir.to_owned(),
            merged: read(&manifest.merged)?,
            default: read(&manifest.default)?,
            graphs,
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
            sources.extend(self.merged.iter().map(|hdt| (GraphName::DefaultGraph, hdt)));
        }
        for (name, _, hdt) in self.graphs.iter().filter(|(name, _, _)| wanted(name)) {
            sources.push((name.clone().into(), hdt));
        }
        Box::new(sources.into_iter().flat_map(move |(graph, hdt)| {
            matching(hdt, [s.as_deref(), p.as_deref(), o.as_deref()]).map(move |triple| {
                let [s, p, o] = triple?;
                Ok(Quad::new(
                    subject_from_hdt(&s)?,
                    predicate_from_hdt(&p)?,
                    term_from_hdt(&o)?,
                    graph.clone(),
                ))
            })
        }))
    }

    /// Every property used, each once, from the merged view's dictionary.
    pub fn predicates(&self) -> Result<Vec<NamedNode>> {
        let Some(merged) = &self.merged else {
            return Ok(Vec::new());
        };
        (1..=merged.dict.predicates.num_strings())
            .map(|id| {
                let text = merged
                    .dict
                    .id_to_string(id, IdKind::Predicate)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                predicate_from_hdt(&text)
            })
            .collect()
    }

    /// The named graphs.
    pub fn named_graphs(&self) -> Vec<NamedOrBlankNode> {
        self.graphs
            .iter()
            .map(|(name, _, _)| name.clone())
            .collect()
    }

    /// Whether `graph` names one of the store's graphs.
    pub fn contains_named_graph(&self, graph: NamedOrBlankNodeRef<'_>) -> bool {
        self.graphs
            .iter()
            .any(|(name, _, _)| name.as_ref() == graph)
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
            .map(|(name, _, hdt)| (GraphName::from(name.clone()), hdt));
        default.chain(named).flat_map(|(graph, hdt)| {
            matching(hdt, [None, None, None]).map(move |triple| {
                let [s, p, o] = triple?;
                Ok(Quad::new(
                    subject_from_hdt(&s)?,
                    predicate_from_hdt(&p)?,
                    term_from_hdt(&o)?,
                    graph.clone(),
                ))
            })
        })
    }
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
    Box::new(hdt.triple_ids_with_id_pattern(ids).map(move |triple| {
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

/// A term in HDT's dictionary form: an IRI without brackets, `_:label`,
/// or a literal as in N-Triples (the form the `hdt` crate's own SPARQL
/// binding uses). `None` for a triple term, which HDT cannot hold.
fn hdt_string(term: TermRef<'_>) -> Option<String> {
    match term {
        TermRef::NamedNode(node) => Some(node.as_str().to_owned()),
        TermRef::BlankNode(node) => Some(node.to_string()),
        TermRef::Literal(literal) => Some(literal.to_string()),
        TermRef::Triple(_) => None,
    }
}

fn term_from_hdt(text: &str) -> Result<Term> {
    Ok(if text.starts_with('"') {
        text.parse::<Literal>()
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT literal {}: {e}",
                    crate::error::one_line(text, 80)
                )
            })?
            .into()
    } else if let Some(label) = text.strip_prefix("_:") {
        BlankNode::new(label)
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT blank node {}: {e}",
                    crate::error::one_line(text, 80)
                )
            })?
            .into()
    } else {
        predicate_from_hdt(text)?.into()
    })
}

fn subject_from_hdt(text: &str) -> Result<NamedOrBlankNode> {
    match term_from_hdt(text)? {
        Term::NamedNode(node) => Ok(node.into()),
        Term::BlankNode(node) => Ok(node.into()),
        _ => Err(anyhow::anyhow!("damaged HDT file: a literal as subject")),
    }
}

fn predicate_from_hdt(text: &str) -> Result<NamedNode> {
    NamedNode::new(text)
        .map_err(|e| anyhow::anyhow!("damaged HDT IRI {}: {e}", crate::error::one_line(text, 80)))
}

/// The name in `CURRENT`, if the folder holds a store.
fn current(dir: &Path) -> Result<Option<String>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::new(format!("--store {}: not a folder", dir.display())).into());
    }
    let path = dir.join(CURRENT);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(crate::input::cannot_read(&path, &error).into()),
    };
    let name = text.trim_end();
    // Only `gen-` and digits: the name is joined to a path.
    if generation_number(name).is_none() {
        return Err(corrupt(dir, "CURRENT does not name a generation"));
    }
    Ok(Some(name.to_owned()))
}

fn generation_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("gen-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn read_manifest(folder: &Path) -> Result<Manifest> {
    let path = folder.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| with_io(&path, e))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| corrupt(folder, &format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(corrupt(
            folder,
            &format!(
                "{MANIFEST} is not a version {VERSION} missions-kg store (format '{}', version {})",
                crate::error::one_line(&manifest.format, 40),
                manifest.version
            ),
        ));
    }
    Ok(manifest)
}

fn read_hdt(folder: &Path, file: &str) -> Result<Hdt> {
    // Names come from the manifest: plain file names only.
    if file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(corrupt(
            folder,
            &format!("a part named {}", crate::error::one_line(file, 40)),
        ));
    }
    let path = folder.join(file);
    let reader = File::open(&path).map_err(|e| with_io(&path, e))?;
    Hdt::read(BufReader::new(reader)).map_err(|e| {
        corrupt(
            folder,
            &format!("{file}: {}", crate::error::one_line(&e.to_string(), 160)),
        )
    })
}

/// An I/O error that keeps its kind (so a vanished generation is noticed)
/// and names the file.
fn with_io(path: &Path, error: std::io::Error) -> anyhow::Error {
    let message = format!(
        "cannot read {}: {}",
        path.display(),
        crate::input::io_reason(&error)
    );
    anyhow::Error::new(error).context(message)
}

fn is_not_found(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    })
}

fn corrupt(place: &Path, what: &str) -> anyhow::Error {
    Failure::new(format!("damaged store in {}: {what}", place.display())).into()
}

/// What `load` wrote.
pub struct Written {
    pub generation: String,
    pub quads: u64,
    pub graphs: usize,
}

/// The writer's side: holds `LOCK` from [`Writer::lock`] until dropped.
pub struct Writer {
    dir: PathBuf,
    _lock: File,
}

impl Writer {
    /// Creates the folder if needed and takes the writers' lock; another
    /// writer holding it is an error, not a wait.
    pub fn lock(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            Failure::new(format!(
                "cannot create store folder {}: {}",
                dir.display(),
                crate::input::io_reason(&e)
            ))
        })?;
        let path = dir.join(LOCK);
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                Failure::new(format!(
                    "cannot open {}: {}",
                    path.display(),
                    crate::input::io_reason(&e)
                ))
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Failure::new(format!(
                    "store {} is in use by another load (it holds {}); wait for it to end",
                    dir.display(),
                    path.display()
                ))
                .into())
            }
            Err(fs::TryLockError::Error(error)) => {
                return Err(Failure::new(format!(
                    "cannot lock {}: {}",
                    path.display(),
                    crate::input::io_reason(&error)
                ))
                .into())
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            _lock: lock,
        })
    }

    /// The store's quads as they were loaded, to load more on top of them;
    /// `None` for a new store.
    pub fn existing(&self) -> Result<Option<Store>> {
        match current(&self.dir)? {
            Some(_) => Store::open(&self.dir).map(Some),
            None => Ok(None),
        }
    }

    /// Adds the quads of `store` (read back from the previous generation)
    /// to `builder`.
    pub fn carry_over(store: &Store, builder: &mut DatasetBuilder) -> Result<()> {
        for quad in store.loaded_quads() {
            builder.insert(quad?);
        }
        Ok(())
    }

    /// Writes `builder`'s quads as a new generation and makes it current.
    /// `builder` holds the quads as loaded (no merged view yet).
    pub fn commit(
        self,
        builder: DatasetBuilder,
        mut progress: impl FnMut(&str),
    ) -> Result<Written> {
        let number = self.next_generation()?;
        let name = format!("gen-{number:06}");
        let building = self.dir.join(format!("{name}.tmp"));
        let _ = fs::remove_dir_all(&building);
        fs::create_dir(&building).map_err(|e| self.write_error(&building, &e))?;

        let (terms, rows) = builder.into_rows();
        // Each term's HDT form, once.
        let mut strings = Vec::with_capacity(terms.len());
        for term in &terms {
            match hdt_string(term.as_ref()) {
                Some(text) => strings.push(text),
                None => {
                    let _ = fs::remove_dir_all(&building);
                    return Err(Failure::new(format!(
                        "cannot store {term}: HDT holds no triple terms (RDF 1.2); query such data with --data instead"
                    ))
                    .into());
                }
            }
        }
        let write = |file: &str, triples: &[[u32; 4]]| -> Result<Part> {
            let path = building.join(file);
            let hdt = Hdt::from_triples(
                triples
                    .iter()
                    .map(|row| [0, 1, 2].map(|i| strings[row[i] as usize].as_str())),
                "https://w3id.org/missions-kg/store",
            )
            .with_context(|| format!("cannot build {}", path.display()))?;
            let out = File::create(&path).map_err(|e| self.write_error(&path, &e))?;
            let mut out = BufWriter::new(out);
            hdt.write(&mut out)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let out = out
                .into_inner()
                .map_err(|e| self.write_error(&path, e.error()))?;
            out.sync_all().map_err(|e| self.write_error(&path, &e))?;
            Ok(Part {
                file: file.to_owned(),
                triples: triples.len() as u64,
            })
        };

        // Rows come sorted by graph, then subject, predicate, object.
        let mut manifest = Manifest {
            format: FORMAT.to_owned(),
            version: VERSION,
            default: None,
            merged: None,
            graphs: Vec::new(),
        };
        let mut quads = 0u64;
        let mut at = 0;
        while at < rows.len() {
            let graph = rows[at][3];
            let end = at + rows[at..].partition_point(|row| row[3] == graph);
            let slice = &rows[at..end];
            quads += slice.len() as u64;
            if graph == crate::dataset::DEFAULT_GRAPH {
                progress("the default graph");
                manifest.default = Some(write("default.hdt", slice)?);
            } else {
                let number = manifest.graphs.len() + 1;
                progress(&strings[graph as usize]);
                let part = write(&format!("graph-{number:06}.hdt"), slice)?;
                manifest.graphs.push(NamedPart {
                    name: strings[graph as usize].clone(),
                    file: part.file,
                    triples: part.triples,
                });
            }
            at = end;
        }
        progress("the merged view");
        let mut merged: Vec<[u32; 4]> = rows.iter().map(|&[s, p, o, _]| [s, p, o, 0]).collect();
        drop(rows);
        merged.sort_unstable();
        merged.dedup();
        if !merged.is_empty() {
            quads += merged.len() as u64;
            manifest.merged = Some(write("merged.hdt", &merged)?);
        }
        let path = building.join(MANIFEST);
        let text = serde_json::to_vec_pretty(&manifest)?;
        write_synced(&path, &text).map_err(|e| self.write_error(&path, &e))?;
        sync_dir(&building).map_err(|e| self.write_error(&building, &e))?;

        // The commit: rename the complete generation, then point CURRENT at it.
        let done = self.dir.join(&name);
        fs::rename(&building, &done).map_err(|e| self.write_error(&done, &e))?;
        sync_dir(&self.dir).map_err(|e| self.write_error(&self.dir, &e))?;
        let pointer = self.dir.join(format!("{CURRENT}.tmp"));
        write_synced(&pointer, format!("{name}\n").as_bytes())
            .map_err(|e| self.write_error(&pointer, &e))?;
        fs::rename(&pointer, self.dir.join(CURRENT)).map_err(|e| self.write_error(&pointer, &e))?;
        sync_dir(&self.dir).map_err(|e| self.write_error(&self.dir, &e))?;

        self.remove_old(&name);
        Ok(Written {
            generation: name,
            quads,
            graphs: manifest.graphs.len(),
        })
    }

    /// One more than any generation in the folder, finished or not.
    fn next_generation(&self) -> Result<u64> {
        let mut highest = 0;
        let entries =
            fs::read_dir(&self.dir).map_err(|e| crate::input::cannot_read(&self.dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let name = name.strip_suffix(".tmp").unwrap_or(&name);
            if let Some(number) = generation_number(name) {
                highest = highest.max(number);
            }
        }
        Ok(highest + 1)
    }

    /// Removes every generation but `keep`, and what killed loads left.
    /// Readers still reading one keep their open files (and start over
    /// from `CURRENT` if they had not opened them yet).
    fn remove_old(&self, keep: &str) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let base = name.strip_suffix(".tmp").unwrap_or(&name);
            if name != keep && generation_number(base).is_some() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    fn write_error(&self, path: &Path, error: &std::io::Error) -> anyhow::Error {
        Failure::new(format!(
            "cannot write {}: {}; the store keeps its previous state",
            path.display(),
            crate::input::io_reason(error)
        ))
        .into()
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A term the store's SPARQL evaluation handles: its HDT string, or a
/// computed triple term (which no HDT file holds, so it matches nothing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreTerm {
    Hdt(String),
    Other(Term),
}

/// Why the evaluation over the store failed: a damaged file, or a
/// computed term over the size limit.
#[derive(Debug)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

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
        let mut pattern: [Option<String>; 3] = Default::default();
        let mut possible = true;
        for (slot, term) in pattern.iter_mut().zip([subject, predicate, object]) {
            match term {
                None => {}
                Some(StoreTerm::Hdt(text)) => *slot = Some(text.clone()),
                Some(StoreTerm::Other(_)) => possible = false,
            }
        }
        // `None`: any named graph (not the default one); `Some(None)`: the
        // default graph, here the merged view.
        let sources: Vec<(Option<&'a str>, &'a Hdt)> = if !possible {
            Vec::new()
        } else {
            match graph_name {
                Some(None) => store.merged.iter().map(|hdt| (None, hdt)).collect(),
                None => store
                    .graphs
                    .iter()
                    .map(|(_, name, hdt)| (Some(name.as_str()), hdt))
                    .collect(),
                Some(Some(StoreTerm::Hdt(wanted))) => store
                    .graphs
                    .iter()
                    .filter(|(_, name, _)| name == wanted)
                    .map(|(_, name, hdt)| (Some(name.as_str()), hdt))
                    .collect(),
                Some(Some(StoreTerm::Other(_))) => Vec::new(),
            }
        };
        sources.into_iter().flat_map(move |(graph, hdt)| {
            let [s, p, o] = &pattern;
            // The pattern's strings are only looked up, not kept.
            matching(hdt, [s.as_deref(), p.as_deref(), o.as_deref()]).map(move |triple| {
                let [s, p, o] = triple.map_err(|e| StoreError(e.to_string()))?;
                Ok(InternalQuad {
                    subject: StoreTerm::Hdt(s),
                    predicate: StoreTerm::Hdt(p),
                    object: StoreTerm::Hdt(o),
                    graph_name: graph.map(|g| StoreTerm::Hdt(g.to_owned())),
                })
            })
        })
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<StoreTerm, StoreError>> + use<'a> {
        let store: &'a Store = self;
        store
            .graphs
            .iter()
            .map(|(_, name, _)| Ok(StoreTerm::Hdt(name.clone())))
    }

    fn contains_internal_graph_name(&self, graph_name: &StoreTerm) -> Result<bool, StoreError> {
        Ok(match graph_name {
            StoreTerm::Hdt(wanted) => self.graphs.iter().any(|(_, name, _)| name == wanted),
            StoreTerm::Other(_) => false,
        })
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
            Some(text) => StoreTerm::Hdt(text),
            None => StoreTerm::Other(term),
        })
    }

    fn externalize_term(&self, term: StoreTerm) -> Result<Term, StoreError> {
        match term {
            StoreTerm::Hdt(text) => term_from_hdt(&text).map_err(|e| StoreError(e.to_string())),
            StoreTerm::Other(term) => Ok(term),
        }
    }
}
