//! A total order for `ORDER BY`, whatever the values.
//!
//! spareval orders two values of one kind by value (numbers as numbers,
//! dates as instants) and two of different kinds by their text. Mixed, the
//! two disagree (9 < 10 as numbers, but "10" < "5" < "9" as text, with the
//! string "5" between them), and Rust's sort then panics ("does not
//! correctly implement a total order"): any `ORDER BY` over numbers and
//! strings that look like numbers ended the command with exit 101 or the
//! server's request with 500, about one shuffle in three. SPARQL leaves the
//! order between kinds to the engine, so each key is preceded by its
//! kind's rank (a custom function, [`rank`]): values of different kinds are
//! never compared, and within a kind spareval's own order holds. The ranks
//! follow SPARQL's order where it has one (blank nodes and IRIs before
//! literals), then numbers, strings, and each other kind.
//!
//! Called by `Parsed::prepare` (every local query) and the `--why` trace;
//! the text sent to a remote engine is the query as written.

use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::SparqlEvaluator;
use oxsdatatypes::{
    Boolean, Date, DateTime, Decimal, Double, Duration, Float, GDay, GMonth, GMonthDay, GYear,
    GYearMonth, Integer, Time,
};
use spargebra::algebra::{
    AggregateExpression, Expression, Function, GraphPattern, OrderExpression,
};
use spargebra::Query;
use std::str::FromStr;

/// The custom function giving a value's rank.
const RANK: &str = "https://w3id.org/missions-kg/function#order-rank";

/// `evaluator` with the rank function that [`total`]'s keys call.
pub fn register(evaluator: SparqlEvaluator) -> SparqlEvaluator {
    evaluator.with_custom_function(NamedNode::new_unchecked(RANK), |args| {
        let [term] = args else { return None };
        Some(Literal::from(rank(term)).into())
    })
}

/// `query` with every `ORDER BY` key (in subqueries and `EXISTS` too, not
/// in a `SERVICE` call, which another engine runs) preceded by its rank.
pub fn total(mut query: Query) -> Query {
    match &mut query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => walk(pattern),
    }
    query
}

fn walk(pattern: &mut GraphPattern) {
    use GraphPattern as P;
    match pattern {
        P::OrderBy { inner, expression } => {
            walk(inner);
            // Each rank is computed once per row, into a variable no query
            // can name (a space is not allowed in a variable's name), that
            // the projection above drops: in the comparison itself it
            // would be computed again at every step of the sort.
            let mut ranked = std::mem::take(inner.as_mut());
            for (index, key) in std::mem::take(expression).into_iter().enumerate() {
                let (mut value, descending) = match key {
                    OrderExpression::Asc(value) => (value, false),
                    OrderExpression::Desc(value) => (value, true),
                };
                walk_expression(&mut value);
                let order = |key| {
                    if descending {
                        OrderExpression::Desc(key)
                    } else {
                        OrderExpression::Asc(key)
                    }
                };
                if !matches!(value, Expression::Literal(_) | Expression::NamedNode(_)) {
                    let rank = Variable::new_unchecked(format!("order rank {index}"));
                    ranked = GraphPattern::Extend {
                        inner: Box::new(ranked),
                        variable: rank.clone(),
                        expression: Expression::FunctionCall(
                            Function::Custom(NamedNode::new_unchecked(RANK)),
                            vec![value.clone()],
                        ),
                    };
                    expression.push(order(Expression::Variable(rank)));
                }
                expression.push(order(value));
            }
            **inner = ranked;
        }
        P::Join { left, right } | P::Union { left, right } | P::Minus { left, right } => {
            walk(left);
            walk(right);
        }
        P::LeftJoin {
            left,
            right,
            expression,
        } => {
            walk(left);
            walk(right);
            if let Some(expression) = expression {
                walk_expression(expression);
            }
        }
        P::Filter { expr, inner } => {
            walk_expression(expr);
            walk(inner);
        }
        P::Extend {
            inner, expression, ..
        } => {
            walk(inner);
            walk_expression(expression);
        }
        P::Group {
            inner, aggregates, ..
        } => {
            walk(inner);
            for (_, aggregate) in aggregates {
                if let AggregateExpression::FunctionCall { expr, .. } = aggregate {
                    walk_expression(expr);
                }
            }
        }
        P::Graph { inner, .. }
        | P::Project { inner, .. }
        | P::Distinct { inner }
        | P::Reduced { inner }
        | P::Slice { inner, .. } => walk(inner),
        // Triples, paths, VALUES; SERVICE, whose pattern another engine
        // runs; LATERAL where the parser has it.
        _ => {}
    }
}

