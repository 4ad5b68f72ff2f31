//! Command-line types, and nothing else.
//!
//! Each `///` comment is the help text. Nothing here decides anything:
//! `config` resolves the global options and each `commands/<name>.rs` reads
//! its own `…Args`. `commands/completions.rs` and `commands/man.rs` render
//! this definition; [`Suggest`] gives them the words to complete (stored
//! query names, format names) without deciding what is valid.

use crate::format::Payload;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueHint};
use clap_complete::Shell;
use std::path::PathBuf;

/// Query a sourced knowledge graph of the French TV series Missions.
///
/// The graph (ontology, facts from each article, sources) and the stored
/// queries are built into this binary. Every fact is in the named graph of
/// the article that states it; the default graph is the merged view.
#[derive(Debug, Parser)]
#[command(name = "missions-kg", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Load this RDF file or folder (recursively) instead of the built-in data.
    ///
    /// The format comes from the extension: ttl, trig, nt, nq, rdf/owl/xml,
    /// jsonld, n3. May be repeated.
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub data: Vec<PathBuf>,

    /// Load the built-in data as well as the --data files.
    #[arg(long, global = true, requires = "data")]
    pub with_embedded: bool,

    /// Read the graph from this on-disk store (written by `load --store`)
    /// instead of loading files; for `load`, the store to write.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub store: Option<PathBuf>,

    /// Show labels, property names and texts in this language (fr or en)
    /// where the data has them; by default labels prefer English and
    /// `describe` shows texts in every language.
    #[arg(long, global = true, value_name = "LANG", value_parser = ["fr", "en"])]
    pub lang: Option<String>,

    /// Refuse any one input (data file, query, shapes, stdin) larger than
    /// this: a number of bytes or 512K, 64M, 2G. Devices and pipes other
    /// than stdin are always refused.
    #[arg(long, global = true, value_name = "SIZE", default_value = "256M")]
    pub max_input: String,

    /// Stop when the process holds more memory than this (512M, 4G…): a
    /// query whose intermediate results grow without bound ends with an
    /// error instead of the system's out-of-memory killer.
    #[arg(long, global = true, value_name = "SIZE", default_value = "4G")]
    pub memory: String,

    /// Let queries call remote endpoints with SERVICE (federation, off by
    /// default: an untrusted query could send data anywhere). Each call then
    /// has a 30 s timeout and a 64 MiB answer cap. SHACL shapes never call
    /// remote endpoints, even with this option.
    #[arg(long, global = true)]
    pub allow_service: bool,

    /// Show the passage behind each fact (`--evidence`, the entity pages)
    /// from the article texts in this folder, each checked against the
    /// SHA-256 the graph records; without it, passages are shown by their
    /// character offsets.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub articles: Option<PathBuf>,

    /// Fit tables to this many columns, wrapping long cells (0: never wrap).
    /// By default a table fits the terminal it is shown on and is not
    /// wrapped when written to a pipe or a file.
    #[arg(long, global = true, value_name = "COLUMNS")]
    pub width: Option<u16>,

    /// Resolve relative IRIs in --data files and in the query against this
    /// absolute IRI. By default each file's own file:// URL is its base; a
    /// query given as text, on stdin or by name has none.
    #[arg(long, global = true, value_name = "IRI")]
    pub base: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a SPARQL query: a stored query name, a .rq file, `-` for stdin, or SPARQL text.
    Query(QueryArgs),
    /// List the stored queries, or show one.
    Queries(QueriesArgs),
    /// Write the graph, one source, or the whole dataset as RDF.
    Export(ExportArgs),
    /// Show everything known about an entity, with the sources of each fact.
    Describe(DescribeArgs),
    /// Count triples per graph, entities per class and facts per article.
    Stats(StatsArgs),
    /// Show the entities' verified links to Wikidata, Wikipedia and IMDb;
    /// find what is missing; reconcile and check against a SPARQL endpoint.
    Links(LinksArgs),
    /// List the articles and how many facts each states; one article's
    /// facts; or how well the articles agree (--agreement).
    Sources(SourcesArgs),
    /// Check the data: every syntax error, the SHACL shapes, and the
    /// provenance checks; exit 1 if anything is found.
    Validate(ValidateArgs),
    /// Serve the graph over HTTP: a SPARQL endpoint, linked-data pages and a
    /// browsable site, read-only.
    Serve(ServeArgs),
    /// Serve the graph to an assistant over the Model Context Protocol, on
    /// stdin and stdout: stored queries, SPARQL, describe, why and search as
    /// tools, read-only.
    Mcp(McpArgs),
    /// Upload the dataset to a SPARQL server (each article a named graph,
    /// the merged view the default graph), then verify it by counting.
    Push(PushArgs),
    /// Load RDF files into the on-disk store given by --store (created if
    /// needed), on top of what it holds; all or nothing.
    Load(LoadArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on. The default is loopback only; give
    /// 0.0.0.0:PORT to serve other machines.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7878")]
    pub bind: String,

    /// The URL people reach the server at, when it differs from the bound
    /// address (behind a reverse proxy); the graph's IRIs link there.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Stop a query after this many seconds (answered 504).
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: f64,

    /// Run at most this many queries at once; more wait up to a second for
    /// a slot, then are answered 503 with Retry-After.
    #[arg(long, value_name = "N", default_value = "8")]
    pub max_queries: usize,

    /// Let one client (one peer address) run at most this many of them at
    /// once; past it, 503 at once. Default: half of --max-queries, rounded
    /// up. Behind a reverse proxy every client is the proxy: set it to
    /// --max-queries there.
    #[arg(long, value_name = "N")]
    pub max_queries_per_client: Option<usize>,

    /// Refuse a request body (a POSTed query) larger than this (413).
    #[arg(long, value_name = "SIZE", default_value = "1M")]
    pub max_body: String,

    /// Refuse to send a result larger than this; add LIMIT to the query.
    #[arg(long, value_name = "SIZE", default_value = "64M")]
    pub max_result: String,

    /// Keep answers to identical requests, up to this many bytes in all
    /// (the graph is read-only, so a kept answer never goes stale); 0 keeps
    /// none.
    #[arg(long, value_name = "SIZE", default_value = "64M")]
    pub cache: String,

    /// Serve at most this many connections at once; more wait in the
    /// system's queue.
    #[arg(long, value_name = "N", default_value = "256")]
    pub max_connections: usize,

    /// Close a connection whose request headers take longer than this to
    /// arrive (a slow client cannot hold a connection).
    #[arg(long, value_name = "SECONDS", default_value = "10", hide = true)]
    pub header_timeout: f64,

    /// Drop a connection whose client reads none of its answer for this
    /// long (an unread answer holds memory and a connection until then).
    #[arg(long, value_name = "SECONDS", default_value = "30", hide = true)]
    pub send_timeout: f64,

    /// Also serve the Model Context Protocol at /mcp (its streamable HTTP
    /// transport), for AI assistants: the tools and resources of
    /// `missions-kg mcp`, within this server's limits.
    #[arg(long)]
    pub mcp: bool,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Stop a tool's query after this many seconds (the tool answers with
    /// an error saying so; the server keeps serving).
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: f64,

    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Stored query name, path to a .rq file, `-` for stdin, or SPARQL text.
    #[arg(
        value_name = "QUERY",
        value_parser = Suggest::stored_queries(),
        hide_possible_values = true,
        value_hint = ValueHint::FilePath
    )]
    pub query: String,

    /// Output format. SELECT/ASK: table, csv, tsv, json, xml.
    /// CONSTRUCT/DESCRIBE: turtle, trig, ntriples, nquads, jsonld, rdfxml.
    ///
    /// Default: table on a terminal, tsv otherwise; turtle for graphs. With
    /// --output, the file extension decides.
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Results, Payload::Graph]), hide_possible_values = true)]
    pub format: Option<String>,

    /// Bind a query parameter, e.g. `--param person=julien-lacombe`.
    #[arg(long = "param", short, value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// Stop after this many seconds, loading the data included.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,

    /// Add a `why` column: for each answer, the minimal sets of named graphs
    /// (articles, curation…) whose facts give it (a CONSTRUCT's or
    /// DESCRIBE's triples go in a graph per support). Local graphs only.
    #[arg(long, conflicts_with = "endpoint")]
    pub why: bool,

    /// With --why, add an `evidence` column: the facts each answer rests
    /// on, one per line, with the passages of the articles that state them
    /// (their text with --articles DIR). SELECT and ASK.
    #[arg(long, requires = "why")]
    pub evidence: bool,

    /// Answer as if only these articles' facts were known (`000,002`,
    /// `article-001`…; the other graphs, the ontology and our curation,
    /// stay). Local graphs only.
    #[arg(long, value_name = "ARTICLES", value_delimiter = ',', conflicts_with_all = ["endpoint", "without"])]
    pub sources: Vec<String>,

    /// Answer as if these articles' facts were not known.
    #[arg(
        long,
        value_name = "ARTICLES",
        value_delimiter = ',',
        conflicts_with = "endpoint"
    )]
    pub without: Vec<String>,

    /// Add two columns to a SELECT's or ASK's answers: the articles each
    /// depends on (it is lost without any one of them) and those it
    /// survives without. Local graphs only.
    #[arg(long, conflicts_with_all = ["endpoint", "why"])]
    pub sensitivity: bool,

    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The server's SPARQL query endpoint: the upload is verified there, by
    /// counting each graph's triples.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub endpoint: String,

    /// Its SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph: /store).
    /// Without it, SPARQL Update is used (see --update).
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub graph_store: Option<String>,

    /// Its SPARQL Update endpoint, for uploads without --graph-store.
    /// Default: --endpoint (Virtuoso and Fuseki take both on one URL).
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub update: Option<String>,

    /// The server's default graph is the union of its named graphs
    /// (Virtuoso; Oxigraph with the same flag): push the named graphs only,
    /// and let the server merge them.
    #[arg(long)]
    pub union_default_graph: bool,

    /// Triples per request. Default: 50,000 through the Graph Store, 500
    /// through SPARQL Update (Virtuoso compiles each INSERT DATA to SQL, and
    /// refuses large ones).
    #[arg(long, value_name = "TRIPLES")]
    pub batch: Option<usize>,

    /// Seconds each request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub timeout: f64,

    /// Once every count is verified, delete the server's named graphs
    /// under the project's namespace (https://w3id.org/missions-kg/) that
    /// the data no longer has; graphs outside it are never touched. Names
    /// the deleted graphs on stderr.
    #[arg(long)]
    pub prune: bool,
}

