//! `missions-kg describe`: one entity, its facts, and where each comes from.
//!
//! Facts are read from the merged view; the sources of a fact are the named
//! graphs that hold the same triple (articles by slug, other graphs by
//! name); facts pointing at it are shown as `^property`. Values that are
//! qualified facts (a role, a broadcast, an award:
//! instances of `mk:QualifiedFact`, or unlabelled nodes) get their own facts
//! listed beneath, one level deep, whichever way the link points.

use crate::cli::DescribeArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::dataset::Dataset;
use crate::entity;
use crate::labels::{self, LabelCache};
use crate::links;
use crate::store;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef};
use std::io::Write;

pub fn run(config: &Config, args: &DescribeArgs) -> Result<()> {
    let store = store::load_store(config)?;
    let node = entity::resolve(&store, &args.entity)?;
    let labels = LabelCache::new(&store, config.lang.as_deref());
    // Written for people: the data's terminal controls are made inert.
    let mut text = Vec::new();
    write_entity(&store, node.as_ref(), labels, &mut text)?;
    write_output(None, |out| Ok(crate::error::write_inert(out, &text)?))
}

/// One printed fact: predicate name, value, sources; `nested` for the facts
/// of a qualified node.
struct Line {
    predicate: String,
    value: String,
    sources: String,
    nested: bool,
}

fn write_entity(
    store: &Dataset,
    node: NamedNodeRef<'_>,
    mut labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    let subject: NamedOrBlankNodeRef<'_> = node.into();
    let name = labels.get(subject).unwrap_or(node.as_str()).to_owned();
    writeln!(out, "{name}")?;
    writeln!(
        out,
        "  {}  <{}>",
        labels::compact(node.as_str()),
        node.as_str()
    )?;
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let default = Some(GraphNameRef::DefaultGraph);
    let mut classes: Vec<String> = store
        .quads_for_pattern(Some(subject), Some(rdf_type), None, default)
        .map(|quad| value(quad.object, &mut labels))
        .collect();
    classes.sort();
    if !classes.is_empty() {
        writeln!(out, "  a {}", classes.join(", "))?;
    }

    let mut lines = Vec::new();
    let mut outgoing = facts(store, subject, &mut labels)?;
    outgoing.retain(|(quad, _)| quad.predicate.as_ref() != rdf_type && !is_link(quad.as_ref()));
    for (quad, line) in outgoing {
        lines.push(line);
        if let Some(object) = as_subject(quad.object.as_ref()) {
            unfold(store, object, subject, &mut labels, &mut lines)?;
        }
    }
    let mut incoming: Vec<(Quad, Line)> = store
        .quads_for_pattern(None, None, Some(node.into()), default)
        .filter(|quad| !is_link(*quad))
        .map(|quad| {
            let quad = quad.into_owned();
            let line = Line {
                predicate: inverse_name(&predicate_name(quad.predicate.as_ref(), &mut labels)),
                value: value(quad.subject.as_ref().into(), &mut labels),
                sources: sources(store, &quad),
                nested: false,
            };
            (quad, line)
        })
        .collect();
    incoming.sort_by(|a, b| (&a.1.predicate, &a.1.value).cmp(&(&b.1.predicate, &b.1.value)));
    for (quad, line) in incoming {
        lines.push(line);
        unfold(
            store,
            quad.subject.as_ref(),
            subject,
            &mut labels,
            &mut lines,
        )?;
    }

    let external = links::external_links(store, node);
    if !lines.is_empty() {
        writeln!(out)?;
        write_lines(&lines, out)?;
    }
    if !external.is_empty() {
        writeln!(out)?;
        writeln!(out, "external links (graph links; not from the articles)")?;
        let width = external
            .iter()
            .map(|l| l.site.chars().count())
            .max()
            .unwrap_or(0);
        for link in external {
            let seen = match (link.seen_in, link.seen_on) {
                (Some(page), Some(day)) => format!("  [seen in {page} on {day}]"),
                (Some(page), None) => format!("  [seen in {page}]"),
                _ => "  [no evidence recorded]".to_owned(),
            };
            writeln!(out, "  {:width$}  {}{seen}", link.site, link.url)?;
        }
    }
    Ok(())
}

/// A link to an external wiki or its evidence record: shown apart, under
/// "external links", rather than as facts.
fn is_link(quad: QuadRef<'_>) -> bool {
    let predicate = quad.predicate.as_str();
    let wikidata =
        matches!(quad.object, TermRef::NamedNode(item) if item.as_str().starts_with(vocab::WD));
    (predicate == vocab::OWL_SAME_AS && wikidata)
        || predicate == vocab::MK_IMDB_ID
        || predicate == vocab::MK_LINKED_ENTITY
        || (predicate == vocab::SCHEMA_ABOUT
            && matches!(quad.subject, NamedOrBlankNodeRef::NamedNode(page)
                if links::wikipedia_language(page.as_str()).is_some()))
}

