//! An entity page's passages: each passage its facts rest on shown once,
//! in one section, with the group of the page's facts it supports, and
//! linked to where the reader shows it in its article (`reader.rs`); each
//! fact points at its passages there by number, as footnotes do. The
//! groups are computed in `view/entity.rs` ([`PassageGroups`]);
//! `linked_data.rs` calls these to render them.

use super::lang::Lang;
use super::layout::link;
use super::linked_data::{fact_value, property_in_words};
use crate::view::entity::{Fact, PassageGroups};
use maud::{html, Markup};

/// Past this many passages, the section is folded under its count.
const FOLDED_PAST: usize = 8;

/// The anchor of passage `number` on an entity page.
fn anchor(number: usize) -> String {
    format!("evidence-{number}")
}

/// After a fact: its passages' numbers, each a link to the passage in the
/// page's section, then how many more the page leaves out.
pub(super) fn refs(fact: &Fact, groups: &PassageGroups<'_>, lang: Lang) -> Markup {
    html! {
        // After the sources, which end with a space.
        @if !fact.passages.is_empty() {
            span.refs {
                @for passage in &fact.passages {
                    @if let Some(number) = groups.number(passage) {
                        a href={"#" (anchor(number))} title=(passage.place())
                            aria-label={(lang.t("passage ", "passage ")) (number)} { "[" (number) "]" }
                    }
                }
                @if fact.more_passages > 0 {
                    " " small { (lang.t("… and ", "… et ")) (fact.more_passages) (lang.t(" more passages", " autres passages")) }
                }
            }
        }
    }
}

/// The section: every passage once, numbered as the facts cite it, with
/// its article, its place, its text when the server has the articles (and
/// a link to it in the reader), else how to see it; then the facts of the
/// page it supports.
pub(super) fn section(
    groups: &PassageGroups<'_>,
    texts: bool,
    site: &super::Site,
    lang: Lang,
) -> Markup {
    let list = html! {
        ol.evidence {
            @for (at, group) in groups.groups.iter().enumerate() {
                @let passage = group.passage;
                li id=(anchor(at + 1)) {
                    @match super::reader::href(site, passage).filter(|_| texts) {
                        Some(href) => {
                            a.source href=(href) title=(lang.t("Read it in the article", "Le lire dans l'article")) { (passage.article) }
                        }
                        None => { (link(site, &passage.article_iri, "source", html! { (passage.article) })) }
                    }
                    " " small.offsets { "#char=" (passage.start) "," (passage.end) }
                    @if let Some(text) = &passage.text { " " q lang="fr" { (text) } }
                    ul.supports {
                        @for supported in &group.facts {
                            li {
                                @if let Some(within) = supported.within {
                                    span.within { (within.value.text) " › " }
                                }
                                span.property { (property_in_words(supported.fact, supported.incoming, lang)) } " "
                                (fact_value(&supported.fact.value, site, lang))
                            }
                        }
                    }
                }
            }
        }
    };
    let count = groups.groups.len();
    html! {
        @if !texts { p.note { (super::reader::how_to_see(lang)) } }
        @if count > FOLDED_PAST {
            details.evidence {
                summary { (lang.t("Show the ", "Voir les ")) (count) (lang.t(" passages", " passages")) }
                (list)
            }
        } @else {
            (list)
        }
    }
}
