//! Runs of many generated modules (on worker threads) and of the corpus of modules
//! that once failed.

use super::check::Checked;
use super::compare::Divergence;
use super::corpus::{corpus_files, save_failure};
use super::generate;
use super::oracle::Oracle;
use super::rng::module_seed;
use super::stats::{Failed, Stats};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Native stack of a worker thread: room for `ours::MAX_WASM_STACK` and the host.
const WORKER_STACK: usize = 64 << 20;

/// When a run stops: after so many modules, at a deadline, or at whichever comes first.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    pub modules: Option<u64>,
    pub deadline: Option<Instant>,
}

impl Budget {
    fn allows(&self, index: u64) -> bool {
        self.modules.is_none_or(|n| index < n) && self.deadline.is_none_or(|d| Instant::now() < d)
    }
}

/// Check generated modules `0, 1, ...` of `seed` against `oracle` on `threads` threads
/// until `budget` runs out; `progress` is called after each module with the totals so far.
pub fn run(
    oracle: Oracle,
    seed: u64,
    budget: Budget,
    threads: usize,
    progress: &(dyn Fn(&Stats) + Sync),
) -> Stats {
    let next = AtomicU64::new(0);
    let stats = Mutex::new(Stats::default());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if !budget.allows(index) {
                        return;
                    }
                    let label = format!("{oracle}: seed {seed} module {index}");
                    let outcome = generated(oracle, seed, index);
                    let mut stats = stats.lock().expect("no worker panics holding the stats");
                    record(&mut stats, label, index, outcome);
                    progress(&stats);
                })
                .expect("cannot start a worker thread");
        }
    });
    stats
        .into_inner()
        .expect("no worker panics holding the stats")
}

/// Check every `.wasm` file in `dir` (sorted by name) against `oracle`; an absent
/// directory is empty.
pub fn replay(oracle: Oracle, dir: &Path) -> Stats {
    let mut stats = Stats::default();
    for (index, path) in corpus_files(dir).into_iter().enumerate() {
        let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = guarded(oracle, &wasm);
        record(
            &mut stats,
            path.display().to_string(),
            index as u64,
            (wasm, outcome),
        );
    }
    stats
}

/// A module's bytes and what checking it gave (`Err`: the report of a divergence or
/// a panic).
type Outcome = (Vec<u8>, Result<Checked, String>);

fn generated(oracle: Oracle, seed: u64, index: u64) -> Outcome {
    let wasm = match generate::module(oracle, module_seed(seed, index)) {
        Ok(wasm) => wasm,
        Err(why) => return (Vec::new(), Ok(Checked::skipped(why))),
    };
    // Left behind only if a signal kills the process while the module runs.
    let name = format!("in-flight-{oracle}-seed-{seed}-module-{index}");
    let in_flight = save_failure(&name, &wasm);
    let result = guarded(oracle, &wasm);
    std::fs::remove_file(&in_flight).unwrap_or_else(|e| panic!("{}: {e}", in_flight.display()));
    (wasm, result)
}

/// Check wasmaot against `oracle`, a panic on either side being a failure too.
fn guarded(oracle: Oracle, wasm: &[u8]) -> Result<Checked, String> {
    match catch_unwind(AssertUnwindSafe(|| oracle.check(wasm))) {
        Ok(result) => result.map_err(|d: Divergence| d.to_string()),
        Err(panic) => Err(format!("panic: {}", panic_message(&*panic))),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "(not a string)".to_string(),
    }
}

fn record(stats: &mut Stats, label: String, index: u64, (wasm, result): Outcome) {
    match result {
        Ok(checked) => stats.record(&checked),
        Err(report) => stats.fail(Failed {
            label,
            index,
            wasm,
            report,
        }),
    }
}
