//! `query --why` and `--evidence` on a prepared query: runs the rewritten
//! query (`why.rs`), re-checks supports on parts of the dataset, lists the
//! facts each answer rests on (`lineage.rs`) and their passages
//! (`evidence.rs`), and shapes it all as results or a dataset. Called by
//! `query` and the server's query page, through the `trace*` methods.

use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::sparql::{prepare, Form, Parsed, Prepared};
use crate::vocab;
use anyhow::{anyhow, Result};
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern};

/// A query's answers, and for each, in the same order, the facts it rests
/// on with their passages ([`Prepared::trace_stated`],
/// [`Prepared::answers_stated`]).
pub type Stated<'a> = (
    QueryResults<'a>,
    Vec<std::sync::Arc<Vec<crate::provenance::evidence::StatedFact>>>,
);

/// A query made by [`Prepared::sibling`].
pub(crate) struct Sibling {
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
    pub rows: Vec<(Vec<Option<Term>>, crate::provenance::why::Family)>,
    /// The graphs the families' bits stand for, in bit order.
    pub graphs: Vec<Term>,
}

/// A trace as results: the answers, their `why` (renamed `why_` and so on
/// when the query has a variable of that name), and their `evidence` when
/// given (one text per answer, in order).
pub(crate) fn traced_results<'a>(
    traced: Traced,
    evidence: Option<Vec<String>>,
) -> QueryResults<'a> {
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
                crate::provenance::why::shown(&family, &graphs)
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

/// The values of `keep` in a solution whose columns are `variables`, by
/// position: a lookup by name is linear in the columns, which made a query
/// of thousands of OPTIONALs quadratic in them for every solution.
fn picker(
    variables: &[Variable],
    keep: &[Variable],
) -> impl Fn(&oxigraph::sparql::QuerySolution) -> Vec<Option<Term>> {
    let positions: Vec<Option<usize>> = keep
        .iter()
        .map(|v| variables.iter().position(|x| x == v))
        .collect();
    move |solution| {
        positions
            .iter()
            .map(|at| at.and_then(|i| solution.values().get(i).cloned().flatten()))
            .collect()
    }
}

/// Each answer's key values (`lineage.keys`) → the facts its solutions
/// fill, from the lineage query `runner`.
fn lineage_facts(
    lineage: &crate::provenance::lineage::Lineage,
    runner: &Sibling,
    graph: &Graph,
    budget: &Budget,
) -> Result<
    std::collections::HashMap<
        Vec<Option<Term>>,
        std::collections::HashSet<oxigraph::model::Triple>,
    >,
