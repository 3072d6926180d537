//! Runner for WebAssembly spec scripts (.wast).
//!
//! Every module of a script goes the real way: [`crate::compile`] to artifact bytes,
//! then `wasmaot_loader::Module::from_bytes` ([`Mode::InMemory`]) or an artifact file
//! and `Module::from_file` ([`Mode::File`], mmap), then instantiation through a linker
//! that holds the `spectest` module and every registered instance.
//!
//! Each directive counts as one pass or one failure; a failure message starts with
//! `file:line:col`. A script runs on its own thread with a large stack, and a panic in
//! one directive fails that directive only.

mod legacy_try;
mod runner;
mod spectest;
mod traps;
mod values;

use crate::CompileOptions;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use wasmaot_abi::features;

/// How artifacts are loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// `Module::from_bytes` on the artifact in memory.
    #[default]
    InMemory,
    /// The artifact is written to a temporary file and loaded with `Module::from_file`.
    File,
}

/// How to run scripts.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub mode: Mode,
    pub compile: CompileOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        // Scripts are usually run many at a time, one per thread: compile each module's
        // functions serially rather than oversubscribing the cores.
        RunOptions {
            mode: Mode::InMemory,
            compile: CompileOptions {
                parallel: false,
                ..Default::default()
            },
        }
    }
}

/// The outcome of one script.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The script's path (or name) as given.
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    /// One message per failed directive, `file:line:col: directive: what happened`.
    pub failures: Vec<String>,
}

/// The WebAssembly features a spec script is written for: Wasm 2.0 for the scripts at
/// the root of the testsuite (they expect, for example, a second memory to be invalid),
/// plus the proposal for scripts under `proposals/<name>/`. `None` for a path outside
/// that layout, or under a proposal that has no feature bit (`abi::features::NAMES`).
pub fn spec_features(path: &Path) -> Option<u64> {
    let components: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    if let Some(i) = components.iter().position(|c| *c == "proposals") {
        let proposal = components.get(i + 1)?;
        // Directories named after a proposal whose feature has another name; the
        // exception-handling repository builds on tail calls (`try_table.wast` uses
        // `return_call`); the threads repository forked before reference types (its
        // `imports.wast` expects a second table to be invalid); typed function
        // references build on tail calls, GC on both; the memory64 repository is the
        // whole of Wasm 3.0; the custom-page-sizes scripts use 64-bit memories and
        // several memories in a module.
        let (proposal, extra, without) = match *proposal {
            "exception-handling" => ("exceptions", features::TAIL_CALL, 0),
            "gc" => ("gc", features::FUNCTION_REFERENCES | features::TAIL_CALL, 0),
            "function-references" => ("function-references", features::TAIL_CALL, 0),
            "memory64" => ("memory64", features::DEFAULT, 0),
            "threads" => ("threads", 0, features::REFERENCE_TYPES),
            "custom-page-sizes" => (
                "custom-page-sizes",
                features::MEMORY64 | features::MULTI_MEMORY,
                0,
            ),
            other => (other, 0, 0),
        };
        let (bit, _) = features::NAMES.iter().find(|(_, name)| *name == proposal)?;
        return Some((WASM2 & !without) | bit | extra);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join("proposals").is_dir().then_some(WASM2)
}

/// The features of WebAssembly 2.0.
pub const WASM2: u64 = features::MUTABLE_GLOBAL
    | features::SATURATING_FLOAT_TO_INT
    | features::SIGN_EXTENSION
    | features::MULTI_VALUE
    | features::BULK_MEMORY
    | features::REFERENCE_TYPES
    | features::SIMD;

/// Stack size of the thread a script runs on: deep recursion tests and the compiler's
/// own recursion need more than the default 2 MiB.
const STACK_SIZE: usize = 32 << 20;

/// Run the script at `path`.
pub fn run_file(path: &Path, options: &RunOptions) -> FileReport {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => run_text(&name, &text, options),
        Err(e) => FileReport {
            name: name.clone(),
            failed: 1,
            failures: vec![format!("{name}: {e}")],
            ..Default::default()
        },
    }
}

/// Run the script `text`, named `name` in messages.
pub fn run_text(name: &str, text: &str, options: &RunOptions) -> FileReport {
    let thread = std::thread::Builder::new()
        .name(format!("wast {name}"))
        .stack_size(STACK_SIZE);
    let result = std::thread::scope(|scope| {
        match thread.spawn_scoped(scope, || run_on_this_thread(name, text, options)) {
            Ok(handle) => handle.join().map_err(|payload| panic_message(&*payload)),
            Err(e) => Err(format!("cannot start a thread: {e}")),
        }
    });
    result.unwrap_or_else(|message| FileReport {
        name: name.to_string(),
        failed: 1,
        failures: vec![format!("{name}: the runner failed: {message}")],
        ..Default::default()
    })
}

fn run_on_this_thread(name: &str, text: &str, options: &RunOptions) -> FileReport {
    let mut report = FileReport {
        name: name.to_string(),
        ..Default::default()
    };
    let fail_file = |mut report: FileReport, message: String| {
        report.failed += 1;
        report.failures.push(message);
        report
    };
    let unfolded = legacy_try::unfold(text);
    let text = unfolded.as_deref().unwrap_or(text);
    // The spec's names.wast uses bidirectional-override characters in names on purpose.
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(mut e) => {
            e.set_path(Path::new(name));
            e.set_text(text);
            return fail_file(report, format!("cannot parse the script: {e}"));
        }
    };
    let script = match wast::parser::parse::<wast::Wast>(&buf) {
        Ok(script) => script,
        Err(mut e) => {
            e.set_path(Path::new(name));
            e.set_text(text);
            return fail_file(report, format!("cannot parse the script: {e}"));
        }
    };
    let mut runner = match runner::Runner::new(options) {
        Ok(runner) => runner,
        Err(message) => return fail_file(report, format!("{name}: {message}")),
    };
    for directive in script.directives {
        let (line, col) = directive.span().linecol_in(text);
        let kind = runner::directive_name(&directive);
        let outcome = catch_unwind(AssertUnwindSafe(|| runner.directive(directive)))
            .unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(&*payload))));
        match outcome {
            Ok(()) => report.passed += 1,
            Err(message) => {
                report.failed += 1;
                report.failures.push(format!(
                    "{name}:{}:{}: {kind}: {message}",
                    line + 1,
                    col + 1
                ));
            }
        }
    }
    report
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

#[cfg(test)]
mod tests;
