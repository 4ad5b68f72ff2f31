//! Running SPARQL: parsing with the predeclared prefixes, binding
//! `--param` values, evaluating with an optional timeout.
//!
//! Parameter values become RDF terms that are substituted for variables
//! after parsing (`substitute_variable`); they are never spliced into the
//! query text, so a value cannot change the query's shape.

pub mod catalog;

pub mod algebra;
mod bound;
pub(crate) mod order;
mod params;
mod shape;
mod stored;
mod syntax;

use bound::with_bound_values;
use shape::Shape;
use syntax::{
    explain_syntax, is_update, parses_with_a_base, relative_iri_error, syntax_error, unknown_prefix,
};

pub use params::{bindings, split_param, typed_value};

use crate::graph::federation::Federation;
use crate::graph::{Answers, Graph};
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::guard::limits::{self, Syntax};
use crate::vocab;
use anyhow::{anyhow, Result};
use oxigraph::model::{NamedNode, Term, Variable};
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, QueryEvaluationError, QueryResults, SparqlEvaluator,
};
use spargebra::SparqlParser;
use std::sync::atomic::Ordering;

/// A parsed query, ready to be bound and run.
pub struct Prepared {
    pub(crate) query: PreparedSparqlQuery,
    /// The parsed query and the values bound to it, kept for a remote
    /// engine, which is sent the query as text.
    pub(crate) source: std::sync::Arc<spargebra::Query>,
    pub(crate) bound: Vec<(Variable, Term)>,
    pub(crate) token: CancellationToken,
    /// The SERVICE endpoints the query calls (`?name` for a variable one).
    pub(crate) services: Vec<String>,
    /// Its service handler, told at run time whether calls are allowed.
    pub(crate) federation: Federation,
    /// Whether Oxigraph's optimizer plans it (off for generated giants;
    /// a traced run follows it); the tests check that no stored query
    /// loses it.
    pub(crate) optimized: bool,
    /// SELECT, ASK, CONSTRUCT or DESCRIBE.
    pub(crate) form: Form,
    /// Whether two runs may answer differently (RAND, NOW, UUID…): the
    /// server does not keep such answers.
    pub(crate) volatile: bool,
}

/// The query forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Select,
    Ask,
    Construct,
    Describe,
}

/// Past this depth, a query is evaluated without the optimizer. A basic
/// graph pattern counts its triples toward the depth, so a long sequence
/// path or a wide join counts too; the stored queries stay far below it
/// (tested).
const OPTIMIZER_MAX_DEPTH: usize = 100;

/// Parses `text` with the predeclared prefixes. `origin` names the query
/// (stored name, file or "query") in a syntax error, which shows the line
/// and a caret under the spot. Queries nested deeper than the limits
/// (`limits.rs`) are refused before and after parsing.
pub fn prepare(text: &str, origin: &str) -> Result<Prepared> {
    prepare_with_base(text, origin, None)
}

/// Like [`prepare`], with relative IRIs resolved against `base`.
pub fn prepare_with_base(text: &str, origin: &str, base: Option<&str>) -> Result<Prepared> {
    Ok(parse(text, origin, base)?.prepare())
}

/// A query parsed and checked, not yet tied to a run: the server keeps
/// these (the stored queries, and recent query texts) and makes a
/// [`Prepared`] with its own cancellation token for each request.
#[derive(Clone)]
pub struct Parsed {
    pub(crate) query: std::sync::Arc<spargebra::Query>,
    pub(crate) services: Vec<String>,
    pub(crate) optimized: bool,
    pub(crate) form: Form,
    pub(crate) volatile: bool,
}

impl Parsed {
    /// A run of this query, with a cancellation token of its own.
    pub fn prepare(&self) -> Prepared {
        let token = CancellationToken::new();
        let federation = Federation::default();
        let mut evaluator = order::register(SparqlEvaluator::new());
        if !self.optimized {
            evaluator = evaluator.without_optimizations();
        }
        let query = evaluator
            .with_cancellation_token(token.clone())
            .with_default_service_handler(federation.clone())
            .for_query(order::total((*self.query).clone()));
        Prepared {
            query,
            source: self.query.clone(),
            bound: Vec::new(),
            token,
            services: self.services.clone(),
            federation,
            optimized: self.optimized,
            form: self.form,
            volatile: self.volatile,
        }
    }
}

