//! Lineage for `query --why --evidence`: which facts each answer rests on.
//!
//! [`lineage`] turns a SELECT or ASK into a query that keeps every
//! solution of its pattern (below its projection, DISTINCT, slice and
//! grouping), projecting the variables of its triple patterns and those
//! that tell the answers apart; `sparql::Prepared::trace_evidence` runs it
//! and fills each triple pattern with each solution (`Lineage::facts`):
//! the facts the answer with the same key values was built from. For a
//! group, the key is its grouping variables, so an aggregate's answer
//! rests on every member's facts.
//!
//! The facts counted are those of the patterns an answer matches: basic
//! triple patterns and the steps of paths (`/`, `|`, `^`, `!(…)`, each
//! step one fact), also inside `OPTIONAL` (when it matched), `UNION`,
//! `GRAPH`, and the left of `MINUS`. Not listed: what a `FILTER (NOT)
//! EXISTS` or `MINUS` looks at (its pattern's solutions are not the
//! answer's: it only tests them), the steps of repeated paths (`*`, `+`,
//! `?`), and patterns inside a subquery.

use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple, Variable};
use spargebra::algebra::{GraphPattern, PropertyPathExpression};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use spargebra::Query;
use std::collections::HashMap;

/// What `--evidence` runs and reads.
pub struct Lineage {
    /// `SELECT DISTINCT` of the variables below, over the query's pattern
    /// (its blank nodes as variables).
    pub query: Query,
    /// The triple patterns whose instances are an answer's facts.
    pub triples: Vec<TriplePattern>,
    /// The answer variables that tell which answer a solution belongs to
    /// (none for an ASK: its one answer takes every solution).
    pub keys: Vec<Variable>,
}

/// The lineage query of a SELECT or ASK; `None` for another form or a
/// query with FROM (which `--why` refuses before).
pub fn lineage(query: &Query) -> Option<Lineage> {
    let (pattern, base_iri, projected) = match query {
        Query::Select {
            dataset: None,
            pattern,
            base_iri,
        } => (pattern, base_iri, true),
        Query::Ask {
            dataset: None,
            pattern,
            base_iri,
        } => (pattern, base_iri, false),
        _ => return None,
    };
    let (below, mut keys): (&GraphPattern, Vec<Variable>) =
        match crate::provenance::why::top(pattern) {
            GraphPattern::Project { inner, variables } => match grouped(inner) {
                // The answers of a group are told apart by its keys.
                Some((members, by)) => (
                    members,
                    variables
                        .iter()
                        .filter(|v| by.contains(v))
                        .cloned()
                        .collect(),
                ),
                None => (inner.as_ref(), variables.clone()),
            },
            other => match grouped(other) {
                Some((members, _)) => (members, Vec::new()),
                None => (other, Vec::new()),
            },
        };
    if !projected {
        // An ASK has one answer, which every solution gives.
        keys.clear();
    }
    let mut blanks = HashMap::new();
    let pattern = blanks_as_variables(below, &mut blanks);
    let mut triples = Vec::new();
    collect(&pattern, &mut triples);
    let mut variables: Vec<Variable> = keys.clone();
    for triple in &triples {
        for term in [&triple.subject, &triple.object] {
            if let TermPattern::Variable(v) = term {
                if !variables.contains(v) {
                    variables.push(v.clone());
                }
            }
        }
        if let NamedNodePattern::Variable(v) = &triple.predicate {
            if !variables.contains(v) {
                variables.push(v.clone());
            }
        }
    }
    Some(Lineage {
        query: Query::Select {
            dataset: None,
            pattern: GraphPattern::Distinct {
                inner: Box::new(GraphPattern::Project {
                    inner: Box::new(pattern),
                    variables,
                }),
            },
            base_iri: base_iri.clone(),
        },
        triples,
        keys,
    })
}

impl Lineage {
    /// The facts one solution of the lineage query fills in: each triple
    /// pattern whose variables it all binds.
    pub fn facts(&self, value: impl Fn(&Variable) -> Option<Term>) -> Vec<Triple> {
        let term = |pattern: &TermPattern| match pattern {
            TermPattern::Variable(v) => value(v),
            TermPattern::NamedNode(n) => Some(n.clone().into()),
            TermPattern::Literal(l) => Some(l.clone().into()),
            _ => None,
        };
        self.triples
            .iter()
            .filter_map(|pattern| {
                let subject = match term(&pattern.subject)? {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n),
                    Term::BlankNode(b) => NamedOrBlankNode::from(b),
                    _ => return None,
                };
                let predicate: NamedNode = match &pattern.predicate {
                    NamedNodePattern::NamedNode(n) => n.clone(),
                    NamedNodePattern::Variable(v) => match value(v)? {
                        Term::NamedNode(n) => n,
                        _ => return None,
                    },
                };
                Some(Triple::new(subject, predicate, term(&pattern.object)?))
            })
            .collect()
    }
}

