//! The human side of the server: pages rendered on the server (maud, which
//! escapes every value), readable without JavaScript, in English or French
//! (`?lang=`, else `Accept-Language`), and the linked-data answers of the
//! project's IRIs (HTML for browsers, RDF by `Accept` or extension).
//!
//! Each page is computed on a query thread (`super::run_query`: a slot, a
//! budget, the timeout) from the same views and stored queries as the
//! commands, then rendered here.

use super::http::{accept, pairs, stopped, Answer, HttpError};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::Kind;
use crate::provenance::evidence::Passage;
use crate::sparql::catalog::StoredQuery;
use crate::view::entity::{EntityView, Fact, Value};
use crate::vocab;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, Quad, Term, Variable};
use oxigraph::sparql::QueryResults;

/// The languages of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::En => Self::Fr,
            Self::Fr => Self::En,
        }
    }

    /// The server's `--lang` (English when not given).
    pub fn default_of(state: &super::AppState) -> Self {
        match state.settings.lang.as_deref() {
            Some("fr") => Self::Fr,
            _ => Self::En,
        }
    }

    /// `?lang=` first, then the first of English or French the browser
    /// accepts (by q-value), else `fallback` (the server's `--lang`).
    pub fn of(params: &[(String, String)], headers: &HeaderMap, fallback: Self) -> Self {
        // The switch names fr or en (any case, any region); another value
        // is no choice, and the next rule decides.
        let named = |tag: &str| {
            let tag = tag.trim().to_ascii_lowercase();
            if tag == "fr" || tag.starts_with("fr-") {
                Some(Self::Fr)
            } else if tag == "en" || tag.starts_with("en-") {
                Some(Self::En)
            } else {
                None
            }
        };
        if let Some(lang) = params
            .iter()
            .filter(|(name, _)| name == "lang")
            .find_map(|(_, value)| named(value))
        {
            return lang;
        }
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let mut best: Option<(f32, Self)> = None;
        for range in accepted.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            // A q-value that is not a number from 0 to 1 drops the range,
            // as in `Accept` (format::negotiate).
            let q = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
                None => 1.0,
                Some(q) => match q.trim().parse::<f32>() {
                    Ok(q) if (0.0..=1.0).contains(&q) => q,
                    _ => continue,
                },
            };
            let Some(lang) = named(&tag) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map_or(fallback, |(_, lang)| lang)
    }

    /// The text in this language.
    pub(super) fn t(self, en: &'static str, fr: &'static str) -> &'static str {
        match self {
            Self::En => en,
            Self::Fr => fr,
        }
    }
}

/// What every page reads from its request: the query string's pairs
/// (strict UTF-8, else 400) and the page's language.
pub struct PageRequest {
    pub params: Vec<(String, String)>,
    pub lang: Lang,
}

impl PageRequest {
    /// The value of the parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    }
}

impl axum::extract::FromRequestParts<Shared> for PageRequest {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Shared,
    ) -> Result<Self, HttpError> {
        let params = pairs(parts.uri.query().map(str::as_bytes))?;
        let lang = Lang::of(&params, &parts.headers, Lang::default_of(state));
        Ok(Self { params, lang })
    }
}

/// The frame of every page: header with the search box and the language
/// switch, the body, a footer.
pub(super) fn layout(lang: Lang, title: &str, path: &str, body: Markup) -> Markup {
    frame(lang, title, path, html! {}, body)
}

/// [`layout`] with more in the head: the query page's editor.
fn frame(lang: Lang, title: &str, path: &str, head: Markup, body: Markup) -> Markup {
    let switch = format!("{path}?lang={}", lang.other().code());
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Missions KG" }
                link rel="stylesheet" href="/assets/site.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                (head)
            }
            body {
                header {
                    nav {
                        a.brand href={"/?lang=" (lang.code())} { "Missions KG" }
                        a href={"/timeline?lang=" (lang.code())} { (lang.t("Timeline", "Chronologie")) }
                        a href={"/ui/query?lang=" (lang.code())} { (lang.t("Query", "Requête")) }
                        a href=(switch) hreflang=(lang.other().code()) { (lang.t("Français", "English")) }
                    }
                    form.search action="/search" method="get" role="search" {
                        input type="hidden" name="lang" value=(lang.code());
                        input type="search" name="q" placeholder=(lang.t("Search people, places, things…", "Chercher personnes, lieux, choses…")) aria-label=(lang.t("Search", "Chercher"));
                        button type="submit" { (lang.t("Search", "Chercher")) }
                    }
                }
                main { (body) }
                footer {
                    p {
                        (lang.t("Every fact comes from one of four French press articles about the series; labels and descriptions are our own words. ",
                                "Chaque fait vient de l'un des quatre articles de presse français sur la série ; libellés et descriptions sont de notre plume. "))
                        a href="/sparql" { "SPARQL" } " · "
                        a href="/queries" { (lang.t("stored queries (JSON)", "requêtes enregistrées (JSON)")) } " · "
                        a href="/store" { (lang.t("the whole dataset", "tout le jeu de données")) }
                    }
                }
            }
        }
    }
}

