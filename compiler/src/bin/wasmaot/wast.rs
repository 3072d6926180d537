//! `wasmaot wast`: run spec scripts.

use crate::Failure;
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmaot_abi::features;
use wasmaot_compiler::wast::{run_file, spec_features, Mode, RunOptions, WASM2};

#[derive(clap::Args)]
pub struct Args {
    /// The scripts (.wast).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Load artifacts from files with mmap instead of from memory.
    #[arg(long)]
    mmap: bool,
    /// WebAssembly features: `auto` (for the spec testsuite's layout, Wasm 2.0 at its
    /// root plus the proposal under `proposals/<name>/`; all features elsewhere), `all`,
    /// `wasm2`, or a comma-separated list of feature names.
    #[arg(long, default_value = "auto", value_parser = parse_features)]
    features: Features,
}

/// Feature bits, or `None` for `auto`.
#[derive(Clone, Copy)]
struct Features(Option<u64>);

fn parse_features(s: &str) -> Result<Features, String> {
    match s {
        "auto" => return Ok(Features(None)),
        "all" => return Ok(Features(Some(features::ALL))),
        "wasm2" => return Ok(Features(Some(WASM2))),
        _ => {}
    }
    let mut bits = 0;
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match features::NAMES.iter().find(|(_, n)| *n == name) {
            Some((bit, _)) => bits |= bit,
            None => {
                let known: Vec<&str> = features::NAMES.iter().map(|(_, n)| *n).collect();
                return Err(format!(
                    "unknown feature `{name}`; known: {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(Features(Some(bits)))
}

pub fn main(args: Args) -> Result<ExitCode, Failure> {
    let options = RunOptions {
        mode: if args.mmap {
            Mode::File
        } else {
            Mode::InMemory
        },
        ..Default::default()
    };
    // Scripts run in parallel (each on its own thread); reports print in the order given.
    let reports: Vec<_> = args
        .files
        .par_iter()
        .map(|f| {
            let mut options = options.clone();
            options.compile.wasm_features = args
                .features
                .0
                .or_else(|| spec_features(f))
                .unwrap_or(features::ALL);
            run_file(f, &options)
        })
        .collect();
    let (mut passed, mut failed) = (0, 0);
    for report in &reports {
        for failure in &report.failures {
            println!("{failure}");
        }
        let verdict = if report.failed == 0 { "ok" } else { "FAILED" };
        println!(
            "{verdict:<6} {} ({} passed, {} failed)",
            report.name, report.passed, report.failed
        );
        passed += report.passed;
        failed += report.failed;
    }
    println!(
        "total: {} files, {passed} directives passed, {failed} failed",
        reports.len()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
