//! `missions-kg serve` as its users meet it, on loopback: every result
//! format by `Accept` and by name, linked data, the pages a person reads,
//! `/metrics`, and every class of malformed or hostile request with the
//! status and message it must get (never a 500 for bad input, never a
//! dropped connection, never a slow client holding the server).

mod common;

use common::{http_request, Served};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn embedded() -> (tempfile::TempDir, Served) {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[]);
    (dir, served)
}

const CAST: &str = "SELECT ?person ?character WHERE { ?role mk:castMember ?person ; mk:character ?character } ORDER BY ?person";
const GRAPH: &str = "CONSTRUCT { ?person a mk:Person } WHERE { ?role mk:castMember ?person }";

#[test]
fn results_come_in_every_format_by_accept_and_by_name() {
    let (_dir, served) = embedded();
    let select = format!("/sparql?query={}", encode(CAST));
    for (accept, format) in [
        ("application/sparql-results+json", QueryResultsFormat::Json),
        ("application/sparql-results+xml", QueryResultsFormat::Xml),
        ("text/csv", QueryResultsFormat::Csv),
        ("text/tab-separated-values", QueryResultsFormat::Tsv),
        ("application/json", QueryResultsFormat::Json),
    ] {
        let reply = served.get(&select, accept);
        assert_eq!(reply.status, 200, "{accept}: {}", reply.text());
        let content_type = reply.header("content-type").unwrap();
        assert_eq!(
            QueryResultsFormat::from_media_type(content_type),
            Some(format),
            "{accept}"
        );
        assert_eq!(
            reply.header("vary").map(|v| v.contains("Accept")),
            Some(true)
        );
        // CSV cannot be read back into terms (it is lossy): count its lines.
        let rows = if format == QueryResultsFormat::Csv {
            reply.text().lines().count() - 1
        } else {
            let SliceQueryResultsParserOutput::Solutions(solutions) =
                QueryResultsParser::from_format(format)
                    .for_slice(&reply.body)
                    .unwrap()
            else {
                panic!("{accept}: not solutions");
            };
            solutions.map(Result::unwrap).count()
        };
        assert!(rows >= 8, "{accept}: {rows} rows");
    }
    // By name, as Fuseki's `format=` and the command line's --format.
    let reply = served.get(&format!("{select}&format=tsv"), "*/*");
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/tab-separated-values"));
    let construct = format!("/sparql?query={}", encode(GRAPH));
    let mut counts = Vec::new();
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/trig", RdfFormat::TriG),
        ("application/n-triples", RdfFormat::NTriples),
        ("application/n-quads", RdfFormat::NQuads),
        ("application/rdf+xml", RdfFormat::RdfXml),
        (
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let reply = served.get(&construct, accept);
        assert_eq!(reply.status, 200, "{accept}: {}", reply.text());
        let mut triples = 0;
        for triple in RdfParser::from_format(format).for_slice(&reply.body) {
            triple.unwrap_or_else(|e| panic!("{accept}: {e}"));
            triples += 1;
        }
        counts.push(triples);
    }
    assert!(counts[0] >= 6, "{counts:?}");
    assert!(
        counts.iter().all(|n| *n == counts[0]),
        "the same triples in every syntax: {counts:?}"
    );
    // A browser gets a page with the results as a table, labels linked.
    let page = served.get(&select, "text/html,application/xhtml+xml,*/*;q=0.8");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("<table class=\"results\""), "{html}");
    assert!(html.contains("href=\"/id/clement-aubert\""), "{html}");
    // curl's */* gets data, not a page.
    let data = served.get(&select, "*/*");
    assert_eq!(
        data.header("content-type"),
        Some("application/sparql-results+json")
    );
    // Nothing acceptable: 406, naming what is offered.
    let refused = served.get(&select, "image/png");
    assert_eq!(refused.status, 406);
    assert!(
        refused.text().contains("application/sparql-results+json"),
        "{}",
        refused.text()
    );
    // ASK in JSON and XML.
    let ask = served.get(
        &format!("/sparql?query={}", encode("ASK { ?s ?p ?o }")),
        "application/sparql-results+xml",
    );
    assert!(
        ask.text().contains("<boolean>true</boolean>"),
        "{}",
        ask.text()
    );
}

