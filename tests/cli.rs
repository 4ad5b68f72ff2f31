//! CLI snapshots: help, each subcommand and each error, run on
//! `tests/fixtures/` so they do not change when the real data does.
//! Review changes with `cargo insta review`.

mod common;

use insta_cmd::assert_cmd_snapshot;
use std::process::Command;

/// The binary, run from the crate root, on the fixture dataset.
fn kg(args: &[&str]) -> Command {
    let mut command = bare(&["--data", "tests/fixtures/kg.trig"]);
    command.args(args);
    command
}

/// The binary with only the given arguments (built-in data).
fn bare(args: &[&str]) -> Command {
    common::command(args)
}

const CREATORS: &str =
    "SELECT ?series ?creator WHERE { ?series mk:creator ?creator } ORDER BY ?creator";

#[test]
fn help_lists_the_subcommands() {
    assert_cmd_snapshot!(bare(&["--help"]));
}

#[test]
fn query_help_lists_the_formats() {
    assert_cmd_snapshot!(bare(&["query", "--help"]));
}

#[test]
fn query_writes_tsv_when_not_on_a_terminal() {
    assert_cmd_snapshot!(kg(&["query", CREATORS]));
}

#[test]
fn query_writes_a_table_with_labels() {
    assert_cmd_snapshot!(kg(&["query", "--format", "table", CREATORS]));
}

#[test]
fn query_writes_csv_and_json() {
    assert_cmd_snapshot!(kg(&["query", "-f", "csv", CREATORS]));
    assert_cmd_snapshot!(kg(&["query", "-f", "json", CREATORS]));
}

#[test]
fn query_sees_each_fact_once_and_its_sources_with_graph() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "SELECT (COUNT(*) AS ?n) { mkd:missions mk:creator ?c }"
    ]));
    assert_cmd_snapshot!(kg(&[
        "query",
        "SELECT ?g ?c { GRAPH ?g { mkd:missions mk:creator ?c } } ORDER BY ?g ?c"
    ]));
}

#[test]
fn query_answers_ask() {
    assert_cmd_snapshot!(kg(&["query", "ASK { mkd:missions a mk:Series }"]));
    assert_cmd_snapshot!(kg(&[
        "query",
        "-f",
        "table",
        "ASK { mkd:missions a mk:Person }"
    ]));
}

#[test]
fn query_writes_construct_as_sorted_turtle() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = mkd:missions) }"
    ]));
}

#[test]
fn query_reads_a_file_and_binds_typed_params() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "tests/fixtures/people.rq",
        "--param",
        "person=julien-lacombe"
    ]));
    assert_cmd_snapshot!(kg(&[
        "query",
        "tests/fixtures/people.rq",
        "--param",
        "person=Henri DEBEURME"
    ]));
}

#[test]
fn query_reads_stdin() {
    let mut command = kg(&["query", "-"]);
    assert_cmd_snapshot!(command.pass_stdin("ASK { ?s ?p ?o }"));
}

#[test]
fn query_binds_untyped_params_by_syntax() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "SELECT ?c { ?s mk:creator ?c } ORDER BY ?c",
        "--param",
        "s=mkd:missions"
    ]));
}

/// A value is bound as one RDF term after parsing: text that looks like
/// SPARQL stays a string and cannot change the query.
#[test]
fn param_values_cannot_change_the_query() {
    let output = kg(&[
        "query",
        "SELECT ?v WHERE {}",
        "--param",
        "v=\" } UNION { ?s ?p ?o } #",
    ])
    .output()
    .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        2,
        "one row, the literal itself:\n{stdout}"
    );
    assert!(stdout.contains("UNION { ?s ?p ?o }"), "{stdout}");
}

#[test]
fn fails_on_param_the_query_does_not_return() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "SELECT ?x WHERE { BIND(?v AS ?x) }",
        "--param",
        "v=1"
    ]));
}

#[test]
fn fails_on_malformed_query() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "SELECT ?s WHERE {\n  ?s a mk:Person\n  FILTER(?s = )\n}"
    ]));
}

#[test]
fn fails_on_unknown_prefix_naming_it_and_the_declared_ones() {
    let run = common::run_in(
        common::root(),
        &["query", "SELECT * { ?s foo:bar ?o }"],
        None,
        60.0,
    );
    common::assert_error_line(
        &run,
        "at line 1, column 15: unknown prefix 'foo:'; declared: dcterms, foaf, mk, mkd,",
        "unknown prefix",
    );
}

