//! What `wasmaot compile` shows as it goes: a progress bar of the functions compiled on
//! a terminal, once a compile has taken more than a moment (not with `--quiet`, nor
//! when stderr is not a terminal), and with `--verbose` the time of each phase.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use wasmaot_compiler::{Phase, Progress, ProgressCallback};

/// How long a compile runs before the bar appears.
const BAR_DELAY: Duration = Duration::from_millis(300);

/// Each phase begun, with when.
type PhaseLog = Arc<Mutex<Vec<(Phase, Instant)>>>;

/// The bar and the phase timings of one compile.
#[derive(Clone)]
pub struct CompileProgress {
    start: Instant,
    bar: Option<Arc<OnceLock<ProgressBar>>>,
    /// Each phase begun, with when (with `--verbose`).
    phases: Option<PhaseLog>,
}

impl CompileProgress {
    pub fn new(quiet: bool, verbose: bool) -> CompileProgress {
        let bar = !quiet && std::io::stderr().is_terminal();
        CompileProgress {
            start: Instant::now(),
            bar: bar.then(|| Arc::new(OnceLock::new())),
            phases: verbose.then(|| Arc::new(Mutex::new(Vec::new()))),
        }
    }

    /// The callback for `CompileOptions::progress`: `None` if nothing is shown.
    pub fn callback(&self) -> Option<ProgressCallback> {
        if self.bar.is_none() && self.phases.is_none() {
            return None;
        }
        let this = self.clone();
        Some(ProgressCallback::new(move |p| this.report(p)))
    }

    fn report(&self, progress: Progress) {
        match progress {
            Progress::Phase(phase) => {
                if let Some(phases) = &self.phases {
                    lock(phases).push((phase, Instant::now()));
                }
            }
            Progress::Functions { done, total } => self.functions(done, total),
        }
    }

    fn functions(&self, done: usize, total: usize) {
        let Some(bar) = &self.bar else { return };
        if self.start.elapsed() < BAR_DELAY && bar.get().is_none() {
            return;
        }
        let bar = bar.get_or_init(|| new_bar(total));
        // Reports from several threads may arrive out of order.
        if done as u64 > bar.position() {
            bar.set_position(done as u64);
        }
    }

    /// The compile is over: remove the bar; with `--verbose` print each phase's time
    /// (the last one ends now).
    pub fn finish(&self) {
        if let Some(bar) = self.bar.as_ref().and_then(|b| b.get()) {
            bar.finish_and_clear();
        }
        let Some(phases) = &self.phases else { return };
        let phases = lock(phases);
        let ends = phases
            .iter()
            .skip(1)
            .map(|(_, t)| *t)
            .chain([Instant::now()]);
        for ((phase, begin), end) in phases.iter().zip(ends) {
            eprintln!("{:>18}: {:.1?}", phase_name(*phase), end - *begin);
        }
        eprintln!("{:>18}: {:.1?}", "total", self.start.elapsed());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Parse => "parse",
        Phase::Codegen => "translate+codegen",
        Phase::Emit => "emit",
    }
}

fn new_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "compiling [{bar:30}] {pos}/{len} functions ({elapsed}, {eta} left)",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
