//! The graph in a remote engine: `push` uploads it to Oxigraph's own
//! server (PyPI `oxigraph`, started here on loopback), then every stored
//! query, `describe`, `sources` and `stats` with `--endpoint` must answer
//! as they do on the local graph. `.ci/run` installs Oxigraph and sets
//! MISSIONS_KG_REQUIRE_CLIENTS, so a missing one fails there; elsewhere the
//! tests say they skipped.

mod common;

use common::{
    assert_error_line, assert_error_line_exit, available, ok, rows, run_in, stored_queries,
    OxigraphServer, VirtuosoServer,
};
use std::path::Path;
use std::process::Command;

#[test]
fn pushed_to_oxigraph_every_stored_query_answers_as_locally() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = OxigraphServer::start(&dir.path().join("store"));
    let endpoint = server.url("/query");
    let store = server.url("/store");
    let pushed = run_in(
        dir.path(),
        &["push", "--endpoint", &endpoint, "--graph-store", &store],
        None,
        120.0,
    );
    assert_eq!(pushed.code, Some(0), "{}", pushed.stderr);
    assert!(
        pushed.stderr.contains("every graph's count verified"),
        "{}",
        pushed.stderr
    );
    answers_as_locally(dir.path(), &endpoint);
}

/// Every stored query, `describe`, `sources`, `stats`, `links` and a
/// CONSTRUCT answer through `endpoint` as they do locally.
fn answers_as_locally(dir: &Path, endpoint: &str) {
    let endpoint = endpoint.to_owned();
    let queries = stored_queries();
    assert!(queries.len() > 30, "{queries:?}");
    for (name, params) in &queries {
        let mut args = vec!["query", name.as_str(), "-f", "tsv"];
        for param in params {
            args.extend(["--param", param.as_str()]);
        }
        let local = ok(dir, &args);
        args.extend(["--endpoint", endpoint.as_str()]);
        let remote = ok(dir, &args);
        assert_eq!(rows(&remote), rows(&local), "{name} {params:?}");
    }
    for command in [
        vec!["describe", "julien-lacombe"],
        vec!["describe", "Hélène Viviès"],
        vec!["sources"],
        vec!["sources", "article-002"],
        vec!["stats", "-f", "tsv"],
    ] {
        let local = ok(dir, &command);
        let mut remote = command.clone();
        remote.extend(["--endpoint", endpoint.as_str()]);
        assert_eq!(ok(dir, &remote), local, "{command:?}");
    }
    // `links` lists query results (GROUP_CONCATs of links): as rows.
    for command in [
        vec!["links", "-f", "tsv"],
        vec!["links", "--missing", "-f", "tsv"],
        vec!["links", "Julien Lacombe", "-f", "tsv"],
    ] {
        let local = ok(dir, &command);
        let mut remote = command.clone();
        remote.extend(["--endpoint", endpoint.as_str()]);
        assert_eq!(rows(&ok(dir, &remote)), rows(&local), "{command:?}");
    }
    // A CONSTRUCT comes back as triples, in any graph format.
    let construct = "CONSTRUCT WHERE { ?s a mk:Person }";
    let local = ok(dir, &["query", construct, "-f", "ntriples"]);
    let remote = ok(
        dir,
        &[
            "query",
            construct,
            "-f",
            "ntriples",
            "--endpoint",
            &endpoint,
        ],
    );
    assert_eq!(rows(&remote), rows(&local));
}

#[test]
fn pushed_to_oxigraph_with_a_union_default_graph_answers_as_locally() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = OxigraphServer::start_with(&dir.path().join("store"), &["--union-default-graph"]);
    let endpoint = server.url("/query");
    let store = server.url("/store");
    let push = [
        "push",
        "--endpoint",
        &endpoint,
        "--graph-store",
        &store,
        "--union-default-graph",
    ];
    ok(dir.path(), &push);
    // A plain query on this server sees every graph's copy of a fact; the
    // dataset push describes makes it see the merged view, each fact once.
    answers_as_locally(dir.path(), &endpoint);
}

