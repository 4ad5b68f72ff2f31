//! The on-disk store against what a hostile folder or a failing disk can
//! do to it (issue 23): links and FIFOs planted where the store keeps its
//! files, a write that fails midway (a full disk, a file size limit) and
//! what it leaves, and a store whose files were altered after `load`. Each
//! ends in the load's result or one `error:` line, within a bound.

mod common;

use common::{assert_error_line_exit, assert_no_crash, ok, run_command, run_in, store_count};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A FIFO at `path`, made by the system's `mkfifo` (no unsafe code here).
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Seconds a load of one triple may take before it counts as hung.
const HUNG: f64 = 20.0;

#[test]
fn links_and_fifos_planted_in_a_store_are_neither_followed_nor_waited_on() {
    // Issue 23, item 10: a link named CURRENT.tmp had `load` overwrite the
    // file it named, a link named LOCK made `load` create its target, and a
    // FIFO under either name made `load` wait for ever.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("one.nt"),
        "<http://e.org/a> <http://e.org/p> \"x\" .\n",
    )
    .unwrap();
    ok(d, &["load", "--store", "st", "one.nt"]);
    let store = d.join("st");
    let load = |case: &str| {
        let run = run_in(d, &["load", "--store", "st", "one.nt"], None, HUNG);
        assert_no_crash(&run, case);
        run
    };

    // A stale CURRENT.tmp, link or FIFO, is removed, and the load commits.
    fs::write(d.join("outside"), "untouched\n").unwrap();
    std::os::unix::fs::symlink(d.join("outside"), store.join("CURRENT.tmp")).unwrap();
    let run = load("CURRENT.tmp a link");
    assert_eq!(run.code, Some(0), "CURRENT.tmp a link: {}", run.stderr);
    assert_eq!(
        fs::read_to_string(d.join("outside")).unwrap(),
        "untouched\n"
    );
    assert!(fs::symlink_metadata(store.join("CURRENT"))
        .unwrap()
        .is_file());
    assert_eq!(store_count(d, "st"), 1);
    mkfifo(&store.join("CURRENT.tmp"));
    let run = load("CURRENT.tmp a FIFO");
    assert_eq!(run.code, Some(0), "CURRENT.tmp a FIFO: {}", run.stderr);
    assert_eq!(store_count(d, "st"), 1);

    // A LOCK that is not a regular file is refused, naming it; nothing is
    // created where a link points.
    fs::remove_file(store.join("LOCK")).unwrap();
    std::os::unix::fs::symlink(d.join("elsewhere"), store.join("LOCK")).unwrap();
    let run = load("LOCK a link");
    assert_error_line_exit(&run, 1, "st/LOCK is not a regular file", "LOCK a link");
    assert!(
        !d.join("elsewhere").exists(),
        "the link's target was created"
    );
    fs::remove_file(store.join("LOCK")).unwrap();
    mkfifo(&store.join("LOCK"));
    let run = load("LOCK a FIFO");
    assert_error_line_exit(&run, 1, "st/LOCK is not a regular file", "LOCK a FIFO");
    fs::remove_file(store.join("LOCK")).unwrap();
    assert_eq!(store_count(d, "st"), 1);

    // Readers refuse a FIFO in place of CURRENT at once.
    fs::remove_file(store.join("CURRENT")).unwrap();
    mkfifo(&store.join("CURRENT"));
    let run = run_in(d, &["query", "ASK {}", "--store", "st"], None, HUNG);
    assert_error_line_exit(&run, 1, "not a regular file", "CURRENT a FIFO");
}

/// Writes `n` N-Quads lines in four graphs, each value named `word`.
fn write_quads(path: &Path, n: usize, word: &str) {
    let mut out = std::io::BufWriter::new(fs::File::create(path).unwrap());
    for i in 0..n {
        writeln!(
            out,
            "<http://e.org/s{}> <http://e.org/p{}> \"{word} {i}\" <http://e.org/g{}> .",
            i / 7,
            i % 13,
            i % 4
        )
        .unwrap();
    }
}

