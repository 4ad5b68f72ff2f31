//! Loads the knowledge graph into the in-memory [`Dataset`].
//!
//! Built-in `ontology/*` files go to the named graph `mkg:ontology`; `data/`
//! TriG files keep the graphs they declare (one per article, plus
//! `mkg:sources`); Turtle and N-Triples go to the default graph. Files given
//! with `--data` follow the same rules (a `.ttl` in a folder named `ontology`
//! counts as ontology). Then every named-graph quad is copied into the
//! default graph, so a plain query sees each fact once while
//! `GRAPH ?g` still tells its sources.

use crate::config::Config;
use crate::graph::dataset::{Dataset, DatasetBuilder};
use crate::graph::embedded;
use crate::graph::iri;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::guard::input;
use crate::guard::limits::{self, Syntax};
use crate::vocab;
use anyhow::{bail, Result};
use oxigraph::io::{RdfFormat, RdfParseError, RdfParser, RdfSyntaxError};
use oxigraph::model::{BlankNode, GraphName, NamedOrBlankNode, Quad, Term, Triple};
use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Builds the dataset described by `config`: parse everything, add the
/// merged view, then index it all at once. The first syntax error stops
/// it, and so does `budget` running out of time or memory.
pub fn load(config: &Config, budget: &Budget) -> Result<Dataset> {
    if config.embedded && config.data.is_empty() {
        // Indexed at compile time: nothing to parse.
        if let Some(dataset) = Dataset::embedded() {
            budget.check("loading")?;
            return Ok(dataset);
        }
    }
    parse(config, budget)
}

/// Loads as [`load`], parsing every file, the built-in ones too.
fn parse(config: &Config, budget: &Budget) -> Result<Dataset> {
    let mut loader = Loader::new(false, config, budget);
    loader.load(config.embedded, config.embedded, &config.data)?;
    Ok(loader.finish().dataset)
}

/// Reads files for `load --store`: on top of `builder` (the store's
/// quads so far), the built-in graph when `embedded`, then `paths`.
/// N-Triples and N-Quads (gzipped or not) are streamed, so only
/// `--memory` bounds them; other syntaxes are read whole, within
/// `--max-input`. No merged view: the store computes its own. `progress`
/// counts bytes read; its message counts quads.
pub fn load_into(
    builder: DatasetBuilder,
    config: &Config,
    budget: &Budget,
    embedded: bool,
    paths: &[PathBuf],
    progress: &indicatif::ProgressBar,
) -> Result<(DatasetBuilder, usize)> {
    let mut loader = Loader::new(false, config, budget);
    loader.blank_labels.extend(builder.blank_labels());
    loader.quads = builder;
    loader.progress = Some(progress.clone());
    loader.load(embedded, embedded, paths)?;
    Ok((loader.quads, loader.files))
}

/// What [`load_checked`] read: the dataset built from every statement that
/// parsed, the number of files, and every syntax error, in file order.
#[derive(Default)]
pub struct Loaded {
    pub dataset: Dataset,
    pub files: usize,
    pub errors: Vec<SyntaxError>,
}

/// Loads like [`load`], but goes on after syntax errors (the parsers
/// skip to the next statement) and collects them all, for `validate`. The
/// built-in ontology is always loaded: the shapes and checks are written
/// against its classes and their subclasses.
pub fn load_checked(config: &Config, budget: &Budget) -> Result<Loaded> {
    let mut loader = Loader::new(true, config, budget);
    loader.load(true, config.embedded, &config.data)?;
    Ok(loader.finish())
}

/// A syntax error in an RDF file: where (1-based line and column, when the
/// parser knows them; RDF/XML parse errors carry none) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: {}", self.file, self.message)
            }
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl SyntaxError {
    fn new(file: &Path, error: &RdfSyntaxError) -> Self {
        let start = error.location().map(|range| range.start);
        let text = error.to_string();
        // oxttl puts the position in front of the message; it has its own fields here.
        let message = match text.split_once(": ") {
            Some((prefix, rest)) if prefix.starts_with("Parser error ") => rest,
            _ => &text,
        };
        Self {
            file: file.display().to_string(),
            line: start.map(|p| p.line + 1),
            column: start.map(|p| p.column + 1),
            message: crate::guard::error::one_line(message, 200),
        }
    }
}

