//! Bound values sent with a query's text: a remote engine is sent the
//! query as text, so `--param` values go in a VALUES block joined at the top
//! of the WHERE clause (never spliced into the text as strings). Called by
//! [`super::Prepared::text`].

use oxigraph::model::{Term, Variable};
use spargebra::algebra::GraphPattern;

/// `query` with `bound` joined at the top of its WHERE clause, below any
/// projection, DISTINCT, slice, ORDER BY, grouping, select expression and
/// FILTER of that clause; `None` if nothing is bound or a value is not
/// ground (a blank node, a triple term).
pub(crate) fn with_bound_values(
    query: &spargebra::Query,
    bound: &[(Variable, Term)],
) -> Option<spargebra::Query> {
    use spargebra::term::GroundTerm;
    if bound.is_empty() {
        return None;
    }
    let mut row = Vec::with_capacity(bound.len());
    for (_, term) in bound {
        row.push(Some(match term {
            Term::NamedNode(node) => GroundTerm::NamedNode(node.clone()),
            Term::Literal(literal) => GroundTerm::Literal(literal.clone()),
            _ => return None,
        }));
    }
    let values = GraphPattern::Values {
        variables: bound.iter().map(|(v, _)| v.clone()).collect(),
        bindings: vec![row],
    };
    // `projected`: the query's own projection was passed, so another one
    // (or a DISTINCT, a slice) starts a subquery, where the values do not go.
    fn inject(pattern: &GraphPattern, values: GraphPattern, projected: bool) -> GraphPattern {
        let subquery = projected
            && matches!(
                pattern,
                GraphPattern::Project { .. }
                    | GraphPattern::Distinct { .. }
                    | GraphPattern::Reduced { .. }
                    | GraphPattern::Slice { .. }
            );
        if subquery {
            return GraphPattern::Join {
                left: Box::new(values),
                right: Box::new(pattern.clone()),
            };
        }
        let now = projected || matches!(pattern, GraphPattern::Project { .. });
        let inner = |inner: &GraphPattern| Box::new(inject(inner, values.clone(), now));
        match pattern {
            GraphPattern::Project {
                inner: i,
                variables,
            } => GraphPattern::Project {
                inner: inner(i),
                variables: variables.clone(),
            },
            GraphPattern::Distinct { inner: i } => GraphPattern::Distinct { inner: inner(i) },
            GraphPattern::Reduced { inner: i } => GraphPattern::Reduced { inner: inner(i) },
            GraphPattern::Slice {
                inner: i,
                start,
                length,
            } => GraphPattern::Slice {
                inner: inner(i),
                start: *start,
                length: *length,
            },
            GraphPattern::OrderBy {
                inner: i,
                expression,
            } => GraphPattern::OrderBy {
                inner: inner(i),
                expression: expression.clone(),
            },
            GraphPattern::Group {
                inner: i,
                variables,
                aggregates,
            } => GraphPattern::Group {
                inner: inner(i),
                variables: variables.clone(),
                aggregates: aggregates.clone(),
            },
            GraphPattern::Extend {
                inner: i,
                variable,
                expression,
            } => GraphPattern::Extend {
                inner: inner(i),
                variable: variable.clone(),
                expression: expression.clone(),
            },
            GraphPattern::Filter { expr, inner: i } => GraphPattern::Filter {
                expr: expr.clone(),
                inner: inner(i),
            },
            other => GraphPattern::Join {
                left: Box::new(values),
                right: Box::new(other.clone()),
            },
        }
    }
    let mut query = query.clone();
    let select = matches!(query, spargebra::Query::Select { .. });
    let pattern = match &mut query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. }
        | spargebra::Query::Ask { pattern, .. } => pattern,
    };
    // Only a SELECT has a projection of its own at the top.
    *pattern = inject(pattern, values, !select);
    Some(query)
}
