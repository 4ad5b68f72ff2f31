//! What the integration tests share, so that no test file carries a
//! launcher of its own: running the built binary (to the end, or bounded
//! in time and watched for its peak memory), the assertions about how a
//! failure must look (one `error:` line, no panic, no abort), comparing
//! answers across backends; `serve` in process ([`App`], `app.rs`) or on
//! loopback ([`Served`], `http.rs`); and the tools no one here wrote, with
//! the one rule for a test that cannot run without them ([`required`],
//! [`skip`], `tools.rs`).
//!
//! Each test file says `mod common;`; not every file uses every helper.
#![allow(dead_code)]

mod app;
mod http;
mod mcp;
mod tools;

// Not every test file uses every helper.
#[allow(unused_imports)]
pub use app::{hrefs, links_to, App};
#[allow(unused_imports)]
pub use http::*;
#[allow(unused_imports)]
pub use mcp::*;
#[allow(unused_imports)]
pub use tools::*;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_missions-kg")
}

/// The crate's root, where `tests/fixtures/…` and `queries/` are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with `args`, run in `dir` by `sh` after `setup` (such as
/// `ulimit -v 1048576`, a limit lowered as a batch scheduler or a service
/// manager would), nothing on stdin; as [`command_in`] otherwise.
pub fn under_shell(dir: &Path, setup: &str, args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .args(["-c", &format!("{setup} && exec \"$0\" \"$@\"")])
        .arg(bin())
        .args(args);
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        command.env_remove("RUST_BACKTRACE");
    }
    command
}

/// The binary with `args`, run in `dir`, nothing on stdin. Without
/// RUST_BACKTRACE, so that a panic shows the line that names it (which
/// [`assert_no_crash`] looks for), whatever the tests were run with.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command.current_dir(dir).stdin(Stdio::null()).args(args);
    // Only when set: a snapshot records the variables a command changes.
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        command.env_remove("RUST_BACKTRACE");
    }
    command
}

/// [`command_in`] the crate's root (relative paths such as
/// `tests/fixtures/kg.trig` resolve there).
pub fn command(args: &[&str]) -> Command {
    command_in(root(), args)
}

/// Runs the binary with `args` in `dir` to the end: its status and output.
pub fn output_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("the binary runs")
}

/// [`output_in`] the crate's root.
pub fn output(args: &[&str]) -> Output {
    output_in(root(), args)
}

/// The stdout of a run that must succeed (exit 0), as UTF-8.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// What one bounded run did.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when killed by a signal or by the time bound.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub seconds: f64,
    /// The largest resident set seen (Linux's VmHWM), in MiB.
    pub peak_mib: u64,
    pub timed_out: bool,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs the binary with `args` in `dir`, feeding `stdin`, killed after
/// `seconds`. Output is read on two threads so a large one cannot block it.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<Stdio>, seconds: f64) -> Run {
    let mut command = command_in(dir, args);
    command.stdin(stdin.unwrap_or_else(Stdio::null));
    run_command(command, seconds)
}

/// Runs `command` (the binary under a wrapper such as `sh -c`, set up by
/// the caller), as [`run_in`] does: output read on two threads, killed
/// after `seconds`.
pub fn run_command(mut command: Command, seconds: f64) -> Run {
    let start = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let mut timed_out = false;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:")) {
                let kib = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed().as_secs_f64() > seconds {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
        seconds: start.elapsed().as_secs_f64(),
        peak_mib: peak_kib / 1024,
        timed_out,
    }
}

/// Seconds any one hostile case may take (debug build, two busy cores).
pub const BOUND: f64 = 60.0;
/// MiB any one hostile case may hold at its peak, unless it says otherwise.
pub const PEAK_MIB: u64 = 1024;

/// A scratch folder for a case's inputs and outputs.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch folder")
}

/// [`run_in`] `dir` within [`BOUND`], holding less than [`PEAK_MIB`].
pub fn bounded(dir: &Path, args: &[&str]) -> Run {
    let run = run_in(dir, args, None, BOUND);
    assert!(
        run.peak_mib < PEAK_MIB,
        "{args:?}: peak {} MiB; stderr: {}",
        run.peak_mib,
        head(&run.stderr)
    );
    run
}

/// Writes a query into `dir` as `name`, and returns the name.
pub fn query_file(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).expect("write the query");
    name.to_owned()
}

/// Like [`run_in`], with `text` on stdin.
pub fn run_with_stdin(dir: &Path, args: &[&str], text: &[u8], seconds: f64) -> Run {
    let mut child_input = tempfile::tempfile().expect("a temporary file");
    child_input.write_all(text).expect("write stdin");
    std::io::Seek::rewind(&mut child_input).expect("rewind");
    run_in(dir, args, Some(Stdio::from(child_input)), seconds)
}

