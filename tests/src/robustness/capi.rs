//! The C API target: random arguments to the pure functions of libwasmaot (the
//! `wasmaot` crate's `extern "C"` functions, called from Rust): value, function, global,
//! table, memory, import and export types and their accessors, byte vectors,
//! `wasmtime_wat2wasm` on random text, `wasmtime_module_validate` on random bytes and
//! modules, errors and their messages, and NULL wherever the header allows it. Only
//! arguments the API's contract allows are passed (no dangling or foreign pointers).
//!
//! Property: no panic, not even one the panic guard catches (a panic hook counts them),
//! no crash, and what an accessor returns is what the constructor was given.

use super::capi_calls;
use super::{Case, Expect, Rng, Target};
use arbitrary::Unstructured;
use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// Panics seen on this thread, caught or not.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Count every panic on the thread it happens on, then report it as before.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info)
        }));
    });
}

/// The C API target.
pub struct Capi;

impl Target for Capi {
    fn generate(&self, seed: u64, case: u64) -> Case {
        let mut rng = Rng::for_case(seed, case);
        let len = 16 + rng.len_up_to(4096);
        Case {
            input: rng.bytes(len),
            expect: Expect::Anything,
        }
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        check_with(case, capi_calls::call)
    }
}

/// The property, with the calls passed in (tests give broken ones): up to 30 calls,
/// each chosen and given its arguments by the input.
pub fn check_with(
    case: &Case,
    call: impl Fn(&mut Unstructured) -> Result<(), String>,
) -> Result<(), String> {
    count_panics();
    let before = PANICS.with(Cell::get);
    let mut u = Unstructured::new(&case.input);
    let count = u.int_in_range(1..=30).unwrap_or(1);
    for i in 0..count {
        call(&mut u).map_err(|e| format!("call {i}: {e}"))?;
        if PANICS.with(Cell::get) != before {
            return Err(format!("call {i} panicked (see the panic message above)"));
        }
        if u.is_empty() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case::replay(vec![7; 64])
    }

    #[test]
    fn a_caught_panic_fails() {
        let guarded = |_: &mut Unstructured| {
            wasmaot::guard::guard((), || panic!("inside the guard"));
            Ok(())
        };
        let e = check_with(&case(), guarded).unwrap_err();
        assert!(e.contains("panicked"), "{e}");
    }

    #[test]
    fn a_wrong_answer_fails_and_the_real_calls_pass() {
        assert!(check_with(&case(), |_| Err("wrong".into())).is_err());
        assert!(check_with(&case(), capi_calls::call).is_ok());
    }
}
