//! "Where the articles differ" as a page shows it: one row per question
//! (a subject and a property, or an `mk:Question`), one column per article
//! with the values it states (blank where it says nothing), and the kind
//! of difference in words, a precision-only one shown as compatible.
//!
//! Called by the entity and article pages (`linked_data.rs`); the grouping
//! is `view/differences.rs`'s [`Question`].

use super::lang::Lang;
use super::layout::{badge, cell};
use crate::graph::labels::LabelCache;
use crate::view::differences::{Kind, Question};
use maud::{html, Markup};
use oxigraph::model::Term;

/// The kind in words, and the class its row is marked with.
fn kind_in_words(kind: Kind, lang: Lang) -> (&'static str, &'static str) {
    let (english, french, class) = kind.words();
    (lang.t(english, french), class)
}

/// The table of `questions`, with a column naming each one's subject when
/// `with_subject` (an article's page lists several entities).
pub(super) fn table(
    questions: &[&Question],
    with_subject: bool,
    lang: Lang,
    labels: &mut LabelCache<'_>,
    site: &super::Site,
) -> Markup {
    let mut articles: Vec<&Term> = questions
        .iter()
        .flat_map(|q| q.said.iter().map(|s| &s.article))
        .collect();
    articles.sort_by_key(|a| a.to_string());
    articles.dedup();
    let mut rows = Vec::new();
    for question in questions {
        let (kind, class) = kind_in_words(question.kind, lang);
        let subject = with_subject.then(|| cell(&question.subject, labels, site));
        let property = cell(&question.property, labels, site);
        let mut cells = Vec::new();
        for article in &articles {
            let said = question.said.iter().find(|s| &s.article == *article);
            cells.push(html! {
                @if let Some(said) = said {
                    ul.values {
                        @for (value, property) in &said.values {
                            li {
                                @if let Some(property) = property { (cell(property, labels, site)) ": " }
                                (cell(value, labels, site))
                            }
                        }
                    }
                }
            });
        }
        rows.push(html! {
            tr class=(class) {
                @if let Some(subject) = subject { td { (subject) } }
                th scope="row" { (property) }
                @for content in &cells { td { (content) } }
                td.kind { (kind) }
            }
        });
    }
    html! {
        div.scroll { table.differ {
            thead { tr {
                @if with_subject { th scope="col" { (lang.t("about", "sujet")) } }
                th scope="col" { (lang.t("question", "question")) }
                @for article in &articles { th scope="col" { (badge(article, site)) } }
                th scope="col" { (lang.t("how they differ", "en quoi ils diffèrent")) }
            } }
            tbody { @for row in &rows { (row) } }
        } }
        details.explain {
            summary { (lang.t("What counts as a difference", "Ce qui compte comme une différence")) }
            p { (lang.t(
                "Two articles differ on a question when they give one subject and property different values and neither also states the other's value, or when they answer one question (such as who is behind a mission) through different properties. A blank cell: the article says nothing on it. Dates given with different precision (a year in one, the day in another) agree when they match wherever both are precise: they are shown as compatible, not as a contradiction. Where the values alone do not tell, our assessment does (in the curation graph, with its reason): one value a part of the other (France and Europe, OCS City and OCS) is compatible; distinct facts (the landing on Mars and the return to Earth) are no disagreement; a conflict is two values that cannot both be true. Worded differently: texts that differ, the articles' words or our summaries of them, not assessed; each passage shows what the article says.",
                "Deux articles diffèrent sur une question quand ils donnent à un même sujet et une même propriété des valeurs différentes sans énoncer aussi celle de l'autre, ou quand ils répondent à une même question (qui est derrière une mission) par des propriétés différentes. Une case vide : l'article n'en dit rien. Des dates données avec des précisions différentes (l'année dans l'un, le jour dans l'autre) concordent quand elles coïncident partout où les deux sont précises : elles sont montrées compatibles, pas contradictoires. Là où les valeurs seules ne le disent pas, notre qualification le dit (dans le graphe de curation, avec sa raison) : une valeur partie de l'autre (la France et l'Europe, OCS City et OCS) est compatible ; des faits distincts (l'atterrissage sur Mars et le retour sur Terre) ne sont pas un désaccord ; un conflit, ce sont deux valeurs qui ne peuvent être vraies ensemble. Formulé différemment : des textes qui diffèrent, les mots des articles ou nos résumés, non évalués ; chaque passage montre ce que dit l'article."
            )) }
        }
    }
}
