//! Walking a parsed query's expressions: the one list of each operator's
//! operands, so the walkers (`shape.rs` measuring a query, the `--why`
//! rewrite finding its EXISTS) differ only in what they do at a node.

use spargebra::algebra::Expression;

/// The direct operands of `expression`, in order; none for a term, a
/// variable or `BOUND`, and none for `EXISTS`, whose operand is a pattern.
pub fn operands(expression: &Expression) -> Vec<&Expression> {
    use Expression as E;
    match expression {
        E::Or(a, b)
        | E::And(a, b)
        | E::Equal(a, b)
        | E::SameTerm(a, b)
        | E::Greater(a, b)
        | E::GreaterOrEqual(a, b)
        | E::Less(a, b)
        | E::LessOrEqual(a, b)
        | E::Add(a, b)
        | E::Subtract(a, b)
        | E::Multiply(a, b)
        | E::Divide(a, b) => vec![a, b],
        E::In(a, list) => std::iter::once(&**a).chain(list).collect(),
        E::UnaryPlus(a) | E::UnaryMinus(a) | E::Not(a) => vec![a],
        E::If(a, b, c) => vec![a, b, c],
        E::Coalesce(list) | E::FunctionCall(_, list) => list.iter().collect(),
        E::Exists(_) | E::NamedNode(_) | E::Literal(_) | E::Variable(_) | E::Bound(_) => Vec::new(),
    }
}

/// [`operands`], to change in place (the ORDER BY rewrite, `order.rs`,
/// reaching the patterns of EXISTS below them).
pub fn operands_mut(expression: &mut Expression) -> Vec<&mut Expression> {
    use Expression as E;
    match expression {
        E::Or(a, b)
        | E::And(a, b)
        | E::Equal(a, b)
        | E::SameTerm(a, b)
        | E::Greater(a, b)
        | E::GreaterOrEqual(a, b)
        | E::Less(a, b)
        | E::LessOrEqual(a, b)
        | E::Add(a, b)
        | E::Subtract(a, b)
        | E::Multiply(a, b)
        | E::Divide(a, b) => vec![a, b],
        E::In(a, list) => std::iter::once(&mut **a).chain(list.iter_mut()).collect(),
        E::UnaryPlus(a) | E::UnaryMinus(a) | E::Not(a) => vec![a],
        E::If(a, b, c) => vec![a, b, c],
        E::Coalesce(list) | E::FunctionCall(_, list) => list.iter_mut().collect(),
        E::Exists(_) | E::NamedNode(_) | E::Literal(_) | E::Variable(_) | E::Bound(_) => Vec::new(),
    }
}