/// Where the graph lives when it is not loaded here.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Run against this SPARQL 1.1 endpoint instead of the local graph
    /// (its default graph the merged view, each article a named graph: what
    /// `push` uploads). Same stored queries, same output.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub endpoint: Option<String>,
}

#[derive(Debug, Args)]
pub struct QueriesArgs {
    /// Show this stored query: description, parameters and SPARQL text.
    #[arg(value_name = "NAME", value_parser = Suggest::stored_queries(), hide_possible_values = true)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: turtle, trig, ntriples, nquads, jsonld, rdfxml,
    /// schemaorg (the schema.org view, as JSON-LD), or annotations (the
    /// evidence as W3C Web Annotation JSON-LD, with the passages' text
    /// under --articles).
    ///
    /// Default: from the --output extension (`.annotations.jsonld` for
    /// annotations), else turtle (trig for --graph all).
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Export]), hide_possible_values = true)]
    pub format: Option<String>,

    /// What to export: `default` (the merged view), `all` (every graph), or one
    /// graph: an IRI, a prefixed name or a slug like `article-000`.
    ///
    /// Default: `all` for the dataset formats (trig, nquads, jsonld), so
    /// each article keeps its graph; `default` for the others.
    #[arg(long, short, value_name = "GRAPH")]
    pub graph: Option<String>,

    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// A label (accents and case ignored), a slug, a prefixed name or an IRI.
    #[arg(value_name = "ENTITY")]
    pub entity: String,

    /// Under each fact, the passages of the articles that state it: the
    /// text with --articles DIR, else the character offsets.
    #[arg(long)]
    pub evidence: bool,

    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Output format: table, tsv or json. Default: table on a terminal, else tsv.
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Report]), hide_possible_values = true)]
    pub format: Option<String>,

    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LinksArgs {
    #[command(subcommand)]
    pub action: Option<LinksAction>,

    /// Show this entity's links: a label, a slug, a prefixed name or an IRI.
    /// Default: every entity that has one.
    #[arg(value_name = "ENTITY")]
    pub entity: Option<String>,

    /// List the entities with no verified link, by class.
    #[arg(long, conflicts_with = "entity")]
    pub missing: bool,

    /// Output format: table, csv, tsv, json (or xml). Default: table on a
    /// terminal, else tsv.
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Results]), hide_possible_values = true)]
    pub format: Option<String>,

    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Subcommand)]