/// The names in the store folder beside CURRENT, LOCK and `keep`.
fn strays(store: &Path, keep: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| !["CURRENT", "LOCK", keep].contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_that_fails_is_named_and_leaves_no_unfinished_generation() {
    // Issue 23, item 11: a failed write was reported as "failed to read HDT
    // four section dictionary" (the `hdt` crate's label for any of its
    // errors), and the load left its `gen-N.tmp` behind. Files here may
    // not pass 4 blocks (2 KiB as dash counts, 4 KiB as bash does: far
    // below the built-in graph's merged view), and SIGXFSZ is ignored, so
    // the write past the limit fails with EFBIG instead of killing the load.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("one.nt"),
        "<http://e.org/a> <http://e.org/p> \"x\" .\n",
    )
    .unwrap();
    ok(d, &["load", "--store", "st", "one.nt"]);
    let limited = common::under_shell(d, "trap '' XFSZ && ulimit -f 4", &["load", "--store", "st"]);
    let run = run_command(limited, HUNG);
    assert_error_line_exit(
        &run,
        1,
        "cannot write st/gen-000002.tmp/merged.hdt: File too large",
        "a write past the file size limit",
    );
    assert_eq!(strays(&d.join("st"), "gen-000001"), Vec::<String>::new());
    assert_eq!(store_count(d, "st"), 1);
}

/// The shell script [`after_a_full_disk_a_load_that_fits_succeeds`] runs in
/// its own user and mount namespaces: a 1 MiB tmpfs on `disk`, then each
/// step's exit code and stderr, and the store's listing, written beside it.
const FULL_DISK: &str = r#"
set -u
: > ran
mount -t tmpfs -o size=1m tmpfs disk || exit 90
step() { name=$1; shift; (cd disk && "$BIN" "$@") 2> "$name.err"; echo $? > "$name.code"; }
step first load --store st ../small.nq
step full load --store st ../big.nq
ls -A disk/st > full.list
step fits load --store st ../one.nt
# What a writer killed on a full disk leaves: an unfinished generation
# that fills the disk.
mkdir disk/st/gen-000009.tmp
head -c 2000000 /dev/zero > disk/st/gen-000009.tmp/part 2> /dev/null
step crashed load --store st ../one.nt
ls -A disk/st > crashed.list
(cd disk && "$BIN" query "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }" --store st --format tsv) > count.tsv
"#;

#[test]
fn after_a_full_disk_a_load_that_fits_succeeds() {
    // Issue 23, item 11: a load that filled the disk left its `gen-N.tmp`,
    // so the disk stayed full and every later load failed, even of one
    // triple, until the folder was removed by hand. A real full disk, with
    // no root: a tmpfs mounted in a user namespace (`unshare`), where one
    // is allowed; elsewhere the test says SKIPPED, and fails when
    // MISSIONS_KG_REQUIRE_MOUNT=1 or CI=true require it.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_quads(&d.join("small.nq"), 3_000, "value");
    write_quads(&d.join("big.nq"), 100_000, "other");
    fs::write(
        d.join("one.nt"),
        "<http://e.org/a> <http://e.org/p> \"x\" .\n",
    )
    .unwrap();
    fs::create_dir(d.join("disk")).unwrap();
    let mut script = Command::new("unshare");
    script
        .current_dir(d)
        .stdin(std::process::Stdio::null())
        .env_remove("RUST_BACKTRACE")
        .env("BIN", common::bin())
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            FULL_DISK,
        ]);
    let run = match Command::new("unshare").arg("--version").output() {
        Ok(_) => run_command(script, 300.0),
        Err(error) => {
            common::skip(
                "MISSIONS_KG_REQUIRE_MOUNT",
                &format!("cannot run unshare to mount a small tmpfs: {error}"),
            );
            return;
        }
    };
    assert!(!run.timed_out, "the script ran past 300 s: {}", run.stderr);
    if !d.join("ran").exists() || run.code == Some(90) {
        common::skip(
            "MISSIONS_KG_REQUIRE_MOUNT",
            &format!(
                "cannot mount a small tmpfs in a user namespace here: {}",
                common::head(run.stderr.trim())
            ),
        );
        return;
    }
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let step = |name: &str| {
        let code = fs::read_to_string(d.join(format!("{name}.code"))).unwrap();
        let stderr = fs::read_to_string(d.join(format!("{name}.err"))).unwrap();
        (code.trim().to_owned(), stderr)
    };
    let (code, stderr) = step("first");
    assert_eq!(code, "0", "the first load fits: {stderr}");
    // The load that fills the disk names it, and leaves nothing behind.
    let (code, stderr) = step("full");
    assert_eq!(code, "1", "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write st/gen-000002.tmp/")
            && stderr.contains(": No space left on device; the store keeps its previous state"),
        "{stderr}"
    );
    let listing = fs::read_to_string(d.join("full.list")).unwrap();
    assert_eq!(
        listing, "CURRENT\nLOCK\ngen-000001\n",
        "after the full disk"
    );
    // The next load fits, as the disk has room again.
    let (code, stderr) = step("fits");
    assert_eq!(code, "0", "a load that fits, after a full disk: {stderr}");
    // What a killed writer left is cleared by the next load, under the
    // lock, before it writes: it fits too.
    let (code, stderr) = step("crashed");
    assert_eq!(
        code, "0",
        "a load after a killed writer's leftover: {stderr}"
    );
    let listing = fs::read_to_string(d.join("crashed.list")).unwrap();
    assert!(!listing.contains(".tmp"), "{listing}");
    let count = fs::read_to_string(d.join("count.tsv")).unwrap();
    assert_eq!(count.lines().nth(1), Some("3001"), "{count}");
}

