//! The quote selectors beside the passages' offsets (`data/selectors.trig`,
//! README "The passage behind each fact"): that they are up to date with the
//! evidence and the texts, and that they re-anchor the passages in copies of
//! the texts with random edits, at the same words and never at wrong ones.
//! The texts are read from `../shared/seeds/`, beside the repository.

mod common;

use missions_kg::provenance::anchor::{self, How, Selector};
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seeds() -> std::path::PathBuf {
    repo().join("../shared/seeds")
}

/// One passage of the evidence graph with its selector (empty strings for
/// what it lacks) and its article's file.
struct Recorded {
    iri: String,
    file: String,
    selector: Selector,
    selectors: usize,
}

fn recorded() -> Vec<Recorded> {
    let query = "SELECT ?x ?file ?start ?end (SAMPLE(?d) AS ?digest) (SAMPLE(?p) AS ?prefix)
           (SAMPLE(?s) AS ?suffix) (COUNT(DISTINCT ?d) + COUNT(DISTINCT ?p) + COUNT(DISTINCT ?s) AS ?n) {
           GRAPH mkg:evidence { ?x a mk:Passage ; dcterms:isPartOf ?a ; mk:start ?start ; mk:end ?end
             OPTIONAL { ?x mk:exactDigest ?d } OPTIONAL { ?x mk:prefix ?p } OPTIONAL { ?x mk:suffix ?s } }
           ?a mk:fileName ?file }
         GROUP BY ?x ?file ?start ?end ORDER BY ?x";
    let run = common::run_in(repo(), &["query", "--format", "json", query], None, 120.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json: Value = serde_json::from_slice(&run.stdout).expect("JSON results");
    let value = |row: &Value, name: &str| row[name]["value"].as_str().unwrap_or("").to_owned();
    json["results"]["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|row| Recorded {
            iri: value(row, "x"),
            file: value(row, "file"),
            selector: Selector {
                start: value(row, "start").parse().expect("a number"),
                end: value(row, "end").parse().expect("a number"),
                digest: value(row, "digest"),
                prefix: value(row, "prefix").chars().collect(),
                suffix: value(row, "suffix").chars().collect(),
            },
            selectors: value(row, "n").parse().expect("a count"),
        })
        .collect()
}

fn texts(passages: &[Recorded]) -> BTreeMap<String, Vec<char>> {
    passages
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(seeds().join(&p.file)).unwrap_or_else(|e| {
                panic!(
                    "cannot read {} (shared/seeds must sit beside the repository): {e}",
                    p.file
                )
            });
            (p.file.clone(), text.chars().collect())
        })
        .collect()
}

/// The selector `scripts/quote-selectors.py` writes for a range of `text`.
fn expected(text: &[char], start: usize, end: usize) -> Selector {
    Selector {
        start,
        end,
        digest: anchor::digest(&text[start..end]),
        prefix: anchor::masked(&text[start.saturating_sub(anchor::CONTEXT)..start]),
        suffix: anchor::masked(&text[end..(end + anchor::CONTEXT).min(text.len())]),
    }
}

/// Every passage has one digest, one prefix and one suffix, those of its
/// text at its offsets; nothing else has them; and the script that writes
/// them would write the file as it is. Fails after the evidence changes
/// until `python3 scripts/quote-selectors.py` is run again.
#[test]
fn the_selectors_are_up_to_date_with_the_evidence_and_the_texts() {
    let passages = recorded();
    assert!(passages.len() > 200, "{} passages", passages.len());
    let texts = texts(&passages);
    let mut stale = Vec::new();
    for p in &passages {
        let text = &texts[&p.file];
        let (start, end) = (p.selector.start, p.selector.end);
        assert!(end <= text.len(), "{} lies outside its text", p.iri);
        if p.selectors != 3 || p.selector != expected(text, start, end) {
            stale.push(p.iri.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "{} passages lack their selector or have another's (run python3 scripts/quote-selectors.py): {}",
        stale.len(),
        stale.join(" ")
    );
    let run = common::run_in(
        repo(),
        &[
            "query",
            "--format",
            "tsv",
            "SELECT ?x { GRAPH mkg:evidence { ?x mk:exactDigest|mk:prefix|mk:suffix ?v FILTER NOT EXISTS { ?x a mk:Passage ; mk:start ?s } } }",
        ],
        None,
        60.0,
    );
    assert_eq!(run.stdout_text().trim(), "?x", "selectors of no passage");
    let script = std::process::Command::new("python3")
        .arg(repo().join("scripts/quote-selectors.py"))
        .arg(seeds())
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        script.status.success(),
        "{}{}",
        String::from_utf8_lossy(&script.stdout),
        String::from_utf8_lossy(&script.stderr)
    );
}

/// splitmix64: a fixed seed gives the same edits on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }
}