#[test]
fn queries_go_by_get_form_post_and_direct_post_with_a_protocol_dataset() {
    let (_dir, served) = embedded();
    let json = "application/sparql-results+json";
    let form = format!("query={}", encode(CAST));
    let posted = served.request(
        "POST",
        "/sparql",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", json),
        ],
        form.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    let direct = served.request(
        "POST",
        "/query",
        &[
            ("Content-Type", "application/sparql-query"),
            ("Accept", json),
        ],
        CAST.as_bytes(),
    );
    assert_eq!(direct.status, 200);
    assert_eq!(posted.body, direct.body);
    // default-graph-uri narrows the default graph to one article's graph.
    let count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }";
    let article = "https://w3id.org/missions-kg/source/article-003";
    let whole = served
        .get(
            &format!("/sparql?query={}&format=csv", encode(count)),
            "*/*",
        )
        .text();
    let one = served
        .get(
            &format!(
                "/sparql?query={}&default-graph-uri={}&format=csv",
                encode(count),
                encode(article)
            ),
            "*/*",
        )
        .text();
    assert_ne!(whole, one);
    assert!(one.contains("237"), "{one}");
    // Stored queries with typed parameters, as --param binds them.
    let cast = served.get("/queries/cast?format=csv", "*/*");
    assert_eq!(cast.status, 200);
    assert!(cast.text().contains("Clément Aubert"), "{}", cast.text());
    let person = served.get(
        "/queries/entity-facts?entity=julien-lacombe&format=csv",
        "*/*",
    );
    assert_eq!(person.status, 200, "{}", person.text());
    let unknown_param = served.get("/queries/cast?nobody=1", "*/*");
    assert_eq!(unknown_param.status, 400);
    assert!(
        unknown_param.text().contains("unknown parameter 'nobody'"),
        "{}",
        unknown_param.text()
    );
    let unknown_query = served.get("/queries/cats", "*/*");
    assert_eq!(unknown_query.status, 404);
    assert!(
        unknown_query.text().contains("cast"),
        "suggests the near name: {}",
        unknown_query.text()
    );
}

#[test]
fn linked_data_dereferences_in_html_and_every_rdf_format() {
    let (_dir, served) = embedded();
    let turtle = served.get("/id/julien-lacombe", "text/turtle");
    assert_eq!(turtle.status, 200);
    assert!(turtle
        .header("content-type")
        .unwrap()
        .starts_with("text/turtle"));
    assert!(
        turtle.text().contains("\"Julien Lacombe\""),
        "{}",
        turtle.text()
    );
    // The extension wins over Accept, as on Wikidata's entity pages.
    let by_extension = served.get("/id/julien-lacombe.jsonld", "text/html");
    assert_eq!(
        by_extension.header("content-type"),
        Some("application/ld+json")
    );
    // TriG keeps which article states what.
    let trig = served.get("/id/julien-lacombe.trig", "*/*").text();
    assert!(trig.contains("article-0"), "{trig}");
    let html = served.get("/id/julien-lacombe", "text/html").text();
    assert!(html.contains("<h1>Julien Lacombe</h1>"), "{html}");
    assert!(
        html.contains("href=\"/source/article-"),
        "facts link their sources: {html}"
    );
    let missing = served.get("/id/nobody-at-all", "text/html");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("nobody-at-all"));
}