pub(super) fn page(markup: Markup) -> Answer {
    Answer {
        volatile: false,
        content_type: format::content_type(OutputFormat::Html),
        body: without_controls(markup.into_string()).into_bytes(),
    }
}

/// The page with control characters from the data (NUL, ESC…) replaced
/// by U+FFFD: the template escapes markup, not these, and they make the
/// HTML (and its inline SVG) invalid. Tab, line feed and carriage return
/// stay; the templates themselves hold no other.
fn without_controls(html: String) -> String {
    let is_control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !html.contains(is_control) {
        return html;
    }
    html.chars()
        .map(|c| if is_control(c) { '\u{fffd}' } else { c })
        .collect()
}

/// A failure inside page work: 500, with the error's line.
pub(super) fn internal(error: &anyhow::Error) -> HttpError {
    HttpError::from_error(error, Kind::Internal)
}

/// Runs a stored query by name with bindings, for a page; `catalog` is
/// the server's, read once at start.
pub(super) fn stored<'a>(
    state: &super::AppState,
    graph: &'a Graph,
    budget: &Budget,
    name: &str,
    bindings: &[(&str, Term)],
) -> Result<QueryResults<'a>, HttpError> {
    let query = state
        .catalog
        .get(name)
        .ok_or_else(|| internal(&state.catalog.unknown(name)))?;
    let mut prepared = state
        .prepare(
            &query.sparql,
            &format!("'{name}'"),
            &state.site.url("/sparql"),
        )
        .map_err(|e| internal(&e))?;
    for (variable, value) in bindings {
        prepared = prepared.bind(Variable::new_unchecked(*variable), value.clone());
    }
    prepared
        .execute(graph, budget)
        .map_err(|error| stopped(error, budget))
}

/// A term in a table cell: a link with its label for an IRI, the text of a
/// literal (with its language), a blank node's label.
fn cell(term: &Term, labels: &mut LabelCache<'_>, site: &super::Site) -> Markup {
    match term {
        Term::NamedNode(node) => {
            let label = labels
                .get(node.as_ref().into())
                .ok()
                .flatten()
                .map(str::to_owned);
            let text = label.unwrap_or_else(|| labels::compact(node.as_str()));
            link(site, node.as_str(), "", html! { (text) })
        }
        Term::Literal(literal) => match literal.language() {
            Some(tag) => {
                html! { span lang=(tag) { (literal.value()) } " " small.tag { "@" (tag) } }
            }
            None => html! { (literal.value()) },
        },
        other => html! { (other.to_string()) },
    }
}

/// `text` linked to where `iri` leads ([`super::Site::href`]), or plain
/// when it leads nowhere a browser should go (`javascript:`, `data:`…).
pub(super) fn link(site: &super::Site, iri: &str, class: &str, text: Markup) -> Markup {
    let class = (!class.is_empty()).then_some(class);
    match site.href(iri) {
        Some(href) => html! { a class=[class] href=(href) title=(iri) { (text) } },
        None => html! { span class=[class] title=(iri) { (text) } },
    }
}

/// A graph (an article) as a short badge linking to its page.
pub(super) fn badge(term: &Term, site: &super::Site) -> Markup {
    match term {
        Term::NamedNode(node) => link(
            site,
            node.as_str(),
            "source",
            html! { (labels::graph_name(node.as_str())) },
        ),
        other => html! { (other.to_string()) },
    }
}

/// Query results as a table with labels and links.
pub fn results_table(
    results: QueryResults<'_>,
    graph: &Graph,
    site: &super::Site,
    lang: Lang,
    max_rows: usize,
) -> anyhow::Result<Markup> {
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    Ok(match results {
        QueryResults::Boolean(value) => html! { p.boolean { (value) } },
        QueryResults::Solutions(solutions) => {
            let variables: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let mut rows = Vec::new();
            let mut more = false;
            for solution in solutions {
                let solution = solution?;
                if rows.len() == max_rows {
                    more = true;
                    break;
                }
                let cells: Vec<Markup> = solution
                    .values()
                    .iter()
                    .map(|value| {
                        value
                            .as_ref()
                            .map_or_else(|| html! {}, |t| cell(t, &mut labels, site))
                    })
                    .collect();
                rows.push(cells);
            }
            html! {
                div.scroll {
                    table.results {
                        thead { tr { @for variable in &variables { th { (variable) } } } }
                        tbody {
                            @for row in &rows { tr { @for value in row { td { (value) } } } }
                        }
                    }
                }
                p.count {
                    (rows.len()) " " (lang.t("rows", "lignes"))
                    @if more { " " (lang.t("(more not shown; download for all)", "(la suite n'est pas affichée ; téléchargez pour tout voir)")) }
                }
            }
        }
        QueryResults::Graph(triples) => {
            let mut rows = Vec::new();
            for triple in triples.take(max_rows) {
                let triple = triple?;
                rows.push([
                    cell(&triple.subject.into(), &mut labels, site),
                    cell(&triple.predicate.into(), &mut labels, site),
                    cell(&triple.object, &mut labels, site),
                ]);
            }
            html! {
                div.scroll { table.results {
                    thead { tr { th { "subject" } th { "predicate" } th { "object" } } }
                    tbody { @for row in &rows { tr { @for value in row { td { (value) } } } } }
                } }
            }
        }
    })
}

