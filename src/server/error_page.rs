//! Errors as a browser shows them: every error answer (a status of 400 or
//! more, with its one plain line) sent to a client that asks for HTML
//! first becomes a page in the site's layout and language, with the line,
//! what to do next, the search box, and, when a name matched several
//! entities or none, the entities it could mean as links.
//!
//! A layer around every route (`server.rs`), so the router's own refusals
//! (404, 405, 414) get the page too. Other clients (`curl`, SPARQL
//! libraries: `*/*` or a data type first) keep the plain line; the status
//! and its headers (`Retry-After`, `Allow`) stay whatever the error's kind
//! gave, never decided here.

use super::http::{accept, pairs, Candidates};
use super::lang::Lang;
use super::layout::{layout, page};
use super::Shared;
use crate::graph::labels::LabelCache;
use crate::vocab;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use maud::{html, Markup};
use oxigraph::model::{NamedNodeRef, Term};

/// The most of an error answer's body read to make its page: error lines
/// are cut to 1,000 characters, candidate lists to 20 lines.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The layer: the answer as is, unless it is an error a browser asked for.
pub async fn layer(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let browser = matches!(*request.method(), Method::GET | Method::HEAD)
        && prefers_html(accept(request.headers()).as_deref());
    // Every other request (the SPARQL clients, the benchmarks) passes
    // through untouched: nothing more is read of it here.
    if !browser {
        return next.run(request).await;
    }
    let params = pairs(request.uri().query().map(str::as_bytes)).unwrap_or_default();
    let lang = Lang::of(&params, request.headers(), Lang::default_of(&state));
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    if !plain || response.status().as_u16() < 400 {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::from("the error answer was too long to show\n"));
    };
    let message = String::from_utf8_lossy(&bytes).trim_end().to_owned();
    let candidates = parts
        .extensions
        .remove::<Candidates>()
        .unwrap_or_default()
        .0;
    let links = links(&state, lang, &candidates);
    let markup = render(lang, parts.status, &path, &message, &links);
    let answer = page(markup);
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(value) = HeaderValue::from_str(&answer.content_type) {
        parts.headers.insert(header::CONTENT_TYPE, value);
    }
    // The same URL answers a plain line to other clients.
    parts.headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    Response::from_parts(parts, Body::from(answer.body))
}

/// Whether `Accept` puts HTML first: `text/html` (or XHTML) with a weight
/// no other named type beats. `*/*` alone is not a browser's request.
fn prefers_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let mut html = 0.0_f32;
    let mut other = 0.0_f32;
    for range in accept.split(',') {
        let mut fields = range.split(';');
        let media = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = fields
            .filter_map(|field| field.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(weight),
            "*/*" | "text/*" | "" => {}
            _ => other = other.max(weight),
        }
    }
    html > 0.0 && html >= other
}

/// A candidate as a person tells it from the others: its label, the page
/// to follow, and what it is (two candidates may share a label: the
/// actor and the character he plays).
struct Link {
    label: String,
    href: String,
    classes: Vec<String>,
}

/// Each candidate as a [`Link`].
fn links(state: &Shared, lang: Lang, candidates: &[String]) -> Vec<Link> {
    let mut labels = LabelCache::new(&state.graph, Some(lang.code()));
    let mut label = |node: NamedNodeRef<'_>| {
        labels
            .get(node.into())
            .ok()
            .flatten()
            .map_or_else(|| node.as_str().to_owned(), str::to_owned)
    };
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let mut links = Vec::new();
    for iri in candidates {
        let (Some(href), Ok(node)) = (state.site.href(iri), NamedNodeRef::new(iri)) else {
            continue;
        };
        let classes = state
            .graph
            .default_quads(Some(node.into()), Some(rdf_type), None)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|quad| match quad.object {
                Term::NamedNode(class) => Some(label(class.as_ref())),
                _ => None,
            })
            .collect();
        links.push(Link {
            label: label(node),
            href,
            classes,
        });
    }
    links
}

