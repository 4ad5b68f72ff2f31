//! What a hostile endpoint, or a hostile file beside one, may not do to the
//! commands that talk to it (issue 23, item 15): a login file that is a
//! FIFO, a Graph Store URL that already names a graph, an answer of many
//! millions of empty rows, an answer nested deeper than anyone writes. Each
//! endpoint is a loopback server written here (`common::ScriptedServer`),
//! each run bounded in time and watched for its peak memory, and each
//! expected to end in one clear `error:` line.

mod common;

use common::{
    assert_error_line, assert_error_line_exit, command_in, run_command, run_in, scratch, Scripted,
    ScriptedServer,
};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The media type of SPARQL JSON results.
const JSON: &str = "application/sparql-results+json";

/// An answer of no rows, for whatever a test does not look at.
fn no_rows(_: &str) -> Scripted {
    Scripted::ok(
        JSON,
        br#"{"head":{"vars":["g"]},"results":{"bindings":[]}}"#,
        b"",
        0,
        b"",
    )
}

/// Makes a FIFO at `path`.
fn fifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("a path");
    // SAFETY: `name` is a valid NUL-terminated path that outlives the call.
    let made = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

/// A netrc file that is a FIFO held the command in `open` until something
/// wrote to it, for ever: it is refused, as any input that is not a regular
/// file is, in one line naming it; `~/.netrc` too.
#[test]
fn a_netrc_that_is_not_a_regular_file_is_refused_in_one_line() {
    let dir = scratch();
    let named = dir.path().join("netrc-fifo");
    fifo(&named);
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    fifo(&home.join(".netrc"));
    let server = ScriptedServer::start(no_rows, 10, 60.0);
    for (args, home_only) in [
        (vec!["query", "ASK {}", "--endpoint", &server.url], false),
        (vec!["push", "--endpoint", &server.url], false),
        (vec!["query", "ASK {}", "--endpoint", &server.url], true),
    ] {
        let mut command = command_in(dir.path(), &args);
        command
            .env_remove("MISSIONS_KG_USER")
            .env_remove("MISSIONS_KG_PASSWORD");
        let shown = if home_only {
            command.env_remove("MISSIONS_KG_NETRC").env("HOME", &home);
            home.join(".netrc")
        } else {
            command.env("MISSIONS_KG_NETRC", &named);
            named.clone()
        };
        let run = run_command(command, 20.0);
        assert_error_line(
            &run,
            &format!("cannot read {}: not a regular file", shown.display()),
            &format!("{args:?} with a FIFO for {}", shown.display()),
        );
    }
    assert_eq!(server.requests(), Vec::<String>::new());
}

/// A `--graph-store` URL carrying `?graph=` or `?default` of its own went
/// out with two graph parameters (`?graph=x&graph=…`), which each server
/// reads its own way: it is refused before anything is sent, naming the
/// parameter. Any other parameter stays, and the graph's follows it.
#[test]
fn a_graph_store_url_that_names_a_graph_is_refused() {
    let dir = scratch();
    let server = ScriptedServer::start(
        |request: &str| {
            if request.starts_with("PUT") || request.starts_with("POST /store") {
                Scripted::whole(common::http_response("204 No Content", &[], b""))
            } else {
                no_rows(request)
            }
        },
        200,
        120.0,
    );
    for (query, parameter) in [
        ("?graph=http%3A%2F%2Fe.org%2Fg", "graph"),
        ("?default", "default"),
        ("?default=", "default"),
        ("?key=1&graph=x", "graph"),
        ("?%67raph=x", "graph"),
    ] {
        let store = format!("{}/store{query}", server.origin);
        let run = run_in(
            dir.path(),
            &["push", "--endpoint", &server.url, "--graph-store", &store],
            None,
            60.0,
        );
        assert_error_line_exit(
            &run,
            2,
            &format!("already names a graph (?{parameter}"),
            &store,
        );
    }
    assert_eq!(server.requests(), Vec::<String>::new());
    let store = format!("{}/store?key=1", server.origin);
    run_in(
        dir.path(),
        &["push", "--endpoint", &server.url, "--graph-store", &store],
        None,
        60.0,
    );
    let requests = server.requests();
    let first = requests
        .first()
        .map_or("", |r| r.lines().next().unwrap_or(""));
    assert_eq!(first, "PUT /store?key=1&default HTTP/1.1", "{requests:?}");
}