/// Download links for a query URL in every format of its payload.
fn downloads(base: &str, returns_graph: bool) -> Markup {
    let payload = if returns_graph {
        Payload::Graph
    } else {
        Payload::Results
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    html! {
        p.downloads {
            "⬇ "
            @for format in payload.offers() {
                @let name = format::extension(format);
                a href={(base) (separator) "format=" (format_name(format))} download { (name) } " "
            }
        }
    }
}

/// The `format=` name of a format (the first name `resolve` knows it by).
fn format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Results(f) => f.file_extension(),
        OutputFormat::Rdf(oxigraph::io::RdfFormat::Turtle) => "turtle",
        OutputFormat::Rdf(oxigraph::io::RdfFormat::TriG) => "trig",
        OutputFormat::Rdf(oxigraph::io::RdfFormat::NTriples) => "ntriples",
        OutputFormat::Rdf(oxigraph::io::RdfFormat::NQuads) => "nquads",
        OutputFormat::Rdf(oxigraph::io::RdfFormat::RdfXml) => "rdfxml",
        OutputFormat::Rdf(_) => "jsonld",
        _ => "html",
    }
}

/// A query as its results page shows it: title, text, its own URL (the
/// permalink) and whether it returns a graph (for the downloads).
pub struct Shown<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub url: &'a str,
    pub returns_graph: bool,
}

/// The results page of a query: the query, its results, downloads and a
/// permalink.
pub fn results_page(
    results: QueryResults<'_>,
    graph: &Graph,
    site: &super::Site,
    lang: Lang,
    query: &Shown<'_>,
) -> anyhow::Result<Answer> {
    let table = results_table(results, graph, site, lang, 1000)?;
    let edit = format!(
        "/ui/query?lang={}&query={}",
        lang.code(),
        encode(query.text)
    );
    Ok(page(layout(
        lang,
        query.title,
        "/ui/query",
        html! {
            h1 { (query.title) }
            (table)
            (downloads(query.url, query.returns_graph))
            p { a href=(query.url) { (lang.t("Permalink", "Lien permanent")) } " · " a href=(edit) { (lang.t("Edit this query", "Modifier cette requête")) } }
            details { summary { "SPARQL" } pre { code { (query.text) } } }
        },
    )))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

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

/// A date with no year (`--06-01`, `--06`, as an article words "1 June"
/// or "last June") in words; other dates as they are (ISO 8601).
/// The last day a month can have in some year (29 for February).
pub(super) fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(super) fn human_date(date: &str, lang: Lang) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let Some(rest) = date.strip_prefix("--") else {
        return date.to_owned();
    };
    let mut parts = rest.split('-');
    let month = parts
        .next()
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| (1..=12).contains(m));
    let day = parts.next().map(|d| d.parse::<u32>().ok());
    let Some(month) = month else {
        return date.to_owned();
    };
    // An impossible day (`--02-30`) is shown as the data gives it.
    let day = match day {
        None => None,
        Some(Some(day)) if (1..=max_day(month as u32)).contains(&day) => Some(day),
        Some(_) => return date.to_owned(),
    };
    let name = match lang {
        Lang::En => EN[month - 1],
        Lang::Fr => FR[month - 1],
    };
    let no_year = lang.t("year not given", "année non précisée");
    match day {
        Some(day) => format!("{day} {name} ({no_year})"),
        None => format!("{name} ({no_year})"),
    }
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
            let table = results_table(results, graph, &shared.site, lang, 1000)
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

/// A traced CONSTRUCT's quads (`Prepared::trace_construct`) as a table:
/// each triple once, with its supports as `query --why` shows them.
fn supports_table(quads: Vec<oxigraph::model::Quad>) -> oxigraph::sparql::QueryResults<'static> {
    use oxigraph::model::{GraphName, Literal, Term, Variable};
    use std::collections::{BTreeMap, HashMap};
    let mut labels: HashMap<Term, String> = HashMap::new();
    let mut triples: BTreeMap<String, (Vec<Option<Term>>, Vec<Term>)> = BTreeMap::new();
    for quad in &quads {
        if quad.graph_name.is_default_graph() {
            if quad.predicate.as_str() == "http://www.w3.org/2000/01/rdf-schema#label" {
                if let Term::Literal(label) = &quad.object {
                    labels.insert(quad.subject.clone().into(), label.value().to_owned());
                }
            }
            continue;
        }
        let GraphName::BlankNode(support) = &quad.graph_name else {
            continue;
        };
        let row = vec![
            Some(quad.subject.clone().into()),
            Some(quad.predicate.clone().into()),
            Some(quad.object.clone()),
        ];
        let key = format!("{} {} {}", quad.subject, quad.predicate, quad.object);
        let entry = triples.entry(key).or_insert_with(|| (row, Vec::new()));
        entry.1.push(support.clone().into());
    }
    let rows: Vec<Vec<Option<Term>>> = triples
        .into_values()
        .map(|(mut row, supports)| {
            let shown: Vec<String> = supports
                .iter()
                .map(|support| labels.get(support).cloned().unwrap_or_default())
                .collect();
            row.push(Some(Literal::new_simple_literal(shown.join(" | ")).into()));
            row
        })
        .collect();
    let variables: Vec<Variable> = ["subject", "predicate", "object", "why"]
        .into_iter()
        .map(Variable::new_unchecked)
        .collect();
    oxigraph::sparql::QueryResults::Solutions(oxigraph::sparql::QuerySolutionIter::from_tuples(
        variables.into(),
        rows.into_iter().map(Ok),
    ))
}

