//! How `tests/w3c.rs` compares results as a W3C harness does: solutions
//! as a multiset modulo blank node renaming (in order when asked), graphs
//! by isomorphism, read from the suites' files (SPARQL results in JSON,
//! XML, CSV, TSV, or a graph in the DAWG result-set vocabulary) and from
//! the binary's output.

use super::{rs, subject_of_ref};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::dataset::CanonicalizationAlgorithm;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{BlankNode, Graph, Term, TermRef, Triple};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// Results in a form that compares as a harness compares them.
pub enum Results {
    Boolean(bool),
    Solutions {
        variables: BTreeSet<String>,
        /// Each solution's bindings, sorted by variable.
        solutions: Vec<Row>,
    },
    Graph(Box<Graph>),
}

type Row = Vec<(String, Term)>;

/// Blank node renaming, kept one-to-one: expected → actual and back.
#[derive(Clone, Default)]
struct Renaming {
    forward: HashMap<BlankNode, BlankNode>,
    backward: HashMap<BlankNode, BlankNode>,
}

impl Renaming {
    fn terms_match(&mut self, expected: &Term, actual: &Term) -> bool {
        match (expected, actual) {
            (Term::BlankNode(e), Term::BlankNode(a)) => {
                let forward = self.forward.entry(e.clone()).or_insert_with(|| a.clone());
                let backward = self.backward.entry(a.clone()).or_insert_with(|| e.clone());
                forward == a && backward == e
            }
            _ => expected == actual,
        }
    }

    fn rows_match(&mut self, expected: &Row, actual: &Row) -> bool {
        expected.len() == actual.len()
            && expected
                .iter()
                .zip(actual)
                .all(|((ev, et), (av, at))| ev == av && self.terms_match(et, at))
    }
}

/// A row with every blank node written `_:`: equal signatures are needed
/// for two rows to match, and enough for rows without blank nodes.
fn signature(row: &Row) -> String {
    let mut out = String::new();
    for (variable, value) in row {
        match value {
            Term::BlankNode(_) => {
                let _ = write!(out, "?{variable}=_: ");
            }
            value => {
                let _ = write!(out, "?{variable}={value} ");
            }
        }
    }
    out
}

fn has_blank_node(row: &Row) -> bool {
    row.iter().any(|(_, value)| value.is_blank_node())
}

impl Results {
    /// Whether `actual` is `self` up to blank node renaming: solutions as a
    /// multiset (in order when `ordered`), graphs by isomorphism.
    pub fn matches(&self, actual: &Self, ordered: bool) -> bool {
        match (self, actual) {
            (Self::Boolean(e), Self::Boolean(a)) => e == a,
            (Self::Graph(e), Self::Graph(a)) => canonical(e) == canonical(a),
            (
                Self::Solutions {
                    variables: ev,
                    solutions: e,
                },
                Self::Solutions {
                    variables: av,
                    solutions: a,
                },
            ) => {
                if ev != av || e.len() != a.len() {
                    return false;
                }
                if ordered {
                    let mut renaming = Renaming::default();
                    return e.iter().zip(a).all(|(e, a)| renaming.rows_match(e, a));
                }
                let mut es: Vec<String> = e.iter().map(signature).collect();
                let mut acts: Vec<String> = a.iter().map(signature).collect();
                es.sort();
                acts.sort();
                if es != acts {
                    return false;
                }
                // Rows without blank nodes matched by signature; the others
                // need one renaming that fits them all.
                let e: Vec<&Row> = e.iter().filter(|row| has_blank_node(row)).collect();
                let a: Vec<&Row> = a.iter().filter(|row| has_blank_node(row)).collect();
                let mut used = vec![false; a.len()];
                let mut budget = 1_000_000_usize;
                match_rows(&e, &a, &mut used, &Renaming::default(), &mut budget)
            }
            _ => false,
        }
    }

    /// Whether `actual` has the same distinct solutions as `self`, each at
    /// most as often (REDUCED may remove some duplicates, or all, or none).
    pub fn matches_lax(&self, actual: &Self) -> bool {
        let (Self::Solutions { solutions: e, .. }, Self::Solutions { solutions: a, .. }) =
            (self, actual)
        else {
            return false;
        };
        let count = |rows: &[Row]| {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for row in rows {
                *counts.entry(signature(row)).or_default() += 1;
            }
            counts
        };
        let (e, a) = (count(e), count(a));
        e.len() == a.len()
            && e.iter()
                .all(|(row, n)| a.get(row).is_some_and(|m| (1..=*n).contains(m)))
    }