/// Parses and checks `text` as [`prepare_with_base`] does.
pub fn parse(text: &str, origin: &str, base: Option<&str>) -> Result<Parsed> {
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    }) {
        return Err(Failure::new(Kind::Syntax, format!(
            "the query {origin} is empty: give a SPARQL query, a .rq file, a stored query name (see `missions-kg queries`), or - for stdin"
        ))
        .into());
    }
    limits::check_nesting(text.as_bytes(), Syntax::Sparql).map_err(|e| {
        Failure::new(
            Kind::TooLarge,
            format!("cannot run the query {origin}: {e}"),
        )
    })?;
    let mut parser = SparqlParser::new();
    for (name, iri) in vocab::PREFIXES {
        parser = parser
            .with_prefix(*name, *iri)
            .map_err(|e| anyhow!("invalid predeclared prefix {name}: {e}"))?;
    }
    if let Some(base) = base {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| anyhow!("invalid base IRI {base}: {e}"))?;
    }
    let query = match parser.clone().parse_query(text) {
        Ok(query) => query,
        // Told apart with a base IRI, so an update with relative IRIs is
        // still recognised as one.
        Err(_) if is_update(&parser, text) => {
            return Err(Failure::new(
                Kind::ReadOnly,
                format!(
                "cannot run the query {origin}: updates are not supported: the graph is read-only"
            ),
            )
            .into())
        }
        // The parser only says "IRI parsing failed": if any base makes the
        // query parse, a relative IRI was the cause.
        Err(_) if base.is_none() && parses_with_a_base(&parser, text) => {
            return Err(relative_iri_error(text, origin).into())
        }
        Err(e) => {
            let message = e.to_string();
            return Err(unknown_prefix(text, origin, &message)
                .unwrap_or_else(|| syntax_error(text, origin, &explain_syntax(&message)))
                .into());
        }
    };
    let mut shape = Shape::default();
    shape.query(&query);
    if shape.too_deep {
        return Err(Failure::new(
            Kind::TooLarge,
            format!(
                "cannot run the query {origin}: its operators nest more than {} levels deep \
                 (long chains of UNION, +, &&, / or |; the query depth limit{})",
                limits::max_query_depth(),
                limits::lowered()
            ),
        )
        .into());
    }
    let form = match &query {
        spargebra::Query::Select { .. } => Form::Select,
        spargebra::Query::Ask { .. } => Form::Ask,
        spargebra::Query::Construct { .. } => Form::Construct,
        spargebra::Query::Describe { .. } => Form::Describe,
    };
    // The optimizer's cost grows faster than the query (measured: a
    // sequence path of 400 steps took 30 s to plan, 0.1 s to run as
    // written); a query this large was generated, and is run as written.
    let optimized = shape.max_depth <= OPTIMIZER_MAX_DEPTH;
    Ok(Parsed {
        query: std::sync::Arc::new(query),
        services: shape.services,
        optimized,
        form,
        volatile: shape.volatile,
    })
}

impl Prepared {
    /// Whether the query returns a graph (CONSTRUCT, DESCRIBE), known before
    /// it runs: the server picks the format first.
    pub fn returns_graph(&self) -> bool {
        matches!(self.form, Form::Construct | Form::Describe)
    }

    /// The query's form.
    pub fn form(&self) -> Form {
        self.form
    }

    /// Whether two runs on the same graph may answer differently.
    pub fn is_volatile(&self) -> bool {
        self.volatile
    }