#[test]
fn fails_on_a_missing_required_param_naming_it() {
    let run = common::run_in(common::root(), &["query", "entity-facts"], None, 60.0);
    common::assert_error_line_exit(
        &run,
        2,
        "query 'entity-facts' needs --param entity=VALUE: The entity",
        "entity-facts without --param",
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout_text());
    // An optional one (`iri?`) may be left out: every article.
    let run = common::run_in(
        common::root(),
        &["query", "single-source-facts", "-f", "tsv"],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn fails_on_empty_query() {
    assert_cmd_snapshot!(kg(&["query", "  "]));
}

#[test]
fn fails_on_data_folder_without_rdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bare(&["--data", dir.path().to_str().unwrap(), "stats"]);
    // The temporary path differs on every run; the snapshot keeps the message.
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: no RDF file in "), "{stderr}");
}

#[test]
fn describe_speaks_french_with_lang_fr() {
    assert_cmd_snapshot!(bare(&["--lang", "fr", "describe", "maroc"]));
}

#[test]
fn describe_prefers_things_to_ontology_terms() {
    assert_cmd_snapshot!(bare(&["describe", "empreinte"]));
}

#[test]
fn describe_finds_a_name_inside_a_label() {
    assert_cmd_snapshot!(bare(&["describe", "Meyer"]));
}

#[test]
fn fails_on_unknown_stored_query() {
    assert_cmd_snapshot!(kg(&["query", "zzqx-nothing"]));
}

#[test]
fn fails_on_malformed_data_file() {
    assert_cmd_snapshot!(bare(&[
        "query",
        "--data",
        "tests/fixtures/broken.ttl",
        "ASK {}"
    ]));
}

#[test]
fn fails_on_missing_data_file() {
    assert_cmd_snapshot!(bare(&[
        "query",
        "--data",
        "tests/fixtures/missing.ttl",
        "ASK {}"
    ]));
}

#[test]
fn fails_on_unknown_format() {
    assert_cmd_snapshot!(kg(&["query", "--format", "yaml", "ASK {}"]));
}

#[test]
fn fails_on_results_format_for_a_graph_query() {
    assert_cmd_snapshot!(kg(&["query", "-f", "csv", "CONSTRUCT WHERE { ?s a ?o }"]));
}

#[test]
fn fails_on_bad_param_value() {
    assert_cmd_snapshot!(kg(&[
        "query",
        "tests/fixtures/people.rq",
        "--param",
        "since=2017-5-1"
    ]));
}

#[test]
fn fails_on_unknown_param() {
    assert_cmd_snapshot!(kg(&["query", "tests/fixtures/people.rq", "-p", "who=x"]));
}

#[test]
fn fails_on_param_without_value() {
    assert_cmd_snapshot!(kg(&["query", "ASK {}", "-p", "who"]));
}

#[test]
fn fails_on_unwritable_output() {
    assert_cmd_snapshot!(kg(&["query", "ASK {}", "-o", "/nonexistent-dir/out.tsv"]));
}

#[test]
fn fails_on_usage_error_with_exit_code_2() {
    assert_cmd_snapshot!(bare(&["query"]));
}

#[test]
fn export_writes_the_merged_view_as_pretty_turtle() {
    assert_cmd_snapshot!(kg(&["export"]));
}

#[test]
fn export_writes_one_article_graph() {
    assert_cmd_snapshot!(kg(&["export", "--graph", "article-001"]));
}

#[test]
fn export_writes_the_dataset_as_trig() {
    assert_cmd_snapshot!(kg(&["export", "--graph", "all"]));
}

#[test]
fn fails_on_export_all_as_turtle() {
    assert_cmd_snapshot!(kg(&["export", "--graph", "all", "--format", "turtle"]));
}

#[test]
fn fails_on_export_of_unknown_graph() {
    assert_cmd_snapshot!(kg(&["export", "--graph", "article-999"]));
}

#[test]
fn describe_shows_facts_sources_and_qualified_nodes() {
    assert_cmd_snapshot!(kg(&["describe", "missions"]));
}

#[test]
fn describe_finds_labels_without_accents_or_case() {
    assert_cmd_snapshot!(kg(&["describe", "JULIEN lacombe"]));
}

#[test]
fn fails_when_describe_is_ambiguous() {
    assert_cmd_snapshot!(kg(&["describe", "helene vivies"]));
}

#[test]
fn fails_when_describe_matches_nothing() {
    assert_cmd_snapshot!(kg(&["describe", "Henry"]));
}

#[test]
fn stats_counts_graphs_classes_and_articles() {
    assert_cmd_snapshot!(kg(&["stats"]));
    assert_cmd_snapshot!(kg(&["stats", "--format", "json"]));
}

/// `stats` counts an article's facts as `sources` does (README, "What
/// counts as a fact"), not its graph's triples: article 000's graph holds
/// 305 triples and states 131 facts.
#[test]
fn stats_counts_facts_by_the_one_definition() {
    let stats = common::run_in(common::root(), &["stats", "-f", "tsv"], None, 60.0);
    assert_eq!(stats.code, Some(0), "{}", stats.stderr);
    let facts = common::run_in(
        common::root(),
        &["query", "facts-per-article", "-f", "tsv"],
        None,
        60.0,
    );
    assert_eq!(facts.code, Some(0), "{}", facts.stderr);
    let stated: Vec<String> = facts
        .stdout_text()
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let article = cells[0].rsplit('/').next().unwrap_or_default();
            let count = cells[1].split('"').nth(1).unwrap_or(cells[1]);
            format!("article\t{}\t{count}", article.trim_end_matches('>'))
        })
        .collect();
    let counted: Vec<String> = stats
        .stdout_text()
        .lines()
        .filter(|line| line.starts_with("article\t"))
        .map(str::to_owned)
        .collect();
    assert_eq!(counted.len(), 4, "{}", stats.stdout_text());
    assert_eq!(counted, stated);
    assert!(counted.contains(&"article\tarticle-000\t131".to_owned()));
}

