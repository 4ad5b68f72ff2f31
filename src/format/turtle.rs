//! A small pretty writer for Turtle and TriG.
//!
//! Oxigraph's serializer is streaming: it cannot sort, and it declares
//! prefixes by length. We want diff-friendly exports, so this writer takes
//! quads already sorted by `format::sort_quads` and prints: the used
//! predeclared prefixes (alphabetical), then one block per subject with
//! `;` between predicates and `,` between objects, one graph block per named
//! graph. Turtle is TriG without named graphs, so one writer serves both.

use crate::graph::labels::{self, Style};
use crate::vocab;
use oxigraph::model::{GraphNameRef, NamedNodeRef, Quad, TermRef};
use std::io::{self, Write};

/// Writes `quads` (sorted, no duplicates) as Turtle, or TriG when some quad
/// is in a named graph.
pub fn write(quads: &[Quad], out: &mut impl Write) -> io::Result<()> {
    let prefixes = super::used_prefixes(quads);
    for (name, iri) in &prefixes {
        writeln!(out, "@prefix {name}: <{iri}> .")?;
    }
    let mut graph_start = 0;
    while graph_start < quads.len() {
        let graph = quads[graph_start].graph_name.as_ref();
        let graph_end = graph_start
            + quads[graph_start..]
                .iter()
                .take_while(|q| q.graph_name.as_ref() == graph)
                .count();
        let indent = match graph {
            GraphNameRef::DefaultGraph => "",
            GraphNameRef::NamedNode(node) => {
                writeln!(out, "\n{} {{", named_node(node))?;
                "    "
            }
            GraphNameRef::BlankNode(node) => {
                writeln!(out, "\n{node} {{")?;
                "    "
            }
        };
        write_triples(&quads[graph_start..graph_end], indent, out)?;
        if !graph.is_default_graph() {
            writeln!(out, "}}")?;
        }
        graph_start = graph_end;
    }
    Ok(())
}

/// Past this width, a predicate's objects go one per line.
const WIDTH: usize = 100;

/// One graph's triples, grouped by subject then predicate. A predicate's
/// objects share one line while it fits in [`WIDTH`] columns, else each gets
/// its own line, so long lists (a cast, a list of prizes) stay readable.
fn write_triples(quads: &[Quad], indent: &str, out: &mut impl Write) -> io::Result<()> {
    let mut start = 0;
    while start < quads.len() {
        let subject = &quads[start].subject;
        let end = start
            + quads[start..]
                .iter()
                .take_while(|q| &q.subject == subject)
                .count();
        // A blank line between subjects, and after the prefixes.
        if start > 0 || indent.is_empty() {
            writeln!(out)?;
        }
        write!(out, "{indent}{}", term(subject.as_ref().into()))?;
        let mut first = true;
        let mut run = start;
        while run < end {
            let predicate_node = quads[run].predicate.as_ref();
            let run_end = run
                + quads[run..end]
                    .iter()
                    .take_while(|q| q.predicate.as_ref() == predicate_node)
                    .count();
            let objects: Vec<String> = quads[run..run_end]
                .iter()
                .map(|q| term(q.object.as_ref()))
                .collect();
            let head = predicate(predicate_node);
            let lead = if first {
                " ".to_owned()
            } else {
                format!(" ;\n{indent}    ")
            };
            let one_line = objects.join(", ");
            let column = indent.len() + 4 + head.len() + 1;
            if objects.len() > 1 && column + one_line.len() > WIDTH {
                let continuation = format!(",\n{indent}        ");
                write!(
                    out,
                    "{lead}{head}\n{indent}        {}",
                    objects.join(&continuation)
                )?;
            } else {
                write!(out, "{lead}{head} {one_line}")?;
            }
            first = false;
            run = run_end;
        }
        writeln!(out, " .")?;
        start = end;
    }
    Ok(())
}

fn predicate(node: NamedNodeRef<'_>) -> String {
    if node.as_str() == vocab::RDF_TYPE {
        "a".to_owned()
    } else {
        named_node(node)
    }
}

fn named_node(node: NamedNodeRef<'_>) -> String {
    labels::compact(node.as_str())
}

fn term(term: TermRef<'_>) -> String {
    labels::term(term, Style::Turtle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::vocab::xsd;
    use oxigraph::model::{GraphName, Literal, NamedNode};

    fn mkd(slug: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{slug}", vocab::MKD))
    }

    #[test]
    fn writes_grouped_turtle_and_trig() {
        let label = NamedNode::new_unchecked(vocab::RDFS_LABEL);
        let type_ = NamedNode::new_unchecked(vocab::RDF_TYPE);
        let quads = super::super::sort_quads(vec![
            Quad::new(
                mkd("a"),
                label.clone(),
                Literal::new_language_tagged_literal_unchecked("A", "fr"),
                GraphName::DefaultGraph,
            ),
            Quad::new(mkd("a"), type_.clone(), mkd("T"), GraphName::DefaultGraph),
            Quad::new(
                mkd("a"),
                mkd("p"),
                Literal::from(3),
                GraphName::DefaultGraph,
            ),
            Quad::new(
                mkd("a"),
                mkd("p"),
                Literal::new_typed_literal("2020-01-01", xsd::DATE),
                GraphName::DefaultGraph,
            ),
            Quad::new(mkd("b"), type_, mkd("T"), vocab::graph("g")),
        ]);
        let mut out = Vec::new();
        write(&quads, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "@prefix mkd: <https://w3id.org/missions-kg/id/> .\n\
             @prefix mkg: <https://w3id.org/missions-kg/graph/> .\n\
             @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
             @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\
             \n\
             mkd:a a mkd:T ;\n    \
                 rdfs:label \"A\"@fr ;\n    \
                 mkd:p \"2020-01-01\"^^xsd:date, 3 .\n\
             \n\
             mkg:g {\n    \
                 mkd:b a mkd:T .\n\
             }\n"
        );
    }

    #[test]
    fn long_object_lists_go_one_per_line() {
        let p = mkd("p");
        let quads: Vec<Quad> = (0..8)
            .map(|i| {
                Quad::new(
                    mkd("s"),
                    p.clone(),
                    mkd(&format!("object-number-{i}")),
                    GraphName::DefaultGraph,
                )
            })
            .collect();
        let mut out = Vec::new();
        write(&super::super::sort_quads(quads), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "mkd:s mkd:p\n        mkd:object-number-0,\n        mkd:object-number-1,"
            ),
            "{text}"
        );
        assert!(text.ends_with("        mkd:object-number-7 .\n"), "{text}");
    }
}
