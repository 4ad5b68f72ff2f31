//! `missions-kg mcp`, driven by the official MCP Python SDK (PyPI `mcp`,
//! `tests/clients/mcp_client.py`): every tool listed with its schemas; each
//! stored query's tool, called with its header's example, answers the rows
//! `missions-kg query NAME --format json` gives; `describe` gives each fact
//! its articles and passages; `why` its supports; errors come by kind. Then
//! hostile lines written straight to its stdin: one error each, and the
//! server keeps serving within bounded memory.
//!
//! The SDK is a tool no one here wrote: without it the client tests say
//! SKIPPED, unless MISSIONS_KG_REQUIRE_MCP=1 or CI=true (`.ci/run`
//! installs it), where they fail.

mod common;

use common::{bin, mcp_client as client, mcp_sdk as sdk, output, root, Served};
use missions_kg::sparql::catalog::Catalog;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Each stored query's rows from the command line, as JSON values.
fn command_line_rows(name: &str, example: &[String]) -> Vec<Value> {
    let mut args = vec![
        "query".to_owned(),
        name.to_owned(),
        "--format".into(),
        "json".into(),
    ];
    for binding in example {
        args.push("--param".into());
        args.push(binding.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = output(&args);
    assert!(
        out.status.success(),
        "query {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    answer["results"]["bindings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A stored-query tool's rows as `query` gives them: each must carry the
/// facts it rests on (each with the articles stating it and their
/// passages), which are taken off.
fn rows_with_facts(structured: &Value, what: &str) -> Vec<Value> {
    let columns = structured["columns"].as_array().unwrap();
    let key = |base: &str| {
        let mut key = base.to_owned();
        while columns.contains(&json!(key)) {
            key.push('_');
        }
        key
    };
    let mut plain = Vec::new();
    for row in structured["rows"].as_array().unwrap() {
        let mut row = row.as_object().unwrap().clone();
        let facts = row
            .remove(&key("facts"))
            .unwrap_or_else(|| panic!("{what}: no facts: {row:?}"));
        for fact in facts.as_array().unwrap() {
            assert!(
                fact["articles"].is_array() && fact["passages"].is_array(),
                "{what}: {fact}"
            );
        }
        row.remove(&key("more_facts"));
        plain.push(Value::Object(row));
    }
    plain
}

fn sorted(rows: &[Value]) -> Vec<String> {
    let mut rows: Vec<String> = rows.iter().map(Value::to_string).collect();
    rows.sort();
    rows
}

#[test]
fn every_stored_query_tool_answers_what_the_command_line_answers() {
    if sdk() {
        stored_query_tools(&["mcp"]);
    }
}

/// Over HTTP, `serve --mcp` lists the same tools and answers the same
/// calls as `mcp` on stdio (the checks of the two tests above, through
/// the SDK's streamable HTTP client).
#[test]
fn serve_mcp_answers_over_http_as_mcp_over_stdio() {
    if !sdk() {
        return;
    }
    let dir = common::scratch();
    let served = Served::start(dir.path(), &[], &["--mcp"]);
    stored_query_tools(&[&format!("{}/mcp", served.url)]);
    drop(served);
    let seeds = seeds();
    let served = Served::start(
        dir.path(),
        &["--articles", &seeds],
        &["--mcp", "--timeout", "2"],
    );
    describe_why_search_paging_and_errors(&[&format!("{}/mcp", served.url)]);
}

/// Each stored query's tool, called through the client with `args`,
/// answers the command line's rows; every tool and resource is listed.
fn stored_query_tools(args: &[&str]) {
    let catalog = Catalog::embedded().unwrap();
    let mut cases = Vec::new();
    for query in &catalog.queries {
        let mut arguments = serde_json::Map::new();
        for binding in &query.example {
            let (name, value) = binding.split_once('=').unwrap();
            arguments.insert(name.to_owned(), json!(value));
        }
        arguments.insert("limit".into(), json!(1000));
        cases.push(json!({"tool": query.name, "arguments": arguments}));
    }
    let (answers, listing) = client(&Value::Array(cases), args);
    for (query, answer) in catalog.queries.iter().zip(&answers) {
        assert_eq!(answer["is_error"], json!(false), "{}: {answer}", query.name);
        let structured = &answer["structured"];
        assert_eq!(structured["form"], json!("select"), "{}", query.name);
        let expected = command_line_rows(&query.name, &query.example);
        assert_eq!(structured["total"], json!(expected.len()), "{}", query.name);
        let rows = structured["rows"].as_array().unwrap();
        if expected.len() <= 1000 && structured["more"] == json!(0) {
            assert_eq!(rows.len(), expected.len(), "{}: rows shown", query.name);
        } else {
            // A page cut at 256 KiB: the rows it holds, in the order read.
            assert_eq!(
                structured["next_offset"],
                json!(rows.len()),
                "{}: the next page",
                query.name
            );
        }
        // Each row as `query` gives it, plus what `--why --evidence`
        // adds: its supports and the facts it rests on.
        let plain = rows_with_facts(structured, &query.name);
        if expected.len() <= 1000 && structured["more"] == json!(0) {
            assert_eq!(sorted(&plain), sorted(&expected), "{}: rows", query.name);
        } else {
            let expected = sorted(&expected);
            for row in sorted(&plain) {
                assert!(expected.contains(&row), "{}: {row}", query.name);
            }
        }
        // The short line comes first, then the same JSON as text.
        let text = answer["text"].as_array().unwrap();
        assert!(text[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} rows", expected.len())));
        assert_eq!(
            serde_json::from_str::<Value>(text[1].as_str().unwrap()).unwrap(),
            *structured
        );
    }

    // Every tool has a description, an object schema for its arguments
    // and one for its answer; every stored query is a tool.
    let tools = listing["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for fixed in ["sparql", "describe", "why", "search"] {
        assert!(names.contains(&fixed), "{names:?}");
    }
    for query in &catalog.queries {
        assert!(names.contains(&query.name.as_str()), "{}", query.name);
    }
    for tool in tools {
        assert!(!tool["description"].as_str().unwrap().is_empty(), "{tool}");
        assert_eq!(tool["input_schema"]["type"], json!("object"), "{tool}");
        assert_eq!(tool["output_schema"]["type"], json!("object"), "{tool}");
    }
    let entity_facts = tools.iter().find(|t| t["name"] == "entity-facts").unwrap();
    assert_eq!(entity_facts["input_schema"]["required"], json!(["entity"]));
    assert_eq!(
        entity_facts["input_schema"]["properties"]["entity"]["type"],
        json!("string")
    );

    // The resources: the ontology as Turtle, the articles with their
    // checksums, the stored queries.
    let resources = &listing["resources"];
    let ontology = &resources["missions-kg://ontology"];
    assert_eq!(ontology["mime_type"], json!("text/turtle"));
    assert!(ontology["text"].as_str().unwrap().contains("owl:Class"));
    let articles: Value = serde_json::from_str(
        resources["missions-kg://articles"]["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let articles = articles["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 4, "{articles:?}");
    assert!(articles
        .iter()
        .all(|a| a["sha256"].as_str().is_some_and(|s| s.len() == 64)));
    assert!(articles.iter().all(|a| a["title"].is_string()));
    let queries: Value =
        serde_json::from_str(resources["missions-kg://queries"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        queries["queries"].as_array().unwrap().len(),
        catalog.queries.len()
    );
    assert_eq!(resources["missing"]["code"], json!(-32002));
}

/// The article texts, beside the repository.
fn seeds() -> String {
    let seeds = root().join("../shared/seeds");
    assert!(
        seeds.is_dir(),
        "shared/seeds must sit beside the repository"
    );
    seeds.to_str().unwrap().to_owned()
}

#[test]
fn describe_why_search_paging_and_errors_through_the_sdk() {
    if sdk() {
        let seeds = seeds();
        describe_why_search_paging_and_errors(&["--articles", &seeds, "mcp", "--timeout", "2"]);
    }
}

/// Through the client with `args` (a server with the article texts and a
/// 2 s timeout): `describe` with passages, `why`, `search`, paging, and
/// errors of each kind.
fn describe_why_search_paging_and_errors(args: &[&str]) {
    let cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let cases = json!([
        {"tool": "describe", "arguments": {"entity": "Arben Bajraktaraj"}},
        {"tool": "describe", "arguments": {"entity": "Komarov"}},
        {"tool": "why", "arguments": {"query": "creators"}},
        {"tool": "why", "arguments": {"query": "entity-facts", "params": {"entity": "Julien Lacombe"}}},
        {"tool": "search", "arguments": {"text": "Komarof"}},
        {"tool": "cast", "arguments": {"limit": 2}},
        {"tool": "cast", "arguments": {"limit": 2, "offset": 2}},
        {"tool": "sparql", "arguments": {"query": "ASK { mkd:missions mk:creator mkd:julien-lacombe }"}},
        {"tool": "sparql", "arguments": {"query": "CONSTRUCT WHERE { mkd:missions mk:creator ?who }"}},
        {"tool": "no-such-tool", "arguments": {}},
        {"tool": "sparql", "arguments": {"query": "ASK {}", "unknown": 1}},
        {"tool": "cast", "arguments": {"limit": 0}},
        {"tool": "sparql", "arguments": {"query": 42}},
        {"tool": "sparql", "arguments": {"query": "INSERT DATA { mkd:a mkd:b mkd:c }"}},
        {"tool": "sparql", "arguments": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}},
        {"tool": "sparql", "arguments": {"query": "SELECT ?x WHERE {"}},
        {"tool": "entity-facts", "arguments": {"entity": "Nobody At All Here"}},
        {"tool": "sparql", "arguments": {"query": cross}},
        {"tool": "creators", "arguments": {}},
        {"tool": "why", "arguments": {"query": "SELECT ?facts ?why WHERE { BIND(1 AS ?facts) mkd:missions mk:creator ?why }"}},
        {"tool": "sparql", "arguments": {"query": "SELECT ?who WHERE { mkd:missions mk:creator ?who }", "facts": true}},
        {"tool": "sparql", "arguments": {"query": "ASK {}", "facts": "yes"}},
        {"tool": "sparql", "arguments": {"query": "CONSTRUCT WHERE { ?s mk:creator ?o }", "facts": true}},
    ]);
    let (answers, _) = client(&cases, args);
    let by: BTreeMap<usize, &Value> = answers.iter().enumerate().collect();

    // describe: each fact with its articles and the passage that says it.
    let arben = &by[&0]["structured"];
    assert_eq!(
        arben["iri"],
        json!("https://w3id.org/missions-kg/id/arben-bajraktaraj")
    );
    let facts = arben["facts"].as_array().unwrap();
    let lebanese = facts
        .iter()
        .find(|f| f["property"] == json!("https://w3id.org/missions-kg/ontology#nationality"))
        .unwrap_or_else(|| panic!("no nationality: {arben}"));
    assert_eq!(lebanese["articles"], json!(["article-002"]));
    let passage = &lebanese["passages"][0];
    assert_eq!(passage["article"], json!("article-002"));
    assert!(
        passage["text"].as_str().unwrap().contains("libanais"),
        "{passage}"
    );
    // An ambiguous name: an error the assistant reads, with the candidates.
    let komarov = by[&1];
    assert_eq!(komarov["is_error"], json!(true));
    assert_eq!(komarov["structured"]["error"]["kind"], json!("not-found"));
    assert_eq!(
        komarov["structured"]["error"]["candidates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // why: each answer's supports and the facts it rests on, with passages.
    let creators = &by[&2]["structured"];
    let rows = creators["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{creators}");
    for row in rows {
        let supports = row["supports"].as_array().unwrap();
        assert!(supports
            .iter()
            .flat_map(|s| s.as_array().unwrap())
            .any(|g| g == "article-000"));
        let facts = row["facts"].as_array().unwrap();
        let creator = facts
            .iter()
            .find(|f| f["property"] == json!("https://w3id.org/missions-kg/ontology#creator"))
            .unwrap_or_else(|| panic!("no mk:creator fact: {row}"));
        assert_eq!(
            creator["articles"],
            json!(["article-000", "article-001", "article-002", "article-003"])
        );
        let passages = creator["passages"].as_array().unwrap();
        assert_eq!(passages.len(), 4, "{creator}");
        assert!(
            passages[0]["text"].as_str().unwrap().contains("Créée par"),
            "{creator}"
        );
        assert!(creator["text"]
            .as_str()
            .unwrap()
            .starts_with("mkd:missions mk:creator "));
    }
    assert_eq!(by[&3]["is_error"], json!(false), "{}", by[&3]);

    // search, forgiving a typo.
    let found = by[&4]["structured"]["results"].as_array().unwrap();
    assert!(
        found
            .iter()
            .any(|r| r["name"] == json!("mkd:vladimir-komarov")),
        "{found:?}"
    );

    // Paging: two rows, the next two, the rest counted.
    let first = &by[&5]["structured"];
    let second = &by[&6]["structured"];
    assert_eq!(
        (
            first["shown"].clone(),
            first["more"].clone(),
            first["next_offset"].clone()
        ),
        (json!(2), json!(4), json!(2))
    );
    assert_eq!(
        (second["offset"].clone(), second["more"].clone()),
        (json!(2), json!(2))
    );
    assert_ne!(first["rows"], second["rows"]);
    assert!(by[&5]["text"][0].as_str().unwrap().contains("… and 4 more"));

    // ASK and CONSTRUCT.
    assert_eq!(by[&7]["structured"]["boolean"], json!(true));
    assert_eq!(by[&8]["structured"]["form"], json!("graph"));
    assert_eq!(by[&8]["structured"]["total"], json!(3));

    // Errors: an unknown tool and arguments a tool does not take are
    // JSON-RPC errors; the rest are tool errors of their kind.
    for case in [9, 10, 11, 12] {
        assert_eq!(
            by[&case]["rpc_error"]["code"],
            json!(-32602),
            "{}",
            by[&case]
        );
    }
    for (case, kind) in [
        (13, "read-only"),
        (14, "refused"),
        (15, "syntax"),
        (16, "not-found"),
        (17, "timed-out"),
    ] {
        assert_eq!(by[&case]["is_error"], json!(true), "{}", by[&case]);
        assert_eq!(
            by[&case]["structured"]["error"]["kind"],
            json!(kind),
            "{}",
            by[&case]
        );
    }
    // A stored query's tool: each row with the facts `why` finds for it,
    // and the passages that state them.
    let creators = by[&18]["structured"]["rows"].as_array().unwrap();
    assert_eq!(creators.len(), 3, "{}", by[&18]);
    let traced = by[&2]["structured"]["rows"].as_array().unwrap();
    for row in creators {
        let same = traced
            .iter()
            .find(|t| t["person"] == row["person"])
            .unwrap_or_else(|| panic!("{} is not among why's rows", row["person"]));
        assert!(
            row["facts"] == same["facts"],
            "{}: not why's facts",
            row["person"]
        );
        assert!(row.get("supports").is_none(), "{row}");
        let passages: Vec<&str> = row["facts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["passages"].as_array().unwrap())
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        assert!(passages.iter().any(|p| p.contains("Créée par")), "{row}");
    }
    // Columns named like the additions keep their values; the additions
    // take another name, as the trace's own `why` column does.
    let named = &by[&19]["structured"];
    assert_eq!(named["columns"], json!(["facts", "why", "why_"]), "{named}");
    for row in named["rows"].as_array().unwrap() {
        assert_eq!(row["facts"]["value"], json!("1"), "{row}");
        assert!(
            row["facts_"].as_array().is_some_and(|f| !f.is_empty()),
            "{row}"
        );
        assert!(row["supports"].is_array(), "{row}");
    }

    // `sparql` with `facts`: each row with the passages that state it.
    let who = by[&20]["structured"]["rows"].as_array().unwrap();
    assert_eq!(who.len(), 3, "{}", by[&20]);
    for row in who {
        let passages = row["facts"][0]["passages"].as_array().unwrap();
        assert!(
            passages
                .iter()
                .any(|p| p["text"].as_str().unwrap().contains("Créée par")),
            "{row}"
        );
    }
    assert_eq!(by[&21]["rpc_error"]["code"], json!(-32602), "{}", by[&21]);
    assert_eq!(
        by[&22]["structured"]["error"]["kind"],
        json!("usage"),
        "{}",
        by[&22]
    );

    // SERVICE is refused whatever the flags, so its message names none.
    let service = by[&14]["structured"]["error"]["message"].to_string();
    assert!(
        service.contains("never calls other endpoints") && !service.contains("--allow-service"),
        "{service}"
    );
}

/// `missions-kg mcp` with its stdin and stdout as pipes, its stdout read
/// line by line on a thread (so no read can hang the test).
struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Session {
    /// `missions-kg ARGS…` (which say `mcp`), run from the crate's root.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(bin())
            .args(args)
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next line, within 120 s.
    fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(120))
            .expect("an answer within 120 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// Nothing more within half a second.
    fn quiet(&self) {
        if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            panic!("one answer expected, another came: {line}");
        }
    }

    /// Opens the session (initialize, then initialized).
    fn open(&mut self) {
        self.send(
            br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}
"#,
        );
        assert_eq!(self.next()["id"], json!(1));
        self.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    }

    /// Calls `tool` with `arguments`: its structured answer.
    fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                             "params": {"name": tool, "arguments": arguments}});
        self.send(format!("{request}\n").as_bytes());
        let answer = self.next();
        assert_eq!(answer["id"], json!(id), "{answer}");
        assert_eq!(answer["result"]["isError"], json!(false), "{answer}");
        answer["result"]["structuredContent"].clone()
    }

    fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

#[test]
fn hostile_lines_get_one_error_each_and_the_server_keeps_serving() {
    let mut session = Session::start(&["mcp"]);
    session.open();

    // Not JSON: a parse error, with no id to answer.
    session.send(b"{\"jsonrpc\": \"2.0\", \"id\": \n");
    let error = session.next();
    assert_eq!(
        (error["id"].clone(), error["error"]["code"].clone()),
        (json!(null), json!(-32700))
    );
    session.quiet();
    // JSON, but no message: an invalid request.
    session.send(b"[1, 2, 3]\n");
    assert_eq!(session.next()["error"]["code"], json!(-32600));
    session.quiet();
    // A method of the protocol with params that do not fit it: invalid
    // params (-32602) for its id, saying what is wrong, not "method not
    // found".
    for (id, params) in [(8, "\"cast\""), (9, "{}"), (10, "{\"name\": 5}")] {
        let line = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/call\",\"params\":{params}}}\n"
        );
        session.send(line.as_bytes());
        let error = session.next();
        assert_eq!(error["id"], json!(id), "{error}");
        assert_eq!(error["error"]["code"], json!(-32602), "{error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("invalid params for tools/call: "),
            "{message}"
        );
        session.quiet();
    }

    // A line of 3 MiB: one error, and the line is dropped.
    let before = session.resident_kib();
    let mut huge = vec![b'a'; 3 << 20];
    huge.push(b'\n');
    session.send(&huge);
    assert_eq!(session.next()["error"]["code"], json!(-32600));
    session.quiet();
    // Endless input: 64 MiB with no line break, then its end; one error,
    // and the memory stays bounded while it streams.
    let started = Instant::now();
    let chunk = vec![b'{'; 1 << 20];
    for _ in 0..64 {
        session.send(&chunk);
    }
    session.send(b"\n");
    assert_eq!(session.next()["error"]["code"], json!(-32600));
    session.quiet();
    assert!(started.elapsed() < Duration::from_secs(60));
    let grown = session.resident_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "resident memory grew by {grown} KiB");

    // Still serving.
    session.send(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"cast\",\"arguments\":{\"limit\":1}}}\n");
    let answer = session.next();
    assert_eq!(answer["id"], json!(2));
    assert_eq!(
        answer["result"]["structuredContent"]["total"],
        json!(6),
        "{answer}"
    );

    // The end of stdin ends the session: exit 0, soon.
    let Session {
        mut child, stdin, ..
    } = session;
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not end with its stdin"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Before `initialize`, a ping is answered and a stray notification
/// dropped (rmcp would end the session at it); a last line without its
/// line break is read at the end of stdin.
#[test]
fn stray_messages_before_initialize_and_a_last_line_without_its_break() {
    let mut session = Session::start(&["mcp"]);
    session.send(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n");
    assert_eq!(session.next()["id"], json!(9));
    session.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"foo\"}\n");
    session.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    session.send(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n");
    session.quiet();
    session.open();
    session.send(b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
    let Session {
        mut child,
        stdin,
        lines,
    } = session;
    drop(stdin);
    let line = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("the last line answered");
    assert_eq!(
        serde_json::from_str::<Value>(&line).unwrap()["id"],
        json!(5)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_same_answers_from_data_files_a_store_and_an_endpoint() {
    let count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    let expected = |args: &[&str]| -> Vec<Value> {
        let out = output(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        answer["results"]["bindings"].as_array().cloned().unwrap()
    };
    let rows = |answer: Value| answer["rows"].as_array().cloned().unwrap();

    // --data: the file's graphs, not the built-in ones.
    let data = ["--data", "tests/fixtures/kg.trig"];
    let mut session = Session::start(&[data[0], data[1], "mcp"]);
    session.open();
    let answer = session.call(2, "sparql", json!({"query": count}));
    assert_eq!(
        rows(answer),
        expected(&[data[0], data[1], "query", count, "--format", "json"])
    );

    let cast = expected(&["query", "cast", "--format", "json"]);
    // --store: an on-disk store of the built-in graph.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let out = output(&["--store", store, "load"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut session = Session::start(&["--store", store, "mcp"]);
    session.open();
    assert_eq!(
        sorted(&rows_with_facts(
            &session.call(2, "cast", json!({})),
            "cast"
        )),
        sorted(&cast)
    );

    // --endpoint: another server's SPARQL endpoint.
    let served = common::Served::start(root(), &[], &[]);
    let endpoint = format!("{}/sparql", served.url);
    // `describe` reads each fact's passages from the endpoint, a request
    // each (some 2,000, seconds in a debug build on a loaded machine): a
    // long timeout, as this test is about the answers, not their time.
    let mut session = Session::start(&["mcp", "--endpoint", &endpoint, "--timeout", "120"]);
    session.open();
    assert_eq!(
        sorted(&rows(session.call(2, "cast", json!({})))),
        sorted(&cast)
    );
    let described = session.call(3, "describe", json!({"entity": "Julien Lacombe"}));
    assert_eq!(
        described["iri"],
        json!("https://w3id.org/missions-kg/id/julien-lacombe")
    );
    // An endpoint's answers cannot be traced: `why` says so in its words
    // (no command-line flag), and a stored query's rows come untraced.
    let request = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                         "params": {"name": "why", "arguments": {"query": "creators"}}});
    session.send(format!("{request}\n").as_bytes());
    let answer = session.next();
    assert_eq!(answer["result"]["isError"], json!(true), "{answer}");
    let error = &answer["result"]["structuredContent"]["error"];
    assert_eq!(error["kind"], json!("usage"), "{answer}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("remote SPARQL endpoint") && !message.contains("--"),
        "{message}"
    );
}

#[test]
fn a_client_that_leaves_before_a_word_ends_the_server_quietly() {
    let out = output(&["mcp"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn a_call_past_the_memory_ceiling_is_an_error_and_the_server_goes_on() {
    let mut session = Session::start(&["--memory", "300M", "mcp", "--timeout", "60"]);
    session.open();
    let product = "SELECT ?a ?b ?c ?d WHERE { ?a ?p ?b . ?c ?q ?d } ORDER BY ?a ?b ?c ?d";
    let request = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                         "params": {"name": "sparql", "arguments": {"query": product, "limit": 1}}});
    session.send(format!("{request}\n").as_bytes());
    let answer = session.next();
    assert_eq!(answer["result"]["isError"], json!(true), "{answer}");
    assert_eq!(
        answer["result"]["structuredContent"]["error"]["kind"],
        json!("exhausted")
    );
    assert_eq!(
        session.call(3, "cast", json!({"limit": 1}))["total"],
        json!(6)
    );
}
