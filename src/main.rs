//! `missions-kg`: a SPARQL command line over a sourced knowledge graph.
//!
//! This file only parses the command line, dispatches to
//! `commands::<name>::run`, and turns an error into a one-line message
//! and an exit code (a closed pipe is not an error).

use clap::Parser;
use missions_kg::cli::{Cli, Command};
use missions_kg::commands;
use missions_kg::config::Config;
use missions_kg::guard::error::{self, Kind};
use missions_kg::guard::{budget, memory};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return error::clap_exit(&error),
    };
    budget::quiet_cancellations();
    if !matches!(cli.command, Command::Serve(_)) {
        memory::one_arena();
    }
    // The work runs on a large stack (see `limits.rs`), so deeply nested
    // input ends in an error line, not a stack overflow; and on its own
    // thread, so this one can end the process when the work will not stop.
    let result = match budget::supervise(move || run(cli)) {
        budget::Ending::Finished(result) => result,
        budget::Ending::Abandoned(stop) => {
            commands::discard_partial_outputs();
            return match stop {
                // Rust's own code for a panic; the hook printed why.
                budget::Stop::Panicked => ExitCode::from(101),
                // 128 + SIGINT, as shells report an interrupted command.
                budget::Stop::Interrupted => ExitCode::from(130),
                budget::Stop::Overrun(failure) => {
                    let _ = writeln!(std::io::stderr(), "error: {failure}");
                    exit_code(Some(failure.kind))
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if error::is_reported(&error) => exit_code(error::kind(&error)),
        Err(error) => {
            // Nothing useful can be done if stderr itself is closed.
            let _ = writeln!(std::io::stderr(), "error: {}", error::show(&error));
            exit_code(error::kind(&error))
        }
    }
}

/// The exit code of each kind of error: 2 for a usage error (as clap's
/// own), 1 for everything else (the README's "Exit codes").
fn exit_code(kind: Option<Kind>) -> ExitCode {
    ExitCode::from(match kind {
        Some(Kind::Usage) => 2,
        Some(
            Kind::NotFound
            | Kind::Refused
            | Kind::ReadOnly
            | Kind::TooLarge
            | Kind::TimedOut
            | Kind::Exhausted
            | Kind::Syntax
            | Kind::Input
            | Kind::Query
            | Kind::Output
            | Kind::Format
            | Kind::Remote
            | Kind::Damaged
            | Kind::Check
            | Kind::Internal,
        )
        | None => 1,
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_cli(&cli)?;
    missions_kg::format::table::set_width(config.width);
    match cli.command {
        Command::Query(args) => commands::query::run(&config, &args),
        Command::Queries(args) => commands::queries::run(&config, &args),
        Command::Export(args) => commands::export::run(&config, &args),
        Command::Describe(args) => commands::describe::run(&config, &args),
        Command::Stats(args) => commands::stats::run(&config, &args),
        Command::Links(args) => commands::links::run(&config, &args),
        Command::Validate(args) => commands::validate::run(&config, &args),
        Command::Sources(args) => commands::sources::run(&config, &args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Serve(args) => commands::serve::run(&config, &args),
        Command::Mcp(args) => commands::mcp::run(&config, &args),
        Command::Push(args) => commands::push::run(&config, &args),
        Command::Load(args) => commands::load::run(&config, &args),
        Command::Man(args) => commands::man::run(&args),
    }
}
