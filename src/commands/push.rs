//! `missions-kg push`: uploads the dataset to a SPARQL server, so that
//! `--endpoint` (and anyone else) can query it there.
//!
//! Each named graph (each article, the curation) goes to the graph of the
//! same name, and the merged view to the default graph: a plain query then
//! sees each fact once, on a server whose default graph is its own graph
//! (Oxigraph, Fuseki), and `GRAPH` tells the articles apart. A graph is
//! replaced, not added to, so pushing again gives the same server state.
//! Uploads use the Graph Store Protocol (`--graph-store`: PUT the first
//! batch, POST the next) or else SPARQL Update (DROP SILENT, then INSERT
//! DATA per batch). Afterwards every graph is counted through the query
//! endpoint; a count that differs is an error.
//!
//! Credentials come from `MISSIONS_KG_USER` and `MISSIONS_KG_PASSWORD`
//! (HTTP Basic), never from the command line: a URL carrying them is
//! refused.

use crate::cli::PushArgs;
use crate::client::{self, SparqlClient};
use crate::config::Config;
use crate::error::{one_line, Failure};
use crate::graph::Graph;
use anyhow::Result;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedOrBlankNode, Term, Triple};
use oxigraph::sparql::QueryResults;
use std::io::Write;
use std::time::Instant;

/// Triples per request. A graph holding blank nodes goes in one request
/// whatever its size: a blank node split across two requests would become
/// two nodes on the server.
const BATCH: usize = 50_000;

