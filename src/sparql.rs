//! Running SPARQL: parsing with the predeclared prefixes, binding
//! `--param` values, evaluating with an optional timeout.
//!
//! Parameter values become RDF terms that are substituted for variables
//! after parsing (`substitute_variable`); they are never spliced into the
//! query text, so a value cannot change the query's shape.

use crate::budget::Budget;
use crate::catalog::{ParamKind, StoredQuery};
use crate::entity;
use crate::error::{one_line, Failure};
use crate::federation::Federation;
use crate::graph::Graph;
use crate::limits::{self, Syntax, MAX_QUERY_DEPTH};
use crate::vocab;
use anyhow::{anyhow, Result};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, QueryEvaluationError, QueryResults, SparqlEvaluator,
};
use spargebra::algebra::{
    Expression, Function, GraphPattern, OrderExpression, PropertyPathExpression,
};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use spargebra::SparqlParser;
use std::sync::atomic::Ordering;

/// A parsed query, ready to be bound and run.
pub struct Prepared {
    query: PreparedSparqlQuery,
    /// The parsed query and the values bound to it, kept for a remote
    /// engine, which is sent the query as text.
    source: std::sync::Arc<spargebra::Query>,
    bound: Vec<(Variable, Term)>,
    token: CancellationToken,
    /// The SERVICE endpoints the query calls (`?name` for a variable one).
    services: Vec<String>,
    /// Its service handler, told at run time whether calls are allowed.
    federation: Federation,
    /// Whether Oxigraph's optimizer plans it (off for generated giants;
    /// a traced run follows it); the tests check that no stored query
    /// loses it.
    optimized: bool,
    /// SELECT, ASK, CONSTRUCT or DESCRIBE.
    form: Form,
    /// Whether two runs may answer differently (RAND, NOW, UUID…): the
    /// server does not keep such answers.
    volatile: bool,
}

/// `query` with `bound` joined at the top of its WHERE clause, below any
/// projection, DISTINCT, slice, ORDER BY, grouping, select expression and
/// FILTER of that clause; `None` if nothing is bound or a value is not
/// ground (a blank node, a triple term).
fn with_bound_values(
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

/// A query made by [`Prepared::sibling`].
struct Sibling {
    parsed: Parsed,
    bound: Vec<(Variable, Term)>,
}

impl Sibling {
    fn run(&self) -> Prepared {
        let mut prepared = self.parsed.prepare();
        for (variable, value) in &self.bound {
            prepared = prepared.bind(variable.clone(), value.clone());
        }
        prepared
    }
}

/// A query's answers, each with its family of supports ([`Prepared::trace`]).
pub struct Traced {
    /// The answers' variables (none for an ASK).
    pub variables: Vec<Variable>,
    /// Each answer (an ASK's: one empty row when true) and its family;
    /// an empty family: not traced.
    pub rows: Vec<(Vec<Option<Term>>, crate::why::Family)>,
    /// The graphs the families' bits stand for, in bit order.
    pub graphs: Vec<Term>,
}

/// A trace as results: the answers, their `why` (renamed `why_` and so on
/// when the query has a variable of that name), and their `evidence` when
/// given (one text per answer, in order).
fn traced_results<'a>(traced: Traced, evidence: Option<Vec<String>>) -> QueryResults<'a> {
    use oxigraph::sparql::QuerySolutionIter;
    let name = |base: &str| {
        let mut name = base.to_owned();
        while traced.variables.iter().any(|v| v.as_str() == name) {
            name.push('_');
        }
        Variable::new_unchecked(name)
    };
    let mut variables = traced.variables.clone();
    variables.push(name("why"));
    if evidence.is_some() {
        variables.push(name("evidence"));
    }
    let mut evidence = evidence.map(Vec::into_iter);
    let graphs = traced.graphs;
    let rows: Vec<_> = traced
        .rows
        .into_iter()
        .map(|(mut row, family)| {
            let shown = if family.masks().is_empty() {
                "not traced".to_owned()
            } else {
                crate::why::shown(&family, &graphs)
            };
            row.push(Some(Literal::new_simple_literal(shown).into()));
            if let Some(texts) = &mut evidence {
                let text = texts.next().unwrap_or_default();
                row.push(Some(Literal::new_simple_literal(text).into()));
            }
            Ok(row)
        })
        .collect();
    QueryResults::Solutions(QuerySolutionIter::from_tuples(variables.into(), rows))
}

/// The query forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Select,
    Ask,
    Construct,
    Describe,
}

/// What the error for an update says: the server answers it 403.
pub const UPDATE_REFUSED: &str = "updates are not supported: the graph is read-only";

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
    query: std::sync::Arc<spargebra::Query>,
    services: Vec<String>,
    optimized: bool,
    form: Form,
    volatile: bool,
}