#[test]
fn pages_show_what_a_person_looks_for() {
    let (_dir, served) = embedded();
    let html = "text/html";
    let home = served.get("/", html).text();
    assert!(
        home.contains("href=\"/source/article-000\""),
        "the articles are listed"
    );
    assert!(
        home.contains("action=\"/queries/cast\""),
        "stored queries are runnable"
    );
    // Search ignores accents and case.
    let found = served.get("/search?q=vivies", html).text();
    assert!(found.contains("/id/helene-vivies"), "{found}");
    // The cast with their characters, from the stored query, as a table.
    let cast = served.get("/queries/cast", html).text();
    assert!(
        cast.contains("Clément Aubert") && cast.contains("Simon Gramat"),
        "{cast}"
    );
    // A disagreement side by side, each side with its article.
    let broadcast = served.get("/id/broadcast-ocs-2017", html).text();
    assert!(
        broadcast.contains("Where the articles differ"),
        "{broadcast}"
    );
    assert!(
        broadcast.contains("2017-06-01") && broadcast.contains("article-001"),
        "{broadcast}"
    );
    // An article's page: what it states.
    let article = served.get("/source/article-000", html).text();
    assert!(article.contains("What this article states"), "{article}");
    let timeline = served.get("/timeline", html).text();
    assert!(
        timeline.contains("<time datetime=\"2017\">2017</time>"),
        "{timeline}"
    );
    // Drawn: a year given alone is a band, a full date a dot, each a link
    // to its event; an event two articles date alike is one entry with
    // both sources.
    assert!(timeline.contains("<svg class=\"chart\""), "{timeline}");
    assert!(timeline.contains("<rect class=\"band\""), "{timeline}");
    assert!(timeline.contains("<circle class=\"mark\""), "{timeline}");
    assert!(timeline.contains("<a href=\"/id/rights-deal-amc-shudder\">"));
    let mip = timeline
        .split("<li ")
        .find(|item| item.contains("MIP 2017"))
        .expect("the MIP prize is listed");
    assert!(
        mip.contains("article-000") && mip.contains("article-001"),
        "{mip}"
    );
    assert_eq!(timeline.matches("MIP 2017</a>").count(), 1, "{timeline}");
    // French by the switch and by Accept-Language.
    assert!(served
        .get("/timeline?lang=fr", html)
        .text()
        .contains("Chronologie"));
    let french = served.request(
        "GET",
        "/",
        &[
            ("Accept", html),
            ("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8"),
        ],
        b"",
    );
    assert!(french.text().contains("<html lang=\"fr\">"));
    // The editor runs a query and offers downloads and a permalink.
    let editor = served
        .get(&format!("/ui/query?query={}", encode(CAST)), html)
        .text();
    assert!(
        editor.contains("Clément Aubert") && editor.contains("format=csv"),
        "{editor}"
    );
    // With "why", each answer shows the graphs behind it, CONSTRUCT too.
    let traced = served
        .get(&format!("/ui/query?query={}&why=1", encode(CAST)), html)
        .text();
    assert!(
        traced.contains("checked") && traced.contains("article-000 | article-002"),
        "{traced}"
    );
    let construct =
        "CONSTRUCT { ?person mk:castMember ?role } WHERE { ?role mk:castMember ?person }";
    let traced = served
        .get(
            &format!("/ui/query?query={}&why=1", encode(construct)),
            html,
        )
        .text();
    assert!(
        traced.contains("why") && traced.contains("article-000 | article-002"),
        "{traced}"
    );
    // A syntax error is shown on the page, not as a failure.
    let wrong = served.get(
        &format!("/ui/query?query={}", encode("SELECT WHERE {")),
        html,
    );
    assert_eq!(wrong.status, 200);
    assert!(wrong.text().contains("role=\"alert\""));
    // Every page carries a strict policy.
    let home = served.get("/", html);
    assert!(home
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn data_shown_in_pages_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.ttl"),
        "<https://w3id.org/missions-kg/id/evil> <http://www.w3.org/2000/01/rdf-schema#label> \"<script>alert(1)</script>\" ;\n\
         <https://w3id.org/missions-kg/ontology#note> \"\\\"><img src=x onerror=alert(2)>\" .\n\
         <https://w3id.org/missions-kg/id/nul> <http://www.w3.org/2000/01/rdf-schema#label> \"a\\u0000b\\u001Bc\" .\n",
    )
    .unwrap();
    let served = Served::start(dir.path(), &["--data", "evil.ttl"], &[]);
    for target in [
        "/id/evil",
        "/search?q=script",
        &format!("/sparql?query={}", encode("SELECT * { ?s ?p ?o }")),
    ] {
        let page = served.get(target, "text/html").text();
        assert!(!page.contains("<script>alert"), "{target}: {page}");
        assert!(!page.contains("<img src=x"), "{target}: {page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{target}: {page}"
        );
    }
    // Control characters from the data never reach a page (they make the
    // HTML invalid); they show as U+FFFD.
    let page = served.get("/id/nul", "text/html").text();
    assert!(page.contains("a\u{fffd}b\u{fffd}c"), "{page}");
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'));
}

