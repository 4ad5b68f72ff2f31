//! Output formats: which one to use, and writing results and graphs in it.
//!
//! Formats are chosen here and nowhere else: [`resolve`] from a name
//! (`--format`, a `format=` parameter), else a file extension (`--output`,
//! `/entity/x.ttl`), else a default for what is being written;
//! [`negotiate`] from an HTTP `Accept` header with q-values. Each name has
//! one meaning: `jsonld` is JSON-LD for every command, the schema.org view
//! is `schemaorg`; `json` and `xml` name the JSON or XML syntax of what is
//! written (SPARQL results for a SELECT, JSON-LD or RDF/XML for a graph).
//! Writers take an `impl Write`; the caller decides whether that is
//! stdout, a file or an HTTP body. Graph output is always sorted, so it is
//! deterministic.

mod schema;
pub mod table;
pub mod turtle;

pub use table::TableWriter;

use crate::graph::labels::LabelCache;
use crate::guard::error::{Failure, Kind};
use crate::vocab;
use anyhow::{Context, Result};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, Quad, TermRef};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, QuerySolutionIter};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// A resolved output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A human-readable table (comfy-table), with compact IRIs and labels.
    Table,
    /// A W3C SPARQL results format (also used for `stats` as tsv or json).
    Results(QueryResultsFormat),
    /// An RDF syntax.
    Rdf(RdfFormat),
    /// The schema.org view of a graph as JSON-LD (`export --format schemaorg`).
    SchemaOrg,
    /// The evidence as W3C Web Annotation JSON-LD (`export --format
    /// annotations`; `provenance/annotations.rs`).
    Annotations,
    /// Plain lines for people (`validate`'s default).
    Text,
    /// A web page for people (the server's; never a command's output).
    Html,
}

/// What is being written; decides the valid formats and the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// SELECT or ASK results.
    Results,
    /// Triples from CONSTRUCT or DESCRIBE.
    Graph,
    /// The export of one graph: an RDF syntax or the schema.org view.
    Export,
    /// Quads in several graphs (`export --graph all`).
    Dataset,
    /// A report such as `stats`: table, tsv or json.
    Report,
    /// `validate`'s report: text, json, or a SHACL report in an RDF syntax.
    Validation,
    /// A page of the server about one thing: HTML, or its triples.
    Page,
}

const JSON_LD: RdfFormat = RdfFormat::JsonLd {
    profile: JsonLdProfileSet::empty(),
};

/// Every format name, in the order they are listed in errors. A name may map
/// to one format per payload (`json`, `xml`).
const NAMES: &[(&str, OutputFormat)] = &[
    ("table", OutputFormat::Table),
    ("text", OutputFormat::Text),
    ("csv", OutputFormat::Results(QueryResultsFormat::Csv)),
    ("tsv", OutputFormat::Results(QueryResultsFormat::Tsv)),
    ("json", OutputFormat::Results(QueryResultsFormat::Json)),
    ("xml", OutputFormat::Results(QueryResultsFormat::Xml)),
    ("turtle", OutputFormat::Rdf(RdfFormat::Turtle)),
    ("trig", OutputFormat::Rdf(RdfFormat::TriG)),
    ("ntriples", OutputFormat::Rdf(RdfFormat::NTriples)),
    ("nquads", OutputFormat::Rdf(RdfFormat::NQuads)),
    ("jsonld", OutputFormat::Rdf(JSON_LD)),
    ("rdfxml", OutputFormat::Rdf(RdfFormat::RdfXml)),
    ("schemaorg", OutputFormat::SchemaOrg),
    ("annotations", OutputFormat::Annotations),
];

/// The file extension of `export --format annotations`.
const ANNOTATIONS_EXTENSION: &str = "annotations.jsonld";

/// Other spellings and file extensions.
const ALIASES: &[(&str, OutputFormat)] = &[
    ("srj", OutputFormat::Results(QueryResultsFormat::Json)),
    ("srx", OutputFormat::Results(QueryResultsFormat::Xml)),
    ("ttl", OutputFormat::Rdf(RdfFormat::Turtle)),
    // Turtle is N3 without N3's extensions: an N3 reader reads it.
    ("n3", OutputFormat::Rdf(RdfFormat::Turtle)),
    ("nt", OutputFormat::Rdf(RdfFormat::NTriples)),
    ("nq", OutputFormat::Rdf(RdfFormat::NQuads)),
    ("json-ld", OutputFormat::Rdf(JSON_LD)),
    // The name issue 9's `export` used for JSON-LD, when `jsonld` still
    // meant the schema.org view there.
    ("jsonld-rdf", OutputFormat::Rdf(JSON_LD)),
    ("html", OutputFormat::Html),
    ("htm", OutputFormat::Html),
    ("json", OutputFormat::Rdf(JSON_LD)),
    ("rdf", OutputFormat::Rdf(RdfFormat::RdfXml)),
    ("owl", OutputFormat::Rdf(RdfFormat::RdfXml)),
    ("xml", OutputFormat::Rdf(RdfFormat::RdfXml)),
];

