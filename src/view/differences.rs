//! Where the articles differ: one row per pair of articles that give
//! different values to the same question ([`Difference`], from the stored
//! query `disagreements`), and the same grouped into one [`Question`] per
//! subject and property with what each article says and how they differ
//! (precision only, dates, wording, values, one question through several
//! properties). Computed once and rendered by whoever shows it (the
//! server's entity and article pages; the CLI runs the query itself).

use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::sparql::catalog::Catalog;
use crate::sparql::Prepared;
use anyhow::Result;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;

/// Two articles' values for one subject and property.
pub struct Difference {
    pub subject: Term,
    pub property: Term,
    pub value1: Term,
    pub source1: Term,
    pub value2: Term,
    pub source2: Term,
    /// The properties each article uses, when they differ.
    pub properties: Option<(Term, Term)>,
    /// How the stored query tells the two values apart: `date`,
    /// `wording`, `value` or `question`.
    pub kind: String,
}

impl Difference {
    /// Every difference in `graph`, the query text prepared by `prepare`
    /// (see [`Catalog::run_with`]).
    pub fn all(
        catalog: &Catalog,
        graph: &Graph,
        budget: &Budget,
        prepare: &dyn Fn(&str, &str) -> Result<Prepared>,
    ) -> Result<Vec<Self>> {
        Self::from_results(catalog.run_with("disagreements", graph, budget, &[], prepare)?)
    }

    /// The rows of the stored query `disagreements` (or any query with its
    /// variables), as the CLI's table and the server's pages read them.
    pub fn from_results(results: QueryResults<'_>) -> Result<Vec<Self>> {
        let mut rows = Vec::new();
        let QueryResults::Solutions(solutions) = results else {
            return Ok(rows);
        };
        for solution in solutions {
            let solution = solution?;
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
                let kind = match get("kind") {
                    Some(Term::Literal(kind)) => kind.value().to_owned(),
                    _ => String::from("value"),
                };
                rows.push(Self {
                    subject,
                    property,
                    value1,
                    source1,
                    value2,
                    source2,
                    properties,
                    kind,
                });
            }
        }
        Ok(rows)
    }

    /// One side's value (`first`: the first article's) and, when the two
    /// articles use different properties, the property it was given by.
    pub fn side(&self, first: bool) -> (&Term, Option<&Term>) {
        match (&self.properties, first) {
            (Some((property, _)), true) => (&self.value1, Some(property)),
            (Some((_, property)), false) => (&self.value2, Some(property)),
            (None, true) => (&self.value1, None),
            (None, false) => (&self.value2, None),
        }
    }
}

/// How the articles' answers to one question differ, in the terms a reader
/// needs: a precision-only difference is no contradiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Dates that agree wherever both are precise ("2017" and "1 June
    /// 2017"): compatible.
    Precision,
    /// Dates that do not agree.
    Dates,
    /// Texts that differ, not assessed: the articles' words, or our own
    /// summaries of what each says (labels and descriptions are ours), so
    /// the words shown are not claimed to be the articles'.
    Wording,
    /// One value a part of the other (a country and its continent, a
    /// channel and its bundle), as the curation graph assesses it.
    Granularity,
    /// Different things that hold together (two moments of one story),
    /// as the curation graph assesses it: no disagreement.
    DistinctFacts,
    /// Values that cannot both be true, as the curation graph assesses it.
    Conflict,
    /// Other values, not assessed: they may contradict or complement each
    /// other.
    Values,
    /// One question answered through different properties.
    Question,
}

impl Kind {
    /// The kind in words, in English and French, and a short name (the
    /// class a page marks its row with).
    pub fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Precision => (
                "same date, given more or less precisely: compatible",
                "même date, donnée plus ou moins précisément : compatibles",
                "precision",
            ),
            Kind::Dates => ("different dates", "dates différentes", "dates"),
            Kind::Wording => (
                "worded differently, not assessed",
                "formulé différemment, non évalué",
                "wording",
            ),
            Kind::Granularity => (
                "one is a part of the other: compatible",
                "l'une est une partie de l'autre : compatibles",
                "granularity",
            ),
            Kind::DistinctFacts => (
                "distinct facts that hold together: no disagreement",
                "des faits distincts qui tiennent ensemble : pas de désaccord",
                "distinct",
            ),
            Kind::Conflict => (
                "conflicting values: they cannot both be true",
                "valeurs en conflit : elles ne peuvent être vraies ensemble",
                "conflict",
            ),
            Kind::Values => (
                "different values (which may contradict or complement each other)",
                "valeurs différentes (contradictoires ou complémentaires)",
                "values",
            ),
            Kind::Question => (
                "one question, answered through different properties",
                "une question, des réponses par des propriétés différentes",
                "question",
            ),
        }
    }
}

/// What one article says to a question: its values, each with the
/// property it used when the question is answered through several.
pub struct Said {
    pub article: Term,
    pub values: Vec<(Term, Option<Term>)>,
}

/// One question (a subject and a property, or an `mk:Question`) the
/// articles answer differently: what each article says, side by side, and
/// how they differ. The pairs of [`Difference`] grouped.
pub struct Question {
    pub subject: Term,
    pub property: Term,
    pub kind: Kind,
    /// By article, in the articles' order; an article that says nothing
    /// to the question is absent.
    pub said: Vec<Said>,
}