impl Parsed {
    /// A run of this query, with a cancellation token of its own.
    pub fn prepare(&self) -> Prepared {
        let token = CancellationToken::new();
        let federation = Federation::default();
        let mut evaluator = SparqlEvaluator::new();
        if !self.optimized {
            evaluator = evaluator.without_optimizations();
        }
        let query = evaluator
            .with_cancellation_token(token.clone())
            .with_default_service_handler(federation.clone())
            .for_query((*self.query).clone());
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
        return Err(Failure::new(format!(
            "the query {origin} is empty: give a SPARQL query, a .rq file, a stored query name (see `missions-kg queries`), or - for stdin"
        ))
        .into());
    }
    limits::check_nesting(text.as_bytes(), Syntax::Sparql)
        .map_err(|e| Failure::new(format!("cannot run the query {origin}: {e}")))?;
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
            return Err(
                Failure::new(format!("cannot run the query {origin}: {UPDATE_REFUSED}")).into(),
            )
        }
        // The parser only says "IRI parsing failed": if any base makes the
        // query parse, a relative IRI was the cause.
        Err(_) if base.is_none() && parses_with_a_base(&parser, text) => {
            return Err(relative_iri_error(text, origin).into())
        }
        Err(e) => return Err(syntax_error(text, origin, &explain_syntax(&e.to_string())).into()),
    };
    let mut shape = Shape::default();
    shape.query(&query);
    if shape.too_deep {
        return Err(Failure::new(format!(
            "cannot run the query {origin}: its operators nest more than {MAX_QUERY_DEPTH} levels deep \
             (long chains of UNION, +, &&, / or |; the query depth limit)"
        ))
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
    /// Runs the query as [`Prepared::execute`] does, then again rewritten
    /// (`why.rs`) to find why each answer is there: the answers come back
    /// with one more column, `why`, their minimal sets of named graphs
    /// (`article-000 + curation | article-002`). An ASK gives one row when
    /// true. Local graphs only.
    pub fn trace<'a>(self, graph: &'a Graph, budget: &Budget) -> Result<QueryResults<'a>> {
        let traced = self.trace_families(graph, budget)?;
        Ok(traced_results(traced, None))
    }

    /// [`Prepared::trace`], with one more column, `evidence`: the facts
    /// each answer rests on (`lineage.rs`) that its supports' graphs hold,
    /// one line each, with the passages of the articles stating them
    /// (`evidence::fact_lines`; their text when `articles` has it).
    pub fn trace_evidence<'a>(
        self,
        graph: &'a Graph,
        budget: &Budget,
        articles: Option<&crate::evidence::Articles>,
    ) -> Result<QueryResults<'a>> {
        let Some(lineage) = crate::lineage::lineage(&self.source) else {
            return Err(Failure::usage(
                "--evidence lists the facts of a SELECT's or an ASK's answers; for a CONSTRUCT or DESCRIBE, use --why alone",
            )
            .into());
        };
        let runner = self.sibling(lineage.query.clone(), Form::Select);
        let traced = self.trace_families(graph, budget)?;
        let QueryResults::Solutions(solutions) = runner.run().execute(graph, budget)? else {
            return Err(anyhow!("the lineage query gave no solutions"));
        };
        // Each answer's key values → the facts its solutions fill.
        let mut facts: std::collections::HashMap<
            Vec<Option<Term>>,
            std::collections::HashSet<oxigraph::model::Triple>,
        > = std::collections::HashMap::new();
        for solution in solutions {
            let solution = solution?;
            let key: Vec<Option<Term>> = lineage
                .keys
                .iter()
                .map(|v| solution.get(v).cloned())
                .collect();
            facts
                .entry(key)
                .or_default()
                .extend(lineage.facts(|v| solution.get(v).cloned()));
        }
        let positions: Vec<usize> = lineage
            .keys
            .iter()
            .filter_map(|key| traced.variables.iter().position(|v| v == key))
            .collect();
        let mut seen = std::collections::HashMap::new();
        // Rows with the same key and supports (a query without DISTINCT)
        // share one list, computed once.
        let mut lists: std::collections::HashMap<(Vec<Option<Term>>, Vec<u64>), String> =
            std::collections::HashMap::new();
        let mut column = Vec::with_capacity(traced.rows.len());
        for (row, family) in &traced.rows {
            let key: Vec<Option<Term>> = positions.iter().map(|&i| row[i].clone()).collect();
            let cached = (key, family.masks().to_vec());
            if let Some(list) = lists.get(&cached) {
                column.push(list.clone());
                continue;
            }
            // The graphs of any of the answer's supports.
            let within: Vec<Term> = traced
                .graphs
                .iter()
                .enumerate()
                .filter(|(i, _)| family.masks().iter().any(|mask| mask >> i & 1 == 1))
                .map(|(_, g)| g.clone())
                .collect();
            let list = match facts.get(&cached.0) {
                Some(found) if !within.is_empty() => {
                    // In any order: the lines come out sorted.
                    let found: Vec<oxigraph::model::Triple> = found.iter().cloned().collect();
                    crate::evidence::fact_lines(graph, &found, &within, articles, &mut seen)?
                }
                _ => String::new(),
            };
            lists.insert(cached, list.clone());
            column.push(list);
        }
        Ok(traced_results(traced, Some(column)))
    }

    /// A CONSTRUCT or DESCRIBE with `--why`: its triples as quads, one graph
    /// per support ([`support_quads`]).
    pub fn trace_graph(self, graph: &Graph, budget: &Budget) -> Result<Vec<oxigraph::model::Quad>> {
        match self.form {
            Form::Describe => self.trace_describe(graph, budget),
            _ => self.trace_construct(graph, budget),
        }
    }

    /// A CONSTRUCT with `--why`: its triples, each in one graph per support
    /// (a blank node, described in the default graph by `prov:wasDerivedFrom`
    /// each graph of the support, and an `rdfs:label` as `--why` shows it).
    /// The template is filled from the pattern's solutions, traced as a
    /// SELECT of all its variables.
    pub fn trace_construct(
        self,
        graph: &Graph,
        budget: &Budget,
    ) -> Result<Vec<oxigraph::model::Quad>> {
        use oxigraph::model::{BlankNode, NamedOrBlankNode};
        let spargebra::Query::Construct {
            template,
            dataset,
            pattern,
            base_iri,
        } = &*self.source
        else {
            return Err(anyhow!("trace_construct on a query other than CONSTRUCT"));
        };
        let mut variables = Vec::new();
        pattern.on_in_scope_variable(|v| {
            if !variables.contains(v) {
                variables.push(v.clone());
            }
        });
        let select = spargebra::Query::Select {
            dataset: dataset.clone(),
            pattern: GraphPattern::Project {
                inner: Box::new(pattern.clone()),
                variables: variables.clone(),
            },
            base_iri: base_iri.clone(),
        };
        let traced = self
            .sibling(select, Form::Select)
            .run()
            .trace_families(graph, budget)?;
        let mut triples = Vec::new();
        for (row, family) in &traced.rows {
            let values: std::collections::HashMap<&Variable, &Term> = traced
                .variables
                .iter()
                .zip(row)
                .filter_map(|(v, t)| Some((v, t.as_ref()?)))
                .collect();
            // A template's blank nodes are new for each solution.
            let mut blanks: std::collections::HashMap<String, BlankNode> = Default::default();
            let mut fill = |term: &TermPattern| -> Option<Term> {
                Some(match term {
                    TermPattern::NamedNode(n) => n.clone().into(),
                    TermPattern::Literal(l) => l.clone().into(),
                    TermPattern::Variable(v) => (*values.get(v)?).clone(),
                    TermPattern::BlankNode(b) => blanks
                        .entry(b.as_str().to_owned())
                        .or_default()
                        .clone()
                        .into(),
                    #[allow(unreachable_patterns)]
                    _ => return None,
                })
            };
            for triple in template {
                let (Some(subject), Some(object)) = (fill(&triple.subject), fill(&triple.object))
                else {
                    continue;
                };
                let predicate = match &triple.predicate {
                    NamedNodePattern::NamedNode(n) => n.clone(),
                    NamedNodePattern::Variable(v) => match values.get(v) {
                        Some(Term::NamedNode(n)) => n.clone(),
                        _ => continue,
                    },
                };
                let subject = match subject {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n),
                    Term::BlankNode(b) => b.into(),
                    _ => continue,
                };
                triples.push((
                    oxigraph::model::Triple::new(subject, predicate, object),
                    family.clone(),
                ));
            }
        }
        Ok(support_quads(triples, &traced.graphs))
    }

    /// A DESCRIBE with `--why`: as [`Prepared::trace_construct`] gives a
    /// CONSTRUCT's triples. A described node's triples (those it is the
    /// subject of, and so on through blank-node objects, as Oxigraph
    /// describes) need the node's supports and each triple's own graphs.
    pub fn trace_describe(
        self,
        graph: &Graph,
        budget: &Budget,
    ) -> Result<Vec<oxigraph::model::Quad>> {
        use crate::why::Family;
        use oxigraph::model::{GraphNameRef, NamedOrBlankNode, NamedOrBlankNodeRef};
        let spargebra::Query::Describe {
            dataset,
            pattern,
            base_iri,
        } = &*self.source
        else {
            return Err(anyhow!("trace_describe on a query other than DESCRIBE"));
        };
        let select = spargebra::Query::Select {
            dataset: dataset.clone(),
            pattern: pattern.clone(),
            base_iri: base_iri.clone(),
        };
        let traced = self
            .sibling(select, Form::Select)
            .run()
            .trace_families(graph, budget)?;
        let bit = |name: &Term| traced.graphs.iter().position(|g| g == name);
        let default_bit = bit(&crate::why::default_graph());
        // Each node to describe, with the supports of its being described.
        let mut nodes: Vec<(NamedOrBlankNode, Family)> = Vec::new();
        for (row, family) in &traced.rows {
            for term in row.iter().flatten() {
                let node = match term {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n.clone()),
                    Term::BlankNode(b) => b.clone().into(),
                    _ => continue,
                };
                match nodes.iter_mut().find(|(n, _)| *n == node) {
                    Some((_, known)) => *known = known.or(family),
                    None => nodes.push((node, family.clone())),
                }
            }
        }
        let mut triples = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some((node, family)) = nodes.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            let node_ref: NamedOrBlankNodeRef<'_> = node.as_ref();
            for quad in graph.quads(Some(node_ref), None, None, Some(GraphNameRef::DefaultGraph)) {
                let quad = quad?;
                // The graphs stating it, as alternatives.
                let mut stated = Family::default();
                for named in graph.quads(
                    Some(node_ref),
                    Some(quad.predicate.as_ref()),
                    Some(quad.object.as_ref()),
                    None,
                ) {
                    let named = named?;
                    let name: Option<Term> = match named.graph_name {
                        oxigraph::model::GraphName::NamedNode(n) => Some(n.into()),
                        oxigraph::model::GraphName::BlankNode(b) => Some(b.into()),
                        oxigraph::model::GraphName::DefaultGraph => None,
                    };
                    if let Some(i) = name.as_ref().and_then(&bit) {
                        stated = stated.or(&Family::of([1 << i]));
                    }
                }
                if stated.masks().is_empty() {
                    if let Some(i) = default_bit {
                        stated = Family::of([1 << i]);
                    }
                }
                let support = family.and(&stated);
                if let Term::BlankNode(b) = &quad.object {
                    nodes.push((b.clone().into(), support.clone()));
                }
                triples.push((
                    oxigraph::model::Triple::new(quad.subject, quad.predicate, quad.object),
                    support,
                ));
            }
        }
        Ok(support_quads(triples, &traced.graphs))
    }
}