    /// Replaces the query's dataset (its FROM and FROM NAMED), as the
    /// protocol's `default-graph-uri` and `named-graph-uri` do. Either list
    /// may be empty: no default graph, or no named graphs.
    pub fn set_dataset(&mut self, default: Vec<NamedNode>, named: Vec<NamedNode>) {
        let dataset = self.query.dataset_mut();
        dataset.set_default_graph(default.into_iter().map(Into::into).collect());
        dataset.set_available_named_graphs(named.into_iter().map(Into::into).collect());
    }

    /// Binds one variable to a value.
    #[must_use]
    pub fn bind(mut self, variable: Variable, value: Term) -> Self {
        self.bound.push((variable.clone(), value.clone()));
        Self {
            query: self.query.substitute_variable(variable, value),
            ..self
        }
    }

    /// The query as SPARQL text for a remote engine: the parsed query
    /// written out (full IRIs, no prefixes needed), its bound values as a
    /// VALUES block at the top of its WHERE clause, so its FILTERs,
    /// grouping and aggregates see them as the local evaluation does (a
    /// final VALUES clause joins after all those, and Virtuoso 7 ignores
    /// one). A value VALUES cannot hold (a blank node) goes in a final
    /// clause, as the nearest the text can say.
    pub fn text(&self) -> String {
        text(&self.source, &self.bound)
    }

    /// Evaluates on `store` within `budget`: a watchdog cancels the
    /// evaluation (also while results are being read) when the time runs
    /// out or the process passes its memory ceiling. SERVICE is refused
    /// unless the budget allows it.
    pub fn execute<'a>(self, graph: &'a Graph, budget: &Budget) -> Result<QueryResults<'a>> {
        if let Some(service) = self.services.first() {
            if !budget.service.allowed() {
                return Err(Failure::new(
                    Kind::Refused,
                    format!(
                        "SERVICE {service} is not allowed: {}",
                        budget.service.refusal()
                    ),
                )
                .into());
            }
        }
        budget.check("query")?;
        budget.watch_query(&self.token);
        crate::guard::budget::evaluating(&self.token);
        self.federation
            .allowed
            .store(budget.service.allowed(), Ordering::SeqCst);
        if let Ok(mut deadline) = self.federation.deadline.lock() {
            *deadline = budget.timeout.map(|(_, at)| at);
        }
        let expected = match self.form {
            Form::Select => Answers::Solutions,
            Form::Ask => Answers::Boolean,
            Form::Construct | Form::Describe => Answers::Graph,
        };
        let (source, bound) = (self.source, self.bound);
        graph
            .run(self.query, || text(&source, &bound), expected)
            .map_err(|error| match error.downcast::<QueryEvaluationError>() {
                // Oxigraph substitutes a bound value into the query, and so
                // only binds variables the query returns.
                Ok(QueryEvaluationError::NotExistingSubstitutedVariable(variable)) => {
                    Failure::usage(format!(
                        "cannot bind --param {}: the query does not return {variable}; add it to the SELECT clause",
                        variable.as_str()
                    ))
                    .into()
                }
                Ok(error) => error.into(),
                Err(error) => error,
            })
    }
}

