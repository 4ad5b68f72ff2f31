//! `missions-kg serve` on loopback, where a real connection must be
//! involved: hyper's own answers to what never reaches the router (a
//! target longer than a URI may be, a head past the read buffer, a line
//! that is not HTTP), slow clients that must not hold the server (header
//! and body timeouts, with many connections open), a client that leaves
//! (its query's slot freed), identical requests at once from one client
//! (one query run for all), and the lengths answers carry on the wire.
//! What the router answers is tested in process (`tests/serve.rs`,
//! `tests/pages.rs`).

mod common;

use common::Served;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn hyper_answers_what_never_reaches_the_router() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &["--max-body", "4K"]);
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
    // None of this was a 500, and the server still answers.
    let metrics = served.get("/metrics", "*/*");
    assert_eq!(metrics.status, 200);
    assert!(
        !metrics.text().contains("status=\"500\""),
        "{}",
        metrics.text()
    );
}

/// A query that runs for a long time: a join of every triple with every
/// triple, counted.
const SLOW: &str = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";

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
    // A body that never comes does not hold the server either: it answers
    // others meanwhile (the body's own timeout, 30 s, ends that request).
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    stream
        .write_all(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK")
        .unwrap();
    assert_eq!(served.get("/health", "*/*").status, 200);
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
fn answers_carry_their_whole_length_on_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[]);
    // An answer larger than a cache entry is sent whole, with its length.
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
    // Gzip clients get the editor's script compressed once, with its
    // length, the first time and from the cache, never a kept plain copy
    // compressed again as a stream.
    let script = "/assets/yasqe-4.6.2.min.js";
    for _ in 0..2 {
        let raw = served.request("GET", script, &[], b"");
        assert_eq!(
            raw.header("content-length"),
            Some(raw.body.len().to_string().as_str())
        );
        let gzip = served.request("GET", script, &[("Accept-Encoding", "gzip, br")], b"");
        assert_eq!(gzip.status, 200);
        assert_eq!(gzip.header("content-encoding"), Some("gzip"));
        assert_eq!(
            gzip.header("content-length"),
            Some(gzip.body.len().to_string().as_str())
        );
    }
}

#[test]
fn sigterm_lets_requests_in_flight_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(dir.path(), &[], &[]);
    // A request in flight: its head sent, its body still coming.
    let body = b"ASK { ?s ?p ?o }";
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nContent-Type: application/sparql-query\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..4]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    served.terminate();
    // Once stopping, the port takes no new connection.
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", served.port)).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the port still took connections 5 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stream.write_all(&body[4..]).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let reply = common::parse_reply(&raw, false);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("true"), "{}", reply.text());
    assert_eq!(
        served.exit_code(15),
        Some(0),
        "serve did not end well after SIGTERM"
    );
}

#[test]
fn a_client_that_never_reads_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        dir.path(),
        &[],
        &[
            "--send-timeout",
            "1",
            "--max-connections",
            "1",
            "--max-result",
            "256M",
            "--cache",
            "0",
        ],
    );
    // An answer far larger than the sockets' buffers (some 40 MB), never read.
    let big = format!(
        "/sparql?query={}",
        encode("SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 150000")
    );
    let mut idle = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    write!(
        idle,
        "GET {big} HTTP/1.1\r\nHost: x\r\nAccept: text/tab-separated-values\r\n\r\n"
    )
    .unwrap();
    // The one connection allowed is taken; another client is served once
    // the server has dropped the one that does not read.
    let started = Instant::now();
    let reply = served.get("/health", "*/*");
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the next client waited {:?}",
        started.elapsed()
    );
    // What the idle client gets when it does read: a cut answer, not all
    // of it (the server let go of it).
    idle.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut raw = Vec::new();
    let _ = idle.read_to_end(&mut raw);
    assert!(
        raw.len() < 30 * 1024 * 1024,
        "a client that read nothing for 1 s still got {} bytes",
        raw.len()
    );
}

