//! The robustness generators (`src/robustness`; docs/RELIABILITY.md, "Robustness
//! generators"): a fixed-seed run of each target sized for CI, the replay of every input
//! in `tests/robustness-corpus/`, and the machinery shown to report a crash and a broken
//! property with the seed and the input. Each case runs in a worker process (the
//! `robustness` binary), so a crash fails the test with its case instead of ending it.
//! The long mode is `cargo run -p wasmaot-tests --release --bin robustness`.

use std::path::Path;
use wasmaot_tests::robustness::report::{corpus, failures_dir};
use wasmaot_tests::robustness::supervisor::{supervise, Job};
use wasmaot_tests::robustness::{target, Budget, TARGETS};

/// The seed of the CI runs.
const SEED: u64 = 20_250_917;

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_robustness"))
}

fn seeded(seed: u64, inputs: u64) -> Job {
    let budget = Budget {
        inputs: Some(inputs),
        time: None,
    };
    Job::Seeded { seed, budget }
}

/// Run `inputs` cases of `name` from the CI seed; print the closing line.
fn fixed_seed(name: &'static str, inputs: u64) {
    let report = supervise(exe(), name, &seeded(SEED, inputs));
    println!("{report}");
    report.assert_clean();
    assert_eq!(report.inputs, inputs);
}

#[test]
fn compiler() {
    fixed_seed("compiler", 15_000);
}

#[test]
fn loader() {
    fixed_seed("loader", 100_000);
}

#[test]
fn wasi() {
    fixed_seed("wasi", 40_000);
}

#[test]
fn capi() {
    fixed_seed("capi", 20_000);
}

#[test]
fn the_corpus_replays_clean() {
    for name in TARGETS {
        let files = corpus(name);
        let report = supervise(exe(), name, &Job::Replay(files.clone()));
        println!("robustness corpus {name}: {} inputs replayed", files.len());
        report.assert_clean();
        assert_eq!(report.inputs, files.len() as u64);
    }
}

#[test]
fn a_crash_and_a_broken_property_are_reported_with_seed_and_input() {
    let report = supervise(exe(), "selftest", &seeded(9, 6));
    assert_eq!(report.inputs, 6, "{report}");
    let cases: Vec<u64> = report.failures.iter().map(|f| f.case).collect();
    assert_eq!(cases, [1, 2, 4, 5], "{report}");
    for f in &report.failures {
        let crashed = f.case % 3 == 2;
        let said = if crashed {
            "died: signal 6"
        } else {
            "breaks the property"
        };
        assert!(f.what.contains(said), "case {}: {}", f.case, f.what);
        let saved = failures_dir("selftest").join(format!("seed-9-case-{}.bin", f.case));
        let input = std::fs::read(&saved).expect("the failing input is saved");
        let selftest = target("selftest").expect("the selftest target");
        assert_eq!(input, selftest.generate(9, f.case).input);
    }
}
