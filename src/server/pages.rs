//! The human side of the server: the home page and search (the query
//! page is `query_page.rs`, the ontology's `ontology.rs`), rendered on the server (maud, which escapes every
//! value), readable without JavaScript, in English or French (`lang.rs`).
//! The shell they share is `layout.rs`; the linked-data pages of the
//! project's IRIs are `linked_data.rs`.
//!
//! Each page is computed on a query thread (`super::run_query`: a slot, a
//! budget, the timeout) from the same views and stored queries as the
//! commands, then rendered here.

use super::http::{stopped, Answer, HttpError};
use super::lang::PageRequest;
use super::layout::{cell, internal, layout, page, stored};
use super::Shared;
use crate::graph::entity;
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::sparql::catalog::StoredQuery;
use crate::vocab;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use oxigraph::model::{NamedNode, NamedNodeRef, Term};
use oxigraph::sparql::QueryResults;

/// `GET /`: what the graph is, the search box, the articles, the stored
/// queries with their parameters as form fields.
pub async fn home(State(state): State<Shared>, PageRequest { lang, .. }: PageRequest) -> Response {
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let mut labels = LabelCache::new(graph, Some(lang.code()));
        let mut articles = Vec::new();
        if let QueryResults::Solutions(solutions) = stored(&shared, graph, budget, "articles", &[])?
        {
            for solution in solutions {
                let solution = solution.map_err(|e| internal(&e.into()))?;
                let text = |name: &str| match solution.get(name) {
                    Some(Term::Literal(literal)) => literal.value().to_owned(),
                    _ => String::new(),
                };
                let Some(article) = solution.get("article") else {
                    continue;
                };
                let date = [text("probable"), text("earliest"), text("latest")]
                    .into_iter()
                    .find(|date| !date.is_empty())
                    .unwrap_or_default();
                articles.push((cell(article, &mut labels, &shared.site), text("kind"), date));
            }
        }
        let queries: Vec<&StoredQuery> = shared
            .catalog
            .queries
            .iter()
            .filter(|q| !q.is_check())
            .collect();
        Ok(page(layout(
            lang,
            lang.t("Home", "Accueil"),
            "/",
            html! {
                h1 { (lang.t("Missions, the series, as a knowledge graph", "Missions, la série, en graphe de connaissances")) }
                p.lead { (lang.t(
                    "Missions is a French science-fiction series (2017, OCS). This graph holds every fact four French press articles state about it, each fact with the articles that state it; where they differ, both versions stay, side by side.",
                    "Missions est une série française de science-fiction (2017, OCS). Ce graphe contient chaque fait qu'énoncent quatre articles de presse français à son sujet, chacun avec les articles qui l'énoncent ; là où ils divergent, les deux versions restent, côte à côte.")) }
                form.search.big action="/search" method="get" {
                    input type="hidden" name="lang" value=(lang.code());
                    input type="search" name="q" placeholder=(lang.t("Search: Lacombe, Mars, Ulysse…", "Chercher : Lacombe, Mars, Ulysse…")) aria-label=(lang.t("Search", "Chercher"));
                    button type="submit" { (lang.t("Search", "Chercher")) }
                }
                h2 { (lang.t("The articles", "Les articles")) }
                ul.articles {
                    @for (link, kind, date) in &articles {
                        li { (link) " " small { (kind) @if !date.is_empty() { " · " (date) } } }
                    }
                }
                h2 { (lang.t("Download the graph", "Télécharger le graphe")) }
                (super::store::graph_downloads(lang, false))
                p { a href={"/store?lang=" (lang.code())} { (lang.t("More formats, and one graph at a time", "D'autres formats, et un graphe à la fois")) } }
                h2 { (lang.t("Stored queries", "Requêtes enregistrées")) }
                ul.queries {
                    @for query in &queries {
                        li {
                            form action={"/queries/" (query.name)} method="get" {
                                strong { (query.title) } " "
                                @for param in &query.params {
                                    label { (param.name) " " input name=(param.name) required placeholder=(param.description) title=(param.description); }
                                    " "
                                }
                                button type="submit" { (lang.t("Run", "Lancer")) }
                                p.description { (query.description) }
                            }
                        }
                    }
                }
            },
        )))
    };
    super::answer(&state, work).await
}

/// How many entities a search lists: a page's worth, and what the
/// editor's completion shows.
const SEARCH_LIMIT: usize = 100;
const COMPLETION_LIMIT: usize = 15;

