//! `missions-kg sources`: what each article says, and where they agree.
//!
//! Every answer is a stored query (`sources`, `source-facts-by-class`,
//! `source-facts-by-property`, `source-facts`, `agreement`, `fact-support`,
//! `single-source-facts`, `disagreements`), so `query` and any SPARQL client
//! get the same rows; this command runs them in sections and, for one
//! article as a table, groups its facts by entity as `describe` does.

use crate::cli::SourcesArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::provenance::trust;
use crate::sparql::catalog::{Catalog, TableView};
use anyhow::Result;
use oxigraph::model::{NamedNode, Term, TermRef};
use oxigraph::sparql::results::QueryResultsFormat;
use oxigraph::sparql::QueryResults;
use serde_json::Value;
use std::io::Write;

/// One part of the report: a title and the stored query that answers it.
struct Section {
    title: &'static str,
    query: &'static str,
}

const OVERVIEW: &[Section] = &[
    Section {
        title: "Articles",
        query: "sources",
    },
    Section {
        title: "Facts by class of the thing they are about",
        query: "source-facts-by-class",
    },
    Section {
        title: "Facts by property",
        query: "source-facts-by-property",
    },
];

const AGREEMENT: &[Section] = &[
    Section {
        title: "Facts by number of articles that state them",
        query: "agreement",
    },
    Section {
        title: "Each fact, with the articles that state it",
        query: "fact-support",
    },
    Section {
        title: "Facts only one article states",
        query: "single-source-facts",
    },
    Section {
        title: "Where the articles differ, side by side",
        query: "disagreements",
    },
];

const ONE_ARTICLE: &[Section] = &[Section {
    title: "Facts",
    query: "source-facts",
}];

pub fn run(config: &Config, args: &SourcesArgs) -> Result<()> {
    let format = format::resolve(
        args.format.as_deref(),
        None,
        Payload::Report,
        config.is_terminal,
    )?;
    let store = Graph::load(config)?;
    let article = args
        .article
        .as_deref()
        .map(|text| find_article(&store, text))
        .transpose()?;
    let sections = match (&article, args.agreement) {
        (Some(_), _) => ONE_ARTICLE,
        (None, true) => AGREEMENT,
        (None, false) => OVERVIEW,
    };
    let catalog = Catalog::embedded()?;
    let labels = LabelCache::new(&store, config.lang.as_deref());
    write_output(None, |out| match (&article, format) {
        (Some(article), OutputFormat::Table) => {
            write_grouped(&store, &catalog, article, labels, out)
        }
        _ => write_sections(
            &store,
            &catalog,
            sections,
            article.as_ref(),
            format,
            labels,
            out,
        ),
    })
}

/// The article IRI for `article-002`, `002`, `2`, `mks:article-002` or the
/// IRI itself; an unknown one lists the articles.
fn find_article(store: &Graph, text: &str) -> Result<NamedNode> {
    trust::find_article(&trust::articles(store)?, text)
}

/// Runs a section's stored query, with `?article` bound when given.
fn results<'a>(
    store: &'a Graph,
    catalog: &Catalog,
    section: &Section,
    article: Option<&NamedNode>,
) -> Result<QueryResults<'a>> {
    let bindings: Vec<(&str, Term)> = article
        .iter()
        .map(|article| ("article", (*article).clone().into()))
        .collect();
    catalog.run(
        section.query,
        store,
        &crate::guard::budget::Budget::default(),
        &bindings,
    )
}

/// Each section under its title: tables or TSV after a `# title` line, or
/// one JSON document holding each section's SPARQL JSON results.
fn write_sections(
    store: &Graph,
    catalog: &Catalog,
    sections: &[Section],
    article: Option<&NamedNode>,
    format: OutputFormat,
    labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    if format == OutputFormat::Results(QueryResultsFormat::Json) {
        // One document: each section's SPARQL JSON results written in place
        // as the results writer makes them, beside its title and query.
        writeln!(out, "{{\"sections\": [")?;
        for (index, section) in sections.iter().enumerate() {
            if index > 0 {
                writeln!(out, ",")?;
            }
            write!(
                out,
                "{{\"title\": {}, \"query\": {}, \"results\": ",
                Value::from(section.title),
                Value::from(section.query)
            )?;
            let cache = LabelCache::new(store, labels.lang());
            format::write_results(
                results(store, catalog, section, article)?,
                format,
                cache,
                &mut *out,
            )?;
            write!(out, "}}")?;
        }
        writeln!(out, "\n]}}")?;
        return Ok(());
    }
    for (index, section) in sections.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        match format {
            OutputFormat::Table => writeln!(out, "{} (query {})", section.title, section.query)?,
            _ => writeln!(out, "# {} (query {})", section.title, section.query)?,
        }
        let cache = LabelCache::new(store, labels.lang());
        let view = catalog
            .get(section.query)
            .map_or(TableView::Rows, |stored| stored.table);
        format::write_stored_results(
            view,
            results(store, catalog, section, article)?,
            format,
            cache,
            out,
        )?;
    }
    Ok(())
}

/// One article's facts as a table reader wants them: a heading per entity,
/// then `property  value`, with how many articles state it when more than
/// this one.
fn write_grouped(
    store: &Graph,
    catalog: &Catalog,
    article: &NamedNode,
    mut labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    let title = labels.display(article.as_ref().into())?;
    writeln!(out, "{title}")?;
    let QueryResults::Solutions(solutions) =
        results(store, catalog, &ONE_ARTICLE[0], Some(article))?
    else {
        return Ok(());
    };
    let mut current: Option<Term> = None;
    let mut count = 0;
    for solution in solutions {
        let solution = solution?;
        let (Some(entity), Some(Term::NamedNode(property)), Some(value)) = (
            solution.get("entity"),
            solution.get("property"),
            solution.get("value"),
        ) else {
            continue;
        };
        if current.as_ref() != Some(entity) {
            writeln!(out)?;
            writeln!(out, "{}", labels.display(entity.as_ref())?)?;
            current = Some(entity.clone());
        }
        let stated_by = match solution.get("statedBy") {
            Some(Term::Literal(n)) if n.value() != "1" => format!("  [{} articles]", n.value()),
            _ => String::new(),
        };
        let shown = match value.as_ref() {
            TermRef::Literal(_) => labels::term(value.as_ref(), labels::Style::Turtle),
            other => labels.display(other)?,
        };
        writeln!(
            out,
            "  {:<24} {shown}{stated_by}",
            labels::compact(property.as_str())
        )?;
        count += 1;
    }
    writeln!(out)?;
    writeln!(out, "{count} facts")?;
    Ok(())
}
