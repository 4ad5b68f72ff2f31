//! `GET /ui/query`: the query page. An editor (a plain textarea, which
//! works without scripts; YASQE over it with `editor.js`, told the
//! server's predeclared prefixes so it marks no false error), the stored
//! queries one click away as examples, and with `?query=` the results
//! below: a page of rows with the total and the run time, the other pages
//! linked (`&page=`), sorting and filtering in the browser
//! (`results.js`), downloads and a permalink.
//!
//! Called by the router (`server.rs`); runs on a query thread like every
//! page (`super::answer`).

use super::assets::YASQE_VERSION;
use super::http::{Answer, HttpError};
use super::lang::{Lang, PageRequest};
use super::layout::{encode, frame, internal, page};
use super::pages::editor_terms;
use super::results::{downloads, results_table, supports_table, Window};
use super::Shared;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::sparql::catalog::StoredQuery;
use crate::vocab;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

/// What the page opens on: a question the data answers (it is checked by
/// the tests), written with the predeclared prefixes.
pub(super) const DEFAULT_QUERY: &str = "\
# Who plays whom in the series, as the articles tell it.
# Prefixes such as mk: are predeclared; Ctrl-Enter runs the query.
SELECT ?actor ?character WHERE {
  ?role mk:person ?actor ;
        mk:playsCharacter ?character .
}
ORDER BY ?actor";

