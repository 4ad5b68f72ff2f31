//! Errors with kinds, and how they are shown.
//!
//! Every function of the library returns `anyhow::Result`; an error that
//! means something to a user carries a [`Failure`] somewhere in its chain,
//! and the failure's [`Kind`] says what went wrong. `main` maps a kind to an
//! exit code and the server maps it to an HTTP status, each in one `match`
//! (`main.rs`'s `exit_code`, `server::http::status`); neither reads the
//! message. A closed pipe is not an error. Called by every wing.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// What went wrong, as far as a caller needs to know to react: the exit
/// code, the HTTP status, whether to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The command line or the request asked for something impossible: an
    /// unknown format, a malformed parameter, a bad size.
    Usage,
    /// A well-formed name the data does not hold, or holds more than once
    /// (an entity, an article, a graph).
    NotFound,
    /// Something that is off or taken: a SERVICE call with federation off,
    /// a store another load holds.
    Refused,
    /// An update: the graph is read-only.
    ReadOnly,
    /// Past a documented size or depth limit.
    TooLarge,
    /// Past the time limit (`--timeout`).
    TimedOut,
    /// Past the memory ceiling (`--memory`): worth a retry later.
    Exhausted,
    /// Malformed SPARQL or RDF.
    Syntax,
    /// What a user handed in cannot be read or does not fit (a file, a
    /// folder, a base IRI, a text whose checksum differs).
    Input,
    /// The query failed while it ran (an error the engine raised).
    Query,
    /// An output cannot be written (a full disk, a closed file).
    Output,
    /// The data holds what the chosen format cannot write (a control
    /// character in XML, a property RDF/XML cannot name).
    Format,
    /// A remote engine or endpoint failed, or answered something wrong.
    Remote,
    /// The on-disk store or the recorded evidence is damaged.
    Damaged,
    /// A check found problems (`validate`, `links check`); with an empty
    /// message, the report on stdout already says which.
    Check,
    /// A bug or an environment the program cannot work in.
    Internal,
}

/// An error with its kind and a message that is complete as is.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    /// A message laid out on several lines on purpose (a syntax error with
    /// its line and caret, a list of candidates); any other line break in a
    /// message comes from quoted input and is shown as `\n`.
    pub block: bool,
    /// The entities a name could mean (IRIs), when it named none or
    /// several: a page lists them as links, where a terminal has the lines
    /// of the message.
    pub candidates: Vec<String>,
}

impl Failure {
    /// A failure of `kind`.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            block: false,
            candidates: Vec::new(),
        }
    }

    /// The same failure, with the entities it could mean.
    #[must_use]
    pub fn with_candidates(mut self, candidates: Vec<String>) -> Self {
        self.candidates = candidates;
        self
    }

    /// The first failure in `error`'s chain, if any.
    pub fn of(error: &anyhow::Error) -> Option<&Failure> {
        error
            .chain()
            .find_map(|cause| cause.downcast_ref::<Failure>())
    }

    /// A failure whose message is laid out on several lines.
    #[must_use]
    pub fn block(mut self) -> Self {
        self.block = true;
        self
    }

    /// A check's failure already reported on stdout (`validate` found
    /// problems): `main` adds no `error:` line.
    pub fn reported() -> Self {
        Self::new(Kind::Check, String::new())
    }

    /// A usage error: the command line asked for something impossible.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The kind of an error: its first [`Failure`]'s, else what the I/O error
/// in it says (a result past its cap is too large), else `None` (an error
/// that names no kind; the caller knows what it was doing).
pub fn kind(error: &anyhow::Error) -> Option<Kind> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>().map(|failure| failure.kind))
        .or_else(|| {
            error.chain().find_map(|cause| {
                cause.downcast_ref::<io::Error>().and_then(|e| {
                    (e.kind() == io::ErrorKind::FileTooLarge).then_some(Kind::TooLarge)
                })
            })
        })
}

/// Prints what clap has to say (help, version, a usage error) and gives
/// the exit code. Help and version go to stdout through a checked write, so
/// a full or closed stdout is an error (exit 1) rather than lost output; a
/// pipe closed by the reader (`| head`) is not.
pub fn clap_exit(error: &clap::Error) -> ExitCode {
    use std::io::Write;
    if error.use_stderr() {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    }
    use std::io::IsTerminal;
    let rendered = error.render();
    let text = if io::stdout().is_terminal() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let open = if stdout_was_closed() {
        Err(io::Error::other("it is closed"))
    } else {
        Ok(())
    };
    let mut stdout = io::stdout().lock();
    let written = open.and_then(|()| {
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "error: cannot write to stdout: {}",
                io_reason(&e)
            );
            ExitCode::from(1)
        }
    }
}

