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

mod hdt_shape;

use crate::graph::dataset::{DatasetBuilder, MAX_COMPUTED_TERM_BYTES};
use crate::guard::budget::contain_panic;
use crate::guard::error::{Failure, Kind};
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
use std::io::{BufReader, BufWriter, Seek, Write};
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

/// A quad of `graph` from a triple in HDT text.
fn quad_from_hdt([s, p, o]: [String; 3], graph: &GraphName) -> Result<Quad> {
    Ok(Quad::new(
        subject_from_hdt(&s)?,
        predicate_from_hdt(&p)?,
        term_from_hdt(&o)?,
        graph.clone(),
    ))
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
        literal_from_hdt(text)
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT literal {}: {e}",
                    crate::guard::error::one_line(text, 80)
                )
            })?
            .into()
    } else if let Some(label) = text.strip_prefix("_:") {
        BlankNode::new(label)
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT blank node {}: {e}",
                    crate::guard::error::one_line(text, 80)
                )
            })?
            .into()
    } else {
        predicate_from_hdt(text)?.into()
    })
}

/// A literal written by `hdt_string` (oxrdf's N-Triples form). Answers
/// decode every term they return, so the common forms are read here
/// without validating the IRIs again (they were checked when loaded);
/// anything unusual goes through oxrdf's full parser.
fn literal_from_hdt(text: &str) -> Result<Literal, String> {
    let full = || text.parse::<Literal>().map_err(|e| e.to_string());
    let Some(close) = text.rfind('"').filter(|&i| i > 0) else {
        return full();
    };
    let (quoted, suffix) = (&text[1..close], &text[close + 1..]);
    let value = if quoted.contains('\\') {
        match unescape(quoted) {
            Some(value) => value,
            None => return full(),
        }
    } else {
        quoted.to_owned()
    };
    if suffix.is_empty() {
        Ok(Literal::new_simple_literal(value))
    } else if let Some(datatype) = suffix.strip_prefix("^^<").and_then(|d| d.strip_suffix('>')) {
        Ok(Literal::new_typed_literal(
            value,
            NamedNode::new_unchecked(datatype),
        ))
    } else if let Some(language) = suffix.strip_prefix('@').filter(|l| !l.contains("--")) {
        Ok(Literal::new_language_tagged_literal_unchecked(
            value, language,
        ))
    } else {
        full()
    }
}

/// N-Triples string escapes; `None` for one it does not know.
fn unescape(quoted: &str) -> Option<String> {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            't' => '\t',
            'b' => '\u{8}',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{c}',
            '"' => '"',
            '\'' => '\'',
            '\\' => '\\',
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

fn hex(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let mut value = 0u32;
    for _ in 0..digits {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    char::from_u32(value)
}

fn subject_from_hdt(text: &str) -> Result<NamedOrBlankNode> {
    match term_from_hdt(text)? {
        Term::NamedNode(node) => Ok(node.into()),
        Term::BlankNode(node) => Ok(node.into()),
        _ => Err(anyhow::anyhow!("damaged HDT file: a literal as subject")),
    }
}

fn predicate_from_hdt(text: &str) -> Result<NamedNode> {
    // IRIs were checked when loaded; only a file changed since would hold
    // a bad one, and a cheap look catches what breaks output syntax.
    if text.is_empty() || text.contains(['<', '>', '"', ' ', '\n']) {
        return Err(anyhow::anyhow!(
            "damaged HDT IRI {}",
            crate::guard::error::one_line(text, 80)
        ));
    }
    Ok(NamedNode::new_unchecked(text))
}

/// The name in `CURRENT`, if the folder holds a store.
fn current(dir: &Path) -> Result<Option<String>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::new(
            Kind::Input,
            format!("--store {}: not a folder", dir.display()),
        )
        .into());
    }
    let path = dir.join(CURRENT);
    match fs::symlink_metadata(&path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let text = read_small(&path, 1024)?;
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
    let text = read_small(&path, MAX_MANIFEST)?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| corrupt(folder, &format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(corrupt(
            folder,
            &format!(
                "{MANIFEST} is not a version {VERSION} missions-kg store (format '{}', version {})",
                crate::guard::error::one_line(&manifest.format, 40),
                manifest.version
            ),
        ));
    }
    Ok(manifest)
}

