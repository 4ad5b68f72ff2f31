//! `/store`: the SPARQL 1.1 Graph Store Protocol (read-only), and the
//! downloads of the graph for people.
//!
//! A program gets RDF as the protocol says: one graph (`?graph=IRI`), the
//! default graph (`?default`: the merged view, each fact once), or, with
//! neither, the dataset exactly as `missions-kg export` writes it (every
//! named graph, plus the default-graph triples no named graph holds), so
//! loading the dump again rebuilds the graph instead of doubling it. Every
//! RDF answer is named for saving (`missions-kg.trig`). A browser, which
//! asks for HTML first, gets a page offering the formats and saying what
//! each holds; the home page shows the same choice ([`graph_downloads`]).

use super::http::{accept, choose, filename, pairs, stopped, Answer, Capped, HttpError};
use super::lang::Lang;
use super::layout::{encode, internal, layout, link, page};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::Kind;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad};

/// `GET`/`HEAD /store?graph=IRI`, `?default`, or neither (the whole
/// dataset): the SPARQL 1.1 Graph Store Protocol, read-only; a page of
/// downloads for a browser.
pub async fn graph_store(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut graphs = Vec::new();
    let mut default = false;
    let mut format = None;
    let given = match pairs(raw.as_deref().map(str::as_bytes)) {
        Ok(given) => given,
        Err(error) => return error.into_response(),
    };
    let lang = Lang::of(&given, &headers, Lang::default_of(&state));
    for (name, value) in given {
        match name.as_str() {
            "graph" => graphs.push(value),
            "default" => default = true,
            "format" | "output" => format = Some(value),
            _ => {}
        }
    }
    let target = match (default, graphs.as_slice()) {
        (true, []) => Some(GraphName::DefaultGraph),
        (false, []) => None,
        (false, [iri]) => match NamedNode::new(iri.as_str()) {
            Ok(node) => Some(node.into()),
            Err(error) => {
                return HttpError::bad_request(format!(
                    "invalid graph IRI '{}': {error}",
                    crate::guard::error::one_line(iri, 200)
                ))
                .into_response()
            }
        },
        _ => {
            return HttpError::bad_request(
                "give one graph: ?graph=IRI or ?default (or neither, for the whole dataset)",
            )
            .into_response()
        }
    };
    let payload = if target.is_some() {
        Payload::Graph
    } else {
        Payload::Dataset
    };
    // HTML is offered last: only a client that prefers it (a browser)
    // gets the page; `*/*` and every RDF type get data, as before.
    let format = match choose(
        format.as_deref(),
        accept(&headers).as_deref(),
        payload,
        true,
    ) {
        Ok(format) => format,
        Err(error) => return error.into_response(),
    };
    let max_result = state.settings.max_result;
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        budget.check("the request").map_err(HttpError::from)?;
        if let Some(GraphName::NamedNode(node)) = &target {
            let exists = graph
                .contains_named_graph(node.as_ref().into())
                .map_err(|e| HttpError::from_error(&e, Kind::Internal))?;
            if !exists {
                return Err(HttpError::not_found(format!(
                    "no graph <{}> in the dataset",
                    node.as_str()
                )));
            }
        }
        let OutputFormat::Rdf(rdf) = format else {
            return store_page(&shared.site, graph, lang, target.as_ref());
        };
        let quads = match &target {
            Some(name) => graph
                .quads(None, None, None, Some(name.as_ref()))
                .map(|quad| {
                    quad.map(|quad| {
                        Quad::new(
                            quad.subject,
                            quad.predicate,
                            quad.object,
                            GraphName::DefaultGraph,
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>(),
            None => graph.dataset_quads(&mut || Ok(budget.check("the dump")?)),
        }
        .map_err(|e| stopped(e, budget))?;
        let mut body = Capped::new(max_result);
        format::write_quads(quads, rdf, &mut body).map_err(|error| stopped(error, budget))?;
        body.finish(max_result).map(|body| Answer {
            content_type: format::content_type(format),
            body,
            volatile: false,
            filename: Some(filename(&stem(target.as_ref()), format)),
        })
    };
    super::answer(&state, work).await
}

/// The name a download of `target` is saved by, without its extension:
/// `missions-kg` for the dataset and the merged view (the extension tells
/// them apart: `.trig`, `.ttl`), `missions-kg-article-000` for a graph.
fn stem(target: Option<&GraphName>) -> String {
    let Some(GraphName::NamedNode(node)) = target else {
        return "missions-kg".to_owned();
    };
    let name: String = labels::graph_name(node.as_str())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "missions-kg-graph".to_owned()
    } else {
        format!("missions-kg-{name}")
    }
}

const JSON_LD: RdfFormat = RdfFormat::JsonLd {
    profile: JsonLdProfileSet::empty(),
};

/// The graph's downloads, each with what it holds: the merged view in
/// Turtle, the dataset in TriG, N-Quads and JSON-LD (and, with `all`, the
/// merged view in N-Triples and RDF/XML too).
pub(super) fn graph_downloads(lang: Lang, all: bool) -> Markup {
    let merged = lang.t(
        "The merged view: every fact once, without the articles that state it (the default graph).",
        "La vue fusionnée : chaque fait une fois, sans les articles qui l'énoncent (le graphe par défaut).",
    );
    let dataset = lang.t(
        "Every article's facts in its own named graph, with the ontology, the sources and the links: what missions-kg export writes; loading it gives this graph back.",
        "Les faits de chaque article dans son propre graphe nommé, avec l'ontologie, les sources et les liens : ce qu'écrit missions-kg export ; le recharger redonne ce graphe.",
    );
    let default = Some(GraphName::DefaultGraph);
    let mut rows = vec![(OutputFormat::Rdf(RdfFormat::Turtle), &default, merged)];
    if all {
        for rdf in [RdfFormat::NTriples, RdfFormat::RdfXml] {
            rows.push((OutputFormat::Rdf(rdf), &default, merged));
        }
    }
    for rdf in [RdfFormat::TriG, RdfFormat::NQuads, JSON_LD] {
        rows.push((OutputFormat::Rdf(rdf), &None, dataset));
    }
    html! {
        table.facts.downloads {
            @for (format, target, holds) in &rows {
                tr {
                    th scope="row" {
                        a href={"/store?" @if target.is_some() { "default&" } "format=" (format::name(*format))} download { (format::label(*format)) }
                    }
                    td { (holds) " " small { code { (filename(&stem(target.as_ref()), *format)) } } }
                }
            }
        }
    }
}

/// The page a browser gets from `/store`: the downloads, one graph's when
/// `target` names one, and how programs ask for them.
fn store_page(
    site: &super::Site,
    graph: &Graph,
    lang: Lang,
    target: Option<&GraphName>,
) -> Result<Answer, HttpError> {
    let mut named: Vec<(String, NamedNode)> = graph
        .named_graphs()
        .map_err(|e| internal(&e))?
        .into_iter()
        .filter_map(|graph| match graph {
            NamedOrBlankNode::NamedNode(node) => Some((labels::graph_name(node.as_str()), node)),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect();
    named.sort();
    let graph_formats = [
        RdfFormat::Turtle,
        RdfFormat::NTriples,
        JSON_LD,
        RdfFormat::RdfXml,
    ];
    let title = lang.t("Download the graph", "Télécharger le graphe");
    Ok(page(layout(
        lang,
        title,
        "/store",
        html! {
            h1 { (title) }
            @if let Some(GraphName::NamedNode(node)) = target {
                h2 { (labels::graph_name(node.as_str())) }
                p.iri { code { (node.as_str()) } }
                p.downloads {
                    "⬇ "
                    @for rdf in graph_formats {
                        a href={"/store?graph=" (encode(node.as_str())) "&format=" (format::name(OutputFormat::Rdf(rdf)))} download { (format::label(OutputFormat::Rdf(rdf))) } " "
                    }
                }
                h2 { (lang.t("The whole graph", "Le graphe entier")) }
            }
            (graph_downloads(lang, true))
            h2 { (lang.t("One graph", "Un seul graphe")) }
            ul.found {
                @for (name, node) in &named {
                    li {
                        (link(site, node.as_str(), "", html! { (name) })) " "
                        small.downloads {
                            @for rdf in [RdfFormat::Turtle, JSON_LD] {
                                a href={"/store?graph=" (encode(node.as_str())) "&format=" (format::name(OutputFormat::Rdf(rdf)))} download { (format::label(OutputFormat::Rdf(rdf))) } " "
                            }
                        }
                    }
                }
            }
            h2 { (lang.t("For programs", "Pour les programmes")) }
            p {
                (lang.t(
                    "This is the SPARQL 1.1 Graph Store Protocol (read-only): ask /store?graph=IRI, /store?default or /store with an RDF media type in Accept (text/turtle, application/trig, application/n-quads…), or name the format with format=. Queries go to ",
                    "C'est le protocole SPARQL 1.1 Graph Store (en lecture seule) : demandez /store?graph=IRI, /store?default ou /store avec un type RDF dans Accept (text/turtle, application/trig, application/n-quads…), ou nommez le format avec format=. Les requêtes vont à "))
                a href="/sparql" { "/sparql" } "."
            }
        },
    )))
}