/// The format names that fit any of `payloads`, in the order of [`NAMES`]:
/// what completion scripts offer after `--format`.
pub fn names_for(payloads: &[Payload]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = NAMES
        .iter()
        .filter(|(_, format)| payloads.iter().any(|payload| payload.accepts(*format)))
        .map(|(name, _)| *name)
        .collect();
    names.dedup();
    names
}

impl Payload {
    fn accepts(self, format: OutputFormat) -> bool {
        match (self, format) {
            (Self::Results, OutputFormat::Table | OutputFormat::Results(_)) => true,
            (Self::Graph | Self::Export, OutputFormat::Rdf(_)) => true,
            (Self::Export, OutputFormat::SchemaOrg | OutputFormat::Annotations) => true,
            (Self::Page, OutputFormat::Html | OutputFormat::Rdf(_)) => true,
            (Self::Dataset, OutputFormat::Rdf(f)) => f.supports_datasets(),
            (Self::Report, OutputFormat::Table) => true,
            (Self::Validation, OutputFormat::Text) => true,
            (Self::Validation, OutputFormat::Results(f)) => f == QueryResultsFormat::Json,
            (Self::Validation, OutputFormat::Rdf(f)) => !f.supports_datasets(),
            (Self::Report, OutputFormat::Results(f)) => {
                matches!(f, QueryResultsFormat::Tsv | QueryResultsFormat::Json)
            }
            _ => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Results => "SELECT and ASK results",
            Self::Graph => "a graph (CONSTRUCT, DESCRIBE)",
            Self::Export => "the export of a graph",
            Self::Dataset => "several graphs (--graph all)",
            Self::Report => "this report",
            Self::Validation => "a validation report",
            Self::Page => "a page",
        }
    }

    /// The valid names, comma-separated, for error messages.
    fn valid_names(self) -> String {
        let mut names: Vec<&str> = NAMES
            .iter()
            .filter(|(_, format)| self.accepts(*format))
            .map(|(name, _)| *name)
            .collect();
        // A name may be listed once per format it stands for.
        names.dedup();
        names.join(", ")
    }

    fn default_format(self, to_terminal: bool) -> OutputFormat {
        match self {
            Self::Results | Self::Report if to_terminal => OutputFormat::Table,
            Self::Results | Self::Report => OutputFormat::Results(QueryResultsFormat::Tsv),
            Self::Graph | Self::Export => OutputFormat::Rdf(RdfFormat::Turtle),
            Self::Dataset => OutputFormat::Rdf(RdfFormat::TriG),
            Self::Validation => OutputFormat::Text,
            Self::Page => OutputFormat::Html,
        }
    }

    /// The formats an HTTP client may ask for, in the order preferred
    /// when it accepts several equally.
    pub fn offers(self) -> Vec<OutputFormat> {
        let mut offers: Vec<OutputFormat> = NAMES
            .iter()
            .chain(ALIASES)
            .map(|(_, format)| *format)
            .filter(|format| self.accepts(*format) && !media_types(*format).is_empty())
            .collect();
        // JSON first for results (what notebooks and SPARQLWrapper ask for),
        // Turtle first for graphs, HTML first for pages.
        offers.sort_by_key(|format| match format {
            OutputFormat::Html => 0,
            OutputFormat::Results(QueryResultsFormat::Json) => 1,
            OutputFormat::Rdf(RdfFormat::Turtle) => 1,
            OutputFormat::Rdf(RdfFormat::TriG) if self == Self::Dataset => 0,
            _ => 2,
        });
        // One entry per format, in that order (aliases name formats again).
        let mut seen = Vec::new();
        offers.retain(|format| {
            let new = !seen.contains(format);
            seen.push(*format);
            new
        });
        offers
    }
}

