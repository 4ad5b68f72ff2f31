//! `serve --mcp` under hostile requests at `/mcp`: a body that is not JSON,
//! not a message, too deep or too large gets a JSON-RPC error (with 400 or
//! 413), a foreign `Host` 403, GET 405; the server answers the next call.
//! Without `--mcp` there is no `/mcp`. (The SDK's own client drives it in
//! `tests/mcp.rs`.)

mod common;

use common::{parse_reply, scratch, Served};
use serde_json::{json, Value};
use std::io::{Read, Write};

const JSON: (&str, &str) = ("Content-Type", "application/json");
const ACCEPT: (&str, &str) = ("Accept", "application/json, text/event-stream");

/// Calls `tool` with `arguments` (request `id`): the JSON answer.
fn call(served: &Served, id: u64, tool: &str, arguments: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    post(served, body.to_string().as_bytes()).1
}

/// POSTs `body` to `/mcp`: the status and the JSON answer (null if none).
fn post(served: &Served, body: &[u8]) -> (u16, Value) {
    let reply = served.request("POST", "/mcp", &[JSON, ACCEPT], body);
    let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    (reply.status, value)
}

#[test]
fn hostile_posts_get_json_rpc_errors_and_the_server_keeps_serving() {
    let dir = scratch();
    let mut served = Served::start(dir.path(), &[], &["--mcp", "--max-body", "64K"]);
    let cases: Vec<(&str, Vec<u8>, u16, i64)> = vec![
        (
            "half a message",
            br#"{"jsonrpc": "2.0", "id": 1, "method": "#.to_vec(),
            400,
            -32700,
        ),
        (
            "not UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec(),
            400,
            -32700,
        ),
        (
            "nested past the parser's depth",
            "[".repeat(50_000).into_bytes(),
            400,
            -32700,
        ),
        (
            "a batch",
            br#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]"#.to_vec(),
            400,
            -32600,
        ),
        ("a bare number", b"42".to_vec(), 400, -32600),
        ("past --max-body", vec![b' '; 100 * 1024], 413, -32600),
    ];
    for (case, body, status, code) in &cases {
        let (got, answer) = post(&served, body);
        assert_eq!(got, *status, "{case}: {answer}");
        assert_eq!(answer["jsonrpc"], json!("2.0"), "{case}: {answer}");
        assert_eq!(answer["id"], Value::Null, "{case}: {answer}");
        assert_eq!(answer["error"]["code"], json!(code), "{case}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{case}: {message}"
        );
    }
    let (_, too_large) = post(&served, &vec![b' '; 100 * 1024]);
    assert!(
        too_large["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-body"),
        "{too_large}"
    );

    // A message with an id but bad arguments: the error carries the id.
    let (status, answer) = post(
        &served,
        br#"{"jsonrpc":"2.0","id":"x1","method":"tools/call","params":{"name":"cast","arguments":{"limit":"many"}}}"#,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["id"], json!("x1"));
    assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");

    // GET (a stream of server messages) is not served: nothing is sent unasked.
    let reply = served.request("GET", "/mcp", &[("Accept", "text/event-stream")], b"");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    assert!(
        reply.text().contains("Model Context Protocol"),
        "{}",
        reply.text()
    );
    // A browser gets a page saying what this is.
    let reply = served.get("/mcp", "text/html");
    assert_eq!(reply.status, 405);
    assert!(reply.text().contains("<html"), "{}", reply.text());

    // A request naming a host that is not this loopback server's: 403
    // (a page cannot reach it through a DNS name rebound to 127.0.0.1).
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    assert_eq!(parse_reply(&raw, false).status, 403);

    // A browser's request from another site's page: 403 (only pages of
    // this machine may call the tools of a loopback server).
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let reply = served.request(
        "POST",
        "/mcp",
        &[JSON, ACCEPT, ("Origin", "https://attacker.example")],
        body,
    );
    assert_eq!(reply.status, 403);
    let reply = served.request(
        "POST",
        "/mcp",
        &[JSON, ACCEPT, ("Origin", "http://localhost:3000")],
        body,
    );
    assert_eq!(reply.status, 200);
    // A client accepting anything gets JSON (curl's `Accept: */*`).
    let reply = served.request("POST", "/mcp", &[JSON, ("Accept", "*/*")], body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));

    // And the server goes on: a call answers its rows.
    let (status, answer) = post(
        &served,
        br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"cast","arguments":{"limit":2}}}"#,
    );
    assert_eq!(status, 200, "{answer}");
    let rows = &answer["result"]["structuredContent"]["rows"];
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{answer}");
    assert!(served.alive());
}

