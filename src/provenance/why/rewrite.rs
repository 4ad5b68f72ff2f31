//! The rewrite: the query's algebra turned into one whose solutions carry
//! their family of supports (triple patterns per graph, joins as products,
//! unions as alternatives, EXISTS witnesses, groups as products).

use super::exists::{
    exists_in, graph_expression, term_expression, with_exists_as, without_not_exists,
};
use super::supports::function;
use oxigraph::model::{Literal, Variable};
use spargebra::algebra::{
    AggregateExpression, AggregateFunction, Expression, Function, GraphPattern,
    PropertyPathExpression,
};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use std::collections::HashMap;

/// Why a query cannot be traced.
#[derive(Debug)]
pub struct Untraceable(pub &'static str);

/// The rewritten query's pattern and the variable holding each solution's
/// family.
pub struct Rewritten {
    pub pattern: GraphPattern,
    pub why: Variable,
}

/// Rewrites a query's pattern (below its top-level solution modifiers,
/// which [`top`] strips) so that each solution carries its family.
/// `projected`: the variables to keep beside it.
/// `with_default`: the default graph has triples of its own.
pub fn rewrite(
    pattern: &GraphPattern,
    projected: &[Variable],
    with_default: bool,
) -> Result<Rewritten, Untraceable> {
    let mut state = State {
        counter: 0,
        with_default,
        blank: HashMap::new(),
    };
    let (pattern, parts) = state.annotate(pattern, None)?;
    let why = state.fresh("why");
    let mut variables = projected.to_vec();
    variables.push(why.clone());
    Ok(Rewritten {
        pattern: GraphPattern::Project {
            inner: Box::new(extend(pattern, why.clone(), parts)),
            variables,
        },
        why,
    })
}

/// The part of a query's pattern below LIMIT, OFFSET, DISTINCT, REDUCED
/// and ORDER BY, which do not change why an answer is there, only which
/// answers are shown (the original query is run for those).
pub fn top(pattern: &GraphPattern) -> &GraphPattern {
    match pattern {
        GraphPattern::Slice { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::OrderBy { inner, .. } => top(inner),
        other => other,
    }
}

pub(super) struct State {
    counter: usize,
    with_default: bool,
    /// A blank node of the patterns → its variable. The parser writes a
    /// sequence path as triples joined by a blank node, across patterns,
    /// and each triple becomes a group of its own: they must still join.
    blank: HashMap<String, Variable>,
}

/// What a solution's family is made of, joined: graph names (`why:graph`)
/// and family variables.
pub(super) type Parts = Vec<Expression>;

pub(super) fn call(name: &str, args: Vec<Expression>) -> Expression {
    Expression::FunctionCall(Function::Custom(function(name)), args)
}

pub(super) fn nothing() -> Expression {
    Expression::Literal(Literal::new_simple_literal("0"))
}

/// `inner` with `variable` bound to the family its parts make.
pub(super) fn extend(inner: GraphPattern, variable: Variable, parts: Parts) -> GraphPattern {
    GraphPattern::Extend {
        inner: Box::new(inner),
        variable,
        expression: if parts.is_empty() {
            nothing()
        } else {
            call("join", parts)
        },
    }
}

pub(super) fn join(left: GraphPattern, right: GraphPattern) -> GraphPattern {
    GraphPattern::Join {
        left: Box::new(left),
        right: Box::new(right),
    }
}

pub(super) fn term_variables(terms: &[&TermPattern]) -> Vec<Variable> {
    let mut variables = Vec::new();
    for term in terms {
        if let TermPattern::Variable(v) = term {
            if !variables.contains(v) {
                variables.push(v.clone());
            }
        }
    }
    variables
}

pub(super) fn in_scope(pattern: &GraphPattern) -> Vec<Variable> {
    let mut variables = Vec::new();
    pattern.on_in_scope_variable(|v| {
        if !variables.contains(v) {
            variables.push(v.clone());
        }
    });
    variables
}

impl State {
    pub(super) fn fresh(&mut self, what: &str) -> Variable {
        self.counter += 1;
        Variable::new_unchecked(format!("_{what}{}", self.counter))
    }

    /// The pattern rewritten, and the parts of its solutions' family.
    /// `graph`: the explicit `GRAPH` it is inside, if any.
    pub(super) fn annotate(
        &mut self,
        pattern: &GraphPattern,
        graph: Option<&NamedNodePattern>,
    ) -> Result<(GraphPattern, Parts), Untraceable> {
        use GraphPattern as P;
        Ok(match pattern {
            P::Graph { name, inner } => {
                let (inner, parts) = self.annotate(inner, Some(name))?;
                let mut parts = parts;
                parts.push(call("graph", vec![graph_expression(name)]));
                (
                    P::Graph {
                        name: name.clone(),
                        inner: Box::new(inner),
                    },
                    parts,
                )
            }
            // Inside GRAPH, the graph's name is the support.
            P::Bgp { .. } | P::Path { .. } if graph.is_some() => (pattern.clone(), Vec::new()),
            P::Bgp { patterns } => {
                let patterns = self.blank_nodes_as_variables(patterns);
                let mut result: Option<GraphPattern> = None;
                let mut parts = Vec::new();
                for triple in &patterns {
                    let (one, part) = self.stated(
                        P::Bgp {
                            patterns: vec![triple.clone()],
                        },
                        term_variables(&[&triple.subject, &triple.object])
                            .into_iter()
                            .chain(match &triple.predicate {
                                NamedNodePattern::Variable(v) => Some(v.clone()),
                                NamedNodePattern::NamedNode(_) => None,
                            })
                            .collect(),
                    );
                    parts.push(part);
                    result = Some(match result {
                        None => one,
                        Some(left) => join(left, one),
                    });
                }
                (result.unwrap_or(P::Bgp { patterns: vec![] }), parts)
            }
            P::Path {
                subject,
                path,
                object,
            } => {
                let (subject, object) = (self.term(subject), self.term(object));
                self.path(&subject, path, &object)?
            }
            P::Join { left, right } => {
                let (left, mut parts) = self.annotate(left, graph)?;
                let (right, more) = self.annotate(right, graph)?;
                parts.extend(more);
                (join(left, right), parts)
            }
            P::LeftJoin {
                left,
                right,
                expression,
            } => {
                let (left, mut parts) = self.annotate(left, graph)?;
                let (right, right_parts) = self.annotate(right, graph)?;
                let why = self.fresh("w");
                let right = extend(right, why.clone(), right_parts);
                // Unmatched, the right side needs nothing.
                parts.push(Expression::Coalesce(vec![
                    Expression::Variable(why),
                    nothing(),
                ]));
                (
                    P::LeftJoin {
                        left: Box::new(left),
                        right: Box::new(right),
                        expression: expression.clone(),
                    },
                    parts,
                )
            }
            P::Union { left, right } => {
                let why = self.fresh("w");
                let (left, left_parts) = self.annotate(left, graph)?;
                let (right, right_parts) = self.annotate(right, graph)?;
                (
                    P::Union {
                        left: Box::new(extend(left, why.clone(), left_parts)),
                        right: Box::new(extend(right, why.clone(), right_parts)),
                    },
                    vec![Expression::Variable(why)],
                )
            }
            P::Filter { expr, inner } => {
                let (traced, parts) = self.annotate(inner, graph)?;
                // Its NOT EXISTS conditions are not applied: each becomes
                // supports that leave its pattern's facts out (a solution
                // the whole graph refuses may hold in a part of it).
                let mut negated = Vec::new();
                let kept = without_not_exists(expr, &mut negated);
                let mut found = Vec::new();
                if let Some(kept) = &kept {
                    exists_in(kept, true, &mut found);
                }
                let always = Expression::Literal(Literal::from(true));
                let condition = kept.clone().unwrap_or(always);
                let (traced, parts) = self.witnesses(traced, parts, &condition, &found, graph)?;
                let (traced, parts) = self.unless(traced, parts, &negated, graph)?;
                match kept {
                    Some(expr) => (
                        P::Filter {
                            expr,
                            inner: Box::new(traced),
                        },
                        parts,
                    ),
                    None => (traced, parts),
                }
            }
            P::Extend {
                inner: original,
                variable,
                expression,
            } => {
                let (inner, parts) = self.annotate(original, graph)?;
                let mut found = Vec::new();
                exists_in(expression, false, &mut found);
                let (inner, parts) = self.witnesses(inner, parts, expression, &found, graph)?;
                (
                    P::Extend {
                        inner: Box::new(inner),
                        variable: variable.clone(),
                        expression: expression.clone(),
                    },
                    parts,
                )
            }
            P::Minus { left, right } => {
                let (left, parts) = self.annotate(left, graph)?;
                (
                    P::Minus {
                        left: Box::new(left),
                        right: right.clone(),
                    },
                    parts,
                )
            }
            P::Values { .. } => (pattern.clone(), Vec::new()),
            // Order and duplicates do not change why a solution is there.
            P::OrderBy { inner, .. } | P::Distinct { inner } | P::Reduced { inner } => {
                self.annotate(inner, graph)?
            }
            P::Project { inner, variables } => {
                let (inner, parts) = self.annotate(inner, graph)?;
                let why = self.fresh("w");
                let mut variables = variables.clone();
                variables.push(why.clone());
                (
                    P::Project {
                        inner: Box::new(extend(inner, why.clone(), parts)),
                        variables,
                    },
                    vec![Expression::Variable(why)],
                )
            }
            P::Group {
                inner, variables, ..
            } => self.group(pattern, inner, variables, graph)?,
            P::Slice { .. } => {
                return Err(Untraceable(
                    "--why cannot trace LIMIT or OFFSET inside a subquery",
                ))
            }
            P::Service { .. } => return Err(Untraceable("--why cannot trace SERVICE calls")),
            #[allow(unreachable_patterns)]
            _ => return Err(Untraceable("--why cannot trace LATERAL")),
        })
    }

    /// One pattern of the default graph as the facts stating it: each
    /// match once, its family the graphs that state it, as alternatives.
    pub(super) fn stated(
        &mut self,
        pattern: GraphPattern,
        variables: Vec<Variable>,
    ) -> (GraphPattern, Expression) {
        let graph = self.fresh("g");
        let why = self.fresh("w");
        let keyless = variables.is_empty();
        let mut stated = GraphPattern::Graph {
            name: NamedNodePattern::Variable(graph.clone()),
            inner: Box::new(pattern.clone()),
        };
        if self.with_default {
            // Or from the default graph's own triples.
            let elsewhere = GraphPattern::Graph {
                name: NamedNodePattern::Variable(self.fresh("x")),
                inner: Box::new(pattern.clone()),
            };
            let own = GraphPattern::Filter {
                expr: Expression::Not(Box::new(Expression::Exists(Box::new(elsewhere)))),
                inner: Box::new(pattern),
            };
            stated = GraphPattern::Union {
                left: Box::new(stated),
                right: Box::new(GraphPattern::Extend {
                    inner: Box::new(own),
                    variable: graph.clone(),
                    expression: Expression::NamedNode(function("default")),
                }),
            };
        }
        let grouped = GraphPattern::Group {
            inner: Box::new(stated),
            variables,
            aggregates: vec![(
                why.clone(),
                AggregateExpression::FunctionCall {
                    name: AggregateFunction::Custom(function("any")),
                    expr: call("graph", vec![Expression::Variable(graph)]),
                    distinct: false,
                },
            )],
        };
        // A group without keys has one row even over no match.
        let pattern = if keyless {
            GraphPattern::Filter {
                expr: Expression::Not(Box::new(Expression::Equal(
                    Box::new(Expression::Variable(why.clone())),
                    Box::new(Expression::Literal(Literal::new_simple_literal(""))),
                ))),
                inner: Box::new(grouped),
            }
        } else {
            grouped
        };
        (pattern, Expression::Variable(why))
    }

    pub(super) fn path(
        &mut self,
        subject: &TermPattern,
        path: &PropertyPathExpression,
        object: &TermPattern,
    ) -> Result<(GraphPattern, Parts), Untraceable> {
        use PropertyPathExpression as X;
        let single = |path: &X| GraphPattern::Path {
            subject: subject.clone(),
            path: path.clone(),
            object: object.clone(),
        };
        Ok(match path {
            X::NamedNode(_) | X::NegatedPropertySet(_) => {
                let (pattern, part) = self.stated(single(path), term_variables(&[subject, object]));
                (pattern, vec![part])
            }
            X::Reverse(inner) => self.path(object, inner, subject)?,
            X::Sequence(first, second) => {
                let middle = TermPattern::Variable(self.fresh("v"));
                let (left, mut parts) = self.path(subject, first, &middle)?;
                let (right, more) = self.path(&middle, second, object)?;
                parts.extend(more);
                (join(left, right), parts)
            }
            X::Alternative(first, second) => {
                let why = self.fresh("w");
                let (left, left_parts) = self.path(subject, first, object)?;
                let (right, right_parts) = self.path(subject, second, object)?;
                (
                    GraphPattern::Union {
                        left: Box::new(extend(left, why.clone(), left_parts)),
                        right: Box::new(extend(right, why.clone(), right_parts)),
                    },
                    vec![Expression::Variable(why)],
                )
            }
            X::OneOrMore(_) => {
                let (pattern, part) = self.stated(single(path), term_variables(&[subject, object]));
                (pattern, vec![part])
            }
            X::ZeroOrMore(inner) | X::ZeroOrOne(inner) => {
                // The zero-length match needs nothing; the others are
                // the path of one step or more.
                let why = self.fresh("w");
                // Zero steps reach a node of the data (Oxigraph requires it,
                // a constant included): it needs a graph that mentions it.
                let (zero, zero_parts) = match (subject, object) {
                    (TermPattern::Variable(s), TermPattern::Variable(o)) => {
                        let (found, part) = self.mentioned(subject);
                        let zero = if s == o {
                            found
                        } else {
                            GraphPattern::Extend {
                                inner: Box::new(found),
                                variable: o.clone(),
                                expression: Expression::Variable(s.clone()),
                            }
                        };
                        (zero, vec![part])
                    }
                    (TermPattern::Variable(v), node) | (node, TermPattern::Variable(v)) => {
                        let (found, part) = self.mentioned(node);
                        let zero = GraphPattern::Extend {
                            inner: Box::new(found),
                            variable: v.clone(),
                            expression: term_expression(node),
                        };
                        (zero, vec![part])
                    }
                    (a, b) if a == b => {
                        let (found, part) = self.mentioned(a);
                        (found, vec![part])
                    }
                    _ => (
                        GraphPattern::Values {
                            variables: Vec::new(),
                            bindings: Vec::new(),
                        },
                        Vec::new(),
                    ),
                };
                let more = match path {
                    X::ZeroOrMore(_) => X::OneOrMore(inner.clone()),
                    _ => (**inner).clone(),
                };
                let (steps, parts) = self.path(subject, &more, object)?;
                (
                    GraphPattern::Union {
                        left: Box::new(extend(zero, why.clone(), zero_parts)),
                        right: Box::new(extend(steps, why.clone(), parts)),
                    },
                    vec![Expression::Variable(why)],
                )
            }
        })
    }

    /// A node mentioned by some graph (as subject or object), each such
    /// graph an alternative: what a zero-step path needs.
    pub(super) fn mentioned(&mut self, node: &TermPattern) -> (GraphPattern, Expression) {
        let as_subject = TriplePattern {
            subject: node.clone(),
            predicate: NamedNodePattern::Variable(self.fresh("v")),
            object: TermPattern::Variable(self.fresh("v")),
        };
        let as_object = TriplePattern {
            subject: TermPattern::Variable(self.fresh("v")),
            predicate: NamedNodePattern::Variable(self.fresh("v")),
            object: node.clone(),
        };
        let either = GraphPattern::Union {
            left: Box::new(GraphPattern::Bgp {
                patterns: vec![as_subject],
            }),
            right: Box::new(GraphPattern::Bgp {
                patterns: vec![as_object],
            }),
        };
        self.stated(either, term_variables(&[node]))
    }

    /// A group: its aggregates as written, joined (by a key of its group
    /// variables, unbound ones included) with the product of its members'
    /// families.
    pub(super) fn group(
        &mut self,
        original: &GraphPattern,
        inner: &GraphPattern,
        variables: &[Variable],
        graph: Option<&NamedNodePattern>,
    ) -> Result<(GraphPattern, Parts), Untraceable> {
        let (traced, parts) = self.annotate(inner, graph)?;
        let key = self.fresh("k");
        let member = self.fresh("m");
        let why = self.fresh("w");
        let key_expression = Expression::FunctionCall(
            Function::Concat,
            variables
                .iter()
                .flat_map(|v| {
                    [
                        Expression::Coalesce(vec![
                            call("term", vec![Expression::Variable(v.clone())]),
                            Expression::Literal(Literal::new_simple_literal("-")),
                        ]),
                        Expression::Literal(Literal::new_simple_literal(" ")),
                    ]
                })
                .chain([Expression::Literal(Literal::new_simple_literal(""))])
                .collect(),
        );
        let members = GraphPattern::Group {
            inner: Box::new(traced),
            variables: in_scope(inner),
            aggregates: vec![(
                member.clone(),
                AggregateExpression::FunctionCall {
                    name: AggregateFunction::Custom(function("any")),
                    expr: if parts.is_empty() {
                        nothing()
                    } else {
                        call("join", parts)
                    },
                    distinct: false,
                },
            )],
        };
        let all = vec![(
            why.clone(),
            AggregateExpression::FunctionCall {
                name: AggregateFunction::Custom(function("all")),
                expr: Expression::Variable(member),
                distinct: false,
            },
        )];
        // Without GROUP BY there is one group, members or not (a count of
        // 0 needs nothing): no key, and a group without keys has its row.
        if variables.is_empty() {
            let families = GraphPattern::Group {
                inner: Box::new(members),
                variables: Vec::new(),
                aggregates: all,
            };
            return Ok((
                join(original.clone(), families),
                vec![Expression::Variable(why)],
            ));
        }
        let families = GraphPattern::Group {
            inner: Box::new(GraphPattern::Extend {
                inner: Box::new(members),
                variable: key.clone(),
                expression: key_expression.clone(),
            }),
            variables: vec![key.clone()],
            aggregates: all,
        };
        let written = GraphPattern::Extend {
            inner: Box::new(original.clone()),
            variable: key,
            expression: key_expression,
        };
        Ok((join(written, families), vec![Expression::Variable(why)]))
    }

    /// `traced` joined with the family of each pattern an `EXISTS` of its
    /// filter or binding (`expression`) tests, counted where that pattern
    /// matches and the expression's value depends on it (the same with
    /// the `EXISTS` made true as made false: it does not): a value that
    /// holds because a pattern matches needs its facts too. (Where it does
    /// not match in the whole graph, it matches in no part of it either.)
    pub(super) fn witnesses(
        &mut self,
        mut traced: GraphPattern,
        mut parts: Parts,
        expression: &Expression,
        found: &[GraphPattern],
        graph: Option<&NamedNodePattern>,
    ) -> Result<(GraphPattern, Parts), Untraceable> {
        for pattern in found {
            let why;
            (traced, why) = self.join_witness(traced, pattern, graph)?;
            let outcome = |value: bool| {
                Expression::Coalesce(vec![
                    with_exists_as(expression, pattern, value),
                    Expression::Literal(Literal::new_simple_literal("error")),
                ])
            };
            let matters = Expression::Not(Box::new(Expression::SameTerm(
                Box::new(outcome(true)),
                Box::new(outcome(false)),
            )));
            parts.push(Expression::If(
                Box::new(matters),
                Box::new(Expression::Coalesce(vec![
                    Expression::Variable(why),
                    nothing(),
                ])),
                Box::new(nothing()),
            ));
        }
        Ok((traced, parts))
    }

    /// A blank node as its variable ([`State::blank`]).
    pub(super) fn term(&mut self, term: &TermPattern) -> TermPattern {
        match term {
            TermPattern::BlankNode(node) => {
                if let Some(variable) = self.blank.get(node.as_str()) {
                    return TermPattern::Variable(variable.clone());
                }
                let variable = self.fresh("b");
                self.blank
                    .insert(node.as_str().to_owned(), variable.clone());
                TermPattern::Variable(variable)
            }
            other => other.clone(),
        }
    }

    /// `traced` with the supports of each solution narrowed to those that
    /// hold no support of any pattern in `negated` matching it (a `NOT
    /// EXISTS`); a solution left with none is dropped.
    pub(super) fn unless(
        &mut self,
        traced: GraphPattern,
        parts: Parts,
        negated: &[GraphPattern],
        graph: Option<&NamedNodePattern>,
    ) -> Result<(GraphPattern, Parts), Untraceable> {
        if negated.is_empty() {
            return Ok((traced, parts));
        }
        let keys = in_scope(&traced);
        let mut joined = traced;
        let mut forbidden = Vec::new();
        for pattern in negated {
            let why;
            (joined, why) = self.join_witness(joined, pattern, graph)?;
            let all = self.fresh("n");
            forbidden.push((
                all.clone(),
                AggregateExpression::FunctionCall {
                    name: AggregateFunction::Custom(function("any")),
                    expr: Expression::Coalesce(vec![
                        Expression::Variable(why),
                        Expression::Literal(Literal::new_simple_literal("")),
                    ]),
                    distinct: false,
                },
            ));
        }
        let mut args = vec![if parts.is_empty() {
            nothing()
        } else {
            call("join", parts)
        }];
        args.extend(
            forbidden
                .iter()
                .map(|(v, _)| Expression::Variable(v.clone())),
        );
        let grouped = GraphPattern::Group {
            inner: Box::new(joined),
            variables: keys,
            aggregates: forbidden,
        };
        let why = self.fresh("w");
        let narrowed = GraphPattern::Extend {
            inner: Box::new(grouped),
            variable: why.clone(),
            expression: call("unless", args),
        };
        Ok((
            GraphPattern::Filter {
                expr: Expression::Not(Box::new(Expression::Equal(
                    Box::new(Expression::Variable(why.clone())),
                    Box::new(Expression::Literal(Literal::new_simple_literal(""))),
                ))),
                inner: Box::new(narrowed),
            },
            vec![Expression::Variable(why)],
        ))
    }

    /// `traced` optionally joined with `pattern` traced (an `EXISTS` or
    /// `NOT EXISTS` pattern); the variable holds the family of the match,
    /// unbound where there is none. EXISTS sees the solution's bindings; an
    /// OPTIONAL's right side does not, but its condition does: a filter at
    /// the top of the pattern (`{ … FILTER(?x != ?outer) }`) becomes that
    /// condition.
    pub(super) fn join_witness(
        &mut self,
        traced: GraphPattern,
        pattern: &GraphPattern,
        graph: Option<&NamedNodePattern>,
    ) -> Result<(GraphPattern, Variable), Untraceable> {
        let (inner, condition) = match pattern {
            GraphPattern::Filter { expr, inner } => (inner.as_ref(), Some(expr.clone())),
            other => (other, None),
        };
        let (witness, witness_parts) = self.annotate(inner, graph)?;
        let why = self.fresh("e");
        let joined = GraphPattern::LeftJoin {
            left: Box::new(traced),
            right: Box::new(extend(witness, why.clone(), witness_parts)),
            expression: condition,
        };
        Ok((joined, why))
    }

    /// The triples with their blank nodes as variables.
    pub(super) fn blank_nodes_as_variables(
        &mut self,
        patterns: &[TriplePattern],
    ) -> Vec<TriplePattern> {
        patterns
            .iter()
            .map(|t| TriplePattern {
                subject: self.term(&t.subject),
                predicate: t.predicate.clone(),
                object: self.term(&t.object),
            })
            .collect()
    }
}
