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
//! DATA per batch); the triples holding blank nodes go last, all in one
//! request when two graphs share a node, so it stays one node on the server
//! (`blank.rs`). With `--union-default-graph` (Virtuoso) only the named
//! graphs go, and the server's union is the merged view. Afterwards every graph is counted through the query
//! endpoint; a count that differs is an error. With `--prune`, the graphs
//! under the project's namespace that the data no longer has are then
//! deleted from the server (`prune.rs`).
//!
//! Credentials come from `MISSIONS_KG_USER` and `MISSIONS_KG_PASSWORD`,
//! else from a netrc-style file (`$MISSIONS_KG_NETRC`, else `~/.netrc`) by
//! host, and answer the server's challenge (HTTP Basic or Digest, see
//! `client`); never from the command line: a URL carrying them is refused.

use crate::cli::PushArgs;
use crate::config::Config;
use crate::graph::client::{self, SparqlClient};
use crate::graph::Graph;
use crate::guard::error::{one_line, Failure, Kind};
use anyhow::Result;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Term, Triple};
use oxigraph::sparql::QueryResults;
use std::io::Write;
use std::time::Instant;

mod blank;
mod prune;

/// Where, with `--union-default-graph`, the triples that no named graph
/// holds go (a `--data` file's plain triples; the project's own data has
/// none).
const UNNAMED: &str = "https://w3id.org/missions-kg/graph/unnamed";

/// Triples per request, by default (`--batch`). The triples holding blank
/// nodes are not batched: they go together whatever their number
/// (`blank.rs`), as a blank node split across two requests would become
/// two nodes on the server.
const GRAPH_STORE_BATCH: usize = 50_000;
const UPDATE_BATCH: usize = 500;