#[test]
fn graph_store_reads_one_graph_the_default_graph_or_everything() {
    let (_dir, served) = embedded();
    let graph = encode("https://w3id.org/missions-kg/source/article-000");
    let one = served.get(&format!("/store?graph={graph}"), "application/n-triples");
    assert_eq!(one.status, 200);
    assert_eq!(
        RdfParser::from_format(RdfFormat::NTriples)
            .for_slice(&one.body)
            .count(),
        309
    );
    let head = served.request("HEAD", &format!("/store?graph={graph}"), &[], b"");
    assert_eq!(head.status, 200);
    let all = served.get("/store", "application/n-quads");
    assert!(
        RdfParser::from_format(RdfFormat::NQuads)
            .for_slice(&all.body)
            .count()
            > 3000
    );
    assert_eq!(served.get("/store?graph=urn:nothing", "*/*").status, 404);
    assert_eq!(
        served
            .get(&format!("/store?graph={graph}&default"), "*/*")
            .status,
        400
    );
    assert_eq!(served.get("/store?graph=not%20an%20iri", "*/*").status, 400);
    // A single graph cannot be asked for as a dataset format by name only if it cannot hold it.
    assert_eq!(served.get("/store", "text/turtle").status, 406);
}

#[test]
fn malformed_and_hostile_requests_get_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &["--max-body", "4K"]);
    let check = |reply: common::Reply, status: u16, needle: &str| {
        assert_eq!(reply.status, status, "{needle}: {}", reply.text());
        assert!(reply.text().contains(needle), "{needle}: {}", reply.text());
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"));
    };
    check(served.get("/nowhere", "*/*"), 404, "nothing here");
    check(
        served.get("/sparql?query=SELEC%20*", "*/*"),
        400,
        "malformed query",
    );
    check(
        served.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", "*/*"),
        400,
        "exactly one",
    );
    check(
        served.get("/sparql?default-graph-uri=x", "*/*"),
        400,
        "no query",
    );
    check(
        served.get(
            &format!("/sparql?query={}&default-graph-uri=%3Cbad", encode("ASK{}")),
            "*/*",
        ),
        400,
        "invalid graph IRI",
    );
    check(
        served.get(&format!("/sparql?update={}", encode("CLEAR ALL")), "*/*"),
        403,
        "read-only",
    );
    check(
        served.get(
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
        served.get(
            &format!(
                "/sparql?query={}",
                encode("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
            ),
            "*/*",
        ),
        400,
        "--allow-service",
    );
    let put = served.request("PUT", "/sparql", &[], b"");
    check(put, 405, "read-only");
    let delete = served.request("DELETE", "/id/julien-lacombe", &[], b"");
    assert_eq!(delete.header("allow"), Some("GET, HEAD"));
    check(
        served.request(
            "POST",
            "/sparql",
            &[("Content-Type", "text/plain")],
            b"ASK {}",
        ),
        415,
        "text/plain",
    );
    check(
        served.request("POST", "/sparql", &[], b"query=ASK%7B%7D"),
        415,
        "none",
    );
    // An empty query is said in the server's words (not the CLI's files
    // and stdin).
    check(
        served.get("/sparql?query=%20%0A", "*/*"),
        400,
        "the query in the request is empty",
    );
    check(served.get("/queries/%FF", "*/*"), 400, "not valid UTF-8");
    check(
        served.request(
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
    let too_big = served.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        &big,
    );
    assert_eq!(too_big.status, 413, "{}", too_big.text());
    assert!(too_big.text().contains("--max-body"), "{}", too_big.text());
    let long = format!("/sparql?query={}", "x".repeat(40 * 1024));
    check(served.get(&long, "*/*"), 414, "POST a long query");
    // Longer than a URI can be (hyper answers), or than the headers may
    // be: still an answer, not a dropped connection.
    let longer = format!("/sparql?query={}", "x".repeat(100 * 1024));
    assert_eq!(served.get(&longer, "*/*").status, 414);
    // Past hyper's read buffer, 414 or 431 depending on where the reads
    // split the line: an answer either way.
    let huge = format!("/sparql?query={}", "x".repeat(2 * 1024 * 1024));
    let status = served.get(&huge, "*/*").status;
    assert!(status == 414 || status == 431, "{status}");
    // A request line that is not HTTP.
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(b"HELLO THERE\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    assert!(
        String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&raw)
    );
    // Deep nesting, the same limit as the command line.
    let deep = format!("SELECT * {{ {} }}", "{".repeat(5000) + &"}".repeat(5000));
    let posted = served.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        deep.as_bytes(),
    );
    assert_eq!(posted.status, 413, "over --max-body 4K");
    // None of this was a 500.
    let metrics = served.get("/metrics", "*/*").text();
    assert!(!metrics.contains("status=\"500\""), "{metrics}");
}

