//! Provenance: where an answer comes from. `why` computes, for each answer
//! of a query, the minimal sets of named graphs that give it; `lineage`
//! lists the facts each answer rests on; `evidence` ties each fact to the
//! passage of the article that states it (`anchor` finds a passage again in
//! a copy of the article that differs, `annotations` writes them as W3C Web
//! Annotations), and `reader` lays an article's text out with those
//! passages marked; `trace` puts them together on a prepared query (the
//! `trace*` methods of `sparql::Prepared`); `trust` answers as if only some
//! articles were known.
//!
//! Called by `query --why`/`--evidence`, `describe`, the views and the
//! server's pages; it reads the graph through `graph` only.

pub mod anchor;
pub mod annotations;
pub mod evidence;
pub mod lineage;
pub mod reader;
pub mod trace;
pub mod trust;
pub mod why;