#[test]
fn out_of_file_descriptors_the_server_waits_instead_of_spinning() {
    let dir = tempfile::tempdir().unwrap();
    // A file-descriptor limit far below --max-connections, as a service
    // started with a low `ulimit -n` has.
    let command = common::under_shell(
        dir.path(),
        "ulimit -n 48",
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--max-connections",
            "2000",
        ],
    );
    let served = Served::spawn(command);
    // Take every descriptor the process has left: accept then fails.
    let held: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", served.port)).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = served.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let spent = served.cpu_time() - before;
    assert!(
        spent < Duration::from_millis(500),
        "out of file descriptors, the server used {spent:?} of CPU in 2 s"
    );
    // Once clients leave, the server takes connections again.
    drop(held);
    let reply = served.get("/health", "*/*");
    assert_eq!(reply.status, 200);
    let stderr = served.stop();
    assert!(
        stderr.contains("--max-connections 2000 needs about 2064 file descriptors"),
        "no warning about the descriptor limit: {stderr}"
    );
    assert!(
        stderr.contains("cannot accept a connection"),
        "no line about the failed accept: {stderr}"
    );
}

#[test]
fn one_client_cannot_take_every_query_slot() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        dir.path(),
        &[],
        &["--timeout", "6", "--max-queries", "2", "--cache", "0"],
    );
    let slow = format!("/sparql?query={}", encode(SLOW));
    // One client starts as many slow queries as there are slots.
    let heavy: Vec<_> = (0..2)
        .map(|i| {
            let target = format!("{slow}&n={i}");
            let port = served.port;
            let handle =
                std::thread::spawn(move || common::http_request_from("127.0.0.1", port, &target));
            std::thread::sleep(Duration::from_millis(200));
            handle
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Another client still gets its answer.
    let started = Instant::now();
    let other = common::http_request_from(
        "127.0.0.2",
        served.port,
        &format!("/sparql?query={}", encode("ASK {}")),
    );
    assert_eq!(other.status, 200, "{}", other.text());
    assert!(started.elapsed() < Duration::from_secs(3));
    // And the heavy client's query past its share was refused at once,
    // with a line saying why and when to try again.
    let replies: Vec<_> = heavy.into_iter().map(|h| h.join().unwrap()).collect();
    let refused: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert_eq!(
        refused.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(refused[0].header("retry-after"), Some("1"));
    assert!(
        refused[0].text().contains(
            "this client already runs as many queries as it may at once (1 of the server's 2)"
        ),
        "{}",
        refused[0].text()
    );
}

/// A query that takes a moment (about a second in a debug build): every
/// triple against 128 values.
fn a_moment() -> String {
    let values: Vec<String> = (1..=128).map(|n| n.to_string()).collect();
    format!(
        "SELECT (COUNT(*) AS ?n) {{ ?a ?b ?c . VALUES ?x {{ {} }} }}",
        values.join(" ")
    )
}

/// The value of one of `/metrics`' series (0 when absent).
fn metric(served: &Served, name: &str) -> u64 {
    let metrics = served.get("/metrics", "text/plain").text();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0, |value| value.trim().parse().expect("a count"))
}

#[test]
fn identical_requests_at_once_run_one_query_within_the_clients_share() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        dir.path(),
        &[],
        &[
            "--timeout",
            "30",
            "--max-queries",
            "2",
            "--max-queries-per-client",
            "1",
        ],
    );
    let target = format!("/sparql?query={}", encode(&a_moment()));
    // Eight identical requests on a cold cache, all at once from one
    // client whose share is one query, as wrk's connections start.
    const N: usize = 8;
    let start = std::sync::Arc::new(std::sync::Barrier::new(N));
    let requests: Vec<_> = (0..N)
        .map(|_| {
            let (start, target, port) = (start.clone(), target.clone(), served.port);
            std::thread::spawn(move || {
                start.wait();
                common::http_request_from("127.0.0.1", port, &target)
            })
        })
        .collect();
    let replies: Vec<_> = requests.into_iter().map(|h| h.join().unwrap()).collect();
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "identical requests past the client's share were refused: {statuses:?}; {}",
        replies
            .iter()
            .find(|r| r.status != 200)
            .map(|r| r.text())
            .unwrap_or_default()
    );
    assert!(replies[0].text().contains("\"n\""), "{}", replies[0].text());
    assert!(replies.iter().all(|r| r.body == replies[0].body));
    // The query ran once: every other answer was the one computed for it,
    // waited for or found in the cache, however the requests fell in time.
    let shared = metric(&served, "missions_kg_requests_coalesced_total")
        + metric(&served, "missions_kg_cache_hits_total");
    assert_eq!(shared, N as u64 - 1);
    assert_eq!(metric(&served, "missions_kg_queries_refused_busy_total"), 0);
}