/// `GET /search?q=`: entities whose label holds every word typed, accents
/// and case ignored, then those with a typo, then by description (the
/// CLI's lookup, `entity::search`). With `format=json`, the first few as
/// JSON for the query editor's completion of entity names.
pub async fn search(State(state): State<Shared>, request: PageRequest) -> Response {
    let text = request.param("q").unwrap_or_default().to_owned();
    let lang = request.lang;
    let shared = state.clone();
    if request.param("format") == Some("json") {
        let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
            let found =
                entity::search(graph, &text, COMPLETION_LIMIT, budget).map_err(|e| internal(&e))?;
            completions(graph, &found, lang.code())
        };
        return super::answer(&state, work).await;
    }
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let found = entity::search(graph, &text, SEARCH_LIMIT, budget).map_err(|e| internal(&e))?;
        let mut labels = LabelCache::new(graph, Some(lang.code()));
        let mut rows = Vec::new();
        for node in &found {
            let term = Term::from(node.clone());
            let classes = graph
                .default_quads(
                    Some(node.as_ref().into()),
                    Some(NamedNodeRef::new_unchecked(vocab::RDF_TYPE)),
                    None,
                )
                .map_err(|e| internal(&e))?;
            let classes: Vec<Markup> = classes
                .iter()
                .map(|q| cell(&q.object, &mut labels, &shared.site))
                .collect();
            rows.push((cell(&term, &mut labels, &shared.site), classes));
        }
        Ok(page(layout(
            lang,
            lang.t("Search", "Recherche"),
            "/search",
            html! {
                h1 { (lang.t("Search", "Recherche")) }
                form.search.big action="/search" method="get" {
                    input type="hidden" name="lang" value=(lang.code());
                    input type="search" name="q" value=(text) aria-label=(lang.t("Search", "Chercher"));
                    button type="submit" { (lang.t("Search", "Chercher")) }
                }
                @if text.trim().is_empty() {
                    p { (lang.t("Type a name, in French or English; accents are optional.", "Tapez un nom, en français ou en anglais ; les accents sont facultatifs.")) }
                } @else if rows.is_empty() {
                    p.none { (lang.t("Nothing matches.", "Aucun résultat.")) }
                } @else {
                    ul.found {
                        @for (link, classes) in &rows {
                            li { (link) @for class in classes { " " small.class { (class) } } }
                        }
                    }
                }
            },
        )))
    };
    super::answer(&state, work).await
}

/// The entities `found`, as the editor completes them: each one's
/// prefixed name (what the query gets), label and classes (what the list
/// shows), as `{"results": [{"name", "iri", "label", "classes"}]}`.
fn completions(graph: &Graph, found: &[NamedNode], lang: &str) -> Result<Answer, HttpError> {
    let mut labels = LabelCache::new(graph, Some(lang));
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let mut results = Vec::new();
    for node in found {
        let mut classes = Vec::new();
        for quad in graph
            .default_quads(Some(node.as_ref().into()), Some(rdf_type), None)
            .map_err(|e| internal(&e))?
        {
            if let Term::NamedNode(class) = &quad.object {
                let name = labels
                    .get(class.as_ref().into())
                    .map_err(|e| internal(&e))?;
                classes.push(name.map_or_else(
                    || crate::graph::labels::compact(class.as_str()),
                    str::to_owned,
                ));
            }
        }
        let label = labels
            .get(node.as_ref().into())
            .map_err(|e| internal(&e))?
            .map(str::to_owned);
        results.push(serde_json::json!({
            "name": crate::graph::labels::compact(node.as_str()),
            "iri": node.as_str(),
            "label": label,
            "classes": classes,
        }));
    }
    Ok(Answer {
        content_type: String::from("application/json"),
        body: serde_json::json!({ "results": results })
            .to_string()
            .into_bytes(),
        volatile: false,
        filename: None,
    })
}

/// What the editor completes, as JSON: the predeclared prefixes, and
/// every property and class the graph uses (full IRIs; the editor shows
/// them prefixed once the query declares the prefix, which it adds
/// itself). The editor's own completers would ask a web service (LOV).
pub(super) fn editor_terms(graph: &Graph, budget: &Budget) -> Result<String, HttpError> {
    let stopped = |e: crate::guard::error::Failure| stopped(e.into(), budget);
    let properties: std::collections::BTreeSet<String> = graph
        .predicates()
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(NamedNode::into_string)
        .collect();
    let mut classes = std::collections::BTreeSet::new();
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    // One quad per typed node: within the request's time and memory.
    for (seen, quad) in graph.quads(None, Some(rdf_type), None, None).enumerate() {
        if seen % 4096 == 0 {
            budget.check("listing the classes").map_err(stopped)?;
        }
        if let Term::NamedNode(class) = quad.map_err(|e| internal(&e))?.object {
            classes.insert(class.into_string());
        }
    }
    let prefixes: serde_json::Map<String, serde_json::Value> = vocab::PREFIXES
        .iter()
        .map(|(name, iri)| ((*name).to_owned(), (*iri).into()))
        .collect();
    Ok(serde_json::json!({
        "prefixes": prefixes,
        "properties": properties,
        "classes": classes,
    })
    .to_string())
}
