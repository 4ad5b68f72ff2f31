//! The resolved global options: the one place that turns `cli` types into
//! plain values, so nothing after it needs clap to understand them.

use crate::cli::GlobalArgs;
use std::io::IsTerminal;
use std::path::PathBuf;

/// What every command needs to know besides its own arguments.
#[derive(Debug, Clone)]
pub struct Config {
    /// Load the ontology and data compiled into the binary.
    pub embedded: bool,
    /// Files or folders to load, in the order given.
    pub data: Vec<PathBuf>,
    /// Whether stdout is a terminal; decides the default output format.
    pub is_terminal: bool,
    /// The language to show labels and texts in (`--lang`); all when `None`.
    pub lang: Option<String>,
}

impl Config {
    /// Resolves the global options once, at start-up.
    pub fn from_cli(global: &GlobalArgs) -> Self {
        Self {
            embedded: global.data.is_empty() || global.with_embedded,
            data: global.data.clone(),
            is_terminal: std::io::stdout().is_terminal(),
            lang: global.lang.clone(),
        }
    }
}