/// The media types a format answers to in `Accept`; the first is the one
/// it is sent as. Empty for formats only a terminal shows.
pub fn media_types(format: OutputFormat) -> &'static [&'static str] {
    match format {
        OutputFormat::Results(QueryResultsFormat::Json) => {
            &["application/sparql-results+json", "application/json"]
        }
        OutputFormat::Results(QueryResultsFormat::Xml) => &[
            "application/sparql-results+xml",
            "application/xml",
            "text/xml",
        ],
        OutputFormat::Results(QueryResultsFormat::Csv) => &["text/csv"],
        OutputFormat::Results(QueryResultsFormat::Tsv) => &["text/tab-separated-values"],
        OutputFormat::Rdf(RdfFormat::Turtle) => &["text/turtle", "application/x-turtle", "text/n3"],
        OutputFormat::Rdf(RdfFormat::TriG) => &["application/trig"],
        OutputFormat::Rdf(RdfFormat::NTriples) => &["application/n-triples", "text/plain"],
        OutputFormat::Rdf(RdfFormat::NQuads) => &["application/n-quads"],
        OutputFormat::Rdf(RdfFormat::JsonLd { .. }) => &["application/ld+json", "application/json"],
        OutputFormat::Rdf(RdfFormat::RdfXml) => {
            &["application/rdf+xml", "application/xml", "text/xml"]
        }
        OutputFormat::Html => &["text/html", "application/xhtml+xml"],
        _ => &[],
    }
}

/// The `Content-Type` a format is sent with.
pub fn content_type(format: OutputFormat) -> String {
    let media_type = media_types(format).first().copied().unwrap_or("text/plain");
    // Every text format here is UTF-8; JSON types are UTF-8 by definition.
    if media_type.starts_with("text/") {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_owned()
    }
}

/// The file extension of a format, for downloads.
pub fn extension(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Results(format) => format.file_extension(),
        OutputFormat::Rdf(format) => format.file_extension(),
        OutputFormat::Html => "html",
        OutputFormat::SchemaOrg => "jsonld",
        // Not `.jsonld` alone, which names JSON-LD of the graph.
        OutputFormat::Annotations => ANNOTATIONS_EXTENSION,
        OutputFormat::Table | OutputFormat::Text => "txt",
    }
}

/// The name `resolve` knows a format by (`turtle`, `json`, `jsonld`…):
/// the first of [`NAMES`] that stands for it, as a `format=` parameter.
pub fn name(format: OutputFormat) -> &'static str {
    NAMES
        .iter()
        .chain(ALIASES)
        .find(|(_, named)| *named == format)
        .map_or("", |(name, _)| *name)
}

/// What people call a format, for links and lists (`JSON`, `Turtle`,
/// `RDF/XML`): the results formats by their syntax, not by their file
/// extensions (`srj`, `srx`).
pub fn label(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Results(QueryResultsFormat::Json) => "JSON",
        OutputFormat::Results(QueryResultsFormat::Xml) => "XML",
        OutputFormat::Results(QueryResultsFormat::Csv) => "CSV",
        OutputFormat::Results(QueryResultsFormat::Tsv) => "TSV",
        OutputFormat::Results(_) => "results",
        OutputFormat::Rdf(RdfFormat::Turtle) => "Turtle",
        OutputFormat::Rdf(RdfFormat::TriG) => "TriG",
        OutputFormat::Rdf(RdfFormat::NTriples) => "N-Triples",
        OutputFormat::Rdf(RdfFormat::NQuads) => "N-Quads",
        OutputFormat::Rdf(RdfFormat::JsonLd { .. }) => "JSON-LD",
        OutputFormat::Rdf(RdfFormat::RdfXml) => "RDF/XML",
        OutputFormat::Rdf(_) => "RDF",
        OutputFormat::SchemaOrg => "schema.org JSON-LD",
        OutputFormat::Annotations => "Web Annotation JSON-LD",
        OutputFormat::Html => "HTML",
        OutputFormat::Table => "table",
        OutputFormat::Text => "text",
    }
}

/// Every name and extension [`by_extension`] reads for `payload`
/// (`ttl`, `turtle`, `jsonld`, `owl`…): the paths a server answers for a
/// resource with an extension are these.
pub fn extensions(payload: Payload) -> Vec<&'static str> {
    let mut extensions: Vec<&'static str> = NAMES
        .iter()
        .chain(ALIASES)
        .filter(|(_, format)| payload.accepts(*format))
        .map(|(name, _)| *name)
        .collect();
    extensions.sort_unstable();
    extensions.dedup();
    extensions
}