/// A file name from the manifest: a plain name only, inside the folder.
fn checked_name<'a>(folder: &Path, file: &'a str) -> Result<&'a str> {
    if file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(corrupt(
            folder,
            &format!("a part named {}", crate::guard::error::one_line(file, 40)),
        ));
    }
    Ok(file)
}

fn read_hdt(folder: &Path, file: &str) -> Result<Hdt> {
    let path = folder.join(checked_name(folder, file)?);
    let mut reader = open_regular(&path)?;
    let len = reader.metadata().map_err(|e| with_io(&path, e))?.len();
    let damaged = |what: &str| {
        corrupt(
            folder,
            &format!("{file}: {}", crate::guard::error::one_line(what, 160)),
        )
    };
    hdt_shape::check(BufReader::new(&reader), len).map_err(|e| damaged(&e))?;
    reader.rewind().map_err(|e| with_io(&path, e))?;
    match contain_panic(|| Hdt::read(BufReader::new(reader))) {
        Ok(Ok(hdt)) => Ok(hdt),
        Ok(Err(error)) => Err(damaged(&error.to_string())),
        Err(panic) => Err(damaged(&panic)),
    }
}

/// The most bytes a manifest may hold (a million graphs' entries).
const MAX_MANIFEST: u64 = 256 << 20;

/// Opens one of the store's files: a regular file only (a FIFO or a device
/// put in its place would hang or never end), naming it otherwise.
fn open_regular(path: &Path) -> Result<File> {
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => Err(Failure::new(
            Kind::Damaged,
            format!("damaged store: {} is not a regular file", path.display()),
        )
        .into()),
        Ok(_) => File::open(path).map_err(|e| with_io(path, e)),
        Err(error) => Err(with_io(path, error)),
    }
}

/// Reads a small text file of the store (CURRENT, a manifest), at most
/// `max` bytes.
fn read_small(path: &Path, max: u64) -> Result<String> {
    let file = open_regular(path)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, max + 1), &mut text).map_err(
        |_| {
            Failure::new(
                Kind::Damaged,
                format!("damaged store: {} is not UTF-8 text", path.display()),
            )
        },
    )?;
    if text.len() as u64 > max {
        return Err(Failure::new(
            Kind::Damaged,
            format!(
                "damaged store: {} is larger than {} bytes",
                path.display(),
                max
            ),
        )
        .into());
    }
    Ok(text)
}

/// An I/O error that keeps its kind (so a vanished generation is noticed)
/// and names the file.
fn with_io(path: &Path, error: std::io::Error) -> anyhow::Error {
    let message = format!(
        "cannot read {}: {}",
        path.display(),
        crate::guard::error::io_reason(&error)
    );
    anyhow::Error::new(StoreIo {
        message,
        not_found: error.kind() == std::io::ErrorKind::NotFound,
    })
}

/// A failed read of a store file, saying whether the file was missing.
#[derive(Debug)]
struct StoreIo {
    message: String,
    not_found: bool,
}

impl std::fmt::Display for StoreIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreIo {}

fn is_not_found(error: &anyhow::Error) -> bool {
    error.downcast_ref::<StoreIo>().is_some_and(|e| e.not_found)
}

fn corrupt(place: &Path, what: &str) -> anyhow::Error {
    Failure::new(
        Kind::Damaged,
        format!("damaged store in {}: {what}", place.display()),
    )
    .into()
}