const SITE_CSS: &str = include_str!("site.css");
/// The vendored editor (see `vendor/README.md`); its version is in its
/// URLs, so browsers may keep it for a year.
const YASQE_VERSION: &str = "4.6.2";
const YASQE_JS: &[u8] = include_bytes!("vendor/yasqe-4.6.2.min.js");
const YASQE_CSS: &[u8] = include_bytes!("vendor/yasqe-4.6.2.min.css");
const EDITOR_JS: &str = include_str!("editor.js");
/// The editor's script compressed once, when first asked for: 536 KB
/// raw, 136 KB gzipped. Compressing it per request would cost more than
/// any query.
static YASQE_JS_GZIP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
/// A planet and its orbit: the series is about a mission to Mars.
const ICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><circle cx=\"16\" cy=\"16\" r=\"9\" fill=\"#c1440e\"/><ellipse cx=\"16\" cy=\"16\" rx=\"15\" ry=\"5\" fill=\"none\" stroke=\"#2455a4\" stroke-width=\"2\"/></svg>";
const RDFS_COMMENT: &str = "http://www.w3.org/2000/01/rdf-schema#comment";

/// `GET /assets/NAME`: the style sheet, the icon, and the query page's
/// editor.
pub async fn asset(super::Segment(name): super::Segment, headers: HeaderMap) -> Response {
    const YEAR: &str = "public, max-age=31536000, immutable";
    match name.as_str() {
        _ if name == format!("yasqe-{YASQE_VERSION}.min.js") => {
            let kind = (header::CONTENT_TYPE, "text/javascript; charset=utf-8");
            let vary = (header::VARY, "Accept-Encoding");
            if accepts_gzip(&headers) {
                let body = YASQE_JS_GZIP.get_or_init(|| gzip(YASQE_JS)).clone();
                let encoding = (header::CONTENT_ENCODING, "gzip");
                ([kind, (header::CACHE_CONTROL, YEAR), vary, encoding], body).into_response()
            } else {
                ([kind, (header::CACHE_CONTROL, YEAR), vary], YASQE_JS).into_response()
            }
        }
        _ if name == format!("yasqe-{YASQE_VERSION}.min.css") => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, YEAR),
            ],
            YASQE_CSS,
        )
            .into_response(),
        "editor.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            EDITOR_JS,
        )
            .into_response(),
        "site.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            SITE_CSS,
        )
            .into_response(),
        "icon.svg" => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            ICON_SVG,
        )
            .into_response(),
        _ => HttpError::not_found("no such asset").into_response(),
    }
}

/// `GET /ontology`: the ontology's classes and properties, each with an
/// anchor, so `mk:Person` (`/ontology#Person`) lands on its entry.
pub async fn ontology(
    State(state): State<Shared>,
    PageRequest { lang, .. }: PageRequest,
) -> Response {
    let work = move |graph: &Graph, _: &Budget| -> Result<Answer, HttpError> {
        let mut labels = LabelCache::new(graph, Some(lang.code()));
        let mut terms = std::collections::BTreeMap::new();
        for quad in graph.quads(
            None,
            None,
            None,
            Some(vocab::graph("ontology").as_ref().into()),
        ) {
            let quad = quad.map_err(|e| internal(&e))?;
            if let oxigraph::model::NamedOrBlankNode::NamedNode(term) = quad.subject {
                if let Some(local) = term.as_str().strip_prefix(vocab::MK) {
                    terms.entry(local.to_owned()).or_insert(term);
                }
            }
        }
        let mut rows = Vec::new();
        for (local, term) in &terms {
            let label = labels
                .get(term.as_ref().into())
                .map_err(|e| internal(&e))?
                .map(str::to_owned);
            let comment = graph
                .default_quads(
                    Some(term.as_ref().into()),
                    Some(NamedNodeRef::new_unchecked(RDFS_COMMENT)),
                    None,
                )
                .map_err(|e| internal(&e))?
                .into_iter()
                .find_map(|q| match q.object {
                    Term::Literal(l)
                        if l.language() == Some(lang.code()) || l.language().is_none() =>
                    {
                        Some(l.value().to_owned())
                    }
                    _ => None,
                });
            rows.push((local.clone(), label, comment));
        }
        Ok(page(layout(
            lang,
            lang.t("Ontology", "Ontologie"),
            "/ontology",
            html! {
                h1 { (lang.t("The ontology", "L'ontologie")) }
                dl.terms {
                    @for (local, label, comment) in &rows {
                        dt id=(local) { code { "mk:" (local) } @if let Some(label) = label { " — " (label) } }
                        @if let Some(comment) = comment { dd { (comment) } }
                    }
                }
            },
        )))
    };
    super::answer(&state, work).await
}