#[test]
fn pushing_again_through_sparql_update_gives_the_same_server() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = OxigraphServer::start(&dir.path().join("store"));
    let endpoint = server.url("/query");
    let update = server.url("/update");
    let push = ["push", "--endpoint", &endpoint, "--update", &update];
    ok(dir.path(), &push);
    let first = ok(dir.path(), &["stats", "-f", "tsv", "--endpoint", &endpoint]);
    // Replaced, not added to: the same counts, the same as local.
    ok(dir.path(), &push);
    let second = ok(dir.path(), &["stats", "-f", "tsv", "--endpoint", &endpoint]);
    assert_eq!(first, second);
    assert_eq!(second, ok(dir.path(), &["stats", "-f", "tsv"]));
}

#[test]
fn remote_failures_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let closed = format!("http://127.0.0.1:{port}/query");
    let run = run_in(
        dir.path(),
        &["query", "cast", "--endpoint", &closed],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(1));
    assert_error_line(&run, "connection refused", "query on a closed port");
    let run = run_in(dir.path(), &["push", "--endpoint", &closed], None, 60.0);
    assert_eq!(run.code, Some(1));
    assert_error_line(&run, &format!("127.0.0.1:{port}"), "push to a closed port");
    // A #fragment is never sent: what follows it (?graph=) would be lost
    // and the whole store replaced.
    let run = run_in(
        dir.path(),
        &[
            "push",
            "--endpoint",
            &closed,
            "--graph-store",
            &format!("http://127.0.0.1:{port}/store#x"),
        ],
        None,
        60.0,
    );
    assert_error_line_exit(&run, 2, "invalid --graph-store", "fragment");
    let run = run_in(
        dir.path(),
        &[
            "push",
            "--endpoint",
            &closed,
            "--update",
            "file:///etc/passwd",
        ],
        None,
        60.0,
    );
    assert_error_line_exit(&run, 2, "invalid --update", "not http");
    let run = run_in(
        dir.path(),
        &["push", "--endpoint", &closed, "--batch", "0"],
        None,
        60.0,
    );
    assert_error_line_exit(&run, 2, "invalid --batch 0", "no batch");
    let secret = format!("http://me:s3cret@127.0.0.1:{port}/query");
    let run = run_in(dir.path(), &["push", "--endpoint", &secret], None, 60.0);
    assert_error_line_exit(
        &run,
        2,
        "MISSIONS_KG_USER",
        "credentials on the command line",
    );
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    let run = run_in(
        dir.path(),
        &["--data", "x.ttl", "query", "cast", "--endpoint", &closed],
        None,
        60.0,
    );
    assert_error_line_exit(&run, 2, "--endpoint and --data", "both sources");
    let run = run_in(
        dir.path(),
        &["query", "cast", "--endpoint", "ftp://127.0.0.1/"],
        None,
        60.0,
    );
    assert_error_line_exit(&run, 2, "http:// or https://", "not http");
}