/// What `load` wrote.
pub struct Written {
    pub generation: String,
    /// Quads as loaded (named graphs and the default graph).
    pub quads: u64,
    /// Triples of the merged view.
    pub merged: u64,
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
            Failure::new(
                Kind::Output,
                format!(
                    "cannot create store folder {}: {}",
                    dir.display(),
                    crate::guard::error::io_reason(&e)
                ),
            )
        })?;
        let path = dir.join(LOCK);
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                Failure::new(
                    Kind::Output,
                    format!(
                        "cannot open {}: {}",
                        path.display(),
                        crate::guard::error::io_reason(&e)
                    ),
                )
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Failure::new(
                    Kind::Refused,
                    format!(
                        "store {} is in use by another load (it holds {}); wait for it to end",
                        dir.display(),
                        path.display()
                    ),
                )
                .into())
            }
            Err(fs::TryLockError::Error(error)) => {
                return Err(Failure::new(
                    Kind::Output,
                    format!(
                        "cannot lock {}: {}",
                        path.display(),
                        crate::guard::error::io_reason(&error)
                    ),
                )
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
                    return Err(Failure::new(Kind::Input, format!(
                        "cannot store {term}: HDT holds no triple terms (RDF 1.2); query such data with --data instead"
                    ))
                    .into());
                }
            }
        }
        let write = |file: &str, triples: &[[u32; 4]]| -> Result<(Part, Hdt)> {
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
            let part = Part {
                file: file.to_owned(),
                triples: triples.len() as u64,
            };
            Ok((part, hdt))
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
        // The merged view first: each graph's ids are mapped to its own.
        progress("the merged view");
        let mut all: Vec<[u32; 4]> = rows.iter().map(|&[s, p, o, _]| [s, p, o, 0]).collect();
        all.sort_unstable();
        all.dedup();
        let mut merged = None;
        let mut merged_triples = 0;
        if !all.is_empty() {
            merged_triples = all.len() as u64;
            let (part, hdt) = write("merged.hdt", &all)?;
            manifest.merged = Some(part);
            merged = Some(Merged::new(hdt)?);
        }
        drop(all);
        let mut at = 0;
        while at < rows.len() {
            let graph = rows[at][3];
            let end = at + rows[at..].partition_point(|row| row[3] == graph);
            let slice = &rows[at..end];
            quads += slice.len() as u64;
            if graph == crate::graph::dataset::DEFAULT_GRAPH {
                progress("the default graph");
                manifest.default = Some(write("default.hdt", slice)?.0);
            } else {
                let number = manifest.graphs.len() + 1;
                progress(&strings[graph as usize]);
                let (part, hdt) = write(&format!("graph-{number:06}.hdt"), slice)?;
                let merged = merged
                    .as_ref()
                    .context("a named graph without a merged view")?;
                let ids = GraphIds::build(&hdt, merged).map_err(|e| anyhow::anyhow!(e))?;
                let file = format!("graph-{number:06}.ids");
                let path = building.join(&file);
                write_synced(&path, &ids.to_bytes()).map_err(|e| self.write_error(&path, &e))?;
                manifest.graphs.push(NamedPart {
                    name: strings[graph as usize].clone(),
                    file: part.file,
                    ids: file,
                    triples: part.triples,
                });
            }
            at = end;
        }
        drop(rows);
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
            merged: merged_triples,
            graphs: manifest.graphs.len(),
        })
    }

    /// One more than any generation in the folder, finished or not.
    fn next_generation(&self) -> Result<u64> {
        let mut highest = 0;
        let entries =
            fs::read_dir(&self.dir).map_err(|e| crate::guard::input::cannot_read(&self.dir, &e))?;
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
        Failure::new(
            Kind::Output,
            format!(
                "cannot write {}: {}; the store keeps its previous state",
                path.display(),
                crate::guard::error::io_reason(error)
            ),
        )
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

/// A term as the store's SPARQL evaluation handles it. Every term of the
/// merged view (which holds every triple of every graph) is an `Id`, its
/// number there, so joins compare integers and decode nothing; a term the
/// merged view lacks (a graph's name, a computed value) is its HDT text;
/// a computed triple term, which no HDT file holds, is kept as it is.
/// One term has exactly one form, so equal terms compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreTerm {
    Id(u64),
    Text(String),
    Other(Term),
}

