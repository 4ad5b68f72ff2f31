//! The W3C SPARQL 1.0 and 1.1 query test suites, run through the binary as
//! a W3C harness runs an engine.
//!
//! The suites are read from `../shared/w3c-rdf-tests/` beside the crate (see
//! its ABOUT.md); when that folder is absent the test says SKIPPED and
//! passes, unless `MISSIONS_KG_REQUIRE_W3C=1` or `CI=true` makes that a
//! failure (`common::required`).
//! Each manifest is Turtle whose relative IRIs resolve against
//! `https://w3c.github.io/rdf-tests/sparql/<path>`; those IRIs are mapped
//! back to the files.
//!
//! Every query evaluation test whose data is one default graph runs as
//! `missions-kg --data DATA query QUERY.rq -f json` (`-f ntriples` for
//! CONSTRUCT and DESCRIBE), and its output is compared with the expected
//! results: solutions as a multiset modulo blank node renaming (in order
//! when the query ends with ORDER BY), graphs by isomorphism. Every
//! positive and negative syntax test must be accepted or rejected. Tests on
//! named graphs (`qt:graphData`), on a dataset built by FROM, and tests the
//! working group rejected or withdrew are skipped, each with its reason;
//! update and service tests are not in these manifests at all.
//!
//! `tests/w3c-known-differences.txt` lists the tests that fail here and
//! why (each also fails on Oxigraph's own store, or is outside our scope).
//! Any other failure fails this test, and so does a listed test that
//! passes, so the list stays true.
//!
//! `MISSIONS_KG_W3C_COMMAND="python3 tests/w3c-oxigraph-store.py"` runs
//! the same tests through another command line of the same shape instead
//! (here, Oxigraph's store through pyoxigraph) and only reports.

mod common;
#[path = "w3c/results.rs"]
mod results;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef, Triple};
use results::{read_actual, read_expected};
use spargebra::algebra::GraphPattern;
use spargebra::{Query, SparqlParser};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where the manifests say the suites live.
const BASE: &str = "https://w3c.github.io/rdf-tests/sparql/";
/// The query manifests: SPARQL 1.0 (which includes one manifest per
/// folder) and SPARQL 1.1 Query.
const MANIFESTS: &[&str] = &[
    "sparql10/manifest.ttl",
    "sparql11/manifest-sparql11-query.ttl",
];

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const QT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
const DAWGT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#";
const RS: &str = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";

/// The RDF syntaxes the binary loads, by extension (see `loader::rdf_format`).
const DATA_EXTENSIONS: &[&str] = &[
    "ttl", "trig", "nt", "nq", "rdf", "owl", "xml", "jsonld", "n3",
];

fn suites() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/w3c-rdf-tests/sparql")
}

fn mf(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{MF}{name}"))
}

fn qt(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{QT}{name}"))
}

fn rs(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{RS}{name}"))
}