#[test]
fn without_mcp_there_is_no_mcp_route() {
    let dir = scratch();
    let served = Served::start(dir.path(), &[], &[]);
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let (status, _) = post(&served, body);
    assert_eq!(status, 404);
}

/// Calls queued behind slow ones are answered within their own timeout
/// (the wait for a slot counts against it): with one slot and a 2 s
/// timeout, six slow calls at once all get their answer (timed out, or
/// refused as busy) within 2 s and the grace (6 s allowed, for a loaded
/// machine), not one after another (the last at 15 s).
#[test]
fn queued_calls_are_answered_within_their_timeout() {
    let dir = scratch();
    let served = Served::start(
        dir.path(),
        &[],
        &["--mcp", "--max-queries", "1", "--timeout", "2"],
    );
    let slow = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "sparql",
        "arguments": {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c . ?d ?e ?f }"}}})
    .to_string();
    let port = served.port;
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let body = slow.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let reply =
                    common::http_request(port, "POST", "/mcp", &[JSON, ACCEPT], body.as_bytes());
                let answer: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                (started.elapsed(), answer)
            })
        })
        .collect();
    for call in calls {
        let (took, answer) = call.join().unwrap();
        let kind = &answer["result"]["structuredContent"]["error"]["kind"];
        assert!(kind == "timed-out" || kind == "refused", "{answer}");
        assert!(
            took.as_secs_f64() < 6.0,
            "answered after {took:?}: {answer}"
        );
    }
}

/// `describe` of a node with 200,000 facts pointing at it stops at the
/// timeout, not only its answer: with one slot, the next call runs at
/// once. (Before, the view was read to its end, some ten seconds in a
/// debug build, holding the slot, and the next call was refused as busy.)
#[test]
fn a_describe_past_its_timeout_stops_and_frees_its_slot() {
    let dir = scratch();
    let data = dir.path().join("hub.nt");
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!(
            "<http://example.org/s{i}> <http://example.org/p> <http://example.org/hub> .\n"
        ));
    }
    std::fs::write(&data, text).unwrap();
    let served = Served::start(
        dir.path(),
        &["--data", data.to_str().unwrap()],
        &["--mcp", "--max-queries", "1", "--timeout", "1"],
    );
    let described = call(
        &served,
        1,
        "describe",
        json!({"entity": "http://example.org/hub"}),
    );
    let error = &described["result"]["structuredContent"]["error"];
    assert_eq!(error["kind"], json!("timed-out"), "{described}");
    let asked = call(&served, 2, "sparql", json!({"query": "ASK { ?s ?p ?o }"}));
    assert_eq!(asked["result"]["isError"], json!(false), "{asked}");
    assert_eq!(asked["result"]["structuredContent"]["boolean"], json!(true));
    let found = call(&served, 3, "search", json!({"text": "nothing like this"}));
    assert_eq!(found["result"]["isError"], json!(false), "{found}");
}

/// `why` on a query of 3,000 OPTIONALs stops at its timeout, not only
/// its answer: with one slot, the next call runs at once. (Before, the
/// trace's own loops read on, one name lookup per column per solution,
/// for some forty seconds in a debug build.)
#[test]
fn a_why_past_its_timeout_stops_and_frees_its_slot() {
    let dir = scratch();
    let served = Served::start(
        dir.path(),
        &[],
        &["--mcp", "--max-queries", "1", "--timeout", "1"],
    );
    let optionals: Vec<String> = (0..3000)
        .map(|i| format!("OPTIONAL {{ ?s <http://example.org/p{i}> ?v{i} }}"))
        .collect();
    let query = format!(
        "SELECT * WHERE {{ ?s ?p ?o {} }} LIMIT 1",
        optionals.join(" ")
    );
    let traced = call(&served, 1, "why", json!({ "query": query }));
    let error = &traced["result"]["structuredContent"]["error"];
    assert_eq!(error["kind"], json!("timed-out"), "{traced}");
    let asked = call(&served, 2, "sparql", json!({"query": "ASK { ?s ?p ?o }"}));
    assert_eq!(asked["result"]["isError"], json!(false), "{asked}");
}
