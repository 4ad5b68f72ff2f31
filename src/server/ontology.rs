//! `/ontology`: the vocabulary as documentation and as data, like every
//! other IRI of the namespace. A browser gets a page with each class and
//! property (label in both languages, definition, domain, range, how many
//! facts use it, examples), each at its anchor (`/ontology#castMember`,
//! where every property link of the site lands); `Accept` or an extension
//! (`/ontology.ttl`, `.nt`, `.rdf`, `.jsonld`…, every one `format` reads)
//! gets the ontology's statements in that format.
//!
//! The view is computed in `view/ontology.rs`; this renders it.

use super::http::{accept, stopped, Answer, Capped, HttpError};
use super::lang::{Lang, PageRequest};
use super::layout::{cell, internal, layout, page};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::view::ontology::{OntologyView, TermDoc, TermKind};
use crate::vocab;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use oxigraph::model::{GraphName, Quad, Term};

/// `GET /ontology` and `/ontology.EXT`: the page, or the ontology's
/// statements as RDF.
pub async fn ontology(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    PageRequest { lang, .. }: PageRequest,
) -> Response {
    let extension = uri.path().rsplit_once('.').map(|(_, e)| e.to_owned());
    let format = match extension {
        // The router only sends the extensions `format` reads for a page.
        Some(extension) => format::by_extension(&extension, Payload::Page)
            .ok_or_else(|| HttpError::not_found(format!("no format named '{extension}'"))),
        None => format::negotiate(accept(&headers).as_deref(), &Payload::Page.offers())
            .map_err(|failure| HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message)),
    };
    let format = match format {
        Ok(format) => format,
        Err(error) => return axum::response::IntoResponse::into_response(error),
    };
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let OutputFormat::Rdf(rdf) = format else {
            let view = OntologyView::compute(graph, lang.code(), lang.other().code(), &mut || {
                Ok(budget.check("the ontology page")?)
            })
            .map_err(|e| stopped(e, budget))?;
            return Ok(render(&view, graph, &shared.site, lang));
        };
        let ontology = vocab::graph("ontology");
        let quads = graph
            .quads(None, None, None, Some(ontology.as_ref().into()))
            .map(|quad| {
                quad.map(|q| Quad::new(q.subject, q.predicate, q.object, GraphName::DefaultGraph))
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(|e| internal(&e))?;
        let max = shared.settings.max_result;
        let mut body = Capped::new(max);
        format::write_quads(quads, rdf, &mut body).map_err(|e| stopped(e, budget))?;
        Ok(Answer {
            content_type: format::content_type(format),
            body: body.finish(max)?,
            volatile: false,
            filename: None,
        })
    };
    super::answer(&state, work).await
}

/// The page: a table of contents, then classes, properties and the other
/// terms, each an entry at its anchor.
fn render(view: &OntologyView, graph: &Graph, site: &super::Site, lang: Lang) -> Answer {
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let sections = [
        (TermKind::Class, lang.t("Classes", "Classes")),
        (TermKind::Property, lang.t("Properties", "Propriétés")),
        (
            TermKind::Other,
            lang.t(
                "Other terms (questions, outcomes)",
                "Autres termes (questions, issues)",
            ),
        ),
    ];
    let entries: Vec<(TermKind, Markup)> = view
        .terms
        .iter()
        .map(|term| (term.kind, entry(term, &mut labels, site, lang)))
        .collect();
    let count = |kind: TermKind| view.terms.iter().filter(|t| t.kind == kind).count();
    page(layout(
        lang,
        lang.t("Ontology", "Ontologie"),
        "/ontology",
        html! {
            h1 { (lang.t("The ontology", "L'ontologie")) }
            p.lead { (lang.t(
                "The vocabulary of the graph (prefix mk:): each class and property with its definition, what it links, how many facts use it and examples from the data.",
                "Le vocabulaire du graphe (préfixe mk:) : chaque classe et propriété avec sa définition, ce qu'elle relie, combien de faits l'emploient et des exemples tirés des données.")) }
            p.downloads {
                "⬇ "
                @for format in Payload::Graph.offers() {
                    a href={"/ontology." (format::extension(format))} { (format::label(format)) } " "
                }
            }
            ul {
                @for (kind, title) in &sections {
                    li { a href={"#" (kind_anchor(*kind))} { (title) } " (" (count(*kind)) ")" }
                }
            }
            @for (kind, title) in &sections {
                h2 id=(kind_anchor(*kind)) { (title) }
                dl.terms {
                    @for (_, markup) in entries.iter().filter(|(k, _)| k == kind) { (markup) }
                }
            }
        },
    ))
}

fn kind_anchor(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Class => "classes",
        TermKind::Property => "properties",
        TermKind::Other => "other-terms",
    }
}

/// One term: its name and labels, then what it means and how it is used.
fn entry(term: &TermDoc, labels: &mut LabelCache<'_>, site: &super::Site, lang: Lang) -> Markup {
    let list = |terms: &[Term], labels: &mut LabelCache<'_>| -> Markup {
        html! { @for (i, t) in terms.iter().enumerate() { @if i > 0 { ", " } (cell(t, labels, site)) } }
    };
    let domains = list(&term.domains, labels);
    let ranges = list(&term.ranges, labels);
    let types = list(&term.types, labels);
    let examples: Vec<Markup> = term
        .examples
        .iter()
        .map(|(subject, value)| {
            html! {
                (cell(subject, labels, site))
                @if let Some(value) = value { " → " (cell(value, labels, site)) }
            }
        })
        .collect();
    let uses = match (term.kind, term.uses) {
        (TermKind::Class, 1) => lang.t("1 instance", "1 instance").to_owned(),
        (TermKind::Class, n) => format!("{n} {}", lang.t("instances", "instances")),
        (_, 1) => lang.t("1 fact", "1 fait").to_owned(),
        (_, n) => format!("{n} {}", lang.t("facts", "faits")),
    };
    html! {
        dt id=(term.local) {
            @if let Some(label) = &term.label { (label) " " }
            code { "mk:" (term.local) }
            @if let Some(other) = &term.other_label { " " small lang=(lang.other().code()) { "(" (other) ")" } }
        }
        dd {
            @if let Some(definition) = &term.definition { p { (definition) } }
            p {
                @if !term.types.is_empty() { (lang.t("A ", "Un·e ")) (types) ". " }
                @if !term.domains.is_empty() { (lang.t("Domain: ", "Domaine : ")) (domains) ". " }
                @if !term.ranges.is_empty() { (lang.t("Range: ", "Portée : ")) (ranges) ". " }
                (lang.t("In the data: ", "Dans les données : ")) (uses)
                @if examples.is_empty() { "." } @else {
                    (lang.t(", e.g. ", ", par ex. "))
                    @for (i, example) in examples.iter().enumerate() { @if i > 0 { "; " } (example) }
                    "."
                }
            }
        }
    }
}
