//! `missions-kg completions SHELL`: a completion script on stdout, for
//! bash, zsh, fish, elvish or PowerShell, from the clap definition.
//!
//! The words after `query` and `queries` (stored query names) and after
//! `--format` come from the definition too (`cli::Suggest`). One mend for
//! bash: clap_complete names the function of each subcommand from the
//! binary's name with its hyphen doubled in one place and not the other
//! (`missions__kg__subcmd__query` is chosen, `missions__subcmd__kg__subcmd__query`
//! is matched), so nothing after the first word completed; the script is
//! rewritten to use one spelling. And one addition for fish, whose
//! generator leaves out the values of positional arguments: a line per
//! subcommand that has some (`query`, `queries`).

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::write_output;
use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let script = script(args.shell);
    write_output(None, |out| Ok(out.write_all(script.as_bytes())?))
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    // clap_complete panics when its writer fails (`| head` closes the pipe),
    // so the script is built in memory and written like any other output.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "missions-kg", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        Shell::Bash => script.replace("missions__subcmd__kg", "missions__kg"),
        Shell::Fish => script + &fish_positionals(&Cli::command()),
        _ => script,
    }
}

/// `complete` lines for the values of each subcommand's positional
/// arguments; file names stay offered where the argument may be a file.
fn fish_positionals(command: &clap::Command) -> String {
    let mut lines = String::new();
    for sub in command.get_subcommands() {
        for arg in sub.get_positionals() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|value| !value.is_hide_set())
                .map(|value| value.get_name().to_owned())
                .collect();
            if values.is_empty() {
                continue;
            }
            let files = matches!(
                arg.get_value_hint(),
                clap::ValueHint::FilePath | clap::ValueHint::AnyPath
            );
            lines.push_str(&format!(
                "complete -c missions-kg -n \"__fish_missions_kg_using_subcommand {}\"{} -a \"{}\"\n",
                sub.get_name(),
                if files { "" } else { " -f" },
                values.join(" ")
            ));
        }
    }
    lines
}