/// Triples with their families as quads: each triple in one graph per
/// support, a blank node named by the support's bits (the same output each
/// run), described in the default graph by `rdfs:label` (as `--why` shows
/// it) and `prov:wasDerivedFrom` each graph of it.
fn support_quads(
    triples: Vec<(oxigraph::model::Triple, crate::why::Family)>,
    graphs: &[Term],
) -> Vec<oxigraph::model::Quad> {
    use crate::why;
    use oxigraph::model::{BlankNode, GraphName, Quad};
    let mut supports: std::collections::BTreeMap<u64, BlankNode> = Default::default();
    let mut quads = Vec::new();
    // The support graphs' labels must not meet the data's blank nodes.
    let mut prefix = "support-".to_owned();
    let labels: Vec<&str> = triples
        .iter()
        .flat_map(|(t, _)| {
            let subject = match &t.subject {
                oxigraph::model::NamedOrBlankNode::BlankNode(b) => Some(b.as_str()),
                _ => None,
            };
            let object = match &t.object {
                Term::BlankNode(b) => Some(b.as_str()),
                _ => None,
            };
            subject.into_iter().chain(object)
        })
        .collect();
    while labels.iter().any(|l| l.starts_with(&prefix)) {
        prefix.insert(0, 'x');
    }
    for (triple, family) in &triples {
        for &mask in family.masks() {
            let name = supports
                .entry(mask)
                .or_insert_with(|| BlankNode::new_unchecked(format!("{prefix}{mask:x}")))
                .clone();
            quads.push(Quad::new(
                triple.subject.clone(),
                triple.predicate.clone(),
                triple.object.clone(),
                GraphName::from(name),
            ));
        }
    }
    {
        let derived = NamedNode::new_unchecked("http://www.w3.org/ns/prov#wasDerivedFrom");
        let label = NamedNode::new_unchecked("http://www.w3.org/2000/01/rdf-schema#label");
        for (mask, name) in supports {
            let shown = why::shown(&why::Family::of([mask]), graphs);
            quads.push(Quad::new(
                name.clone(),
                label.clone(),
                Literal::new_simple_literal(shown),
                GraphName::DefaultGraph,
            ));
            for (bit, source) in graphs.iter().enumerate() {
                if mask >> bit & 1 == 1 {
                    quads.push(Quad::new(
                        name.clone(),
                        derived.clone(),
                        source.clone(),
                        GraphName::DefaultGraph,
                    ));
                }
            }
        }
    }
    // `format::write_quads` sorts them and drops repeats.
    quads
}

