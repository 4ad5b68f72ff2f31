//! The page shell (header, navigation, search box, footer) and the small
//! pieces every page uses: a term as a link or a badge, a stored query run
//! for a page, dates in words, the 500 answer, and the [`Room`] a page
//! that grows with the data is cut to, a long page's table of contents.

use super::http::{stopped, Answer, HttpError};
use super::lang::Lang;
use crate::format::{self, OutputFormat};
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::Kind;
use maud::{html, Markup, DOCTYPE};
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;

/// The frame of every page: header with the search box and the language
/// switch, the body, a footer.
pub(super) fn layout(lang: Lang, title: &str, path: &str, body: Markup) -> Markup {
    frame(lang, title, path, html! {}, body)
}

/// [`layout`] with more in the head: the query page's editor.
pub(super) fn frame(lang: Lang, title: &str, path: &str, head: Markup, body: Markup) -> Markup {
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
                a.skip href="#main" { (lang.t("Skip to the content", "Aller au contenu")) }
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
                main #main tabindex="-1" { (body) }
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

/// A long page's table of contents: a link to each of its sections (their
/// `id`), in order, at its top.
pub(super) fn contents(lang: Lang, sections: &[(&str, String)]) -> Markup {
    html! {
        nav.toc aria-label=(lang.t("Contents", "Sommaire")) {
            span.toc-title { (lang.t("Contents", "Sommaire")) }
            ol { @for (id, title) in sections { li { a href={"#" (id)} { (title) } } } }
        }
    }
}

pub(super) fn page(markup: Markup) -> Answer {
    Answer {
        volatile: false,
        filename: None,
        content_type: format::content_type(OutputFormat::Html),
        body: without_controls(markup.into_string()).into_bytes(),
    }
}

/// The bytes a page may still take of `--max-result`, the bound every
/// other answer keeps: the parts of a page that grow with the data (result
/// rows, facts, an article's statements) are taken from it one by one, and
/// the page ends where it is full and says so ([`Room::notice`]) instead of
/// growing without bound (a 1,000-row table of 1 MiB values was 347 MB).
pub(super) struct Room {
    left: usize,
    max: usize,
    full: bool,
}

impl Room {
    pub(super) fn new(max: usize) -> Self {
        // What the page's frame, headings and notices may take besides.
        let shell = (max / 4).min(64 * 1024);
        Self {
            left: max - shell,
            max,
            full: false,
        }
    }

    /// Whether `part` fits (and takes its bytes); once one part does not,
    /// no later one does, so the page is a prefix of the whole.
    pub(super) fn take(&mut self, part: &Markup) -> bool {
        if self.full || part.0.len() > self.left {
            self.full = true;
            return false;
        }
        self.left -= part.0.len();
        true
    }

    pub(super) fn is_full(&self) -> bool {
        self.full
    }

    /// What a cut page says where it stops: why, and where to get it all.
    pub(super) fn notice(&self, lang: Lang, whole: Markup) -> Markup {
        let limit = if self.max >= 1 << 20 {
            format!("{:.0} MiB", self.max as f64 / f64::from(1 << 20))
        } else {
            format!("{:.0} KiB", self.max as f64 / 1024.0)
        };
        html! {
            @if self.full {
                p.cut role="status" {
                    (lang.t("The page stops here: the rest would make it larger than this server's limit on an answer (--max-result, ", "La page s'arrête ici : la suite la rendrait plus grande que la limite de ce serveur pour une réponse (--max-result, "))
                    (limit) "). " (whole)
                }
            }
        }
    }
}

/// The page with control characters from the data (NUL, ESC…) replaced
/// by U+FFFD: the template escapes markup, not these, and they make the
/// HTML (and its inline SVG) invalid. Tab, line feed and carriage return
/// stay; the templates themselves hold no other.
pub(super) fn without_controls(html: String) -> String {
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
    let base = state.site.url("/sparql");
    state
        .catalog
        .run_with(name, graph, budget, bindings, &|text, origin| {
            state.prepare(text, origin, &base)
        })
        .map_err(|error| stopped(error, budget))
}

/// A term in a table cell: a link with its label for an IRI, the text of a
/// literal (with its language), a blank node's label.
pub(super) fn cell(term: &Term, labels: &mut LabelCache<'_>, site: &super::Site) -> Markup {
    match term {
        Term::NamedNode(node) => {
            let label = labels
                .get(node.as_ref().into())
                .ok()
                .flatten()
                .map(str::to_owned);
            let text = label
                .or_else(|| {
                    crate::view::human::known_term(node.as_str(), labels.lang()).map(str::to_owned)
                })
                .unwrap_or_else(|| labels::compact(node.as_str()));
            link(site, node.as_str(), "", html! { (text) })
        }
        Term::Literal(value) => {
            let lang = if labels.lang() == Some("fr") {
                Lang::Fr
            } else {
                Lang::En
            };
            literal(value.as_ref(), lang)
        }
        other => html! { (other.to_string()) },
    }
}

/// A literal as a person reads it: a text in its language (tagged), a
/// date, duration, yes/no or number in words with the value as written in
/// its tooltip and `value` (`<data>`), anything else as written.
pub(super) fn literal(literal: oxigraph::model::LiteralRef<'_>, lang: Lang) -> Markup {
    literal_in(literal, None, lang)
}

/// [`literal`], a number followed by its `unit` (a currency code) when it
/// has one: "€1,500,000".
pub(super) fn literal_in(
    literal: oxigraph::model::LiteralRef<'_>,
    unit: Option<&str>,
    lang: Lang,
) -> Markup {
    if let Some(tag) = literal.language() {
        return html! { span lang=(tag) { (literal.value()) } " " small.tag { "@" (tag) } };
    }
    let words = crate::view::human::in_words(literal, Some(lang.code())).map(|words| match unit {
        Some(unit) => crate::view::human::with_unit(&words, unit, Some(lang.code())),
        None => words,
    });
    match words {
        Some(words) => {
            let raw = format!(
                "{} ({})",
                literal.value(),
                labels::compact(literal.datatype().as_str())
            );
            html! { data value=(literal.value()) title=(raw) { (words) } }
        }
        None => html! { (literal.value()) },
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

pub(super) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The last day a month can have in some year (29 for February).
pub(super) fn max_day(month: u32) -> u32 {
    // At most 31: the conversion cannot fail.
    u32::try_from(crate::view::human::max_day(month as usize)).unwrap_or(31)
}

/// A date with no year (`--06-01`, `--06`, as an article words "1 June"
/// or "last June") in words; other dates as they are (ISO 8601).
pub(super) fn human_date(date: &str, lang: Lang) -> String {
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
    let Some(name) = crate::view::human::month_name(month, lang == Lang::Fr) else {
        return date.to_owned();
    };
    let no_year = lang.t("year not given", "année non précisée");
    match day {
        Some(day) => format!("{day} {name} ({no_year})"),
        None => format!("{name} ({no_year})"),
    }
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
}
