//! `load --store DIR FILE…`: adds RDF files (or the built-in graph) to the
//! on-disk store that `--store DIR` then reads. The store's format and its
//! all-or-nothing commit are in `store.rs`; this file reads the input,
//! shows progress, and reports.

use crate::cli::LoadArgs;
use crate::config::Config;
use crate::graph::dataset::DatasetBuilder;
use crate::graph::loader;
use crate::graph::store::Writer;
use crate::guard::budget::Budget;
use anyhow::Result;
use std::io::Write;
use std::time::Instant;

pub fn run(config: &Config, args: &LoadArgs) -> Result<()> {
    let Some(dir) = &config.store else {
        // `Config::from_cli` refuses `load` without --store.
        return Err(crate::guard::error::Failure::usage("load needs --store DIR").into());
    };
    let started = Instant::now();
    let budget = Budget::new(config, None)?;
    let embedded = args.embedded || args.files.is_empty();
    // The lock first: a second writer stops before reading anything.
    let writer = Writer::lock(dir)?;
    let mut builder = DatasetBuilder::default();
    if let Some(existing) = writer.existing()? {
        Writer::carry_over(&existing, &mut builder)?;
    }
    let total: u64 = args.files.iter().map(|path| disk_size(path)).sum();
    let progress = super::progress_bar(
        total,
        "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes}, {binary_bytes_per_sec}, {eta} left",
    );
    progress.set_message("reading");
    // Redrawn even while one step is long (sorting, writing a large graph).
    progress.enable_steady_tick(std::time::Duration::from_millis(200));
    let (builder, files) =
        loader::load_into(builder, config, &budget, embedded, &args.files, &progress)?;
    budget.set_phase("writing the store");
    progress.set_length(total.max(progress.position()));
    let written = writer.commit(builder, |what| {
        progress.set_message(format!(
            "writing {}",
            crate::guard::error::one_line(what, 60)
        ));
    })?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let built_in = crate::graph::embedded::ONTOLOGY.len() + crate::graph::embedded::DATA.len();
    let files = if embedded {
        files.saturating_sub(built_in)
    } else {
        files
    };
    let read = match (embedded, files) {
        (true, 0) => "the built-in graph".to_owned(),
        (true, n) => format!("the built-in graph and {n} file{}", plural(n)),
        (false, n) => format!("{n} file{}", plural(n)),
    };
    let _ = writeln!(
        std::io::stderr(),
        "loaded {read} into {}: {} quads in {} named graph{} and the default graph, {} triples in the merged view ({}), in {seconds:.1} s",
        dir.display(),
        written.quads,
        written.graphs,
        plural(written.graphs),
        written.merged,
        written.generation,
    );
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Bytes under a file or folder, for the progress bar's length (0 when
/// unreadable: the load itself reports that).
fn disk_size(path: &std::path::Path) -> u64 {
    let Ok(metadata) = std::fs::metadata(path) else {
        return 0;
    };
    if !metadata.is_dir() {
        return metadata.len();
    }
    let mut total = 0;
    let mut pending = vec![path.to_owned()];
    // Bounded: a folder count cap keeps a looping tree from spinning.
    let mut folders = 0;
    while let Some(folder) = pending.pop() {
        folders += 1;
        if folders > 100_000 {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                total += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}