/// Chooses among `offers` (preferred first) from an HTTP `Accept` header:
/// each offer gets the q-value of the most specific media range matching
/// it (`text/turtle` over `text/*` over `*/*`), and the highest q wins, the
/// earlier offer on a tie. No header, or an empty one, takes the first
/// offer. Nothing acceptable is an error listing what is offered (the
/// server answers 406 with it).
pub fn negotiate(accept: Option<&str>, offers: &[OutputFormat]) -> Result<OutputFormat, Failure> {
    let accept = accept.map(str::trim).filter(|accept| !accept.is_empty());
    let Some(accept) = accept else {
        return offers
            .first()
            .copied()
            .ok_or_else(|| Failure::usage("nothing to offer"));
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .take(MAX_MEDIA_RANGES)
        .filter_map(|range| {
            let mut parts = range.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            if !media.contains('/') {
                return None;
            }
            let mut q = 1.0;
            for parameter in parts {
                if let Some((name, value)) = parameter.split_once('=') {
                    if name.trim().eq_ignore_ascii_case("q") {
                        q = value
                            .trim()
                            .parse::<f32>()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))?;
                    }
                }
            }
            Some((media, q))
        })
        .collect();
    let quality = |media: &str| -> Option<(u8, f32)> {
        let (kind, _) = media.split_once('/')?;
        ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = if range == media {
                    2
                } else if range.strip_suffix("/*") == Some(kind) {
                    1
                } else if range == "*/*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
    };
    let mut best: Option<(f32, OutputFormat)> = None;
    for offer in offers {
        // A format answering to several types takes the best of them.
        let q = media_types(*offer)
            .iter()
            .filter_map(|media| quality(media))
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map_or(0.0, |(_, q)| q);
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, *offer));
        }
    }
    best.map(|(_, format)| format).ok_or_else(|| {
        let offered: Vec<&str> = offers
            .iter()
            .filter_map(|offer| media_types(*offer).first().copied())
            .collect();
        Failure::usage(format!(
            "no acceptable format in Accept: {}; available: {}",
            crate::guard::error::one_line(accept, 200),
            offered.join(", ")
        ))
    })
}

/// How many media ranges of one `Accept` header are read.
const MAX_MEDIA_RANGES: usize = 64;

/// The format a file extension names for `payload` (`ttl`, `jsonld`,
/// `html`…), if it names one that can hold it.
pub fn by_extension(extension: &str, payload: Payload) -> Option<OutputFormat> {
    let extension = extension.to_ascii_lowercase();
    NAMES
        .iter()
        .chain(ALIASES)
        .filter(|(name, _)| *name == extension)
        .map(|(_, format)| *format)
        .find(|format| payload.accepts(*format))
}

/// Chooses the output format: `--format` name, else the extension of
/// `--output`, else the default for `payload` (a table only when writing to
/// a terminal). A name that is unknown or wrong for the payload is a usage
/// error listing the valid names.
pub fn resolve(
    name: Option<&str>,
    output: Option<&Path>,
    payload: Payload,
    is_terminal: bool,
) -> Result<OutputFormat, Failure> {
    let lookup = |name: &str| {
        let name = name.to_ascii_lowercase();
        let mut candidates = NAMES
            .iter()
            .chain(ALIASES)
            .filter(|(n, _)| *n == name)
            .map(|(_, format)| *format)
            .peekable();
        let first = candidates.peek().copied();
        candidates.find(|f| payload.accepts(*f)).ok_or(first)
    };
    if let Some(name) = name {
        return lookup(name).map_err(|known| {
            let valid = payload.valid_names();
            Failure::usage(match known {
                None => format!("unknown format '{name}'; valid formats: {valid}"),
                Some(_) if payload == Payload::Dataset => format!(
                    "format '{name}' holds a single graph; use a dataset format for --graph all: {valid}"
                ),
                Some(_) => format!(
                    "format '{name}' cannot hold {}; use one of: {valid}",
                    payload.describe()
                ),
            })
        });
    }
    // `x.annotations.jsonld`: the double extension of the annotations,
    // where `.jsonld` alone is JSON-LD of the graph.
    let annotations = output
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            name.to_ascii_lowercase()
                .ends_with(&format!(".{ANNOTATIONS_EXTENSION}"))
        });
    if annotations && payload.accepts(OutputFormat::Annotations) {
        return Ok(OutputFormat::Annotations);
    }
    if let Some(extension) = output
        .and_then(Path::extension)
        .and_then(|extension| extension.to_str())
    {
        match lookup(extension) {
            Ok(format) => return Ok(format),
            // A known extension for something else (`-o x.ttl` for SELECT
            // results) would get a file whose name lies about its content.
            Err(Some(_)) => {
                return Err(Failure::usage(format!(
                    "cannot write {} to a .{extension} file; give --format, one of: {}",
                    payload.describe(),
                    payload.valid_names()
                )))
            }
            Err(None) => {}
        }
    }
    Ok(payload.default_format(is_terminal && output.is_none()))
}

