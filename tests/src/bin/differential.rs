//! The long mode of the differential test (docs/RELIABILITY.md):
//!
//! ```text
//! cargo run -p wasmaot-tests --release --bin differential -- [--oracle wasmi|wasmtime]
//!     [--minutes N] [--modules N] [--seed S] [--threads T]
//! ```
//!
//! Checks generated modules `0, 1, ...` of seed S (default: from the clock, printed)
//! against the oracle (default: wasmi; Wasmtime's modules use threads, exceptions and
//! typed function references too)
//! until N minutes or N modules, whichever comes first (neither given: 10 minutes),
//! printing the totals every 10 seconds. Every failing module is written to `target/differential-failures/`;
//! the exit status is 1 if any failed.

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
use wasmaot_tests::differential::{run, save_failure, Budget, Oracle, Stats};

struct Options {
    oracle: Oracle,
    minutes: Option<u64>,
    modules: Option<u64>,
    seed: u64,
    threads: usize,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("differential: {message}\nusage: differential [--oracle wasmi|wasmtime] [--minutes N] [--modules N] [--seed S] [--threads T]");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let minutes = match (options.minutes, options.modules) {
        (None, None) => Some(10),
        (minutes, _) => minutes,
    };
    let budget = Budget {
        modules: options.modules,
        deadline: minutes.map(|m| start + Duration::from_secs(60 * m)),
    };
    eprintln!(
        "differential: {}, seed {}, {} threads",
        options.oracle, options.seed, options.threads
    );
    let last_print = Mutex::new(Instant::now());
    let progress = |stats: &Stats| {
        let mut last = last_print.lock().expect("progress is not poisoned");
        if last.elapsed() >= Duration::from_secs(10) {
            *last = Instant::now();
            eprintln!("[{:>5}s] {stats}", start.elapsed().as_secs());
        }
    };
    let stats = run(
        options.oracle,
        options.seed,
        budget,
        options.threads,
        &progress,
    );
    for failed in &stats.failures {
        let path = save_failure(
            &format!(
                "{}-seed-{}-module-{}",
                options.oracle, options.seed, failed.index
            ),
            &failed.wasm,
        );
        eprintln!(
            "\nFAILED {} (written to {}):\n{}",
            failed.label,
            path.display(),
            failed.report
        );
    }
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "differential: {stats} in {seconds:.0} s ({:.1} modules/s)",
        stats.modules as f64 / seconds
    );
    if stats.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        oracle: Oracle::Wasmi,
        minutes: None,
        modules: None,
        seed: clock_seed(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    while let Some(flag) = args.next() {
        if flag == "--oracle" {
            let name = args.next().ok_or("--oracle needs a value")?;
            options.oracle = Oracle::from_name(&name).ok_or(format!("no oracle {name}"))?;
            continue;
        }
        let mut value = || -> Result<u64, String> {
            let v = args.next().ok_or(format!("{flag} needs a value"))?;
            v.parse().map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--minutes" => options.minutes = Some(value()?),
            "--modules" => options.modules = Some(value()?),
            "--seed" => options.seed = value()?,
            "--threads" => options.threads = value()? as usize,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn clock_seed() -> u64 {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
    now.map_or(0, |d| d.as_secs())
}