#[test]
fn pushed_to_virtuoso_whose_default_graph_is_the_union() {
    if !available("Virtuoso (Debian)", Command::new("which").arg("virtuoso-t")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = VirtuosoServer::start(dir.path());
    let endpoint = server.url("/sparql");
    let store = server.url("/sparql-graph-crud");
    let push = [
        "push",
        "--endpoint",
        &endpoint,
        "--graph-store",
        &store,
        "--union-default-graph",
    ];
    // Twice: graphs are replaced, so the second push verifies the same
    // counts (every graph, and the union of ours as the merged view).
    for _ in 0..2 {
        let pushed = run_in(dir.path(), &push, None, 120.0);
        assert_eq!(pushed.code, Some(0), "{}", pushed.stderr);
        assert!(
            pushed.stderr.contains("the merged view in"),
            "{}",
            pushed.stderr
        );
    }
    // Every stored query, as the Oxigraph tests run them: the bag that a
    // union default graph would give is gone (the dataset push described
    // is named in each request), and the rest are Virtuoso's own ways,
    // listed here so that a new difference, or one fixed, is seen.
    let mut known = [
        // Booleans come back as 1 (`true` in the data): every query
        // returning one of the data's booleans.
        "broadcasts",
        "entity-facts",
        "fact-support",
        "plot-missions",
        "single-source-facts",
        "source-facts",
        // Durations come back converted (`PT26M` as 1560.0, `P5Y` as 60).
        "format",
        // A language tag dropped from a GROUP_CONCAT of tagged values
        // (both), and a CONCAT with an unbound value giving its constant
        // part instead of no value (links: `https://www.imdb.com/title//`).
        "links",
        "rights",
        // `rdfs:subClassOf*` towards a bound class: Virtuoso's transitive
        // paths do not include the zero-length step the same way.
        "links-by-class",
        "links-missing",
        "organisations",
        // Refused: "Subject of transitive triple pattern should be variable
        // or QName, not literal".
        "disagreements",
    ];
    let mut differ = Vec::new();
    for (name, params) in stored_queries() {
        let mut args = vec!["query", name.as_str(), "-f", "tsv"];
        for param in &params {
            args.extend(["--param", param.as_str()]);
        }
        let local = ok(dir.path(), &args);
        args.extend(["--endpoint", endpoint.as_str()]);
        let run = run_in(dir.path(), &args, None, 60.0);
        let same = run.code == Some(0) && rows(&run.stdout_text()) == rows(&local);
        if !same {
            differ.push(name);
        }
    }
    known.sort_unstable();
    assert_eq!(differ, known);
    // What one article states, counted remotely and locally.
    let count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH mks:article-002 { ?s ?p ?o } }";
    let local = ok(dir.path(), &["query", count, "-f", "tsv"]);
    assert_eq!(
        rows(&ok(
            dir.path(),
            &["query", count, "-f", "tsv", "--endpoint", &endpoint]
        )),
        rows(&local)
    );
    // The SPARQL endpoint is not a Graph Store: Virtuoso never answers a
    // PUT there, and the request's timeout ends the push with one line.
    let silent = run_in(
        dir.path(),
        &[
            "push",
            "--endpoint",
            &endpoint,
            "--graph-store",
            &endpoint,
            "--timeout",
            "2",
        ],
        None,
        60.0,
    );
    assert_error_line(&silent, "no answer within 2 s", "not a graph store");
}

/// A server that answers `requests` requests, each with an empty SPARQL
/// result, and gives back their heads, to see what was sent. With
/// `challenge`, a request without an `Authorization` header is answered
/// `401` with that `WWW-Authenticate` value instead.
fn recording_server(
    requests: usize,
    challenge: Option<&'static str>,
) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sparql", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut heads = String::new();
        for _ in 0..requests {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !String::from_utf8_lossy(&request).contains("\r\n\r\n") {
                let n = stream.read(&mut buffer).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
            }
            let head = String::from_utf8_lossy(&request).into_owned();
            let logged_in = head.to_ascii_lowercase().contains("\nauthorization:");
            match challenge {
                Some(challenge) if !logged_in => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
                _ => {
                    let body = r#"{"head":{"vars":["x"]},"results":{"bindings":[]}}"#;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            }
            heads.push_str(&head);
        }
        heads
    });
    (url, handle)
}

#[test]
fn a_protected_endpoints_login_comes_from_a_netrc_file_by_host() {
    let dir = tempfile::tempdir().unwrap();
    let netrc = dir.path().join("netrc");
    std::fs::write(
        &netrc,
        "machine elsewhere.example login no password never\n\
         machine 127.0.0.1 login me password s3cret:p_w-d.1!@/x\n",
    )
    .unwrap();
    // Three requests: the dataset `push` may have described, asked for
    // without a login and challenged, asked again with it; then the query,
    // logged in at once.
    let (url, request) = recording_server(3, Some("Basic realm=\"test\""));
    let output = common::command_in(
        dir.path(),
        &["query", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", &url],
    )
    .env("MISSIONS_KG_NETRC", &netrc)
    .output()
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let request = request.join().unwrap();
    // HTTP Basic, the password as written (punctuation and all, not
    // percent-encoded).
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode("me:s3cret:p_w-d.1!@/x");
    assert!(
        request.to_ascii_lowercase().contains(&format!(
            "authorization: basic {}",
            expected.to_ascii_lowercase()
        )),
        "{request}"
    );
    assert_eq!(
        request
            .to_ascii_lowercase()
            .matches("authorization: basic")
            .count(),
        2,
        "{request}"
    );
    // Nothing is sent before the server asks for it.
    let first = request.split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        !first.to_ascii_lowercase().contains("authorization"),
        "{first}"
    );
    // The password never shows in what the command prints.
    assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
}