/// A named graph's `.ids` file: its subjects', predicates' and objects'
/// ids in the merged view, each map led by its length (entry 0 unused).
fn read_ids(path: &Path) -> Vec<Vec<u64>> {
    let bytes = fs::read(path).unwrap();
    let mut words = bytes
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap()));
    let maps: Vec<Vec<u64>> = (0..3)
        .map(|_| {
            let len = words.next().unwrap() as usize;
            words.by_ref().take(len).collect()
        })
        .collect();
    assert!(words.next().is_none(), "{}", path.display());
    maps
}

fn write_ids(path: &Path, maps: &[Vec<u64>]) {
    let mut bytes = Vec::new();
    for map in maps {
        bytes.extend((map.len() as u64).to_le_bytes());
        bytes.extend(map.iter().flat_map(|id| id.to_le_bytes()));
    }
    fs::write(path, bytes).unwrap();
}

#[test]
fn an_altered_id_map_is_a_damaged_store_not_a_panic() {
    // Issue 23, item 12: a `.ids` file whose ids stayed within range
    // passed the checks at open. Swapped or repeated, its ids gave wrong
    // answers; pointing a graph's properties at literals, they panicked the
    // evaluator ("comparison function does not correctly implement a total
    // order", exit 101 and a backtrace; `serve --store` answered 500).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = String::new();
    for i in 0..64 {
        // Integers and strings, which the evaluator's ORDER BY compares
        // in an order that is not total.
        let value = if i % 2 == 1 {
            format!(
                "\"{}\"^^<http://www.w3.org/2001/XMLSchema#integer>",
                i * 37 % 100
            )
        } else {
            format!("\"{}\"", i * 53 % 100)
        };
        data += &format!("<http://e.org/s> <http://e.org/p{i:02}> {value} <http://e.org/g> .\n");
    }
    fs::write(d.join("g.nq"), data).unwrap();
    ok(d, &["load", "--store", "st", "g.nq"]);
    let file = d.join("st/gen-000001/graph-000001.ids");
    let pristine = read_ids(&file);
    let query = "SELECT ?p ?o { GRAPH ?g { ?s ?p ?o } } ORDER BY ?p";
    let answer = ok(d, &["query", query, "--store", "st", "--format", "tsv"]);
    assert_eq!(answer.lines().count(), 65, "{answer}");
    type Alteration = fn(&mut [Vec<u64>]);
    let alterations: [(&str, Alteration); 4] = [
        ("two objects swapped", |maps| maps[2].swap(1, 2)),
        ("two properties swapped", |maps| maps[1].swap(1, 2)),
        ("an object's id twice", |maps| {
            let first = maps[2][1];
            maps[2][2] = first;
        }),
        ("properties mapped to literals", |maps| {
            let properties = maps[1].len();
            let objects = maps[2][1..properties].to_vec();
            maps[1][1..].copy_from_slice(&objects);
        }),
    ];
    for (case, alter) in alterations {
        let mut maps = pristine.clone();
        alter(&mut maps);
        write_ids(&file, &maps);
        let run = run_in(d, &["query", query, "--store", "st"], None, HUNG);
        assert_error_line_exit(&run, 1, "damaged store", case);
        assert!(
            run.stderr.contains("graph-000001.ids"),
            "{case}: {}",
            run.stderr
        );
    }
    write_ids(&file, &pristine);
    assert_eq!(
        ok(d, &["query", query, "--store", "st", "--format", "tsv"]),
        answer
    );
}