impl Prepared {
    /// Another query with this one's settings and bound values, to be run
    /// (each run with a cancellation token of its own): the SELECT a
    /// CONSTRUCT or DESCRIBE is traced as, or this query again on a part of
    /// the dataset.
    fn sibling(&self, query: spargebra::Query, form: Form) -> Sibling {
        Sibling {
            parsed: Parsed {
                query: std::sync::Arc::new(query),
                services: self.services.clone(),
                optimized: self.optimized,
                form,
                volatile: self.volatile,
            },
            bound: self.bound.clone(),
        }
    }

    /// What [`Prepared::trace`] shows: each answer with its family.
    pub fn trace_families(self, graph: &Graph, budget: &Budget) -> Result<Traced> {
        use crate::why;
        if graph.client().is_some() {
            return Err(Failure::usage(
                "--why traces the local graph: an endpoint's answers cannot be traced (drop --endpoint)",
            )
            .into());
        }
        let untraceable = |why::Untraceable(message)| Failure::usage(message);
        let (pattern, base_iri, projected) = match &*self.source {
            spargebra::Query::Select {
                dataset: None,
                pattern,
                base_iri,
            } => {
                let variables = match why::top(pattern) {
                    GraphPattern::Project { variables, .. } => variables.clone(),
                    _ => Vec::new(),
                };
                (pattern, base_iri, Some(variables))
            }
            spargebra::Query::Ask {
                dataset: None,
                pattern,
                base_iri,
            } => (pattern, base_iri, None),
            spargebra::Query::Select { .. } | spargebra::Query::Ask { .. } => {
                return Err(untraceable(why::Untraceable(
                    "--why cannot trace a query with FROM or FROM NAMED",
                ))
                .into())
            }
            _ => {
                return Err(anyhow!(
                    "a CONSTRUCT or DESCRIBE is traced by trace_construct or trace_describe"
                ))
            }
        };
        let mut graphs: Vec<Term> = graph
            .named_graphs()?
            .into_iter()
            .map(|g| match g {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => Term::from(n),
                oxigraph::model::NamedOrBlankNode::BlankNode(b) => Term::from(b),
            })
            .collect();
        if graphs.len() > why::MAX_GRAPHS {
            return Err(Failure::new(format!(
                "--why tells at most {} named graphs apart; this dataset has {}",
                why::MAX_GRAPHS,
                graphs.len()
            ))
            .into());
        }
        let inner = match (why::top(pattern), &projected) {
            (GraphPattern::Project { inner, .. }, Some(_)) => inner.as_ref(),
            (top, _) => top,
        };
        let bound: Vec<Variable> = self.bound.iter().map(|(v, _)| v.clone()).collect();
        let keep = projected.clone().unwrap_or_else(|| bound.clone());
        // The default graph holds the named graphs' triples (the merged
        // view); any of its own (a plain Turtle file's) count as one more.
        let own = prepare(
            "ASK { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }",
            "why",
        )?
        .execute(graph, budget)?;
        let with_default = matches!(own, QueryResults::Boolean(true));
        if with_default {
            graphs.push(why::default_graph());
        }
        let rewritten = why::rewrite(inner, &keep, with_default).map_err(untraceable)?;
        let functions = why::Functions::new(&graphs);
        let mut evaluator = functions
            .register(SparqlEvaluator::new())
            .with_cancellation_token(self.token.clone());
        if !self.optimized {
            evaluator = evaluator.without_optimizations();
        }
        let mut traced = evaluator.for_query(spargebra::Query::Select {
            dataset: None,
            pattern: rewritten.pattern,
            base_iri: base_iri.clone(),
        });
        for (variable, value) in &self.bound {
            traced = traced.substitute_variable(variable.clone(), value.clone());
        }
        // Kept to run the query again on parts of the dataset, without its
        // top LIMIT/OFFSET: those pick which answers are shown, and on a part
        // of the dataset they would pick others.
        let unsliced = why::without_top_slice(&self.source);
        let checked = why::needs_check(&unsliced);
        let again = self.sibling(unsliced, self.form);
        let answers = self.execute(graph, budget)?;
        let QueryResults::Solutions(supports) = graph.evaluate(traced)? else {
            return Err(anyhow!("the traced query gave no solutions"));
        };
        let mut families: std::collections::HashMap<Vec<Option<Term>>, why::Family> =
            std::collections::HashMap::new();
        for solution in supports {
            let solution = solution?;
            let key: Vec<Option<Term>> = keep.iter().map(|v| solution.get(v).cloned()).collect();
            let family = solution
                .get(&rewritten.why)
                .and_then(why::Family::from_term)
                .unwrap_or_default();
            let entry = families.entry(key).or_default();
            *entry = entry.or(&family);
        }
        let rows = match answers {
            QueryResults::Solutions(solutions) => {
                let mut rows = Vec::new();
                for solution in solutions {
                    let solution = solution?;
                    let row: Vec<Option<Term>> =
                        keep.iter().map(|v| solution.get(v).cloned()).collect();
                    let family = families.get(&row).cloned().unwrap_or_default();
                    rows.push((row, family));
                }
                rows
            }
            QueryResults::Boolean(true) => {
                let family = families
                    .values()
                    .fold(why::Family::default(), |all, f| all.or(f));
                vec![(Vec::new(), family)]
            }
            QueryResults::Boolean(false) => Vec::new(),
            QueryResults::Graph(_) => return Err(anyhow!("a graph answer to a traced query")),
        };
        let rows = if checked {
            let run = |part: &Graph| -> Result<Vec<Vec<Option<Term>>>> {
                Ok(match again.run().execute(part, budget)? {
                    QueryResults::Solutions(solutions) => solutions
                        .map(|s| s.map(|s| keep.iter().map(|v| s.get(v).cloned()).collect()))
                        .collect::<Result<_, _>>()?,
                    QueryResults::Boolean(true) => vec![Vec::new()],
                    _ => Vec::new(),
                })
            };
            why::keep_sufficient(rows, &graphs, graph, run)?
        } else {
            rows
        };
        Ok(Traced {
            variables: if projected.is_some() {
                keep
            } else {
                Vec::new()
            },
            rows,
            graphs,
        })
    }

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
        if let Some(query) = with_bound_values(&self.source, &self.bound) {
            return query.to_string();
        }
        let mut text = self.source.to_string();
        if !self.bound.is_empty() {
            let names: Vec<String> = self.bound.iter().map(|(v, _)| v.to_string()).collect();
            let values: Vec<String> = self.bound.iter().map(|(_, t)| t.to_string()).collect();
            text.push_str(&format!(
                "\nVALUES ({}) {{ ({}) }}",
                names.join(" "),
                values.join(" ")
            ));
        }
        text
    }

    /// Evaluates on `store` within `budget`: a watchdog cancels the
    /// evaluation (also while results are being read) when the time runs
    /// out or the process passes its memory ceiling. SERVICE is refused
    /// unless the budget allows it.
    pub fn execute<'a>(self, graph: &'a Graph, budget: &Budget) -> Result<QueryResults<'a>> {
        if let Some(service) = self.services.first() {
            if !budget.allow_service {
                return Err(Failure::new(format!(
                    "SERVICE {service} is not allowed: federation is off, so a query cannot call \
                     other endpoints (allow it with --allow-service)"
                ))
                .into());
            }
        }
        budget.check("query")?;
        // A remote engine evaluates the text itself, under the client's
        // own timeout.
        if let Some(client) = graph.client() {
            let results = client.query(&self.text(), self.returns_graph())?;
            // A server may answer with the wrong kind of result; said here
            // rather than taken for "no data".
            let fits = matches!(
                (self.form, &results),
                (Form::Select, QueryResults::Solutions(_))
                    | (Form::Ask, QueryResults::Boolean(_))
                    | (Form::Construct | Form::Describe, QueryResults::Graph(_))
            );
            if !fits {
                return Err(Failure::new(format!(
                    "endpoint {}: answered a {:?} query with the wrong kind of result",
                    client.shown_url(),
                    self.form
                ))
                .into());
            }
            return Ok(results);
        }
        budget.watch_query(&self.token);
        crate::budget::evaluating(&self.token);
        self.federation
            .allowed
            .store(budget.allow_service, Ordering::SeqCst);
        if let Ok(mut deadline) = self.federation.deadline.lock() {
            *deadline = budget.timeout.map(|(_, at)| at);
        }
        graph
            .evaluate(self.query)
            .map_err(|error| match error {
                // Oxigraph substitutes a bound value into the query, and so
                // only binds variables the query returns.
                QueryEvaluationError::NotExistingSubstitutedVariable(variable) => Failure::usage(
                    format!(
                        "cannot bind --param {}: the query does not return {variable}; add it to the SELECT clause",
                        variable.as_str()
                    ),
                )
                .into(),
                error => error.into(),
            })
    }
}

