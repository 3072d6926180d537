//! Differential execution against the `wasmi` interpreter (docs/RELIABILITY.md): modules
//! generated from a fixed seed, then every module of `tests/differential-corpus/`, must
//! give the same results, traps and exported state on wasmaot as on the oracle.
//! A failing module is written to `target/differential-failures/`.

use std::time::Instant;
use wasmaot_tests::differential::{
    check, corpus_dir, replay, run, save_failure, Budget, CallResult, Export, Failure, Runtime,
    Stats, Value, Wasmaot, Wasmi,
};

/// The CI run's seed: fixed, so that a failure reproduces (the long mode, `cargo run -p
/// wasmaot-tests --release --bin differential`, takes any seed).
const SEED: u64 = 1;
/// Modules per CI run: about a minute in the dev profile on 2 idle cores.
const MODULES: u64 = 20_000;

#[test]
fn generated_modules_run_alike_on_wasmaot_and_wasmi() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let budget = Budget {
        modules: Some(MODULES),
        deadline: None,
    };
    let stats = run(SEED, budget, threads, &|_| {});
    eprintln!(
        "differential: {stats} ({:.0} s)",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(stats.modules, MODULES);
    fail_on_divergence(&stats, |index| format!("seed-{SEED}-module-{index}"));
}

#[test]
fn the_corpus_of_past_failures_runs_alike() {
    let dir = corpus_dir();
    let stats = replay(&dir);
    if stats.modules == 0 {
        eprintln!("differential corpus: no module in {}", dir.display());
    } else {
        eprintln!("differential corpus ({}): {stats}", dir.display());
    }
    fail_on_divergence(&stats, |index| format!("corpus-{index}"));
}

fn fail_on_divergence(stats: &Stats, name: impl Fn(u64) -> String) {
    let Some(first) = stats.failures.first() else {
        return;
    };
    let path = save_failure(&name(first.index), &first.wasm);
    panic!(
        "{} divergences; the first, {} (written to {}):\n{}",
        stats.failures.len(),
        first.label,
        path.display(),
        first.report
    );
}

/// wasmi with one deliberate bug: every `i32` result is off by one.
struct OffByOne(Wasmi);

impl Runtime for OffByOne {
    const NAME: &'static str = "off-by-one";

    fn instantiate(wasm: &[u8]) -> Result<OffByOne, Failure> {
        Wasmi::instantiate(wasm).map(OffByOne)
    }
    fn exports(&self) -> Vec<Export> {
        self.0.exports()
    }
    fn call(&mut self, func: &str, args: &[Value]) -> CallResult {
        let results = self.0.call(func, args)?;
        let off = |v: Value| match v {
            Value::I32(x) => Value::I32(x.wrapping_add(1)),
            other => other,
        };
        Ok(results.into_iter().map(off).collect())
    }
    fn global(&mut self, name: &str) -> Value {
        self.0.global(name)
    }
    fn set_global(&mut self, name: &str, value: Value) {
        self.0.set_global(name, value)
    }
    fn memory(&mut self, name: &str) -> &[u8] {
        self.0.memory(name)
    }
    fn table(&mut self, name: &str) -> Vec<Value> {
        self.0.table(name)
    }
}

#[test]
fn a_wrong_oracle_is_caught() {
    let wasm = wat::parse_str(
        r#"(module
             (func (export "add") (param i32 i32) (result i32)
               (i32.add (local.get 0) (local.get 1))))"#,
    )
    .expect("valid text");
    assert!(check::<Wasmaot, Wasmi>(&wasm).is_ok());
    let divergence = check::<Wasmaot, OffByOne>(&wasm).expect_err("a divergence");
    let report = divergence.to_string();
    assert!(report.starts_with("call #0 `add`(i32:"), "{report}");
    assert!(report.contains("\n  wasmaot: returned (i32:"), "{report}");
    assert!(
        report.contains("\n  off-by-one: returned (i32:"),
        "{report}"
    );
}
