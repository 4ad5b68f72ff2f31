//! `missions-kg serve`'s router, called in process (`common::App`, no
//! socket): every result format by `Accept` and by name, the protocol's
//! ways to send a query and its dataset, stored queries, the Graph Store,
//! the cache, `/metrics`, CORS and compression (malformed and hostile
//! requests, the query slots and the timeout: `tests/serve_limits.rs`). The pages are
//! in `tests/pages.rs`; what needs a real connection (hyper's own answers,
//! slow clients, clients that leave, lengths on the wire) is in
//! `tests/connections.rs`.

mod common;

use common::App;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::io::Read;
use std::time::{Duration, Instant};

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The server on the built-in data.
fn embedded() -> App {
    App::start(&[], &[])
}

const CAST: &str = "SELECT ?person ?character WHERE { ?role mk:castMember ?person ; mk:character ?character } ORDER BY ?person";
const GRAPH: &str = "CONSTRUCT { ?person a mk:Person } WHERE { ?role mk:castMember ?person }";

#[test]
fn results_come_in_every_format_by_accept_and_by_name() {
    let app = embedded();
    let select = format!("/sparql?query={}", encode(CAST));
    for (accept, format) in [
        ("application/sparql-results+json", QueryResultsFormat::Json),
        ("application/sparql-results+xml", QueryResultsFormat::Xml),
        ("text/csv", QueryResultsFormat::Csv),
        ("text/tab-separated-values", QueryResultsFormat::Tsv),
        ("application/json", QueryResultsFormat::Json),
    ] {
        let reply = app.get(&select, accept);
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
    let reply = app.get(&format!("{select}&format=tsv"), "*/*");
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
        let reply = app.get(&construct, accept);
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
    let page = app.get(&select, "text/html,application/xhtml+xml,*/*;q=0.8");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("<table class=\"results\""), "{html}");
    assert!(html.contains("href=\"/id/clement-aubert\""), "{html}");
    // curl's */* gets data, not a page.
    let data = app.get(&select, "*/*");
    assert_eq!(
        data.header("content-type"),
        Some("application/sparql-results+json")
    );
    // Nothing acceptable: 406, naming what is offered.
    let refused = app.get(&select, "image/png");
    assert_eq!(refused.status, 406);
    assert!(
        refused.text().contains("application/sparql-results+json"),
        "{}",
        refused.text()
    );
    // ASK in JSON and XML.
    let ask = app.get(
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
    let app = embedded();
    let json = "application/sparql-results+json";
    let form = format!("query={}", encode(CAST));
    let posted = app.request(
        "POST",
        "/sparql",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", json),
        ],
        form.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    let direct = app.request(
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
    let whole = app
        .get(
            &format!("/sparql?query={}&format=csv", encode(count)),
            "*/*",
        )
        .text();
    let one = app
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
    let cast = app.get("/queries/cast?format=csv", "*/*");
    assert_eq!(cast.status, 200);
    assert!(cast.text().contains("Clément Aubert"), "{}", cast.text());
    let person = app.get(
        "/queries/entity-facts?entity=julien-lacombe&format=csv",
        "*/*",
    );
    assert_eq!(person.status, 200, "{}", person.text());
    let unknown_param = app.get("/queries/cast?nobody=1", "*/*");
    assert_eq!(unknown_param.status, 400);
    assert!(
        unknown_param.text().contains("unknown parameter 'nobody'"),
        "{}",
        unknown_param.text()
    );
    let unknown_query = app.get("/queries/cats", "*/*");
    assert_eq!(unknown_query.status, 404);
    assert!(
        unknown_query.text().contains("cast"),
        "suggests the near name: {}",
        unknown_query.text()
    );
}

#[test]
fn graph_store_reads_one_graph_the_default_graph_or_everything() {
    let app = embedded();
    let graph = encode("https://w3id.org/missions-kg/source/article-000");
    let one = app.get(&format!("/store?graph={graph}"), "application/n-triples");
    assert_eq!(one.status, 200);
    assert_eq!(
        RdfParser::from_format(RdfFormat::NTriples)
            .for_slice(&one.body)
            .count(),
        // Article 000's graph, after issue 25's corrections to it.
        305
    );
    let head = app.request("HEAD", &format!("/store?graph={graph}"), &[], b"");
    assert_eq!(head.status, 200);
    let all = app.get("/store", "application/n-quads");
    assert!(
        RdfParser::from_format(RdfFormat::NQuads)
            .for_slice(&all.body)
            .count()
            > 3000
    );
    assert_eq!(app.get("/store?graph=urn:nothing", "*/*").status, 404);
    assert_eq!(
        app.get(&format!("/store?graph={graph}&default"), "*/*")
            .status,
        400
    );
    assert_eq!(app.get("/store?graph=not%20an%20iri", "*/*").status, 400);
    // A single graph cannot be asked for as a dataset format by name only if it cannot hold it.
    assert_eq!(app.get("/store", "text/turtle").status, 406);
}

#[test]
fn identical_requests_are_answered_from_the_cache_with_an_etag() {
    let app = embedded();
    let first = app.get("/queries/cast?format=csv", "*/*");
    let etag = first.header("etag").expect("an ETag").to_owned();
    let second = app.get("/queries/cast?format=csv", "*/*");
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    let revalidated = app.request(
        "GET",
        "/queries/cast?format=csv",
        &[("Accept", "*/*"), ("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    // Another Accept or language is another answer.
    let json = app.get("/queries/cast", "application/sparql-results+json");
    assert_ne!(json.body, first.body);
    let metrics = app.get("/metrics", "*/*").text();
    assert!(
        metrics.contains("missions_kg_cache_hits_total 2"),
        "{metrics}"
    );
}

/// Issue 23, item 8: a body sent with `Content-Encoding: gzip` was read
/// as plain text and run; the server does not decode bodies, so it says
/// so (415, RFC 9110) instead of guessing.
#[test]
fn an_encoded_request_body_is_refused_with_415() {
    let app = embedded();
    let mut gzipped = Vec::new();
    {
        use std::io::Write;
        let mut encoder =
            flate2::write::GzEncoder::new(&mut gzipped, flate2::Compression::default());
        encoder.write_all(b"ASK {}").unwrap();
        encoder.finish().unwrap();
    }
    for encoding in ["gzip", "deflate", "br, gzip"] {
        let reply = app.request(
            "POST",
            "/sparql",
            &[
                ("Content-Type", "application/sparql-query"),
                ("Content-Encoding", encoding),
                ("Accept", "application/sparql-results+json"),
            ],
            &gzipped,
        );
        assert_eq!(reply.status, 415, "{encoding}: {}", reply.text());
        assert!(
            reply.text().contains("Content-Encoding"),
            "{}",
            reply.text()
        );
    }
    // `identity` is no encoding at all.
    let plain = app.request(
        "POST",
        "/sparql",
        &[
            ("Content-Type", "application/sparql-query"),
            ("Content-Encoding", "identity"),
            ("Accept", "application/sparql-results+json"),
        ],
        b"ASK {}",
    );
    assert_eq!(plain.status, 200, "{}", plain.text());
}

/// Issue 23, item 2: the cache keyed on the first `Accept` header while
/// negotiation read them all, so one request with a second `Accept` made
/// every browser get TSV for that page until restart.
#[test]
fn a_second_accept_header_cannot_poison_the_cache() {
    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let app = embedded();
    let poisoned = app.request(
        "GET",
        "/queries/cast",
        &[
            ("Accept", BROWSER),
            ("Accept", "text/tab-separated-values;q=1.0"),
        ],
        b"",
    );
    assert_eq!(poisoned.status, 200);
    let browser = app.get("/queries/cast", BROWSER);
    assert!(
        browser
            .header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "a browser got {:?} after another client's two Accept headers",
        browser.header("content-type")
    );
    // Each answer says which request headers it depends on.
    let vary = browser
        .header("vary")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        vary.contains("accept") && vary.contains("accept-language"),
        "{vary}"
    );
}

#[test]
fn health_metrics_cors_and_compression() {
    let app = embedded();
    assert_eq!(app.get("/health", "*/*").text(), "ok\n");
    app.get(&format!("/sparql?query={}", encode("ASK {}")), "*/*");
    let metrics = app.get("/metrics", "*/*");
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
    let cors = app.request(
        "GET",
        "/sparql?query=ASK%7B%7D",
        &[("Origin", "https://notebook.example")],
        b"",
    );
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
    // Compressed when asked.
    let gzip = app.request(
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
    let browser = app.get("/sparql", "text/html,application/xhtml+xml,*/*;q=0.8");
    assert_eq!(browser.status, 303);
    assert_eq!(browser.header("location"), Some("/ui/query"));
    let description = app.get("/sparql", "text/turtle").text();
    assert!(
        description.contains("sd:Service")
            || description.contains("sparql-service-description#Service"),
        "{description}"
    );
    assert!(
        description.contains("endpoint") && description.contains("/sparql>"),
        "{description}"
    );
    assert!(description.contains("/queries/cast>"), "{description}");
}

#[test]
fn work_inside_one_row_is_bounded_and_stops() {
    let app = App::start(&[], &["--timeout", "3"]);
    // CONCAT doubling a string: each step is bounded, so the query ends
    // with a clear 400 long before it could hold gigabytes.
    let mut query = String::from("SELECT (STRLEN(?v16) AS ?n) WHERE { BIND(\"xxxx\" AS ?v0) ");
    for i in 1..=16 {
        let p = i - 1;
        query.push_str(&format!("BIND(CONCAT(?v{p},?v{p},?v{p},?v{p}) AS ?v{i}) "));
    }
    query.push('}');
    let started = Instant::now();
    let reply = app.request(
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
    let metrics = app.get("/metrics", "*/*").text();
    assert!(
        metrics.contains("missions_kg_queries_running 0"),
        "{metrics}"
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
    let evil = dir.path().join("evil.ttl");
    let app = App::start(&["--data", evil.to_str().unwrap(), "--with-embedded"], &[]);
    // An answer larger than a cache entry is sent whole, not emptied.
    let big = format!(
        "/sparql?query={}",
        encode("SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 12000")
    );
    let reply = app.get(&big, "application/sparql-results+json");
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.len() > 4 * 1024 * 1024,
        "{} bytes",
        reply.body.len()
    );
    // (Its Content-Length on the wire: `tests/connections.rs`.)
    // RAND and NOW change between runs: never kept.
    let volatile = format!(
        "/sparql?query={}&format=csv",
        encode("SELECT (RAND() AS ?r) (NOW() AS ?n) {}")
    );
    let first = app.get(&volatile, "*/*");
    std::thread::sleep(Duration::from_millis(20));
    let second = app.get(&volatile, "*/*");
    assert_eq!(first.header("cache-control"), Some("no-store"));
    assert_ne!(first.body, second.body);
    // Only web addresses are links: a javascript: IRI in the data is text.
    let page = app.get("/id/evil", "text/html").text();
    assert!(page.contains("javascript:alert(1)"), "{page}");
    assert!(!page.contains("href=\"javascript:"), "{page}");
    let reflected = app
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
    let bad = app.get(
        "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%22%FF%22%7D",
        "*/*",
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.text().contains("UTF-8"));
    // What the request said is echoed on one line, controls escaped.
    let echoed = app.get(
        "/sparql?query=ASK%7B%7D&format=a%0D%0AX-Injected:%201%1B",
        "*/*",
    );
    assert_eq!(echoed.status, 400);
    assert_eq!(echoed.text().lines().count(), 1, "{:?}", echoed.text());
    assert!(!echoed.text().contains('\u{1b}'));
    // A weak comparison, as If-None-Match asks.
    let cast = app.get("/queries/cast?format=csv", "*/*");
    let etag = cast.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("W/"), "{etag}");
    let strong = etag.trim_start_matches("W/");
    let again = app.request(
        "GET",
        "/queries/cast?format=csv",
        &[("If-None-Match", strong)],
        b"",
    );
    assert_eq!(again.status, 304);
    // A graph that is nothing else dereferences to its statements.
    let ontology = app.get("/graph/ontology.nt", "*/*");
    assert!(
        RdfParser::from_format(RdfFormat::NTriples)
            .for_slice(&ontology.body)
            .count()
            > 1000
    );
    assert!(app
        .get("/graph/ontology", "text/html")
        .text()
        .contains("A named graph of"));
    // An extension that names no format is not the page.
    assert_eq!(app.get("/id/julien-lacombe.exe", "*/*").status, 404);
    // Two Accept headers are one list.
    let two = app.request(
        "GET",
        &format!("/sparql?query={}", encode("ASK {}")),
        &[("Accept", "image/png"), ("Accept", "text/csv")],
        b"",
    );
    assert_eq!(two.status, 200, "{}", two.text());
    assert!(two.header("content-type").unwrap().starts_with("text/csv"));
    // A byte order mark before a posted query is not part of it.
    let bom = app.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        "\u{feff}ASK {}".as_bytes(),
    );
    assert_eq!(bom.status, 200, "{}", bom.text());
    // The guard's own answers carry the security headers too.
    let long = app.get(&format!("/sparql?query={}", "x".repeat(40 * 1024)), "*/*");
    assert_eq!(long.status, 414);
    assert_eq!(long.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn deep_queries_run_on_the_query_threads_large_stack() {
    let app = embedded();
    // 2,000 chained UNIONs: far deeper than a default 2 MiB thread stack
    // allows the evaluator, well within the limits.
    let branches = vec!["{ BIND(1 AS ?x) }"; 2000].join(" UNION ");
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ {branches} }}");
    let reply = app.request(
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
fn pages_of_other_sites_cannot_make_the_server_call_service() {
    // An endpoint on loopback standing for one on the server's intranet.
    let answer = br#"{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"inside"}}]}}"#;
    let (url, reached) = common::raw_server(
        Some(common::http_response(
            "200 OK",
            &[("Content-Type", "application/sparql-results+json")],
            answer,
        )),
        10,
        8.0,
    );
    let app = App::start(&["--allow-service"], &[]);
    let query = format!("SELECT ?s {{ SERVICE <{url}> {{ ?s ?p ?o }} }}");
    let get = format!("/sparql?query={}", encode(&query));
    let form = format!("query={}", encode(&query));
    let evil = ("Origin", "https://evil.example");
    // A script of another site reading the answer through open CORS, a
    // form it posts in the visitor's name, a link from it, the editor's
    // page: refused, one line saying why.
    for (what, reply) in [
        ("a cross-origin GET", app.request("GET", &get, &[evil], b"")),
        (
            "a cross-origin form POST",
            app.request(
                "POST",
                "/sparql",
                &[evil, ("Content-Type", "application/x-www-form-urlencoded")],
                form.as_bytes(),
            ),
        ),
        (
            "a link from another site",
            app.request("GET", &get, &[("Sec-Fetch-Site", "cross-site")], b""),
        ),
    ] {
        assert_eq!(reply.status, 400, "{what}: {}", reply.text());
        assert!(
            reply.text().contains("another Origin"),
            "{what}: {}",
            reply.text()
        );
    }
    let editor = app.request(
        "GET",
        &format!("/ui/query?query={}", encode(&query)),
        &[evil, ("Accept", "text/html")],
        b"",
    );
    assert!(
        editor.text().contains("another Origin"),
        "{}",
        editor.text()
    );
    // A client that is not a browser, and the server's own pages, still
    // federate.
    let own = app.request("GET", &get, &[("Origin", "http://127.0.0.1:0")], b"");
    assert_eq!(own.status, 200, "{}", own.text());
    let plain = app.request("GET", &get, &[("Accept", "text/csv")], b"");
    assert_eq!(plain.status, 200, "{}", plain.text());
    assert!(plain.text().contains("inside"), "{}", plain.text());
    assert_eq!(
        reached.join().unwrap(),
        2,
        "requests from other sites reached the endpoint"
    );
}
