//! `wasmaot`: compile WebAssembly ahead of time, run and inspect artifacts, run spec scripts.
//!
//! Exit codes: 0 success; 1 an error (bad input, compile, load or link failure, I/O);
//! 2 a command-line usage error (from clap); 3 the WebAssembly code trapped.

// The crate root is `wasmaot.rs`, so its submodules are named by path.
#[path = "wasmaot/compile.rs"]
mod compile;
#[path = "wasmaot/compile_options.rs"]
mod compile_options;
#[path = "wasmaot/compile_progress.rs"]
mod compile_progress;
#[path = "wasmaot/completions.rs"]
mod completions;
#[path = "wasmaot/inspect.rs"]
mod inspect;
#[path = "wasmaot/invoke.rs"]
mod invoke;
#[path = "wasmaot/option_values.rs"]
mod option_values;
#[path = "wasmaot/run.rs"]
mod run;
#[path = "wasmaot/run_link.rs"]
mod run_link;
#[path = "wasmaot/run_load.rs"]
mod run_load;
#[path = "wasmaot/run_wasi.rs"]
mod run_wasi;
#[path = "wasmaot/settings.rs"]
mod settings;
#[path = "wasmaot/wasi_options.rs"]
mod wasi_options;
#[path = "wasmaot/wasm_options.rs"]
mod wasm_options;
#[path = "wasmaot/wast.rs"]
mod wast;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code of a run whose WebAssembly code trapped.
pub const EXIT_TRAP: u8 = 3;

#[derive(Parser)]
#[command(
    name = "wasmaot",
    version,
    about = "Ahead-of-time WebAssembly compiler and runner"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a .wasm or .wat module into an artifact (.cwasm).
    Compile(compile::Args),
    /// Run a module: an artifact is loaded as is, a .wasm/.wat is compiled in memory first.
    Run(run::Args),
    /// Print an artifact's header, imports, exports and sections.
    Inspect {
        /// The artifact.
        file: PathBuf,
    },
    /// Run WebAssembly spec scripts (.wast).
    Wast(wast::Args),
    /// List the CPU features and CPU models code can be compiled with, and the host's.
    Settings(settings::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of wasmaot, or of one of its subcommands.
    Man {
        /// A subcommand (compile, run, ...).
        subcommand: Option<String>,
    },
}

/// A failure that ends the command: printed as `error: <message>`, exit code 1.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// `error: <file>: <message>`.
pub fn file_error(path: &std::path::Path, message: impl std::fmt::Display) -> Failure {
    Failure(format!("{}: {message}", path.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile(args) => compile::main(args),
        Command::Run(args) => run::main(args),
        Command::Inspect { file } => inspect::main(&file),
        Command::Wast(args) => wast::main(args),
        Command::Settings(args) => settings::main(args),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man { subcommand } => completions::man(subcommand.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
