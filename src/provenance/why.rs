//! Why-provenance for `query --why`: for each answer, the minimal sets of
//! named graphs (articles, curation, ontology…) whose facts suffice to
//! give it, computed from the query's algebra. `sparql::Prepared::trace`
//! (and `trace_construct`, `trace_describe`, which trace their pattern as
//! a SELECT) calls [`rewrite`], evaluates the result with the functions of
//! [`Functions`], and reads each answer's [`Family`].
//!
//! The rewrite keeps the query's answers and adds to each solution a
//! variable holding its family of supports (sets of graphs, one bit each):
//! - a triple pattern of the default graph (the merged view) becomes
//!   `GRAPH ?g { … }`, grouped by the pattern's variables so that each
//!   match is one solution whose family is the graphs stating it, as
//!   alternatives (the join above sees as many solutions as before);
//! - inside an explicit `GRAPH`, the graph's name is the support;
//! - a join needs a support of each side (pairwise unions), a union gives
//!   either side's, an `OPTIONAL` adds its right side's when it matched;
//! - an `EXISTS` in a filter or a binding adds its pattern's supports where
//!   the pattern matches and the value depends on it (`IF(EXISTS {…}, 0,
//!   1)`); a `NOT EXISTS` a filter requires is not applied but narrows the
//!   supports to those without its pattern's facts, so an answer the whole
//!   graph gives one way and a part of it another (a name from the curation
//!   graph, else the article's own) gets both; `MINUS` adds nothing (an
//!   answer it would refuse in the whole graph is not sought in parts);
//! - a group (aggregates) needs every member: the product of the members'
//!   families, each member one solution of the pattern under it; the
//!   aggregate values themselves come from the pattern as written;
//! - a path of one step is a triple pattern; sequences and alternatives
//!   are split into them; `*`, `+` and `?` match their zero-length part
//!   with no support and their other steps within one graph at a time.
//!
//! Where the rewrite can err (a negation inside a negation, an aggregate
//! whose members a missing fact would change, a path of zero steps), each
//! support found is run again on its graphs alone ([`keep_sufficient`]),
//! so a support given is always sufficient (the answer comes back from its
//! graphs alone); an answer may be left "not traced". A unit test checks
//! every stored query against runs on parts of the dataset: sufficient,
//! minimal, complete one graph at a time, and exact over the articles.
//!
//! Not traced (an error says so): `SERVICE`, `LIMIT`/`OFFSET` inside a
//! subquery, `FROM`/`FROM NAMED`, more than 63 named graphs.

use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::AggregateFunctionAccumulator;
use spargebra::algebra::{
    AggregateExpression, AggregateFunction, Expression, Function, GraphPattern,
    PropertyPathExpression,
};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use std::collections::HashMap;
use std::sync::Arc;

/// The functions the rewritten query calls, under this namespace.
const NS: &str = "https://w3id.org/missions-kg/why#";

/// The most named graphs a trace tells apart (one bit each, one more for
/// the default graph's own triples).
pub const MAX_GRAPHS: usize = 63;

/// Stands for the default graph's own triples (those of no named graph,
/// as a plain Turtle file gives) among the graphs of a support.
pub fn default_graph() -> Term {
    function("default").into()
}

/// A family of supports: the minimal sets of graphs (bit masks), none a
/// subset of another. `[0]`: nothing needed; `[]`: no support at all.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Family(Vec<u64>);

impl Family {
    /// Needs nothing (a `VALUES` row, a count over no match).
    pub fn nothing() -> Self {
        Self(vec![0])
    }

    pub fn of(masks: impl IntoIterator<Item = u64>) -> Self {
        let mut masks: Vec<u64> = masks.into_iter().collect();
        masks.sort_by_key(|m| (m.count_ones(), *m));
        masks.dedup();
        let mut kept: Vec<u64> = Vec::with_capacity(masks.len());
        for mask in masks {
            if !kept.iter().any(|k| k & mask == *k) {
                kept.push(mask);
            }
        }
        kept.sort_unstable();
        Self(kept)
    }

    pub fn masks(&self) -> &[u64] {
        &self.0
    }

