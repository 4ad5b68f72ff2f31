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

/// The named graphs holding a triple on the Oxigraph server at `port`,
/// asked directly (not through `missions-kg`), sorted.
fn server_graphs(port: u16) -> Vec<String> {
    let answer = server_select(port, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }");
    let mut graphs: Vec<String> = answer.lines().skip(1).map(str::to_owned).collect();
    graphs.sort();
    graphs
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
fn push_prune_deletes_the_namespaces_graphs_the_data_no_longer_has() {
    if !available("oxigraph (PyPI)", Command::new("oxigraph").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefixes = "@prefix mks: <https://w3id.org/missions-kg/source/> .\n\
                    @prefix ex: <http://example.org/> .\n";
    let a = "mks:prune-a { ex:x ex:p \"a\" . }\n";
    let b = "mks:prune-b { ex:x ex:p \"b\" . }\n";
    std::fs::write(dir.path().join("both.trig"), format!("{prefixes}{a}{b}")).unwrap();
    std::fs::write(dir.path().join("only-a.trig"), format!("{prefixes}{a}")).unwrap();
    let server = OxigraphServer::start(&dir.path().join("store"));
    // A graph outside the project's namespace, made on the server itself.
    let outside = "http://example.org/outside";
    let made = common::http_request(
        server.port,
        "POST",
        "/store?graph=http%3A%2F%2Fexample.org%2Foutside",
        &[("Content-Type", "application/n-triples")],
        b"<http://example.org/x> <http://example.org/p> \"kept\" .\n",
    );
    assert!(made.status < 300, "{made:?}");
    let graph_a = "https://w3id.org/missions-kg/source/prune-a";
    let graph_b = "https://w3id.org/missions-kg/source/prune-b";
    let endpoint = server.url("/query");
    for writes in [
        ["--graph-store", &server.url("/store")],
        ["--update", &server.url("/update")],
    ] {
        let push = |file: &str, more: &[&str]| {
            let mut args = vec!["--data", file, "push", "--endpoint", &endpoint];
            args.extend(writes);
            args.extend(more);
            let run = run_in(dir.path(), &args, None, 120.0);
            assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
            run.stderr
        };
        push("both.trig", &[]);
        assert_eq!(server_graphs(server.port), [outside, graph_a, graph_b]);
        // Without --prune, nothing is deleted.
        let stderr = push("only-a.trig", &[]);
        assert!(!stderr.contains("pruned"), "{stderr}");
        assert_eq!(server_graphs(server.port), [outside, graph_a, graph_b]);
        // With it, the graph the data no longer has goes, named; the
        // graph outside the namespace stays.
        let stderr = push("only-a.trig", &["--prune"]);
        assert!(
            stderr.contains("pruned 1 graph") && stderr.contains(graph_b),
            "{writes:?}: {stderr}"
        );
        assert!(!stderr.contains(outside), "{stderr}");
        assert_eq!(server_graphs(server.port), [outside, graph_a]);
        // Again: nothing left to prune.
        let stderr = push("only-a.trig", &["--prune"]);
        assert!(stderr.contains("pruned no graph"), "{stderr}");
        assert_eq!(server_graphs(server.port), [outside, graph_a]);
    }
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

#[test]
fn push_prune_never_deletes_a_graph_outside_the_namespace_whatever_the_server_lists() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("only-a.trig"),
        "<https://w3id.org/missions-kg/source/prune-a> \
         { <http://example.org/x> <http://example.org/p> \"a\" . }\n",
    )
    .unwrap();
    // A server that ignores the listing's FILTER: it names a graph of its
    // own beside ours, and the stale one until it is deleted. Every count
    // is 1 (one triple in each graph pushed); every write succeeds.
    let deleted = std::sync::Arc::new(AtomicBool::new(false));
    let seen = deleted.clone();
    let server = common::ScriptedServer::start(
        move |request| {
            let json = |body: String| {
                common::Scripted::ok(
                    "application/sparql-results+json",
                    body.as_bytes(),
                    b"",
                    0,
                    b"",
                )
            };
            let binding = |iri: &str| format!(r#"{{"g":{{"type":"uri","value":"{iri}"}}}}"#);
            if request.starts_with("DELETE") {
                seen.store(true, Ordering::SeqCst);
            }
            if request.contains("COUNT") {
                json(r#"{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}"#.to_owned())
            } else if request.starts_with("POST /sparql ") {
                let mut graphs = vec![
                    binding("http://example.org/outside"),
                    binding("https://w3id.org/missions-kg/source/prune-a"),
                ];
                if !seen.load(Ordering::SeqCst) {
                    graphs.push(binding("https://w3id.org/missions-kg/source/prune-b"));
                }
                json(format!(
                    r#"{{"head":{{"vars":["g"]}},"results":{{"bindings":[{}]}}}}"#,
                    graphs.join(",")
                ))
            } else {
                common::Scripted::whole(common::http_response("204 No Content", &[], b""))
            }
        },
        20,
        60.0,
    );
    let store = format!("{}/store", server.origin);
    let run = run_in(
        dir.path(),
        &[
            "--data",
            "only-a.trig",
            "push",
            "--endpoint",
            &server.url,
            "--graph-store",
            &store,
            "--prune",
        ],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("pruned 1 graph"), "{}", run.stderr);
    let deletes: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|request| request.starts_with("DELETE"))
        .map(|request| request.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        deletes,
        ["DELETE /store?graph=https%3A%2F%2Fw3id%2Eorg%2Fmissions%2Dkg%2Fsource%2Fprune%2Db HTTP/1.1"]
    );
    assert!(deleted.load(Ordering::SeqCst));
}
