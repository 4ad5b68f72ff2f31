//! `missions-kg queries`: list the stored queries, or show one in full.

use crate::cli::QueriesArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::sparql::catalog::{Catalog, StoredQuery};
use anyhow::Result;
use comfy_table::{presets, Table};
use std::io::Write;

pub fn run(config: &Config, args: &QueriesArgs) -> Result<()> {
    let catalog = Catalog::embedded()?;
    match &args.name {
        None => write_output(None, |out| write_list(&catalog, config.is_terminal, out)),
        Some(name) => {
            let query = catalog.find(name)?;
            write_output(None, |out| write_query(query, out))
        }
    }
}

/// Name and title of every query: a table on a terminal, else TSV lines.
fn write_list(catalog: &Catalog, is_terminal: bool, out: &mut impl Write) -> Result<()> {
    if is_terminal {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_header(["name", "title"]);
        crate::format::table::fit(&mut table);
        for query in &catalog.queries {
            table.add_row([query.name.as_str(), query.title.as_str()]);
        }
        writeln!(out, "{table}")?;
    } else {
        for query in &catalog.queries {
            writeln!(out, "{}\t{}", query.name, query.title)?;
        }
    }
    Ok(())
}

fn write_query(query: &StoredQuery, out: &mut impl Write) -> Result<()> {
    writeln!(out, "{}", query.title)?;
    writeln!(out)?;
    writeln!(out, "{}", query.description)?;
    if query.is_check() {
        writeln!(out, "(a check: it must return no rows)")?;
    }
    if !query.params.is_empty() {
        writeln!(out)?;
        writeln!(out, "Parameters (--param NAME=VALUE):")?;
        let width = query.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for param in &query.params {
            writeln!(
                out,
                "  {:width$}  {:7}  {}",
                param.name,
                // As the header writes it: `iri?` may be left out.
                format!("{}{}", param.kind, if param.required { "" } else { "?" }),
                param.description
            )?;
        }
        if !query.example.is_empty() {
            let flags: Vec<String> = query
                .example
                .iter()
                .map(|binding| format!("--param '{binding}'"))
                .collect();
            writeln!(
                out,
                "Example: missions-kg query {} {}",
                query.name,
                flags.join(" ")
            )?;
        }
    }
    writeln!(out)?;
    // The body without the header, which was just shown in prose.
    let body: Vec<&str> = query
        .sparql
        .lines()
        .skip_while(|line| line.starts_with("#+"))
        .collect();
    writeln!(out, "{}", body.join("\n").trim())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_a_query() {
        let query = StoredQuery::parse(
            "people",
            "people.rq",
            "#+ title: People\n#+ description: Everyone.\n#+ param: org iri The organisation\n\nSELECT ?p {}\n",
        )
        .unwrap();
        let mut out = Vec::new();
        write_query(&query, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "People\n\nEveryone.\n\nParameters (--param NAME=VALUE):\n  org  iri      The organisation\n\nSELECT ?p {}\n"
        );
    }
}
