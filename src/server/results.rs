//! Query results as an HTML page: the table (IRIs as links with their
//! labels), the downloads in every format, and the supports table of
//! `--why`. Called by the protocol's HTML answer and the query page.

use super::http::Answer;
use super::lang::Lang;
use super::layout::{cell, encode, layout, page, Room};
use crate::format::{self, Payload};
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::vocab;
use maud::{html, Markup};
use oxigraph::sparql::QueryResults;

/// The most rows a results page shows (the downloads have them all).
const MAX_ROWS: usize = 1000;

/// Query results as a table with labels and links: at most [`MAX_ROWS`]
/// rows and `max_bytes` of them (`--max-result`), saying so when cut.
pub fn results_table(
    results: QueryResults<'_>,
    graph: &Graph,
    site: &super::Site,
    lang: Lang,
    max_bytes: usize,
) -> anyhow::Result<Markup> {
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let mut room = Room::new(max_bytes);
    let whole = html! { (lang.t("Download the results for all of them.", "Téléchargez les résultats pour tout voir.")) };
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
                if rows.len() == MAX_ROWS {
                    more = true;
                    break;
                }
                let row = html! {
                    tr {
                        @for value in solution.values() {
                            td { @if let Some(term) = value { (cell(term, &mut labels, site)) } }
                        }
                    }
                };
                if !room.take(&row) {
                    break;
                }
                rows.push(row);
            }
            html! {
                div.scroll {
                    table.results {
                        thead { tr { @for variable in &variables { th { (variable) } } } }
                        tbody { @for row in &rows { (row) } }
                    }
                }
                p.count {
                    (rows.len()) " " (lang.t("rows", "lignes"))
                    @if more { " " (lang.t("(more not shown; download for all)", "(la suite n'est pas affichée ; téléchargez pour tout voir)")) }
                }
                (room.notice(lang, whole))
            }
        }
        QueryResults::Graph(triples) => {
            let mut rows = Vec::new();
            for triple in triples.take(MAX_ROWS) {
                let triple = triple?;
                let row = html! {
                    tr {
                        td { (cell(&triple.subject.into(), &mut labels, site)) }
                        td { (cell(&triple.predicate.into(), &mut labels, site)) }
                        td { (cell(&triple.object, &mut labels, site)) }
                    }
                };
                if !room.take(&row) {
                    break;
                }
                rows.push(row);
            }
            html! {
                div.scroll { table.results {
                    thead { tr { th { "subject" } th { "predicate" } th { "object" } } }
                    tbody { @for row in &rows { (row) } }
                } }
                (room.notice(lang, whole))
            }
        }
    })
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
    let table = results_table(results, graph, site, lang, max_bytes)?;
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
