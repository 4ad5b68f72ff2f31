//! The resolved global options: the one place that turns `cli` types into
//! plain values, so nothing after it needs clap to understand them.

use crate::cli::{Cli, Command, GlobalArgs};
use crate::guard::error::Failure;
use crate::guard::input;
use oxigraph::model::NamedNode;
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
    /// How wide tables may be (`--width`, else the terminal's); `None`:
    /// as wide as their cells.
    pub width: Option<u16>,
    /// The language to show labels and texts in (`--lang`); all when `None`.
    pub lang: Option<String>,
    /// The most bytes one input may hold (`--max-input`).
    pub max_input: u64,
    /// The most memory the process may hold while it loads or queries (`--memory`).
    pub memory: u64,
    /// Whether SERVICE may call remote endpoints (`--allow-service`).
    pub allow_service: bool,
    /// The base IRI for relative IRIs (`--base`), already checked to be
    /// absolute; when `None`, each file is its own base.
    pub base: Option<String>,
    /// The remote SPARQL endpoint holding the graph (`--endpoint` on
    /// `query`, `describe`, `sources`, `stats`), instead of loading it.
    pub endpoint: Option<String>,
    /// The on-disk store to read (`--store`), instead of loading files;
    /// for `load`, the one to write.
    pub store: Option<PathBuf>,
    /// The folder of the article texts (`--articles`), for showing passages.
    pub articles: Option<PathBuf>,
    /// How long one request to that endpoint may take (`query --timeout`,
    /// else a minute).
    pub endpoint_timeout: f64,
}

impl Config {
    /// Resolves the global options once, at start-up; a bad size or a
    /// `--base` that is not an absolute IRI is a usage error.
    pub fn from_cli(cli: &Cli) -> Result<Self, Failure> {
        let global = &cli.global;
        let (endpoint, timeout) = match &cli.command {
            Command::Query(args) => (args.remote.endpoint.clone(), args.timeout),
            Command::Describe(args) => (args.remote.endpoint.clone(), None),
            Command::Stats(args) => (args.remote.endpoint.clone(), None),
            Command::Sources(args) => (args.remote.endpoint.clone(), None),
            Command::Mcp(args) => (args.remote.endpoint.clone(), Some(args.timeout)),
            // `links reconcile` and `links check` have an --endpoint of
            // their own (Wikidata's), given after the action; the graph they
            // read stays local.
            Command::Links(args) if args.action.is_none() => (args.remote.endpoint.clone(), None),
            _ => (None, None),
        };
        if endpoint.is_some() && !global.data.is_empty() {
            return Err(Failure::usage(
                "--endpoint and --data: with --endpoint the graph is the endpoint's; load files into it with `push`",
            ));
        }
        if endpoint.is_some() && global.store.is_some() {
            return Err(Failure::usage(
                "--endpoint and --store: the graph is either the endpoint's or the store's",
            ));
        }
        if global.store.is_some() && !global.data.is_empty() {
            return Err(Failure::usage(
                "--store and --data: the graph is the store's; add files to it with `load --store DIR FILE…`",
            ));
        }
        if matches!(cli.command, Command::Load(_)) && global.store.is_none() {
            return Err(Failure::usage(
                "load writes an on-disk store: give it with --store DIR",
            ));
        }
        let mut config = Self::from_global(global)?;
        config.endpoint = endpoint;
        config.endpoint_timeout = timeout.unwrap_or(60.0);
        Ok(config)
    }

    /// The global options alone (no remote endpoint).
    pub fn from_global(global: &GlobalArgs) -> Result<Self, Failure> {
        let size = |flag: &str, text: &str| {
            input::parse_size(text).ok_or_else(|| {
                Failure::usage(format!(
                    "invalid {flag} '{}': give a size such as 512M or 2G",
                    crate::guard::error::one_line(text, 40)
                ))
            })
        };
        if let Some(base) = &global.base {
            NamedNode::new(base.as_str()).map_err(|error| {
                Failure::usage(format!(
                    "invalid --base '{}': {error}; give an absolute IRI such as http://example.org/",
                    crate::guard::error::one_line(base, 200)
                ))
            })?;
        }
        Ok(Self {
            embedded: (global.data.is_empty() && global.store.is_none()) || global.with_embedded,
            data: global.data.clone(),
            is_terminal: std::io::stdout().is_terminal(),
            width: match global.width {
                Some(0) => None,
                Some(width) => Some(width),
                None => crate::format::table::terminal_width(),
            },
            lang: global.lang.clone(),
            max_input: size("--max-input", &global.max_input)?,
            memory: size("--memory", &global.memory)?,
            allow_service: global.allow_service,
            base: global.base.clone(),
            endpoint: None,
            store: global.store.clone(),
            articles: global.articles.clone(),
            endpoint_timeout: 60.0,
        })
    }
}