/// A parsed query with bound values as text, for a remote engine: the
/// values in a VALUES block at the top of its WHERE clause (`bound.rs`),
/// or after the query when that cannot be done.
fn text(source: &spargebra::Query, bound: &[(Variable, Term)]) -> String {
    if let Some(query) = with_bound_values(source, bound) {
        return query.to_string();
    }
    let mut text = source.to_string();
    if !bound.is_empty() {
        let names: Vec<String> = bound.iter().map(|(v, _)| v.to_string()).collect();
        let values: Vec<String> = bound.iter().map(|(_, t)| t.to_string()).collect();
        text.push_str(&format!(
            "\nVALUES ({}) {{ ({}) }}",
            names.join(" "),
            values.join(" ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::params::untyped_value;
    use super::*;
    use crate::graph::dataset::Dataset;
    use crate::sparql::catalog::{ParamKind, StoredQuery};
    use oxigraph::model::vocab::xsd;
    use oxigraph::model::Literal;

    #[test]
    fn says_when_a_relative_iri_has_no_base() {
        let text = "SELECT * WHERE {\n  <a> <b> ?o\n}";
        let Err(error) = prepare(text, "'q'") else {
            panic!("should not parse without a base");
        };
        let message = error.to_string();
        assert!(
            message.starts_with(
                "malformed query 'q' at line 2, column 3: relative IRI without a base: give --base"
            ),
            "{message}"
        );
        assert!(message.contains("(<a>)"), "{message}");
        assert!(
            message.ends_with(" 2 |   <a> <b> ?o\n   |   ^"),
            "{message}"
        );
        assert!(prepare_with_base(text, "'q'", Some("http://example.org/")).is_ok());
        // Another error keeps its own message.
        let Err(error) = prepare("SELECT * WHERE { <a b> ?p ?o }", "'q'") else {
            panic!("should not parse");
        };
        assert!(!error.to_string().contains("relative"), "{error}");
    }

    #[test]
    fn shows_the_spot_of_a_syntax_error() {
        let text = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = \n}";
        let Err(error) = prepare(text, "'q'") else {
            panic!("should not parse");
        };
        let message = error.to_string();
        // Oxigraph reports the furthest point it read: here the end of input.
        assert!(
            message.starts_with("malformed query 'q' at line 4, column 2:"),
            "{message}"
        );
        assert!(message.ends_with(" 4 | }\n   |  ^"), "{message}");
    }

    #[test]
    fn names_an_unknown_prefix_and_the_declared_ones() {
        let text = "PREFIX ex: <http://example.org/>\nSELECT * { ?s foo:bar-baz ?o }";
        let Err(error) = prepare(text, "'q'") else {
            panic!("should not parse");
        };
        let message = error.to_string();
        assert!(
            message.starts_with(
                "malformed query 'q' at line 2, column 15: unknown prefix 'foo:'; declared: dcterms, foaf, mk,"
            ),
            "{message}"
        );
        assert!(message.ends_with(", xsd, ex"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn every_stored_query_keeps_the_optimizer() {
        for query in crate::sparql::catalog::Catalog::embedded().unwrap().queries {
            let prepared = prepare(&query.sparql, &query.name).unwrap();
            assert!(
                prepared.optimized,
                "{} would run without the optimizer",
                query.name
            );
        }
    }

    #[test]
    fn reads_untyped_values_by_their_syntax() {
        assert_eq!(
            untyped_value("mkd:x"),
            Term::from(NamedNode::new_unchecked(format!("{}x", vocab::MKD)))
        );
        assert_eq!(
            untyped_value("42"),
            Term::from(Literal::new_typed_literal("42", xsd::INTEGER))
        );
        assert_eq!(
            untyped_value("\"a b\""),
            Term::from(Literal::new_simple_literal("a b"))
        );
    }

    /// What a remote engine is sent for a bound query answers as the bound
    /// query does locally: the values join at the top of the WHERE clause,
    /// so a FILTER, a GROUP BY and an ASK see them, and a subquery does not.
    #[test]
    fn bound_values_in_the_sent_text_answer_as_locally() {
        let e = |s: &str| NamedNode::new_unchecked(format!("http://e.org/{s}"));
        let store = Graph::from_dataset(Dataset::from_quads(
            [("a", "p", 1), ("b", "p", 2), ("c", "p", 2), ("a", "q", 3)].map(|(s, p, o)| {
                oxigraph::model::Quad::new(
                    e(s),
                    e(p),
                    Literal::from(o),
                    oxigraph::model::GraphName::DefaultGraph,
                )
            }),
        ));
        let budget = Budget::for_request(
            std::time::Duration::from_secs(10),
            u64::MAX,
            crate::guard::budget::Service::Off,
        );
        let answer = |prepared: Prepared| -> Vec<String> {
            let mut rows: Vec<String> = match prepared.execute(&store, &budget).unwrap() {
                QueryResults::Solutions(solutions) => solutions
                    .map(|s| format!("{:?}", s.unwrap().iter().collect::<Vec<_>>()))
                    .collect(),
                QueryResults::Boolean(b) => vec![b.to_string()],
                QueryResults::Graph(triples) => triples.map(|t| t.unwrap().to_string()).collect(),
            };
            rows.sort();
            rows
        };
        let cases = [
            (
                "SELECT ?s ?v WHERE { ?s ?p ?o FILTER(?o = ?v) }",
                "v",
                Term::from(Literal::from(2)),
            ),
            (
                "SELECT ?s ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ?o",
                "s",
                e("a").into(),
            ),
            (
                "SELECT DISTINCT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?p LIMIT 5",
                "s",
                e("a").into(),
            ),
            (
                "SELECT ?s ?x ?p WHERE { { SELECT ?s WHERE { ?s ?p ?o } } BIND(1 AS ?x) }",
                "p",
                e("q").into(),
            ),
            ("ASK { ?s ?p 3 }", "s", e("b").into()),
            (
                "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                "o",
                Term::from(Literal::from(2)),
            ),
        ];
        for (text, variable, value) in cases {
            let variable = Variable::new_unchecked(variable);
            let local = prepare(text, "'q'")
                .unwrap()
                .bind(variable.clone(), value.clone());
            let sent = local.text();
            assert!(sent.contains("VALUES"), "{sent}");
            let remote = prepare(&sent, "'sent'").unwrap();
            assert_eq!(answer(remote), answer(local), "{text} → {sent}");
        }
    }

    #[test]
    fn each_run_of_a_kept_parse_has_its_own_cancellation() {
        let mut builder = crate::graph::dataset::DatasetBuilder::default();
        let node = NamedNode::new_unchecked("http://example.org/a");
        builder.insert(oxigraph::model::Quad::new(
            node.clone(),
            node.clone(),
            node,
            oxigraph::model::GraphName::DefaultGraph,
        ));
        let store = Graph::from_dataset(builder.build());
        let parsed = parse("ASK { ?s ?p ?o }", "'q'", None).unwrap();
        let first = parsed.prepare();
        let second = parsed.prepare();
        // Cancelling one run (its client left) must not stop the next
        // request that sends the same text.
        first.token.cancel();
        let budget = Budget::for_request(
            std::time::Duration::from_secs(10),
            u64::MAX,
            crate::guard::budget::Service::Off,
        );
        let Ok(QueryResults::Boolean(answer)) = second.execute(&store, &budget) else {
            panic!("the second run should answer");
        };
        assert!(answer);
        // The cancelled one does stop (so the check above means something).
        assert!(first.execute(&store, &budget).is_err());
    }

    #[test]
    fn validates_typed_values() {
        let store = Graph::from_dataset(Dataset::default());
        let slug = typed_value(&store, ParamKind::Iri, "--param p", "julien-lacombe").unwrap();
        assert_eq!(slug.to_string(), format!("<{}julien-lacombe>", vocab::MKD));
        assert!(typed_value(&store, ParamKind::Date, "--param d", "2020-13-01").is_err());
        assert!(typed_value(&store, ParamKind::Date, "--param d", "2020-02-01").is_ok());
        let error = typed_value(&store, ParamKind::Integer, "--param n", "ten").unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad --param n='ten': expected an integer such as 42"
        );
    }

    #[test]
    fn binds_only_declared_parameters() {
        let store = Graph::from_dataset(Dataset::default());
        let pair = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
        let query = StoredQuery::parse(
            "q",
            "q.rq",
            "#+ title: T\n#+ description: D\n#+ param: n integer N\nSELECT * {}",
        )
        .unwrap();
        assert_eq!(
            bindings(&store, Some(&query), &pair("n", "3"), "--param")
                .unwrap()
                .len(),
            1
        );
        let error = bindings(&store, Some(&query), &pair("m", "3"), "--param").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown parameter 'm' for query 'q'; its parameters are: n"
        );
        assert!(split_param("novalue").is_err());
        assert!(bindings(&store, None, &pair("not a name", "1"), "--param").is_err());
    }
}
