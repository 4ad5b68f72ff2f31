//! Provenance: where an answer comes from. `why` computes, for each answer
//! of a query, the minimal sets of named graphs that give it; `lineage`
//! lists the facts each answer rests on; `evidence` ties each fact to the
//! passage of the article that states it.
//!
//! Called by `sparql` (`query --why`, `--evidence`), by the views and by
//! the server's pages; it reads the graph through `graph` only.

pub mod evidence;
pub mod lineage;
pub mod trace;
pub mod why;