/// The page: `query` (the text to run), `why` and `evidence` (the traces),
/// `page` (which rows: 1 for the first [`super::results::PAGE_ROWS`]).
pub async fn query_page(State(state): State<Shared>, request: PageRequest) -> Response {
    let text = request.param("query").map(str::to_owned);
    // Evidence is listed per answer of a trace: asking for it asks for why.
    let evidence = request.param("evidence").is_some_and(|v| !v.is_empty());
    let why = evidence || request.param("why").is_some_and(|v| !v.is_empty());
    let Ok(page_number) = request.param("page").unwrap_or("1").trim().parse::<usize>() else {
        return HttpError::bad_request("page= takes a page number: 1, 2, 3…").into_response();
    };
    let page_number = page_number.max(1);
    // "Trust only…": the articles ticked, once the form has been sent
    // (`trusted=1`: ticking none trusts none).
    let trust: Option<Vec<String>> = request.param("trusted").map(|_| {
        request
            .params
            .iter()
            .filter(|(name, _)| name == "trust")
            .map(|(_, value)| value.clone())
            .collect()
    });
    let lang = request.lang;
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let shown = text.clone().unwrap_or_else(|| DEFAULT_QUERY.to_owned());
        let mut permalink = format!("/ui/query?lang={}&query={}", lang.code(), encode(&shown));
        if why {
            permalink.push_str("&why=1");
        }
        if evidence {
            permalink.push_str("&evidence=1");
        }
        let articles = crate::provenance::trust::articles(graph).map_err(|e| internal(&e))?;
        // The articles kept, when some are left out.
        let kept = match &trust {
            Some(names) => {
                let kept = names
                    .iter()
                    .map(|name| crate::provenance::trust::find_article(&articles, name))
                    .collect::<anyhow::Result<Vec<_>>>()
                    .map_err(|e| HttpError::bad_request(crate::guard::error::show(&e)))?;
                (kept.len() < articles.len() || articles.iter().any(|a| !kept.contains(a)))
                    .then_some(kept)
            }
            None => None,
        };
        if let Some(kept) = &kept {
            permalink.push_str("&trusted=1");
            for article in kept {
                permalink.push_str("&trust=");
                permalink.push_str(&encode(&crate::graph::labels::graph_name(article.as_str())));
            }
        }
        let trusted = match &kept {
            Some(kept) => Some(shared.trusting(kept).map_err(|e| internal(&e))?),
            None => None,
        };
        let run_on = trusted.as_ref().unwrap_or(graph);
        let mut volatile = false;
        let outcome: Option<Result<(Markup, bool), String>> = text.as_ref().map(|text| {
            let prepared = shared
                .prepare(text, "in the editor", &shared.site.url("/sparql"))
                .map_err(|e| crate::guard::error::show(&e))?;
            volatile = prepared.is_volatile();
            let returns_graph = prepared.returns_graph();
            let started = std::time::Instant::now();
            let results = if evidence {
                prepared.trace_evidence(run_on, budget, shared.articles.as_ref())
            } else if why && returns_graph {
                prepared.trace_graph(run_on, budget).map(supports_table)
            } else if why {
                prepared.trace(run_on, budget)
            } else {
                prepared.execute(run_on, budget)
            }
            .map_err(|e| crate::guard::error::show(&budget.explain_stop(e)))?;
            let window = Window {
                page: page_number,
                link: Some(permalink.clone()),
                started,
            };
            let table = results_table(
                results,
                graph,
                &shared.site,
                lang,
                shared.settings.max_result,
                &window,
            )
            .map_err(|e| crate::guard::error::show(&budget.explain_stop(e)))?;
            Ok((table, returns_graph))
        });
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
        let examples: Vec<&StoredQuery> = shared
            .catalog
            .queries
            .iter()
            .filter(|q| !q.is_check())
            .collect();
        let answer = page(frame(
            lang,
            lang.t("Query", "Requête"),
            "/ui/query",
            html! {
                link rel="stylesheet" href={"/assets/yasqe-" (YASQE_VERSION) ".min.css"};
                script src={"/assets/yasqe-" (YASQE_VERSION) ".min.js"} defer {}
                script src="/assets/editor.js" defer {}
                script src="/assets/results.js" defer {}
            },
            html! {
                h1 { (lang.t("Query the graph", "Interroger le graphe")) }
                form.editor action="/ui/query" method="get" {
                    input type="hidden" name="lang" value=(lang.code());
                    label for="query-text" { (lang.t("SPARQL query", "Requête SPARQL")) }
                    p.hint #editor-hint { (lang.t("In the editor, Ctrl-Enter runs the query; Esc then Tab leaves it.", "Dans l'éditeur, Ctrl-Entrée lance la requête ; Échap puis Tab en sort.")) }
                    textarea #query-text name="query" rows="12" spellcheck="false" aria-describedby="editor-hint" data-terms=(terms) { (shown) }
                    label.why {
                        input type="checkbox" name="why" value="1" checked[why];
                        " " (lang.t("Why: the graphs behind each answer", "Pourquoi : les graphes derrière chaque réponse"))
                    }
                    label.why {
                        input type="checkbox" name="evidence" value="1" checked[evidence];
                        " " (lang.t("Evidence: each answer's facts and their passages", "Preuves : les faits de chaque réponse et leurs passages"))
                    }
                    (trust_choice(lang, &articles, kept.as_deref()))
                    button type="submit" { (lang.t("Run", "Lancer")) }
                }
                (examples_list(lang, &examples))
                details { summary { (lang.t("Predeclared prefixes", "Préfixes prédéclarés")) } pre { (prefixes()) } }
                @if let Some(outcome) = &outcome {
                    @match outcome {
                        Ok((table, returns_graph)) => {
                            (table)
                            @if kept.is_some() {
                                p.hint { (lang.t("Downloads give the whole graph's answers; on the command line, ", "Les téléchargements donnent les réponses du graphe entier ; en ligne de commande, ")) code { "missions-kg query --sources …" } (lang.t(" gives these.", " donne celles-ci.")) }
                            } @else {
                                @let url = format!("/sparql?query={}", encode(text.as_deref().unwrap_or("")));
                                (downloads(&url, *returns_graph))
                            }
                            p { a href=(permalink) { (lang.t("Permalink", "Lien permanent")) } }
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

/// "Trust only…": a box per article, ticked when it is trusted (all of
/// them unless `kept` says otherwise), folded while all are.
fn trust_choice(
    lang: Lang,
    articles: &[oxigraph::model::NamedNode],
    kept: Option<&[oxigraph::model::NamedNode]>,
) -> Markup {
    html! {
        details.trust open[kept.is_some()] {
            summary { (lang.t("Trust only some articles…", "Ne croire que certains articles…")) }
            fieldset {
                legend { (lang.t("Answer as if only these articles' facts were known", "Répondre comme si seuls les faits de ces articles étaient connus")) }
                input type="hidden" name="trusted" value="1";
                @for article in articles {
                    @let name = crate::graph::labels::graph_name(article.as_str());
                    label.why {
                        input type="checkbox" name="trust" value=(name) checked[kept.is_none_or(|kept| kept.contains(article))];
                        " " span.source title=(article.as_str()) { (name) }
                    }
                }
            }
        }
    }
}

/// The predeclared prefixes, one `name: <iri>` per line.
fn prefixes() -> String {
    vocab::PREFIXES
        .iter()
        .map(|(name, iri)| format!("{name}: <{iri}>"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The stored queries as examples: one click opens a query in the editor
/// with its results; one with parameters opens its own page with the
/// example values of its header (bound there, not written into the text).
fn examples_list(lang: Lang, queries: &[&StoredQuery]) -> Markup {
    html! {
        details.examples {
            summary { (lang.t("Examples: the stored queries", "Exemples : les requêtes enregistrées")) }
            ul.examples {
                @for query in queries {
                    li {
                        @if query.params.is_empty() {
                            a href={"/ui/query?lang=" (lang.code()) "&query=" (encode(&query.sparql))} { (query.title) }
                        } @else {
                            a href={"/queries/" (query.name) "?lang=" (lang.code()) @for pair in &query.example { "&" (example_pair(pair)) }} { (query.title) }
                        }
                        " " small { (query.description) }
                    }
                }
            }
        }
    }
}

/// `name=value` of a header's `#+ example:`, encoded for a URL.
fn example_pair(pair: &str) -> String {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    format!("{}={}", encode(name), encode(value))
}