#[test]
fn fails_on_unknown_stored_query_in_queries() {
    assert_cmd_snapshot!(bare(&["queries", "zzqx-nothing"]));
}

#[test]
fn built_in_data_and_queries_load() {
    for args in [
        &["query", "ASK {}"][..],
        &["stats"],
        &["queries"],
        &["export"],
    ] {
        let output = bare(args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    let output = bare(&["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("missions-kg"));
    let output = bare(&["man"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with(".ie"));
}

#[test]
fn readme_examples_with_query_files_run_as_written() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let lines: Vec<&str> = readme
        .lines()
        .filter(|line| line.starts_with("missions-kg ") && line.contains(".rq"))
        .collect();
    assert!(lines.len() >= 2, "{lines:?}");
    let dir = common::scratch();
    for line in lines {
        // The command before its comment; these lines quote nothing.
        let words: Vec<&str> = line
            .split(" #")
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        for word in words.iter().filter(|word| word.ends_with(".rq")) {
            assert!(
                common::root().join(word).is_file(),
                "README: `{line}` names {word}, which the repository does not have"
            );
        }
        // Run from the crate root, as written, the output file aside.
        let mut args: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
        if let Some(at) = args.iter().position(|a| a == "--output") {
            args[at + 1] = dir.path().join(&args[at + 1]).display().to_string();
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = common::run_in(common::root(), &args, None, 60.0);
        if args.contains(&"--timeout") && run.code == Some(1) {
            common::assert_error_line(&run, "timed out", line);
        } else {
            assert_eq!(run.code, Some(0), "README: `{line}`: {}", run.stderr);
        }
    }
}

#[test]
fn man_pages_exist_for_every_page_they_name() {
    let dir = common::scratch();
    let pages = dir.path().join("man");
    let run = common::run_in(
        common::root(),
        &["man", "--dir", pages.to_str().unwrap()],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mut named = Vec::new();
    let mut texts = vec![common::stdout_of(&bare(&["man"]).output().unwrap())];
    for entry in std::fs::read_dir(&pages).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for text in texts {
        // roff writes a hyphen as `\-`: `missions\-kg\-query(1)`.
        let text = text.replace("\\-", "-");
        for (at, _) in text.match_indices("(1)") {
            let start = text[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |i| i + 1);
            if text[start..at].starts_with("missions-kg") {
                named.push(text[start..at].to_owned());
            }
        }
    }
    assert!(
        named.iter().any(|name| name == "missions-kg-query"),
        "{named:?}"
    );
    assert!(
        named.iter().any(|name| name == "missions-kg-links-check"),
        "{named:?}"
    );
    named.push("missions-kg".to_owned());
    for name in named {
        assert!(
            pages.join(format!("{name}.1")).is_file(),
            "{name}(1) is named but {name}.1 was not written"
        );
    }
}

/// What `shell` offers for `line` (the last word is the one completed, empty
/// after a trailing space), by running the shell's own completion on the
/// script `completions SHELL` prints. `None` when the shell is missing here
/// (which fails under CI: MISSIONS_KG_REQUIRE_SHELLS).
fn offered(shell: &str, line: &str) -> Option<Vec<String>> {
    let installed = std::process::Command::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        common::skip(
            "MISSIONS_KG_REQUIRE_SHELLS",
            &format!("{shell} is not installed"),
        );
        return None;
    }
    let script = common::stdout_of(&bare(&["completions", shell]).output().unwrap());
    let dir = common::scratch();
    let mut run = std::process::Command::new(shell);
    match shell {
        "bash" => {
            let path = dir.path().join("missions-kg.bash");
            std::fs::write(&path, script).unwrap();
            let mut words: Vec<&str> = line.split(' ').collect();
            if words.is_empty() {
                words.push("");
            }
            // As bash calls a completion function: the words, the index of
            // the current one, the line, and (command, current, previous).
            run.args([
                "-c",
                r#"source "$0"
                function=$(complete -p missions-kg | sed 's/.* -F \([^ ]*\) .*/\1/')
                COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                "$function" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\n' "${COMPREPLY[@]}""#,
            ])
            .arg(&path)
            .args(words);
        }
        "zsh" => {
            std::fs::write(dir.path().join("_missions-kg"), script).unwrap();
            run.arg("-f")
                .arg(common::root().join("tests/fixtures/completion/capture.zsh"))
                .arg(dir.path())
                .arg(line);
        }
        "fish" => {
            let path = dir.path().join("missions-kg.fish");
            std::fs::write(&path, script).unwrap();
            run.args(["-N", "-c", "source $argv[1]; complete -C $argv[2]"])
                .arg(&path)
                .arg(line);
        }
        _ => unreachable!("no harness for {shell}"),
    }
    let output = run.output().unwrap();
    assert!(
        output.status.success(),
        "{shell} {line:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // fish follows each word with a tab and its description.
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|word| word.split('\t').next().unwrap_or("").to_owned())
            .filter(|word| !word.is_empty())
            .collect(),
    )
}

#[test]
fn completions_offer_subcommands_options_queries_and_formats() {
    let cases: &[(&str, &[&str])] = &[
        ("missions-kg qu", &["query", "queries"]),
        ("missions-kg links ch", &["check"]),
        ("missions-kg query --fo", &["--format"]),
        ("missions-kg query ent", &["entity-facts"]),
        ("missions-kg queries dis", &["disagreements"]),
        (
            "missions-kg query --format t",
            &["table", "tsv", "turtle", "trig"],
        ),
        ("missions-kg export --format sch", &["schemaorg"]),
        ("missions-kg stats -f j", &["json"]),
    ];
    for shell in ["bash", "zsh", "fish"] {
        for (line, expected) in cases {
            let Some(words) = offered(shell, line) else {
                break;
            };
            for word in *expected {
                assert!(
                    words.iter().any(|w| w == word),
                    "{shell}: `{line}<Tab>` offers {words:?}, not {word}"
                );
            }
        }
    }
}

#[test]
fn query_times_out() {
    let output = kg(&[
        "query",
        "--timeout",
        "0.2",
        "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }",
    ])
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: query timed out after 0.2 s\n"
    );
}

/// `missions-kg export | head`: the reader goes away, the program stops
/// quietly with success, as `head` users expect. The read end is closed
/// before the program has started writing (start-up takes milliseconds), so
/// even a short output such as a completion script meets a closed pipe.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    for args in [
        &["export", "--graph", "all", "--format", "nquads"][..],
        &["completions", "zsh"][..],
    ] {
        let mut child = bare(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
    }
}

#[test]
fn describe_prefers_a_slug_to_a_name_inside_another_label() {
    // "national-geographic-channel" is a slug, and also words of the label
    // "Mars (National Geographic Channel series)".
    let output = bare(&["describe", "national-geographic-channel"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("National Geographic Channel\n  mkd:national-geographic-channel "),
        "{text}"
    );
}

#[test]
fn links_lists_one_entity_and_the_missing_ones() {
    let output = bare(&["links", "Missions", "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "entity,label,class,wikidata,wikipediaFr,wikipediaEn,imdb\r\nhttps://w3id.org/missions-kg/id/missions,Missions,television series,,https://fr.wikipedia.org/wiki/Missions_(s%C3%A9rie_t%C3%A9l%C3%A9vis%C3%A9e),https://en.wikipedia.org/wiki/Missions_(TV_series),https://www.imdb.com/title/tt6445112/\r\n"
    );
    let output = bare(&["links", "helene-vivies"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("mkd:helene-vivies has no verified external link"));
    assert_cmd_snapshot!(kg(&["links", "--missing", "--format", "table"]));
    assert_cmd_snapshot!(bare(&["describe", "esa"]));
}

#[test]
fn sources_lists_the_articles_and_their_facts() {
    assert_cmd_snapshot!(bare(&["sources", "-f", "tsv"]));
}

#[test]
fn sources_groups_one_article_by_entity() {
    assert_cmd_snapshot!(bare(&["sources", "article-003", "-f", "table"]));
}

#[test]
fn sources_agreement_shows_counts_single_facts_and_differences() {
    let output = bare(&["sources", "--agreement", "-f", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sections = report["sections"].as_array().unwrap();
    let queries: Vec<&str> = sections
        .iter()
        .map(|s| s["query"].as_str().unwrap())
        .collect();
    assert_eq!(
        queries,
        [
            "agreement",
            "fact-support",
            "single-source-facts",
            "disagreements"
        ]
    );
    // The prize the articles name three ways is among the differences.
    let differences = sections[3]["results"]["results"]["bindings"]
        .as_array()
        .unwrap();
    let prize_names = differences
        .iter()
        .filter(|row| {
            row["property"]["value"]
                .as_str()
                .unwrap()
                .ends_with("#prizeName")
        })
        .count();
    assert!(prize_names >= 3, "{prize_names}");
    // One definition of a fact: the count for "one article" is the number
    // of facts listed as single-source, and of facts listed with 1 article.
    let rows = |n: usize| {
        sections[n]["results"]["results"]["bindings"]
            .as_array()
            .unwrap()
    };
    let count = |row: &serde_json::Value, name: &str| -> u64 {
        row[name]["value"].as_str().unwrap().parse().unwrap()
    };
    let by_number = rows(0);
    let single = by_number
        .iter()
        .find(|row| count(row, "articles") == 1)
        .map(|row| count(row, "facts"))
        .unwrap();
    assert_eq!(single, rows(2).len() as u64);
    let listed_once = rows(1).iter().filter(|row| count(row, "articles") == 1);
    assert_eq!(single, listed_once.count() as u64);
    let total: u64 = by_number.iter().map(|row| count(row, "facts")).sum();
    assert_eq!(total, rows(1).len() as u64);
}

#[test]
fn sources_unknown_article_lists_the_known_ones() {
    assert_cmd_snapshot!(bare(&["sources", "article-9"]));
}

/// The widest line of `text`, in characters (box-drawing ones count one).
fn widest(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn tables_fit_the_width_asked_for_and_keep_their_cells_in_a_pipe() {
    let table = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["query", "disagreements", "--format", "table"]);
        common::run_in(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            &all,
            None,
            60.0,
        )
    };
    let fitted = table(&["--width", "100"]);
    assert_eq!(fitted.code, Some(0), "{}", fitted.stderr);
    let text = fitted.stdout_text();
    assert!(widest(&text) <= 100, "a line of {} columns", widest(&text));
    assert!(text.contains("First"), "{text}");
    // Written to a pipe without --width: every cell whole on its line.
    let whole = table(&[]);
    assert!(widest(&whole.stdout_text()) > 100);
    assert!(whole.stdout_text().contains("First run on OCS (2017)"));
    // --width 0: never wrap.
    let zero = table(&["--width", "0"]);
    assert_eq!(zero.stdout_text(), whole.stdout_text());
}
