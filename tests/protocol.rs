//! The W3C SPARQL 1.1 Protocol and Graph Store Protocol test cases
//! (`../shared/w3c-rdf-tests/sparql/sparql11/{protocol,graph-store-protocol}`),
//! run against `missions-kg serve`'s router in process (`common::App`),
//! request by request as the manifests describe them (method, path,
//! headers, body; expected status, format and boolean).
//!
//! The server is read-only, so its documented refusals stand in for what
//! a writable store would do: an update on `/sparql` is answered 403, and
//! a write on `/store` (PUT, POST, DELETE) 405 with `Allow: GET, HEAD`. The
//! requests of a test that only make sense after a refused write are not
//! sent; for the Graph Store tests, the graph a PUT would have created is
//! loaded when the server starts, so the GETs and HEADs that follow still
//! run and are compared as graphs. Tests of direct graph identification
//! (`/gsp/person/1.ttl`) and of graph creation by POST do not apply: the
//! server only offers indirect identification (`/store?graph=IRI`).

mod common;

use common::{App, Reply};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use oxigraph::store::Store;
use std::path::{Path, PathBuf};

const SUITE: &str = "../shared/w3c-rdf-tests/sparql/sparql11";
const BASE: &str = "https://w3c.github.io/rdf-tests/sparql/sparql11";
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const HT: &str = "http://www.w3.org/2011/http#";
const CNT: &str = "http://www.w3.org/2011/content#";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const UT: &str = "http://www.w3.org/2009/sparql/tests/test-update#";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";

/// The suite's folder, or `None` (the test is skipped, unless CI requires it).
fn suite(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE).join(name);
    if path.is_dir() {
        return Some(path);
    }
    common::skip(
        "MISSIONS_KG_REQUIRE_W3C",
        &format!("the W3C suite {} is missing", path.display()),
    );
    None
}

fn load(store: &Store, file: &Path, base: &str) {
    let text = std::fs::read(file).unwrap();
    store
        .load_from_reader(
            RdfParser::from_format(RdfFormat::Turtle)
                .with_base_iri(base)
                .unwrap(),
            text.as_slice(),
        )
        .unwrap();
}

fn named(iri: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(iri)
}

/// The objects of `subject predicate ?`.
fn objects(store: &Store, subject: NamedOrBlankNodeRef<'_>, predicate: &str) -> Vec<Term> {
    store
        .quads_for_pattern(Some(subject), Some(named(predicate)), None, None)
        .map(|quad| quad.unwrap().object)
        .collect()
}

fn object(store: &Store, subject: NamedOrBlankNodeRef<'_>, predicate: &str) -> Option<Term> {
    objects(store, subject, predicate).into_iter().next()
}

fn literal(term: Option<Term>) -> Option<String> {
    match term {
        Some(Term::Literal(literal)) => Some(literal.value().to_owned()),
        _ => None,
    }
}

fn as_subject(term: &Term) -> NamedOrBlankNodeRef<'_> {
    match term {
        Term::NamedNode(node) => node.as_ref().into(),
        Term::BlankNode(node) => node.as_ref().into(),
        other => panic!("not a node: {other}"),
    }
}

/// The members of an RDF list, in order.
fn list(store: &Store, head: &Term) -> Vec<Term> {
    let mut items = Vec::new();
    let mut node = head.clone();
    while node.as_ref() != TermRef::from(named(&format!("{RDF}nil"))) {
        items.push(object(store, as_subject(&node), &format!("{RDF}first")).unwrap());
        node = object(store, as_subject(&node), &format!("{RDF}rest")).unwrap();
    }
    items
}

/// One request of a test, as the manifest gives it.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    statuses: Vec<String>,
    format: Option<String>,
    boolean: Option<bool>,
    /// The expected graph, for Graph Store GETs: (Turtle text, base).
    graph: Option<String>,
}