    /// Either family's supports.
    pub fn or(&self, other: &Self) -> Self {
        Self::of(self.0.iter().chain(&other.0).copied())
    }

    /// A support of each: every pairwise union.
    pub fn and(&self, other: &Self) -> Self {
        Self::of(
            self.0
                .iter()
                .flat_map(|a| other.0.iter().map(move |b| a | b)),
        )
    }

    /// The supports that hold none of `forbidden`'s: with those graphs
    /// only, a pattern that must not match does not.
    pub fn unless(&self, forbidden: &Self) -> Self {
        Self(
            self.0
                .iter()
                .copied()
                .filter(|s| forbidden.0.iter().all(|f| f & s != *f))
                .collect(),
        )
    }

    fn to_term(&self) -> Term {
        let masks: Vec<String> = self.0.iter().map(|m| format!("{m:x}")).collect();
        Literal::new_simple_literal(masks.join(",")).into()
    }

    pub fn from_term(term: &Term) -> Option<Self> {
        let Term::Literal(literal) = term else {
            return None;
        };
        if literal.value().is_empty() {
            return Some(Self(Vec::new()));
        }
        literal
            .value()
            .split(',')
            .map(|m| u64::from_str_radix(m, 16).ok())
            .collect::<Option<Vec<_>>>()
            .map(Self::of)
    }
}

fn function(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NS}{name}"))
}

/// The custom functions and aggregates the rewritten query calls, bound
/// to the dataset's named graphs (each graph its bit).
pub struct Functions {
    graphs: Arc<HashMap<Term, u64>>,
}

impl Functions {
    pub fn new(graphs: &[Term]) -> Self {
        let graphs = graphs
            .iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), 1u64 << i))
            .collect();
        Self {
            graphs: Arc::new(graphs),
        }
    }

    /// Registers them on an evaluator.
    pub fn register(
        &self,
        evaluator: oxigraph::sparql::SparqlEvaluator,
    ) -> oxigraph::sparql::SparqlEvaluator {
        let graphs = self.graphs.clone();
        evaluator
            .with_custom_function(function("graph"), move |args| {
                let [graph] = args else { return None };
                graphs.get(graph).map(|&bit| Family::of([bit]).to_term())
            })
            .with_custom_function(function("join"), |args| {
                args.iter()
                    .try_fold(Family::nothing(), |acc, term| {
                        Family::from_term(term).map(|f| acc.and(&f))
                    })
                    .map(|f| f.to_term())
            })
            .with_custom_function(function("unless"), |args| {
                let (family, forbidden) = args.split_first()?;
                let family = Family::from_term(family)?;
                let forbidden = forbidden.iter().try_fold(Family::default(), |all, term| {
                    Family::from_term(term).map(|f| all.or(&f))
                })?;
                Some(family.unless(&forbidden).to_term())
            })
            .with_custom_function(function("term"), |args| {
                let [term] = args else { return None };
                Some(Literal::new_simple_literal(term.to_string()).into())
            })
            .with_custom_aggregate_function(function("any"), || {
                Box::new(Accumulate {
                    family: Family::default(),
                    all: false,
                })
            })
            .with_custom_aggregate_function(function("all"), || {
                Box::new(Accumulate {
                    family: Family::nothing(),
                    all: true,
                })
            })
    }
}

/// `why:any` (alternatives) or `why:all` (every member) of families.
struct Accumulate {
    family: Family,
    all: bool,
}

impl AggregateFunctionAccumulator for Accumulate {
    fn accumulate(&mut self, element: Term) {
        if let Some(family) = Family::from_term(&element) {
            self.family = if self.all {
                self.family.and(&family)
            } else {
                self.family.or(&family)
            };
        }
    }

    fn finish(&mut self) -> Option<Term> {
        Some(self.family.to_term())
    }
}

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

struct State {
    counter: usize,
    with_default: bool,
    /// A blank node of the patterns → its variable. The parser writes a
    /// sequence path as triples joined by a blank node, across patterns,
    /// and each triple becomes a group of its own: they must still join.
    blank: HashMap<String, Variable>,
}

