//! `missions-kg describe`: one entity, its facts, and where each comes from.
//!
//! The view (`view::EntityView`) holds the facts from the merged view, the
//! sources of each (the named graphs that hold the same triple: articles
//! by slug, other graphs by name), the facts pointing at it (shown as
//! `^property`), and the facts of qualified values (a role, a broadcast,
//! an award) one level deep, and with `--evidence` the passages of the
//! articles under each fact. This file only writes it for a terminal.

use crate::cli::DescribeArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::graph::entity;
use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::limits::MAX_PASSAGES_PER_FACT;
use crate::provenance::evidence::{Articles, Passage};
use crate::view::entity::{EntityView, Fact};
use anyhow::Result;
use std::io::Write;

pub fn run(config: &Config, args: &DescribeArgs) -> Result<()> {
    let graph = Graph::load(config)?;
    let node = entity::resolve(&graph, &args.entity)?;
    let budget = Budget::new(config, None)?;
    let mut view = EntityView::compute(&graph, node.as_ref(), config.lang.as_deref(), &budget)?;
    if args.evidence {
        let articles = Articles::configured(&graph, config, &budget)?;
        view.add_evidence(&graph, articles.as_ref())?;
    }
    // Written for people: the data's terminal controls are made inert.
    let mut text = Vec::new();
    write_entity(&view, &mut text)?;
    write_output(None, |out| {
        Ok(crate::guard::error::write_inert(out, &text)?)
    })
}

/// The view as text: name, IRI, classes, then one line per fact
/// (`property  value  [sources]`), nested facts indented beneath, then the
/// external links.
fn write_entity(view: &EntityView, out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{}",
        view.label.as_deref().unwrap_or(view.iri.as_str())
    )?;
    writeln!(
        out,
        "  {}  <{}>",
        labels::compact(view.iri.as_str()),
        view.iri.as_str()
    )?;
    if !view.classes.is_empty() {
        let classes: Vec<&str> = view.classes.iter().map(|c| c.text.as_str()).collect();
        writeln!(out, "  a {}", classes.join(", "))?;
    }
    let mut lines = Vec::new();
    for (fact, inverse) in view
        .facts
        .iter()
        .map(|f| (f, false))
        .chain(view.incoming.iter().map(|f| (f, true)))
    {
        lines.push(Line::new(fact, inverse, false));
        lines.extend(
            fact.nested
                .iter()
                .map(|nested| Line::new(nested, false, true)),
        );
    }
    if !lines.is_empty() {
        writeln!(out)?;
        write_lines(&lines, out)?;
    }
    if !view.external.is_empty() {
        writeln!(out)?;
        writeln!(out, "external links (graph links; not from the articles)")?;
        let width = view
            .external
            .iter()
            .map(|l| l.site.chars().count())
            .max()
            .unwrap_or(0);
        for link in &view.external {
            let seen = match (&link.seen_in, &link.seen_on) {
                (Some(page), Some(day)) => format!("  [seen in {page} on {day}]"),
                (Some(page), None) => format!("  [seen in {page}]"),
                _ => "  [no evidence recorded]".to_owned(),
            };
            writeln!(out, "  {:width$}  {}{seen}", link.site, link.url)?;
        }
    }
    Ok(())
}

/// One printed fact: property name, value, sources; `nested` for the facts
/// of a qualified node.
struct Line<'a> {
    property: String,
    value: &'a str,
    sources: String,
    nested: bool,
    passages: &'a [Passage],
    /// How many passages were left out (see `MAX_PASSAGES_PER_FACT`).
    more_passages: usize,
}

impl<'a> Line<'a> {
    /// An incoming fact is named `^property`, SPARQL's inverse path, which
    /// reads right for every label ("is creator of" would not for "plays
    /// character" or "is the real person").
    fn new(fact: &'a Fact, inverse: bool, nested: bool) -> Self {
        let sources: Vec<&str> = fact.sources.iter().map(|s| s.name.as_str()).collect();
        Self {
            property: if inverse {
                format!("^{}", fact.property_name)
            } else {
                fact.property_name.clone()
            },
            value: &fact.value.text,
            sources: sources.join(", "),
            nested,
            passages: &fact.passages,
            more_passages: fact.more_passages,
        }
    }
}

fn write_lines(lines: &[Line<'_>], out: &mut impl Write) -> Result<()> {
    let width = |nested: bool| {
        lines
            .iter()
            .filter(|l| l.nested == nested)
            .map(|l| l.property.chars().count())
            .max()
            .unwrap_or(0)
    };
    let (top, inner) = (width(false), width(true));
    for line in lines {
        let (indent, width) = if line.nested {
            ("      ", inner)
        } else {
            ("", top)
        };
        let sources = if line.sources.is_empty() {
            String::new()
        } else {
            format!("  [{}]", line.sources)
        };
        writeln!(
            out,
            "{indent}{:width$}  {}{sources}",
            line.property, line.value
        )?;
        // Under the fact, each passage: where it is, and what it says when
        // the article's text is at hand.
        for passage in line.passages {
            match &passage.text {
                Some(text) => writeln!(out, "{indent}    > {}: \"{text}\"", passage.place())?,
                None => writeln!(out, "{indent}    > {}", passage.place())?,
            }
        }
        if line.more_passages > 0 {
            writeln!(
                out,
                "{indent}    … and {} more passages (at most {MAX_PASSAGES_PER_FACT} are shown per fact)",
                line.more_passages
            )?;
        }
    }
    Ok(())
}
