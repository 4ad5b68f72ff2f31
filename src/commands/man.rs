//! `missions-kg man`: the man page (roff) on stdout, from the clap
//! definition; with `--dir DIR`, one page per command and subcommand
//! (`missions-kg.1`, `missions-kg-query.1`, `missions-kg-links-check.1` …),
//! the names each page's SUBCOMMANDS section refers to.

use crate::cli::{Cli, ManArgs};
use crate::commands::write_output;
use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use clap::CommandFactory;

pub fn run(args: &ManArgs) -> Result<()> {
    // No `help` subcommand: it would be listed as a page of its own.
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let Some(dir) = &args.dir else {
        return write_output(None, |out| {
            clap_mangen::Man::new(command).render(out)?;
            Ok(())
        });
    };
    std::fs::create_dir_all(dir).map_err(|error| {
        Failure::new(
            Kind::Output,
            format!(
                "cannot create {}: {}",
                dir.display(),
                crate::guard::error::io_reason(&error)
            ),
        )
    })?;
    write_pages(&command, dir)
}

/// Writes the page of `command` and of each of its visible subcommands,
/// each through [`write_output`] (a temporary file renamed over the page).
fn write_pages(command: &clap::Command, dir: &std::path::Path) -> Result<()> {
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(command.clone());
    write_output(Some(&dir.join(man.get_filename())), |out| {
        man.render(out)?;
        Ok(())
    })
}
