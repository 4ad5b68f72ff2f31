//! `missions-kg stats`: how big the graph is and where the facts come from.
//!
//! Three counts: triples per graph (the default graph is the merged view),
//! entities per class (`rdf:type` in the merged view), and facts per article
//! by the README's one definition of a fact (the stored query
//! `facts-per-article`, as `sources` counts them: a graph's triples are
//! not its facts).

use crate::cli::StatsArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels;
use crate::graph::Graph;
use crate::sparql::catalog::Catalog;
use crate::vocab;
use anyhow::Result;
use comfy_table::{presets, Table};
use oxigraph::model::{GraphName, GraphNameRef, NamedNodeRef, Term};
use oxigraph::sparql::results::QueryResultsFormat;
use oxigraph::sparql::QueryResults;
use std::collections::BTreeMap;
use std::io::Write;

/// A titled list of `(name, count)`, in display order.
struct Section {
    title: &'static str,
    key: &'static str,
    rows: Vec<(String, usize)>,
}

pub fn run(config: &Config, args: &StatsArgs) -> Result<()> {
    let format = format::resolve(
        args.format.as_deref(),
        None,
        Payload::Report,
        config.is_terminal,
    )?;
    let store = Graph::load(config)?;
    let sections = count(&store)?;
    write_output(None, |out| write_sections(&sections, format, out))
}

fn count(store: &Graph) -> Result<Vec<Section>> {
    let mut graphs: BTreeMap<String, usize> = BTreeMap::new();
    let mut default = 0;
    for quad in store.quads(None, None, None, None) {
        match quad?.graph_name {
            GraphName::DefaultGraph => default += 1,
            GraphName::NamedNode(node) => *graphs.entry(node.into_string()).or_default() += 1,
            GraphName::BlankNode(node) => *graphs.entry(node.to_string()).or_default() += 1,
        }
    }
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for quad in store.quads(
        None,
        Some(NamedNodeRef::new_unchecked(vocab::RDF_TYPE)),
        None,
        Some(GraphNameRef::DefaultGraph),
    ) {
        if let Term::NamedNode(class) = quad?.object {
            *classes.entry(labels::compact(class.as_str())).or_default() += 1;
        }
    }
    let mut articles = Vec::new();
    let catalog = Catalog::embedded()?;
    let budget = crate::guard::budget::Budget::default();
    if let QueryResults::Solutions(solutions) =
        catalog.run("facts-per-article", store, &budget, &[])?
    {
        for solution in solutions {
            let solution = solution?;
            if let (Some(Term::NamedNode(article)), Some(Term::Literal(facts))) =
                (solution.get("article"), solution.get("facts"))
            {
                let facts = facts.value().parse().unwrap_or_default();
                articles.push((labels::graph_name(article.as_str()), facts));
            }
        }
    }
    // By short name, so articles come before `ontology` and `sources`.
    let mut named: Vec<(String, usize)> = graphs
        .iter()
        .map(|(iri, n)| (labels::graph_name(iri), *n))
        .collect();
    named.sort();
    let mut graph_rows = vec![("default".to_owned(), default)];
    graph_rows.extend(named);
    Ok(vec![
        Section {
            title: "Triples per graph",
            key: "graph",
            rows: graph_rows,
        },
        Section {
            title: "Entities per class",
            key: "class",
            rows: classes.into_iter().collect(),
        },
        Section {
            title: "Facts per article",
            key: "article",
            rows: articles,
        },
    ])
}

fn write_sections(sections: &[Section], format: OutputFormat, out: &mut impl Write) -> Result<()> {
    match format {
        OutputFormat::Results(QueryResultsFormat::Json) => {
            let object: serde_json::Map<String, serde_json::Value> = sections
                .iter()
                .map(|section| {
                    let rows = section
                        .rows
                        .iter()
                        .map(|(name, n)| (name.clone(), (*n).into()))
                        .collect::<serde_json::Map<_, _>>();
                    (section.key.to_owned(), rows.into())
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &object)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            for (index, section) in sections.iter().enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                let mut table = Table::new();
                table.load_preset(presets::UTF8_FULL_CONDENSED);
                table.set_header([section.key, "count"]);
                crate::format::table::fit(&mut table);
                for (name, n) in &section.rows {
                    table.add_row([name.clone(), n.to_string()]);
                }
                writeln!(out, "{}\n{table}", section.title)?;
            }
        }
        _ => {
            writeln!(out, "section\tname\tcount")?;
            for section in sections {
                for (name, n) in &section.rows {
                    writeln!(out, "{}\t{name}\t{n}", section.key)?;
                }
            }
        }
    }
    Ok(())
}