/// The members and keys of a grouped pattern: a group under the select
/// expressions, HAVING filters and ORDER BY that read its aggregates.
fn grouped(pattern: &GraphPattern) -> Option<(&GraphPattern, Vec<Variable>)> {
    match pattern {
        GraphPattern::Extend { inner, .. }
        | GraphPattern::Filter { inner, .. }
        | GraphPattern::OrderBy { inner, .. } => grouped(inner),
        GraphPattern::Group {
            inner, variables, ..
        } => Some((inner, variables.clone())),
        _ => None,
    }
}

/// The triple patterns an answer's facts fill (see the module's note).
fn collect(pattern: &GraphPattern, out: &mut Vec<TriplePattern>) {
    match pattern {
        GraphPattern::Bgp { patterns } => out.extend(patterns.iter().cloned()),
        // Paths of one or more steps were expanded into triple patterns
        // (`expand_path`); what is left repeats a step.
        GraphPattern::Path { .. } => {}
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right } => {
            collect(left, out);
            collect(right, out);
        }
        GraphPattern::Minus { left, .. } => collect(left, out),
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner } => collect(inner, out),
        // A subquery's variables are its own; a group's members are not
        // the answers above it; a remote pattern is not ours.
        GraphPattern::Project { .. }
        | GraphPattern::Slice { .. }
        | GraphPattern::Group { .. }
        | GraphPattern::Service { .. }
        | GraphPattern::Values { .. } => {}
    }
}

/// The pattern with its blank nodes as variables (`?_lineage_N`), so that
/// the lineage query can return what they matched; the parser writes a
/// sequence path as triples joined by one. Expressions are kept as they
/// are: the patterns of an EXISTS are not listed.
fn blanks_as_variables(
    pattern: &GraphPattern,
    blanks: &mut HashMap<String, Variable>,
) -> GraphPattern {
    let term = |t: &TermPattern, blanks: &mut HashMap<String, Variable>| match t {
        TermPattern::BlankNode(b) => {
            let next = blanks.len();
            TermPattern::Variable(
                blanks
                    .entry(b.as_str().to_owned())
                    .or_insert_with(|| Variable::new_unchecked(format!("_lineage_{next}")))
                    .clone(),
            )
        }
        other => other.clone(),
    };
    let go = |p: &GraphPattern, blanks: &mut HashMap<String, Variable>| {
        Box::new(blanks_as_variables(p, blanks))
    };
    match pattern {
        GraphPattern::Bgp { patterns } => GraphPattern::Bgp {
            patterns: patterns
                .iter()
                .map(|t| TriplePattern {
                    subject: term(&t.subject, blanks),
                    predicate: t.predicate.clone(),
                    object: term(&t.object, blanks),
                })
                .collect(),
        },
        GraphPattern::Path {
            subject,
            path,
            object,
        } => {
            let (subject, object) = (term(subject, blanks), term(object, blanks));
            expand_path(subject, path, object, blanks)
        }
        GraphPattern::Join { left, right } => GraphPattern::Join {
            left: go(left, blanks),
            right: go(right, blanks),
        },
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => GraphPattern::LeftJoin {
            left: go(left, blanks),
            right: go(right, blanks),
            expression: expression.clone(),
        },
        GraphPattern::Lateral { left, right } => GraphPattern::Lateral {
            left: go(left, blanks),
            right: go(right, blanks),
        },
        GraphPattern::Union { left, right } => GraphPattern::Union {
            left: go(left, blanks),
            right: go(right, blanks),
        },
        GraphPattern::Minus { left, right } => GraphPattern::Minus {
            left: go(left, blanks),
            right: go(right, blanks),
        },
        GraphPattern::Filter { expr, inner } => GraphPattern::Filter {
            expr: expr.clone(),
            inner: go(inner, blanks),
        },
        GraphPattern::Graph { name, inner } => GraphPattern::Graph {
            name: name.clone(),
            inner: go(inner, blanks),
        },
        GraphPattern::Extend {
            inner,
            variable,
            expression,
        } => GraphPattern::Extend {
            inner: go(inner, blanks),
            variable: variable.clone(),
            expression: expression.clone(),
        },
        GraphPattern::OrderBy { inner, expression } => GraphPattern::OrderBy {
            inner: go(inner, blanks),
            expression: expression.clone(),
        },
        GraphPattern::Distinct { inner } => GraphPattern::Distinct {
            inner: go(inner, blanks),
        },
        GraphPattern::Reduced { inner } => GraphPattern::Reduced {
            inner: go(inner, blanks),
        },
        // Inside these, blank nodes are their own business (a subquery's
        // variables do not leave it; nothing in them is listed).
        other => other.clone(),
    }
}

