//! The ontology, data and stored queries compiled into the binary.
//!
//! `build.rs` writes the lists; each entry is `(path relative to the crate
//! root, file text)`, sorted by path. `store` reads `ONTOLOGY` and `DATA`,
//! `catalog` reads `QUERIES`; `SHAPES` is
//! `ontology/shapes.ttl`, which `commands::validate` reads and nothing loads as data.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
