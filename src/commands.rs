//! One module per subcommand, each with a `run` function, plus the output
//! helper they share. `main` dispatches here.

pub mod completions;
pub mod describe;
pub mod export;
pub mod links;
pub mod load;
pub mod man;
pub mod mcp;
pub mod push;
pub mod queries;
pub mod query;
pub mod serve;
pub mod sources;
pub mod stats;
pub mod validate;

use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A progress bar of `length` steps drawn with `template` on stderr, only
/// when stderr is a terminal (`push`, `load`).
pub fn progress_bar(length: u64, template: &str) -> indicatif::ProgressBar {
    let progress = indicatif::ProgressBar::with_draw_target(
        Some(length),
        indicatif::ProgressDrawTarget::stderr(),
    );
    progress.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    progress
}

/// Runs `write` on a buffered stdout, or on the `--output` file, and
/// flushes it; errors name the file.
///
/// A file is written in full or not at all: the output goes to a temporary
/// file in the same folder, renamed over FILE only once everything is
/// written, so a timeout, an error or a full disk leaves the old FILE as it
/// was, and concurrent writers each replace it whole. A FILE that exists
/// and is not a regular file (`/dev/null`, a pipe) is written in place.
pub fn write_output(
    output: Option<&Path>,
    write: impl FnOnce(&mut Box<dyn Write>) -> Result<()>,
) -> Result<()> {
    let resolved = output.map(follow_link);
    let Some(path) = resolved.as_deref() else {
        // A closed pipe stays an io::Error: `main` ends quietly on it.
        let to_stdout = |error: io::Error| -> anyhow::Error {
            if error.kind() == io::ErrorKind::BrokenPipe {
                error.into()
            } else {
                Failure::new(
                    Kind::Output,
                    format!(
                        "cannot write to stdout: {}",
                        crate::guard::error::io_reason(&error)
                    ),
                )
                .into()
            }
        };
        return write_all(BufWriter::new(io::stdout().lock()), write, to_stdout);
    };
    let cannot = |error: io::Error| -> anyhow::Error {
        Failure::new(
            Kind::Output,
            format!(
                "cannot write {}: {}",
                path.display(),
                crate::guard::error::io_reason(&error)
            ),
        )
        .into()
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = File::create(path).map_err(cannot)?;
        return write_all(BufWriter::new(file), write, cannot);
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(
        || "output".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    // What a new file asks for; the process umask then applies, as for any
    // file a command-line tool creates (tempfile's own default is 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (temporary, _pending) = Pending::create(|| builder.tempfile_in(folder))?;
    let temporary = temporary.map_err(cannot)?;
    let file = temporary.as_file().try_clone().map_err(cannot)?;
    write_all(BufWriter::new(file), write, cannot)?;
    // Dropped on any error above, the temporary file is deleted then.
    temporary.persist(path).map_err(|e| cannot(e.error))?;
    Ok(())
}

/// Runs `write` on `out` and flushes it; an I/O error on the way becomes
/// `io_error`'s message, any other error stays as it is.
fn write_all(
    out: impl Write + 'static,
    write: impl FnOnce(&mut Box<dyn Write>) -> Result<()>,
    io_error: impl Fn(io::Error) -> anyhow::Error,
) -> Result<()> {
    let mut out: Box<dyn Write> = Box::new(out);
    write(&mut out).map_err(|error| match error.downcast::<io::Error>() {
        Ok(error) => io_error(error),
        Err(error) => error,
    })?;
    out.flush().map_err(io_error)
}

/// The file a symbolic link points to: `-o LINK` replaces what the link
/// names, not the link.
fn follow_link(path: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_owned();
    }
    std::fs::canonicalize(path)
        .or_else(|_| {
            // A dangling link: its target, read beside the link.
            std::fs::read_link(path)
                .map(|target| path.parent().unwrap_or(Path::new(".")).join(target))
        })
        .unwrap_or_else(|_| path.to_owned())
}

/// Temporary output files being written, for [`discard_partial_outputs`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary output for as long as it lives.
struct Pending(PathBuf);

impl Pending {
    /// Creates a temporary output with `create` and registers it, the
    /// interrupt handler set first and the list held meanwhile: an
    /// interrupt at any moment finds the file registered, or not yet made.
    fn create(
        create: impl FnOnce() -> std::io::Result<tempfile::NamedTempFile>,
    ) -> Result<(std::io::Result<tempfile::NamedTempFile>, Option<Self>)> {
        // Interrupted (Ctrl-C, SIGTERM) while a file is being written, the
        // process deletes it before it ends (exit 130, as shells report):
        // `main` does both. The handler, on its own thread, waits for the
        // list while a file is being made and named.
        static HANDLER: std::sync::Once = std::sync::Once::new();
        HANDLER.call_once(|| {
            let _ = ctrlc::set_handler(|| {
                crate::guard::budget::abandon(crate::guard::budget::Stop::Interrupted)
            });
        });
        let mut pending = PENDING
            .lock()
            .map_err(|_| anyhow::anyhow!("the list of outputs is poisoned"))?;
        let made = create();
        let registered = match &made {
            Ok(file) => {
                pending.push(file.path().to_owned());
                Some(Self(file.path().to_owned()))
            }
            Err(_) => None,
        };
        Ok((made, registered))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut pending) = PENDING.lock() {
            pending.retain(|path| path != &self.0);
        }
    }
}

/// Deletes the temporary outputs still being written: for `main`, when it
/// ends the process without waiting for the work (an interrupt, the
/// budget's last resort).
pub fn discard_partial_outputs() {
    if let Ok(pending) = PENDING.lock() {
        for path in pending.iter() {
            let _ = std::fs::remove_file(path);
        }
    }
}