> {
    let QueryResults::Solutions(solutions) = runner.run().execute(graph, budget)? else {
        return Err(anyhow!("the lineage query gave no solutions"));
    };
    let mut facts: std::collections::HashMap<_, std::collections::HashSet<_>> =
        std::collections::HashMap::new();
    for solution in solutions {
        let solution = solution?;
        budget.check("listing the facts of the answers")?;
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
    Ok(facts)
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
        articles: Option<&crate::provenance::evidence::Articles>,
    ) -> Result<QueryResults<'a>> {
        let (traced, facts) = self.trace_facts(graph, budget, articles)?;
        let column = facts
            .iter()
            .map(|facts| crate::provenance::evidence::fact_lines(facts))
            .collect();
        Ok(traced_results(traced, Some(column)))
    }

    /// [`Prepared::trace`]'s answers (with their `why` column), and for
    /// each, in the same order, the facts it rests on with their passages:
    /// what [`Prepared::trace_evidence`] writes as lines, for a caller that
    /// shows them as data (`missions-kg mcp`).
    pub fn trace_stated<'a>(
        self,
        graph: &'a Graph,
        budget: &Budget,
        articles: Option<&crate::provenance::evidence::Articles>,
    ) -> Result<Stated<'a>> {
        let (traced, facts) = self.trace_facts(graph, budget, articles)?;
        Ok((traced_results(traced, None), facts))
    }

    /// The traced answers, and for each the facts it rests on.
    #[allow(clippy::type_complexity)]
    fn trace_facts(
        self,
        graph: &Graph,
        budget: &Budget,
        articles: Option<&crate::provenance::evidence::Articles>,
    ) -> Result<(
        Traced,
        Vec<std::sync::Arc<Vec<crate::provenance::evidence::StatedFact>>>,
    )> {
        use crate::provenance::evidence::StatedFact;
        use std::sync::Arc;
        let Some(lineage) = crate::provenance::lineage::lineage(&self.source) else {
            return Err(Failure::usage(
                "--evidence lists the facts of a SELECT's or an ASK's answers; for a CONSTRUCT or DESCRIBE, use --why alone",
            )
            .into());
        };
        let runner = self.sibling(lineage.query.clone(), Form::Select);
        let traced = self.trace_families(graph, budget)?;
        let facts = lineage_facts(&lineage, &runner, graph, budget)?;
        let positions: Vec<usize> = lineage
            .keys
            .iter()
            .filter_map(|key| traced.variables.iter().position(|v| v == key))
            .collect();
        let mut seen = std::collections::HashMap::new();
        // Rows with the same key and supports (a query without DISTINCT)
        // share one list, computed once.
        let mut lists: std::collections::HashMap<
            (Vec<Option<Term>>, Vec<u64>),
            Arc<Vec<StatedFact>>,
        > = std::collections::HashMap::new();
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
                    // In any order: the facts come out sorted.
                    let found: Vec<oxigraph::model::Triple> = found.iter().cloned().collect();
                    crate::provenance::evidence::stated_facts(
                        graph,
                        &found,
                        Some(&within),
                        articles,
                        &mut seen,
                    )?
                }
                _ => Vec::new(),
            };
            let list = Arc::new(list);
            lists.insert(cached, list.clone());
            column.push(list);
        }
        Ok((traced, column))
    }

    /// The query's answers as [`Prepared::execute`] gives them (an ASK: one
    /// row, without columns, when true), and for each, in the same order,
    /// the facts it rests on (`lineage.rs`) with every graph stating each
    /// and their passages: [`Prepared::trace_stated`] without the supports,
    /// whose rewritten query costs by far the most (20 times the query, for
    /// `disagreements`). For a stored query's tool (`missions-kg mcp`).
    /// Local graphs; a SELECT or an ASK.
    pub fn answers_stated<'a>(
        self,
        graph: &'a Graph,
        budget: &Budget,
        articles: Option<&crate::provenance::evidence::Articles>,
    ) -> Result<Stated<'a>> {
        use oxigraph::sparql::QuerySolutionIter;
        use std::sync::Arc;
        let (Some(lineage), false) = (
            crate::provenance::lineage::lineage(&self.source),
            graph.is_remote(),
        ) else {
            return Err(Failure::usage(
                "the facts of answers are listed for a SELECT's or an ASK's, on a local graph",
            )
            .into());
        };
        let runner = self.sibling(lineage.query.clone(), Form::Select);
        let (variables, rows): (Vec<Variable>, Vec<Vec<Option<Term>>>) =
            match self.execute(graph, budget)? {
                QueryResults::Solutions(solutions) => {
                    let variables = solutions.variables().to_vec();
                    let mut rows = Vec::new();
                    for solution in solutions {
                        rows.push(solution?.values().to_vec());
                    }
                    (variables, rows)
                }
                QueryResults::Boolean(true) => (Vec::new(), vec![Vec::new()]),
                _ => (Vec::new(), Vec::new()),
            };
        let facts = lineage_facts(&lineage, &runner, graph, budget)?;
        let positions: Vec<usize> = lineage
            .keys
            .iter()
            .filter_map(|key| variables.iter().position(|v| v == key))
            .collect();
        let mut seen = std::collections::HashMap::new();
        let mut lists = std::collections::HashMap::new();
        let mut column = Vec::with_capacity(rows.len());
        for row in &rows {
            let key: Vec<Option<Term>> = positions.iter().map(|&i| row[i].clone()).collect();
            if let Some(list) = lists.get(&key) {
                column.push(Arc::clone(list));
                continue;
            }
            budget.check("listing the facts of the answers")?;
            let found: Vec<oxigraph::model::Triple> = facts
                .get(&key)
                .map(|found| found.iter().cloned().collect())
                .unwrap_or_default();
            // Each fact with every graph stating it.
            let list = Arc::new(crate::provenance::evidence::stated_facts(
                graph, &found, None, articles, &mut seen,
            )?);
            lists.insert(key, Arc::clone(&list));
            column.push(list);
        }
        let rows = rows.into_iter().map(Ok).collect::<Vec<_>>();
        Ok((
            QueryResults::Solutions(QuerySolutionIter::from_tuples(variables.into(), rows)),
            column,
        ))
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
        use crate::provenance::why::Family;
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
        let default_bit = bit(&crate::provenance::why::default_graph());
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
pub(crate) fn support_quads(
    triples: Vec<(oxigraph::model::Triple, crate::provenance::why::Family)>,
    graphs: &[Term],
) -> Vec<oxigraph::model::Quad> {
    use crate::provenance::why;
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
        let derived = NamedNode::new_unchecked(vocab::PROV_WAS_DERIVED_FROM);
        let label = NamedNode::new_unchecked(vocab::RDFS_LABEL);
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
        use crate::provenance::why;
        if graph.is_remote() {
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
            return Err(Failure::new(
                Kind::TooLarge,
                format!(
                    "--why tells at most {} named graphs apart; this dataset has {}",
                    why::MAX_GRAPHS,
                    graphs.len()
                ),
            )
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
            .register(crate::sparql::order::register(SparqlEvaluator::new()))
            .with_cancellation_token(self.token.clone());
        if !self.optimized {
            evaluator = evaluator.without_optimizations();
        }
        let mut traced =
            evaluator.for_query(crate::sparql::order::total(spargebra::Query::Select {
                dataset: None,
                pattern: rewritten.pattern,
                base_iri: base_iri.clone(),
            }));
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
        let pick = picker(supports.variables(), &keep);
        for solution in supports {
            let solution = solution?;
            // The rewritten query's evaluator stops at the timeout; this
            // loop, run as it hands over each solution, stops here.
            budget.check("why")?;
            let key = pick(&solution);
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
                let pick = picker(solutions.variables(), &keep);
                for solution in solutions {
                    let solution = solution?;
                    budget.check("why")?;
                    let row = pick(&solution);
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
                    QueryResults::Solutions(solutions) => {
                        let pick = picker(solutions.variables(), &keep);
                        solutions
                            .map(|s| s.map(|s| pick(&s)))
                            .collect::<Result<_, _>>()?
                    }
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
}