impl Request {
    fn read(store: &Store, node: &Term) -> Self {
        let node = as_subject(node);
        let headers = object(store, node, &format!("{HT}headers"))
            .map(|head| {
                list(store, &head)
                    .iter()
                    .map(|header| {
                        let header = as_subject(header);
                        (
                            literal(object(store, header, &format!("{HT}fieldName"))).unwrap(),
                            literal(object(store, header, &format!("{HT}fieldValue"))).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = object(store, node, &format!("{HT}body")).map_or_else(Vec::new, |body| {
            let body = as_subject(&body);
            let chars = literal(object(store, body, &format!("{CNT}chars"))).unwrap_or_default();
            match literal(object(store, body, &format!("{CNT}characterEncoding"))).as_deref() {
                Some("UTF-16") => chars
                    .encode_utf16()
                    .flat_map(|unit| unit.to_be_bytes())
                    .collect(),
                _ => chars.into_bytes(),
            }
        });
        let response = object(store, node, &format!("{HT}resp")).unwrap();
        let response = as_subject(&response);
        let statuses = objects(store, response, &format!("{MF}expectedStatus"))
            .iter()
            .map(|status| match status {
                Term::NamedNode(node) => node.as_str().rsplit('#').next().unwrap().to_owned(),
                other => other.to_string(),
            })
            .collect();
        let graph = object(store, response, &format!("{HT}body"))
            .and_then(|body| literal(object(store, as_subject(&body), &format!("{CNT}chars"))));
        Self {
            method: literal(object(store, node, &format!("{HT}methodName"))).unwrap(),
            path: literal(object(store, node, &format!("{HT}absolutePath"))).unwrap(),
            headers,
            body,
            statuses,
            format: literal(object(store, response, &format!("{MF}expectedFormat"))),
            boolean: literal(object(store, response, &format!("{MF}expectedBoolean")))
                .map(|b| b == "true"),
            graph,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A SPARQL update, in any of the protocol's three ways.
    fn is_update(&self) -> bool {
        let form = String::from_utf8_lossy(&self.body);
        self.header("content-type") == Some("application/sparql-update")
            || form.starts_with("update=")
            || form.contains("&update=")
            || self.path.contains("update=")
    }

    fn send(&self, app: &App) -> Reply {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        app.request(&self.method, &self.path, &headers, &self.body)
    }
}

/// Whether `status` is one of the expected ones (classes or exact codes).
fn expected(statuses: &[String], status: u16) -> bool {
    statuses.iter().any(|name| match name.as_str() {
        "StatusCode2xx" => (200..300).contains(&status),
        "StatusCode3xx" => (300..400).contains(&status),
        "StatusCode4xx" => (400..500).contains(&status),
        "OK" => status == 200,
        "Created" => status == 201,
        "NoContent" => status == 204,
        "NotFound" => status == 404,
        other => panic!("unknown expected status {other}"),
    })
}

/// The SPARQL results format of an answer, from its `Content-Type`.
fn results_format(reply: &Reply) -> Option<QueryResultsFormat> {
    let content_type = reply.header("content-type")?;
    QueryResultsFormat::from_media_type(content_type)
}

#[test]
fn w3c_protocol_tests_pass_or_get_the_documented_refusal() {
    let Some(folder) = suite("protocol") else {
        return;
    };
    let store = Store::new().unwrap();
    let base = format!("{BASE}/protocol/manifest.ttl");
    load(&store, &folder.join("manifest.ttl"), &base);
    // Every graph the tests name, loaded once under its label.
    let dir = tempfile::tempdir().unwrap();
    let mut trig = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for quad in store.quads_for_pattern(None, Some(named(&format!("{UT}graph"))), None, None) {
        let quad = quad.unwrap();
        let label = literal(object(&store, quad.subject.as_ref(), RDFS_LABEL)).unwrap();
        let Term::NamedNode(file) = &quad.object else {
            continue;
        };
        let name = file.as_str().rsplit('/').next().unwrap();
        if seen.insert(label.clone()) {
            let data = std::fs::read_to_string(folder.join(name)).unwrap();
            trig.push_str(&format!("GRAPH <{label}> {{\n{data}\n}}\n"));
        }
    }
    std::fs::write(dir.path().join("data.trig"), trig).unwrap();
    let data = dir.path().join("data.trig");
    let app = App::start(&["--data", data.to_str().unwrap()], &[]);
    let manifest = store
        .quads_for_pattern(None, Some(named(&format!("{MF}entries"))), None, None)
        .next()
        .unwrap()
        .unwrap();
    let tests = list(&store, &manifest.object);
    let (mut passed, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for test in &tests {
        let test = as_subject(test);
        let name = literal(object(&store, test, &format!("{MF}name"))).unwrap();
        let action = object(&store, test, &format!("{MF}action")).unwrap();
        let requests = object(&store, as_subject(&action), &format!("{HT}requests")).unwrap();
        let requests: Vec<Request> = list(&store, &requests)
            .iter()
            .map(|r| Request::read(&store, r))
            .collect();
        let mut refusal = false;
        for request in &requests {
            let reply = request.send(&app);
            if request.is_update() {
                // The documented refusal: the graph is read-only. A test
                // expecting a 4XX passes with it; one expecting success
                // counts as refused, and what follows would read what the
                // update wrote.
                if expected(&request.statuses, 403) {
                    // A malformed update: any 4XX will do (403, or 415 for
                    // a body of the wrong type, as for queries).
                    if !expected(&request.statuses, reply.status) {
                        failures.push(format!(
                            "{name}: status {} not in {:?}",
                            reply.status, request.statuses
                        ));
                    }
                    continue;
                }
                if reply.status != 403 {
                    failures.push(format!(
                        "{name}: an update got {} instead of 403: {}",
                        reply.status,
                        reply.text()
                    ));
                }
                refusal = true;
                break;
            }
            if !expected(&request.statuses, reply.status) {
                failures.push(format!(
                    "{name}: status {} not in {:?}: {}",
                    reply.status,
                    request.statuses,
                    reply.text()
                ));
                break;
            }
            match request.format.as_deref() {
                Some("boolean") => {
                    let format = results_format(&reply);
                    assert!(
                        matches!(
                            format,
                            Some(QueryResultsFormat::Json | QueryResultsFormat::Xml)
                        ),
                        "{name}: {:?}",
                        reply.header("content-type")
                    );
                    let parsed = QueryResultsParser::from_format(format.unwrap())
                        .for_slice(&reply.body)
                        .unwrap();
                    let SliceQueryResultsParserOutput::Boolean(value) = parsed else {
                        panic!("{name}: not a boolean");
                    };
                    if let Some(wanted) = request.boolean {
                        if value != wanted {
                            failures.push(format!("{name}: {value} instead of {wanted}"));
                        }
                    }
                }
                Some("tabular") => {
                    let format = results_format(&reply);
                    assert!(
                        format.is_some(),
                        "{name}: {:?}",
                        reply.header("content-type")
                    );
                    QueryResultsParser::from_format(format.unwrap())
                        .for_slice(&reply.body)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                Some("RDF") => {
                    // The test allows RDF/XML, Turtle, N-Triples or RDFa.
                    let content_type = reply.header("content-type").unwrap_or("");
                    let format = RdfFormat::from_media_type(content_type)
                        .filter(|f| {
                            matches!(
                                f,
                                RdfFormat::RdfXml | RdfFormat::Turtle | RdfFormat::NTriples
                            )
                        })
                        .unwrap_or_else(|| {
                            panic!("{name}: not an RDF type the test allows: {content_type}")
                        });
                    for triple in RdfParser::from_format(format).for_slice(&reply.body) {
                        triple.unwrap_or_else(|e| panic!("{name}: {e}"));
                    }
                }
                Some(other) => panic!("{name}: unknown expected format {other}"),
                None => {}
            }
        }
        if refusal {
            refused += 1;
        } else {
            passed += 1;
        }
    }
    eprintln!(
        "protocol: {passed} passed, {refused} updates refused as documented, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(passed + refused, tests.len());
    // The query tests and the bad-update tests (a 4XX) pass; only updates
    // meant to succeed are refused.
    assert!(refused <= 7, "{refused} refused");
}

#[test]
fn w3c_graph_store_tests_that_read_pass_and_writes_are_refused() {
    let Some(folder) = suite("graph-store-protocol") else {
        return;
    };
    let store = Store::new().unwrap();
    let base = format!("{BASE}/graph-store-protocol/manifest-indirect.ttl");
    load(&store, &folder.join("manifest-indirect.ttl"), &base);
    let manifest = store
        .quads_for_pattern(None, Some(named(&format!("{MF}entries"))), None, None)
        .next()
        .unwrap()
        .unwrap();
    let tests = list(&store, &manifest.object);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.ttl"), "").unwrap();
    let empty = dir.path().join("empty.ttl");
    let empty = App::start(&["--data", empty.to_str().unwrap()], &[]);
    let (mut passed, mut not_applicable, mut reads) = (0, 0, 0);
    let mut failures = Vec::new();
    for test in &tests {
        let test = as_subject(test);
        let name = literal(object(&store, test, &format!("{MF}name"))).unwrap();
        let requires: Vec<String> = objects(&store, test, &format!("{MF}requires"))
            .iter()
            .map(ToString::to_string)
            .collect();
        if requires
            .iter()
            .any(|r| r.contains("POSTGraphCreation") || r.contains("DirectGraphIdentification"))
        {
            not_applicable += 1;
            continue;
        }
        let action = object(&store, test, &format!("{MF}action")).unwrap();
        let requests = object(&store, as_subject(&action), &format!("{HT}requests")).unwrap();
        let requests: Vec<Request> = list(&store, &requests)
            .iter()
            .map(|r| Request::read(&store, r))
            .collect();
        // What the store would hold after the writes so far, by graph
        // (`None`: the default graph); each read is sent to a server
        // built on that state, each write to the server with no data.
        let mut state: std::collections::BTreeMap<Option<String>, String> = Default::default();
        let mut ok = true;
        for request in &requests {
            let target = gsp_target(&request.path);
            let path = request.path.replacen("/gsp", "/store", 1);
            let headers: Vec<(&str, &str)> = request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            if matches!(request.method.as_str(), "PUT" | "POST" | "DELETE") {
                let reply = empty.request(&request.method, &path, &headers, &request.body);
                if reply.status != 405 || reply.header("allow") != Some("GET, HEAD") {
                    failures.push(format!(
                        "{name}: {} got {} (Allow {:?}) instead of 405",
                        request.method,
                        reply.status,
                        reply.header("allow")
                    ));
                    ok = false;
                }
                let body = turtle_of(request);
                match request.method.as_str() {
                    "PUT" => {
                        state.insert(target, body);
                    }
                    "POST" => state
                        .entry(target)
                        .or_default()
                        .push_str(&format!("\n{body}")),
                    _ => {
                        state.remove(&target);
                    }
                }
                continue;
            }
            reads += 1;
            let default = state.get(&None).cloned().unwrap_or_default();
            std::fs::write(dir.path().join("default.ttl"), default).unwrap();
            let mut args: Vec<String> = vec![
                "--base".to_owned(),
                "http://www.example/gsp/".to_owned(),
                "--data".to_owned(),
                dir.path().join("default.ttl").display().to_string(),
            ];
            for (index, (graph, turtle)) in state.iter().enumerate() {
                if let Some(iri) = graph {
                    // The graph's triples as N-Quads in that graph.
                    let quads: String = RdfParser::from_format(RdfFormat::Turtle)
                        .with_base_iri("http://www.example/gsp/")
                        .unwrap()
                        .for_slice(turtle.as_bytes())
                        .map(|triple| {
                            let t = triple.unwrap();
                            format!("{} {} {} <{iri}> .\n", t.subject, t.predicate, t.object)
                        })
                        .collect();
                    let file = dir.path().join(format!("graph{index}.nq"));
                    std::fs::write(&file, quads).unwrap();
                    args.extend(["--data".to_owned(), file.display().to_string()]);
                }
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let app = App::start(&args, &[]);
            let reply = app.request(&request.method, &path, &headers, &request.body);
            if !expected(&request.statuses, reply.status) {
                failures.push(format!(
                    "{name}: {} {path} got {}, not {:?}: {}",
                    request.method,
                    reply.status,
                    request.statuses,
                    reply.text()
                ));
                ok = false;
                continue;
            }
            if let (Some(turtle), "GET") = (&request.graph, request.method.as_str()) {
                if !same_graph(turtle, &reply) {
                    failures.push(format!(
                        "{name}: GET {path} is not the graph expected:\n{}",
                        reply.text()
                    ));
                    ok = false;
                }
            }
        }
        if ok {
            passed += 1;
        }
    }
    eprintln!(
        "graph store: {passed} passed ({reads} reads; every write refused with 405), {not_applicable} not applicable"
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(passed + not_applicable, tests.len());
    assert!(passed >= 5 && reads >= 8, "{passed} tests, {reads} reads");
}

/// The Turtle a write request carries (the parts of a multipart body
/// joined).
fn turtle_of(request: &Request) -> String {
    let body = String::from_utf8_lossy(&request.body).replace("\r\n", "\n");
    let Some(boundary) = request
        .header("content-type")
        .and_then(|t| t.split_once("boundary="))
        .map(|(_, b)| b.trim().to_owned())
    else {
        return body;
    };
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            part.split_once("\n\n")
                .map(|(_, content)| content.to_owned())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The graph a Graph Store request names: `Some(IRI)`, or `None` for `?default`.
fn gsp_target(path: &str) -> Option<String> {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "graph")
        .map(|(_, value)| value.into_owned())
}

/// Whether the answer holds the same triples as `turtle`.
fn same_graph(turtle: &str, reply: &Reply) -> bool {
    // The tests' graphs hold at most one blank node: naming every blank
    // node alike compares them up to renaming.
    let blank = |term: String| {
        if term.starts_with("_:") {
            "_:b".to_owned()
        } else {
            term
        }
    };
    let parse = |format: RdfFormat, bytes: &[u8]| -> Vec<String> {
        let mut triples: Vec<String> = RdfParser::from_format(format)
            .with_base_iri("http://www.example/gsp/")
            .unwrap()
            .for_slice(bytes)
            .map(|quad| {
                let quad = quad.unwrap();
                format!(
                    "{} {} {}",
                    blank(quad.subject.to_string()),
                    quad.predicate,
                    blank(quad.object.to_string())
                )
            })
            .collect();
        triples.sort();
        triples
    };
    let content_type = reply.header("content-type").unwrap_or("");
    let Some(format) = RdfFormat::from_media_type(content_type) else {
        return false;
    };
    parse(RdfFormat::Turtle, turtle.as_bytes()) == parse(format, &reply.body)
}

/// The mends found with Comunica, rdflib and the protocol tests: the
/// service description names the endpoint that was asked; `/store` gives
/// what `export` gives, so a reload does not double the merged view; a
/// CONSTRUCT asked for with only a results `Accept` gets Turtle.
#[test]
fn interop_endpoint_dump_and_graph_fallback() {
    let app = App::start(&[], &[]);
    for path in ["/sparql", "/sparql/", "/query"] {
        let description = app.get(path, "application/n-triples");
        assert_eq!(description.status, 200, "{path}");
        let endpoint = format!(
            "<http://www.w3.org/ns/sparql-service-description#endpoint> <http://127.0.0.1:0{path}>"
        );
        let text = description.text();
        assert!(text.contains(&endpoint), "{path}: {text}");
    }
    // The dump is the export, quad for quad.
    let dump = app.get("/store", "application/n-quads");
    assert_eq!(dump.status, 200);
    let export = common::output(&["export", "--format", "nquads"]);
    let dataset = |bytes: &[u8]| {
        let mut dataset = oxigraph::model::Dataset::new();
        for quad in RdfParser::from_format(RdfFormat::NQuads).for_slice(bytes) {
            dataset.insert(&quad.unwrap());
        }
        // Blank nodes are named anew by each load.
        dataset.canonicalize(oxigraph::model::dataset::CanonicalizationAlgorithm::Unstable);
        dataset
    };
    let served = dataset(&dump.body);
    let exported = dataset(&common::stdout_of(&export).into_bytes());
    assert_eq!(served.len(), exported.len());
    assert!(served == exported, "the dump differs from the export");
    // No triple of the default graph is also in a named graph.
    let doubled = served
        .iter()
        .filter(|quad| quad.graph_name.is_default_graph())
        .filter(|quad| {
            served.quads_for_subject(quad.subject).any(|other| {
                other.predicate == quad.predicate
                    && other.object == quad.object
                    && !other.graph_name.is_default_graph()
            })
        })
        .count();
    assert_eq!(doubled, 0, "triples written twice");
    // A CONSTRUCT asked for with results types only: Turtle.
    let construct = format!(
        "/sparql?query={}",
        form_urlencoded::byte_serialize(b"CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3")
            .collect::<String>()
    );
    for accept in [
        "application/sparql-results+json",
        "application/sparql-results+xml, text/csv;q=0.5",
    ] {
        let reply = app.get(&construct, accept);
        assert_eq!(reply.status, 200, "{accept}: {}", reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some("text/turtle; charset=utf-8"),
            "{accept}"
        );
        assert_eq!(
            RdfParser::from_format(RdfFormat::Turtle)
                .for_slice(&reply.body)
                .count(),
            3
        );
    }
    // Nothing any query can be answered in is still refused.
    assert_eq!(app.get(&construct, "image/png").status, 406);
}
