//! Blank nodes in `push`: a server gives a blank node label a meaning
//! within one request (one document, one SPARQL Update) only, so a node
//! that two graphs share (and every node of a named graph is shared with
//! the merged view) would become one node per graph if each graph went on
//! its own. The triples holding blank nodes therefore wait until every
//! graph has been replaced, and then go together: through SPARQL Update, one
//! `INSERT DATA` with a `GRAPH` block per graph (the standard's own scope
//! for labels); through the Graph Store, one N-Quads POST to the store's own
//! URL, the dataset (Oxigraph's `/store`, Fuseki's `/DATASET/data`), as
//! loading a TriG file whole into Oxigraph or Jena keeps one node. When no
//! node is shared, each graph's go in one request to that graph, as before,
//! which every Graph Store takes. Virtuoso's Graph Store answers quads at
//! its own URL `200` and keeps none: the counts then differ, and the error
//! says why (the note [`upload`] returns).

use super::{graph_url, ntriples, update_form, Upload};
use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{BlankNode, GraphName, NamedOrBlankNode, QuadRef, Term, Triple};
use std::collections::HashMap;

/// Whether `triple` holds a blank node, also inside a triple term.
pub(super) fn holds_blank(triple: &Triple) -> bool {
    let mut found = false;
    each_blank(triple, &mut |_| found = true);
    found
}

/// Calls `seen` with every blank node of `triple`, triple terms included
/// (their nesting is bounded by the loader's depth limit).
fn each_blank(triple: &Triple, seen: &mut impl FnMut(&BlankNode)) {
    if let NamedOrBlankNode::BlankNode(node) = &triple.subject {
        seen(node);
    }
    match &triple.object {
        Term::BlankNode(node) => seen(node),
        Term::Triple(inner) => each_blank(inner, seen),
        _ => {}
    }
}

/// A blank node two of `groups` hold, with the first two graphs holding
/// it, if there is one.
fn shared(groups: &[(GraphName, Vec<Triple>)]) -> Option<(BlankNode, GraphName, GraphName)> {
    let mut first: HashMap<BlankNode, usize> = HashMap::new();
    for (index, (_, triples)) in groups.iter().enumerate() {
        let mut found = None;
        for triple in triples {
            each_blank(triple, &mut |node| match first.get(node) {
                Some(&other) if other != index && found.is_none() => {
                    found = Some((node.clone(), other));
                }
                Some(_) => {}
                None => {
                    first.insert(node.clone(), index);
                }
            });
            if let Some((node, other)) = found {
                return Some((node, groups[other].0.clone(), groups[index].0.clone()));
            }
        }
    }
    None
}

/// Sends the triples holding blank nodes, by graph, after every graph was
/// replaced: in one request when a node is shared (module comment), else
/// one request per graph. Says, when the one request went to a Graph
/// Store, what to tell if the counts then differ: Virtuoso's takes quads at
/// its own URL with `200` and a page, and keeps none of them.
pub(super) fn upload(
    upload: &Upload<'_>,
    groups: &[(GraphName, Vec<Triple>)],
) -> Result<Option<String>> {
    let Some((node, one, other)) = shared(groups) else {
        for group in groups {
            send(upload, std::slice::from_ref(group))?;
        }
        return Ok(None);
    };
    let (one, other) = (super::shown(one.as_ref()), super::shown(other.as_ref()));
    send(upload, groups).map_err(|error| {
        // The server's refusal, and why this request was needed: a Graph
        // Store that takes no quads at its own URL (Virtuoso's) can still be
        // reached through SPARQL Update, whose scope is the whole request.
        let how = if upload.graph_store {
            "go in one N-Quads request to the Graph Store's own URL; push through SPARQL \
             Update instead (--update, without --graph-store)"
        } else {
            "go in one INSERT DATA"
        };
        Failure::new(
            Kind::Remote,
            format!(
                "{error} (sending the triples that hold blank nodes: {node} is in {one} and in \
                 {other}, and to stay one node on the server they {how})"
            ),
        )
    })?;
    Ok(upload.graph_store.then(|| {
        format!(
            "the triples holding blank nodes went in one N-Quads POST to the Graph Store's own \
             URL, as {node} is in {one} and in {other}, and this server may have kept none \
             (Virtuoso's answers such a request with a page, and its SPARQL Update refuses \
             blank nodes): give the node an IRI, or use --update where SPARQL Update takes them"
        )
    }))
}

/// One request adding `groups` to the graphs already replaced.
fn send(upload: &Upload<'_>, groups: &[(GraphName, Vec<Triple>)]) -> Result<()> {
    let count: usize = groups.iter().map(|(_, triples)| triples.len()).sum();
    if upload.graph_store {
        if let [(target, triples)] = groups {
            let url = graph_url(upload.url, target);
            upload.send("POST", &url, "application/n-triples", &ntriples(triples)?)?;
        } else {
            let mut serializer =
                RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
            for (target, triples) in groups {
                for triple in triples {
                    serializer.serialize_quad(QuadRef::new(
                        &triple.subject,
                        &triple.predicate,
                        &triple.object,
                        target,
                    ))?;
                }
            }
            let body = serializer.finish()?;
            upload.send("POST", upload.url, "application/n-quads", &body)?;
        }
    } else {
        let mut text = String::from("INSERT DATA {\n");
        for (target, triples) in groups {
            let data = String::from_utf8(ntriples(triples)?)?;
            match target {
                GraphName::DefaultGraph => text.push_str(&data),
                other => text.push_str(&format!("GRAPH {other} {{\n{data}}}\n")),
            }
        }
        text.push('}');
        upload.send(
            "POST",
            upload.url,
            "application/x-www-form-urlencoded",
            &update_form(&text),
        )?;
    }
    upload.progress.inc(count as u64);
    Ok(())
}