/// `text` with `count` random edits: a letter inserted, a character
/// deleted, one replaced by a letter, or white space changed (a space
/// doubled or made a line break, or one inserted). Each character of the
/// copy knows where it came from (`None`: inserted), so the true place of
/// every passage in the copy is known.
fn edit(text: &[char], count: usize, random: &mut Random) -> (Vec<char>, Vec<Option<usize>>) {
    const LETTERS: &[char] = &[
        'e', 'a', 's', 'i', 't', 'n', 'r', 'u', 'l', 'o', 'é', 'd', 'c', 'p', 'm', ',', '.',
    ];
    let mut chars = text.to_vec();
    let mut origin: Vec<Option<usize>> = (0..text.len()).map(Some).collect();
    for _ in 0..count {
        let at = random.below(chars.len().max(1));
        let letter = LETTERS[random.below(LETTERS.len())];
        match random.below(4) {
            0 => {
                chars.insert(at, letter);
                origin.insert(at, None);
            }
            1 if !chars.is_empty() => {
                chars.remove(at);
                origin.remove(at);
            }
            2 if !chars.is_empty() => {
                chars[at] = letter;
                origin[at] = None;
            }
            _ => {
                if chars.get(at) == Some(&' ') {
                    chars[at] = if random.below(2) == 0 { '\n' } else { ' ' };
                    chars.insert(at, ' ');
                    origin.insert(at, None);
                } else {
                    chars.insert(at, ' ');
                    origin.insert(at, None);
                }
            }
        }
    }
    (chars, origin)
}

/// The places in the copy that stand for the place `at` of the original:
/// from just after the last kept character before it to the first kept
/// character from it on (what was inserted between them may go either way).
fn true_places(origin: &[Option<usize>], at: usize) -> (usize, usize) {
    let low = origin
        .iter()
        .rposition(|o| o.is_some_and(|o| o < at))
        .map_or(0, |i| i + 1);
    let high = origin
        .iter()
        .position(|o| o.is_some_and(|o| o >= at))
        .unwrap_or(origin.len());
    (low, high.max(low))
}

/// `from..to` without white space at either end.
fn trimmed(text: &[char], mut from: usize, mut to: usize) -> (usize, usize) {
    while from < to && text[from].is_whitespace() {
        from += 1;
    }
    while to > from && text[to - 1].is_whitespace() {
        to -= 1;
    }
    (from, to)
}

#[derive(Default, Debug)]
struct Tally {
    passages: usize,
    exact: usize,
    moved: usize,
    edited: usize,
    not_found: usize,
    wrong: usize,
    near: usize,
    wrong_cases: Vec<String>,
    lost_cases: Vec<String>,
}

/// Re-anchors every passage in `trials` edited copies of each text, 1 to 5
/// per cent of its characters edited (in turn), and counts.
fn measure(trials: usize, seed: u64) -> Tally {
    let passages = recorded();
    let texts = texts(&passages);
    let mut random = Random(seed);
    let mut tally = Tally::default();
    for (file, text) in &texts {
        let selectors: Vec<&Selector> = passages
            .iter()
            .filter(|p| &p.file == file)
            .map(|p| &p.selector)
            .collect();
        for trial in 0..trials {
            let percent = 1 + trial % 5;
            let count = (text.len() * percent).div_ceil(100);
            let (copy, origin) = edit(text, count, &mut random);
            let copy_ready = anchor::Copy::new(&copy);
            for selector in &selectors {
                tally.passages += 1;
                let Some(found) = copy_ready.locate(selector) else {
                    tally.not_found += 1;
                    if tally.lost_cases.len() < 5 {
                        tally.lost_cases.push(format!(
                            "{file} {percent}% #char={},{} not found, true {:?}..{:?}",
                            selector.start,
                            selector.end,
                            true_places(&origin, selector.start),
                            true_places(&origin, selector.end)
                        ));
                    }
                    continue;
                };
                let starts = true_places(&origin, selector.start);
                let ends = true_places(&origin, selector.end);
                // Right: the place of some true start and true end, white
                // space at either edge left out (no passage starts or ends
                // with it: a space edited in at an edge stays outside).
                let right = (starts.0..=starts.1).any(|s| {
                    (ends.0..=ends.1).any(|e| trimmed(&copy, s, e) == (found.start, found.end))
                });
                // The same words but for an edge one to three characters
                // off, where edits hit that edge ("City.. Cinq", "- 1,5"
                // made "a- 1,5"): counted apart, neither right nor wrong.
                let near = |at: usize, (low, high): (usize, usize)| at + 3 >= low && at <= high + 3;
                let off = !right && near(found.start, starts) && near(found.end, ends);
                if off {
                    tally.near += 1;
                }
                if !right && !off {
                    tally.wrong += 1;
                    if tally.wrong_cases.len() < 5 {
                        let around = |at: usize| -> String {
                            copy[at.saturating_sub(6)..(at + 6).min(copy.len())]
                                .iter()
                                .collect()
                        };
                        let was = |at: usize| -> String {
                            text[at.saturating_sub(6)..(at + 6).min(text.len())]
                                .iter()
                                .collect()
                        };
                        tally.wrong_cases.push(format!(
                            "{file} {percent}% #char={},{} found {:?} at {},{}, true {starts:?}..{ends:?}: {:?}|{:?} {:?}|{:?} was {:?} {:?}",
                            selector.start, selector.end, found.how, found.start, found.end,
                            around(found.start), around(found.end), around(starts.0), around(ends.0),
                            was(selector.start), was(selector.end)
                        ));
                    }
                }
                match found.how {
                    How::Exact => tally.exact += 1,
                    How::Moved => tally.moved += 1,
                    How::Edited => tally.edited += 1,
                }
            }
        }
    }
    tally
}