pub enum LinksAction {
    /// Propose Wikidata items for entities without one, for review.
    ///
    /// Asks the endpoint for items whose French or English label is one of
    /// the entity's names (also without accents), keeps those whose type
    /// fits the entity's class, scores them and writes them as Turtle. Nothing
    /// is accepted: a curator moves the lines they trust into data/links.trig.
    Reconcile(ReconcileArgs),
    /// Check every recorded Wikidata link against the endpoint.
    ///
    /// Reports items that do not exist, whose type does not fit the entity's
    /// class, or whose French and English labels do not match ours (spelling
    /// differences are listed too). Exits 1 when a link looks wrong.
    Check(CheckArgs),
}

/// Where and how to ask.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// The SPARQL endpoint, in Wikidata's data model (wd:, wdt:P31,
    /// rdfs:label, schema:description).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://query.wikidata.org/sparql"
    )]
    pub endpoint: String,

    /// Give up on an answer after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,

    /// Write the proposals to this file instead of stdout.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// Also find labels that differ from ours in accents or case (ours
    /// "Vivies", theirs "Viviès") by scanning the endpoint's labels: fine on
    /// a small endpoint, too slow for the public Wikidata service.
    #[arg(long)]
    pub scan: bool,

    /// Only this entity (label, slug, prefixed name or IRI).
    #[arg(long, value_name = "ENTITY")]
    pub entity: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,

    /// Output format: table, csv, tsv, json (or xml). Default: table on a
    /// terminal, else tsv.
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Results]), hide_possible_values = true)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page into this folder (created if needed) instead:
    /// missions-kg.1, and missions-kg-query.1 … for each subcommand the
    /// pages name; each file is replaced whole.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Report format: text (one finding a line, then a summary), json, or
    /// turtle (a SHACL validation report; also ntriples or rdfxml).
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Validation]), hide_possible_values = true)]
    pub format: Option<String>,

    /// Validate against these SHACL shapes instead of the built-in
    /// ontology/shapes.ttl.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub shapes: Option<PathBuf>,

    /// Write the report to FILE (the summary still goes to stderr).
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// Stop after this many seconds, loading included.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// RDF files or folders to add: ttl, trig, nt, nq, rdf/owl/xml, jsonld,
    /// n3, each also gzipped (.gz). N-Triples and N-Quads are streamed;
    /// the others are read whole, within --max-input. Without any, the
    /// built-in graph is loaded.
    #[arg(value_name = "FILE", value_hint = ValueHint::AnyPath)]
    pub files: Vec<PathBuf>,

    /// Load the built-in graph (ontology and articles) as well as FILEs.
    #[arg(long)]
    pub embedded: bool,
}

