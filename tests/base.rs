//! Relative IRIs: each `--data` file and `.rq` query file is its own base
//! (its `file://` URL), `--base` replaces that, and a relative IRI where
//! there is no base is an error that says so.

mod common;

use common::{output_in as run, stdout_of as stdout};

/// A scratch folder (with a space, to see it percent-encoded) holding a
/// Turtle file and an RDF/XML file that write relative IRIs.
fn scratch() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("my data");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("people.ttl"),
        "<> <http://e.org/about> <fred@edu> .\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("doc.rdf"),
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.org/">
  <rdf:Description rdf:about=""><e:self rdf:resource=""/></rdf:Description>
</rdf:RDF>"#,
    )
    .unwrap();
    let absolute = std::fs::canonicalize(&folder).unwrap();
    let url = format!("file://{}", absolute.display()).replace(' ', "%20");
    (dir, url)
}

#[test]
fn data_files_are_their_own_base() {
    let (dir, url) = scratch();
    let folder = dir.path().join("my data");
    let out = stdout(&run(
        &folder,
        &[
            "--data",
            ".",
            "query",
            "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s",
        ],
    ));
    assert_eq!(
        out,
        format!("?s\t?o\n<{url}/doc.rdf>\t<{url}/doc.rdf>\n<{url}/people.ttl>\t<{url}/fred@edu>\n")
    );
}

#[test]
fn base_replaces_the_file_urls_for_data_and_query() {
    let (dir, _) = scratch();
    let folder = dir.path().join("my data");
    std::fs::write(folder.join("q.rq"), "SELECT ?s { ?s ?p <fred@edu> }").unwrap();
    let out = stdout(&run(
        &folder,
        &[
            "--data",
            "people.ttl",
            "--base",
            "http://e.org/x/",
            "query",
            "q.rq",
        ],
    ));
    assert_eq!(out, "?s\n<http://e.org/x/>\n");
    // Without --base, the query file is its own base too, and still matches
    // the IRI the data file made, as they are in the same folder.
    let out = stdout(&run(&folder, &["--data", "people.ttl", "query", "q.rq"]));
    assert!(out.ends_with("/people.ttl>\n"), "{out}");
}

#[test]
fn a_relative_iri_in_a_text_query_says_it_needs_a_base() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["query", "PREFIX : <>\nSELECT * { :a ?p ?o }"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: malformed query text at line 1, column 10: relative IRI without a base: \
             give --base IRI to resolve it (<>)"
        ),
        "{stderr}"
    );
    let output = run(
        dir.path(),
        &[
            "--base",
            "http://e.org/",
            "query",
            "PREFIX : <>\nASK { :a ?p ?o }",
        ],
    );
    assert!(output.status.success());
}

#[test]
fn a_bad_base_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--base", "not/absolute", "stats"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: invalid --base 'not/absolute': "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
