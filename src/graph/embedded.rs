//! The ontology, data and stored queries compiled into the binary.
//!
//! `build.rs` writes the lists; each entry is `(path relative to the crate
//! root, file text)`, sorted by path. The loader reads `ONTOLOGY` and
//! `DATA` (and `load --store` with no file, and `validate`'s syntax pass),
//! `sparql::catalog` reads `QUERIES`; `SHAPES` is `ontology/shapes.ttl`,
//! which `commands::validate` reads and nothing loads as data. `INDEX` is
//! the built-in graph already interned and sorted, which
//! `Dataset::embedded` points at.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