/// Reads files into one dataset; strict (the first syntax error is the
/// error) or lenient (errors are collected and parsing goes on).
struct Loader {
    quads: DatasetBuilder,
    lenient: bool,
    /// `--base`; when `None`, each file's own `file://` URL.
    base: Option<String>,
    files: usize,
    errors: Vec<SyntaxError>,
    /// The cap on one file (`--max-input`).
    max_input: u64,
    budget: Budget,
    /// Folders already walked, by real path: symbolic links may loop.
    walked: FxHashSet<PathBuf>,
    /// Blank node labels used by the files loaded so far, and what each
    /// label of the current file became: a label names one node within its
    /// file only, as in any RDF store.
    blank_labels: FxHashSet<String>,
    renamed: FxHashMap<String, BlankNode>,
    /// The labels the current file's nodes were given (the values of
    /// `renamed`), so two of its nodes never get the same one.
    given: FxHashSet<String>,
    /// `load --store`: N-Triples and N-Quads are streamed, and read bytes
    /// and quads are shown here.
    progress: Option<indicatif::ProgressBar>,
    /// Quads read so far (for the progress message).
    read: u64,
    /// From what size N-Triples and N-Quads files are parsed on two
    /// threads ([`Loader::parse_halves`]).
    parallel_from: usize,
}

/// [`Loader::parallel_from`]: below a megabyte a second thread gains less
/// than it costs to start.
const PARALLEL_FROM: usize = 1 << 20;

/// How many statements the loader reads between two looks at the clock
/// and the memory ceiling.
const CHECK_EVERY: usize = 4096;

impl Loader {
    fn new(lenient: bool, config: &Config, budget: &Budget) -> Self {
        Self {
            quads: DatasetBuilder::default(),
            lenient,
            base: config.base.clone(),
            files: 0,
            errors: Vec::new(),
            max_input: config.max_input,
            budget: budget.clone(),
            walked: FxHashSet::default(),
            blank_labels: FxHashSet::default(),
            renamed: FxHashMap::default(),
            given: FxHashSet::default(),
            progress: None,
            read: 0,
            parallel_from: PARALLEL_FROM,
        }
    }