pub fn run(config: &Config, args: &PushArgs) -> Result<()> {
    for (flag, url) in [
        ("--endpoint", Some(&args.endpoint)),
        ("--graph-store", args.graph_store.as_ref()),
        ("--update", args.update.as_ref()),
    ] {
        if let Some(url) = url {
            if client::has_credentials(url) {
                return Err(Failure::usage(format!(
                    "{flag} holds a user name or password: give them in MISSIONS_KG_USER and \
                     MISSIONS_KG_PASSWORD instead, never on the command line"
                ))
                .into());
            }
        }
    }
    let credentials = match (
        std::env::var("MISSIONS_KG_USER"),
        std::env::var("MISSIONS_KG_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => Some((user, password)),
        (Err(_), Err(_)) => None,
        _ => {
            return Err(Failure::usage(
                "give both MISSIONS_KG_USER and MISSIONS_KG_PASSWORD, or neither",
            )
            .into())
        }
    };
    let authenticated = |url: &str| match &credentials {
        Some((user, password)) => client::with_credentials(url, user, password),
        None => url.to_owned(),
    };
    let client = SparqlClient::new(&authenticated(&args.endpoint), args.timeout)?;
    let graph = Graph::load(config)?;
    let started = Instant::now();
    let mut targets: Vec<GraphName> = vec![GraphName::DefaultGraph];
    for named in graph.named_graphs()? {
        targets.push(match named {
            NamedOrBlankNode::NamedNode(node) => GraphName::NamedNode(node),
            NamedOrBlankNode::BlankNode(node) => {
                return Err(Failure::new(format!(
                    "the graph {node} has no IRI: a server cannot name it; give it one"
                ))
                .into())
            }
        });
    }
    let mut total = 0;
    let mut expected = Vec::new();
    for target in &targets {
        let triples: Vec<Triple> = graph
            .quads(None, None, None, Some(target.as_ref()))
            .map(|quad| quad.map(Triple::from))
            .collect::<Result<_>>()?;
        let has_blank = triples.iter().any(|t| {
            matches!(t.subject, NamedOrBlankNode::BlankNode(_))
                || matches!(t.object, Term::BlankNode(_))
        });
        let size = if has_blank { usize::MAX } else { BATCH };
        match &args.graph_store {
            Some(store) => {
                upload_graph_store(&client, &authenticated(store), target, &triples, size)?
            }
            None => {
                let update = authenticated(args.update.as_deref().unwrap_or(&args.endpoint));
                upload_update(&client, &update, target, &triples, size)?
            }
        }
        total += triples.len();
        expected.push((target.clone(), count(&triples)));
    }
    for (target, wanted) in &expected {
        let found = remote_count(&client, target.as_ref())?;
        if found != *wanted {
            return Err(Failure::new(format!(
                "pushed {wanted} triples to {} but {} counts {found}: the server changed them \
                 (is its default graph the union of all graphs?)",
                shown(target.as_ref()),
                client.shown_url()
            ))
            .into());
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "pushed {total} triples in {} graphs (the default graph and {} named) to {} in {:.1} s; \
         every graph's count verified",
        targets.len(),
        targets.len() - 1,
        client.shown_url(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The number of distinct triples: what the server will count.
fn count(triples: &[Triple]) -> usize {
    triples
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len()
}

fn shown(target: GraphNameRef<'_>) -> String {
    match target {
        GraphNameRef::DefaultGraph => "the default graph".to_owned(),
        other => format!("graph {other}"),
    }
}

/// `triples` as N-Triples.
fn ntriples(triples: &[Triple]) -> Result<Vec<u8>> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
    for triple in triples {
        serializer.serialize_triple(triple)?;
    }
    Ok(serializer.finish()?)
}

/// PUT the first batch (replacing the graph), POST the others.
fn upload_graph_store(
    client: &SparqlClient,
    store: &str,
    target: &GraphName,
    triples: &[Triple],
    batch: usize,
) -> Result<()> {
    let separator = if store.contains('?') { '&' } else { '?' };
    let url = match target {
        GraphName::DefaultGraph => format!("{store}{separator}default"),
        GraphName::NamedNode(node) => format!(
            "{store}{separator}graph={}",
            percent_encoding::utf8_percent_encode(
                node.as_str(),
                percent_encoding::NON_ALPHANUMERIC
            )
        ),
        GraphName::BlankNode(_) => unreachable!("refused in run"),
    };
    if triples.is_empty() {
        return client.send("PUT", &url, "application/n-triples", b"");
    }
    for (index, chunk) in triples.chunks(batch.max(1)).enumerate() {
        let method = if index == 0 { "PUT" } else { "POST" };
        client.send(method, &url, "application/n-triples", &ntriples(chunk)?)?;
    }
    Ok(())
}

/// DROP SILENT the graph, then INSERT DATA batch by batch.
fn upload_update(
    client: &SparqlClient,
    update: &str,
    target: &GraphName,
    triples: &[Triple],
    batch: usize,
) -> Result<()> {
    let form = |text: String| -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("update", &text)
            .finish()
            .into_bytes()
    };
    let urlencoded = "application/x-www-form-urlencoded";
    let (drop, open, close) = match target {
        GraphName::DefaultGraph => ("DROP SILENT DEFAULT".to_owned(), String::new(), ""),
        GraphName::NamedNode(node) => (
            format!("DROP SILENT GRAPH {node}"),
            format!("GRAPH {node} {{"),
            "}",
        ),
        GraphName::BlankNode(_) => unreachable!("refused in run"),
    };
    client.send("POST", update, urlencoded, &form(drop))?;
    for chunk in triples.chunks(batch.max(1)) {
        let data = String::from_utf8(ntriples(chunk)?)?;
        let text = format!("INSERT DATA {{ {open}\n{data}{close} }}");
        client.send("POST", update, urlencoded, &form(text))?;
    }
    Ok(())
}

/// How many triples the server holds in `target`.
fn remote_count(client: &SparqlClient, target: GraphNameRef<'_>) -> Result<usize> {
    let pattern = match target {
        GraphNameRef::DefaultGraph => "?s ?p ?o".to_owned(),
        other => format!("GRAPH {other} {{ ?s ?p ?o }}"),
    };
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}");
    let QueryResults::Solutions(mut solutions) = client.query(&query, false)? else {
        return Err(Failure::new("the count query answered no rows".to_owned()).into());
    };
    let value = match solutions.next() {
        Some(solution) => solution?.get("n").cloned(),
        None => None,
    };
    match value {
        Some(Term::Literal(literal)) => literal.value().parse().map_err(|_| {
            Failure::new(format!(
                "{} answered a count that is not a number: {}",
                client.shown_url(),
                one_line(literal.value(), 40)
            ))
            .into()
        }),
        _ => Err(Failure::new(format!("{} answered no count", client.shown_url())).into()),
    }
}
