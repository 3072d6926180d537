//! What a run of many modules found: counts, skips by reason, and the failures.

use super::check::Checked;
use std::collections::BTreeMap;
use std::fmt;

/// A module on which the runtimes diverged (or one of them panicked).
#[derive(Clone, Debug)]
pub struct Failed {
    /// Where the module comes from: "seed S module I", or its corpus file.
    pub label: String,
    /// The module's position in the run, to report the first failure first.
    pub index: u64,
    pub wasm: Vec<u8>,
    /// The readable report: the divergence or the panic.
    pub report: String,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub modules: u64,
    pub calls: u64,
    /// Calls that trapped (alike), by trap kind.
    pub traps: BTreeMap<String, u64>,
    /// Modules whose instantiation trapped (alike).
    pub instantiation_traps: u64,
    /// Modules (or the rest of their calls) skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    pub failures: Vec<Failed>,
}

impl Stats {
    pub fn record(&mut self, checked: &Checked) {
        self.modules += 1;
        self.calls += checked.calls as u64;
        for trap in &checked.traps {
            *self.traps.entry(trap.kind()).or_default() += 1;
        }
        self.instantiation_traps += u64::from(checked.instantiation_trapped);
        if let Some(reason) = &checked.skipped {
            *self.skipped.entry(reason.clone()).or_default() += 1;
        }
    }

    pub fn fail(&mut self, failed: Failed) {
        self.modules += 1;
        self.failures.push(failed);
        self.failures.sort_by_key(|f| f.index);
    }

    pub fn skips(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// The traps by kind, `kind: n, ...`.
    pub fn traps(&self) -> String {
        let kinds: Vec<String> = self
            .traps
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        kinds.join(", ")
    }
}

/// `N modules, M calls, K skipped (reason: n; ...), D divergences`, then the traps.
impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons: Vec<String> = self
            .skipped
            .iter()
            .map(|(reason, n)| format!("{reason}: {n}"))
            .collect();
        write!(
            f,
            "{} modules, {} calls, {} skipped ({}), {} divergences \
             [trapped alike: {} calls ({}), {} instantiations]",
            self.modules,
            self.calls,
            self.skips(),
            reasons.join("; "),
            self.failures.len(),
            self.traps.values().sum::<u64>(),
            self.traps(),
            self.instantiation_traps
        )
    }
}
