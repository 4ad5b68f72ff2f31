//! `missions-kg man`: the man page (roff) on stdout, from the clap definition.

use crate::cli::Cli;
use crate::commands::write_output;
use anyhow::Result;
use clap::CommandFactory;

pub fn run() -> Result<()> {
    write_output(None, |out| {
        clap_mangen::Man::new(Cli::command()).render(out)?;
        Ok(())
    })
}
