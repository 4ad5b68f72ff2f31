//! `missions-kg completions SHELL`: a completion script on stdout.

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::write_output;
use anyhow::Result;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    write_output(None, |out| {
        clap_complete::generate(args.shell, &mut Cli::command(), "missions-kg", out);
        Ok(())
    })
}
