//! One walk over a parsed query's algebra: how deep its operators nest,
//! which SERVICE endpoints it calls, whether it is volatile (RAND, NOW…).
//! Called by [`super::parse`] before a query is accepted.

use crate::guard::limits::max_query_depth;
use spargebra::algebra::{
    Expression, Function, GraphPattern, OrderExpression, PropertyPathExpression,
};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};

/// What [`prepare`] learns from walking a parsed query: whether it nests
/// too deep and which SERVICEs it calls. The walk stops descending past
/// the limit, so it stays shallow itself.
#[derive(Default)]
pub(crate) struct Shape {
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) too_deep: bool,
    pub(crate) services: Vec<String>,
    /// Whether it calls a function whose value changes between runs
    /// (RAND, NOW, UUID, STRUUID, BNODE).
    pub(crate) volatile: bool,
}

impl Shape {
    pub(crate) fn query(&mut self, query: &spargebra::Query) {
        match query {
            spargebra::Query::Select { pattern, .. }
            | spargebra::Query::Ask { pattern, .. }
            | spargebra::Query::Describe { pattern, .. } => self.pattern(pattern),
            spargebra::Query::Construct {
                template, pattern, ..
            } => {
                for triple in template {
                    self.triple(triple);
                }
                self.pattern(pattern);
            }
        }
    }

    /// Runs `walk` one level deeper, unless that passes the limit.
    pub(crate) fn deeper(&mut self, walk: impl FnOnce(&mut Self)) {
        if self.depth >= max_query_depth() {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        walk(self);
        self.depth -= 1;
    }

    pub(crate) fn pattern(&mut self, pattern: &GraphPattern) {
        self.deeper(|shape| match pattern {
            // The evaluator joins a basic graph pattern's triples one by
            // one, a level of its recursion each: a sequence path of 40,000
            // steps (`p/p/…`) becomes 40,000 triples here.
            GraphPattern::Bgp { patterns } => {
                if shape.depth + patterns.len() > max_query_depth() {
                    shape.too_deep = true;
                    return;
                }
                shape.max_depth = shape.max_depth.max(shape.depth + patterns.len());
                patterns.iter().for_each(|t| shape.triple(t));
            }
            GraphPattern::Path {
                subject,
                path,
                object,
            } => {
                shape.term(subject);
                shape.path(path);
                shape.term(object);
            }
            GraphPattern::Join { left, right }
            | GraphPattern::Lateral { left, right }
            | GraphPattern::Union { left, right }
            | GraphPattern::Minus { left, right } => {
                shape.pattern(left);
                shape.pattern(right);
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                shape.pattern(left);
                shape.pattern(right);
                if let Some(expression) = expression {
                    shape.expression(expression);
                }
            }
            GraphPattern::Filter { expr, inner } => {
                shape.expression(expr);
                shape.pattern(inner);
            }
            GraphPattern::Extend {
                inner, expression, ..
            } => {
                shape.expression(expression);
                shape.pattern(inner);
            }
            GraphPattern::OrderBy { inner, expression } => {
                for order in expression {
                    let (OrderExpression::Asc(e) | OrderExpression::Desc(e)) = order;
                    shape.expression(e);
                }
                shape.pattern(inner);
            }
            GraphPattern::Graph { inner, .. }
            | GraphPattern::Project { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Slice { inner, .. } => shape.pattern(inner),
            GraphPattern::Group {
                inner, aggregates, ..
            } => {
                for (_, aggregate) in aggregates {
                    if let spargebra::algebra::AggregateExpression::FunctionCall { expr, .. } =
                        aggregate
                    {
                        shape.expression(expr);
                    }
                }
                shape.pattern(inner);
            }
            GraphPattern::Service { name, inner, .. } => {
                shape.services.push(match name {
                    NamedNodePattern::NamedNode(node) => node.to_string(),
                    NamedNodePattern::Variable(variable) => variable.to_string(),
                });
                shape.pattern(inner);
            }
            GraphPattern::Values { .. } => {}
        });
    }

    pub(crate) fn triple(&mut self, triple: &TriplePattern) {
        self.term(&triple.subject);
        self.term(&triple.object);
    }

    pub(crate) fn term(&mut self, term: &TermPattern) {
        if let TermPattern::Triple(triple) = term {
            self.deeper(|shape| shape.triple(triple));
        }
    }

    pub(crate) fn path(&mut self, path: &PropertyPathExpression) {
        self.deeper(|shape| match path {
            PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
                shape.path(a);
                shape.path(b);
            }
            PropertyPathExpression::Reverse(a)
            | PropertyPathExpression::ZeroOrMore(a)
            | PropertyPathExpression::OneOrMore(a)
            | PropertyPathExpression::ZeroOrOne(a) => shape.path(a),
            PropertyPathExpression::NamedNode(_)
            | PropertyPathExpression::NegatedPropertySet(_) => {}
        });
    }

    pub(crate) fn expression(&mut self, expression: &Expression) {
        self.deeper(|shape| {
            match expression {
                Expression::Exists(pattern) => shape.pattern(pattern),
                Expression::FunctionCall(function, _) => {
                    shape.volatile |= matches!(
                        function,
                        Function::Rand
                            | Function::Now
                            | Function::Uuid
                            | Function::StrUuid
                            | Function::BNode
                    );
                }
                _ => {}
            }
            for operand in super::algebra::operands(expression) {
                shape.expression(operand);
            }
        });
    }
}
