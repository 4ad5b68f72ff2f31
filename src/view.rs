//! Views: what a page or a command shows about one thing, computed once as
//! plain values, then rendered by whoever shows it (`describe` on a
//! terminal, the server as HTML or JSON). Nothing here prints.
//!
//! `entity` is one entity with its facts and sources; `differences` where
//! the articles differ; `links` is what the local graph knows for linking
//! to Wikidata; `ontology` the vocabulary's terms with their use.

pub mod differences;
pub mod entity;
pub mod human;
pub mod links;
pub mod ontology;
