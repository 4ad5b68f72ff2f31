//! `missions-kg`: a SPARQL command line over a sourced knowledge graph.
//!
//! This file only parses the command line, dispatches to
//! `commands::<name>::run`, and turns an error into a one-line message
//! and an exit code (a closed pipe is not an error).

mod budget;
mod catalog;
mod cli;
mod client;
mod commands;
mod config;
mod dataset;
mod embedded;
mod entity;
mod error;
mod evidence;
mod federation;
mod format;
mod graph;
mod input;
mod iri;
mod labels;
mod limits;
mod lineage;
mod links;
mod loader;
mod memory;
mod server;
mod shapes;
mod sparql;
mod store;
mod view;
mod vocab;
mod why;

use clap::Parser;
use cli::{Cli, Command};
use config::Config;
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
        budget::Ending::Abandoned { message, code } => {
            commands::discard_partial_outputs();
            if let Some(message) = message {
                let _ = writeln!(std::io::stderr(), "error: {message}");
            }
            return ExitCode::from(code);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if error::is_reported(&error) => error::exit_code(&error),
        Err(error) => {
            // Nothing useful can be done if stderr itself is closed.
            let _ = writeln!(std::io::stderr(), "error: {}", error::show(&error));
            error::exit_code(&error)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_cli(&cli)?;
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
        Command::Push(args) => commands::push::run(&config, &args),
        Command::Load(args) => commands::load::run(&config, &args),
        Command::Man => commands::man::run(),
    }
}