/// One test of a manifest.
struct Test {
    iri: String,
    kind: String,
    approval: Option<String>,
    query: Option<String>,
    data: Vec<String>,
    graph_data: usize,
    result: Option<String>,
    /// `mf:LaxCardinality` (REDUCED): duplicates may or may not be removed.
    lax: bool,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

#[test]
fn w3c_sparql_query_suites() {
    let root = suites();
    if !root.join(MANIFESTS[0]).is_file() {
        common::skip(
            "MISSIONS_KG_REQUIRE_W3C",
            &format!(
                "w3c: the W3C SPARQL test suites are not at {}",
                root.display()
            ),
        );
        return;
    }
    let mut tests = Vec::new();
    for manifest in MANIFESTS {
        read_manifest(&root, &format!("{BASE}{manifest}"), &mut tests);
    }
    // The pinned suites hold 804 query tests: far fewer means the manifests
    // were misread, and a run of nothing must not pass.
    assert!(
        tests.len() > 700,
        "only {} tests read from the manifests in {}",
        tests.len(),
        root.display()
    );
    let runner = Runner::new();
    let outcomes = run_all(&runner, &tests);

    let other = std::env::var("MISSIONS_KG_W3C_COMMAND").is_ok();
    let known = known_differences();
    let (mut passed, mut listed, mut skipped) = (0, 0, 0);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for (test, outcome) in tests.iter().zip(&outcomes) {
        let expected_to_fail = !other && known.contains_key(&test.iri);
        match outcome {
            Outcome::Pass if expected_to_fail => problems.push(format!(
                "{} passes now: remove it from tests/w3c-known-differences.txt",
                test.iri
            )),
            Outcome::Pass => passed += 1,
            Outcome::Fail(_) if expected_to_fail => listed += 1,
            Outcome::Fail(why) => problems.push(format!("{} fails: {why}", test.iri)),
            Outcome::Skip(why) => {
                skipped += 1;
                *reasons.entry(why.clone()).or_default() += 1;
            }
        }
    }
    let stale: Vec<&String> = known
        .keys()
        .filter(|iri| !tests.iter().any(|test| &test.iri == *iri))
        .collect();
    if !other {
        for iri in stale {
            problems.push(format!(
                "{iri} is listed in tests/w3c-known-differences.txt but is not a test here"
            ));
        }
    }
    let reasons: Vec<String> = reasons
        .iter()
        .map(|(why, n)| format!("{n} {why}"))
        .collect();
    let failed = problems.len();
    for problem in &problems {
        println!("w3c: {problem}");
    }
    println!(
        "w3c: {passed} passed, {failed} failed, {listed} known differences, {skipped} skipped ({})",
        reasons.join("; ")
    );
    assert!(
        problems.is_empty(),
        "{failed} W3C test(s) differ from tests/w3c-known-differences.txt:\n{}",
        problems.join("\n")
    );
}

/// Reads a manifest, the manifests it includes, and their tests in order.
fn read_manifest(root: &Path, iri: &str, tests: &mut Vec<Test>) {
    let path = local_path(root, iri);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let graph: Graph = RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(iri)
        .unwrap()
        .for_slice(&text)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest = NamedNode::new_unchecked(iri);
    for include in objects(&graph, manifest.as_ref().into(), &mf("include")) {
        for item in list(&graph, include.as_ref()) {
            read_manifest(root, &iri_of(&item), tests);
        }
    }
    for entries in objects(&graph, manifest.as_ref().into(), &mf("entries")) {
        for entry in list(&graph, entries.as_ref()) {
            tests.push(read_test(&graph, &entry));
        }
    }
}

fn read_test(graph: &Graph, entry: &Term) -> Test {
    let subject = subject_of(entry);
    let one = |predicate: &NamedNode| objects(graph, subject, predicate).into_iter().next();
    let kind = one(&rdf::TYPE.into_owned()).map_or_else(String::new, |t| iri_of(&t));
    let approval = one(&NamedNode::new_unchecked(format!("{DAWGT}approval"))).map(|t| iri_of(&t));
    let action = one(&mf("action"));
    let (query, data, graph_data) = match &action {
        Some(Term::NamedNode(query)) => (Some(query.as_str().to_owned()), Vec::new(), 0),
        Some(action) => {
            let action = subject_of(action);
            let query = objects(graph, action, &qt("query")).first().map(iri_of);
            let data = objects(graph, action, &qt("data"))
                .iter()
                .map(iri_of)
                .collect();
            let graph_data = objects(graph, action, &qt("graphData")).len();
            (query, data, graph_data)
        }
        None => (None, Vec::new(), 0),
    };
    Test {
        iri: iri_of(entry),
        kind,
        approval,
        query,
        data,
        graph_data,
        result: one(&mf("result")).map(|t| iri_of(&t)),
        lax: one(&mf("resultCardinality"))
            .is_some_and(|t| iri_of(&t) == format!("{MF}LaxCardinality")),
    }
}

fn objects(graph: &Graph, subject: NamedOrBlankNodeRef<'_>, predicate: &NamedNode) -> Vec<Term> {
    graph
        .objects_for_subject_predicate(subject, predicate)
        .map(TermRef::into_owned)
        .collect()
}

/// The items of an RDF list.
fn list<'a>(graph: &'a Graph, mut node: TermRef<'a>) -> Vec<Term> {
    let mut items = Vec::new();
    while node != rdf::NIL.into() {
        let subject = subject_of_ref(node);
        let Some(first) = graph.object_for_subject_predicate(subject, rdf::FIRST) else {
            break;
        };
        items.push(first.into_owned());
        let Some(rest) = graph.object_for_subject_predicate(subject, rdf::REST) else {
            break;
        };
        node = rest;
    }
    items
}