/// Writes a stored query's results as [`write_results`] does, except that
/// the table of a query declared `#+ table: questions` shows one row per
/// question ([`table::write_questions`]); other formats keep its rows.
pub fn write_stored_results(
    view: crate::sparql::catalog::TableView,
    results: QueryResults<'_>,
    format: OutputFormat,
    labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    match (view, format, &results) {
        (
            crate::sparql::catalog::TableView::Questions,
            OutputFormat::Table,
            QueryResults::Solutions(_),
        ) => table::write_questions(results, labels, out),
        _ => write_results(results, format, labels, out),
    }
}

/// Writes query results; the payload of `format` must match `results`.
pub fn write_results(
    results: QueryResults<'_>,
    format: OutputFormat,
    labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    match (results, format) {
        (QueryResults::Solutions(solutions), OutputFormat::Table) => {
            let mut table =
                TableWriter::new(labels, solutions.variables().iter().map(|v| v.as_str()));
            for solution in solutions {
                let solution = solution?;
                table.push(solution.values().iter().map(Option::as_ref))?;
            }
            table.write(out)
        }
        (QueryResults::Solutions(solutions), OutputFormat::Results(format)) => {
            write_solutions(solutions, format, out)
        }
        (QueryResults::Boolean(value), OutputFormat::Table) => {
            let mut table = TableWriter::new(labels, ["result"]);
            table.push_text([value.to_string()]);
            table.write(out)
        }
        (QueryResults::Boolean(value), OutputFormat::Results(format)) => {
            // sparesults ends the document without a newline; a shell
            // prompt should not follow `true` on the same line.
            QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(&mut *out, value)?;
            writeln!(out)?;
            Ok(())
        }
        (QueryResults::Graph(triples), OutputFormat::Rdf(format)) => {
            let quads = triples
                .map(|triple| triple.map(|t| t.in_graph(GraphNameRef::DefaultGraph.into_owned())))
                .collect::<Result<Vec<_>, _>>()?;
            write_quads(quads, format, out)
        }
        _ => unreachable!("resolve() and negotiate() only return formats valid for the payload"),
    }
}

