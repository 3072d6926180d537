//! Differential execution (docs/RELIABILITY.md) against the `wasmi` interpreter, and
//! against Wasmtime for threads, exceptions and typed function references: modules
//! generated from a fixed seed, then every module of each oracle's directory in
//! `tests/differential-corpus/`, must give the same results, traps and exported state
//! on wasmaot as on the oracle. A failing module is written to
//! `target/differential-failures/`.

use std::time::Instant;
use wasmaot_tests::differential::{
    check, replay, run, save_failure, Budget, CallResult, Export, Failure, Oracle, Runtime, Stats,
    TrapKind, Value, Wasmaot, Wasmi, Wasmtime,
};

/// The CI run's seed: fixed, so that a failure reproduces (the long mode, `cargo run -p
/// wasmaot-tests --release --bin differential`, takes any seed).
const SEED: u64 = 1;
/// Modules per CI run against wasmi: about a minute in the dev profile on 2 idle cores.
const WASMI_MODULES: u64 = 20_000;
/// Modules per CI run against Wasmtime, which compiles each module as wasmaot does.
const WASMTIME_MODULES: u64 = 4_000;

#[test]
fn generated_modules_run_alike_on_wasmaot_and_wasmi() {
    generated_modules_run_alike(Oracle::Wasmi, WASMI_MODULES);
}

#[test]
fn generated_modules_with_threads_exceptions_and_typed_references_run_alike_on_wasmtime() {
    generated_modules_run_alike(Oracle::Wasmtime, WASMTIME_MODULES);
}

fn generated_modules_run_alike(oracle: Oracle, modules: u64) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let budget = Budget {
        modules: Some(modules),
        deadline: None,
    };
    let stats = run(oracle, SEED, budget, threads, &|_| {});
    eprintln!(
        "differential ({oracle}): {stats} ({:.0} s)",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(stats.modules, modules);
    fail_on_divergence(&stats, |index| {
        format!("{oracle}-seed-{SEED}-module-{index}")
    });
}

#[test]
fn the_corpus_of_past_failures_runs_alike() {
    for oracle in Oracle::ALL {
        let dir = oracle.corpus_dir();
        let stats = replay(oracle, &dir);
        if stats.modules == 0 {
            eprintln!("differential corpus: no module in {}", dir.display());
        } else {
            eprintln!("differential corpus ({}): {stats}", dir.display());
        }
        fail_on_divergence(&stats, |index| format!("{oracle}-corpus-{index}"));
    }
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

/// An oracle with one deliberate bug: every `i32` result is off by one.
struct OffByOne<R>(R);

impl<R: Runtime> Runtime for OffByOne<R> {
    const NAME: &'static str = "off-by-one";

    fn instantiate(wasm: &[u8]) -> Result<OffByOne<R>, Failure> {
        R::instantiate(wasm).map(OffByOne)
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
    assert!(check::<Wasmaot, Wasmtime>(&wasm).is_ok());
    for report in [
        check::<Wasmaot, OffByOne<Wasmi>>(&wasm),
        check::<Wasmaot, OffByOne<Wasmtime>>(&wasm),
    ] {
        let report = report.expect_err("a divergence").to_string();
        assert!(report.starts_with("call #0 `add`(i32:"), "{report}");
        assert!(report.contains("\n  wasmaot: returned (i32:"), "{report}");
        assert!(
            report.contains("\n  off-by-one: returned (i32:"),
            "{report}"
        );
    }
}

/// An uncaught exception is compared by tag and payload: a module that throws a
/// different payload on each side is a divergence, the same one is not.
#[test]
fn uncaught_exceptions_compare_by_tag_and_payload() {
    let wasm = wat::parse_str(
        r#"(module
             (tag (export "t") (param i32))
             (func (export "throw") (param i32) (throw 0 (local.get 0))))"#,
    )
    .expect("valid text");
    let mut ours = Wasmaot::instantiate(&wasm).expect("instantiates");
    let mut theirs = Wasmtime::instantiate(&wasm).expect("instantiates");
    let thrown = |payload| {
        Err(TrapKind::UncaughtException {
            tag: "t".to_string(),
            payload: vec![Value::I32(payload)],
        })
    };
    assert_eq!(ours.call("throw", &[Value::I32(7)]), thrown(7));
    assert_eq!(theirs.call("throw", &[Value::I32(7)]), thrown(7));
    assert!(check::<Wasmaot, Wasmtime>(&wasm).is_ok());
    let report = check::<Wasmaot, OffByOne<Wasmtime>>(&wasm);
    assert!(
        report.is_ok(),
        "no i32 result to put off by one: {report:?}"
    );
}
