//! One module per subcommand, each with a `run` function, plus the output
//! helper they share. `main` dispatches here.

pub mod completions;
pub mod describe;
pub mod export;
pub mod links;
pub mod man;
pub mod queries;
pub mod query;
pub mod sources;
pub mod stats;
pub mod validate;

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Runs `write` on a buffered stdout, or on the `--output` file, and
/// flushes it; errors name the file.
pub fn write_output(
    output: Option<&Path>,
    write: impl FnOnce(&mut Box<dyn Write>) -> Result<()>,
) -> Result<()> {
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let result = write(&mut out).and_then(|()| Ok(out.flush()?));
    match output {
        Some(path) => result.with_context(|| format!("cannot write {}", path.display())),
        None => result,
    }
}