/// A path as the patterns it stands for, where each step is one fact: a
/// sequence joined through a fresh variable, an alternative as a union, an
/// inverse turned round, a negated set as any other property (bound, so
/// that its fact can be listed). Repeated steps (`*`, `+`, `?`) stay a
/// path: their facts are not listed.
fn expand_path(
    subject: TermPattern,
    path: &PropertyPathExpression,
    object: TermPattern,
    blanks: &mut HashMap<String, Variable>,
) -> GraphPattern {
    use PropertyPathExpression as X;
    let fresh = |blanks: &mut HashMap<String, Variable>| {
        let next = blanks.len();
        let variable = Variable::new_unchecked(format!("_lineage_{next}"));
        // Keyed by a name no blank node label can have.
        blanks.insert(format!(" step {next}"), variable.clone());
        variable
    };
    match path {
        X::NamedNode(p) => GraphPattern::Bgp {
            patterns: vec![TriplePattern {
                subject,
                predicate: p.clone().into(),
                object,
            }],
        },
        X::Reverse(inner) => expand_path(object, inner, subject, blanks),
        X::Sequence(a, b) => {
            let middle = TermPattern::Variable(fresh(blanks));
            GraphPattern::Join {
                left: Box::new(expand_path(subject, a, middle.clone(), blanks)),
                right: Box::new(expand_path(middle, b, object, blanks)),
            }
        }
        X::Alternative(a, b) => GraphPattern::Union {
            left: Box::new(expand_path(subject.clone(), a, object.clone(), blanks)),
            right: Box::new(expand_path(subject, b, object, blanks)),
        },
        X::NegatedPropertySet(excluded) => {
            let predicate = fresh(blanks);
            GraphPattern::Filter {
                expr: spargebra::algebra::Expression::Not(Box::new(
                    spargebra::algebra::Expression::In(
                        Box::new(spargebra::algebra::Expression::Variable(predicate.clone())),
                        excluded
                            .iter()
                            .map(|p| spargebra::algebra::Expression::NamedNode(p.clone()))
                            .collect(),
                    ),
                )),
                inner: Box::new(GraphPattern::Bgp {
                    patterns: vec![TriplePattern {
                        subject,
                        predicate: predicate.into(),
                        object,
                    }],
                }),
            }
        }
        X::ZeroOrMore(_) | X::OneOrMore(_) | X::ZeroOrOne(_) => GraphPattern::Path {
            subject,
            path: path.clone(),
            object,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Query {
        spargebra::SparqlParser::new()
            .parse_query(text)
            .expect("a query")
    }

    #[test]
    fn a_sequence_path_lists_both_steps_joined() {
        let query = parse("SELECT ?p { <http://e.org/s> <http://e.org/a>/<http://e.org/b> ?p }");
        let lineage = lineage(&query).expect("a SELECT");
        assert_eq!(lineage.triples.len(), 2);
        assert_eq!(lineage.keys, vec![Variable::new_unchecked("p")]);
        // The blank node joining the steps became one variable.
        assert_eq!(lineage.triples[0].object, lineage.triples[1].subject);
        assert!(matches!(
            lineage.triples[0].object,
            TermPattern::Variable(_)
        ));
    }

    #[test]
    fn alternatives_inverses_and_negated_sets_are_steps_too() {
        let query = parse(
            "SELECT ?v { <http://e.org/s> (<http://e.org/a>|^<http://e.org/b>)/!(<http://e.org/c>) ?v }",
        );
        let lineage = lineage(&query).expect("a SELECT");
        // a, b turned round, and the negated set's one property (a variable).
        assert_eq!(lineage.triples.len(), 3, "{:?}", lineage.triples);
        assert!(matches!(
            lineage.triples[2].predicate,
            NamedNodePattern::Variable(_)
        ));
        assert_eq!(
            lineage.triples[1].object,
            TermPattern::NamedNode(NamedNode::new_unchecked("http://e.org/s"))
        );
    }

    #[test]
    fn a_group_is_told_apart_by_its_keys_and_negation_is_not_listed() {
        let query = parse(
            "SELECT ?s (COUNT(?o) AS ?n) { ?s <http://e.org/p> ?o
               FILTER NOT EXISTS { ?o <http://e.org/q> ?x } MINUS { ?s <http://e.org/r> ?y } }
             GROUP BY ?s",
        );
        let lineage = lineage(&query).expect("a SELECT");
        assert_eq!(lineage.keys, vec![Variable::new_unchecked("s")]);
        assert_eq!(lineage.triples.len(), 1, "{:?}", lineage.triples);
    }

    #[test]
    fn facts_are_the_patterns_a_solution_fills() {
        let query = parse("ASK { ?s <http://e.org/p> ?o OPTIONAL { ?o <http://e.org/q> ?x } }");
        let lineage = lineage(&query).expect("an ASK");
        assert!(lineage.keys.is_empty());
        let s = Term::from(NamedNode::new_unchecked("http://e.org/s"));
        let o = Term::from(NamedNode::new_unchecked("http://e.org/o"));
        let facts = lineage.facts(|v| match v.as_str() {
            "s" => Some(s.clone()),
            "o" => Some(o.clone()),
            _ => None,
        });
        // The OPTIONAL did not match: its triple is not a fact.
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].predicate.as_str(), "http://e.org/p");
    }
}