/// `GET /id/…`, `/source/…`, `/graph/…`, `/link/…`, `/query/…`: the
/// resource the path names, as a page or as RDF (by `Accept`, or an
/// extension: `/id/x.ttl`, `.jsonld`, `.nt`, `.rdf`, `.trig`, `.nq`,
/// `.html`).
pub async fn resource(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    PageRequest { lang, .. }: PageRequest,
) -> Response {
    let path = uri.path().to_owned();
    let accept = accept(&headers);
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let (iri, explicit) = find_resource(graph, &shared.site, &path)?;
        let format = match explicit {
            Some(format) => format,
            None => format::negotiate(accept.as_deref(), &Payload::Page.offers())
                .map_err(|failure| HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message))?,
        };
        match format {
            OutputFormat::Rdf(rdf) => {
                let quads = resource_quads(graph, iri.as_ref()).map_err(|e| internal(&e))?;
                let mut body = Vec::new();
                format::write_quads(quads, rdf, &mut body).map_err(|e| internal(&e))?;
                Ok(Answer {
                    volatile: false,
                    content_type: format::content_type(format),
                    body,
                })
            }
            _ if is_only_a_graph(graph, iri.as_ref()).map_err(|e| internal(&e))? => {
                graph_page(graph, lang, iri.as_ref(), &path)
            }
            _ => entity_page(&shared, graph, budget, lang, iri.as_ref(), &path),
        }
    };
    super::answer(&state, work).await
}

/// The IRI a path names, and the format its extension asks for, if any.
fn find_resource(
    graph: &Graph,
    site: &super::Site,
    path: &str,
) -> Result<(NamedNode, Option<OutputFormat>), HttpError> {
    let known = |iri: &str| -> Result<Option<NamedNode>, HttpError> {
        let Ok(node) = NamedNode::new(iri) else {
            return Ok(None);
        };
        let used = graph
            .quads(Some(node.as_ref().into()), None, None, None)
            .next()
            .transpose()
            .map_err(|e| internal(&e))?
            .is_some()
            || graph
                .quads(None, None, Some(node.as_ref().into()), None)
                .next()
                .transpose()
                .map_err(|e| internal(&e))?
                .is_some()
            || graph
                .contains_named_graph(node.as_ref().into())
                .map_err(|e| internal(&e))?;
        Ok(used.then_some(node))
    };
    if let Some(node) = known(&site.iri(path))? {
        return Ok((node, None));
    }
    if let Some((stem, extension)) = path.rsplit_once('.') {
        if let Some(format) = format::by_extension(extension, Payload::Page) {
            if let Some(node) = known(&site.iri(stem))? {
                return Ok((node, Some(format)));
            }
        }
    }
    Err(HttpError::not_found(format!(
        "nothing in the graph is named <{}>",
        crate::guard::error::one_line(&site.iri(path), 200)
    )))
}

/// What a resource's RDF holds: every quad, in every graph, about it and
/// about the qualified facts it points to (a role, a broadcast), so the
/// TriG or N-Quads shows which article states what.
/// A named graph that is nothing else (`mkg:ontology`, `mkg:links`) gives
/// its own statements, as the Graph Store would.
fn resource_quads(graph: &Graph, iri: NamedNodeRef<'_>) -> anyhow::Result<Vec<Quad>> {
    let mut quads: Vec<Quad> = graph
        .quads(Some(iri.into()), None, None, None)
        .collect::<anyhow::Result<_>>()?;
    if quads.is_empty() && graph.contains_named_graph(iri.into())? {
        return graph
            .quads(None, None, None, Some(iri.into()))
            .map(|quad| {
                quad.map(|q| Quad::new(q.subject, q.predicate, q.object, GraphName::DefaultGraph))
            })
            .collect();
    }
    let mut nested = Vec::new();
    for quad in &quads {
        // Only qualified facts are unfolded, as `describe` does; the data
        // names them with IRIs.
        if let Term::NamedNode(object) = &quad.object {
            if quad.graph_name == GraphName::DefaultGraph
                && entity::is_qualified_fact(graph, object.as_ref().into())?
            {
                nested.push(object.clone());
            }
        }
    }
    for node in nested {
        quads.extend(
            graph
                .quads(Some(node.as_ref().into()), None, None, None)
                .collect::<anyhow::Result<Vec<_>>>()?,
        );
    }
    Ok(quads)
}

/// Whether `iri` names a graph and is the subject of nothing.
fn is_only_a_graph(graph: &Graph, iri: NamedNodeRef<'_>) -> anyhow::Result<bool> {
    Ok(graph.contains_named_graph(iri.into())?
        && graph
            .quads(Some(iri.into()), None, None, None)
            .next()
            .transpose()?
            .is_none())
}

