//! The store's files on disk: which generation is current, the manifest,
//! the HDT files, each opened as a regular file within a size, and the
//! `damaged store` error every read gives when something is off.

use super::hdt_shape;
use super::{Manifest, CURRENT, FORMAT, MANIFEST, VERSION};
use crate::guard::budget::contain_panic;
use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use hdt::Hdt;
use std::fs::{self, File};
use std::io::{BufReader, Seek};
use std::path::Path;

/// The name in `CURRENT`, if the folder holds a store.
pub(super) fn current(dir: &Path) -> Result<Option<String>> {
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

pub(super) fn generation_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("gen-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(super) fn read_manifest(folder: &Path) -> Result<Manifest> {
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
pub(super) fn checked_name<'a>(folder: &Path, file: &'a str) -> Result<&'a str> {
    if file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(corrupt(
            folder,
            &format!("a part named {}", crate::guard::error::one_line(file, 40)),
        ));
    }
    Ok(file)
}

pub(super) fn read_hdt(folder: &Path, file: &str) -> Result<Hdt> {
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
pub(super) const MAX_MANIFEST: u64 = 256 << 20;

/// Opens one of the store's files: a regular file only (a FIFO or a device
/// put in its place would hang or never end), naming it otherwise. A link
/// is followed (a store may be assembled from links); what it names must
/// be a regular file too.
pub(super) fn open_regular(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Looked at before opening, so that a device is never opened (opening
    // some has effects), and asked again of the open file: a FIFO swapped
    // in between is caught there, and O_NONBLOCK keeps its `open` from
    // waiting for a writer (it changes nothing for a regular file).
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => return Err(not_regular(path, &metadata, "")),
        Ok(_) => {}
        Err(error) => return Err(with_io(path, error)),
    }
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| with_io(path, e))?;
    let metadata = file.metadata().map_err(|e| with_io(path, e))?;
    if !metadata.is_file() {
        return Err(not_regular(path, &metadata, ""));
    }
    Ok(file)
}

/// The one line for a store file that is something else: a link (when
/// not followed), a folder, a FIFO, a socket or a device; `fix` says what
/// to do about it, if anything is safe to say.
pub(super) fn not_regular(path: &Path, metadata: &fs::Metadata, fix: &str) -> anyhow::Error {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Failure::new(
        Kind::Damaged,
        format!(
            "damaged store: {} is not a regular file but {what}{fix}",
            path.display()
        ),
    )
    .into()
}

/// Reads a small text file of the store (CURRENT, a manifest), at most
/// `max` bytes.
pub(super) fn read_small(path: &Path, max: u64) -> Result<String> {
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
pub(super) fn with_io(path: &Path, error: std::io::Error) -> anyhow::Error {
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
pub(super) struct StoreIo {
    message: String,
    not_found: bool,
}

impl std::fmt::Display for StoreIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreIo {}

pub(super) fn is_not_found(error: &anyhow::Error) -> bool {
    error.downcast_ref::<StoreIo>().is_some_and(|e| e.not_found)
}

pub(super) fn corrupt(place: &Path, what: &str) -> anyhow::Error {
    Failure::new(
        Kind::Damaged,
        format!("damaged store in {}: {what}", place.display()),
    )
    .into()
}
