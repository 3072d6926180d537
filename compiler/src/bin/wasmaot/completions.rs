//! `wasmaot completions SHELL` and `wasmaot man`: shell completions and a man page
//! generated from the command-line definitions.

use crate::Failure;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Print the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Failure> {
    let mut command = crate::Cli::command();
    clap_complete::generate(shell, &mut command, "wasmaot", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// Print the man page (roff) of `wasmaot`, or of its subcommand `sub`, to stdout.
pub fn man(sub: Option<&str>) -> Result<ExitCode, Failure> {
    let command = crate::Cli::command();
    let page_of = match sub {
        None => command,
        Some(name) => {
            let found = command.find_subcommand(name).ok_or_else(|| {
                let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
                Failure(format!(
                    "no subcommand `{name}` (there are {})",
                    names.join(", ")
                ))
            })?;
            found
                .clone()
                .display_name(format!("wasmaot-{name}"))
                .bin_name(format!("wasmaot {name}"))
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(page_of).render(&mut page)?;
    std::io::stdout().write_all(&page)?;
    Ok(ExitCode::SUCCESS)
}