fn write_solutions(
    solutions: QuerySolutionIter<'_>,
    format: QueryResultsFormat,
    out: &mut impl Write,
) -> Result<()> {
    let mut writer = QueryResultsSerializer::from_format(format)
        .serialize_solutions_to_writer(out, solutions.variables().to_vec())?;
    for solution in solutions {
        let solution = solution?;
        if format == QueryResultsFormat::Xml {
            for value in solution.values().iter().flatten() {
                check_xml_text(value.as_ref(), "SPARQL XML results")?;
            }
        }
        writer.serialize(&solution)?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes quads sorted by graph, subject, predicate (`rdf:type` first) and
/// object. Turtle and TriG use our own pretty writer; the other syntaxes
/// use Oxigraph's serializers fed in that order.
pub fn write_quads(mut quads: Vec<Quad>, format: RdfFormat, out: &mut impl Write) -> Result<()> {
    if !format.supports_datasets() {
        // A triple syntax: the graphs merge (duplicates go in sort_quads).
        for quad in &mut quads {
            quad.graph_name = GraphName::DefaultGraph;
        }
    }
    let quads = sort_quads(quads);
    if format == RdfFormat::RdfXml {
        check_rdfxml(&quads)?;
    }
    match format {
        RdfFormat::Turtle | RdfFormat::TriG => turtle::write(&quads, out)?,
        _ => {
            let mut serializer = RdfSerializer::from_format(format);
            if matches!(format, RdfFormat::RdfXml | RdfFormat::JsonLd { .. }) {
                for (name, iri) in used_prefixes(&quads) {
                    serializer = serializer
                        .with_prefix(name, iri)
                        .context("invalid prefix")?;
                }
            }
            let mut writer = serializer.for_writer(out);
            for quad in &quads {
                if format.supports_datasets() {
                    writer.serialize_quad(quad)?;
                } else {
                    writer.serialize_triple(quad.as_ref())?;
                }
            }
            writer.finish()?;
        }
    }
    Ok(())
}

/// Refuses, before anything is written, what RDF/XML cannot express: a
/// predicate IRI that does not end in an XML name (RDF/XML writes each
/// predicate as an element), and text with characters XML 1.0 forbids
/// (controls other than tab and line breaks).
fn check_rdfxml(quads: &[Quad]) -> Result<(), Failure> {
    for quad in quads {
        let predicate = quad.predicate.as_str();
        let local_start = predicate
            .rfind(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let local = &predicate[local_start..];
        if !local.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return Err(Failure::new(
                Kind::Format,
                format!(
                    "cannot write RDF/XML: the property <{}> does not end in a name XML can hold \
                 (use turtle or ntriples)",
                    crate::guard::error::one_line(predicate, 200)
                ),
            ));
        }
        check_xml_text(quad.subject.as_ref().into(), "RDF/XML")?;
        check_xml_text(quad.object.as_ref(), "RDF/XML")?;
    }
    Ok(())
}

/// Refuses a term whose text holds a character XML 1.0 forbids: controls
/// other than tab and line breaks (they cannot even be escaped there).
fn check_xml_text(term: TermRef<'_>, syntax: &str) -> Result<(), Failure> {
    let text = match term {
        TermRef::NamedNode(node) => node.as_str(),
        TermRef::BlankNode(node) => node.as_str(),
        TermRef::Literal(literal) => literal.value(),
        TermRef::Triple(triple) => {
            check_xml_text(triple.subject.as_ref().into(), syntax)?;
            return check_xml_text(triple.object.as_ref(), syntax);
        }
    };
    let forbidden = text.chars().find(|&c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    });
    match forbidden {
        None => Ok(()),
        Some(c) => Err(Failure::new(
            Kind::Format,
            format!(
            "cannot write {syntax}: the data holds the control character U+{:04X}, which XML 1.0 \
             forbids (use another format)",
            u32::from(c)
        ),
        )),
    }
}

/// Writes the schema.org view of `quads` (JSON-LD with an inline context);
/// `store` supplies the ontology's alignments and the external links.
pub fn write_schema_org(
    store: &crate::graph::Graph,
    quads: Vec<Quad>,
    out: &mut impl Write,
) -> Result<()> {
    schema::write(store, &sort_quads(quads), out)
}

/// Sorts quads into the canonical export order (and drops duplicates).
fn sort_quads(quads: Vec<Quad>) -> Vec<Quad> {
    let mut keyed: Vec<_> = quads
        .into_iter()
        .map(|quad| {
            let key = (
                // The default graph first: "" sorts before any `<IRI>`.
                if quad.graph_name.is_default_graph() {
                    String::new()
                } else {
                    quad.graph_name.to_string()
                },
                quad.subject.to_string(),
                quad.predicate.as_str() != vocab::RDF_TYPE,
                quad.predicate.to_string(),
                quad.object.to_string(),
            );
            (key, quad)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    keyed.into_iter().map(|(_, quad)| quad).collect()
}

/// The predeclared prefixes that some IRI in `quads` can be written with.
fn used_prefixes(quads: &[Quad]) -> BTreeSet<(&'static str, &'static str)> {
    let mut used = BTreeSet::new();
    let mut note = |iri: &str| {
        if let Some(compact) = vocab::compact(iri) {
            let name = compact.split_once(':').map_or("", |(name, _)| name);
            if let Some(entry) = vocab::PREFIXES.iter().find(|(n, _)| *n == name) {
                used.insert(*entry);
            }
        }
    };
    for quad in quads {
        if let oxigraph::model::NamedOrBlankNode::NamedNode(node) = &quad.subject {
            note(node.as_str());
        }
        // `rdf:type` is written `a` in Turtle and needs no prefix.
        if quad.predicate.as_str() != vocab::RDF_TYPE {
            note(quad.predicate.as_str());
        }
        match quad.object.as_ref() {
            TermRef::NamedNode(node) => note(node.as_str()),
            // Strings and language-tagged strings are written without a datatype.
            TermRef::Literal(literal)
                if literal.language().is_none()
                    && literal.datatype() != oxigraph::model::vocab::xsd::STRING =>
            {
                note(literal.datatype().as_str());
            }
            _ => (),
        }
        if let GraphNameRef::NamedNode(node) = quad.graph_name.as_ref() {
            note(node.as_str());
        }
    }
    used
}

#[cfg(test)]
mod tests;
