//! Build script: embeds the knowledge graph in the binary.
//!
//! It scans `ontology/`, `data/` and `queries/` (recursively, sorted so the
//! generated list is the same on every machine) and writes
//! `$OUT_DIR/embedded.rs`, a list of `(relative path, include_str!(..))`
//! pairs per folder that `src/embedded.rs` includes, and `SHAPES`, the SHACL
//! shapes (`ontology/shapes.ttl`), apart from the ontology they check. A missing folder yields an
//! empty list, so the crate builds before any data exists.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The SHACL shapes file, embedded on its own as `SHAPES`, not in `ONTOLOGY`.
const SHAPES: &str = "ontology/shapes.ttl";

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut out = String::new();
    for (name, folder) in [
        ("ONTOLOGY", "ontology"),
        ("DATA", "data"),
        ("QUERIES", "queries"),
    ] {
        // A directory given to rerun-if-changed is scanned as a whole by
        // cargo, so added and removed files trigger a rebuild too.
        println!("cargo::rerun-if-changed={folder}");
        let mut files = Vec::new();
        collect(&root.join(folder), &mut files);
        // The SHACL shapes describe the data rather than being part of it.
        files.retain(|file| file != &root.join(SHAPES));
        files.sort();
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            writeln!(
                out,
                "    ({relative:?}, include_str!({:?})),",
                file.to_string_lossy()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let shapes = root.join(SHAPES);
    if shapes.is_file() {
        writeln!(
            out,
            "pub static SHAPES: (&str, &str) = ({SHAPES:?}, include_str!({:?}));",
            shapes.to_string_lossy()
        )
        .unwrap();
    } else {
        writeln!(out, "pub static SHAPES: (&str, &str) = ({SHAPES:?}, \"\");").unwrap();
    }
    let target = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}

/// Pushes every regular file below `dir` whose name does not start with a dot.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else if path.is_file() && is_embedded(&path) {
            files.push(path);
        }
    }
}

/// Only RDF and SPARQL files are embedded: a README or an editor backup in one
/// of the folders must not end up in the binary (or break `include_str!`).
fn is_embedded(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ttl" | "trig" | "nt" | "nq" | "rdf" | "owl" | "jsonld" | "rq")
    )
}
