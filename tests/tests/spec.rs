//! The WebAssembly spec testsuite, run through the real path (compile → artifact →
//! loader → instantiate → call).
//!
//! Gate: `tests/spec-baseline.txt` records the number of failing directives per file
//! that is accepted for now ("file.wast <count>"; a file not listed must pass
//! completely). More failures than the baseline fail the test; fewer print "improved".
//! `WASMAOT_UPDATE_BASELINE=1 cargo test -p wasmaot-tests --test spec` rewrites it.
//!
//! `WASMAOT_SPEC_VERBOSE=1` names each script as it starts (to find one that crashes).
//!
//! Both tests of the Wasm 2.0 suite run it whole: artifacts loaded from memory, and from
//! files (mmap). A third runs the Wasm 3.0 testsuite (`$WASMAOT_TESTSUITE_3`, else
//! `../shared/testsuite-3.0`) with every feature on, against `tests/spec-3.0-baseline.txt`.
//! Every failure message is also written to `target/spec-failures-<mode>.txt`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wasmaot_compiler::wast::{run_file, spec_features, FileReport, Mode, RunOptions, WASM2};
use wasmaot_tests::{in_ci, target_dir, testsuite_3_dir, testsuite_dir, workspace_root};

/// Proposals (beyond Wasm 2.0 at the root) whose scripts are run. `annotations` changes
/// only the text format, so it needs no feature beyond Wasm 2.0.
const PROPOSALS: &[&str] = &[
    "extended-const",
    "multi-memory",
    "tail-call",
    "relaxed-simd",
    "annotations",
    "exception-handling",
    "exception-handling/legacy",
    "threads",
    "memory64",
    "function-references",
    "gc",
];

/// Files that are expected to fail for a reason outside this project, with the reason.
/// They are still run and reported.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// Scripts run on this many threads.
const JOBS: usize = 2;

/// The two tests each use `JOBS` threads; running them one after the other keeps the
/// machine's cores from being oversubscribed.
static SERIAL: Mutex<()> = Mutex::new(());

/// The accepted failures of the Wasm 2.0 testsuite (with its proposals).
fn baseline_path() -> PathBuf {
    workspace_root().join("tests/spec-baseline.txt")
}

/// The accepted failures of the Wasm 3.0 testsuite.
fn baseline_3_path() -> PathBuf {
    workspace_root().join("tests/spec-3.0-baseline.txt")
}

/// The scripts in `root/sub` (`sub` may be empty), as (name relative to `root`, path),
/// appended in name order.
fn add_dir(files: &mut Vec<(String, PathBuf)>, root: &Path, sub: &str) {
    let dir = root.join(sub);
    let prefix = if sub.is_empty() {
        String::new()
    } else {
        format!("{sub}/")
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".wast"))
        .collect();
    names.sort();
    for name in names {
        files.push((format!("{prefix}{name}"), dir.join(&name)));
    }
}

/// All scripts of the Wasm 2.0 testsuite and the proposals we run, in a stable order.
fn spec_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    add_dir(&mut files, root, "");
    for proposal in PROPOSALS {
        add_dir(&mut files, root, &format!("proposals/{proposal}"));
    }
    files
}

/// The Wasm 2.0 testsuite's features for a script: Wasm 2.0, plus its proposal's.
fn spec_2_features(name: &str) -> u64 {
    spec_features(Path::new(name)).unwrap_or(WASM2)
}

/// The Wasm 3.0 testsuite is written for every feature, but for its `proposals/threads`,
/// which wants its own (that repository forked before reference types, and its scripts
/// want a second table to be invalid).
fn features_3(name: &str) -> u64 {
    match name.starts_with("proposals/threads/") {
        true => spec_2_features(name),
        false => wasmaot_loader::abi::features::ALL,
    }
}

/// A script still running after this long is taken to hang (compiled code looping
/// forever cannot be interrupted yet): the test process stops, naming it.
const FILE_TIMEOUT: Duration = Duration::from_secs(600);