/// The page of a named graph that is nothing else: its size and where to
/// get it.
fn graph_page(
    graph: &Graph,
    lang: Lang,
    iri: NamedNodeRef<'_>,
    path: &str,
) -> Result<Answer, HttpError> {
    let mut count = 0;
    for quad in graph.quads(None, None, None, Some(iri.into())) {
        quad.map_err(|e| internal(&e))?;
        count += 1;
    }
    let name = labels::graph_name(iri.as_str());
    let store = format!("/store?graph={}", encode(iri.as_str()));
    Ok(page(layout(
        lang,
        &name,
        path,
        html! {
            h1 { (name) }
            p.iri { code { (iri.as_str()) } }
            p { (lang.t("A named graph of ", "Un graphe nommé de ")) (count) (lang.t(" statements.", " énoncés.")) }
            p.downloads {
                "⬇ "
                @for (format, label) in [("turtle", "Turtle"), ("ntriples", "N-Triples"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML")] {
                    a href={(store) "&format=" (format)} { (label) } " "
                }
            }
        },
    )))
}

/// A fact's value, linked, with its sources as links to their articles.
fn fact_value(value: &Value, site: &super::Site) -> Markup {
    match &value.term {
        Term::NamedNode(node) => link(site, node.as_str(), "", html! { (value.text) }),
        Term::Literal(literal) => match literal.language() {
            Some(tag) => {
                html! { span lang=(tag) { (literal.value()) } " " small.tag { "@" (tag) } }
            }
            None => html! { (literal.value()) },
        },
        _ => html! { (value.text) },
    }
}

fn sources(fact: &Fact, site: &super::Site) -> Markup {
    html! {
        @for source in &fact.sources {
            @match &source.graph {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => { (link(site, n.as_str(), "source", html! { (source.name) })) " " }
                _ => { span.source { (source.name) } " " }
            }
        }
    }
}

/// Where the articles say a fact: each passage's article (a link to its
/// page) and offsets, and the passage itself when the server has the text.
fn passages(passages: &[Passage], site: &super::Site) -> Markup {
    html! {
        @if !passages.is_empty() {
            ul.passages {
                @for passage in passages {
                    li {
                        (link(site, &passage.article_iri, "source", html! { (passage.article) }))
                        " " small.offsets { "#char=" (passage.start) "," (passage.end) }
                        @if let Some(text) = &passage.text { " " q lang="fr" { (text) } }
                    }
                }
            }
        }
    }
}

/// Facts grouped by property: one row per property, its values side by
/// side, each with the articles that state it.
fn fact_rows(facts: &[Fact], site: &super::Site, inverse: bool) -> Markup {
    let mut groups: Vec<(&Fact, Vec<&Fact>)> = Vec::new();
    for fact in facts {
        match groups.last_mut() {
            Some((first, group)) if first.property == fact.property => group.push(fact),
            _ => groups.push((fact, vec![fact])),
        }
    }
    html! {
        @for (first, group) in &groups {
            @let differ = !inverse && group.len() > 1 && group.iter().any(|f| f.sources.iter().map(|s| &s.name).collect::<Vec<_>>() != group[0].sources.iter().map(|s| &s.name).collect::<Vec<_>>());
            tr class=[differ.then_some("differ")] {
                th scope="row" { @if inverse { "^" } (link(site, first.property.as_str(), "", html! { (first.property_name) })) }
                td {
                    ul.values {
                        @for fact in group {
                            li {
                                (fact_value(&fact.value, site)) " " (sources(fact, site))
                                (passages(&fact.passages, site))
                                @if !fact.nested.is_empty() {
                                    ul.nested {
                                        @for nested in &fact.nested {
                                            li { span.property { (nested.property_name) } " " (fact_value(&nested.value, site)) " " (sources(nested, site)) (passages(&nested.passages, site)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page of an entity (or an article, a graph): labels, classes, facts
/// grouped with their sources, where the articles differ, what links to
/// it, external links, downloads.
fn entity_page(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
    iri: NamedNodeRef<'_>,
    path: &str,
) -> Result<Answer, HttpError> {
    let site = &state.site;
    let mut view = EntityView::compute(graph, iri, Some(lang.code())).map_err(|e| internal(&e))?;
    view.add_evidence(graph, state.articles.as_ref())
        .map_err(|e| internal(&e))?;
    let title = view
        .label
        .clone()
        .unwrap_or_else(|| labels::compact(iri.as_str()));
    let subject = Term::from(iri.into_owned());
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let differences: Vec<[Markup; 5]> = differences(state, graph, budget)?
        .iter()
        .filter(|difference| difference.subject == subject)
        .map(|d| {
            [
                cell(&d.property, &mut labels, site),
                d.value_cell(true, &mut labels, site),
                badge(&d.source1, site),
                d.value_cell(false, &mut labels, site),
                badge(&d.source2, site),
            ]
        })
        .collect();
    let is_article = view.classes.iter().any(
        |class| matches!(&class.term, Term::NamedNode(n) if n.as_str() == format!("{}Article", vocab::MK)),
    );
    let article = if is_article {
        Some(article_sections(state, graph, budget, lang, iri)?)
    } else {
        None
    };
    let base = path.to_owned();
    Ok(page(layout(
        lang,
        &title,
        path,
        html! {
            article.entity {
                h1 { (title) }
                p.iri { code { (iri.as_str()) } }
                @if !view.classes.is_empty() {
                    p.classes { @for class in &view.classes { (fact_value(class, site)) " " } }
                }
                @if !view.facts.is_empty() {
                    h2 { (lang.t("Facts", "Faits")) }
                    table.facts { (fact_rows(&view.facts, site, false)) }
                }
                @if !differences.is_empty() {
                    h2 { (lang.t("Where the articles differ", "Où les articles divergent")) }
                    div.scroll { table.differ {
                        thead { tr { th { (lang.t("property", "propriété")) } th { (lang.t("one says", "l'un dit")) } th { (lang.t("source", "source")) } th { (lang.t("another says", "un autre dit")) } th { (lang.t("source", "source")) } } }
                        tbody { @for row in &differences { tr { @for value in row { td { (value) } } } } }
                    } }
                }
                @if let Some(article) = &article { (article) }
                @if !view.incoming.is_empty() {
                    h2 { (lang.t("What links here", "Ce qui pointe ici")) }
                    table.facts { (fact_rows(&view.incoming, site, true)) }
                }
                @if !view.external.is_empty() {
                    h2 { (lang.t("Elsewhere (graph links, not from the articles)", "Ailleurs (liens du graphe, pas des articles)")) }
                    ul.external {
                        @for link in &view.external {
                            li { a href=(link.url) rel="external" { (link.site) } @if let Some(day) = &link.seen_on { " " small { (lang.t("seen on ", "vu le ")) (day) } } }
                        }
                    }
                }
                p.downloads {
                    "⬇ "
                    @for (extension, name) in [("ttl", "Turtle"), ("trig", "TriG"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdf", "RDF/XML")] {
                        a href={(base) "." (extension)} { (name) } " "
                    }
                }
            }
        },
    )))
}

/// One row of the stored query `disagreements`: two articles giving two
/// values for one subject and property, or answering one question
/// (`property`, an `mk:Question`) through two properties.
pub struct Difference {
    subject: Term,
    property: Term,
    value1: Term,
    source1: Term,
    value2: Term,
    source2: Term,
    /// The properties each article uses, when they differ.
    properties: Option<(Term, Term)>,
}

impl Difference {
    /// The value of one side (`first`: the first article's), after the
    /// property it was given by when the two articles use different ones.
    fn value_cell(&self, first: bool, labels: &mut LabelCache<'_>, site: &super::Site) -> Markup {
        let (value, property) = match (&self.properties, first) {
            (Some((property, _)), true) => (&self.value1, Some(property)),
            (Some((_, property)), false) => (&self.value2, Some(property)),
            (None, true) => (&self.value1, None),
            (None, false) => (&self.value2, None),
        };
        match property {
            Some(property) => {
                html! { (cell(property, labels, site)) ": " (cell(value, labels, site)) }
            }
            None => cell(value, labels, site),
        }
    }
}

/// Every difference between the articles, computed once (by the first page
/// that needs it, within its budget) and kept: the graph is read-only, so
/// they cannot change. Entity and article pages filter it.
fn differences<'s>(
    state: &'s super::AppState,
    graph: &Graph,
    budget: &Budget,
) -> Result<&'s [Difference], HttpError> {
    if let Some(kept) = state.differences.get() {
        return Ok(kept);
    }
    let mut rows = Vec::new();
    if let QueryResults::Solutions(solutions) = stored(state, graph, budget, "disagreements", &[])?
    {
        for solution in solutions {
            let solution = solution.map_err(|e| stopped(e.into(), budget))?;
            let get = |name: &str| solution.get(name).cloned();
            if let (
                Some(subject),
                Some(property),
                Some(value1),
                Some(source1),
                Some(value2),
                Some(source2),
            ) = (
                get("subject"),
                get("property"),
                get("value1"),
                get("source1"),
                get("value2"),
                get("source2"),
            ) {
                let properties = get("property1").zip(get("property2"));
                rows.push(Difference {
                    subject,
                    property,
                    value1,
                    source1,
                    value2,
                    source2,
                    properties,
                });
            }
        }
    }
    // Another thread may have computed them meanwhile: either is right.
    let _ = state.differences.set(rows);
    Ok(state.differences.get().map_or(&[], Vec::as_slice))
}

/// An article's own sections: what it states, grouped by entity (with how
/// many articles state each fact), and where it differs from the others.
fn article_sections(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
    article: NamedNodeRef<'_>,
) -> Result<Markup, HttpError> {
    let site = &state.site;
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    // Per entity: the entity, its link, and its (property, value, how many
    // articles state it) rows.
    type Rows = Vec<(Markup, Markup, String)>;
    let mut groups: Vec<(Term, Markup, Rows)> = Vec::new();
    if let QueryResults::Solutions(solutions) = stored(
        state,
        graph,
        budget,
        "source-facts",
        &[("article", article.into_owned().into())],
    )? {
        for solution in solutions {
            let solution = solution.map_err(|e| internal(&e.into()))?;
            let (Some(entity), Some(property), Some(value)) = (
                solution.get("entity"),
                solution.get("property"),
                solution.get("value"),
            ) else {
                continue;
            };
            let stated_by = match solution.get("statedBy") {
                Some(Term::Literal(n)) if n.value() != "1" => n.value().to_owned(),
                _ => String::new(),
            };
            let row = (
                cell(property, &mut labels, site),
                cell(value, &mut labels, site),
                stated_by,
            );
            match groups.last_mut() {
                Some((current, _, rows)) if current == entity => rows.push(row),
                _ => groups.push((entity.clone(), cell(entity, &mut labels, site), vec![row])),
            }
        }
    }
    let mut differs = Vec::new();
    let this = Term::from(article.into_owned());
    for d in differences(state, graph, budget)? {
        let (first_is_ours, other) = if d.source1 == this {
            (true, &d.source2)
        } else if d.source2 == this {
            (false, &d.source1)
        } else {
            continue;
        };
        differs.push([
            cell(&d.subject, &mut labels, site),
            cell(&d.property, &mut labels, site),
            d.value_cell(first_is_ours, &mut labels, site),
            d.value_cell(!first_is_ours, &mut labels, site),
            badge(other, site),
        ]);
    }
    let facts: usize = groups.iter().map(|(_, _, rows)| rows.len()).sum();
    Ok(html! {
        h2 { (lang.t("What this article states", "Ce que dit cet article")) " " small { "(" (facts) ")" } }
        @for (_, entity, rows) in &groups {
            h3 { (entity) }
            table.facts {
                @for (property, value, stated_by) in rows {
                    tr {
                        th scope="row" { (property) }
                        td { (value) @if !stated_by.is_empty() { " " small.source { "(" (stated_by) " " (lang.t("articles", "articles")) ")" } } }
                    }
                }
            }
        }
        h2 { (lang.t("Where it differs from the other articles", "Où il diverge des autres articles")) }
        @if differs.is_empty() {
            p { (lang.t("Nowhere.", "Nulle part.")) }
        } @else {
            div.scroll { table.differ {
                thead { tr {
                    th { (lang.t("about", "sujet")) } th { (lang.t("property", "propriété")) }
                    th { (lang.t("this article", "cet article")) } th { (lang.t("another says", "un autre dit")) } th { (lang.t("source", "source")) }
                } }
                tbody { @for row in &differs { tr { @for value in row { td { (value) } } } } }
            } }
        }
    })
}

/// What the editor completes, as JSON: the predeclared prefixes, and
/// every property and class the graph uses (full IRIs; the editor shows
/// them prefixed once the query declares the prefix, which it adds
/// itself). The editor's own completers would ask a web service (LOV).
fn editor_terms(graph: &Graph, budget: &Budget) -> Result<String, HttpError> {
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

/// Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): its own
/// entry decides when there is one, else `*`; q=0 refuses; names and the
/// `q` parameter in any case.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for range in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
    {
        let mut parts = range.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok());
        let allowed = q.is_some_and(|q| q > 0.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(gzip.unwrap_or(true) && allowed);
        } else if coding == "*" {
            any = Some(any.unwrap_or(true) && allowed);
        }
    }
    gzip.or(any).unwrap_or(false)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_without_a_year_are_spelled_out() {
        assert_eq!(human_date("2017-06-01", Lang::En), "2017-06-01");
        assert_eq!(human_date("--06-01", Lang::En), "1 June (year not given)");
        assert_eq!(
            human_date("--09", Lang::Fr),
            "septembre (année non précisée)"
        );
        assert_eq!(human_date("--13", Lang::En), "--13");
    }

    #[test]
    fn the_language_comes_from_the_switch_then_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "de-DE, fr;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of(&[], &headers, Lang::En), Lang::Fr);
        let switch = [("lang".to_owned(), "en".to_owned())];
        assert_eq!(Lang::of(&switch, &headers, Lang::En), Lang::En);
        assert_eq!(Lang::of(&[], &HeaderMap::new(), Lang::En), Lang::En);
        assert_eq!(Lang::of(&[], &HeaderMap::new(), Lang::Fr), Lang::Fr);
        // An unknown switch value is no choice: the browser's language
        // decides, then the server's.
        let unknown = vec![("lang".to_owned(), "xx".to_owned())];
        assert_eq!(Lang::of(&unknown, &headers, Lang::En), Lang::Fr);
        assert_eq!(Lang::of(&unknown, &HeaderMap::new(), Lang::Fr), Lang::Fr);
        let upper = vec![("lang".to_owned(), "FR-ca".to_owned())];
        assert_eq!(Lang::of(&upper, &HeaderMap::new(), Lang::En), Lang::Fr);
        // A q-value that is not a number drops its range.
        let mut odd = HeaderMap::new();
        odd.insert(
            header::ACCEPT_LANGUAGE,
            "fr;q=abc, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of(&[], &odd, Lang::En), Lang::En);
    }
}
