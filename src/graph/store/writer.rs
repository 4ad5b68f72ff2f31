//! `load --store`: writes a new generation beside the current one, then
//! commits it all at once (a renamed `CURRENT`), under the store's lock.

use super::files::{current, generation_number, not_regular};
use super::ids::{GraphIds, Merged};
use super::terms::hdt_string;
use super::{Manifest, NamedPart, Part, Store, CURRENT, FORMAT, LOCK, MANIFEST, VERSION};
use crate::graph::dataset::DatasetBuilder;
use crate::guard::error::{Failure, Kind};
use anyhow::{Context, Result};
use hdt::Hdt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

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
        // Never through a link (whoever could write in the folder would
        // have `load` create or open a file anywhere it may write), never a
        // FIFO (its `open` waits for a reader): refused, not removed, as
        // this is the one file another writer may hold.
        let cannot_open = |e: std::io::Error| {
            Failure::new(
                Kind::Output,
                format!(
                    "cannot open {}: {}",
                    path.display(),
                    crate::guard::error::io_reason(&e)
                ),
            )
        };
        match fs::symlink_metadata(&path) {
            Ok(metadata) if !metadata.is_file() => {
                return Err(not_regular(&path, &metadata, "; remove it"))
            }
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(cannot_open(error).into())
            }
            _ => {}
        }
        // Checked again as it is opened: a link or a FIFO planted since
        // fails `open` (O_NOFOLLOW, O_NONBLOCK), anything else the look
        // at the open file.
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .map_err(cannot_open)?;
        let metadata = lock.metadata().map_err(cannot_open)?;
        if !metadata.is_file() {
            return Err(not_regular(&path, &metadata, "; remove it"));
        }
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
        let writer = Self {
            dir: dir.to_owned(),
            _lock: lock,
        };
        // What a writer that died left, under the lock that no one else
        // holds now: cleared before any work, so that a planted file is
        // refused before the input is read.
        writer.remove_stale(&dir.join(format!("{CURRENT}.tmp")))?;
        writer.remove_unfinished();
        Ok(writer)
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
    pub fn commit(self, builder: DatasetBuilder, progress: impl FnMut(&str)) -> Result<Written> {
        let number = self.next_generation()?;
        let name = format!("gen-{number:06}");
        let building = self.dir.join(format!("{name}.tmp"));
        fs::create_dir(&building).map_err(|e| self.write_error(&building, &e))?;
        let unfinished = Unfinished(&building);
        let written = self.write_generation(&building, &name, builder, progress)?;
        // Complete: from here on the commit renames it or removes it.
        std::mem::forget(unfinished);
        self.make_current(&building, &name)?;
        self.remove_old(&name);
        Ok(written)
    }

    /// Writes the generation's files into `building`, each synced.
    fn write_generation(
        &self,
        building: &Path,
        name: &str,
        builder: DatasetBuilder,
        mut progress: impl FnMut(&str),
    ) -> Result<Written> {
        let (terms, rows) = builder.into_rows();
        // Each term's HDT form, once.
        let mut strings = Vec::with_capacity(terms.len());
        for term in &terms {
            match hdt_string(term.as_ref()) {
                Some(text) => strings.push(text),
                None => {
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
            let out = create_new(&path).map_err(|e| self.write_error(&path, &e))?;
            let mut out = BufWriter::new(out);
            // The crate labels each of its errors "failed to read …", a
            // full disk included: the I/O error under it says what failed.
            hdt.write(&mut out).map_err(|e| match io_cause(&e) {
                Some(io) => self.write_error(&path, io),
                None => anyhow::anyhow!("cannot write {}: {e}", path.display()),
            })?;
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
        sync_dir(building).map_err(|e| self.write_error(building, &e))?;

        Ok(Written {
            generation: name.to_owned(),
            quads,
            merged: merged_triples,
            graphs: manifest.graphs.len(),
        })
    }

    /// The commit: renames the complete generation, then points CURRENT at
    /// it. Until CURRENT is replaced, the new generation is no one's: a
    /// failure before then removes it.
    fn make_current(&self, building: &Path, name: &str) -> Result<()> {
        let done = self.dir.join(name);
        if let Err(error) = fs::rename(building, &done) {
            let _ = remove_entry(building);
            return Err(self.write_error(&done, &error));
        }
        let pointer = self.dir.join(format!("{CURRENT}.tmp"));
        let pointed = sync_dir(&self.dir)
            .map_err(|e| self.write_error(&self.dir, &e))
            .and_then(|()| {
                write_synced(&pointer, format!("{name}\n").as_bytes())
                    .map_err(|e| self.write_error(&pointer, &e))
            })
            .and_then(|()| {
                fs::rename(&pointer, self.dir.join(CURRENT)).map_err(|e| {
                    let _ = fs::remove_file(&pointer);
                    self.write_error(&pointer, &e)
                })
            });
        if let Err(error) = pointed {
            let _ = remove_entry(&done);
            return Err(error);
        }
        sync_dir(&self.dir).map_err(|e| self.write_error(&self.dir, &e))
    }

    /// One more than any generation in the folder, finished or not.
    pub(super) fn next_generation(&self) -> Result<u64> {
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

    /// Removes the unfinished generations (`gen-N.tmp`) of writers that
    /// died, before this one writes: on a full disk, they are what fills
    /// it. Best effort: one that stays is skipped by [`Self::next_generation`].
    pub(super) fn remove_unfinished(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name
                .strip_suffix(".tmp")
                .is_some_and(|base| generation_number(base).is_some())
            {
                let _ = remove_entry(&entry.path());
            }
        }
    }

    /// Removes every generation but `keep`, and what killed loads left.
    /// Readers still reading one keep their open files (and start over
    /// from `CURRENT` if they had not opened them yet).
    pub(super) fn remove_old(&self, keep: &str) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let base = name.strip_suffix(".tmp").unwrap_or(&name);
            if name != keep && generation_number(base).is_some() {
                let _ = remove_entry(&entry.path());
            }
        }
    }

    /// Removes what a writer that died left under `path` (a file, or a
    /// link or FIFO planted there), never what a link names.
    pub(super) fn remove_stale(&self, path: &Path) -> Result<()> {
        match fs::symlink_metadata(path) {
            Ok(metadata) if metadata.is_dir() => Err(not_regular(path, &metadata, "; remove it")),
            Ok(_) => fs::remove_file(path).map_err(|e| self.write_error(path, &e)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.write_error(path, &error)),
        }
    }

    pub(super) fn write_error(&self, path: &Path, error: &std::io::Error) -> anyhow::Error {
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

/// Writes a new file and syncs it; a file that could not be written whole
/// is removed (the error says why).
pub(super) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = create_new(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
}

pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates a file that must not exist yet: a link or a FIFO in its place
/// fails (O_EXCL neither follows a link nor opens what is there).
pub(super) fn create_new(path: &Path) -> std::io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// A generation being written, removed if the load fails or unwinds before
/// it is complete: on a full disk, what a failed load left would keep the
/// disk full, and every later load would fail.
struct Unfinished<'a>(&'a Path);

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        let _ = remove_entry(self.0);
    }
}

/// Removes a folder with what it holds, or a file, link or FIFO; never what
/// a link names.
pub(super) fn remove_entry(path: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// The I/O error under an error of the `hdt` crate, if any.
fn io_cause<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = error.source();
    }
    None
}