/// Run `files` on `JOBS` threads, returning the reports in the order of `files`.
fn run_all(
    files: &[(String, PathBuf)],
    options: &RunOptions,
    features: fn(&str) -> u64,
) -> Vec<FileReport> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; files.len()]);
    let running: Mutex<BTreeMap<usize, Instant>> = Mutex::new(BTreeMap::new());
    let workers_left = AtomicUsize::new(JOBS);
    let verbose = std::env::var_os("WASMAOT_SPEC_VERBOSE").is_some_and(|v| v == "1");
    std::thread::scope(|scope| {
        for _ in 0..JOBS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, path)) = files.get(i) else {
                        break;
                    };
                    running.lock().unwrap().insert(i, Instant::now());
                    if verbose {
                        // Uncaptured, so that a crash of the process shows its script.
                        let _ = writeln!(std::io::stderr(), "spec: running {name}");
                    }
                    let mut options = options.clone();
                    options.compile.wasm_features = features(name);
                    let mut report = run_file(path, &options);
                    running.lock().unwrap().remove(&i);
                    // Messages name the script relative to the testsuite, like the table.
                    let full = path.display().to_string();
                    for failure in &mut report.failures {
                        if let Some(rest) = failure.strip_prefix(&full) {
                            *failure = format!("{name}{rest}");
                        }
                    }
                    report.name = name.clone();
                    results.lock().unwrap()[i] = Some(report);
                }
                workers_left.fetch_sub(1, Ordering::Relaxed);
            });
        }
        // Watchdog.
        scope.spawn(|| {
            while workers_left.load(Ordering::Relaxed) > 0 {
                std::thread::sleep(Duration::from_millis(200));
                let running = running.lock().unwrap();
                if let Some((&i, _)) = running
                    .iter()
                    .find(|(_, start)| start.elapsed() > FILE_TIMEOUT)
                {
                    eprintln!(
                        "{} has run for more than {FILE_TIMEOUT:?}: it hangs; stopping",
                        files[i].0
                    );
                    std::process::exit(1);
                }
            }
        });
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every file was run"))
        .collect()
}

fn read_baseline(path: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, count) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("bad baseline line `{l}`"));
            (
                name.trim().to_string(),
                count
                    .parse()
                    .unwrap_or_else(|_| panic!("bad baseline line `{l}`")),
            )
        })
        .collect()
}

fn write_baseline(path: &Path, reports: &[FileReport]) {
    let mut text = String::from(
        "# Failing directives per spec script that the spec test accepts for now.\n\
         # A file not listed must pass completely. Regenerate with\n\
         #   WASMAOT_UPDATE_BASELINE=1 cargo test -p wasmaot-tests --test spec\n",
    );
    let mut per_dir: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in reports {
        let dir = r.name.rsplit_once('/').map_or("(root)", |(d, _)| d);
        let (passing, all) = per_dir.entry(dir).or_default();
        *passing += usize::from(r.failed == 0);
        *all += 1;
    }
    text.push_str("# Files passing completely, per directory:\n");
    for (dir, (passing, all)) in per_dir {
        let _ = writeln!(text, "#   {dir} {passing}/{all}");
    }
    for r in reports.iter().filter(|r| r.failed > 0) {
        let _ = writeln!(text, "{} {}", r.name, r.failed);
    }
    std::fs::write(path, text).expect("cannot write the baseline");
    println!("wrote {}", path.display());
}

/// `None` if the suite is absent and that is acceptable (not in CI).
fn testsuite_or_skip(dir: PathBuf, variable: &str) -> Option<PathBuf> {
    if dir.join("address.wast").is_file() {
        return Some(dir);
    }
    let message = format!(
        "spec testsuite not found at {}; set {variable}",
        dir.display()
    );
    if in_ci() {
        panic!("{message}");
    }
    // Uncaptured, so that it shows although the test passes.
    let _ = writeln!(std::io::stderr(), "{message} (skipping)");
    None
}

