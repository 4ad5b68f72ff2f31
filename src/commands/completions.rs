//! `missions-kg completions SHELL`: a completion script on stdout.

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::write_output;
use anyhow::Result;
use clap::CommandFactory;
use std::io::Write;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    // clap_complete panics when its writer fails (`| head` closes the pipe),
    // so the script is built in memory and written like any other output.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "missions-kg", &mut script);
    write_output(None, |out| Ok(out.write_all(&script)?))
}
