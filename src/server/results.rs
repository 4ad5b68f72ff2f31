//! Query results as an HTML page: the table (IRIs as links with their
//! labels), the downloads in every format, and the supports table of
//! `--why`. Called by the protocol's HTML answer and the query page.

use super::http::Answer;
use super::lang::Lang;
use super::layout::{cell, encode, frame, page, Room};
use crate::format::{self, Payload};
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::vocab;
use maud::{html, Markup};
use oxigraph::sparql::QueryResults;

/// The most rows a results page shows at once; the next rows are one
/// page further (`&page=`), the downloads have them all.
pub(super) const PAGE_ROWS: usize = 1000;

/// Which rows of the results a page shows, and how it was asked.
pub struct Window {
    /// 1 for the first [`PAGE_ROWS`] rows.
    pub page: usize,
    /// The page's URL without its `page` parameter, to link the others;
    /// `None` where the page cannot be turned (a stored query's page links
    /// the editor instead).
    pub link: Option<String>,
    /// When the query started, for the run time shown.
    pub started: std::time::Instant,
}

impl Window {
    /// The first page, with no links to others.
    pub fn first(started: std::time::Instant) -> Self {
        Self {
            page: 1,
            link: None,
            started,
        }
    }
}

/// Query results as a table with labels and links: one page of
/// [`PAGE_ROWS`] rows within `max_bytes` (`--max-result`), saying so when
/// cut; then how many results in all and how long they took ("8 results
/// in 3 ms"), counted to the end within the query's time and memory.
pub fn results_table(
    results: QueryResults<'_>,
    graph: &Graph,
    site: &super::Site,
    lang: Lang,
    max_bytes: usize,
    window: &Window,
) -> anyhow::Result<Markup> {
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let mut room = Room::new(max_bytes);
    let whole = html! { (lang.t("Download the results for all of them.", "Téléchargez les résultats pour tout voir.")) };
    let skip = (window.page.max(1) - 1).saturating_mul(PAGE_ROWS);
    Ok(match results {
        QueryResults::Boolean(value) => html! {
            p.boolean { @if value { (lang.t("Yes", "Oui")) } @else { (lang.t("No", "Non")) } " " small { "(" (value) ")" } }
            (summary(lang, None, window))
        },
        QueryResults::Solutions(solutions) => {
            let variables: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let mut rows = Vec::new();
            let mut total = 0;
            for solution in solutions {
                let solution = solution?;
                total += 1;
                if total <= skip || rows.len() == PAGE_ROWS || room.is_full() {
                    continue;
                }
                let row = html! {
                    tr {
                        @for value in solution.values() {
                            td { @if let Some(term) = value { (cell(term, &mut labels, site)) } }
                        }
                    }
                };
                if room.take(&row) {
                    rows.push(row);
                }
            }
            html! {
                (summary(lang, Some((total, skip, rows.len())), window))
                div.scroll {
                    table.results {
                        thead { tr { @for variable in &variables { th scope="col" { (variable) } } } }
                        tbody { @for row in &rows { (row) } }
                    }
                }
                (pages(lang, total, window))
                (room.notice(lang, whole))
            }
        }
        QueryResults::Graph(triples) => {
            let mut rows = Vec::new();
            let mut total = 0;
            for triple in triples {
                let triple = triple?;
                total += 1;
                if total <= skip || rows.len() == PAGE_ROWS || room.is_full() {
                    continue;
                }
                let row = html! {
                    tr {
                        td { (cell(&triple.subject.into(), &mut labels, site)) }
                        td { (cell(&triple.predicate.into(), &mut labels, site)) }
                        td { (cell(&triple.object, &mut labels, site)) }
                    }
                };
                if room.take(&row) {
                    rows.push(row);
                }
            }
            html! {
                (summary(lang, Some((total, skip, rows.len())), window))
                div.scroll { table.results {
                    thead { tr { th scope="col" { "subject" } th scope="col" { "predicate" } th scope="col" { "object" } } }
                    tbody { @for row in &rows { (row) } }
                } }
                (pages(lang, total, window))
                (room.notice(lang, whole))
            }
        }
    })
}

/// "8 results in 3 ms", and which of them this page shows when it shows
/// some only: `counts` is (all results, rows before this page, rows shown).
fn summary(lang: Lang, counts: Option<(usize, usize, usize)>, window: &Window) -> Markup {
    let took = took(window.started.elapsed());
    html! {
        p.count role="status" {
            @match counts {
                None => { (lang.t("Answered in ", "Réponse en ")) (took) }
                Some((total, skip, shown)) => {
                    (results_in_words(lang, total)) " " (lang.t("in", "en")) " " (took)
                    @if shown < total {
                        @if shown == 0 {
                            (lang.t("; none on this page", " ; aucun sur cette page"))
                        } @else {
                            (lang.t("; shown: ", " ; affichés : ")) (number(lang, skip + 1)) "–" (number(lang, skip + shown))
                        }
                    }
                }
            }
        }
    }
}