    /// Some of what differs, for the failure message.
    pub fn diff(&self, actual: &Self) -> String {
        match (self, actual) {
            (Self::Graph(e), Self::Graph(a)) => {
                let (e, a) = (canonical(e), canonical(a));
                let lines = |g: &Graph, other: &Graph| -> Vec<String> {
                    g.iter()
                        .filter(|t| !other.contains(*t))
                        .take(6)
                        .map(|t| t.to_string())
                        .collect()
                };
                differ(&lines(&e, &a), &lines(&a, &e))
            }
            (
                Self::Solutions {
                    variables: ev,
                    solutions: e,
                },
                Self::Solutions {
                    variables: av,
                    solutions: a,
                },
            ) if ev == av => {
                let es: Vec<String> = e.iter().map(signature).collect();
                let acts: Vec<String> = a.iter().map(signature).collect();
                let lines = |x: &[String], y: &[String]| -> Vec<String> {
                    x.iter()
                        .filter(|s| !y.contains(s))
                        .take(6)
                        .cloned()
                        .collect()
                };
                let (missing, extra) = (lines(&es, &acts), lines(&acts, &es));
                if missing.is_empty() && extra.is_empty() {
                    format!(
                        "same solutions, but not in the same order or blank nodes ({} rows)",
                        e.len()
                    )
                } else {
                    differ(&missing, &extra)
                }
            }
            (expected, actual) => format!(
                "expected {}, found {}",
                expected.describe(),
                actual.describe()
            ),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Boolean(value) => format!("the boolean {value}"),
            Self::Graph(graph) => format!("a graph of {} triples", graph.len()),
            Self::Solutions {
                variables,
                solutions,
            } => format!(
                "{} solutions of {}",
                solutions.len(),
                variables
                    .iter()
                    .map(|v| format!("?{v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
}

fn differ(missing: &[String], extra: &[String]) -> String {
    format!(
        "results differ\n    expected, not found: {}\n    found, not expected: {}",
        missing.join("\n      "),
        extra.join("\n      ")
    )
}

/// Finds actual rows for `expected` rows under one renaming (backtracking;
/// `budget` bounds the search on pathological inputs).
fn match_rows(
    expected: &[&Row],
    actual: &[&Row],
    used: &mut [bool],
    renaming: &Renaming,
    budget: &mut usize,
) -> bool {
    let Some((first, rest)) = expected.split_first() else {
        return true;
    };
    for i in 0..actual.len() {
        if used[i] || *budget == 0 {
            continue;
        }
        *budget -= 1;
        let mut attempt = renaming.clone();
        if attempt.rows_match(first, actual[i]) {
            used[i] = true;
            if match_rows(rest, actual, used, &attempt, budget) {
                return true;
            }
            used[i] = false;
        }
    }
    false
}

fn canonical(graph: &Graph) -> Graph {
    let mut graph = graph.clone();
    graph.canonicalize(CanonicalizationAlgorithm::Unstable);
    graph
}

pub fn read_expected(path: &Path, iri: &str) -> Result<Results, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if let Some(format) = QueryResultsFormat::from_extension(extension) {
        return read_results(&bytes, format);
    }
    let format = RdfFormat::from_extension(extension)
        .ok_or_else(|| format!("unknown result file extension .{extension}"))?;
    let graph: Graph = RdfParser::from_format(format)
        .with_base_iri(iri)
        .map_err(|e| e.to_string())?
        .for_slice(&bytes)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(from_result_graph(graph))
}

pub fn read_actual(stdout: &[u8], graph: bool) -> Result<Results, String> {
    if !graph {
        return read_results(stdout, QueryResultsFormat::Json);
    }
    let triples: Graph = RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(stdout)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Results::Graph(Box::new(triples)))
}

fn read_results(bytes: &[u8], format: QueryResultsFormat) -> Result<Results, String> {
    match QueryResultsParser::from_format(format)
        .for_slice(bytes)
        .map_err(|e| e.to_string())?
    {
        SliceQueryResultsParserOutput::Boolean(value) => Ok(Results::Boolean(value)),
        SliceQueryResultsParserOutput::Solutions(solutions) => {
            let variables = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let solutions = solutions
                .map(|solution| {
                    solution.map(|solution| {
                        let mut row: Row = solution
                            .iter()
                            .map(|(variable, value)| (variable.as_str().to_owned(), value.clone()))
                            .collect();
                        row.sort_by(|a, b| a.0.cmp(&b.0));
                        row
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            Ok(Results::Solutions {
                variables,
                solutions,
            })
        }
    }
}

/// Reads a graph in the DAWG result-set vocabulary (solutions sorted by
/// `rs:index` where given); any other graph is a CONSTRUCT result.
fn from_result_graph(graph: Graph) -> Results {
    let set_type = rs("ResultSet");
    let Some(set) = graph.subject_for_predicate_object(rdf::TYPE, &set_type) else {
        return Results::Graph(Box::new(graph));
    };
    let literal = |term: TermRef<'_>| match term {
        TermRef::Literal(literal) => literal.value().to_owned(),
        other => other.to_string(),
    };
    if let Some(value) = graph.object_for_subject_predicate(set, &rs("boolean")) {
        return Results::Boolean(literal(value) == "true");
    }
    let variables = graph
        .objects_for_subject_predicate(set, &rs("resultVariable"))
        .map(literal)
        .collect();
    let mut solutions: Vec<(Option<i64>, Row)> = graph
        .objects_for_subject_predicate(set, &rs("solution"))
        .map(|solution| {
            let solution = subject_of_ref(solution);
            let index = graph
                .object_for_subject_predicate(solution, &rs("index"))
                .and_then(|index| literal(index).parse().ok());
            let mut bindings: Row = graph
                .objects_for_subject_predicate(solution, &rs("binding"))
                .filter_map(|binding| {
                    let binding = subject_of_ref(binding);
                    let variable = graph.object_for_subject_predicate(binding, &rs("variable"))?;
                    let value = graph.object_for_subject_predicate(binding, &rs("value"))?;
                    Some((literal(variable), value.into_owned()))
                })
                .collect();
            bindings.sort_by(|a, b| a.0.cmp(&b.0));
            (index, bindings)
        })
        .collect();
    solutions.sort_by_key(|(index, _)| *index);
    Results::Solutions {
        variables,
        solutions: solutions.into_iter().map(|(_, s)| s).collect(),
    }
}