#[test]
fn identical_requests_that_time_out_share_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        dir.path(),
        &[],
        &[
            "--timeout",
            "1",
            "--max-queries",
            "2",
            "--max-queries-per-client",
            "1",
        ],
    );
    let target = format!("/sparql?query={}", encode(SLOW));
    const N: usize = 3;
    let start = std::sync::Arc::new(std::sync::Barrier::new(N));
    let requests: Vec<_> = (0..N)
        .map(|_| {
            let (start, target, port) = (start.clone(), target.clone(), served.port);
            std::thread::spawn(move || {
                start.wait();
                common::http_request_from("127.0.0.1", port, &target)
            })
        })
        .collect();
    let replies: Vec<_> = requests.into_iter().map(|h| h.join().unwrap()).collect();
    // One query ran to the timeout; the requests that waited for it get its
    // 504 (not a 503 past the client's share, nor a second run of their
    // own to the same end).
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [504; N], "{:?}", replies.last().map(|r| r.text()));
    assert!(replies.iter().all(|r| r.body == replies[0].body));
    assert!(
        replies[0].text().contains("timed out"),
        "{}",
        replies[0].text()
    );
    // Each request either ran the query to its timeout or waited for one
    // that did, however they fell in time.
    let ran = metric(&served, "missions_kg_query_timeouts_total");
    let waited = metric(&served, "missions_kg_requests_coalesced_total");
    assert_eq!(ran + waited, N as u64, "{ran} ran, {waited} waited");
    assert_eq!(metric(&served, "missions_kg_queries_refused_busy_total"), 0);
}

/// Every page a browser is sent weighs under 40,000 bytes gzipped (the
/// editor's script, an asset, aside), with the articles' texts, which put
/// each passage in the pages: the home page, the query page, the series
/// (the largest entity page), each article, a person, the ontology, the
/// downloads, where the articles differ and a stored query's results, the
/// timeline and a search. Measured: at most about 25,000 (an article).
#[test]
fn every_page_weighs_under_40_kb_gzipped() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let app = common::App::start(&["--articles", &seeds.display().to_string()], &[]);
    let home = app.get("/", "text/html").text();
    let articles: Vec<String> = common::hrefs(&home)
        .into_iter()
        .filter(|href| href.starts_with("/source/article-"))
        .collect();
    assert!(
        articles.len() >= 4,
        "the home page links the articles: {articles:?}"
    );
    let mut pages: Vec<String> = [
        "/",
        "/ui/query",
        "/id/missions",
        "/id/julien-lacombe",
        "/ontology",
        "/store",
        "/queries/disagreements",
        "/queries/cast",
        "/timeline",
        "/search?q=missions",
    ]
    .map(String::from)
    .into();
    pages.extend(articles);
    for page in &pages {
        let headers = [("Accept", "text/html"), ("Accept-Encoding", "gzip")];
        let reply = app.request("GET", page, &headers, b"");
        assert_eq!(reply.status, 200, "{page}");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|kind| kind.starts_with("text/html")),
            "{page}: {:?}",
            reply.header("content-type")
        );
        assert_eq!(reply.header("content-encoding"), Some("gzip"), "{page}");
        assert!(
            reply.body.len() < 40_000,
            "{page} weighs {} bytes gzipped, past 40,000",
            reply.body.len()
        );
    }
}
