//! The reader: `/source/ARTICLE/text`, an article's text from the server's
//! copy (`--articles`), its passages marked, each linked to the facts it
//! states, each of those facts linked to its entity's page (whose passages
//! link back here, `passages.rs`). The text is only ever shown this way,
//! in its passages' light, for the user's own copy: the project does not
//! republish the articles. Without `--articles` the route answers 404 with
//! how to see it. `linked_data.rs` routes here; the text and its pieces
//! are computed in `provenance/reader.rs`.

use super::http::{Answer, HttpError};
use super::lang::Lang;
use super::layout::{cell, internal, layout, link, page};
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::provenance::evidence::Passage;
use crate::provenance::reader::{ArticleText, Piece};
use crate::vocab;
use maud::{html, Markup};
use oxigraph::model::{NamedNodeRef, Term};

/// The path of an article's reader page, for a path ending in `/text`
/// under `/source/`: the article's own path.
pub(super) fn article_path(path: &str) -> Option<&str> {
    path.strip_suffix("/text")
        .filter(|stem| stem.starts_with("/source/") && stem.len() > "/source/".len())
}

/// Where the reader shows `passage`: its article's reader page, at its
/// anchor; `None` for an article outside the project's namespace.
pub(super) fn href(site: &super::Site, passage: &Passage) -> Option<String> {
    text_href(site, &passage.article_iri).map(|text| format!("{text}#{}", passage.anchor()))
}

/// The reader page of the article `iri`.
pub(super) fn text_href(site: &super::Site, iri: &str) -> Option<String> {
    site.href(iri)
        .filter(|href| href.starts_with("/source/"))
        .map(|href| format!("{href}/text"))
}

/// In one sentence, how to see the sentences when the server has no texts.
pub(super) fn how_to_see(lang: Lang) -> Markup {
    html! {
        (lang.t("This server has no copy of the articles' texts: to see the sentences, start it with ",
                "Ce serveur n'a pas de copie du texte des articles : pour voir les phrases, lancez-le avec "))
        code { "missions-kg serve --articles DIR" } ", "
        (lang.t("DIR holding your own copy of the texts.", "DIR contenant votre propre copie des textes."))
    }
}

/// Whether `iri` is typed `mk:Article` in the default graph.
pub(super) fn is_article(graph: &Graph, iri: NamedNodeRef<'_>) -> anyhow::Result<bool> {
    let article = format!("{}Article", vocab::MK);
    Ok(!graph
        .default_quads(
            Some(iri.into()),
            Some(NamedNodeRef::new_unchecked(vocab::RDF_TYPE)),
            Some(NamedNodeRef::new_unchecked(&article).into()),
        )?
        .is_empty())
}