/// Every pattern inside `expression` (an EXISTS, at any depth), through
/// [`walk`].
fn walk_expression(expression: &mut Expression) {
    if let Expression::Exists(pattern) = expression {
        walk(pattern);
    }
    for operand in super::algebra::operands_mut(expression) {
        walk_expression(operand);
    }
}

/// The kind of `term`, as spareval compares it: 0 for blank nodes and
/// IRIs (spareval orders those two itself, as SPARQL does), 1 for numbers,
/// 2 for strings with or without a language tag, then one rank for each
/// other kind it compares by value, split by whether a date or time has a
/// timezone (one with and one without may be neither before nor after)
/// and a duration holds months, seconds or both (`P1M` against `P30D`
/// likewise), and 100 for everything compared by text alone: other
/// datatypes and values that are not valid for theirs.
///
/// The evaluator hands a valid value over in its canonical form, a derived
/// integer type as `xsd:integer`, so a value of a known datatype that does
/// not parse is an invalid one.
fn rank(term: &Term) -> i64 {
    let Term::Literal(literal) = term else {
        return 0;
    };
    if literal.language().is_some() {
        return 2;
    }
    let value = literal.value();
    let datatype = literal.datatype();
    let valid = |ok: bool, rank: i64| if ok { rank } else { 100 };
    let timed = |zone: Option<bool>, rank: i64| match zone {
        Some(true) => rank + 1,
        Some(false) => rank,
        None => 100,
    };
    match datatype {
        xsd::STRING => 2,
        xsd::INTEGER => valid(Integer::from_str(value).is_ok(), 1),
        xsd::DECIMAL => valid(Decimal::from_str(value).is_ok(), 1),
        xsd::FLOAT => valid(Float::from_str(value).is_ok(), 1),
        xsd::DOUBLE => valid(Double::from_str(value).is_ok(), 1),
        xsd::BOOLEAN => valid(Boolean::from_str(value).is_ok(), 3),
        xsd::DATE_TIME => timed(zone(DateTime::from_str(value).map(|v| v.timezone())), 4),
        xsd::DATE => timed(zone(Date::from_str(value).map(|v| v.timezone())), 6),
        xsd::TIME => timed(zone(Time::from_str(value).map(|v| v.timezone())), 8),
        xsd::G_YEAR_MONTH => timed(zone(GYearMonth::from_str(value).map(|v| v.timezone())), 10),
        xsd::G_YEAR => timed(zone(GYear::from_str(value).map(|v| v.timezone())), 12),
        xsd::G_MONTH_DAY => timed(zone(GMonthDay::from_str(value).map(|v| v.timezone())), 14),
        xsd::G_DAY => timed(zone(GDay::from_str(value).map(|v| v.timezone())), 16),
        xsd::G_MONTH => timed(zone(GMonth::from_str(value).map(|v| v.timezone())), 18),
        xsd::DURATION | xsd::YEAR_MONTH_DURATION | xsd::DAY_TIME_DURATION => {
            match Duration::from_str(value) {
                Ok(duration) => match (duration.months() != 0, duration.seconds() != 0.into()) {
                    (true, false) => 20,
                    (false, _) => 21,
                    (true, true) => 22,
                },
                Err(_) => 100,
            }
        }
        _ => 100,
    }
}

/// Whether a parsed date or time has a timezone; `None` when it did not
/// parse.
fn zone<T, E>(parsed: Result<Option<T>, E>) -> Option<bool> {
    parsed.ok().map(|zone| zone.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(text: &str) -> i64 {
        let term: Term = match text.split_once("^^") {
            Some((value, datatype)) => {
                Literal::new_typed_literal(value, NamedNode::new_unchecked(datatype)).into()
            }
            None => Literal::new_simple_literal(text).into(),
        };
        rank(&term)
    }

    #[test]
    fn kinds_compared_by_value_never_meet_another() {
        let xsd = "http://www.w3.org/2001/XMLSchema#";
        assert_eq!(ranked("5"), 2);
        assert_eq!(ranked(&format!("5^^{xsd}integer")), 1);
        assert_eq!(ranked(&format!("NaN^^{xsd}double")), 1);
        assert_eq!(ranked(&format!("five^^{xsd}integer")), 100);
        assert_ne!(
            ranked(&format!("2017-06-01^^{xsd}date")),
            ranked(&format!("2017-06-01Z^^{xsd}date"))
        );
        assert_ne!(
            ranked(&format!("P1M^^{xsd}duration")),
            ranked(&format!("P30D^^{xsd}duration"))
        );
        assert_eq!(
            ranked(&format!("PT0S^^{xsd}duration")),
            ranked(&format!("P30D^^{xsd}dayTimeDuration"))
        );
        assert_eq!(ranked(&format!("x^^{xsd}unknown")), 100);
        assert_eq!(rank(&NamedNode::new_unchecked("http://e/x").into()), 0);
    }
}