pub fn run(config: &Config, args: &PushArgs) -> Result<()> {
    for (flag, url) in [
        ("--endpoint", Some(&args.endpoint)),
        ("--graph-store", args.graph_store.as_ref()),
        ("--update", args.update.as_ref()),
    ] {
        if let Some(url) = url {
            client::check_url(flag, url)?;
            if client::has_credentials(url) {
                return Err(Failure::usage(format!(
                    "{flag} holds a user name or password: give them in MISSIONS_KG_USER and \
                     MISSIONS_KG_PASSWORD instead, never on the command line"
                ))
                .into());
            }
        }
    }
    if let Some(store) = &args.graph_store {
        check_graph_store(store)?;
    }
    if args.batch == Some(0) {
        return Err(Failure::usage("invalid --batch 0: give at least 1 triple per request").into());
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
    // The environment first, else the netrc-style file's entry for the
    // URL's host.
    let login = |url: &str| -> Result<Option<client::Login>> {
        let pair = match &credentials {
            Some(pair) => Some(pair.clone()),
            None => client::netrc_credentials(url)?,
        };
        Ok(pair.map(|(user, password)| client::Login { user, password }))
    };
    let client =
        SparqlClient::new(&args.endpoint, args.timeout)?.with_login(login(&args.endpoint)?);
    let graph = Graph::load(config)?;
    let started = Instant::now();
    // With a union default graph, the server merges the named graphs
    // itself; the triples no named graph holds go to a graph of their own.
    let mut targets: Vec<GraphName> = Vec::new();
    let mut leftovers = Vec::new();
    if args.union_default_graph {
        for quad in graph.quads(None, None, None, Some(GraphNameRef::DefaultGraph)) {
            let quad = quad?;
            let stated = graph.graphs_stating(
                quad.subject.as_ref(),
                quad.predicate.as_ref(),
                quad.object.as_ref(),
            )?;
            if stated.is_empty() {
                leftovers.push(Triple::from(quad));
            }
        }
    } else {
        targets.push(GraphName::DefaultGraph);
    }
    for named in graph.named_graphs()? {
        targets.push(match named {
            NamedOrBlankNode::NamedNode(node) => GraphName::NamedNode(node),
            NamedOrBlankNode::BlankNode(node) => {
                return Err(Failure::new(
                    Kind::Input,
                    format!("the graph {node} has no IRI: a server cannot name it; give it one"),
                )
                .into())
            }
        });
    }
    let unnamed = GraphName::NamedNode(NamedNode::new_unchecked(UNNAMED));
    // With a union default graph, the merged view also goes to a graph of
    // its own, and a small graph lists the dataset: `--endpoint` finds it
    // and names the dataset in each request (`default-graph-uri`,
    // `named-graph-uri`), so a plain query sees each fact once and not the
    // server's union, a bag of every graph's copies.
    let merged = GraphName::NamedNode(crate::vocab::graph("merged"));
    let described = GraphName::NamedNode(crate::vocab::graph("dataset"));
    let mut description = Vec::new();
    if !leftovers.is_empty() {
        targets.push(unnamed.clone());
    }
    let articles = targets.clone();
    if args.union_default_graph {
        let subset = NamedNode::new_unchecked("http://rdfs.org/ns/void#subset");
        for target in &articles {
            if let (GraphName::NamedNode(m), GraphName::NamedNode(g)) = (&merged, target) {
                description.push(Triple::new(m.clone(), subset.clone(), g.clone()));
            }
        }
        targets.push(merged.clone());
        targets.push(described.clone());
    }
    // Bytes are not known before each batch is written: the bar counts
    // triples. Drawn on a terminal only; the summary line is always given.
    let all: usize = targets
        .iter()
        .map(|t| {
            if *t == unnamed {
                leftovers.len()
            } else if *t == described {
                description.len()
            } else if *t == merged {
                graph
                    .quads(None, None, None, Some(GraphNameRef::DefaultGraph))
                    .count()
            } else {
                graph.quads(None, None, None, Some(t.as_ref())).count()
            }
        })
        .sum();
    let progress = super::progress_bar(
        all as u64,
        "{msg} [{bar:30}] {human_pos}/{human_len} triples, {per_sec}, {eta} left",
    );
    let batch = args.batch.unwrap_or(if args.graph_store.is_some() {
        GRAPH_STORE_BATCH
    } else {
        UPDATE_BATCH
    });
    let url = match &args.graph_store {
        Some(store) => store.as_str(),
        None => args.update.as_deref().unwrap_or(&args.endpoint),
    };
    let upload = Upload {
        client: &client,
        url,
        graph_store: args.graph_store.is_some(),
        login: login(url)?,
        progress: &progress,
    };
    let mut total = 0;
    let mut expected = Vec::new();
    // The triples holding blank nodes, by graph: they go last, together
    // (`blank.rs`), so that a node two graphs share stays one.
    let mut with_blanks = Vec::new();
    for target in &targets {
        progress.set_message(format!("pushing {}", shown(target.as_ref())));
        let triples: Vec<Triple> = if *target == unnamed && !leftovers.is_empty() {
            std::mem::take(&mut leftovers)
        } else if *target == described {
            std::mem::take(&mut description)
        } else if *target == merged {
            graph
                .quads(None, None, None, Some(GraphNameRef::DefaultGraph))
                .map(|quad| quad.map(Triple::from))
                .collect::<Result<_>>()?
        } else {
            graph
                .quads(None, None, None, Some(target.as_ref()))
                .map(|quad| quad.map(Triple::from))
                .collect::<Result<_>>()?
        };
        total += triples.len();
        expected.push((target.clone(), count(&triples)));
        let (blank, plain): (Vec<Triple>, Vec<Triple>) =
            triples.into_iter().partition(blank::holds_blank);
        if upload.graph_store {
            upload_graph_store(&upload, target, &plain, batch)?;
        } else {
            upload_update(&upload, target, &plain, batch)?;
        }
        if !blank.is_empty() {
            with_blanks.push((target.clone(), blank));
        }
    }
    // Why a count may be short, when the server could drop what it was
    // sent in one request for the dataset (said with a count that differs).
    let mut together = String::new();
    if !with_blanks.is_empty() {
        progress.set_message("pushing the triples holding blank nodes");
        if let Some(note) = blank::upload(&upload, &with_blanks)? {
            together = format!("; {note}");
        }
    }
    if args.union_default_graph {
        // The merged view, as the server makes it from our graphs: each
        // fact once. (The server's union may hold graphs of its own too:
        // Virtuoso's system graphs.)
        let local = graph
            .quads(None, None, None, Some(GraphNameRef::DefaultGraph))
            .count();
        let found = union_count(&client, &articles)?;
        if found != local {
            return Err(Failure::new(
                Kind::Remote,
                format!(
                "the merged view holds {local} triples here, but the union of the pushed graphs \
                 on {} holds {found}{together}",
                client.shown_url()
            ),
            )
            .into());
        }
    }
    progress.finish_and_clear();
    for (target, wanted) in &expected {
        let found = remote_count(&client, target.as_ref())?;
        if found != *wanted {
            return Err(Failure::new(
                Kind::Remote,
                format!(
                    "pushed {wanted} triples to {} but {} counts {found}: the server changed them \
                 (is its default graph the union of all graphs?){together}",
                    shown(target.as_ref()),
                    client.shown_url()
                ),
            )
            .into());
        }
    }
    let graphs = if args.union_default_graph {
        format!(
            "{} named graphs, the merged view in {} (which --endpoint names in each request)",
            articles.len(),
            shown(merged.as_ref())
        )
    } else {
        format!(
            "{} graphs (the merged view as the default graph, and {} named)",
            targets.len(),
            targets.len() - 1
        )
    };
    let _ = writeln!(
        std::io::stderr(),
        "pushed {total} triples in {graphs} to {} in {:.1} s; every graph's count verified",
        client.shown_url(),
        started.elapsed().as_secs_f64()
    );
    if args.prune {
        prune::prune(&upload, &targets)?;
    }
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

/// Where one graph goes, and how.
struct Upload<'a> {
    client: &'a SparqlClient,
    /// The Graph Store's own URL, or the SPARQL Update endpoint.
    url: &'a str,
    graph_store: bool,
    login: Option<client::Login>,
    progress: &'a indicatif::ProgressBar,
}

impl Upload<'_> {
    fn send(&self, method: &str, url: &str, content_type: &str, body: &[u8]) -> Result<()> {
        self.client
            .send(method, url, content_type, body, self.login.as_ref())
    }
}