#[derive(Debug, Args)]
pub struct SourcesArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// Show this article's facts, grouped by entity: article-002, 002, 2,
    /// mks:article-002 or its IRI.
    #[arg(value_name = "ARTICLE", conflicts_with = "agreement")]
    pub article: Option<String>,

    /// How many articles state each fact, the facts only one article
    /// states, and every difference between articles, side by side.
    #[arg(long)]
    pub agreement: bool,

    /// Output format: table (default on a terminal), tsv or json.
    #[arg(long, short, value_name = "FORMAT", value_parser = Suggest::formats(&[Payload::Report]), hide_possible_values = true)]
    pub format: Option<String>,
}

/// Accepts any text, as a plain `String` argument does, and names the
/// usual values for completion scripts and man pages: a stored query name
/// (QUERY may also be a file or SPARQL text) or a format (checked later
/// against what the query returns, in the command's own words).
#[derive(Debug, Clone)]
pub struct Suggest(Vec<&'static str>);

impl Suggest {
    /// The names of the stored queries compiled into the binary.
    pub fn stored_queries() -> Self {
        let names = crate::graph::embedded::QUERIES
            .iter()
            .filter_map(|(path, _)| path.strip_prefix("queries/")?.strip_suffix(".rq"));
        Self(names.collect())
    }

    /// The format names that fit any of `payloads`.
    pub fn formats(payloads: &[Payload]) -> Self {
        Self(crate::format::names_for(payloads))
    }
}

impl TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().copied().map(PossibleValue::new)))
    }
}