fn subject_of(term: &Term) -> NamedOrBlankNodeRef<'_> {
    subject_of_ref(term.as_ref())
}

fn subject_of_ref(term: TermRef<'_>) -> NamedOrBlankNodeRef<'_> {
    match term {
        TermRef::NamedNode(node) => node.into(),
        TermRef::BlankNode(node) => node.into(),
        other => panic!("not a node: {other}"),
    }
}

fn iri_of(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        // Some entries are blank nodes; their label is their only name.
        other => other.to_string(),
    }
}

/// The file a suite IRI names.
fn local_path(root: &Path, iri: &str) -> PathBuf {
    let relative = iri
        .strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{iri} is not in the suites"));
    root.join(relative)
}

/// How to run a query: the binary, or another command of the same shape.
struct Runner {
    program: String,
    args: Vec<String>,
    empty: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        let (program, args) = match std::env::var("MISSIONS_KG_W3C_COMMAND") {
            Ok(command) => {
                let mut words = command.split_whitespace().map(str::to_owned);
                let program = words.next().expect("MISSIONS_KG_W3C_COMMAND is empty");
                (program, words.collect())
            }
            Err(_) => (common::bin().to_owned(), Vec::new()),
        };
        let empty = tempfile::tempdir().unwrap();
        // Without --data the binary loads its own graph; a test without
        // data runs on an empty file instead.
        std::fs::write(empty.path().join("empty.ttl"), "").unwrap();
        Self {
            program,
            args,
            empty,
        }
    }

    /// Runs `--data DATA query QUERY -f FORMAT`: exit status, stdout, stderr.
    fn run(&self, data: Option<&Path>, query: &Path, format: &str) -> (bool, Vec<u8>, String) {
        let empty = self.empty.path().join("empty.ttl");
        let output = Command::new(&self.program)
            .args(&self.args)
            .arg("--data")
            .arg(data.unwrap_or(&empty))
            .arg("query")
            .arg(query)
            .args(["-f", format])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.program));
        (
            output.status.success(),
            output.stdout,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// Runs every test on a few threads; the outcomes are in test order.
fn run_all(runner: &Runner, tests: &[Test]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(tests.len()).collect());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(test) = tests.get(i) else { break };
                let outcome = run_test(runner, test);
                outcomes.lock().unwrap()[i] = Some(outcome);
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

fn run_test(runner: &Runner, test: &Test) -> Outcome {
    let root = suites();
    // Approved tests run, and so do the few still Proposed (they pass but
    // for differences listed like any other); a NotApproved or Withdrawn
    // test is skipped, as W3C harnesses do.
    let status = test
        .approval
        .as_deref()
        .map(|a| a.rsplit('#').next().unwrap_or(a));
    if let Some(status @ ("NotApproved" | "Withdrawn")) = status {
        return Outcome::Skip(format!("not approved by the working group ({status})"));
    }
    let Some(query_iri) = &test.query else {
        return Outcome::Fail("the manifest names no query".into());
    };
    let query_path = local_path(&root, query_iri);
    let kind = test.kind.strip_prefix(MF).unwrap_or(&test.kind);
    match kind {
        "PositiveSyntaxTest" | "PositiveSyntaxTest11" => {
            // Only the syntax is tested: a query that parses but uses a
            // function the evaluator does not know (`ex:myFunc(?x)`) fails
            // after parsing, with another message than a syntax error.
            let (_, _, stderr) = runner.run(None, &query_path, "json");
            if stderr.contains("malformed query") {
                Outcome::Fail(format!("rejected a valid query: {}", stderr.trim()))
            } else {
                Outcome::Pass
            }
        }
        "NegativeSyntaxTest" | "NegativeSyntaxTest11" => {
            let (ok, _, stderr) = runner.run(None, &query_path, "json");
            if !ok && stderr.contains("malformed query") {
                Outcome::Pass
            } else if ok {
                Outcome::Fail("accepted an invalid query".into())
            } else {
                Outcome::Fail(format!("failed, but not on syntax: {}", stderr.trim()))
            }
        }
        "QueryEvaluationTest" => evaluation_test(runner, test, &query_path),
        other => Outcome::Skip(format!("test type {other} is not a query test")),
    }
}

fn evaluation_test(runner: &Runner, test: &Test, query_path: &Path) -> Outcome {
    let root = suites();
    if test.graph_data > 0 {
        return Outcome::Skip("named graphs (qt:graphData)".into());
    }
    if test.data.len() > 1 {
        return Outcome::Skip("several data files".into());
    }
    let text = match std::fs::read_to_string(query_path) {
        Ok(text) => text,
        Err(e) => return Outcome::Fail(format!("cannot read {}: {e}", query_path.display())),
    };
    let query = match SparqlParser::new()
        .with_base_iri(query_iri_base(query_path))
        .unwrap()
        .parse_query(&text)
    {
        Ok(query) => query,
        Err(e) => return Outcome::Fail(format!("the harness cannot parse the query: {e}")),
    };
    if query.dataset().is_some() {
        return Outcome::Skip("dataset given by FROM / FROM NAMED".into());
    }
    let data = test.data.first().map(|iri| local_path(&root, iri));
    if let Some(data) = &data {
        let extension = data.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !DATA_EXTENSIONS.contains(&extension) {
            return Outcome::Skip(format!(
                "data in a syntax the binary does not load (.{extension})"
            ));
        }
    }
    let Some(result_iri) = &test.result else {
        return Outcome::Fail("the manifest names no result".into());
    };
    let expected = match read_expected(&local_path(&root, result_iri), result_iri) {
        Ok(expected) => expected,
        Err(e) => return Outcome::Fail(format!("cannot read the expected results: {e}")),
    };
    let graph = matches!(query, Query::Construct { .. } | Query::Describe { .. });
    let format = if graph { "ntriples" } else { "json" };
    let (ok, stdout, stderr) = runner.run(data.as_deref(), query_path, format);
    if !ok {
        return Outcome::Fail(format!("exit status not 0: {}", stderr.trim()));
    }
    let actual = match read_actual(&stdout, graph) {
        Ok(actual) => actual,
        Err(e) => return Outcome::Fail(format!("cannot read the output: {e}")),
    };
    if test.lax && expected.matches_lax(&actual) || expected.matches(&actual, is_ordered(&query)) {
        Outcome::Pass
    } else {
        Outcome::Fail(expected.diff(&actual))
    }
}

/// The `file://` URL of the query, as the binary uses it for a .rq file.
fn query_iri_base(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap();
    let mut url = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

/// True when the query's solutions come in a defined order: its outermost
/// pattern, below projection, DISTINCT, REDUCED and LIMIT, is an ORDER BY.
fn is_ordered(query: &Query) -> bool {
    let Query::Select { pattern, .. } = query else {
        return false;
    };
    let mut pattern = pattern;
    loop {
        match pattern {
            GraphPattern::OrderBy { .. } => return true,
            GraphPattern::Project { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Slice { inner, .. } => pattern = inner,
            _ => return false,
        }
    }
}

/// `tests/w3c-known-differences.txt`: test IRI → reason.
fn known_differences() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/w3c-known-differences.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut known = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (iri, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let reason = reason.trim().trim_start_matches('#').trim();
        assert!(
            !reason.is_empty(),
            "{}:{}: give the reason after the IRI: IRI  # reason",
            path.display(),
            n + 1
        );
        let _: NamedNodeRef<'_> =
            NamedNodeRef::new(iri).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
        known.insert(iri.to_owned(), reason.to_owned());
    }
    known
}
