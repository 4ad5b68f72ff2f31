//! `missions-kg`: a sourced knowledge graph of the French TV series
//! *Missions*, and the small SPARQL engine around it, as a library.
//!
//! The binary (`main.rs`) and the tests are callers of this library, and
//! so is the web server. The wings, from the bottom up (each may call the
//! ones below it, never one above):
//!
//! - [`guard`]: errors with kinds, input reading, limits, time and memory;
//! - [`vocab`]: the namespaces and terms the engine relies on;
//! - [`graph`]: the one [`graph::Graph`] type and its backends (in-memory
//!   dataset and loader, on-disk store, remote engine and its client);
//! - [`sparql`]: parsing, parameters, the prepared query, stored queries;
//! - [`provenance`]: why an answer holds, the facts it rests on, and the
//!   passages that state them;
//! - [`view`]: what a command or a page shows about one thing;
//! - [`format`]: output formats, chosen in one place;
//! - [`server`]: `serve`, the graph on the web;
//! - [`cli`], [`config`] and [`commands`]: the command line, resolved once
//!   into a [`config::Config`], and one module per subcommand.

pub mod cli;
pub mod commands;
pub mod config;
pub mod format;
pub mod graph;
pub mod guard;
pub mod mcp;
pub mod provenance;
pub mod server;
pub mod sparql;
pub mod view;
pub mod vocab;