/// Print the table, write the failure log and compare with the baseline.
fn check(reports: &[FileReport], mode: &str, baseline_path: &Path, update_baseline: bool) {
    let baseline = read_baseline(baseline_path);
    let mut table = String::new();
    let mut log = String::new();
    let (mut passed, mut failed) = (0, 0);
    let mut regressions = Vec::new();
    let mut improvements = Vec::new();
    let _ = writeln!(
        table,
        "{:<52} {:>7} {:>7} {:>9}",
        "file", "passed", "failed", "baseline"
    );
    for r in reports {
        let allowed = baseline.get(&r.name).copied().unwrap_or(0);
        let known = KNOWN_FAILURES.iter().find(|(f, _)| *f == r.name);
        let mark = match (r.failed.cmp(&allowed), known) {
            (_, Some(_)) => "known",
            (std::cmp::Ordering::Greater, None) => {
                regressions.push(format!(
                    "{}: {} failures, baseline {allowed}",
                    r.name, r.failed
                ));
                "WORSE"
            }
            (std::cmp::Ordering::Less, None) => {
                improvements.push(format!(
                    "{}: {} failures, baseline {allowed}",
                    r.name, r.failed
                ));
                "better"
            }
            (std::cmp::Ordering::Equal, None) if r.failed == 0 => "ok",
            _ => "as before",
        };
        let _ = writeln!(
            table,
            "{:<52} {:>7} {:>7} {:>9}  {mark}",
            r.name, r.passed, r.failed, allowed
        );
        passed += r.passed;
        failed += r.failed;
        for failure in &r.failures {
            let _ = writeln!(log, "{failure}");
        }
    }
    let total = format!(
        "spec testsuite ({mode}): {} files, {passed} directives passed, {failed} failed",
        reports.len()
    );
    println!("{table}{total}");
    // The harness captures `println!`; the summary and the files with failures go to
    // the real stderr so that they show in CI logs of a passing run too.
    let mut summary = String::new();
    for line in table.lines().skip(1).filter(|l| !l.ends_with(" ok")) {
        let _ = writeln!(summary, "  {line}");
    }
    let _ =
        std::io::stderr().write_all(format!("{total}; files with failures:\n{summary}").as_bytes());
    let log_path = target_dir().join(format!("spec-failures-{mode}.txt"));
    if std::fs::write(&log_path, &log).is_ok() {
        println!("failure messages: {}", log_path.display());
    }
    for r in reports
        .iter()
        .filter(|r| r.failed > baseline.get(&r.name).copied().unwrap_or(0))
    {
        println!("--- {} (first failures)", r.name);
        for failure in r.failures.iter().take(10) {
            println!("{failure}");
        }
    }
    if update_baseline {
        write_baseline(baseline_path, reports);
        return;
    }
    if !improvements.is_empty() {
        println!(
            "improved, update the baseline (WASMAOT_UPDATE_BASELINE=1):\n  {}",
            improvements.join("\n  ")
        );
    }
    assert!(
        regressions.is_empty(),
        "more spec failures than the baseline:\n  {}",
        regressions.join("\n  ")
    );
}

#[test]
fn spec_testsuite_in_memory() {
    let Some(root) = testsuite_or_skip(testsuite_dir(), "WASMAOT_TESTSUITE") else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let files = spec_files(&root);
    assert!(
        files.len() >= 147,
        "expected at least 147 scripts in {}, found {}",
        root.display(),
        files.len()
    );
    let reports = run_all(
        &files,
        &RunOptions {
            mode: Mode::InMemory,
            ..Default::default()
        },
        spec_2_features,
    );
    check(&reports, "in-memory", &baseline_path(), update_baseline());
}

#[test]
fn spec_testsuite_mmap() {
    let Some(root) = testsuite_or_skip(testsuite_dir(), "WASMAOT_TESTSUITE") else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The whole suite again, loading every artifact from a file: it takes seconds.
    let reports = run_all(
        &spec_files(&root),
        &RunOptions {
            mode: Mode::File,
            ..Default::default()
        },
        spec_2_features,
    );
    check(&reports, "mmap", &baseline_path(), false);
}

/// Whether to rewrite the baselines instead of checking them.
fn update_baseline() -> bool {
    std::env::var_os("WASMAOT_UPDATE_BASELINE").is_some_and(|v| v == "1")
}

/// The Wasm 3.0 testsuite (the yardstick for breadth): its root scripts, `legacy/` (the
/// legacy exception instructions), `proposals/threads` and `proposals/custom-page-sizes`,
/// artifacts loaded from files.
/// Its own baseline (`tests/spec-3.0-baseline.txt`) holds what is not implemented yet.
#[test]
fn wasm_3_testsuite() {
    let Some(root) = testsuite_or_skip(testsuite_3_dir(), "WASMAOT_TESTSUITE_3") else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut files = Vec::new();
    add_dir(&mut files, &root, "");
    add_dir(&mut files, &root, "legacy");
    add_dir(&mut files, &root, "proposals/threads");
    add_dir(&mut files, &root, "proposals/custom-page-sizes");
    assert!(
        files.len() >= 257,
        "expected at least 257 scripts in {}, found {}",
        root.display(),
        files.len()
    );
    let options = RunOptions {
        mode: Mode::File,
        ..Default::default()
    };
    let reports = run_all(&files, &options, features_3);
    check(&reports, "3.0", &baseline_3_path(), update_baseline());
}