/// `GET /source/ARTICLE/text`: 404 for what is no article, and, without
/// `--articles`, 404 saying how to see the text.
pub(super) fn reader_page(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
    article_path: &str,
    path: &str,
) -> Result<Answer, HttpError> {
    let site = &state.site;
    let (iri, format) = super::linked_data::find_resource(graph, site, article_path)?;
    if format.is_some() || !is_article(graph, iri.as_ref()).map_err(|e| internal(&e))? {
        return Err(HttpError::not_found(format!(
            "{} is not an article: only an article has a text to read",
            labels::compact(iri.as_str())
        )));
    }
    let name = labels::graph_name(iri.as_str());
    let Some(articles) = &state.articles else {
        return Err(HttpError::not_found(format!(
            "this server has no copy of the articles' texts: to read {name} with its passages, start it with `missions-kg serve --articles DIR`, DIR holding your own copy of the texts"
        )));
    };
    let text = ArticleText::compute(graph, iri.as_ref(), articles, budget)
        .map_err(|e| internal(&e))?
        .ok_or_else(|| {
            HttpError::not_found(format!("the server's --articles has no text for {name}"))
        })?;
    if text.passages.len() > crate::guard::limits::MAX_READER_PASSAGES {
        return Err(HttpError::bad_request(format!(
            "{name} has {} passages, more than the reader marks ({}); query the evidence graph at /sparql instead",
            text.passages.len(),
            crate::guard::limits::MAX_READER_PASSAGES
        )));
    }
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let title = labels
        .get(iri.as_ref().into())
        .ok()
        .flatten()
        .map_or_else(|| name.clone(), str::to_owned);
    let count = text.passages.len();
    let text_title = lang.t("The text", "Le texte");
    let facts_title = lang.t("The facts of each passage", "Les faits de chaque passage");
    let paragraphs = html! {
        @for paragraph in &text.paragraphs {
            p { (pieces(paragraph, &text, lang)) }
        }
    };
    let notes = html! {
        @for supported in &text.passages {
            @let passage = &supported.passage;
            li id={"facts-" (passage.start) "-" (passage.end)} {
                a.back href={"#" (passage.anchor())} title=(lang.t("Back to the passage", "Retour au passage")) {
                    "↑ " small.offsets { "#char=" (passage.start) "," (passage.end) }
                }
                @if supported.facts.is_empty() {
                    " " (lang.t("(no fact of the article's graph)", "(aucun fait du graphe de l'article)"))
                }
                ul.stated {
                    @for fact in &supported.facts {
                        li {
                            (cell(&Term::from(fact.subject.clone()), &mut labels, site)) " · "
                            span.property { (property(fact.predicate.as_str(), &mut labels, lang)) } " · "
                            (cell(&fact.object, &mut labels, site))
                        }
                    }
                }
            }
        }
    };
    Ok(page(layout(
        lang,
        &format!("{title} · {}", text_title),
        path,
        html! {
            article.reader {
                h1 { (title) }
                p {
                    (lang.t("The text of ", "Le texte de "))
                    (link(site, iri.as_str(), "source", html! { (name) }))
                    (lang.t(", from this server's own copy (--articles), with each of its ", ", d'après la copie de ce serveur (--articles), avec chacun de ses "))
                    (count)
                    (lang.t(" passages that state a fact marked; a passage's number leads to its facts, and each fact's page back to it.",
                            " passages qui énoncent un fait surligné ; le numéro d'un passage mène à ses faits, et la page de chaque fait y ramène."))
                }
                (super::layout::contents(lang, &[("text", text_title.to_owned()), ("passage-facts", format!("{facts_title} ({count})"))]))
                h2 #text { (text_title) }
                div.text lang="fr" { (paragraphs) }
                h2 #passage-facts { (facts_title) }
                ol.passage-facts { (notes) }
            }
        },
    )))
}

/// A property as the reader lists it: its label or known name.
fn property(iri: &str, labels: &mut LabelCache<'_>, lang: Lang) -> String {
    crate::view::human::known_term(iri, Some(lang.code()))
        .map(str::to_owned)
        .or_else(|| {
            labels
                .get(NamedNodeRef::new_unchecked(iri).into())
                .ok()
                .flatten()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| labels::compact(iri))
}

/// A paragraph's pieces: each passage's piece a `<mark>` (its first one
/// with the passage's anchor), its last followed by its number, a link to
/// its facts. Marks nest as the pieces do (at most as deep as the
/// article has passages, [`crate::guard::limits::MAX_READER_PASSAGES`]).
fn pieces(pieces: &[Piece], text: &ArticleText, lang: Lang) -> Markup {
    html! {
        @for piece in pieces {
            @match piece {
                Piece::Text(words) => { (words) }
                Piece::Mark { passage: index, first, last, inner } => {
                    // The pieces point into the same list: always there.
                    @let Some(passage) = text.passages.get(*index).map(|s| &s.passage) else { continue };
                    mark.passage id=[first.then(|| passage.anchor())] data-passage=(passage.anchor()) {
                        (self::pieces(inner, text, lang))
                    }
                    @if *last {
                        sup.ref {
                            a href={"#facts-" (passage.start) "-" (passage.end)} aria-label={(lang.t("facts of passage ", "faits du passage ")) (index + 1)} { (index + 1) }
                        }
                    }
                }
            }
        }
    }
}