fn write_lines(lines: &[Line], out: &mut impl Write) -> Result<()> {
    let width = |nested: bool| {
        lines
            .iter()
            .filter(|l| l.nested == nested)
            .map(|l| l.predicate.chars().count())
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
            line.predicate, line.value
        )?;
    }
    Ok(())
}

/// Lists the facts of `node` beneath the current line when it is a qualified
/// fact, leaving out the link back to the entity being described.
fn unfold(
    store: &Dataset,
    node: NamedOrBlankNodeRef<'_>,
    described: NamedOrBlankNodeRef<'_>,
    labels: &mut LabelCache<'_>,
    lines: &mut Vec<Line>,
) -> Result<()> {
    if !(entity::is_qualified_fact(store, node) || labels.get(node).is_none()) {
        return Ok(());
    }
    let back: TermRef<'_> = match described {
        NamedOrBlankNodeRef::NamedNode(n) => n.into(),
        NamedOrBlankNodeRef::BlankNode(n) => n.into(),
    };
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let rdfs_label = NamedNodeRef::new_unchecked(vocab::RDFS_LABEL);
    for (quad, mut nested) in facts(store, node, labels)? {
        let predicate = quad.predicate.as_ref();
        if quad.object.as_ref() == back || predicate == rdf_type || predicate == rdfs_label {
            continue;
        }
        nested.nested = true;
        lines.push(nested);
    }
    Ok(())
}

/// Outgoing facts of `subject`, sorted by predicate name then value.
fn facts(
    store: &Dataset,
    subject: NamedOrBlankNodeRef<'_>,
    labels: &mut LabelCache<'_>,
) -> Result<Vec<(Quad, Line)>> {
    let mut facts: Vec<(Quad, Line)> = store
        .quads_for_pattern(Some(subject), None, None, Some(GraphNameRef::DefaultGraph))
        .map(|quad| {
            let quad = quad.into_owned();
            let line = Line {
                predicate: predicate_name(quad.predicate.as_ref(), labels),
                value: value(quad.object.as_ref(), labels),
                sources: sources(store, &quad),
                nested: false,
            };
            (quad, line)
        })
        .collect();
    if let Some(lang) = labels.lang() {
        keep_language(&mut facts, lang);
    }
    facts.sort_by(|a, b| (&a.1.predicate, &a.1.value).cmp(&(&b.1.predicate, &b.1.value)));
    Ok(facts)
}

/// With `--lang`, a property's texts in other languages are dropped when it
/// has one in `lang`; a name given in French only stays, whatever `lang`.
fn keep_language(facts: &mut Vec<(Quad, Line)>, lang: &str) {
    let language = |quad: &Quad| match &quad.object {
        oxigraph::model::Term::Literal(literal) => literal.language().map(str::to_owned),
        _ => None,
    };
    let covered: std::collections::BTreeSet<String> = facts
        .iter()
        .filter(|(quad, _)| language(quad).as_deref() == Some(lang))
        .map(|(quad, _)| quad.predicate.as_str().to_owned())
        .collect();
    facts.retain(|(quad, _)| {
        language(quad).is_none_or(|tag| tag == lang) || !covered.contains(quad.predicate.as_str())
    });
}

fn as_subject(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(node) => Some(node.into()),
        TermRef::BlankNode(node) => Some(node.into()),
        // Literals, and RDF 1.2 triple terms, are never subjects here.
        _ => None,
    }
}

/// The predicate's label if the ontology gives one, else its compact IRI.
fn predicate_name(predicate: NamedNodeRef<'_>, labels: &mut LabelCache<'_>) -> String {
    labels
        .get(predicate.into())
        .map_or_else(|| labels::compact(predicate.as_str()), str::to_owned)
}

/// How an incoming fact is named: `^creator`, SPARQL's inverse path, which
/// reads right for every label ("is creator of" would not for "plays
/// character" or "is the real person").
fn inverse_name(name: &str) -> String {
    format!("^{name}")
}

/// [`LabelCache::display`], with a literal's language tag.
fn value(term: TermRef<'_>, labels: &mut LabelCache<'_>) -> String {
    match term {
        TermRef::Literal(literal) if literal.language().is_some() => {
            format!(
                "{} @{}",
                literal.value(),
                literal.language().unwrap_or_default()
            )
        }
        _ => labels.display(term),
    }
}

/// The named graphs stating this triple, by short name, sorted.
fn sources(store: &Dataset, quad: &Quad) -> String {
    let mut graphs: Vec<String> = store
        .quads_for_pattern(
            Some(quad.subject.as_ref()),
            Some(quad.predicate.as_ref()),
            Some(quad.object.as_ref()),
            None,
        )
        .filter_map(|q| match q.graph_name {
            GraphNameRef::NamedNode(node) => Some(labels::graph_name(node.as_str())),
            GraphNameRef::BlankNode(node) => Some(node.to_string()),
            GraphNameRef::DefaultGraph => None,
        })
        .collect();
    graphs.sort();
    graphs.join(", ")
}
