//! What a hostile endpoint, or a hostile file beside one, may not do to the
//! commands that talk to it (issue 23, item 15): a login file that is a
//! FIFO. Each endpoint is a loopback server written here
//! (`common::ScriptedServer`), each run bounded in time and watched for its
//! peak memory, and each expected to end in one clear `error:` line.

mod common;

use common::{assert_error_line, command_in, run_command, scratch, Scripted, ScriptedServer};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The media type of SPARQL JSON results.
const JSON: &str = "application/sparql-results+json";

/// An answer of no rows, for whatever a test does not look at.
fn no_rows(_: &str) -> Scripted {
    Scripted::ok(
        JSON,
        br#"{"head":{"vars":["g"]},"results":{"bindings":[]}}"#,
        b"",
        0,
        b"",
    )
}

/// Makes a FIFO at `path`.
fn fifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("a path");
    // SAFETY: `name` is a valid NUL-terminated path that outlives the call.
    let made = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

/// A netrc file that is a FIFO held the command in `open` until something
/// wrote to it, for ever: it is refused, as any input that is not a regular
/// file is, in one line naming it; `~/.netrc` too.
#[test]
fn a_netrc_that_is_not_a_regular_file_is_refused_in_one_line() {
    let dir = scratch();
    let named = dir.path().join("netrc-fifo");
    fifo(&named);
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    fifo(&home.join(".netrc"));
    let server = ScriptedServer::start(no_rows, 10, 60.0);
    for (args, home_only) in [
        (vec!["query", "ASK {}", "--endpoint", &server.url], false),
        (vec!["push", "--endpoint", &server.url], false),
        (vec!["query", "ASK {}", "--endpoint", &server.url], true),
    ] {
        let mut command = command_in(dir.path(), &args);
        command
            .env_remove("MISSIONS_KG_USER")
            .env_remove("MISSIONS_KG_PASSWORD");
        let shown = if home_only {
            command.env_remove("MISSIONS_KG_NETRC").env("HOME", &home);
            home.join(".netrc")
        } else {
            command.env("MISSIONS_KG_NETRC", &named);
            named.clone()
        };
        let run = run_command(command, 20.0);
        assert_error_line(
            &run,
            &format!("cannot read {}: not a regular file", shown.display()),
            &format!("{args:?} with a FIFO for {}", shown.display()),
        );
    }
    assert_eq!(server.requests(), Vec::<String>::new());
}