/// "1 result", "8 results"; "0 résultat", "1 résultat", "8 résultats".
pub(super) fn results_in_words(lang: Lang, count: usize) -> String {
    let (one, many) = match lang {
        Lang::En => ("result", "results"),
        Lang::Fr => ("résultat", "résultats"),
    };
    // French puts 0 and 1 in the singular, English only 1.
    let singular = count == 1 || (count == 0 && lang == Lang::Fr);
    format!(
        "{} {}",
        number(lang, count),
        if singular { one } else { many }
    )
}

/// A count with its thousands marked as the page's language does.
fn number(lang: Lang, count: usize) -> String {
    crate::view::human::number(count, Some(lang.code()))
}

/// A run time as people read it: "3 ms", "1.2 s".
fn took(elapsed: std::time::Duration) -> String {
    let ms = elapsed.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        "< 1 ms".to_owned()
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// Links to the previous and next pages of rows, when there are others.
fn pages(lang: Lang, total: usize, window: &Window) -> Markup {
    let last = total.div_ceil(PAGE_ROWS).max(1);
    let Some(link) = &window.link else {
        return html! {
            @if total > PAGE_ROWS {
                p.more { (lang.t("Only the first 1,000 are shown here; open the query in the editor to see the next ones, or download them all.", "Seuls les 1 000 premiers sont affichés ici ; ouvrez la requête dans l'éditeur pour voir les suivants, ou téléchargez-les tous.")) }
            }
        };
    };
    let page = window.page.max(1);
    html! {
        @if last > 1 {
            nav.pages aria-label=(lang.t("Pages of results", "Pages de résultats")) {
                @if page > 1 {
                    a rel="prev" href={(link) "&page=" (page - 1)} { "← " (lang.t("Previous", "Précédents")) }
                    " "
                }
                span { (lang.t("Page", "Page")) " " (page) " / " (last) }
                @if page < last {
                    " "
                    a rel="next" href={(link) "&page=" (page + 1)} { (lang.t("Next", "Suivants")) " →" }
                }
            }
        }
    }
}

/// Download links for a query URL in every format of its payload, by
/// the formats' names (JSON, XML, CSV, TSV; Turtle, TriG…); each saves as
/// `missions-kg-results` with the format's extension.
pub(super) fn downloads(base: &str, returns_graph: bool) -> Markup {
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
                a href={(base) (separator) "format=" (format::name(format))} download { (format::label(format)) } " "
            }
        }
    }
}

/// A query as its results page shows it: title, text, its own URL (the
/// permalink) and whether it returns a graph (for the downloads).
pub struct Shown<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub url: &'a str,
    pub returns_graph: bool,
    /// When the query started (for the run time shown).
    pub started: std::time::Instant,
}

/// The results page of a query: the query, its results, downloads and a
/// permalink.
pub fn results_page(
    results: QueryResults<'_>,
    graph: &Graph,
    site: &super::Site,
    lang: Lang,
    query: &Shown<'_>,
    max_bytes: usize,
) -> anyhow::Result<Answer> {
    let table = results_table(
        results,
        graph,
        site,
        lang,
        max_bytes,
        &Window::first(query.started),
    )?;
    let edit = format!(
        "/ui/query?lang={}&query={}",
        lang.code(),
        encode(query.text)
    );
    Ok(page(frame(
        lang,
        query.title,
        "/ui/query",
        html! { script src="/assets/results.js" defer {} },
        html! {
            h1 { (query.title) }
            (table)
            (downloads(query.url, query.returns_graph))
            p { a href=(query.url) { (lang.t("Permalink", "Lien permanent")) } " · " a href=(edit) { (lang.t("Edit this query", "Modifier cette requête")) } }
            details { summary { "SPARQL" } pre { code { (query.text) } } }
        },
    )))
}

/// A traced CONSTRUCT's quads (`Prepared::trace_construct`) as a table:
/// each triple once, with its supports as `query --why` shows them.
pub(super) fn supports_table(
    quads: Vec<oxigraph::model::Quad>,
) -> oxigraph::sparql::QueryResults<'static> {
    use oxigraph::model::{GraphName, Literal, Term, Variable};
    use std::collections::{BTreeMap, HashMap};
    let mut labels: HashMap<Term, String> = HashMap::new();
    let mut triples: BTreeMap<String, (Vec<Option<Term>>, Vec<Term>)> = BTreeMap::new();
    for quad in &quads {
        if quad.graph_name.is_default_graph() {
            if quad.predicate.as_str() == vocab::RDFS_LABEL {
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