#[test]
fn pushed_to_virtuosos_graph_store_behind_http_digest() {
    if !available("Virtuoso (Debian)", Command::new("which").arg("virtuoso-t")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = VirtuosoServer::start(dir.path());
    let endpoint = server.url("/sparql");
    // Virtuoso's authenticated Graph Store endpoint, which challenges
    // with HTTP Digest; `dba`/`dba` is a new database's administrator.
    let store = server.url("/sparql-graph-crud-auth");
    let push = |password: &str| {
        common::command_in(
            dir.path(),
            &[
                "push",
                "--endpoint",
                &endpoint,
                "--graph-store",
                &store,
                "--union-default-graph",
            ],
        )
        .env("MISSIONS_KG_USER", "dba")
        .env("MISSIONS_KG_PASSWORD", password)
        .env("MISSIONS_KG_NETRC", dir.path().join("no-netrc"))
        .output()
        .unwrap()
    };
    // A wrong password: one line naming the store and the refusal.
    let refused = push("not-the-password");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("sparql-graph-crud-auth") && stderr.contains("HTTP 401"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"), "{stderr}");
    // The right one: every graph uploaded and counted back.
    let pushed = push("dba");
    let stderr = String::from_utf8_lossy(&pushed.stderr);
    assert!(pushed.status.success(), "{stderr}");
    assert!(stderr.contains("the merged view in"), "{stderr}");
    let count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH mks:article-002 { ?s ?p ?o } }";
    let local = ok(dir.path(), &["query", count, "-f", "tsv"]);
    assert_eq!(
        rows(&ok(
            dir.path(),
            &["query", count, "-f", "tsv", "--endpoint", &endpoint]
        )),
        rows(&local)
    );
}

/// A SELECT sent straight to the Oxigraph server at `port`, answered as CSV.
fn server_select(port: u16, query: &str) -> String {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", query)
        .finish();
    let reply = common::http_request(
        port,
        "POST",
        "/query",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "text/csv"),
        ],
        body.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.text().replace('\r', "")
}

#[test]
fn push_keeps_a_blank_node_shared_by_two_graphs_one_node() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // `_:b` in two graphs (and so in the merged view, the default graph),
    // beside triples without blank nodes, which go in batches of one.
    std::fs::write(
        dir.path().join("shared.trig"),
        "@prefix mks: <https://w3id.org/missions-kg/source/> .\n\
         @prefix ex: <http://example.org/> .\n\
         mks:bnode-a { ex:x ex:p _:b . ex:x ex:label \"a\" . }\n\
         mks:bnode-b { _:b ex:q \"in b\" . ex:y ex:label \"b\" . }\n",
    )
    .unwrap();
    let server = OxigraphServer::start(&dir.path().join("store"));
    let endpoint = server.url("/query");
    let nodes = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { \
                 { ?b ?p ?o } UNION { ?s ?p ?b } UNION { GRAPH ?g { ?b ?p ?o } } \
                 UNION { GRAPH ?g { ?s ?p ?b } } FILTER isBlank(?b) }";
    let joined = "SELECT (COUNT(*) AS ?n) WHERE { \
                  GRAPH <https://w3id.org/missions-kg/source/bnode-a> { ?x <http://example.org/p> ?b } \
                  GRAPH <https://w3id.org/missions-kg/source/bnode-b> { ?b <http://example.org/q> ?o } \
                  ?b <http://example.org/q> ?o }";
    for writes in [
        ["--graph-store", &server.url("/store")],
        ["--update", &server.url("/update")],
    ] {
        let mut args = vec!["--data", "shared.trig", "push", "--endpoint", &endpoint];
        args.extend(writes);
        args.extend(["--batch", "1"]);
        let run = run_in(dir.path(), &args, None, 120.0);
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        // One node on the server, in both graphs and the default graph;
        // pushing again (the second protocol) replaced the first's.
        assert_eq!(server_select(server.port, nodes), "n\n1\n", "{writes:?}");
        assert_eq!(server_select(server.port, joined), "n\n1\n", "{writes:?}");
    }
}