/// What [`prepare`] learns from walking a parsed query: whether it nests
/// too deep and which SERVICEs it calls. The walk stops descending past
/// the limit, so it stays shallow itself.
#[derive(Default)]
struct Shape {
    depth: usize,
    max_depth: usize,
    too_deep: bool,
    services: Vec<String>,
    /// Whether it calls a function whose value changes between runs
    /// (RAND, NOW, UUID, STRUUID, BNODE).
    volatile: bool,
}

impl Shape {
    fn query(&mut self, query: &spargebra::Query) {
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
    fn deeper(&mut self, walk: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_QUERY_DEPTH {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        walk(self);
        self.depth -= 1;
    }

    fn pattern(&mut self, pattern: &GraphPattern) {
        self.deeper(|shape| match pattern {
            // The evaluator joins a basic graph pattern's triples one by
            // one, a level of its recursion each: a sequence path of 40,000
            // steps (`p/p/…`) becomes 40,000 triples here.
            GraphPattern::Bgp { patterns } => {
                if shape.depth + patterns.len() > MAX_QUERY_DEPTH {
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

    fn triple(&mut self, triple: &TriplePattern) {
        self.term(&triple.subject);
        self.term(&triple.object);
    }

    fn term(&mut self, term: &TermPattern) {
        if let TermPattern::Triple(triple) = term {
            self.deeper(|shape| shape.triple(triple));
        }
    }

    fn path(&mut self, path: &PropertyPathExpression) {
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

    fn expression(&mut self, expression: &Expression) {
        self.deeper(|shape| match expression {
            Expression::Or(a, b)
            | Expression::And(a, b)
            | Expression::Equal(a, b)
            | Expression::SameTerm(a, b)
            | Expression::Greater(a, b)
            | Expression::GreaterOrEqual(a, b)
            | Expression::Less(a, b)
            | Expression::LessOrEqual(a, b)
            | Expression::Add(a, b)
            | Expression::Subtract(a, b)
            | Expression::Multiply(a, b)
            | Expression::Divide(a, b) => {
                shape.expression(a);
                shape.expression(b);
            }
            Expression::In(a, list) => {
                shape.expression(a);
                list.iter().for_each(|e| shape.expression(e));
            }
            Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
                shape.expression(a);
            }
            Expression::Exists(pattern) => shape.pattern(pattern),
            Expression::If(a, b, c) => {
                shape.expression(a);
                shape.expression(b);
                shape.expression(c);
            }
            Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
                if let Expression::FunctionCall(function, _) = expression {
                    shape.volatile |= matches!(
                        function,
                        Function::Rand
                            | Function::Now
                            | Function::Uuid
                            | Function::StrUuid
                            | Function::BNode
                    );
                }
                list.iter().for_each(|e| shape.expression(e));
            }
            Expression::NamedNode(_)
            | Expression::Literal(_)
            | Expression::Variable(_)
            | Expression::Bound(_) => {}
        });
    }
}

/// Splits a `--param NAME=VALUE` argument.
pub fn split_param(param: &str) -> Result<(String, String), Failure> {
    match param.split_once('=') {
        Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
        None => Err(Failure::usage(format!(
            "bad --param '{param}': expected NAME=VALUE"
        ))),
    }
}

/// Turns parameter values, by name, into variable bindings. With a stored
/// query the header gives each parameter's type; for ad-hoc queries the
/// value's own syntax decides (`<IRI>`, `prefix:x`, number, string).
/// `given` says how the user gave them, for messages: `--param` on the
/// command line, `parameter` over HTTP.
pub fn bindings(
    graph: &Graph,
    query: Option<&StoredQuery>,
    params: &[(String, String)],
    given: &str,
) -> Result<Vec<(Variable, Term)>> {
    let mut bindings = Vec::new();
    for (name, value) in params {
        let name = name.trim().trim_start_matches(['?', '$']);
        let variable = Variable::new(name).map_err(|_| {
            Failure::usage(format!(
                "bad {given} '{}': not a variable name",
                one_line(name, 100)
            ))
        })?;
        let term = match query {
            Some(query) => {
                let Some(declared) = query.param(name) else {
                    return Err(unknown_param(query, name).into());
                };
                typed_value(graph, declared.kind, &format!("{given} {name}"), value)?
            }
            None => untyped_value(value),
        };
        bindings.push((variable, term));
    }
    Ok(bindings)
}

fn unknown_param(query: &StoredQuery, name: &str) -> Failure {
    let names: Vec<&str> = query.params.iter().map(|p| p.name.as_str()).collect();
    Failure::usage(if names.is_empty() {
        format!(
            "unknown parameter '{name}': query '{}' takes no parameters",
            query.name
        )
    } else {
        format!(
            "unknown parameter '{name}' for query '{}'; its parameters are: {}",
            query.name,
            names.join(", ")
        )
    })
}

/// Reads a value according to the declared parameter type; `name` is the
/// parameter as the user gave it (`--param person`).
pub fn typed_value(graph: &Graph, kind: ParamKind, name: &str, value: &str) -> Result<Term> {
    let bad = |expected: &str| Failure::usage(format!("bad {name}='{value}': expected {expected}"));
    Ok(match kind {
        ParamKind::Iri => {
            let iri =
                vocab::iri_from_text(value).unwrap_or_else(|| format!("{}{value}", vocab::MKD));
            NamedNode::new(iri)
                .map_err(|_| bad("an IRI: <http://…>, a prefixed name such as mkd:x, or a slug"))?
                .into()
        }
        ParamKind::Entity => entity::resolve(graph, value)
            // The value is well formed but names nothing in the data: exit 1.
            .map_err(|e| {
                // A malformed value is a usage error, one the data lacks is not.
                let code = e
                    .downcast_ref::<Failure>()
                    .map_or(crate::error::FAILURE, |f| f.code);
                Failure {
                    code,
                    message: format!("bad {name}='{value}': {e}"),
                    block: false,
                }
            })?
            .into(),
        ParamKind::String => Literal::new_simple_literal(value).into(),
        ParamKind::Integer => {
            if !is_integer(value) {
                return Err(bad("an integer such as 42").into());
            }
            Literal::new_typed_literal(value, xsd::INTEGER).into()
        }
        ParamKind::Date => {
            if !is_date(value) {
                return Err(bad("a date as YYYY-MM-DD").into());
            }
            Literal::new_typed_literal(value, xsd::DATE).into()
        }
    })
}

fn untyped_value(value: &str) -> Term {
    if let Some(iri) = vocab::iri_from_text(value) {
        if let Ok(node) = NamedNode::new(iri) {
            return node.into();
        }
    }
    if is_integer(value) {
        return Literal::new_typed_literal(value, xsd::INTEGER).into();
    }
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Literal::new_simple_literal(unquoted).into()
}

fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok())?
    };
    matches!(
        (number(year, 4), number(month, 2), number(day, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

fn is_update(parser: &SparqlParser, text: &str) -> bool {
    parser
        .clone()
        .with_base_iri("http://update.invalid/")
        .is_ok_and(|parser| parser.parse_update(text).is_ok())
}

fn parses_with_a_base(parser: &SparqlParser, text: &str) -> bool {
    parser
        .clone()
        .with_base_iri("http://base.invalid/")
        .is_ok_and(|parser| parser.parse_query(text).is_ok())
}

/// Says that a query failed on a relative IRI. The parser's own position
/// is where it gave up, often further on, so the caret goes under the first
/// `<…>` that is not an absolute IRI instead.
fn relative_iri_error(text: &str, origin: &str) -> Failure {
    let hint = crate::iri::NO_BASE_HINT;
    for (number, line) in text.lines().enumerate() {
        for (start, _) in line.match_indices('<') {
            let rest = &line[start + 1..];
            let Some(end) = rest.find(|c: char| c == '>' || c == '<' || c.is_whitespace()) else {
                continue;
            };
            let iri = &rest[..end];
            if rest[end..].starts_with('>') && NamedNode::new(iri).is_err() {
                let column = line[..start].chars().count() + 1;
                let message = format!("error at {}:{column}: {hint} (<{iri}>)", number + 1);
                return syntax_error(text, origin, &message);
            }
        }
    }
    Failure::new(format!("malformed query {origin}: {hint}"))
}

/// Rewords the parser's messages that do not say what is wrong.
fn explain_syntax(message: &str) -> String {
    let (Some((position, _)), largest) = (message.split_once(": "), usize::MAX) else {
        return message.to_owned();
    };
    for clause in ["limit", "offset"] {
        if message.contains(&format!(
            "The query {clause} should be a non negative integer"
        )) {
            return format!(
                "{position}: the {} is not a whole number from 0 to {largest}",
                clause.to_ascii_uppercase()
            );
        }
    }
    message.to_owned()
}

/// How many characters of the offending line a syntax error shows.
const SOURCE_WINDOW: usize = 100;

/// Builds the message for a SPARQL syntax error. Oxigraph reports
/// `error at LINE:COLUMN: expected …`; we add the line and a caret.
fn syntax_error(text: &str, origin: &str, message: &str) -> Failure {
    let location = message
        .strip_prefix("error at ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(position, expected)| {
            let (line, column) = position.split_once(':')?;
            Some((
                line.parse::<usize>().ok()?,
                column.parse::<usize>().ok()?,
                expected,
            ))
        });
    let Some((line, column, expected)) = location else {
        return Failure::new(format!(
            "malformed query {origin}: {}",
            one_line(message, 300)
        ));
    };
    // Oxigraph lists the character classes a name may start with; they say
    // nothing a reader needs, so the list stops at the first one.
    let flat = one_line(expected, 2000);
    let items: Vec<&str> = flat.split(", ").collect();
    let kept: Vec<&str> = items
        .iter()
        .copied()
        .filter(|item| !item.starts_with('['))
        .collect();
    // A long list is a sample of the grammar's keywords, not a hint.
    let expected = match (kept.len() == items.len(), kept.is_empty()) {
        _ if kept.len() > 8 => "unexpected text (see the spot below)".to_owned(),
        (true, _) => one_line(&flat, 300),
        (false, true) => "expected a name".to_owned(),
        (false, false) => format!("{}, or a name", kept.join(", ")),
    };
    let full = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    // A long line is shown as a window around the spot: a query can be
    // megabytes on one line.
    let chars: Vec<char> = full.chars().collect();
    let spot = column.saturating_sub(1).min(chars.len());
    let from = spot.saturating_sub(SOURCE_WINDOW / 2);
    let to = (from + SOURCE_WINDOW).min(chars.len());
    let mut source: String = if from > 0 {
        "…".into()
    } else {
        String::new()
    };
    source.extend(chars[from..to].iter().map(|&c| {
        if c.is_control() && c != '\t' {
            '�'
        } else {
            c
        }
    }));
    if to < chars.len() {
        source.push('…');
    }
    // Keep tabs so the caret lines up under the spot however tabs render.
    let pad: String = (from > 0)
        .then_some(' ')
        .into_iter()
        .chain(
            chars[from..spot]
                .iter()
                .map(|&c| if c == '\t' { '\t' } else { ' ' }),
        )
        .collect();
    let gutter = line.to_string();
    let blank = " ".repeat(gutter.len());
    Failure::new(format!(
        "malformed query {origin} at line {line}, column {column}: {expected}\n \
         {gutter} | {source}\n {blank} | {pad}^"
    ))
    .block()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Dataset;

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
    fn every_stored_query_keeps_the_optimizer() {
        for query in crate::catalog::Catalog::embedded().unwrap().queries {
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
        let budget = Budget::for_request(std::time::Duration::from_secs(10), u64::MAX, false);
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
        let mut builder = crate::dataset::DatasetBuilder::default();
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
        let budget = Budget::for_request(std::time::Duration::from_secs(10), u64::MAX, false);
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