/// The merged view's file and its id spaces. HDT numbers subjects,
/// predicates and objects apart (a term used as both subject and object
/// is "shared", with one number); here they become one space:
/// `1..=S` shared, then subject-only, then object-only, then
/// predicate-only terms. A predicate also used as a subject or object
/// takes that number, found once at open.
struct Merged {
    hdt: Hdt,
    shared: u64,
    subjects: u64,
    objects: u64,
    /// Predicate id (index) → canonical id.
    predicate_ids: Vec<u64>,
    /// Canonical id → predicate id.
    predicates: rustc_hash::FxHashMap<u64, usize>,
}

impl Merged {
    fn new(hdt: Hdt) -> Result<Self> {
        let dict = &hdt.dict;
        let (shared, subjects, objects) = (
            dict.shared.num_strings as u64,
            dict.subjects.num_strings as u64,
            dict.objects.num_strings as u64,
        );
        let mut merged = Self {
            shared,
            subjects,
            objects,
            predicate_ids: vec![0],
            predicates: Default::default(),
            hdt,
        };
        let count = merged.hdt.dict.predicates.num_strings;
        for id in 1..=count {
            let text = merged
                .hdt
                .dict
                .id_to_string(id, IdKind::Predicate)
                .map_err(|e| anyhow::anyhow!("damaged HDT dictionary: {e}"))?;
            let canonical = merged
                .subject_or_object(&text)
                .unwrap_or(shared + subjects + objects + id as u64);
            merged.predicate_ids.push(canonical);
            merged.predicates.insert(canonical, id);
        }
        Ok(merged)
    }

    /// The canonical id of a term used as subject or object.
    fn subject_or_object(&self, text: &str) -> Option<u64> {
        let dict = &self.hdt.dict;
        match dict.string_to_id(text, IdKind::Subject) {
            0 => match dict.string_to_id(text, IdKind::Object) {
                0 => None,
                id => Some(self.object_id(id)),
            },
            id => Some(id as u64),
        }
    }

    fn canonical(&self, text: &str) -> Option<u64> {
        self.subject_or_object(text).or_else(|| {
            match self.hdt.dict.string_to_id(text, IdKind::Predicate) {
                0 => None,
                id => Some(self.predicate_ids[id]),
            }
        })
    }

    fn object_id(&self, id: usize) -> u64 {
        let id = id as u64;
        if id <= self.shared {
            id
        } else {
            id + self.subjects
        }
    }

    /// The HDT id of a canonical id in one position; `None` if the term is
    /// never used there.
    fn position(&self, canonical: u64, kind: IdKind) -> Option<usize> {
        let (shared, subjects, objects) = (self.shared, self.subjects, self.objects);
        match kind {
            IdKind::Subject => (canonical <= shared + subjects).then_some(canonical as usize),
            IdKind::Object if canonical <= shared => Some(canonical as usize),
            IdKind::Object => (canonical > shared + subjects
                && canonical <= shared + subjects + objects)
                .then(|| (canonical - subjects) as usize),
            IdKind::Predicate => self.predicates.get(&canonical).copied(),
        }
    }

    fn text(&self, canonical: u64) -> Result<String, StoreError> {
        let (shared, subjects, objects) = (self.shared, self.subjects, self.objects);
        let (id, kind) = if canonical <= shared + subjects {
            (canonical, IdKind::Subject)
        } else if canonical <= shared + subjects + objects {
            (canonical - subjects, IdKind::Object)
        } else {
            (canonical - shared - subjects - objects, IdKind::Predicate)
        };
        contain_panic(|| self.hdt.dict.id_to_string(id as usize, kind))
            .map_err(|panic| StoreError(format!("damaged HDT dictionary: {panic}")))?
            .map_err(|e| StoreError(format!("damaged HDT dictionary: {e}")))
    }
}

