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
use crate::provenance::trust;
use crate::sparql;
use crate::sparql::catalog::{Catalog, StoredQuery, TableView};
use anyhow::Result;
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
    // Decided before the graph is opened or the query runs, as the server
    // does: a bad --format costs nothing.
    let format = output_format(config, args, &prepared)?;
    let whole = Graph::open(config, &budget)?;
    let bindings = sparql::bindings(&whole, source.stored.as_ref(), &params, "--param")?;
    for (variable, value) in &bindings {
        prepared = prepared.bind(variable.clone(), value.clone());
    }
    // --sources / --without: the query sees the trusted articles' graphs
    // (and every graph that is no article's) only.
    // The list of articles is asked for only when trust is chosen: a plain
    // query sends an endpoint nothing but itself.
    let trusting = args.sensitivity || !args.sources.is_empty() || !args.without.is_empty();
    let all = if trusting {
        trust::articles(&whole)?
    } else {
        Vec::new()
    };
    let (graph, in_play) = match trust::trusted(&all, &args.sources, &args.without)? {
        Some(kept) => (trust::keep_articles(&whole, &all, &kept)?, kept),
        None => (whole, all.clone()),
    };
    if args.sensitivity {
        let results = crate::guard::budget::catch_cancellation(|| {
            let answers = trust::Answers::read(prepared.execute(&graph, &budget)?)?;
            trust::sensitivity(answers, &in_play, |article| {
                let kept: Vec<_> = in_play.iter().filter(|a| *a != article).cloned().collect();
                let part = trust::keep_articles(&graph, &all, &kept)?;
                let mut again = sparql::prepare_with_base(&source.text, &source.origin, base)?;
                for (variable, value) in &bindings {
                    again = again.bind(variable.clone(), value.clone());
                }
                let answers = trust::Answers::read(again.execute(&part, &budget)?)?;
                Ok(answers)
            })
        })
        .map_err(|e| budget.explain_stop(e))?;
        let Some(format) = format else {
            return Err(Failure::new(Kind::Internal, "no output format was resolved").into());
        };
        return write_output(args.output.as_deref(), |out| {
            format::write_results(
                results,
                format,
                LabelCache::new(&graph, config.lang.as_deref()),
                out,
            )
        });
    }
    crate::guard::budget::catch_cancellation(|| {
        // --why on a CONSTRUCT or DESCRIBE: each support a graph of its own.
        if let (Some(OutputFormat::Rdf(rdf)), true) = (format, args.why && !args.evidence) {
            if prepared.returns_graph() {
                let quads = prepared.trace_graph(&graph, &budget)?;
                return write_output(args.output.as_deref(), |out| {
                    format::write_quads(quads, rdf, out)
                });
            }
        }
        let results = if args.evidence {
            let articles = Articles::configured(&graph, config, &budget)?;
            prepared.trace_evidence(&graph, &budget, articles.as_ref())?
        } else if args.why {
            prepared.trace(&graph, &budget)?
        } else {
            prepared.execute(&graph, &budget)?
        };
        // Only `--evidence` on a graph query has no format yet, and
        // `trace_evidence` has refused it above.
        let Some(format) = format else {
            return Err(Failure::new(Kind::Internal, "no output format was resolved").into());
        };
        // --why and --evidence add columns of their own: their rows stay rows.
        let view = match &source.stored {
            Some(stored) if !args.why && !args.evidence => stored.table,
            _ => TableView::Rows,
        };
        write_output(args.output.as_deref(), |out| {
            format::write_stored_results(
                view,
                results,
                format,
                LabelCache::new(&graph, config.lang.as_deref()),
                out,
            )
        })
    })
    .map_err(|e| budget.explain_stop(e))
}

/// The output format, from `--format`, `-o`'s extension or the terminal,
/// for what the query returns: results, a graph, or with `--why` on a
/// graph query a dataset (one graph per support). `None` for `--evidence`
/// on a graph query, which `trace_evidence` refuses in its own words.
fn output_format(
    config: &Config,
    args: &QueryArgs,
    prepared: &sparql::Prepared,
) -> Result<Option<OutputFormat>> {
    let resolve = |payload| {
        format::resolve(
            args.format.as_deref(),
            args.output.as_deref(),
            payload,
            config.is_terminal,
        )
    };
    if !prepared.returns_graph() {
        return Ok(Some(resolve(Payload::Results)?));
    }
    if args.sensitivity {
        return Err(Failure::usage(
            "--sensitivity lists a SELECT's or an ASK's answers; for a CONSTRUCT or DESCRIBE, compare its graphs with --sources or --without",
        )
        .into());
    }
    if args.evidence {
        return Ok(None);
    }
    if !args.why {
        return Ok(Some(resolve(Payload::Graph)?));
    }
    match resolve(Payload::Dataset) {
        Ok(format @ OutputFormat::Rdf(_)) => Ok(Some(format)),
        Ok(_) => Err(Failure::usage(
            "--why on a CONSTRUCT or DESCRIBE writes RDF: give trig or nquads",
        )
        .into()),
        Err(_) => Err(Failure::usage(
            "--why on a CONSTRUCT or DESCRIBE puts each support in a graph of its own: give a dataset format (trig, nquads)",
        )
        .into()),
    }
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
        return Err(Catalog::embedded()?.unknown(query).into());
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
