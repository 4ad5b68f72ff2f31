//! Reads of a [`super::Graph`] held by a remote SPARQL engine: each read is
//! one SELECT or ASK query sent through [`SparqlClient`]. Called only by
//! `graph.rs`, so the commands do not know where the quads live.
//!
//! Bound terms are written into the query in N-Triples syntax (IRIs and
//! literals are never spliced as raw text). A blank node cannot be named
//! across two requests (each answer labels its blank nodes afresh), so a
//! pattern bound to one matches nothing here; the project's data names
//! every node it describes with an IRI.

use crate::graph::client::SparqlClient;
use anyhow::Result;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, TermRef,
};
use oxigraph::sparql::QueryResults;

/// A term of a pattern: the bound value in N-Triples syntax, or the
/// variable; `None` when the bound value is a blank node (see above).
fn slot(name: &str, term: Option<TermRef<'_>>) -> Option<String> {
    match term {
        None => Some(format!("?{name}")),
        Some(TermRef::BlankNode(_)) => None,
        Some(term) => Some(term.to_string()),
    }
}

/// The quads matching a pattern, as `Graph::quads` gives them: `None` for
/// the graph is every graph, the default one included.
pub fn quads(
    client: &SparqlClient,
    subject: Option<NamedOrBlankNodeRef<'_>>,
    predicate: Option<NamedNodeRef<'_>>,
    object: Option<TermRef<'_>>,
    graph_name: Option<GraphNameRef<'_>>,
) -> Result<Vec<Quad>> {
    let (Some(s), Some(p), Some(o)) = (
        slot("s", subject.map(TermRef::from)),
        slot("p", predicate.map(TermRef::from)),
        slot("o", object),
    ) else {
        return Ok(Vec::new());
    };
    let triple = format!("{s} {p} {o}");
    let pattern = match graph_name {
        None => format!("{{ {triple} }} UNION {{ GRAPH ?g {{ {triple} }} }}"),
        Some(GraphNameRef::DefaultGraph) => triple,
        Some(GraphNameRef::NamedNode(node)) => format!("GRAPH {node} {{ {triple} }}"),
        Some(GraphNameRef::BlankNode(_)) => return Ok(Vec::new()),
    };
    let query = format!("SELECT * WHERE {{ {pattern} }}");
    let QueryResults::Solutions(solutions) = client.query(&query, false)? else {
        return Ok(Vec::new());
    };
    let mut quads = Vec::new();
    for solution in solutions {
        let solution = solution?;
        let term = |name: &str, bound: Option<TermRef<'_>>| -> Option<Term> {
            bound
                .map(TermRef::into_owned)
                .or_else(|| solution.get(name).cloned())
        };
        let subject = match term("s", subject.map(TermRef::from)) {
            Some(Term::NamedNode(node)) => NamedOrBlankNode::from(node),
            Some(Term::BlankNode(node)) => NamedOrBlankNode::from(node),
            _ => continue,
        };
        let Some(Term::NamedNode(predicate)) = term("p", predicate.map(TermRef::from)) else {
            continue;
        };
        let Some(object) = term("o", object) else {
            continue;
        };
        let graph = match (graph_name, solution.get("g")) {
            (Some(GraphNameRef::NamedNode(node)), _) => GraphName::NamedNode(node.into_owned()),
            (_, Some(Term::NamedNode(node))) => GraphName::NamedNode(node.clone()),
            (_, Some(Term::BlankNode(node))) => GraphName::BlankNode(node.clone()),
            _ => GraphName::DefaultGraph,
        };
        quads.push(Quad::new(subject, predicate, object, graph));
    }
    Ok(quads)
}

/// Every property used, in any graph, each once.
pub fn predicates(client: &SparqlClient) -> Result<Vec<NamedNode>> {
    let query = "SELECT DISTINCT ?p WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }";
    named_nodes(client, query, "p")
}

/// The named graphs holding at least one quad.
pub fn named_graphs(client: &SparqlClient) -> Result<Vec<NamedOrBlankNode>> {
    let query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }";
    Ok(named_nodes(client, query, "g")?
        .into_iter()
        .map(NamedOrBlankNode::from)
        .collect())
}

/// Whether `graph` holds at least one quad.
pub fn contains_named_graph(client: &SparqlClient, graph: NamedOrBlankNodeRef<'_>) -> Result<bool> {
    let NamedOrBlankNodeRef::NamedNode(graph) = graph else {
        return Ok(false);
    };
    match client.query(&format!("ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"), false)? {
        QueryResults::Boolean(found) => Ok(found),
        _ => Ok(false),
    }
}

fn named_nodes(client: &SparqlClient, query: &str, variable: &str) -> Result<Vec<NamedNode>> {
    let QueryResults::Solutions(solutions) = client.query(query, false)? else {
        return Ok(Vec::new());
    };
    let mut nodes = Vec::new();
    for solution in solutions {
        if let Some(Term::NamedNode(node)) = solution?.get(variable) {
            nodes.push(node.clone());
        }
    }
    Ok(nodes)
}