/// How many ids an HDT file has as subjects, predicates and objects (the
/// shared section counts for subjects and objects both).
fn section_sizes(hdt: &Hdt) -> [usize; 3] {
    let dict = &hdt.dict;
    let shared = dict.shared.num_strings;
    [
        shared + dict.subjects.num_strings,
        dict.predicates.num_strings,
        shared + dict.objects.num_strings,
    ]
}

/// A named graph's ids → the merged view's (`ids[kind][id]`).
struct GraphIds([Vec<u64>; 3]);

impl GraphIds {
    /// The `.ids` file: for subjects, predicates and objects in turn, a
    /// count then that many ids (entry 0 unused), all u64 little-endian.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for map in &self.0 {
            bytes.extend((map.len() as u64).to_le_bytes());
            for id in map {
                bytes.extend(id.to_le_bytes());
            }
        }
        bytes
    }

    /// Reads what [`GraphIds::to_bytes`] wrote for `hdt`, checking every
    /// count against its dictionary and every id against the merged view.
    fn read(path: &Path, hdt: &Hdt, merged: &Merged) -> Result<Self, String> {
        let damaged = |what: &str| format!("damaged store: {}: {what}", path.display());
        let sizes = section_sizes(hdt);
        // Its size follows from the HDT file's: checked before reading.
        let expected = 8 * sizes.iter().map(|size| size + 2).sum::<usize>() as u64;
        let file = open_regular(path).map_err(|e| e.to_string())?;
        if file.metadata().map_or(0, |m| m.len()) != expected {
            return Err(damaged("its size does not fit its HDT file"));
        }
        let mut bytes = Vec::with_capacity(expected as usize);
        std::io::Read::read_to_end(&mut std::io::Read::take(file, expected), &mut bytes)
            .map_err(|e| damaged(&crate::guard::error::io_reason(&e)))?;
        if bytes.len() % 8 != 0 {
            return Err(damaged("not a whole number of ids"));
        }
        let mut words = bytes
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
        // `predicate_ids` has an unused entry 0.
        let highest = merged.shared
            + merged.subjects
            + merged.objects
            + (merged.predicate_ids.len() as u64 - 1);
        let mut maps: [Vec<u64>; 3] = Default::default();
        for (map, size) in maps.iter_mut().zip(sizes) {
            if words.next() != Some(size as u64 + 1) {
                return Err(damaged("counts differ from its HDT file"));
            }
            map.extend(words.by_ref().take(size + 1));
            if map.len() != size + 1 || map.iter().skip(1).any(|&id| id == 0 || id > highest) {
                return Err(damaged("ids outside the merged view"));
            }
        }
        if words.next().is_some() {
            return Err(damaged("trailing bytes"));
        }
        Ok(Self(maps))
    }

    fn build(hdt: &Hdt, merged: &Merged) -> Result<Self, String> {
        let sizes = section_sizes(hdt);
        let mut maps: [Vec<u64>; 3] = Default::default();
        for ((map, size), kind) in maps.iter_mut().zip(sizes).zip(IdKind::KINDS) {
            map.reserve(size + 1);
            map.push(0);
            for id in 1..=size {
                let text = hdt
                    .dict
                    .id_to_string(id, kind)
                    .map_err(|e| format!("damaged HDT dictionary: {e}"))?;
                // Every graph's triple is in the merged view.
                let canonical = merged.canonical(&text).ok_or_else(|| {
                    format!(
                        "damaged store: {} is not in the merged view",
                        crate::guard::error::one_line(&text, 80)
                    )
                })?;
                map.push(canonical);
            }
        }
        Ok(Self(maps))
    }
}

/// The evaluator's form of a term given as HDT text.
fn internal_of(merged: Option<&Merged>, text: String) -> StoreTerm {
    match merged.and_then(|m| m.canonical(&text)) {
        Some(id) => StoreTerm::Id(id),
        None => StoreTerm::Text(text),
    }
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
