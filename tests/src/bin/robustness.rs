//! The robustness generators' long mode (docs/RELIABILITY.md, "Robustness generators"):
//!
//! ```text
//! cargo run -p wasmaot-tests --release --bin robustness -- \
//!     [--target compiler|loader|wasi|capi|all] [--minutes N] [--inputs N] [--seed S]
//! ```
//!
//! Runs each chosen target for N minutes (or N inputs; default: 1 minute each) from seed
//! S (default: from the clock, printed), prints a closing line per target and saves
//! every failing input under `target/robustness-failures/<target>/`. Exit status 1 if
//! anything failed. `--worker TARGET ...` is how the supervisor starts its workers.

use std::process::ExitCode;
use std::time::Duration;
use wasmaot_tests::robustness::supervisor::{supervise, Job};
use wasmaot_tests::robustness::worker::{work, Assignment};
use wasmaot_tests::robustness::{target, Budget, TARGETS};

struct Options {
    targets: Vec<&'static str>,
    budget: Budget,
    seed: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return worker(&args[1..]);
    }
    let options = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("robustness: {e}\nusage: robustness [--target NAME|all] [--minutes N] [--inputs N] [--seed S]");
            return ExitCode::from(2);
        }
    };
    let exe = std::env::current_exe().expect("the robustness binary's path");
    println!("robustness: seed {}", options.seed);
    let mut failed = false;
    for name in options.targets {
        let job = Job::Seeded {
            seed: options.seed,
            budget: options.budget,
        };
        let report = supervise(&exe, name, &job);
        println!("{report}");
        failed |= !report.failures.is_empty();
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--worker TARGET ASSIGNMENT...`: run cases, reporting on stdout.
fn worker(args: &[String]) -> ExitCode {
    let Some(t) = args.first().and_then(|name| target(name)) else {
        eprintln!("robustness --worker: unknown target");
        return ExitCode::from(2);
    };
    let assignment = match Assignment::parse(&args[1..]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("robustness --worker: {e}");
            return ExitCode::from(2);
        }
    };
    match work(t.as_ref(), &assignment) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("robustness --worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        targets: TARGETS.to_vec(),
        budget: Budget::default(),
        seed: clock_seed(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--target" => {
                let v = value()?;
                options.targets = match TARGETS.iter().find(|t| *t == v) {
                    Some(t) => vec![*t],
                    None if v == "all" => TARGETS.to_vec(),
                    None => return Err(format!("unknown target `{v}`")),
                };
            }
            "--minutes" => {
                options.budget.time = Some(Duration::from_secs_f64(number(value()?)? * 60.0))
            }
            "--inputs" => options.budget.inputs = Some(number(value()?)? as u64),
            "--seed" => {
                let v = value()?;
                options.seed = v.parse().map_err(|_| format!("`{v}` is not a seed"))?;
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if options.budget.inputs.is_none() && options.budget.time.is_none() {
        options.budget.time = Some(Duration::from_secs(60));
    }
    Ok(options)
}

fn number(v: &str) -> Result<f64, String> {
    v.parse().map_err(|_| format!("`{v}` is not a number"))
}

fn clock_seed() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_secs()) ^ u64::from(std::process::id())
}