/// Whether the process started with its stdout closed (`>&-`). Rust's
/// runtime then opens `/dev/null` there, so writes would vanish; help or a
/// version printed into nothing is surely a mistake. Only asked before
/// printing those.
fn stdout_was_closed() -> bool {
    STDOUT_CLOSED_AT_START.load(std::sync::atomic::Ordering::Relaxed)
}

static STDOUT_CLOSED_AT_START: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Looks at descriptor 1 before Rust's runtime mends the standard
/// descriptors (functions in `.init_array` run before `main`). Telling a
/// closed stdout apart afterwards is guesswork: a read-write `/dev/null`
/// is also what `subprocess.DEVNULL`, hyperfine and service managers give.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static CHECK_STDOUT_AT_START: extern "C" fn() = {
    extern "C" fn check() {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        let closed = unsafe { libc::fcntl(1, libc::F_GETFD) } == -1;
        STDOUT_CLOSED_AT_START.store(closed, std::sync::atomic::Ordering::Relaxed);
    }
    check
};

/// An I/O error's reason without Rust's "(os error 2)" suffix, or the
/// temporary file's name that `tempfile` adds.
pub fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error").next().unwrap_or_default();
    text.split(" at path \"")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// True when the error comes from writing to a closed pipe (`| head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// True when the error's message was already reported (see
/// [`Failure::reported`]): `main` prints nothing more.
pub fn is_reported(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<Failure>()
        .is_some_and(|failure| failure.kind == Kind::Check && failure.message.is_empty())
}

/// `message` on one line and at most `max` characters: parsers quote the
/// input they choke on, which can be long and hold line breaks.
pub fn one_line(message: &str, max: usize) -> String {
    let flat = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}…")
}

/// The longest line an error message may print: inputs are quoted in
/// messages, and an input can be megabytes on one line.
pub const MAX_LINE_CHARS: usize = 1_000;

/// An error as `main` prints it: the causes joined by ": ", each line cut
/// to [`MAX_LINE_CHARS`] and its control characters made visible, so a
/// quoted input cannot flood or retitle the terminal.
pub fn show(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    let block = error
        .chain()
        .any(|cause| cause.downcast_ref::<Failure>().is_some_and(|f| f.block));
    if !block {
        return safe_line(&text.replace('\n', "\\n"), MAX_LINE_CHARS);
    }
    text.split('\n')
        .map(|line| safe_line(line, MAX_LINE_CHARS))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `line` with control characters (but tabs) written as `\u{1b}`, cut to
/// `max` characters.
pub fn safe_line(line: &str, max: usize) -> String {
    let mut shown = String::new();
    for (count, c) in line.chars().enumerate() {
        if count == max {
            shown.push('…');
            break;
        }
        if (c.is_control() && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        {
            shown.push_str(&c.escape_unicode().to_string());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// `text` made inert for a terminal: control characters other than line
/// breaks and tabs, and the bidirectional overrides that reorder what
/// follows, written as `\u{1b}`. For what people read (tables, `describe`,
/// `validate`'s text); machine formats carry the data as it is.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Writes `text` made [`inert`].
pub fn write_inert(out: &mut dyn std::io::Write, text: &[u8]) -> std::io::Result<()> {
    out.write_all(inert(&String::from_utf8_lossy(text)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_terminal_controls_inert() {
        assert_eq!(
            inert("a\u{1b}]0;x\u{7}\u{9b}\u{202e}b\n\tc"),
            "a\\u{1b}]0;x\\u{7}\\u{9b}\\u{202e}b\n\tc"
        );
        assert_eq!(inert("plain"), "plain");
    }

    #[test]
    fn shows_control_characters_and_cuts_long_lines() {
        assert_eq!(safe_line("a\u{1b}]0;x\u{7}b", 100), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(safe_line("abcdef", 3), "abc…");
        let error = anyhow::Error::from(Failure::new(Kind::Syntax, "one\ntwo\u{1b}").block());
        assert_eq!(show(&error), "one\ntwo\\u{1b}");
        let error = anyhow::anyhow!("bad 'a\nb'");
        assert_eq!(show(&error), "bad 'a\\nb'");
    }

    #[test]
    fn one_line_flattens_and_caps() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