/// A query that runs for a long time: a join of every triple with every
/// triple, counted.
const SLOW: &str = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";

#[test]
fn a_slow_query_times_out_with_504_and_excess_queries_get_503() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &["--timeout", "2", "--max-queries", "1"]);
    let port = served.port;
    let slow = format!("/sparql?query={}", encode(SLOW));
    let started = Instant::now();
    let first = std::thread::spawn(move || http_request(port, "GET", &slow, &[], b""));
    std::thread::sleep(Duration::from_millis(300));
    // It waits a second for the slot, then is refused.
    let asked = Instant::now();
    let busy = served.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
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
        let reply = served.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
        if reply.status == 200 {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answered, "the slot was not freed within 5 s");
    let metrics = served.get("/metrics", "*/*").text();
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

#[test]
fn slow_clients_cannot_hold_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(
        dir.path(),
        &[],
        &["--header-timeout", "1", "--max-connections", "64"],
    );
    // Slowloris: many connections sending their headers a byte at a time.
    let mut slow: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
            stream
        })
        .collect();
    let started = Instant::now();
    let mut closed = 0;
    while started.elapsed() < Duration::from_secs(8) && closed < slow.len() {
        // Meanwhile a normal client is served at once.
        let reply = served.get("/health", "*/*");
        assert_eq!(reply.status, 200);
        closed = 0;
        for stream in &mut slow {
            if stream.write_all(b"X").is_err() {
                closed += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        closed,
        slow.len(),
        "the server kept slow connections open past its header timeout"
    );
    assert!(served.alive());
    // A body that never comes is cut off too (its own timeout), and the
    // server answers others meanwhile.
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    stream
        .write_all(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK")
        .unwrap();
    assert_eq!(served.get("/health", "*/*").status, 200);
}

#[test]
fn identical_requests_are_answered_from_the_cache_with_an_etag() {
    let (_dir, served) = embedded();
    let first = served.get("/queries/cast?format=csv", "*/*");
    let etag = first.header("etag").expect("an ETag").to_owned();
    let second = served.get("/queries/cast?format=csv", "*/*");
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    let revalidated = served.request(
        "GET",
        "/queries/cast?format=csv",
        &[("Accept", "*/*"), ("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    // Another Accept or language is another answer.
    let json = served.get("/queries/cast", "application/sparql-results+json");
    assert_ne!(json.body, first.body);
    let metrics = served.get("/metrics", "*/*").text();
    assert!(
        metrics.contains("missions_kg_cache_hits_total 2"),
        "{metrics}"
    );
}

#[test]
fn health_metrics_cors_and_compression() {
    let (_dir, served) = embedded();
    assert_eq!(served.get("/health", "*/*").text(), "ok\n");
    served.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
    let metrics = served.get("/metrics", "*/*");
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = metrics.text();
    assert!(
        text.contains("missions_kg_requests_total{route=\"/sparql\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("missions_kg_request_duration_seconds_bucket{le=\"+Inf\"}"),
        "{text}"
    );
    // CORS, for notebooks in a browser.
    let cors = served.request(
        "GET",
        "/sparql?query=ASK%7B%7D",
        &[("Origin", "https://notebook.example")],
        b"",
    );
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
    // Compressed when asked.
    let gzip = served.request(
        "GET",
        "/queries/cast?format=tsv",
        &[("Accept-Encoding", "gzip")],
        b"",
    );
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gzip.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("Clément Aubert"));
    // The service description lists the endpoint and the stored queries.
    // A browser opening the endpoint lands on the editor.
    let browser = served.get("/sparql", "text/html,application/xhtml+xml,*/*;q=0.8");
    assert_eq!(browser.status, 303);
    assert_eq!(browser.header("location"), Some("/ui/query"));
    let description = served.get("/sparql", "text/turtle").text();
    assert!(
        description.contains("sd:Service")
            || description.contains("sparql-service-description#Service"),
        "{description}"
    );
    assert!(description.contains("/queries/cast>"), "{description}");
}

#[test]
fn work_inside_one_row_is_bounded_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &["--timeout", "3"]);
    // CONCAT doubling a string: each step is bounded, so the query ends
    // with a clear 400 long before it could hold gigabytes.
    let mut query = String::from("SELECT (STRLEN(?v16) AS ?n) WHERE { BIND(\"xxxx\" AS ?v0) ");
    for i in 1..=16 {
        let p = i - 1;
        query.push_str(&format!("BIND(CONCAT(?v{p},?v{p},?v{p},?v{p}) AS ?v{i}) "));
    }
    query.push('}');
    let started = Instant::now();
    let reply = served.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        query.as_bytes(),
    );
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(
        reply.text().contains("limited to 16 MiB"),
        "{}",
        reply.text()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let metrics = served.get("/metrics", "*/*").text();
    assert!(
        metrics.contains("missions_kg_queries_running 0"),
        "{metrics}"
    );
}

#[test]
fn a_client_that_leaves_frees_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &["--timeout", "30", "--max-queries", "1"]);
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    let target = format!("/sparql?query={}", encode(SLOW));
    stream
        .write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(stream);
    let started = Instant::now();
    let mut answered = false;
    while started.elapsed() < Duration::from_secs(5) {
        if served
            .get(&format!("/sparql?query={}", encode("ASK {}")), "*/*")
            .status
            == 200
        {
            answered = true;
            break;
        }
    }
    assert!(
        answered,
        "the slot of a client that left was still taken after 5 s"
    );
}

#[test]
fn large_answers_volatile_queries_and_odd_requests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.ttl"),
        "<https://w3id.org/missions-kg/id/evil> <http://www.w3.org/2002/07/owl#sameAs> <javascript:alert(1)> ;\n\
         <http://www.w3.org/2000/01/rdf-schema#label> \"evil\" .\n",
    )
    .unwrap();
    let served = Served::start(dir.path(), &["--data", "evil.ttl", "--with-embedded"], &[]);
    // An answer larger than a cache entry is sent whole, not emptied.
    let big = format!(
        "/sparql?query={}",
        encode("SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 12000")
    );
    let reply = served.get(&big, "application/sparql-results+json");
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.len() > 4 * 1024 * 1024,
        "{} bytes",
        reply.body.len()
    );
    assert_eq!(
        reply.header("content-length"),
        Some(reply.body.len().to_string().as_str())
    );
    // RAND and NOW change between runs: never kept.
    let volatile = format!(
        "/sparql?query={}&format=csv",
        encode("SELECT (RAND() AS ?r) (NOW() AS ?n) {}")
    );
    let first = served.get(&volatile, "*/*");
    std::thread::sleep(Duration::from_millis(20));
    let second = served.get(&volatile, "*/*");
    assert_eq!(first.header("cache-control"), Some("no-store"));
    assert_ne!(first.body, second.body);
    // Only web addresses are links: a javascript: IRI in the data is text.
    let page = served.get("/id/evil", "text/html").text();
    assert!(page.contains("javascript:alert(1)"), "{page}");
    assert!(!page.contains("href=\"javascript:"), "{page}");
    let reflected = served
        .get(
            &format!(
                "/ui/query?query={}",
                encode("SELECT ?y { BIND(<javascript:alert(2)> AS ?y) }")
            ),
            "text/html",
        )
        .text();
    assert!(!reflected.contains("href=\"javascript:"), "{reflected}");
    // Bytes that are not UTF-8 once decoded: 400, not a query with U+FFFD.
    let bad = served.get(
        "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%22%FF%22%7D",
        "*/*",
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.text().contains("UTF-8"));
    // What the request said is echoed on one line, controls escaped.
    let echoed = served.get(
        "/sparql?query=ASK%7B%7D&format=a%0D%0AX-Injected:%201%1B",
        "*/*",
    );
    assert_eq!(echoed.status, 400);
    assert_eq!(echoed.text().lines().count(), 1, "{:?}", echoed.text());
    assert!(!echoed.text().contains('\u{1b}'));
    // A weak comparison, as If-None-Match asks.
    let cast = served.get("/queries/cast?format=csv", "*/*");
    let etag = cast.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("W/"), "{etag}");
    let strong = etag.trim_start_matches("W/");
    let again = served.request(
        "GET",
        "/queries/cast?format=csv",
        &[("If-None-Match", strong)],
        b"",
    );
    assert_eq!(again.status, 304);
    // A graph that is nothing else dereferences to its statements.
    let ontology = served.get("/graph/ontology.nt", "*/*");
    assert!(
        RdfParser::from_format(RdfFormat::NTriples)
            .for_slice(&ontology.body)
            .count()
            > 1000
    );
    assert!(served
        .get("/graph/ontology", "text/html")
        .text()
        .contains("A named graph of"));
    // An extension that names no format is not the page.
    assert_eq!(served.get("/id/julien-lacombe.exe", "*/*").status, 404);
    // Two Accept headers are one list.
    let two = served.request(
        "GET",
        &format!("/sparql?query={}", encode("ASK {}")),
        &[("Accept", "image/png"), ("Accept", "text/csv")],
        b"",
    );
    assert_eq!(two.status, 200, "{}", two.text());
    assert!(two.header("content-type").unwrap().starts_with("text/csv"));
    // A byte order mark before a posted query is not part of it.
    let bom = served.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        "\u{feff}ASK {}".as_bytes(),
    );
    assert_eq!(bom.status, 200, "{}", bom.text());
    // The guard's own answers carry the security headers too.
    let long = served.get(&format!("/sparql?query={}", "x".repeat(40 * 1024)), "*/*");
    assert_eq!(long.status, 414);
    assert_eq!(long.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn deep_queries_run_on_the_query_threads_large_stack() {
    let (_dir, served) = embedded();
    // 2,000 chained UNIONs: far deeper than a default 2 MiB thread stack
    // allows the evaluator, well within the limits.
    let branches = vec!["{ BIND(1 AS ?x) }"; 2000].join(" UNION ");
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ {branches} }}");
    let reply = served.request(
        "POST",
        "/sparql",
        &[
            ("Content-Type", "application/sparql-query"),
            ("Accept", "text/csv"),
        ],
        query.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("2000"), "{}", reply.text());
}

