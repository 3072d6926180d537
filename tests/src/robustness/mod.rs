//! Robustness generators: seeded random loops that feed each entry point of wasmaot
//! inputs nobody wrote by hand and check a property that must hold for every input.
//!
//! | target | inputs | property |
//! |---|---|---|
//! | `compiler` | random bytes and text, `wasm-smith` modules, mutated modules | no panic; an error for a binary names a byte offset or section; a generated valid module compiles |
//! | `loader` | artifacts mutated anywhere (checksum verified), and in their metadata only (checksum recomputed, verification off) | no crash; a damaged artifact is refused when the checksum is verified; what loads instantiates and runs without crashing the process |
//! | `wasi` | random path strings, flags and operations on a preopened temporary directory | nothing outside the preopen is read, created, changed or removed; no panic |
//! | `capi` | random arguments to the C API's pure functions | no panic escapes, no crash |
//!
//! Every case is generated from the run's seed and its number alone ([`Rng::for_case`]),
//! checked in a worker process ([`worker`], run by [`supervisor`]) so that a crash is
//! reported with its seed and input instead of ending the run, and a failing input is
//! saved under `target/robustness-failures/<target>/`. Inputs that once failed go to
//! `tests/robustness-corpus/<target>/`, which `cargo test` replays. See
//! docs/RELIABILITY.md, "Robustness generators".

pub mod capi;
mod capi_calls;
pub mod compiler;
pub mod loader;
mod loader_artifacts;
mod loader_contract;
mod loader_run;
mod meta_mutate;
mod mutate;
pub mod report;
mod rng;
mod scratch;
mod selftest;
mod smith;
pub mod supervisor;
pub mod wasi;
mod wasi_apply;
mod wasi_fixture;
mod wasi_ops;
pub mod worker;

pub use report::{Failure, Report};
pub use rng::Rng;

use std::time::Duration;

/// What a case's input must do besides never crashing or panicking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Anything: accepted or refused with an error.
    Anything,
    /// It was generated valid: it must be accepted.
    Accepted,
    /// It was damaged so that it must be refused.
    Refused,
}

/// One generated input and what it must do.
#[derive(Debug, Clone)]
pub struct Case {
    pub input: Vec<u8>,
    pub expect: Expect,
}

impl Case {
    /// A corpus file or any other input given as it is.
    pub fn replay(input: Vec<u8>) -> Case {
        Case {
            input,
            expect: Expect::Anything,
        }
    }
}

/// An entry point under test: how its cases are made and what they must satisfy.
pub trait Target {
    /// Case `case` of the run with `seed`.
    fn generate(&self, seed: u64, case: u64) -> Case;
    /// Check the property on `case`; the error says how it broke.
    fn check(&self, case: &Case) -> Result<(), String>;
}

/// The names of the targets, in the order a full run takes them.
pub const TARGETS: [&str; 4] = ["compiler", "loader", "wasi", "capi"];

/// The target called `name` (the loader's compiles the artifacts it mutates), or the
/// `selftest` target that fails on purpose.
pub fn target(name: &str) -> Option<Box<dyn Target>> {
    Some(match name {
        "compiler" => Box::new(compiler::Compiler),
        "loader" => Box::new(loader::Loader::new()),
        "wasi" => Box::new(wasi::Wasi),
        "capi" => Box::new(capi::Capi),
        "selftest" => Box::new(selftest::SelfTest),
        _ => return None,
    })
}

/// How much a run does: it stops at whichever limit comes first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Budget {
    pub inputs: Option<u64>,
    pub time: Option<Duration>,
}

/// Run `f`, turning a panic into an error with the panic's message.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-string payload".to_string());
        format!("panicked: {message}")
    })
}
