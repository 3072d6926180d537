//! Checking one module: instantiate it on both runtimes, call every exported function,
//! compare the results and the exported state after each step.

use super::args::arguments;
use super::compare::{self, Divergence};
use super::fuel::FUEL_EXPORT;
use super::generate::FUEL;
use super::rng::{bytes_seed, Rng};
use super::runtime::{ExportKind, Failure, Runtime};
use super::trap::TrapKind;
use super::value::{self, Value};

/// How many times each exported function is called (all of them in turn, then again:
/// the second round sees the state the first one left).
const ROUNDS: usize = 2;

/// What checking one module found, short of a divergence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Calls compared.
    pub calls: usize,
    /// The traps of those calls that trapped (alike on both sides).
    pub traps: Vec<TrapKind>,
    /// Whether instantiation trapped (alike on both sides).
    pub instantiation_trapped: bool,
    /// Why the module (or the rest of its calls) was not compared.
    pub skipped: Option<String>,
}

impl Checked {
    /// A module not compared, for `reason`.
    pub fn skipped(reason: String) -> Checked {
        Checked {
            skipped: Some(reason),
            ..Checked::default()
        }
    }
}

/// Check `wasm` with `A` (wasmaot) against `B` (the oracle). The arguments derive from
/// the module's bytes, so the same module always gets the same calls.
pub fn check<A: Runtime, B: Runtime>(wasm: &[u8]) -> Result<Checked, Divergence> {
    let (mut a, mut b) = match instantiate::<A, B>(wasm)? {
        Instances::Both(a, b) => (a, b),
        Instances::None(checked) => return Ok(checked),
    };
    let exports = a.exports();
    compare::exports::<A, B>(&exports, &b.exports())?;
    compare::state("instantiation", &exports, &mut a, &mut b)?;
    let mut rng = Rng::new(bytes_seed(wasm));
    let mut checked = Checked::default();
    let fuel = exports.iter().any(|e| e.name == FUEL_EXPORT);
    for _ in 0..ROUNDS {
        for export in &exports {
            let ExportKind::Func { params, .. } = &export.kind else {
                continue;
            };
            let args = arguments(&mut rng, params);
            if fuel {
                a.set_global(FUEL_EXPORT, Value::I32(FUEL as i32));
                b.set_global(FUEL_EXPORT, Value::I32(FUEL as i32));
            }
            let call = format!(
                "call #{} `{}`{}",
                checked.calls,
                export.name,
                value::list(&args)
            );
            let (result_a, result_b) = (a.call(&export.name, &args), b.call(&export.name, &args));
            checked.calls += 1;
            if [&result_a, &result_b].contains(&&Err(TrapKind::StackOverflow)) {
                // The stacks' limits differ, and so may the state either side left.
                checked.skipped = Some("stack overflow".to_string());
                return Ok(checked);
            }
            compare::call_results::<A, B>(&call, &result_a, &result_b)?;
            if let Err(trap) = result_a {
                checked.traps.push(trap);
            }
            compare::state(&call, &exports, &mut a, &mut b)?;
        }
    }
    Ok(checked)
}

enum Instances<A, B> {
    Both(A, B),
    /// Neither instantiated, alike or for a reason to skip.
    None(Checked),
}

fn instantiate<A: Runtime, B: Runtime>(wasm: &[u8]) -> Result<Instances<A, B>, Divergence> {
    match (A::instantiate(wasm), B::instantiate(wasm)) {
        (Ok(a), Ok(b)) => Ok(Instances::Both(a, b)),
        (Err(Failure::Unsupported(why)), _) => Ok(unsupported(A::NAME, &why)),
        (_, Err(Failure::Unsupported(why))) => Ok(unsupported(B::NAME, &why)),
        (a, b) if overflowed(&a) || overflowed(&b) => {
            Ok(Instances::None(Checked::skipped("stack overflow".into())))
        }
        (Err(Failure::Trap(a)), Err(Failure::Trap(b))) if a == b => Ok(Instances::None(Checked {
            instantiation_trapped: true,
            ..Checked::default()
        })),
        (a, b) => Err(Divergence::new::<A, B>(
            "instantiation".to_string(),
            describe(&a.map(|_| ())),
            describe(&b.map(|_| ())),
        )),
    }
}

fn overflowed<T>(instantiated: &Result<T, Failure>) -> bool {
    matches!(instantiated, Err(Failure::Trap(TrapKind::StackOverflow)))
}

fn unsupported<A, B>(runtime: &str, why: &str) -> Instances<A, B> {
    // The start of the message names what; the rest (where: the byte offset, the
    // function) would split the count of skips.
    let what = why.split(" at byte offset").next().unwrap_or(why);
    let what: String = what.chars().take(60).collect();
    Instances::None(Checked::skipped(format!("{runtime} unsupported: {what}")))
}

fn describe(instantiated: &Result<(), Failure>) -> String {
    match instantiated {
        Ok(()) => "instantiated".to_string(),
        Err(Failure::Trap(trap)) => trap.to_string(),
        Err(failure) => format!("{failure:?}"),
    }
}
