//! Progress of a compilation, reported to an optional callback (the CLI draws a progress
//! bar and prints phase timings from it; the library draws nothing).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The phases of a compilation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the module (text to binary, validation of its sections).
    Parse,
    /// Translating and compiling the functions and trampolines.
    Codegen,
    /// Placing the code and writing the object.
    Emit,
}

/// One report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A phase begins.
    Phase(Phase),
    /// `done` of the module's `total` defined functions are compiled (reported after
    /// each one, from the compiling threads, in any order of completion).
    Functions { done: usize, total: usize },
}

/// A function called with each report; it must be cheap, as it runs once per function.
#[derive(Clone)]
pub struct ProgressCallback(Arc<dyn Fn(Progress) + Send + Sync>);

impl ProgressCallback {
    pub fn new(f: impl Fn(Progress) + Send + Sync + 'static) -> ProgressCallback {
        ProgressCallback(Arc::new(f))
    }
}

impl fmt::Debug for ProgressCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressCallback")
    }
}

/// Sends reports to the callback, if there is one.
pub(crate) struct Reporter<'a> {
    callback: Option<&'a ProgressCallback>,
    done: AtomicUsize,
    total: usize,
}

impl<'a> Reporter<'a> {
    pub fn new(callback: Option<&'a ProgressCallback>) -> Reporter<'a> {
        Reporter {
            callback,
            done: AtomicUsize::new(0),
            total: 0,
        }
    }

    pub fn phase(&self, phase: Phase) {
        if let Some(c) = self.callback {
            (c.0)(Progress::Phase(phase));
        }
    }

    /// The functions to come: `total` of them, none compiled yet.
    pub fn start_functions(&mut self, total: usize) {
        self.total = total;
        self.done.store(0, Ordering::Relaxed);
        self.function_done_by(0);
    }

    /// One more function is compiled.
    pub fn function_done(&self) {
        self.function_done_by(1);
    }

    fn function_done_by(&self, n: usize) {
        if let Some(c) = self.callback {
            let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
            (c.0)(Progress::Functions {
                done,
                total: self.total,
            });
        }
    }
}