/// 63 MiB of empty rows (`{},` each: 22 million of them) grew to 6.8 GB
/// under `links --endpoint`, past any `--memory`: the rows count against
/// the ceiling, as `query --endpoint`'s do, and the command ends in one
/// line.
#[test]
fn an_answer_of_millions_of_empty_rows_stops_at_the_memory_ceiling() {
    let dir = scratch();
    let rows = (63 << 20) / 3;
    let server = ScriptedServer::start(
        move |request: &str| {
            // The dataset `push` may have described: none.
            if request.contains("void") {
                return no_rows(request);
            }
            Scripted::ok(
                JSON,
                br#"{"head":{"vars":[]},"results":{"bindings":["#,
                b"{},",
                rows,
                b"{}]}}",
            )
        },
        10,
        120.0,
    );
    for args in [
        vec!["--memory", "192M", "links", "--endpoint", &server.url],
        vec![
            "--memory",
            "192M",
            "links",
            "check",
            "--endpoint",
            &server.url,
        ],
    ] {
        let run = run_in(dir.path(), &args, None, 30.0);
        assert_error_line(
            &run,
            "needed more than 192 MiB of memory (raise the ceiling with --memory)",
            &format!("{args:?}"),
        );
        assert!(run.peak_mib < 450, "{args:?}: peak {} MiB", run.peak_mib);
    }
}

/// One triple term in SPARQL JSON results, nested `depth` deep.
fn nested_term(depth: usize) -> Vec<u8> {
    let mut term = Vec::new();
    for _ in 0..depth {
        term.extend_from_slice(
            br#"{"type":"triple","value":{"subject":{"type":"uri","value":"http://e.org/s"},"predicate":{"type":"uri","value":"http://e.org/p"},"object":"#,
        );
    }
    term.extend_from_slice(br#"{"type":"uri","value":"http://e.org/o"}"#);
    term.extend_from_slice(&b"}}".repeat(depth));
    term
}

/// Parsing nested triple terms costs time that grows with the square of
/// their depth, and it came after the request's timeout: one answer 20,000
/// deep took minutes, and 900 rows each 450 deep (within the nesting
/// limit, 60 MiB) most of one. The answer's nesting is measured first,
/// and the timeout covers its parsing: each ends in one line, soon after
/// `--timeout`.
#[test]
fn a_deeply_nested_answer_ends_within_the_request_timeout() {
    let dir = scratch();
    let start = br#"{"head":{"vars":["x"]},"results":{"bindings":["#;
    let mut deep = start.to_vec();
    deep.extend_from_slice(br#"{"x":"#);
    deep.extend_from_slice(&nested_term(20_000));
    deep.extend_from_slice(b"}]}}");
    let mut row = br#"{"x":"#.to_vec();
    row.extend_from_slice(&nested_term(450));
    row.extend_from_slice(b"},");
    let rows = (60 << 20) / row.len();
    let last = br#"{"x":{"type":"uri","value":"http://e.org/o"}}]}}"#;
    for (case, answer, needle) in [
        (
            "one row 20,000 triple terms deep",
            Scripted::ok(JSON, &deep, b"", 0, b""),
            "answer refused: nested more than 1000 levels deep",
        ),
        (
            "900 rows 450 triple terms deep",
            Scripted::ok(JSON, start, &row, rows, last),
            "answer not read within 2 s",
        ),
    ] {
        let server = ScriptedServer::start(move |_: &str| answer.clone(), 4, 60.0);
        let run = run_in(
            dir.path(),
            &[
                "links",
                "check",
                "--endpoint",
                &server.url,
                "--timeout",
                "2",
            ],
            None,
            30.0,
        );
        assert_error_line(&run, needle, case);
        assert!(run.seconds < 10.0, "{case}: {:.1} s", run.seconds);
    }
}