/// The page: what went wrong in words, the server's own line, the
/// candidates, and where to go from here.
fn render(lang: Lang, status: StatusCode, path: &str, message: &str, links: &[Link]) -> Markup {
    let (title, next) = if links.is_empty() {
        words(lang, status)
    } else {
        (
            lang.t("Which one do you mean?", "Lequel voulez-vous dire ?"),
            lang.t(
                "Follow one of these, or search by name: accents and case do not matter.",
                "Suivez l'un de ces liens, ou cherchez par le nom : accents et majuscules ne comptent pas.",
            ),
        )
    };
    // With links below, the message's own list of candidates is not
    // repeated: its first line says what happened.
    let shown = if links.is_empty() {
        message
    } else {
        message.lines().next().unwrap_or(message)
    };
    layout(
        lang,
        title,
        path,
        html! {
            h1 { (title) }
            p.error-status { (status.as_u16()) " · " code.path { (path) } }
            pre.message role="alert" { (shown) }
            @if !links.is_empty() {
                ul.found {
                    @for link in links {
                        li { a href=(link.href) { (link.label) } @for class in &link.classes { " " small.class { (class) } } }
                    }
                }
            }
            p { (next) }
            form.search.big action="/search" method="get" {
                input type="hidden" name="lang" value=(lang.code());
                input type="search" name="q" aria-label=(lang.t("Search", "Chercher"));
                button type="submit" { (lang.t("Search", "Chercher")) }
            }
            ul.next {
                li { a href={"/?lang=" (lang.code())} { (lang.t("Home: the articles and the stored queries", "Accueil : les articles et les requêtes enregistrées")) } }
                li { a href={"/ui/query?lang=" (lang.code())} { (lang.t("Write a SPARQL query", "Écrire une requête SPARQL")) } }
                li { a href={"/timeline?lang=" (lang.code())} { (lang.t("The timeline", "La chronologie")) } }
            }
        },
    )
}

/// A status in words, and what to do about it.
fn words(lang: Lang, status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            lang.t("Nothing here", "Rien ici"),
            lang.t(
                "The address names nothing in the graph. Search for it by name, or start from the home page.",
                "L'adresse ne nomme rien dans le graphe. Cherchez par le nom, ou partez de l'accueil.",
            ),
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            lang.t("The server is busy", "Le serveur est occupé"),
            lang.t(
                "Too many queries are running right now. Try again in a few seconds.",
                "Trop de requêtes tournent en ce moment. Réessayez dans quelques secondes.",
            ),
        ),
        StatusCode::GATEWAY_TIMEOUT => (
            lang.t("The query took too long", "La requête a pris trop de temps"),
            lang.t(
                "Narrow the query (a LIMIT, a more precise pattern) and run it again.",
                "Restreignez la requête (un LIMIT, un motif plus précis) et relancez-la.",
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            lang.t("Not with this method", "Pas avec cette méthode"),
            lang.t(
                "The graph is read-only: the site answers reading requests only.",
                "Le graphe est en lecture seule : le site ne répond qu'aux demandes de lecture.",
            ),
        ),
        StatusCode::NOT_ACCEPTABLE => (
            lang.t("No such format here", "Pas de tel format ici"),
            lang.t(
                "This address is not available in the format asked for; the page links the formats it has.",
                "Cette adresse n'existe pas dans le format demandé ; la page donne les formats disponibles.",
            ),
        ),
        StatusCode::URI_TOO_LONG | StatusCode::PAYLOAD_TOO_LARGE => (
            lang.t("The request is too long", "La requête est trop longue"),
            lang.t(
                "Shorten it, or send a long query from a program with POST.",
                "Raccourcissez-la, ou envoyez une longue requête depuis un programme, par POST.",
            ),
        ),
        status if status.is_server_error() => (
            lang.t("Something went wrong on the server", "Le serveur a rencontré un problème"),
            lang.t(
                "This is the server's fault, not yours. Try again, or try another page.",
                "Ce n'est pas de votre fait. Réessayez, ou essayez une autre page.",
            ),
        ),
        _ => (
            lang.t("This request cannot be answered", "Cette demande ne peut pas aboutir"),
            lang.t(
                "The line above says what to change. The home page lists what can be asked.",
                "La ligne ci-dessus dit quoi changer. L'accueil liste ce qui peut être demandé.",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::prefers_html;

    #[test]
    fn only_a_browser_s_accept_asks_for_the_page() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";
        assert!(prefers_html(Some(chromium)));
        assert!(prefers_html(Some("text/html")));
        assert!(!prefers_html(Some("*/*")));
        assert!(!prefers_html(None));
        assert!(!prefers_html(Some("application/sparql-results+json")));
        assert!(!prefers_html(Some(
            "application/sparql-results+json, text/html;q=0.5"
        )));
        assert!(!prefers_html(Some("text/html;q=0")));
    }
}
