//! `missions-kg serve`'s router under bad input and load, in process
//! (`common::App`): every class of malformed or hostile request with the
//! status and message it must get (never a 500 for bad input), and the
//! query slots and timeout (503, 504). The formats, the protocol and the
//! cache are `tests/serve.rs`; what needs a real connection is
//! `tests/connections.rs`.

mod common;

use common::App;
use std::time::{Duration, Instant};

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A query that runs for a long time: a product of the whole graph, three times.
const SLOW: &str = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";

#[test]
fn malformed_and_hostile_requests_get_the_right_status() {
    let app = App::start(&[], &["--max-body", "4K"]);
    let check = |reply: common::Reply, status: u16, needle: &str| {
        assert_eq!(reply.status, status, "{needle}: {}", reply.text());
        assert!(reply.text().contains(needle), "{needle}: {}", reply.text());
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"));
    };
    check(app.get("/nowhere", "*/*"), 404, "nothing here");
    check(
        app.get("/sparql?query=SELEC%20*", "*/*"),
        400,
        "malformed query",
    );
    check(
        app.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", "*/*"),
        400,
        "exactly one",
    );
    check(
        app.get("/sparql?default-graph-uri=x", "*/*"),
        400,
        "no query",
    );
    check(
        app.get(
            &format!("/sparql?query={}&default-graph-uri=%3Cbad", encode("ASK{}")),
            "*/*",
        ),
        400,
        "invalid graph IRI",
    );
    check(
        app.get(&format!("/sparql?update={}", encode("CLEAR ALL")), "*/*"),
        403,
        "read-only",
    );
    check(
        app.get(
            &format!(
                "/sparql?query={}",
                encode("INSERT DATA { <a:b> <a:b> <a:b> }")
            ),
            "*/*",
        ),
        403,
        "read-only",
    );
    check(
        app.get(
            &format!(
                "/sparql?query={}",
                encode("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
            ),
            "*/*",
        ),
        400,
        "--allow-service",
    );
    let put = app.request("PUT", "/sparql", &[], b"");
    check(put, 405, "read-only");
    let delete = app.request("DELETE", "/id/julien-lacombe", &[], b"");
    assert_eq!(delete.header("allow"), Some("GET, HEAD"));
    check(
        app.request(
            "POST",
            "/sparql",
            &[("Content-Type", "text/plain")],
            b"ASK {}",
        ),
        415,
        "text/plain",
    );
    check(
        app.request("POST", "/sparql", &[], b"query=ASK%7B%7D"),
        415,
        "none",
    );
    // An empty query is said in the server's words (not the CLI's files
    // and stdin).
    check(
        app.get("/sparql?query=%20%0A", "*/*"),
        400,
        "the query in the request is empty",
    );
    check(app.get("/queries/%FF", "*/*"), 400, "not valid UTF-8");
    check(
        app.request(
            "POST",
            "/sparql",
            &[
                ("Content-Type", "application/sparql-query"),
                ("Content-Type", "text/plain"),
            ],
            b"ASK {}",
        ),
        400,
        "more than one Content-Type",
    );
    let big = vec![b'#'; 8 * 1024];
    let too_big = app.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        &big,
    );
    assert_eq!(too_big.status, 413, "{}", too_big.text());
    assert!(too_big.text().contains("--max-body"), "{}", too_big.text());
    let long = format!("/sparql?query={}", "x".repeat(40 * 1024));
    check(app.get(&long, "*/*"), 414, "POST a long query");
    // Longer than a URI may be, past hyper's read buffer, not HTTP at
    // all: hyper answers those itself (`tests/connections.rs`).
    // Deep nesting, the same limit as the command line.
    let deep = format!("SELECT * {{ {} }}", "{".repeat(5000) + &"}".repeat(5000));
    let posted = app.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        deep.as_bytes(),
    );
    assert_eq!(posted.status, 413, "over --max-body 4K");
    // None of this was a 500.
    let metrics = app.get("/metrics", "*/*").text();
    assert!(!metrics.contains("status=\"500\""), "{metrics}");
}

#[test]
fn a_slow_query_times_out_with_504_and_excess_queries_get_503() {
    let app = App::start(&[], &["--timeout", "2", "--max-queries", "1"]);
    let slow = format!("/sparql?query={}", encode(SLOW));
    let started = Instant::now();
    let running = app.clone();
    let first = std::thread::spawn(move || running.request("GET", &slow, &[], b""));
    std::thread::sleep(Duration::from_millis(300));
    // It waits a second for the slot, then is refused.
    let asked = Instant::now();
    let busy = app.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert!(
        asked.elapsed() >= Duration::from_millis(900),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(busy.header("retry-after"), Some("1"));
    let first = first.join().unwrap();
    assert_eq!(first.status, 504, "{}", first.text());
    assert!(
        first.text().contains("timed out after 2 s"),
        "{}",
        first.text()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The work really stopped: the slot is free again at once.
    let mut answered = false;
    for _ in 0..50 {
        let reply = app.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
        if reply.status == 200 {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answered, "the slot was not freed within 5 s");
    let metrics = app.get("/metrics", "*/*").text();
    assert!(
        metrics.contains("missions_kg_query_timeouts_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("missions_kg_queries_refused_busy_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("missions_kg_queries_running 0"),
        "{metrics}"
    );
}
