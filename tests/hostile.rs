//! Every hostile input of issue 9, reproduced: each run bounded in time
//! (killed past it) and watched for its peak memory, each expected to end
//! in one clear `error:` line (exit 1) naming the limit it hit, or to
//! succeed. Before the defences, these aborted with a stack overflow, ate
//! gigabytes, hung, or left a damaged file.
//!
//! Inputs are generated into a scratch folder; servers are raw sockets on
//! loopback written here (`common::raw_server`). Sections 1 to 4 are here;
//! section 6 (one clear line, safely printed) and what was found by trying
//! the first version as a hostile user would are in `hostile_lines.rs`.

mod common;

use common::{
    assert_error_line, assert_no_crash, bounded, head, http_response, query_file, raw_server,
    run_in, scratch, BOUND,
};
use std::fs;
use std::process::Stdio;

// 1. Never abort: stack depth.

#[test]
fn deeply_nested_queries_hit_the_nesting_limit() {
    let dir = scratch();
    let n = 10_000;
    let cases = [
        (
            "braces",
            format!("SELECT * WHERE {}{}", "{".repeat(3_000), "}".repeat(3_000)),
        ),
        (
            "parentheses",
            format!(
                "SELECT * {{ ?s ?p ?o FILTER({}?o{}) }}",
                "(".repeat(4_000),
                ")".repeat(4_000)
            ),
        ),
        (
            "sub-selects",
            format!(
                "SELECT * {{ {}{{?s ?p ?o}}{} }}",
                "{ SELECT * WHERE ".repeat(n),
                " }".repeat(n)
            ),
        ),
        (
            "optionals",
            format!(
                "SELECT * {{ ?s ?p ?o {}{} }}",
                "OPTIONAL { ?s ?p ?o ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "exists",
            format!(
                "ASK {{ ?s ?p ?o {}{} }}",
                "FILTER EXISTS { ?s ?p ?o ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "blank node lists",
            format!("ASK {{ ?s ?p {}?o{} }}", "[ ?p ".repeat(n), " ]".repeat(n)),
        ),
        (
            "collections",
            format!("ASK {{ ?s ?p {}?o{} }}", "( ".repeat(n), " )".repeat(n)),
        ),
        (
            "triple terms",
            format!(
                "ASK {{ ?s ?p {}?o{} }}",
                "<<( ?s ?p ".repeat(n),
                " )>>".repeat(n)
            ),
        ),
    ];
    for (case, text) in cases {
        let name = query_file(dir.path(), "q.rq", &text);
        let run = bounded(dir.path(), &["query", &name]);
        assert_error_line(&run, "nested more than 1000 levels deep", case);
        assert!(
            run.stderr.contains("nesting limit"),
            "{case}: {}",
            run.stderr
        );
    }
}

#[test]
fn long_operator_chains_are_refused_or_answered() {
    let dir = scratch();
    let n = 10_000;
    let cases = [
        (
            "union",
            format!("SELECT * {{ {} }}", vec!["{?s ?p ?o}"; n].join(" UNION ")),
        ),
        (
            "plus",
            format!("SELECT ({} AS ?x) {{}}", vec!["1"; n].join(" + ")),
        ),
        (
            "and",
            format!("ASK {{ FILTER({}) }}", vec!["true"; n].join(" && ")),
        ),
        (
            "sequence path",
            format!("ASK {{ ?s {} ?o }}", vec!["mk:creator"; n].join("/")),
        ),
        (
            "alternative path",
            format!("ASK {{ ?s {} ?o }}", vec!["mk:creator"; n].join("|")),
        ),
    ];
    for (case, text) in cases {
        let name = query_file(dir.path(), "q.rq", &text);
        let run = bounded(dir.path(), &["query", &name]);
        assert_no_crash(&run, case);
        if run.code != Some(0) {
            assert_error_line(&run, "the query depth limit", case);
        }
    }
    // A long chain under the limit is answered.
    let text = format!(
        "ASK {{ {} }}",
        vec!["{?s a mk:Series}"; 2_000].join(" UNION ")
    );
    let name = query_file(dir.path(), "q.rq", &text);
    let run = bounded(dir.path(), &["query", &name]);
    assert_no_crash(&run, "union of 2,000");
    assert_eq!(run.code, Some(0), "{}", head(&run.stderr));
    assert_eq!(run.stdout_text().trim(), "true");
}

#[test]
fn deeply_nested_data_hits_the_nesting_limit() {
    let dir = scratch();
    let jsonld = format!(
        "{}{{\"@id\":\"http://e.org/b\"}}{}",
        "{\"@id\":\"http://e.org/a\",\"http://e.org/p\":".repeat(5_000),
        "}".repeat(5_000)
    );
    let turtle = format!(
        "<http://e.org/a> <http://e.org/p> {}<http://e.org/b>{} .\n",
        "<<( <http://e.org/a> <http://e.org/p> ".repeat(30_000),
        " )>>".repeat(30_000)
    );
    let rdfxml = format!(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:e=\"http://e.org/\">{}{}</rdf:RDF>",
        "<rdf:Description><e:p>".repeat(100_000),
        "</e:p></rdf:Description>".repeat(100_000)
    );
    for (file, text) in [
        ("deep.jsonld", &jsonld),
        ("deep.ttl", &turtle),
        ("deep.nt", &turtle),
        ("deep.rdf", &rdfxml),
    ] {
        fs::write(dir.path().join(file), text).unwrap();
        let run = bounded(dir.path(), &["--data", file, "stats"]);
        assert_error_line(&run, "(the nesting limit)", file);
        assert!(run.seconds < 10.0, "{file}: {:.1} s", run.seconds);
    }
    // What a generator might write stays well inside the limits.
    let jsonld = format!(
        "{}{{\"@id\":\"http://e.org/b\"}}{}",
        "{\"@id\":\"http://e.org/a\",\"http://e.org/p\":".repeat(900),
        "}".repeat(900)
    );
    fs::write(dir.path().join("ok.jsonld"), jsonld).unwrap();
    let run = bounded(dir.path(), &["--data", "ok.jsonld", "stats"]);
    assert_eq!(run.code, Some(0), "{}", head(&run.stderr));
    assert!(
        run.peak_mib < 512,
        "JSON-LD of 900 levels: {} MiB",
        run.peak_mib
    );
}

#[test]
fn shacl_sparql_is_checked_before_the_engine_sees_it() {
    let dir = scratch();
    let shapes = |select: &str| {
        format!(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n\
             <http://e.org/S> a sh:NodeShape ; sh:targetClass <http://e.org/C> ;\n\
             sh:sparql [ sh:select \"\"\"{select}\"\"\" ] .\n"
        )
    };
    let deep = format!(
        "SELECT $this WHERE {}{}",
        "{".repeat(5_000),
        "}".repeat(5_000)
    );
    fs::write(dir.path().join("deep.ttl"), shapes(&deep)).unwrap();
    let run = bounded(dir.path(), &["validate", "--shapes", "deep.ttl"]);
    assert_error_line(&run, "(the nesting limit)", "sh:select of 5,000 groups");

    let (url, server) = raw_server(None, 1, 3.0);
    let service = format!("SELECT $this WHERE {{ SERVICE <{url}> {{ $this ?p ?o }} }}");
    fs::write(dir.path().join("service.ttl"), shapes(&service)).unwrap();
    for args in [
        &["validate", "--shapes", "service.ttl"][..],
        &["--allow-service", "validate", "--shapes", "service.ttl"][..],
    ] {
        let run = bounded(dir.path(), args);
        assert_error_line(
            &run,
            "shapes may not call other endpoints",
            "SERVICE in shapes",
        );
    }
    assert_eq!(server.join().unwrap(), 0, "no request may leave");
}

#[test]
fn order_by_over_numbers_and_numeric_strings_never_panics() {
    // spareval compares numbers as numbers and a number with a string as
    // text, which is no order (9 < 10 < "5" < "9"), and Rust's sort
    // panicked on it about one shuffle in three: exit 101 with a backtrace.
    // Twenty shuffles (a fixed sequence), each in both directions.
    let dir = scratch();
    let mut values: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    values.extend((0..40).map(|i| format!("\"{i}\"")));
    let mut state: u64 = 2017;
    let mut runs = Vec::new();
    for round in 0..20 {
        for i in (1..values.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.swap(i, (state >> 33) as usize % (i + 1));
        }
        for descending in [false, true] {
            let key = if descending { "DESC(?v)" } else { "?v" };
            let query = format!(
                "SELECT ?v WHERE {{ VALUES ?v {{ {} }} }} ORDER BY {key}",
                values.join(" ")
            );
            let run = run_in(dir.path(), &["query", &query, "-f", "tsv"], None, BOUND);
            runs.push((format!("shuffle {round} {key}"), descending, run));
        }
    }
    for (case, _, run) in &runs {
        assert_no_crash(run, case);
        assert_eq!(run.code, Some(0), "{case}: {}", head(&run.stderr));
    }
    // Numbers before strings (each kind in its own order), the whole
    // reversed by DESC.
    let mut ascending: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let mut strings: Vec<String> = (0..40).map(|i| format!("\"{i}\"")).collect();
    strings.sort();
    ascending.extend(strings);
    for (case, descending, run) in &runs {
        let mut expected = ascending.clone();
        if *descending {
            expected.reverse();
        }
        let got: Vec<String> = run
            .stdout_text()
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect();
        assert_eq!(got, expected, "{case}");
    }
}

// 2. Bounded memory and time on small inputs.

#[test]
fn a_billion_laughs_is_refused() {
    let dir = scratch();
    let mut xml =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    let mut previous = "lol".to_owned();
    for i in 1..10 {
        xml.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
        previous = format!("lol{i}");
    }
    xml.push_str(
        "]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:e=\"http://e.org/\">\
         <rdf:Description rdf:about=\"http://e.org/a\"><e:p>&lol9;</e:p></rdf:Description></rdf:RDF>\n",
    );
    assert!(xml.len() < 1_000, "a small file: {} bytes", xml.len());
    fs::write(dir.path().join("lol.rdf"), xml).unwrap();
    let run = bounded(dir.path(), &["--data", "lol.rdf", "stats"]);
    assert_error_line(
        &run,
        "(entity 'lol4'; the entity expansion limit)",
        "billion laughs",
    );
}

#[test]
fn endless_inputs_are_refused_before_reading() {
    let dir = scratch();
    let d = dir.path();
    std::os::unix::fs::symlink("/dev/zero", d.join("z.ttl")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("z.rq")).unwrap();
    let device = "not a regular file (a device, pipe or socket)";
    for (args, needle) in [
        (
            &["--data", "/dev/zero", "stats"][..],
            "unknown RDF file extension",
        ),
        (
            &["--data", "/dev/urandom", "stats"][..],
            "unknown RDF file extension",
        ),
        (&["--data", "z.ttl", "stats"][..], device),
        (&["query", "z.rq"][..], device),
        (&["validate", "--shapes", "/dev/zero"][..], device),
    ] {
        let run = bounded(d, args);
        assert_error_line(&run, needle, &format!("{args:?}"));
        assert!(run.seconds < 10.0, "{args:?}: {:.1} s", run.seconds);
    }
    let zero = fs::File::open("/dev/zero").unwrap();
    let run = run_in(d, &["query", "-"], Some(Stdio::from(zero)), BOUND);
    assert_error_line(
        &run,
        "larger than the input limit of 256 MiB (raise it with --max-input)",
        "query - < /dev/zero",
    );
    let zero = fs::File::open("/dev/zero").unwrap();
    let run = run_in(
        d,
        &["--max-input", "1M", "query", "-"],
        Some(Stdio::from(zero)),
        BOUND,
    );
    assert_error_line(
        &run,
        "larger than the input limit of 1 MiB",
        "--max-input 1M",
    );
    // A file over the cap is refused by its size, before it is read.
    fs::write(
        d.join("big.nt"),
        "<http://e.org/a> <http://e.org/p> \"x\" .\n".repeat(100),
    )
    .unwrap();
    let run = bounded(d, &["--max-input", "1K", "--data", "big.nt", "stats"]);
    assert_error_line(
        &run,
        "cannot read big.nt: larger than the input limit of 1 KiB",
        "--max-input 1K",
    );
}

#[test]
fn folders_are_walked_once_per_real_path() {
    let dir = scratch();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    // A blank node: each load of the file would add one more.
    fs::write(data.join("one.nt"), "_:x <http://e.org/p> \"1\" .\n").unwrap();
    for link in ["a", "b", "self"] {
        std::os::unix::fs::symlink(".", data.join(link)).unwrap();
    }
    let run = bounded(
        dir.path(),
        &[
            "--data",
            "data",
            "query",
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", head(&run.stderr));
    assert_eq!(run.stdout_text(), "?n\n1\n");
}

#[test]
fn endpoint_answers_are_capped_after_decompression() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..200 {
        gzip.write_all(&chunk).unwrap();
    }
    let body = gzip.finish().unwrap();
    assert!(
        body.len() < 1 << 20,
        "the bomb is small: {} bytes",
        body.len()
    );
    let response = http_response(
        "200 OK",
        &[
            ("Content-Type", "application/sparql-results+json"),
            ("Content-Encoding", "gzip"),
        ],
        &body,
    );
    let (url, server) = raw_server(Some(response), 4, 30.0);
    let dir = scratch();
    let run = bounded(
        dir.path(),
        &["links", "check", "--endpoint", &url, "--timeout", "20"],
    );
    assert_error_line(&run, "answer larger than 64 MiB, refused", "gzip bomb");
    assert!(run.peak_mib < 300, "gzip bomb: {} MiB", run.peak_mib);
    drop(server);
}

#[test]
fn describe_bounds_the_work_on_long_names_and_many_labels() {
    let dir = scratch();
    let mut data = String::new();
    for i in 0..200_000 {
        data.push_str(&format!(
            "<https://w3id.org/missions-kg/id/e{i}> <http://www.w3.org/2000/01/rdf-schema#label> \"entity number {i}\" .\n"
        ));
    }
    for i in 0..500 {
        data.push_str(&format!(
            "<https://w3id.org/missions-kg/id/same{i}> <http://www.w3.org/2000/01/rdf-schema#label> \"Same name\" .\n"
        ));
    }
    fs::write(dir.path().join("labels.nt"), data).unwrap();
    let long = "x".repeat(100_000);
    let run = bounded(dir.path(), &["--data", "labels.nt", "describe", &long]);
    assert_error_line(
        &run,
        "names longer than 500 characters are not looked up",
        "100 KB name",
    );
    assert!(
        run.stderr.len() < 400,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let run = bounded(
        dir.path(),
        &["--data", "labels.nt", "describe", "entity numbr 12345x"],
    );
    assert_no_crash(&run, "a misspelled name over 200k labels");
    assert_eq!(run.code, Some(1));
    assert!(run.seconds < 20.0, "suggestions took {:.1} s", run.seconds);
    let run = bounded(
        dir.path(),
        &["--data", "labels.nt", "describe", "Same name"],
    );
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("matches 500 entities") && run.stderr.contains("… and 480 more"),
        "{}",
        head(&run.stderr)
    );
    assert!(
        run.stderr.lines().count() <= 22,
        "{} lines",
        run.stderr.lines().count()
    );
}

#[test]
fn timeout_covers_loading_and_memory_has_a_ceiling() {
    let dir = scratch();
    let mut data = String::new();
    for i in 0..300_000 {
        data.push_str(&format!(
            "<http://e.org/s{i}> <http://e.org/p> \"value {i}\" .\n"
        ));
    }
    fs::write(dir.path().join("big.nt"), data).unwrap();
    let run = bounded(
        dir.path(),
        &["--data", "big.nt", "query", "--timeout", "0.05", "ASK {}"],
    );
    assert_error_line(
        &run,
        "loading timed out after 0.05 s",
        "--timeout while loading",
    );

    let cartesian = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g";
    let run = run_in(
        dir.path(),
        &["--memory", "256M", "query", cartesian],
        None,
        BOUND,
    );
    assert_error_line(
        &run,
        "needed more than 256 MiB of memory (raise the ceiling with --memory)",
        "--memory",
    );
    assert!(
        run.peak_mib < 600,
        "--memory 256M peaked at {} MiB",
        run.peak_mib
    );
}

#[test]
fn why_on_a_cross_product_stays_within_the_memory_ceiling() {
    // Traced, a cross product's answers come with their supports; what
    // that made resident passed the ceiling by 40 to 70 % (the hostile
    // review: 1.5 to 1.7 times `--memory`; 380 MiB at 256M here), while
    // the heap count stayed under it: blocks the allocator keeps after
    // they are freed are resident too.
    let dir = scratch();
    let quads: String = (0..4000)
        .map(|i| {
            format!(
                "<http://e/s{i}> <http://e/p{}> \"v{i}\" <http://e/g{}> .\n",
                i % 7,
                i % 3
            )
        })
        .collect();
    fs::write(dir.path().join("quads.nq"), quads).unwrap();
    let base = bounded(dir.path(), &["--data", "quads.nq", "query", "ASK {}"]);
    assert_eq!(base.code, Some(0), "{}", base.stderr);
    let cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }";
    let run = run_in(
        dir.path(),
        &[
            "--data", "quads.nq", "--memory", "256M", "query", cross, "--why",
        ],
        None,
        BOUND * 2.0,
    );
    assert_error_line(
        &run,
        "needed more than 256 MiB of memory (raise the ceiling with --memory)",
        "--why --memory",
    );
    // The promise: at most a quarter more than the ceiling, over what the
    // program has resident before any work (and a few MiB for the 5 ms
    // between two readings).
    let promise = base.peak_mib + 256 * 5 / 4 + 8;
    assert!(
        run.peak_mib <= promise,
        "--why at --memory 256M peaked at {} MiB (the program alone: {} MiB)",
        run.peak_mib,
        base.peak_mib
    );
}

// 3. No stray network requests.

#[test]
fn service_is_off_unless_allowed() {
    let dir = scratch();
    let (url, server) = raw_server(None, 1, 5.0);
    for text in [
        format!("SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"),
        format!("SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"),
        format!("SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}"),
    ] {
        let run = bounded(dir.path(), &["query", &text]);
        assert_error_line(&run, "is not allowed: federation is off", &text);
        assert!(run.stderr.contains("--allow-service"), "{}", run.stderr);
    }
    assert_eq!(server.join().unwrap(), 0, "no request may leave");

    // Allowed, a silent server costs at most the --timeout.
    let (url, server) = raw_server(None, 1, 10.0);
    let text = format!("SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}");
    let run = bounded(
        dir.path(),
        &["--allow-service", "query", "--timeout", "2", &text],
    );
    assert_no_crash(&run, "silent SERVICE");
    assert_eq!(run.code, Some(1), "{}", head(&run.stderr));
    assert!(run.seconds < 8.0, "{:.1} s", run.seconds);
    assert_eq!(server.join().unwrap(), 1);

    // Allowed, an answering server is queried once and its rows join in.
    let body = br#"{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}"#;
    let response = http_response(
        "200 OK",
        &[("Content-Type", "application/sparql-results+json")],
        body,
    );
    let (url, server) = raw_server(Some(response), 1, 10.0);
    let text = format!("SELECT ?x {{ SERVICE <{url}> {{ ?s ?p ?x }} }}");
    let run = bounded(dir.path(), &["--allow-service", "query", &text]);
    assert_eq!(run.code, Some(0), "{}", head(&run.stderr));
    assert_eq!(run.stdout_text(), "?x\n\"remote\"\n");
    assert_eq!(server.join().unwrap(), 1);
}

// 4. Nothing lost, nothing half-written.

#[test]
fn output_files_are_replaced_whole_or_not_at_all() {
    let dir = scratch();
    let d = dir.path();
    let good = bounded(d, &["query", "cast", "-o", "out.csv"]);
    assert_eq!(good.code, Some(0), "{}", head(&good.stderr));
    let before = fs::read(d.join("out.csv")).unwrap();
    assert!(before.len() > 100);
    let cartesian = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let run = bounded(d, &["query", "--timeout", "1", cartesian, "-o", "out.csv"]);
    assert_error_line(&run, "query timed out after 1 s", "timeout with -o");
    assert_eq!(
        fs::read(d.join("out.csv")).unwrap(),
        before,
        "the old file is untouched"
    );
    let failed = run_in(
        d,
        &[
            "query",
            "-f",
            "rdfxml",
            "CONSTRUCT { <http://e.org/a> <http://e.org/> 1 } {}",
            "-o",
            "out.csv",
        ],
        None,
        BOUND,
    );
    assert_eq!(failed.code, Some(1));
    assert_eq!(
        fs::read(d.join("out.csv")).unwrap(),
        before,
        "the old file is untouched"
    );
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out.csv"], "no temporary file is left behind");
}

#[test]
fn twenty_concurrent_writers_leave_one_complete_output() {
    let dir = scratch();
    let d = dir.path();
    let expected: Vec<Vec<u8>> = ["cast", "creators"]
        .iter()
        .map(|q| bounded(d, &["query", q, "-f", "tsv"]).stdout)
        .collect();
    assert_ne!(expected[0], expected[1]);
    let children: Vec<_> = (0..20)
        .map(|i| {
            common::command_in(
                d,
                &[
                    "query",
                    ["cast", "creators"][i % 2],
                    "-f",
                    "tsv",
                    "-o",
                    "same.tsv",
                ],
            )
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let written = fs::read(d.join("same.tsv")).unwrap();
    assert!(
        expected.contains(&written),
        "a mix of outputs: {} bytes",
        written.len()
    );
    assert_eq!(
        fs::read_dir(d).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn blank_node_labels_are_scoped_to_their_file() {
    let dir = scratch();
    fs::write(dir.path().join("a.ttl"), "_:a <http://e.org/p> \"1\" .\n").unwrap();
    fs::write(dir.path().join("b.ttl"), "_:a <http://e.org/p> \"2\" .\n").unwrap();
    let count = "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }";
    let run = bounded(
        dir.path(),
        &["--data", "a.ttl", "--data", "b.ttl", "query", count],
    );
    assert_eq!(run.stdout_text(), "?n\n2\n", "{}", head(&run.stderr));
}

#[test]
fn dataset_formats_keep_every_graph_on_a_round_trip() {
    let dir = scratch();
    let d = dir.path();
    let graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) (COUNT(*) AS ?q) { GRAPH ?g { ?s ?p ?o } }";
    let original = bounded(d, &["query", graphs]).stdout_text();
    for (format, file) in [("trig", "all.trig"), ("nquads", "all.nq")] {
        let export = bounded(d, &["export", "--format", format, "-o", file]);
        assert_eq!(export.code, Some(0), "{}", head(&export.stderr));
        let again = bounded(d, &["--data", file, "query", graphs]).stdout_text();
        assert_eq!(again, original, "{format}: graphs lost on the round trip");
    }
}

/// The binary with `args` under an address-space limit of `kib`, as batch
/// schedulers set.
fn limited(kib: u64, args: &[&str]) -> std::process::Command {
    common::under_shell(common::root(), &format!("ulimit -v {kib}"), args)
}

#[test]
fn a_limited_address_space_gets_smaller_stacks_and_depth_limits() {
    // 1 GiB of address space: the 1 GiB work stack cannot be reserved.
    let gib = 1024 * 1024;
    let count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }";
    let run = common::run_command(limited(gib, &["query", count]), BOUND);
    assert_no_crash(&run, "a command under ulimit -v 1 GiB");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // What it cannot hold any more is refused with the limit it has, and why.
    let deep = format!(
        "SELECT * {{ {}?s ?p ?o{} }}",
        "{".repeat(900),
        "}".repeat(900)
    );
    let run = common::run_command(limited(gib, &["query", &deep]), BOUND);
    assert_no_crash(&run, "a deep query under ulimit -v 1 GiB");
    assert_error_line(&run, "nested more than 250 levels deep", "deep, limited");
    assert!(run.stderr.contains("ulimit -v"), "{}", run.stderr);
    // What it still accepts runs, on the server's smaller stacks too.
    let dir = tempfile::tempdir().unwrap();
    let served = common::Served::spawn(common::under_shell(
        dir.path(),
        &format!("ulimit -v {gib}"),
        &["serve", "--bind", "127.0.0.1:0"],
    ));
    let nested = format!(
        "SELECT * {{ {}?s ?p ?o{} }} LIMIT 1",
        "{".repeat(99),
        "}".repeat(99)
    );
    let chain = format!(
        "SELECT * {{ {} }} LIMIT 1",
        vec!["{ ?s ?p ?o }"; 100].join(" UNION ")
    );
    for query in [&nested, &chain] {
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
    }
    let too_deep = served.request(
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        deep.as_bytes(),
    );
    assert_eq!(too_deep.status, 400, "{}", too_deep.text());
    let stderr = served.stop();
    assert!(!stderr.contains("panicked"), "{stderr}");
}