impl Question {
    /// The pairs of `differences` as questions, in their first pair's order.
    pub fn group<'d>(differences: impl IntoIterator<Item = &'d Difference>) -> Vec<Self> {
        let mut questions: Vec<Self> = Vec::new();
        let mut pair_kinds: Vec<Vec<&str>> = Vec::new();
        for d in differences {
            let at = match questions
                .iter()
                .position(|q| q.subject == d.subject && q.property == d.property)
            {
                Some(at) => at,
                None => {
                    questions.push(Self {
                        subject: d.subject.clone(),
                        property: d.property.clone(),
                        kind: Kind::Values,
                        said: Vec::new(),
                    });
                    pair_kinds.push(Vec::new());
                    questions.len() - 1
                }
            };
            pair_kinds[at].push(d.kind.as_str());
            let question = &mut questions[at];
            for first in [true, false] {
                let (value, property) = d.side(first);
                let article = if first { &d.source1 } else { &d.source2 };
                let said = match question.said.iter().position(|s| &s.article == article) {
                    Some(at) => &mut question.said[at],
                    None => {
                        question.said.push(Said {
                            article: article.clone(),
                            values: Vec::new(),
                        });
                        question.said.last_mut().expect("just pushed")
                    }
                };
                let entry = (value.clone(), property.cloned());
                if !said.values.contains(&entry) {
                    said.values.push(entry);
                }
            }
        }
        for (question, kinds) in questions.iter_mut().zip(&pair_kinds) {
            question.said.sort_by_key(|said| said.article.to_string());
            // Our assessment (the curation graph's) first, where there is one.
            let assessed = |name: &str| kinds.iter().all(|k| *k == name);
            question.kind = if assessed("granularity") {
                Kind::Granularity
            } else if assessed("distinctFacts") {
                Kind::DistinctFacts
            } else if assessed("conflict") {
                Kind::Conflict
            } else if assessed("precision") {
                Kind::Precision
            } else if kinds.contains(&"question") {
                Kind::Question
            } else if kinds.iter().all(|k| *k == "date") {
                let dates: Vec<&Term> = question
                    .said
                    .iter()
                    .flat_map(|s| s.values.iter().map(|(v, _)| v))
                    .collect();
                let compatible = dates.iter().enumerate().all(|(i, a)| {
                    dates[i + 1..]
                        .iter()
                        .all(|b| same_date(a, b).unwrap_or(false))
                });
                if compatible {
                    Kind::Precision
                } else {
                    Kind::Dates
                }
            } else if kinds.iter().all(|k| *k == "wording") {
                Kind::Wording
            } else {
                Kind::Values
            };
        }
        questions
    }
}

/// A date's parts as its datatype gives them: year, month, day (a
/// `--06-01` has no year, a `2017` no month).
fn date_parts(term: &Term) -> Option<(Option<i64>, Option<u32>, Option<u32>)> {
    let Term::Literal(literal) = term else {
        return None;
    };
    let value = literal.value();
    let datatype = literal
        .datatype()
        .as_str()
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")?;
    let number = |text: Option<&str>| -> Option<i64> { text?.get(..2)?.parse().ok() };
    match datatype {
        "date" | "gYearMonth" | "gYear" => {
            // A negative year has a sign before its digits.
            let (sign, rest) = match value.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, value),
            };
            let mut parts = rest.splitn(3, '-');
            let year: i64 = parts.next()?.get(..4)?.parse().ok()?;
            let month = if datatype == "gYear" {
                None
            } else {
                Some(u32::try_from(number(parts.next())?).ok()?)
            };
            let day = if datatype == "date" {
                Some(u32::try_from(number(parts.next())?).ok()?)
            } else {
                None
            };
            Some((Some(sign * year), month, day))
        }
        "gMonthDay" | "gMonth" => {
            let mut parts = value.strip_prefix("--")?.split('-');
            let month = u32::try_from(number(parts.next())?).ok()?;
            let day = if datatype == "gMonthDay" {
                Some(u32::try_from(number(parts.next())?).ok()?)
            } else {
                None
            };
            Some((None, Some(month), day))
        }
        _ => None,
    }
}

/// Whether two dates can be the same day: equal in every part both give.
fn same_date(a: &Term, b: &Term) -> Option<bool> {
    let (a, b) = (date_parts(a)?, date_parts(b)?);
    let agree = |x: Option<i64>, y: Option<i64>| x.zip(y).is_none_or(|(x, y)| x == y);
    Some(
        agree(a.0, b.0)
            && agree(a.1.map(i64::from), b.1.map(i64::from))
            && agree(a.2.map(i64::from), b.2.map(i64::from)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};

    fn date(value: &str, datatype: &str) -> Term {
        Literal::new_typed_literal(
            value,
            NamedNode::new_unchecked(format!("http://www.w3.org/2001/XMLSchema#{datatype}")),
        )
        .into()
    }

    #[test]
    fn dates_of_different_precision_agree_and_others_do_not() {
        let year = date("2017", "gYear");
        let day = date("2017-06-01", "date");
        let no_year = date("--06-01", "gMonthDay");
        let june = date("--06", "gMonth");
        for (a, b) in [
            (&year, &day),
            (&day, &no_year),
            (&year, &june),
            (&no_year, &june),
        ] {
            assert_eq!(same_date(a, b), Some(true), "{a} {b}");
        }
        assert_eq!(same_date(&year, &date("2018-06-01", "date")), Some(false));
        assert_eq!(same_date(&june, &date("--07-01", "gMonthDay")), Some(false));
        assert_eq!(
            same_date(&year, &Literal::new_simple_literal("2017").into()),
            None
        );
    }
}