/// No panic, no abort, no stack overflow, whatever the exit code.
pub fn assert_no_crash(run: &Run, case: &str) {
    assert!(
        !run.timed_out,
        "{case}: still running after {:.1} s",
        run.seconds
    );
    assert!(
        run.code.is_some(),
        "{case}: killed by a signal (abort?); stderr: {}",
        head(&run.stderr)
    );
    for sign in [
        "panicked",
        "overflow",
        "RUST_BACKTRACE",
        "fatal runtime error",
    ] {
        assert!(
            !run.stderr.contains(sign),
            "{case}: stderr shows '{sign}': {}",
            head(&run.stderr)
        );
    }
}

/// Exit 1 with exactly one line on stderr, `error: …` containing `needle`.
pub fn assert_error_line(run: &Run, needle: &str, case: &str) {
    assert_error_line_exit(run, 1, needle, case);
}

/// Exit `code` with exactly one line on stderr, `error: …` containing
/// `needle` (2 for a usage error).
pub fn assert_error_line_exit(run: &Run, code: i32, needle: &str, case: &str) {
    assert_no_crash(run, case);
    assert_eq!(
        run.code,
        Some(code),
        "{case}: exit code; stderr: {}",
        head(&run.stderr)
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{case}: one line expected, got: {}",
        head(&run.stderr)
    );
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{case}: expected an error line with '{needle}', got: {}",
        head(&run.stderr)
    );
}

/// The first 500 characters of a text, for assertion messages.
pub fn head(text: &str) -> String {
    text.chars().take(500).collect()
}
// Comparing answers across backends (remote engines, the on-disk store).

/// A decimal in its value's form: Oxigraph keeps a decimal's value, not
/// its lexical form (`1500000.0` comes back `"1500000"^^xsd:decimal`).
pub fn decimal(cell: &str) -> String {
    let lexical = cell
        .strip_prefix('"')
        .and_then(|c| c.strip_suffix("\"^^<http://www.w3.org/2001/XMLSchema#decimal>"))
        .or_else(|| (cell.contains('.') && !cell.contains('"')).then_some(cell));
    match lexical.and_then(|l| l.parse::<f64>().ok()) {
        Some(value) => format!("decimal {value}"),
        None => cell.to_owned(),
    }
}

/// A query's rows as a sorted list, with each `GROUP_CONCAT` list (", "
/// separated) sorted too: the order of those values is not defined by
/// SPARQL, and engines differ in it.
pub fn rows(tsv: &str) -> Vec<String> {
    let mut rows: Vec<String> = tsv
        .lines()
        .map(|line| {
            line.split('\t')
                .map(decimal)
                .map(|cell| {
                    // The lexical form apart from its language tag or type.
                    let (cell, suffix) =
                        match cell.strip_prefix('"').and_then(|c| c.rsplit_once('"')) {
                            Some((lexical, suffix)) => (lexical.to_owned(), suffix.to_owned()),
                            None => (cell.clone(), String::new()),
                        };
                    let cell = cell.as_str();
                    // The stored queries' separators: ", ", " / ", and " "
                    // between URLs.
                    let urls = cell.split(' ').all(|part| part.starts_with("http"));
                    let mut parts: Vec<&str> = if urls {
                        cell.split(' ').collect()
                    } else {
                        cell.split(", ").flat_map(|p| p.split(" / ")).collect()
                    };
                    parts.sort_unstable();
                    parts.join("|") + &suffix
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    rows.sort();
    rows
}

/// The stdout of a run in `dir` that must succeed (exit 0) within two
/// minutes, as UTF-8.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let run = run_in(dir, args, None, 120.0);
    assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
    String::from_utf8(run.stdout).unwrap_or_else(|_| panic!("{args:?}: output not UTF-8"))
}

/// The number of triples a plain query sees in the store at `store`.
pub fn store_count(dir: &Path, store: &str) -> u64 {
    let out = ok(
        dir,
        &[
            "query",
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
            "--store",
            store,
            "--format",
            "tsv",
        ],
    );
    out.lines().nth(1).unwrap().parse().unwrap()
}

/// Every stored query, with values for the parameters a query needs.
pub fn stored_queries() -> Vec<(String, Vec<String>)> {
    let needed: std::collections::BTreeMap<&str, Vec<&str>> = [
        (
            "fact-sources",
            vec!["subject=missions", "property=mk:creator"],
        ),
        ("source-facts", vec!["article=mks:article-001"]),
        // An entity with a boolean and a duration among its facts: the
        // values Virtuoso writes its own way (tests/remote.rs).
        ("entity-facts", vec!["entity=mission-ulysse"]),
    ]
    .into_iter()
    .collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/queries");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rq").map(str::to_owned)
        })
        .collect();
    names.sort();
    let queries: Vec<(String, Vec<String>)> = names
        .into_iter()
        .map(|name| {
            let params = needed
                .get(name.as_str())
                .map(|p| p.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            (name, params)
        })
        .collect();
    queries
}

/// The lines `describe --evidence` writes under the first line that starts
/// with `fact` (a property's name): those that start with `indent` (its
/// passages, `"    > "`, or everything under it, `"    "`), up to the first
/// that does not.
pub fn lines_under<'a>(text: &'a str, fact: &str, indent: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(fact))
        .skip(1)
        .take_while(|l| l.starts_with(indent))
        .collect()
}
