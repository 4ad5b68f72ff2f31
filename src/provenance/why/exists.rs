//! EXISTS and NOT EXISTS inside expressions: found, set to a value, or
//! taken out, for the rewrite to trace what the value depends on.

use crate::sparql::algebra;
use oxigraph::model::Literal;
use spargebra::algebra::{Expression, GraphPattern};
use spargebra::term::{NamedNodePattern, TermPattern};

/// A filter's expression without its top-level `NOT EXISTS` conjuncts
/// (`None` if nothing else is left); their patterns go to `negated`.
pub(super) fn without_not_exists(
    expression: &Expression,
    negated: &mut Vec<GraphPattern>,
) -> Option<Expression> {
    match expression {
        Expression::Not(inner) => match inner.as_ref() {
            Expression::Exists(pattern) => {
                negated.push((**pattern).clone());
                None
            }
            _ => Some(expression.clone()),
        },
        Expression::And(a, b) => match (
            without_not_exists(a, negated),
            without_not_exists(b, negated),
        ) {
            (Some(a), Some(b)) => Some(Expression::And(Box::new(a), Box::new(b))),
            (a, b) => a.or(b),
        },
        other => Some(other.clone()),
    }
}

/// The patterns of the `EXISTS` in an expression, but for a `NOT EXISTS`
/// a filter requires (`top`: still at the filter's top, or under its
/// `&&`): that one holds only where its pattern does not match, and so
/// needs no fact.
pub(super) fn exists_in(expression: &Expression, top: bool, found: &mut Vec<GraphPattern>) {
    use Expression as E;
    match expression {
        E::Not(inner) if top && matches!(**inner, E::Exists(_)) => {}
        E::Exists(pattern) => found.push((**pattern).clone()),
        E::And(a, b) => {
            exists_in(a, top, found);
            exists_in(b, top, found);
        }
        other => {
            for operand in algebra::operands(other) {
                exists_in(operand, false, found);
            }
        }
    }
}

/// `expression` with each `EXISTS { pattern }` replaced by `value`.
pub(super) fn with_exists_as(
    expression: &Expression,
    pattern: &GraphPattern,
    value: bool,
) -> Expression {
    use Expression as E;
    let go = |e: &E| Box::new(with_exists_as(e, pattern, value));
    let all = |list: &[E]| {
        list.iter()
            .map(|e| with_exists_as(e, pattern, value))
            .collect()
    };
    match expression {
        E::Exists(p) if **p == *pattern => E::Literal(Literal::from(value)),
        E::And(a, b) => E::And(go(a), go(b)),
        E::Or(a, b) => E::Or(go(a), go(b)),
        E::Equal(a, b) => E::Equal(go(a), go(b)),
        E::SameTerm(a, b) => E::SameTerm(go(a), go(b)),
        E::Greater(a, b) => E::Greater(go(a), go(b)),
        E::GreaterOrEqual(a, b) => E::GreaterOrEqual(go(a), go(b)),
        E::Less(a, b) => E::Less(go(a), go(b)),
        E::LessOrEqual(a, b) => E::LessOrEqual(go(a), go(b)),
        E::Add(a, b) => E::Add(go(a), go(b)),
        E::Subtract(a, b) => E::Subtract(go(a), go(b)),
        E::Multiply(a, b) => E::Multiply(go(a), go(b)),
        E::Divide(a, b) => E::Divide(go(a), go(b)),
        E::UnaryPlus(a) => E::UnaryPlus(go(a)),
        E::UnaryMinus(a) => E::UnaryMinus(go(a)),
        E::Not(a) => E::Not(go(a)),
        E::In(a, list) => E::In(go(a), all(list)),
        E::If(a, b, c) => E::If(go(a), go(b), go(c)),
        E::Coalesce(list) => E::Coalesce(all(list)),
        E::FunctionCall(f, list) => E::FunctionCall(f.clone(), all(list)),
        other => other.clone(),
    }
}

pub(super) fn graph_expression(name: &NamedNodePattern) -> Expression {
    match name {
        NamedNodePattern::NamedNode(node) => Expression::NamedNode(node.clone()),
        NamedNodePattern::Variable(v) => Expression::Variable(v.clone()),
    }
}

pub(super) fn term_expression(term: &TermPattern) -> Expression {
    match term {
        TermPattern::NamedNode(node) => Expression::NamedNode(node.clone()),
        TermPattern::Literal(literal) => Expression::Literal(literal.clone()),
        TermPattern::Variable(v) => Expression::Variable(v.clone()),
        // A blank node or a triple term: compared as itself.
        other => Expression::Literal(Literal::new_simple_literal(other.to_string())),
    }
}