#[test]
fn the_query_page_loads_the_vendored_editor_compressed_and_kept_a_year() {
    let (_dir, served) = embedded();
    let page = served.get("/ui/query", "text/html").text();
    assert!(
        page.contains("<script src=\"/assets/yasqe-4.6.2.min.js\" defer>"),
        "{page}"
    );
    assert!(page.contains("<script src=\"/assets/editor.js\" defer>"));
    // What the editor completes comes with the page: no script asks the
    // network.
    assert!(
        page.contains("data-terms=\"{&quot;classes&quot;:["),
        "{page}"
    );
    assert!(page.contains("https://w3id.org/missions-kg/ontology#creator"));
    // Only the query page carries the editor.
    assert!(!served.get("/", "text/html").text().contains("yasqe"));
    let script = "/assets/yasqe-4.6.2.min.js";
    // Twice each way, plain first: the second answers would come from the
    // cache if the cache kept them; a gzipped answer must never reach a
    // client that did not ask for gzip, and gzip clients always get the
    // copy compressed once (with its length), never a kept plain copy
    // compressed again.
    let mut gzipped: Option<Vec<u8>> = None;
    for _ in 0..2 {
        let raw = served.request("GET", script, &[], b"");
        assert_eq!(raw.header("content-encoding"), None);
        let gzip = served.request("GET", script, &[("Accept-Encoding", "gzip, br")], b"");
        assert_eq!(gzip.status, 200);
        assert_eq!(gzip.header("content-encoding"), Some("gzip"));
        assert_eq!(
            gzip.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            gzip.header("content-length"),
            Some(gzip.body.len().to_string().as_str())
        );
        assert_eq!(gzipped.get_or_insert_with(|| gzip.body.clone()), &gzip.body);
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(raw.body, text);
        assert!(raw.body.len() > 500_000 && gzip.body.len() < 150_000);
        assert!(raw
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript"));
    }
    // Refused gzip (q=0, in any case, even with `*` beside it) is
    // honoured; `*` alone and GZIP in capitals allow it.
    for (asked, gzip) in [
        ("gzip;q=0", false),
        ("gzip;Q=0", false),
        ("gzip;q=0, *", false),
        ("br", false),
        ("*", true),
        ("GZIP", true),
        ("br;q=1, gzip;q=0.5", true),
    ] {
        let answer = served.request("GET", script, &[("Accept-Encoding", asked)], b"");
        assert_eq!(
            answer.header("content-encoding") == Some("gzip"),
            gzip,
            "{asked}"
        );
    }
    let bad = served.get("/assets/%FF", "*/*");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("not valid UTF-8"), "{}", bad.text());
    let css = served.get("/assets/yasqe-4.6.2.min.css", "text/css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(served.get("/assets/yasqe-0.0.0.min.js", "*/*").status, 404);
}

#[test]
fn the_servers_lang_is_the_pages_default_language() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &["--lang", "fr"], &[]);
    let html = "text/html";
    assert!(served.get("/", html).text().contains("Chercher"));
    // The request still wins: by the switch, and by Accept-Language.
    assert!(served.get("/?lang=en", html).text().contains(">Search<"));
    let english = served.request(
        "GET",
        "/timeline",
        &[("Accept", html), ("Accept-Language", "en-GB")],
        b"",
    );
    assert!(
        english.text().contains("<h1>Timeline</h1>"),
        "{}",
        english.text()
    );
}
