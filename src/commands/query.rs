//! `missions-kg query`: run a stored query, a file, stdin or SPARQL text.

use crate::cli::QueryArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::iri;
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::guard::error::{Failure, Kind};
use crate::guard::input;
use crate::provenance::evidence::Articles;
use crate::sparql;
use crate::sparql::catalog::{Catalog, StoredQuery};
use anyhow::Result;
use oxigraph::sparql::QueryResults;
use std::path::Path;

/// Where the query text came from, for error messages and typed params.
struct Source {
    text: String,
    origin: String,
    stored: Option<StoredQuery>,
    /// A .rq file's own `file://` URL, its base for relative IRIs.
    base: Option<String>,
}

pub fn run(config: &Config, args: &QueryArgs) -> Result<()> {
    // The clock starts before anything is read: --timeout covers loading.
    let budget = crate::guard::budget::Budget::new(config, args.timeout)?;
    let source = find_query(&args.query, config.max_input)?;
    let base = config.base.as_deref().or(source.base.as_deref());
    let mut prepared = sparql::prepare_with_base(&source.text, &source.origin, base)?;
    let params = args
        .params
        .iter()
        .map(|param| sparql::split_param(param))
        .collect::<Result<Vec<_>, _>>()?;
    let graph = Graph::open(config, &budget)?;
    for (variable, value) in sparql::bindings(&graph, source.stored.as_ref(), &params, "--param")? {
        prepared = prepared.bind(variable, value);
    }
    // With --evidence, `trace_evidence` (below) refuses a graph query.
    if args.why && !args.evidence && prepared.returns_graph() {
        return crate::guard::budget::catch_cancellation(|| {
            let quads = prepared.trace_graph(&graph, &budget)?;
            let format = format::resolve(
                args.format.as_deref(),
                args.output.as_deref(),
                Payload::Dataset,
                config.is_terminal,
            )
            .map_err(|_| {
                Failure::usage(
                    "--why on a CONSTRUCT or DESCRIBE puts each support in a graph of its own: give a dataset format (trig, nquads)",
                )
            })?;
            let OutputFormat::Rdf(format) = format else {
                return Err(
                    Failure::usage("--why on a CONSTRUCT or DESCRIBE writes RDF: give trig or nquads")
                        .into(),
                );
            };
            write_output(args.output.as_deref(), |out| format::write_quads(quads, format, out))
        })
        .map_err(|e| budget.explain_stop(e));
    }
    crate::guard::budget::catch_cancellation(|| {
        let results = if args.evidence {
            let articles = Articles::configured(&graph, config, &budget)?;
            prepared.trace_evidence(&graph, &budget, articles.as_ref())?
        } else if args.why {
            prepared.trace(&graph, &budget)?
        } else {
            prepared.execute(&graph, &budget)?
        };
        let payload = match results {
            QueryResults::Graph(_) => Payload::Graph,
            QueryResults::Solutions(_) | QueryResults::Boolean(_) => Payload::Results,
        };
        let format = format::resolve(
            args.format.as_deref(),
            args.output.as_deref(),
            payload,
            config.is_terminal,
        )?;
        write_output(args.output.as_deref(), |out| {
            format::write_results(
                results,
                format,
                LabelCache::new(&graph, config.lang.as_deref()),
                out,
            )
        })
    })
    .map_err(|e| budget.explain_stop(e))
}

/// Resolves QUERY: a stored query name, `-` (stdin), an existing file (or
/// anything ending in `.rq`), else SPARQL text. A single word that is
/// none of these is taken as a mistyped stored query name.
fn find_query(query: &str, max_input: u64) -> Result<Source> {
    if let Some(stored) = Catalog::embedded_query(query)? {
        return Ok(Source {
            text: stored.sparql.clone(),
            origin: format!("'{}'", stored.name),
            stored: Some(stored),
            base: None,
        });
    }
    let mut base = None;
    let (text, origin) = if query == "-" {
        let text = String::from_utf8(input::read_stdin(max_input)?).map_err(|_| {
            Failure::new(
                Kind::Input,
                "cannot read the query on stdin: not UTF-8 text",
            )
        })?;
        (text, "on stdin".to_owned())
    } else if Path::new(query).exists() || query.ends_with(".rq") {
        let text = input::read_text(Path::new(query), max_input)?;
        base = Some(iri::file_url(Path::new(query))?);
        (text, format!("'{query}'"))
    } else if is_name(query) {
        return Err(Catalog::embedded()?.unknown(query));
    } else {
        (query.to_owned(), "text".to_owned())
    };
    // A file with a `#+` header gets typed parameters like a stored query.
    let stored = if text.starts_with("#+") {
        let name = Path::new(query)
            .file_stem()
            .map_or_else(|| "stdin".into(), |s| s.to_string_lossy().into_owned());
        Some(StoredQuery::parse(&name, &origin, &text)?)
    } else {
        None
    };
    Ok(Source {
        text,
        origin,
        stored,
        base,
    })
}

/// Looks like a stored query name: kebab-case letters and digits.
fn is_name(query: &str) -> bool {
    !query.is_empty()
        && query
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