/// README's figures: 1 to 5 % random edits, 100 copies of each text (seed
/// 2025), at least 99 % of the passages found at the same words, none at
/// wrong words. `cargo test --test anchoring -- --nocapture` prints them.
#[test]
fn random_edits_re_anchor_at_the_same_words() {
    let trials = std::env::var("MISSIONS_KG_ANCHOR_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let tally = measure(trials, 2025);
    let found = tally.passages - tally.not_found - tally.wrong - tally.near;
    let share = found as f64 / tally.passages as f64 * 100.0;
    println!(
        "{} passage placements: {} exact, {} moved, {} moved (edited), {} not found, {} at wrong words; {share:.2} % at the same words, {} more with an edge one to three characters off",
        tally.passages, tally.exact, tally.moved, tally.edited, tally.not_found, tally.wrong, tally.near
    );
    assert_eq!(tally.wrong, 0, "{}", tally.wrong_cases.join("\n"));
    assert!(
        share >= 99.0,
        "{share:.2} % re-anchored:\n{}",
        tally.lost_cases.join("\n")
    );
}

/// `--articles` with a copy that differs from the recorded text serves what
/// it re-anchors: one warning line for that article, the passages' text
/// from their new places, a passage whose words are gone by its offsets
/// only. A copy that is no file is still refused.
#[test]
fn a_changed_copy_is_re_anchored_not_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in std::fs::read_dir(seeds()).expect("shared/seeds") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copied");
    }
    let changed = dir.path().join("002_71c4a5a66169ebf1.txt");
    let text = std::fs::read_to_string(&changed).expect("read");
    // A line more at the top, CR LF line breaks, a space doubled in one
    // passage, and the words of another gone.
    let text = format!("Une note en tête.\n\n{text}")
        .replace("Arben Bajraktaraj, qui", "Arben  Bajraktaraj, qui")
        .replace("à partir du 1er juin", "bientôt")
        .replace('\n', "\r\n");
    std::fs::set_permissions(&changed, std::fs::Permissions::from_mode(0o644)).expect("writable");
    std::fs::write(&changed, text).expect("written");
    let folder = dir.path().display().to_string();
    let run = common::run_in(
        repo(),
        &[
            "--articles",
            &folder,
            "describe",
            "Arben Bajraktaraj",
            "--evidence",
        ],
        None,
        60.0,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].starts_with(
            "warning: article-002: text differs from the recorded one (its SHA-256 is "
        ) && warnings[0].contains(" passages re-anchored exactly, ")
            && warnings[0].ends_with(" not found")
            && !warnings[0].ends_with(" 0 not found"),
        "{}",
        run.stderr
    );
    let out = run.stdout_text();
    assert!(
        out.contains("> article-002 #char=1524,1579: \"Arben Bajraktaraj, qui interprète Komarov, est libanais\""),
        "{out}"
    );
    let broadcast = common::run_in(
        repo(),
        &[
            "--articles",
            &folder,
            "describe",
            "mkd:broadcast-ocs-2017",
            "--evidence",
        ],
        None,
        60.0,
    );
    assert_eq!(broadcast.code, Some(0), "{}", broadcast.stderr);
    let out = broadcast.stdout_text();
    assert!(
        out.contains("> article-002 #char=2291,2324\n"),
        "offsets only: {out}"
    );

    std::fs::remove_file(&changed).expect("removed");
    std::fs::create_dir(&changed).expect("a folder in its place");
    let run = common::run_in(
        repo(),
        &["--articles", &folder, "describe", "missions", "--evidence"],
        None,
        60.0,
    );
    common::assert_error_line(&run, "002_71c4a5a66169ebf1.txt", "a folder");
}