/// What a solution's family is made of, joined: graph names (`why:graph`)
/// and family variables.
type Parts = Vec<Expression>;

fn call(name: &str, args: Vec<Expression>) -> Expression {
    Expression::FunctionCall(Function::Custom(function(name)), args)
}

fn nothing() -> Expression {
    Expression::Literal(Literal::new_simple_literal("0"))
}

/// `inner` with `variable` bound to the family its parts make.
fn extend(inner: GraphPattern, variable: Variable, parts: Parts) -> GraphPattern {
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

fn join(left: GraphPattern, right: GraphPattern) -> GraphPattern {
    GraphPattern::Join {
        left: Box::new(left),
        right: Box::new(right),
    }
}

fn term_variables(terms: &[&TermPattern]) -> Vec<Variable> {
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

fn in_scope(pattern: &GraphPattern) -> Vec<Variable> {
    let mut variables = Vec::new();
    pattern.on_in_scope_variable(|v| {
        if !variables.contains(v) {
            variables.push(v.clone());
        }
    });
    variables
}

impl State {
    fn fresh(&mut self, what: &str) -> Variable {
        self.counter += 1;
        Variable::new_unchecked(format!("_{what}{}", self.counter))
    }

    /// The pattern rewritten, and the parts of its solutions' family.
    /// `graph`: the explicit `GRAPH` it is inside, if any.
    fn annotate(
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
    fn stated(
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

    fn path(
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
    fn mentioned(&mut self, node: &TermPattern) -> (GraphPattern, Expression) {
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
    fn group(
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
    fn witnesses(
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
    fn term(&mut self, term: &TermPattern) -> TermPattern {
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
    fn unless(
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
    fn join_witness(
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
    fn blank_nodes_as_variables(&mut self, patterns: &[TriplePattern]) -> Vec<TriplePattern> {
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

/// A filter's expression without its top-level `NOT EXISTS` conjuncts
/// (`None` if nothing else is left); their patterns go to `negated`.
fn without_not_exists(
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
fn exists_in(expression: &Expression, top: bool, found: &mut Vec<GraphPattern>) {
    use Expression as E;
    match expression {
        E::Not(inner) if top && matches!(**inner, E::Exists(_)) => {}
        E::Exists(pattern) => found.push((**pattern).clone()),
        E::And(a, b) => {
            exists_in(a, top, found);
            exists_in(b, top, found);
        }
        E::Or(a, b)
        | E::Equal(a, b)
        | E::SameTerm(a, b)
        | E::Greater(a, b)
        | E::GreaterOrEqual(a, b)
        | E::Less(a, b)
        | E::LessOrEqual(a, b)
        | E::Add(a, b)
        | E::Subtract(a, b)
        | E::Multiply(a, b)
        | E::Divide(a, b) => {
            exists_in(a, false, found);
            exists_in(b, false, found);
        }
        E::UnaryPlus(a) | E::UnaryMinus(a) | E::Not(a) => exists_in(a, false, found),
        E::In(a, list) => {
            exists_in(a, false, found);
            for b in list {
                exists_in(b, false, found);
            }
        }
        E::If(a, b, c) => {
            exists_in(a, false, found);
            exists_in(b, false, found);
            exists_in(c, false, found);
        }
        E::Coalesce(list) | E::FunctionCall(_, list) => {
            for b in list {
                exists_in(b, false, found);
            }
        }
        E::NamedNode(_) | E::Literal(_) | E::Variable(_) | E::Bound(_) => {}
    }
}

/// `expression` with each `EXISTS { pattern }` replaced by `value`.
fn with_exists_as(expression: &Expression, pattern: &GraphPattern, value: bool) -> Expression {
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

fn graph_expression(name: &NamedNodePattern) -> Expression {
    match name {
        NamedNodePattern::NamedNode(node) => Expression::NamedNode(node.clone()),
        NamedNodePattern::Variable(v) => Expression::Variable(v.clone()),
    }
}

fn term_expression(term: &TermPattern) -> Expression {
    match term {
        TermPattern::NamedNode(node) => Expression::NamedNode(node.clone()),
        TermPattern::Literal(literal) => Expression::Literal(literal.clone()),
        TermPattern::Variable(v) => Expression::Variable(v.clone()),
        // A blank node or a triple term: compared as itself.
        other => Expression::Literal(Literal::new_simple_literal(other.to_string())),
    }
}

/// Whether a query's supports must be checked by running it again on the
/// graphs of each: where it holds because something is absent (`MINUS`,
/// `OPTIONAL`, `EXISTS`, an aggregate, whose members may change) or a path
/// may match with zero steps, the rewrite can find supports that are too
/// small (a hostile review found them: a negation inside a negation, a
/// count over rows that a missing label lets in). The rewrite alone is
/// exact for the rest.
pub fn needs_check(query: &spargebra::Query) -> bool {
    let pattern = match query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Ask { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. } => pattern,
    };
    holds_by_absence(pattern)
}

/// The query without its top-level LIMIT and OFFSET (the answers a trace
/// re-checks on parts of the dataset are those of the whole query).
pub fn without_top_slice(query: &spargebra::Query) -> spargebra::Query {
    let unsliced = |pattern: &GraphPattern| match pattern {
        GraphPattern::Slice { inner, .. } => (**inner).clone(),
        other => other.clone(),
    };
    match query {
        spargebra::Query::Select {
            dataset,
            pattern,
            base_iri,
        } => spargebra::Query::Select {
            dataset: dataset.clone(),
            pattern: unsliced(pattern),
            base_iri: base_iri.clone(),
        },
        spargebra::Query::Construct {
            template,
            dataset,
            pattern,
            base_iri,
        } => spargebra::Query::Construct {
            template: template.clone(),
            dataset: dataset.clone(),
            pattern: unsliced(pattern),
            base_iri: base_iri.clone(),
        },
        other => other.clone(),
    }
}

/// Whether a pattern holds because something is absent, or may match a
/// path with zero steps ([`needs_check`]).
fn holds_by_absence(pattern: &GraphPattern) -> bool {
    use GraphPattern as P;
    let tests_existence = |expression: &Expression| {
        let mut found = Vec::new();
        exists_in(expression, false, &mut found);
        !found.is_empty()
    };
    match pattern {
        P::Bgp { .. } | P::Values { .. } => false,
        P::Path { path, .. } => zero_steps(path),
        P::Join { left, right } | P::Union { left, right } => {
            holds_by_absence(left) || holds_by_absence(right)
        }
        P::Filter { expr, inner } => tests_existence(expr) || holds_by_absence(inner),
        P::Extend {
            inner, expression, ..
        } => tests_existence(expression) || holds_by_absence(inner),
        P::Graph { inner, .. }
        | P::Project { inner, .. }
        | P::Distinct { inner }
        | P::Reduced { inner }
        | P::OrderBy { inner, .. } => holds_by_absence(inner),
        // Which answers a LIMIT keeps depends on the others.
        _ => true,
    }
}

fn zero_steps(path: &PropertyPathExpression) -> bool {
    use PropertyPathExpression as X;
    match path {
        X::NamedNode(_) | X::NegatedPropertySet(_) => false,
        X::ZeroOrMore(_) | X::ZeroOrOne(_) => true,
        X::Reverse(inner) | X::OneOrMore(inner) => zero_steps(inner),
        X::Sequence(a, b) | X::Alternative(a, b) => zero_steps(a) || zero_steps(b),
    }
}

/// Keeps, of each answer's supports, those whose graphs alone give the
/// answer again (`run` runs the query on a dataset); the others were too
/// small. An answer left with none shows "not traced". Each support is run
/// once, whatever the number of answers that name it.
pub fn keep_sufficient(
    rows: Vec<(Vec<Option<Term>>, Family)>,
    graphs: &[Term],
    graph: &crate::graph::Graph,
    mut run: impl FnMut(&crate::graph::Graph) -> anyhow::Result<Vec<Vec<Option<Term>>>>,
) -> anyhow::Result<Vec<(Vec<Option<Term>>, Family)>> {
    let mut answers: HashMap<u64, Vec<Vec<String>>> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    for (row, family) in rows {
        let key = comparable(&row);
        let mut masks = Vec::new();
        for &mask in family.masks() {
            if let std::collections::hash_map::Entry::Vacant(entry) = answers.entry(mask) {
                let part = part_of(graph, graphs, mask)?;
                entry.insert(run(&part)?.iter().map(|r| comparable(r)).collect());
            }
            if answers[&mask].contains(&key) {
                masks.push(mask);
            }
        }
        kept.push((row, Family::of(masks)));
    }
    Ok(kept)
}

/// A row for comparing runs on two datasets: a literal's words sorted,
/// as `GROUP_CONCAT` lists its members in an order that depends on how the
/// dataset numbers its terms.
fn comparable(row: &[Option<Term>]) -> Vec<String> {
    row.iter()
        .map(|term| match term {
            Some(Term::Literal(l)) => {
                let mut words: Vec<&str> = l
                    .value()
                    .split([' ', ','])
                    .filter(|w| !w.is_empty())
                    .collect();
                words.sort_unstable();
                format!("{} {}", words.join(" "), l.datatype())
            }
            Some(other) => other.to_string(),
            None => String::new(),
        })
        .collect()
}

/// The dataset of the graphs of `mask` alone, with its merged view.
fn part_of(
    graph: &crate::graph::Graph,
    graphs: &[Term],
    mask: u64,
) -> anyhow::Result<crate::graph::Graph> {
    use oxigraph::model::GraphNameRef;
    let mut builder = crate::graph::dataset::DatasetBuilder::default();
    for (bit, name) in graphs.iter().enumerate() {
        if mask >> bit & 1 == 0 {
            continue;
        }
        if *name == default_graph() {
            // The default graph's own triples: those of no named graph.
            for quad in graph.quads(None, None, None, Some(GraphNameRef::DefaultGraph)) {
                let quad = quad?;
                let named = graph
                    .quads(
                        Some(quad.subject.as_ref()),
                        Some(quad.predicate.as_ref()),
                        Some(quad.object.as_ref()),
                        None,
                    )
                    .filter(|q| q.as_ref().is_ok_and(|q| !q.graph_name.is_default_graph()))
                    .count();
                if named == 0 {
                    builder.insert(quad);
                }
            }
            continue;
        }
        let name = match name {
            Term::NamedNode(n) => GraphNameRef::NamedNode(n.as_ref()),
            Term::BlankNode(b) => GraphNameRef::BlankNode(b.as_ref()),
            _ => continue,
        };
        for quad in graph.quads(None, None, None, Some(name)) {
            builder.insert(quad?);
        }
    }
    builder.merge_named_graphs_into_default();
    Ok(crate::graph::Graph::from_dataset(builder.build()))
}

/// A family as people read it: supports separated by ` | `, the graphs of
/// one support by ` + ` (`article-000 + curation | article-002`); `none`
/// when the answer needs no fact.
pub fn shown(family: &Family, graphs: &[Term]) -> String {
    let name = |i: usize| match &graphs[i] {
        term if *term == default_graph() => "default graph".to_owned(),
        Term::NamedNode(node) => crate::graph::labels::graph_name(node.as_str()),
        other => other.to_string(),
    };
    let supports: Vec<String> = family
        .masks()
        .iter()
        .map(|&mask| {
            if mask == 0 {
                return "none".to_owned();
            }
            (0..graphs.len())
                .filter(|i| mask >> i & 1 == 1)
                .map(name)
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    supports.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::dataset::{Dataset, DatasetBuilder};
    use crate::graph::Graph;
    use crate::guard::budget::Budget;
    use oxigraph::model::{GraphName, Quad};
    use oxigraph::sparql::QueryResults;

    /// The built-in graph's named graphs' quads.
    fn named_quads() -> Vec<Quad> {
        let dataset = Dataset::embedded().expect("the built-in index");
        dataset
            .iter()
            .filter(|q| !q.graph_name.is_default_graph())
            .map(|q| q.into_owned())
            .collect()
    }

    /// A literal with its words sorted: GROUP_CONCAT lists their members in
    /// an order that depends on the dataset's ids.
    fn canonical(row: &[Option<Term>]) -> Vec<Option<String>> {
        row.iter()
            .map(|term| {
                term.as_ref().map(|term| match term {
                    Term::Literal(l) => {
                        let mut words: Vec<&str> = l
                            .value()
                            .split([' ', ',', '/'])
                            .filter(|w| !w.is_empty())
                            .collect();
                        words.sort_unstable();
                        format!("{} {:?}", words.join(" "), l.datatype())
                    }
                    other => other.to_string(),
                })
            })
            .collect()
    }

    /// One stored query traced on the built-in graph, and run again on
    /// parts of it.
    struct Trial<'a> {
        name: String,
        sparql: String,
        bound: Vec<(Variable, Term)>,
        traced: crate::provenance::trace::Traced,
        quads: &'a [Quad],
        cache: HashMap<u64, Vec<Vec<Option<String>>>>,
    }

    impl Trial<'_> {
        fn prepare(&self) -> crate::sparql::Prepared {
            let mut prepared = crate::sparql::prepare(&self.sparql, &self.name).unwrap();
            for (variable, value) in &self.bound {
                prepared = prepared.bind(variable.clone(), value.clone());
            }
            prepared
        }

        /// The answers with only the graphs of `mask` (bits as in the trace).
        fn answers(&mut self, mask: u64) -> Vec<Vec<Option<String>>> {
            if let Some(rows) = self.cache.get(&mask) {
                return rows.clone();
            }
            let graphs = &self.traced.graphs;
            let mut builder = DatasetBuilder::default();
            for quad in self.quads {
                let bit = graphs
                    .iter()
                    .position(|g| match (g, &quad.graph_name) {
                        (Term::NamedNode(a), GraphName::NamedNode(b)) => a == b,
                        (Term::BlankNode(a), GraphName::BlankNode(b)) => a == b,
                        _ => false,
                    })
                    .unwrap();
                if mask >> bit & 1 == 1 {
                    builder.insert(quad.clone());
                }
            }
            builder.merge_named_graphs_into_default();
            let graph = Graph::from_dataset(builder.build());
            let rows = match self.prepare().execute(&graph, &Budget::default()).unwrap() {
                QueryResults::Solutions(solutions) => solutions
                    .map(|s| {
                        let s = s.unwrap();
                        let row: Vec<Option<Term>> = self
                            .traced
                            .variables
                            .iter()
                            .map(|v| s.get(v).cloned())
                            .collect();
                        canonical(&row)
                    })
                    .collect(),
                QueryResults::Boolean(true) => vec![Vec::new()],
                _ => Vec::new(),
            };
            self.cache.insert(mask, rows.clone());
            rows
        }
    }

    /// Every stored query (with its example parameters, names looked up
    /// once in the whole graph), traced on the built-in graph.
    fn trials(quads: &[Quad]) -> Vec<Trial<'_>> {
        let full = Graph::from_dataset(Dataset::embedded().unwrap());
        let catalog = crate::sparql::catalog::Catalog::embedded().unwrap();
        catalog
            .queries
            .iter()
            .map(|stored| {
                let params: Vec<(String, String)> = stored
                    .example
                    .iter()
                    .map(|p| crate::sparql::split_param(p).unwrap())
                    .collect();
                let bound =
                    crate::sparql::bindings(&full, Some(stored), &params, "--param").unwrap();
                let mut trial = Trial {
                    name: stored.name.clone(),
                    sparql: stored.sparql.clone(),
                    bound,
                    traced: crate::provenance::trace::Traced {
                        variables: Vec::new(),
                        rows: Vec::new(),
                        graphs: Vec::new(),
                    },
                    quads,
                    cache: HashMap::new(),
                };
                trial.traced = trial
                    .prepare()
                    .trace_families(&full, &Budget::default())
                    .unwrap();
                trial
            })
            .collect()
    }

    /// Every stored query, run with `--why` on the built-in graph; then each
    /// answer checked against the query run on parts of the dataset: it is
    /// there with the graphs of each of its supports alone (sufficient), gone
    /// when any one of them is left out (minimal), and when it is still there
    /// without some graph, one of its supports does without that graph; and
    /// by brute force over the articles: for every subset of the four article
    /// graphs (the other graphs kept), the query gives exactly those of its
    /// answers that have a support within the subset. (One test: the runs on
    /// parts are shared.)
    #[test]
    fn every_stored_query_s_supports_match_its_answers_on_parts_of_the_dataset() {
        let quads = named_quads();
        let mut trials = trials(&quads);
        let mut failures: Vec<String> = Vec::new();
        let checked = per_graph(&mut trials, &mut failures);
        assert!(checked > 300, "only {checked} answers checked");
        let checked = over_subsets_of_the_articles(&mut trials, &mut failures);
        assert!(checked > 5000, "only {checked} checks over subsets");
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Sufficient, minimal, and complete one graph at a time.
    fn per_graph(trials: &mut [Trial<'_>], failures: &mut Vec<String>) -> usize {
        let mut checked = 0;
        for trial in trials {
            let graphs = trial.traced.graphs.clone();
            let all = (1u64 << graphs.len()) - 1;
            let name = trial.name.clone();
            for (row, family) in trial.traced.rows.clone() {
                let row = canonical(&row);
                if family.masks().is_empty() {
                    failures.push(format!("{name}: {row:?} not traced"));
                }
                for &support in family.masks() {
                    if !trial.answers(support).contains(&row) {
                        failures.push(format!("{name}: {row:?} not given by {support:b}"));
                    }
                    for bit in (0..graphs.len()).filter(|b| support >> b & 1 == 1) {
                        if trial.answers(support & !(1 << bit)).contains(&row) {
                            failures.push(format!(
                                "{name}: {row:?} given by {support:b} without {}",
                                graphs[bit]
                            ));
                        }
                    }
                }
                for (bit, graph) in graphs.iter().enumerate() {
                    if trial.answers(all & !(1 << bit)).contains(&row)
                        && family.masks().iter().all(|m| m >> bit & 1 == 1)
                    {
                        failures.push(format!(
                            "{name}: {row:?} given without {graph}, but every support needs it"
                        ));
                    }
                }
                checked += 1;
            }
        }
        checked
    }

    /// Every subset of the four articles (the other graphs kept): exactly
    /// the answers with a support within it.
    fn over_subsets_of_the_articles(trials: &mut [Trial<'_>], failures: &mut Vec<String>) -> usize {
        let mut checked = 0;
        for trial in trials {
            let graphs = trial.traced.graphs.clone();
            let is_article = |g: &Term| g.to_string().contains("/source/article-");
            let articles: Vec<usize> = (0..graphs.len())
                .filter(|&i| is_article(&graphs[i]))
                .collect();
            assert_eq!(articles.len(), 4, "{graphs:?}");
            let others: u64 = (0..graphs.len())
                .filter(|i| !articles.contains(i))
                .map(|i| 1u64 << i)
                .sum();
            for subset in 0u64..16 {
                let mask = articles
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| subset >> k & 1 == 1)
                    .map(|(_, &i)| 1u64 << i)
                    .sum::<u64>()
                    | others;
                let given = trial.answers(mask);
                for (row, family) in &trial.traced.rows {
                    let row = canonical(row);
                    let held = family.masks().iter().any(|s| s & mask == *s);
                    if held != given.contains(&row) {
                        failures.push(format!(
                            "{}: {row:?} with {mask:b}: given {}, a support held {held}",
                            trial.name,
                            given.contains(&row)
                        ));
                    }
                    checked += 1;
                }
            }
        }
        checked
    }

    #[test]
    fn families_keep_only_minimal_supports() {
        let a = Family::of([0b01, 0b011, 0b10]);
        assert_eq!(a.masks(), &[0b01, 0b10]);
        assert_eq!(a.and(&Family::of([0b100])).masks(), &[0b101, 0b110]);
        assert_eq!(a.or(&Family::of([0b11])).masks(), &[0b01, 0b10]);
        assert_eq!(Family::nothing().and(&a), a);
        let term = a.to_term();
        assert_eq!(Family::from_term(&term), Some(a));
    }
}