/// Refuses a `--graph-store` URL that already names a graph (`?graph=` or
/// `?default`, also percent-encoded): `push` names each graph it uploads,
/// so every request would carry two (`?graph=x&graph=…`), and which one a
/// server obeys is its own choice; replacing the user's would upload
/// somewhere they did not write. Other parameters stay (a key a gateway
/// wants). Called once the URL is known to hold no login.
fn check_graph_store(store: &str) -> Result<(), Failure> {
    let query = store.split_once('?').map_or("", |(_, query)| query);
    for (name, _) in form_urlencoded::parse(query.as_bytes()) {
        let parameter = match name.as_ref() {
            "graph" => "?graph=",
            "default" => "?default",
            _ => continue,
        };
        return Err(Failure::usage(format!(
            "invalid --graph-store '{}': it already names a graph ({parameter}); give the Graph \
             Store's own URL (Oxigraph: /store, Fuseki: /DATASET/data), as push names each graph it uploads",
            one_line(store, 200)
        )));
    }
    Ok(())
}

/// The URL of `target` in the Graph Store at `store` (`?graph=` or
/// `?default`, after the store's own parameters).
fn graph_url(store: &str, target: &GraphName) -> String {
    let separator = if store.contains('?') { '&' } else { '?' };
    match target {
        GraphName::DefaultGraph => format!("{store}{separator}default"),
        GraphName::NamedNode(node) => format!(
            "{store}{separator}graph={}",
            percent_encoding::utf8_percent_encode(
                node.as_str(),
                percent_encoding::NON_ALPHANUMERIC
            )
        ),
        GraphName::BlankNode(_) => unreachable!("refused in run"),
    }
}

/// PUT the first batch (replacing the graph), POST the others.
fn upload_graph_store(
    upload: &Upload<'_>,
    target: &GraphName,
    triples: &[Triple],
    batch: usize,
) -> Result<()> {
    let url = graph_url(upload.url, target);
    if triples.is_empty() {
        return upload.send("PUT", &url, "application/n-triples", b"");
    }
    for (index, chunk) in triples.chunks(batch).enumerate() {
        let method = if index == 0 { "PUT" } else { "POST" };
        upload.send(method, &url, "application/n-triples", &ntriples(chunk)?)?;
        upload.progress.inc(chunk.len() as u64);
    }
    Ok(())
}

/// `text` as the form a SPARQL Update endpoint takes.
fn update_form(text: &str) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("update", text)
        .finish()
        .into_bytes()
}

/// DROP SILENT the graph, then INSERT DATA batch by batch.
fn upload_update(
    upload: &Upload<'_>,
    target: &GraphName,
    triples: &[Triple],
    batch: usize,
) -> Result<()> {
    let update = upload.url;
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
    upload.send("POST", update, urlencoded, &update_form(&drop))?;
    for chunk in triples.chunks(batch) {
        let data = String::from_utf8(ntriples(chunk)?)?;
        let text = format!("INSERT DATA {{ {open}\n{data}{close} }}");
        upload.send("POST", update, urlencoded, &update_form(&text))?;
        upload.progress.inc(chunk.len() as u64);
    }
    Ok(())
}

/// How many distinct triples the server holds across `graphs`.
fn union_count(client: &SparqlClient, graphs: &[GraphName]) -> Result<usize> {
    let names: Vec<String> = graphs.iter().map(ToString::to_string).collect();
    let query = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ \
         GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {} }} }} }}",
        names.join(" ")
    );
    count_answer(client, &query)
}

/// How many distinct triples the server holds in `target` (the default
/// graph: the merged view, however the server makes it).
fn remote_count(client: &SparqlClient, target: GraphNameRef<'_>) -> Result<usize> {
    let pattern = match target {
        GraphNameRef::DefaultGraph => "?s ?p ?o".to_owned(),
        other => format!("GRAPH {other} {{ ?s ?p ?o }}"),
    };
    let query = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {pattern} }} }}"
    );
    count_answer(client, &query)
}

/// The number a COUNT query answers.
fn count_answer(client: &SparqlClient, query: &str) -> Result<usize> {
    let QueryResults::Solutions(mut solutions) = client.query(query, false)? else {
        return Err(
            Failure::new(Kind::Remote, "the count query answered no rows".to_owned()).into(),
        );
    };
    let value = match solutions.next() {
        Some(solution) => solution?.get("n").cloned(),
        None => None,
    };
    match value {
        Some(Term::Literal(literal)) => literal.value().parse().map_err(|_| {
            Failure::new(
                Kind::Remote,
                format!(
                    "{} answered a count that is not a number: {}",
                    client.shown_url(),
                    one_line(literal.value(), 40)
                ),
            )
            .into()
        }),
        _ => Err(Failure::new(
            Kind::Remote,
            format!("{} answered no count", client.shown_url()),
        )
        .into()),
    }
}
