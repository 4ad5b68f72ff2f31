//! The human side of the server: the home page, search and the query page
//! (the ontology page is `ontology.rs`), rendered on the server (maud, which escapes every
//! value), readable without JavaScript, in English or French (`lang.rs`).
//! The shell they share is `layout.rs`; the linked-data pages of the
//! project's IRIs are `linked_data.rs`.
//!
//! Each page is computed on a query thread (`super::run_query`: a slot, a
//! budget, the timeout) from the same views and stored queries as the
//! commands, then rendered here.

use super::assets::YASQE_VERSION;
use super::http::{stopped, Answer, HttpError};
use super::lang::PageRequest;
use super::layout::{cell, encode, frame, internal, layout, page, stored};
use super::results::{downloads, results_table, supports_table};
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

/// `GET /search?q=`: entities whose label holds every word typed, accents
/// and case ignored.
pub async fn search(State(state): State<Shared>, request: PageRequest) -> Response {
    let text = request.param("q").unwrap_or_default().to_owned();
    let lang = request.lang;
    let shared = state.clone();
    let work = move |graph: &Graph, _: &Budget| -> Result<Answer, HttpError> {
        let found = entity::search(graph, &text, 100).map_err(|e| internal(&e))?;
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

/// `GET /ui/query`: an editor (a plain textarea: it works without
/// scripts), and with `?query=` the results below it.
pub async fn query_page(State(state): State<Shared>, request: PageRequest) -> Response {
    let text = request.param("query").map(str::to_owned);
    // Evidence is listed per answer of a trace: asking for it asks for why.
    let evidence = request.param("evidence").is_some_and(|v| !v.is_empty());
    let why = evidence || request.param("why").is_some_and(|v| !v.is_empty());
    let lang = request.lang;
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let default = "SELECT ?person ?character WHERE {\n  ?role a mk:Role ; mk:castMember ?person ; mk:character ?character .\n}\nORDER BY ?person";
        let shown = text.clone().unwrap_or_else(|| default.to_owned());
        let mut volatile = false;
        let outcome: Option<Result<(Markup, bool), String>> = text.as_ref().map(|text| {
            let prepared = shared
                .prepare(text, "in the editor", &shared.site.url("/sparql"))
                .map_err(|e| crate::guard::error::show(&e))?;
            volatile = prepared.is_volatile();
            let returns_graph = prepared.returns_graph();
            let results = if evidence {
                prepared.trace_evidence(graph, budget, shared.articles.as_ref())
            } else if why && returns_graph {
                prepared.trace_graph(graph, budget).map(supports_table)
            } else if why {
                prepared.trace(graph, budget)
            } else {
                prepared.execute(graph, budget)
            }
            .map_err(|e| crate::guard::error::show(&budget.explain_stop(e)))?;
            let table = results_table(
                results,
                graph,
                &shared.site,
                lang,
                shared.settings.max_result,
            )
            .map_err(|e| crate::guard::error::show(&budget.explain_stop(e)))?;
            Ok((table, returns_graph))
        });
        let prefixes: String = vocab::PREFIXES
            .iter()
            .map(|(name, iri)| format!("{name}: <{iri}>"))
            .collect::<Vec<_>>()
            .join("\n");
        // A failed run (a timeout, the memory ceiling) may succeed later:
        // its page is not kept either.
        let volatile = volatile || matches!(outcome, Some(Err(_)));
        let terms = match shared.editor_terms.get() {
            Some(terms) => terms,
            None => {
                let terms = editor_terms(graph, budget)?;
                shared.editor_terms.get_or_init(|| terms)
            }
        };
        let answer = page(frame(
            lang,
            lang.t("Query", "Requête"),
            "/ui/query",
            html! {
                link rel="stylesheet" href={"/assets/yasqe-" (YASQE_VERSION) ".min.css"};
                script src={"/assets/yasqe-" (YASQE_VERSION) ".min.js"} defer {}
                script src="/assets/editor.js" defer {}
            },
            html! {
                h1 { (lang.t("Query the graph", "Interroger le graphe")) }
                form.editor action="/ui/query" method="get" {
                    input type="hidden" name="lang" value=(lang.code());
                    textarea #query-text name="query" rows="12" spellcheck="false" aria-label="SPARQL" data-terms=(terms) { (shown) }
                    label.why {
                        input type="checkbox" name="why" value="1" checked[why];
                        " " (lang.t("Why: the graphs behind each answer", "Pourquoi : les graphes derrière chaque réponse"))
                    }
                    label.why {
                        input type="checkbox" name="evidence" value="1" checked[evidence];
                        " " (lang.t("Evidence: each answer's facts and their passages", "Preuves : les faits de chaque réponse et leurs passages"))
                    }
                    button type="submit" { (lang.t("Run", "Lancer")) }
                }
                details { summary { (lang.t("Predeclared prefixes", "Préfixes prédéclarés")) } pre { (prefixes) } }
                @if let Some(outcome) = &outcome {
                    @match outcome {
                        Ok((table, returns_graph)) => {
                            (table)
                            @let url = format!("/sparql?query={}", encode(text.as_deref().unwrap_or("")));
                            (downloads(&url, *returns_graph))
                            p { a href={"/ui/query?lang=" (lang.code()) "&query=" (encode(text.as_deref().unwrap_or(""))) @if why { "&why=1" } @if evidence { "&evidence=1" }} { (lang.t("Permalink", "Lien permanent")) } }
                        }
                        Err(message) => { p.error role="alert" { (message) } }
                    }
                }
            },
        ));
        Ok(Answer { volatile, ..answer })
    };
    super::answer(&state, work).await
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