    fn load(&mut self, ontology: bool, data: bool, paths: &[PathBuf]) -> Result<()> {
        self.budget.check("loading")?;
        let ontology = embedded::ONTOLOGY.iter().filter(|_| ontology);
        for (path, text) in ontology.chain(embedded::DATA.iter().filter(|_| data)) {
            // Built-in files write no relative IRIs, and have no URL.
            let path = Path::new(path);
            let Some(format) = rdf_format(path) else {
                return Err(unknown_extension(path));
            };
            self.parse_file(path, format, text.as_bytes(), None)?;
        }
        for path in paths {
            self.load_path(path)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Loaded {
        // What runs next is no longer loading, whatever the watchdog may say.
        self.budget.set_phase("the command");
        self.quads.merge_named_graphs_into_default();
        Loaded {
            dataset: self.quads.build(),
            files: self.files,
            errors: self.errors,
        }
    }

    /// Loads a file, or every RDF file below a folder (sorted, for stable
    /// blank node labels and error order; each folder once by its real
    /// path, so links back up the tree end the walk).
    fn load_path(&mut self, path: &Path) -> Result<()> {
        let metadata = fs::metadata(path).map_err(|e| input::cannot_read(path, &e))?;
        if metadata.is_dir() {
            let mut files = Vec::new();
            self.collect_rdf_files(path, &mut files)?;
            if files.is_empty() {
                bail!(
                    "no RDF file in {} (looked for .ttl, .trig, .nt, .nq, .rdf, .owl, .xml, .jsonld, .n3, each also .gz)",
                    path.display()
                );
            }
            // Sorted by path; one file reached through two links is loaded
            // once, under the first name (whose extension gave its syntax).
            files.sort();
            let mut seen = FxHashSet::default();
            files.retain(|file| {
                seen.insert(fs::canonicalize(file).unwrap_or_else(|_| file.clone()))
            });
            for file in files {
                self.load_path(&file)?;
            }
            return Ok(());
        }
        // The syntax first: a file that cannot be RDF is not read at all.
        let Some(format) = rdf_format(path) else {
            return Err(unknown_extension(path));
        };
        let base = match &self.base {
            Some(base) => base.clone(),
            None => iri::file_url(path)?,
        };
        let gzipped = is_gzipped(path);
        if let Some(progress) = self.progress.clone() {
            if matches!(format, RdfFormat::NTriples | RdfFormat::NQuads) {
                // One statement per line: nothing to nest, nothing to hold.
                let file = input::open_file(path)?;
                let file = progress.wrap_read(file);
                let reader: Box<dyn Read> = if gzipped {
                    Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
                } else {
                    Box::new(file)
                };
                return self.parse_reader(path, format, reader, &base);
            }
        }
        let bytes = if gzipped {
            input::read_gzip(path, self.max_input)?
        } else {
            input::read_file(path, self.max_input)?
        };
        if let Some(progress) = &self.progress {
            progress.inc(fs::metadata(path).map_or(0, |m| m.len()));
        }
        check_depth(format, path, &bytes)?;
        self.parse_file(path, format, &bytes, Some(&base))
    }

    /// Parses a stream of N-Triples or N-Quads (`load --store`).
    fn parse_reader(
        &mut self,
        path: &Path,
        format: RdfFormat,
        reader: Box<dyn Read>,
        base: &str,
    ) -> Result<()> {
        self.budget.check("loading")?;
        self.files += 1;
        self.renamed.clear();
        self.given.clear();
        let parser = RdfParser::from_format(format)
            .with_base_iri(base)
            .map_err(|e| {
                Failure::new(
                    Kind::Input,
                    format!("cannot load {}: bad base IRI {base}: {e}", path.display()),
                )
            })?;
        self.parse_quads(path, parser.for_reader(reader))
    }

    /// Parses one file, choosing its graph as the module doc says, with
    /// relative IRIs resolved against `base`.
    fn parse_file(
        &mut self,
        path: &Path,
        format: RdfFormat,
        bytes: &[u8],
        base: Option<&str>,
    ) -> Result<()> {
        self.budget.check("loading")?;
        self.files += 1;
        self.renamed.clear();
        self.given.clear();
        let mut parser = RdfParser::from_format(format);
        if is_ontology(path) && !format.supports_datasets() {
            parser = parser.with_default_graph(vocab::graph("ontology"));
        }
        if let Some(base) = base {
            parser = parser.with_base_iri(base).map_err(|e| {
                Failure::new(
                    Kind::Input,
                    format!("cannot load {}: bad base IRI {base}: {e}", path.display()),
                )
            })?;
        }
        if bytes.len() >= self.parallel_from
            && matches!(format, RdfFormat::NTriples | RdfFormat::NQuads)
            && self.parse_halves(&parser, bytes)?
        {
            return Ok(());
        }
        self.parse_quads(
            path,
            parser
                .for_slice(bytes)
                .map(|q| q.map_err(RdfParseError::from)),
        )
    }

    /// Parses a large N-Triples or N-Quads file as two halves, split at a
    /// line, each on its own thread into its own [`DatasetBuilder`]; the
    /// second is then merged into the first in order, so terms and rows
    /// come out as one pass would give them (blank nodes are renamed in
    /// the order their terms were first met, not quad by quad: two labels
    /// that clash could swap suffixes, still each node its own label).
    /// Parsing (mostly validating IRIs) and interning were nine tenths of
    /// such a load, on one core. `false` when a half has a syntax error:
    /// the caller parses again in one pass, which reports it with the line
    /// number counted from the file's start.
    fn parse_halves(&mut self, parser: &RdfParser, bytes: &[u8]) -> Result<bool> {
        let Some(middle) = line_start_near_middle(bytes) else {
            return Ok(false);
        };
        let (first, second) = bytes.split_at(middle);
        let budget = &self.budget;
        let half = |slice: &[u8]| -> Result<Option<DatasetBuilder>, Failure> {
            let mut quads = DatasetBuilder::default();
            for (count, quad) in parser.clone().for_slice(slice).enumerate() {
                if count % CHECK_EVERY == CHECK_EVERY - 1 {
                    budget.check("loading")?;
                }
                match quad {
                    Ok(quad) => quads.insert(quad),
                    Err(_) => return Ok(None),
                }
            }
            Ok(Some(quads))
        };
        let (first, second) = std::thread::scope(|scope| {
            // The same stack as the thread that runs every command.
            let second = std::thread::Builder::new()
                .stack_size(limits::stack_bytes())
                .spawn_scoped(scope, || half(second));
            let first = half(first);
            let second = match second {
                Ok(thread) => thread.join().unwrap_or(Ok(None)),
                Err(_) => Ok(None), // no thread: one pass, on this one
            };
            (first, second)
        });
        let (Some(first), Some(second)) = (first?, second?) else {
            return Ok(false);
        };
        self.files += 1;
        self.renamed.clear();
        self.given.clear();
        let mut quads = std::mem::take(&mut self.quads);
        for half in [first, second] {
            quads.absorb(half, |term| self.scoped_term_if_blank(term));
        }
        self.quads = quads;
        self.blank_labels
            .extend(self.renamed.values().map(|node| node.as_str().to_owned()));
        Ok(true)
    }

    /// Adds parsed quads, strictly or collecting syntax errors.
    fn parse_quads(
        &mut self,
        path: &Path,
        quads: impl Iterator<Item = Result<Quad, RdfParseError>>,
    ) -> Result<()> {
        let mut last_error = None;
        for (count, quad) in quads.enumerate() {
            if count % CHECK_EVERY == CHECK_EVERY - 1 {
                self.budget.check("loading")?;
                self.read += CHECK_EVERY as u64;
                if let Some(progress) = &self.progress {
                    progress.set_message(format!("{} quads", indicatif::HumanCount(self.read)));
                }
            }
            let quad = match quad {
                Ok(quad) => Ok(quad),
                Err(RdfParseError::Syntax(error)) => Err(error),
                Err(RdfParseError::Io(error)) => bail!(
                    "cannot load {}: {}",
                    path.display(),
                    crate::guard::error::one_line(&crate::guard::error::io_reason(&error), 200)
                ),
            };
            let error = match quad {
                Ok(quad) if !has_blank_node(&quad) => {
                    self.quads.insert(quad);
                    continue;
                }
                Ok(quad) => {
                    let quad = self.scope_blank_nodes(quad);
                    self.quads.insert(quad);
                    continue;
                }
                Err(error) if self.lenient => SyntaxError::new(path, &error),
                Err(error) => bail!(
                    "cannot load {}: {}",
                    path.display(),
                    crate::guard::error::one_line(&error.to_string(), 200)
                ),
            };
            // A parser that cannot recover (RDF/XML, JSON-LD) may report the
            // same error again: one report is enough, and the file ends there.
            if last_error.as_ref() == Some(&error) {
                break;
            }
            self.errors.push(error.clone());
            last_error = Some(error);
        }
        self.blank_labels
            .extend(self.renamed.values().map(|node| node.as_str().to_owned()));
        Ok(())
    }

    /// Gives the blank nodes of the current file labels no earlier file
    /// used: a label that is new keeps its name (so output stays stable),
    /// one already taken becomes `label_2`, `label_3`…
    fn scope_blank_nodes(&mut self, quad: Quad) -> Quad {
        let Quad {
            subject,
            predicate,
            object,
            graph_name,
        } = quad;
        Quad {
            subject: match subject {
                NamedOrBlankNode::BlankNode(node) => self.scoped(node).into(),
                subject => subject,
            },
            predicate,
            object: self.scoped_term(object),
            graph_name: match graph_name {
                GraphName::BlankNode(node) => self.scoped(node).into(),
                graph => graph,
            },
        }
    }

    /// A term as [`Self::scope_blank_nodes`] would leave it.
    fn scoped_term_if_blank(&mut self, term: Term) -> Term {
        if term_has_blank_node(&term) {
            self.scoped_term(term)
        } else {
            term
        }
    }

    fn scoped_term(&mut self, term: Term) -> Term {
        match term {
            Term::BlankNode(node) => self.scoped(node).into(),
            Term::Triple(triple) => {
                let Triple {
                    subject,
                    predicate,
                    object,
                } = *triple;
                let subject = match subject {
                    NamedOrBlankNode::BlankNode(node) => self.scoped(node).into(),
                    subject => subject,
                };
                let object = self.scoped_term(object);
                Triple::new(subject, predicate, object).into()
            }
            term => term,
        }
    }

    fn scoped(&mut self, node: BlankNode) -> BlankNode {
        if let Some(renamed) = self.renamed.get(node.as_str()) {
            return renamed.clone();
        }
        let label = node.as_str();
        let mut renamed = node.clone();
        let mut n = 2;
        // Neither a label of an earlier file nor one this file already gave
        // to another of its nodes (`_:b1` renamed `b1_2` must not meet the
        // file's own `_:b1_2`).
        while self.blank_labels.contains(renamed.as_str()) || self.given.contains(renamed.as_str())
        {
            renamed = BlankNode::new_unchecked(format!("{label}_{n}"));
            n += 1;
        }
        self.renamed.insert(label.to_owned(), renamed.clone());
        self.given.insert(renamed.as_str().to_owned());
        renamed
    }

    fn collect_rdf_files(&mut self, dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        let real = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        if !self.walked.insert(real) {
            return Ok(());
        }
        let entries = fs::read_dir(dir).map_err(|e| input::cannot_read(dir, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| input::cannot_read(dir, &e))?;
            let path = entry.path();
            // Links to folders are not followed (as fd and ripgrep do): a
            // folder of data must not lead out of itself, into /proc or /.
            let linked = entry.file_type().is_ok_and(|kind| kind.is_symlink());
            if path.is_dir() {
                if !linked {
                    self.collect_rdf_files(&path, files)?;
                }
            } else if rdf_format(&path).is_some() {
                // Kept under the name found, so its extension (not a link
                // target's) gives its syntax and errors name it.
                files.push(path);
            }
        }
        Ok(())
    }
}

/// Whether a quad holds a blank node anywhere (most quads do not: they
/// skip the relabelling).
/// Where the line holding the middle byte of `bytes` ends: the start of
/// the second half. `None` if no line ends after the middle.
fn line_start_near_middle(bytes: &[u8]) -> Option<usize> {
    let middle = bytes.len() / 2;
    let end = bytes[middle..].iter().position(|&b| b == b'\n')?;
    Some(middle + end + 1)
}

fn has_blank_node(quad: &Quad) -> bool {
    quad.subject.is_blank_node()
        || quad.graph_name.is_blank_node()
        || term_has_blank_node(&quad.object)
}

fn term_has_blank_node(term: &Term) -> bool {
    match term {
        Term::BlankNode(_) => true,
        Term::Triple(triple) => {
            triple.subject.is_blank_node() || term_has_blank_node(&triple.object)
        }
        _ => false,
    }
}

/// Refuses a file nested deeper than the parsers can take (`limits.rs`);
/// the built-in files are not checked.
fn check_depth(format: RdfFormat, path: &Path, bytes: &[u8]) -> Result<()> {
    let checked = match format {
        RdfFormat::RdfXml => limits::check_xml(bytes),
        RdfFormat::JsonLd { .. } => limits::check_nesting(bytes, Syntax::Json),
        _ => limits::check_nesting(bytes, Syntax::Sparql),
    };
    checked.map_err(|e| {
        Failure::new(Kind::Syntax, format!("cannot load {}: {e}", path.display())).into()
    })
}

fn unknown_extension(path: &Path) -> anyhow::Error {
    Failure::new(
        Kind::Input,
        format!(
            "cannot load {}: unknown RDF file extension (expected one of: ttl, trig, nt, nq, \
         rdf, owl, xml, jsonld, n3, each also gzipped as .gz)",
            path.display()
        ),
    )
    .into()
}

/// The RDF syntax of a file, from its extension (`x.owl` is RDF/XML).
/// Only the extensions the help lists: Oxigraph also reads `.txt` as
/// N-Triples and `.json` as JSON-LD, which would pick up a folder's
/// README.txt or package.json.
pub fn rdf_format(path: &Path) -> Option<RdfFormat> {
    // `x.nt.gz` is N-Triples, gzipped.
    let path = if is_gzipped(path) {
        Path::new(path.file_stem()?)
    } else {
        path
    };
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "owl" | "rdf" | "xml" => Some(RdfFormat::RdfXml),
        "ttl" | "trig" | "nt" | "nq" | "jsonld" | "n3" => RdfFormat::from_extension(&extension),
        _ => None,
    }
}

/// A name ending in `.gz` (any case).
fn is_gzipped(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// A file whose parent folder is named `ontology`.
fn is_ontology(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|name| name == "ontology")
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::NamedNode;

    #[test]
    fn the_compile_time_index_is_what_the_loader_builds() {
        let config = Config {
            embedded: true,
            ..test_config()
        };
        let parsed = parse(&config, &Budget::default()).unwrap();
        let embedded = Dataset::embedded().expect("build.rs indexed the built-in graph");
        let (parsed_terms, parsed_rows) = parsed.parts();
        let (embedded_terms, embedded_rows) = embedded.parts();
        assert_eq!(parsed_terms.len(), embedded_terms.len());
        for (id, (a, b)) in parsed_terms.iter().zip(&embedded_terms).enumerate() {
            assert_eq!(a, b, "term {id}");
        }
        assert!(parsed_rows == embedded_rows, "the indexes differ");
        // Every term is found back by its own text.
        for (id, term) in embedded_terms.iter().enumerate() {
            assert_eq!(embedded.id(*term), Some(id as u32), "{term}");
        }
    }

    fn test_config() -> Config {
        Config {
            embedded: false,
            data: Vec::new(),
            is_terminal: false,
            width: None,
            lang: None,
            max_input: u64::MAX,
            memory: u64::MAX,
            allow_service: false,
            base: None,
            endpoint: None,
            store: None,
            articles: None,
            endpoint_timeout: 60.0,
        }
    }

    /// Loads `files` (N-Quads texts) in order, on two threads from
    /// `parallel_from` bytes on.
    fn load_nquads(files: &[&str], parallel_from: usize) -> Result<Dataset> {
        let config = test_config();
        let mut loader = Loader::new(false, &config, &Budget::default());
        loader.parallel_from = parallel_from;
        for (n, text) in files.iter().enumerate() {
            let path = PathBuf::from(format!("f{n}.nq"));
            loader.parse_file(&path, RdfFormat::NQuads, text.as_bytes(), None)?;
        }
        Ok(loader.finish().dataset)
    }

    #[test]
    fn two_threads_load_what_one_pass_loads() {
        let mut big = String::new();
        for i in 0..3000 {
            let g = ["", " <http://e.org/g1>", " <http://e.org/g2>", " _:g"][i % 4];
            big += &format!(
                "<http://e.org/s{}> <http://e.org/p{}> \"v{i}\"@fr{g} .\n\
                 _:b{} <http://e.org/p> <http://e.org/s{}>{g} .\n\
                 <http://e.org/s{i}> <http://e.org/q> <<( _:b{} <http://e.org/r> \"x\" )>> .\n",
                i % 97,
                i % 5,
                i % 13,
                i % 31,
                i % 7
            );
        }
        // The first file's labels must not be reused by the second's nodes.
        let files = ["_:b1 <http://e.org/p> _:b2 .\n", &big];
        let one_pass = load_nquads(&files, usize::MAX).unwrap();
        let two_threads = load_nquads(&files, 0).unwrap();
        assert_eq!(one_pass.parts(), two_threads.parts());
        assert!(one_pass.len() > 9000);
    }

    #[test]
    fn a_syntax_error_in_the_second_half_keeps_its_line_number() {
        let mut big = "<http://e.org/s> <http://e.org/p> <http://e.org/o> .\n".repeat(1000);
        big += "<http://e.org/s> <http://e.org/p> oops .\n";
        let error = load_nquads(&[&big], 0).unwrap_err().to_string();
        assert!(error.contains("1001"), "{error}");
    }

    #[test]
    fn materialize_copies_named_graph_quads_once() {
        let n = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let mut quads = DatasetBuilder::default();
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g1")));
        quads.insert(Quad::new(n("a"), n("p"), n("b"), n("g2")));
        quads.insert(Quad::new(n("c"), n("p"), n("d"), GraphName::DefaultGraph));
        quads.merge_named_graphs_into_default();
        let dataset = quads.build();
        let default = dataset
            .quads_for_pattern(None, None, None, Some(GraphName::DefaultGraph.as_ref()))
            .count();
        assert_eq!(default, 2);
        assert_eq!(dataset.len(), 4);
    }

    #[test]
    fn ontology_files_are_recognised_by_folder() {
        assert!(is_ontology(Path::new("ontology/core.ttl")));
        assert!(is_ontology(Path::new("/x/ontology/core.ttl")));
        assert!(!is_ontology(Path::new("data/core.ttl")));
    }
}
