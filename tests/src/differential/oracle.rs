//! The oracles a run can compare wasmaot with; each decides the features of the
//! generated modules (`generate::config`) and has its own corpus of past failures.

use super::check::{check, Checked};
use super::compare::Divergence;
use super::oracle_wasmi::Wasmi;
use super::oracle_wasmtime::Wasmtime;
use super::ours::Wasmaot;
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oracle {
    /// The wasmi interpreter: Wasm 2.0, SIMD, tail calls, multi-memory, memory64.
    Wasmi,
    /// Wasmtime: all of that, and threads, exceptions and typed function references.
    Wasmtime,
}

impl Oracle {
    pub const ALL: [Oracle; 2] = [Oracle::Wasmi, Oracle::Wasmtime];

    /// The oracle named `name` (as `Display` writes it).
    pub fn from_name(name: &str) -> Option<Oracle> {
        Oracle::ALL.into_iter().find(|o| o.to_string() == name)
    }

    /// Check `wasm` with wasmaot against this oracle.
    pub fn check(self, wasm: &[u8]) -> Result<Checked, Divergence> {
        match self {
            Oracle::Wasmi => check::<Wasmaot, Wasmi>(wasm),
            Oracle::Wasmtime => check::<Wasmaot, Wasmtime>(wasm),
        }
    }

    /// `tests/differential-corpus/<oracle>/`: the modules that once failed against it.
    pub fn corpus_dir(self) -> PathBuf {
        crate::workspace_root()
            .join("tests/differential-corpus")
            .join(self.to_string())
    }
}

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Oracle::Wasmi => "wasmi",
            Oracle::Wasmtime => "wasmtime",
        })
    }
}
