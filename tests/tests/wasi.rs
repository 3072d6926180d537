//! The WASI testsuite (`wasi-testsuite`, preview 1), run through the real path: each
//! test program is compiled ahead of time into an artifact file, loaded with
//! `Module::from_file`, linked with WASI (`wasmaot-wasi`) and its `_start` run.
//!
//! It follows the suite's `doc/specification.md`: every `*.wasm` under
//! `tests/{c,rust,assemblyscript}/testsuite/wasm32-wasip1` is a test case; `*.cleanup`
//! artifacts are removed first; the case's `.json` (defaults when absent) is either the
//! legacy form (`args`, `env`, `root`, `exit_code`, `stdout`, `stderr`) or the
//! operation-based one (`proposals`, `operations`: `run`, `wait`, `read`; `connect`,
//! `send` and `recv` need the sockets proposal, which is not provided, so such a case
//! fails). The environment holds only the case's variables; `root` is copied into a
//! temporary directory (the programs modify it) and preopened as the guest's `/`; stdin
//! is empty; stdout and stderr are captured. A case passes when its exit code is as
//! specified, and its stdout and stderr too where the case specifies them.
//!
//! The suite is read from `$WASMAOT_WASI_TESTSUITE`, by default `../shared/wasi-testsuite`
//! beside the workspace. If it is absent the test says so and passes, except under CI.
//! `WASMAOT_WASI_FILTER=substring` runs only the matching cases.

use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{Engine, Linker, Module, Store};
use wasmaot_tests::{in_ci, wasi_testsuite_dir, TempDir};
use wasmaot_wasi as wasi;
use wasmaot_wasi::{WasiCtx, WasiCtxBuilder};

/// The suites, in the order they are run.
const SUITES: &[&str] = &["c", "rust", "assemblyscript"];
/// Their directory of preview 1 programs.
const SUITE_DIR: &str = "testsuite/wasm32-wasip1";
/// The number of cases the suite is known to have; fewer means it was not found whole.
const EXPECTED_CASES: usize = 72;
/// Cases run on this many threads.
const JOBS: usize = 2;
/// A case still running after this long is taken to hang: the process stops, naming it.
const CASE_TIMEOUT: Duration = Duration::from_secs(300);

/// One step of a case (the operation-based form; the legacy form is converted to it).
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Run {
        args: Vec<String>,
        env: Vec<(String, String)>,
        root: Option<String>,
    },
    Wait {
        exit_code: i64,
    },
    /// Checks the next bytes of a stream (`whole`: the stream's entire remaining output).
    Read {
        stream: Stream,
        payload: String,
        whole: bool,
    },
    /// `connect`, `send`, `recv`: networking, not provided.
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// A case's specification.
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    proposals: Vec<String>,
    operations: Vec<Op>,
}

fn string(v: &Value, what: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("`{what}` must be a string, found {v}"))
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|i| string(i, what)).collect(),
        Some(other) => Err(format!("`{what}` must be a list of strings, found {other}")),
    }
}

fn env_map(v: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), string(v, &format!("env.{k}"))?)))
            .collect(),
        Some(other) => Err(format!("`env` must be an object, found {other}")),
    }
}

fn opt_string(v: Option<&Value>, what: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string(v, what).map(Some),
    }
}

fn int(v: Option<&Value>, what: &str, default: i64) -> Result<i64, String> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| format!("`{what}` must be an integer, found {v}")),
    }
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown key `{k}` in {what} (expected one of: {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// Parses a case's `.json` (`None`: no file, the defaults).
fn parse_spec(json: Option<&Value>) -> Result<Spec, String> {
    let empty = Map::new();
    let map = match json {
        None => &empty,
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(format!(
                "the specification must be an object, found {other}"
            ))
        }
    };
    if map.contains_key("operations") || map.contains_key("proposals") {
        parse_operations(map)
    } else {
        parse_legacy(map)
    }
}

/// The legacy form, as the `run`, `wait` and `read` operations it stands for. stdout and
/// stderr are compared (whole) only when the case gives them: the specification's
/// default is "", but the suite's own programs print diagnostics that their `.json`
/// does not mention (`rust/path_open_preopen`, `rust/poll_oneoff_stdio`), and the
/// reference runner accepts them.
fn parse_legacy(map: &Map<String, Value>) -> Result<Spec, String> {
    check_keys(
        map,
        &["args", "env", "root", "exit_code", "stdout", "stderr"],
        "the specification",
    )?;
    let mut operations = vec![
        Op::Run {
            args: strings(map.get("args"), "args")?,
            env: env_map(map.get("env"))?,
            root: opt_string(map.get("root"), "root")?,
        },
        Op::Wait {
            exit_code: int(map.get("exit_code"), "exit_code", 0)?,
        },
    ];
    for (key, stream) in [("stdout", Stream::Stdout), ("stderr", Stream::Stderr)] {
        if let Some(payload) = opt_string(map.get(key), key)? {
            operations.push(Op::Read {
                stream,
                payload,
                whole: true,
            });
        }
    }
    Ok(Spec {
        proposals: Vec::new(),
        operations,
    })
}

/// The operation-based form, validated by the specification's rules.
fn parse_operations(map: &Map<String, Value>) -> Result<Spec, String> {
    check_keys(map, &["proposals", "operations"], "the specification")?;
    let proposals = strings(map.get("proposals"), "proposals")?;
    let raw = match map.get("operations") {
        None | Some(Value::Null) => vec![
            serde_json::json!({"type": "run"}),
            serde_json::json!({"type": "wait"}),
        ],
        Some(Value::Array(ops)) => ops.clone(),
        Some(other) => return Err(format!("`operations` must be a list, found {other}")),
    };
    let mut operations = Vec::new();
    let mut running = false;
    let mut connections: Vec<String> = Vec::new();
    for (i, op) in raw.iter().enumerate() {
        let what = format!("operations[{i}]");
        let Value::Object(op) = op else {
            return Err(format!("{what} must be an object, found {op}"));
        };
        let ty = match op.get("type") {
            Some(t) => string(t, &format!("{what}.type"))?,
            None => return Err(format!("{what} has no `type`")),
        };
        let needs_run = |running: bool| {
            if running {
                Ok(())
            } else {
                Err(format!("{what}: `{ty}` must come after a `run`"))
            }
        };
        let parsed = match ty.as_str() {
            "run" => {
                check_keys(op, &["type", "args", "env", "root"], &what)?;
                if running {
                    return Err(format!("{what}: `run` before the previous run's `wait`"));
                }
                running = true;
                Op::Run {
                    args: strings(op.get("args"), &format!("{what}.args"))?,
                    env: env_map(op.get("env"))?,
                    root: opt_string(op.get("root"), &format!("{what}.root"))?,
                }
            }
            "wait" => {
                check_keys(op, &["type", "exit_code"], &what)?;
                needs_run(running)?;
                running = false;
                Op::Wait {
                    exit_code: int(op.get("exit_code"), &format!("{what}.exit_code"), 0)?,
                }
            }
            "read" => {
                check_keys(op, &["type", "id", "payload"], &what)?;
                // Output stays readable after the `wait` (a run's output is all captured).
                if !operations.iter().any(|o| matches!(o, Op::Run { .. })) {
                    return Err(format!("{what}: `read` must come after a `run`"));
                }
                let stream = match opt_string(op.get("id"), &format!("{what}.id"))?.as_deref() {
                    None | Some("stdout") => Stream::Stdout,
                    Some("stderr") => Stream::Stderr,
                    Some(other) => {
                        return Err(format!(
                            "{what}: unknown stream `{other}` (expected stdout or stderr)"
                        ))
                    }
                };
                Op::Read {
                    stream,
                    payload: opt_string(op.get("payload"), &format!("{what}.payload"))?
                        .unwrap_or_default(),
                    whole: false,
                }
            }
            "connect" => {
                check_keys(op, &["type", "id", "protocol_type"], &what)?;
                needs_run(running)?;
                let id = opt_string(op.get("id"), &format!("{what}.id"))?
                    .unwrap_or_else(|| "server".into());
                if connections.contains(&id) {
                    return Err(format!("{what}: connection id `{id}` is used twice"));
                }
                connections.push(id);
                Op::Unsupported(ty.clone())
            }
            "send" | "recv" => {
                check_keys(op, &["type", "id", "payload"], &what)?;
                needs_run(running)?;
                let id = match op.get("id") {
                    Some(id) => string(id, &format!("{what}.id"))?,
                    None => return Err(format!("{what}: `{ty}` needs an `id`")),
                };
                if !connections.contains(&id) {
                    return Err(format!(
                        "{what}: connection `{id}` was not opened by `connect`"
                    ));
                }
                Op::Unsupported(ty.clone())
            }
            other => return Err(format!("{what}: unknown operation type `{other}`")),
        };
        operations.push(parsed);
    }
    if running {
        return Err("a `run` has no matching `wait`".into());
    }
    Ok(Spec {
        proposals,
        operations,
    })
}

/// Copies the directory tree `from` into `to` (created), files made writable, symbolic
/// links copied as links.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("copying {}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| err(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| err(from, e))? {
        let entry = entry.map_err(|e| err(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type().map_err(|e| err(&src, e))?;
        if ty.is_symlink() {
            let target = std::fs::read_link(&src).map_err(|e| err(&src, e))?;
            std::os::unix::fs::symlink(target, &dst).map_err(|e| err(&dst, e))?;
        } else if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| err(&src, e))?;
            let mut perms = std::fs::metadata(&dst)
                .map_err(|e| err(&dst, e))?
                .permissions();
            use std::os::unix::fs::PermissionsExt;
            perms.set_mode(perms.mode() | 0o200);
            std::fs::set_permissions(&dst, perms).map_err(|e| err(&dst, e))?;
        }
    }
    Ok(())
}

/// Removes every `*.cleanup` file or directory beneath `dir`.
fn remove_cleanup_artifacts(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return problems;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if path.extension().is_some_and(|e| e == "cleanup") {
            let r = if is_dir {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(e) = r {
                problems.push(format!("cannot remove {}: {e}", path.display()));
            }
        } else if is_dir {
            problems.extend(remove_cleanup_artifacts(&path));
        }
    }
    problems
}

/// What one run of a program produced.
struct Outcome {
    exit_code: i64,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Compiles `wasm` into an artifact file in `work` and loads it from there.
fn load(engine: &Engine, wasm: &Path, work: &Path) -> Result<Module, String> {
    let bytes = std::fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let artifact =
        compile(&bytes, &CompileOptions::default()).map_err(|e| format!("compile: {e}"))?;
    let file = work.join("program.cwasm");
    std::fs::write(&file, artifact).map_err(|e| format!("cannot write the artifact: {e}"))?;
    Module::from_file(engine, &file).map_err(|e| format!("load: {e}"))
}

/// Runs `module`'s `_start` once with the given arguments, environment and root.
fn run_program(
    engine: &Engine,
    module: &Module,
    wasm: &Path,
    work: &Path,
    args: &[String],
    env: &[(String, String)],
    root: Option<&str>,
) -> Result<Outcome, String> {
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut builder = WasiCtxBuilder::new();
    let program = wasm
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    builder.arg(program);
    for a in args {
        builder.arg(a);
    }
    for (k, v) in env {
        builder.env(k, v);
    }
    builder
        .stdout_capture(stdout.clone())
        .stderr_capture(stderr.clone());
    if let Some(root) = root {
        let src = wasm.parent().unwrap_or(Path::new(".")).join(root);
        let copy = work.join("root");
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&src, &copy)?;
        builder
            .preopened_dir(&copy, "/")
            .map_err(|e| format!("cannot preopen {}: {e}", copy.display()))?;
    }
    let mut store = Store::new(engine, builder.build());
    let mut linker: Linker<WasiCtx> = Linker::new(engine);
    wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| format!("linker: {e}"))?;
    let captured =
        |buf: &Arc<Mutex<Vec<u8>>>| buf.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let result = match linker.instantiate(&mut store, module) {
        Ok(instance) => match instance.get_func(&mut store, "_start") {
            Some(start) => start.call(&mut store, &[], &mut []),
            None => return Err("the program has no `_start` export".into()),
        },
        Err(e) => Err(e),
    };
    // `proc_exit` fails the call with an `I32Exit` payload.
    let exit_code = match &result {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<wasi::I32Exit>() {
            Some(exit) => i64::from(exit.0),
            None => {
                return Err(format!(
                    "{e}\n    stderr: {:?}",
                    String::from_utf8_lossy(&captured(&stderr))
                ))
            }
        },
    };
    Ok(Outcome {
        exit_code,
        stdout: captured(&stdout),
        stderr: captured(&stderr),
    })
}

/// Runs one case: `Ok` if it passed, else what went wrong.
fn run_case(engine: &Engine, wasm: &Path) -> Result<(), String> {
    let json_path = wasm.with_extension("json");
    let json = match std::fs::read_to_string(&json_path) {
        Ok(text) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| format!("{}: {e}", json_path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", json_path.display())),
    };
    let spec = parse_spec(json.as_ref()).map_err(|e| format!("{}: {e}", json_path.display()))?;
    if !spec.proposals.is_empty() {
        return Err(format!(
            "needs WASI proposals that are not provided: {}",
            spec.proposals.join(", ")
        ));
    }
    let work = TempDir::new("wasi");
    let module = load(engine, wasm, work.path())?;
    let mut last: Option<Outcome> = None;
    // How much of each stream the `read`s have consumed.
    let mut consumed = [0usize; 2];
    let mut failures = Vec::new();
    for op in &spec.operations {
        match op {
            Op::Run { args, env, root } => {
                last = Some(run_program(
                    engine,
                    &module,
                    wasm,
                    work.path(),
                    args,
                    env,
                    root.as_deref(),
                )?);
                consumed = [0, 0];
            }
            Op::Wait { exit_code } => {
                let got = last.as_ref().map_or(0, |o| o.exit_code);
                if got != *exit_code {
                    failures.push(format!("exit code {got}, expected {exit_code}"));
                }
            }
            Op::Read {
                stream,
                payload,
                whole,
            } => {
                let Some(outcome) = &last else { continue };
                let (data, at) = match stream {
                    Stream::Stdout => (&outcome.stdout, &mut consumed[0]),
                    Stream::Stderr => (&outcome.stderr, &mut consumed[1]),
                };
                let rest = &data[(*at).min(data.len())..];
                let got = if *whole {
                    rest
                } else {
                    &rest[..payload.len().min(rest.len())]
                };
                *at += got.len();
                if got != payload.as_bytes() {
                    failures.push(format!(
                        "{}: {:?}, expected {:?}",
                        stream.name(),
                        String::from_utf8_lossy(got),
                        payload
                    ));
                }
            }
            Op::Unsupported(what) => {
                failures.push(format!("operation `{what}` needs sockets (not provided)"));
            }
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    if let Some(outcome) = &last {
        if !outcome.stderr.is_empty() && !failures.iter().any(|f| f.starts_with("stderr")) {
            failures.push(format!(
                "stderr: {:?}",
                String::from_utf8_lossy(&outcome.stderr)
            ));
        }
    }
    Err(failures.join("\n    "))
}

/// A case's result and how long it took.
type CaseResult = (Result<(), String>, Duration);

/// All cases as (`suite/name`, path), in a stable order.
fn cases(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut cases = Vec::new();
    for suite in SUITES {
        let dir = root.join("tests").join(suite).join(SUITE_DIR);
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".wasm"))
            .collect();
        names.sort();
        for name in names {
            let stem = name.trim_end_matches(".wasm");
            cases.push((format!("{suite}/{stem}"), dir.join(&name)));
        }
    }
    Ok(cases)
}

/// `None` if the suite is absent and that is acceptable (not in CI).
fn testsuite_or_skip() -> Option<PathBuf> {
    let dir = wasi_testsuite_dir();
    if dir.join("tests").join("c").join(SUITE_DIR).is_dir() {
        return Some(dir);
    }
    let message = format!(
        "WASI testsuite not found at {} (expected tests/c/{SUITE_DIR} in it); \
         set WASMAOT_WASI_TESTSUITE",
        dir.display()
    );
    if in_ci() {
        panic!("{message}");
    }
    // Uncaptured, so that it shows although the test passes.
    let _ = writeln!(std::io::stderr(), "{message} (skipping)");
    None
}

#[test]
fn wasi_testsuite() {
    let Some(root) = testsuite_or_skip() else {
        return;
    };
    for suite in SUITES {
        for problem in remove_cleanup_artifacts(&root.join("tests").join(suite).join(SUITE_DIR)) {
            eprintln!("warning: {problem}");
        }
    }
    let mut all = cases(&root).unwrap_or_else(|e| panic!("{e}"));
    let filter = std::env::var("WASMAOT_WASI_FILTER").unwrap_or_default();
    if filter.is_empty() {
        assert!(
            all.len() >= EXPECTED_CASES,
            "expected at least {EXPECTED_CASES} test programs in {}, found {}",
            root.display(),
            all.len()
        );
    } else {
        all.retain(|(name, _)| name.contains(&filter));
    }

    let engine = Engine::default();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; all.len()]);
    let running: Mutex<Vec<(usize, Instant)>> = Mutex::new(Vec::new());
    let workers_left = AtomicUsize::new(JOBS);
    std::thread::scope(|scope| {
        for _ in 0..JOBS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, wasm)) = all.get(i) else { break };
                    let start = Instant::now();
                    running.lock().unwrap().push((i, start));
                    let result = run_case(&engine, wasm);
                    running.lock().unwrap().retain(|(j, _)| *j != i);
                    results.lock().unwrap()[i] = Some((result, start.elapsed()));
                }
                workers_left.fetch_sub(1, Ordering::Relaxed);
            });
        }
        // Watchdog: compiled code looping forever cannot be interrupted.
        scope.spawn(|| {
            while workers_left.load(Ordering::Relaxed) > 0 {
                std::thread::sleep(Duration::from_millis(200));
                if let Some((i, _)) = running
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(_, start)| start.elapsed() > CASE_TIMEOUT)
                {
                    eprintln!(
                        "wasi testsuite: {} has run for more than {CASE_TIMEOUT:?}: it hangs; stopping",
                        all[*i].0
                    );
                    std::process::exit(1);
                }
            }
        });
    });

    let results = results.into_inner().unwrap();
    let mut table = format!("{:<48} {:>6} {:>8}\n", "program", "result", "time");
    let mut failures = String::new();
    let (mut passed, mut failed) = (0, 0);
    for ((name, _), result) in all.iter().zip(results) {
        let (result, time) = result.expect("every case was run");
        let mark = match &result {
            Ok(()) => {
                passed += 1;
                "pass"
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(failures, "FAIL {name}:\n    {e}");
                "FAIL"
            }
        };
        let _ = writeln!(table, "{name:<48} {mark:>6} {:>6}ms", time.as_millis());
    }
    let total = format!("{passed} passed, {failed} failed");
    println!("{table}wasi testsuite: {total}");
    // The harness captures `println!`; failures and the total go to the real stderr so
    // that they show in CI logs of a passing run too.
    let _ = std::io::stderr().write_all(format!("{failures}wasi testsuite: {total}\n").as_bytes());
    assert_eq!(failed, 0, "WASI testsuite failures:\n{failures}");
}

#[test]
fn specifications_are_parsed_with_defaults() {
    let parse = |text: &str| parse_spec(Some(&serde_json::from_str(text).unwrap()));
    let defaults = parse_spec(None).unwrap();
    assert_eq!(defaults, parse("{}").unwrap());
    assert_eq!(
        defaults.operations,
        vec![
            Op::Run {
                args: vec![],
                env: vec![],
                root: None
            },
            Op::Wait { exit_code: 0 },
        ]
    );
    let legacy = parse(
        r#"{"args": ["a", "b"], "env": {"K": "V"}, "root": "fs", "exit_code": 3,
            "stdout": "out", "stderr": "err"}"#,
    )
    .unwrap();
    assert_eq!(
        legacy.operations,
        vec![
            Op::Run {
                args: vec!["a".into(), "b".into()],
                env: vec![("K".into(), "V".into())],
                root: Some("fs".into())
            },
            Op::Wait { exit_code: 3 },
            Op::Read {
                stream: Stream::Stdout,
                payload: "out".into(),
                whole: true
            },
            Op::Read {
                stream: Stream::Stderr,
                payload: "err".into(),
                whole: true
            },
        ]
    );
    // The operation-based form; no operations means run + wait.
    let ops = parse(
        r#"{"operations": [{"type": "run", "args": ["x"]},
                                       {"type": "read", "id": "stderr", "payload": "e"},
                                       {"type": "wait", "exit_code": 1}]}"#,
    )
    .unwrap();
    assert_eq!(ops.operations.len(), 3);
    assert!(matches!(
        &ops.operations[1],
        Op::Read {
            stream: Stream::Stderr,
            whole: false,
            ..
        }
    ));
    assert_eq!(
        parse(r#"{"proposals": []}"#).unwrap().operations,
        vec![
            Op::Run {
                args: vec![],
                env: vec![],
                root: None
            },
            Op::Wait { exit_code: 0 }
        ]
    );
    let sockets = parse(
        r#"{"proposals": ["sockets"], "operations": [{"type": "run"},
            {"type": "connect"}, {"type": "send", "id": "server", "payload": "x"},
            {"type": "wait"}]}"#,
    )
    .unwrap();
    assert_eq!(sockets.proposals, vec!["sockets".to_string()]);
}

#[test]
fn bad_specifications_are_clear_errors() {
    let parse = |text: &str| parse_spec(Some(&serde_json::from_str(text).unwrap())).unwrap_err();
    for (text, expected) in [
        ("[]", "must be an object"),
        (r#"{"args": "x"}"#, "`args` must be a list of strings"),
        (r#"{"args": [1]}"#, "`args` must be a string"),
        (r#"{"env": {"a": 1}}"#, "`env.a` must be a string"),
        (r#"{"exit_code": "0"}"#, "`exit_code` must be an integer"),
        (r#"{"argz": []}"#, "unknown key `argz`"),
        (r#"{"operations": [{"type": "run"}]}"#, "no matching `wait`"),
        (
            r#"{"operations": [{"type": "wait"}]}"#,
            "must come after a `run`",
        ),
        (
            r#"{"operations": [{"type": "read"}]}"#,
            "must come after a `run`",
        ),
        (
            r#"{"operations": [{"type": "run"}, {"type": "run"}, {"type": "wait"}]}"#,
            "before the previous run's `wait`",
        ),
        (
            r#"{"operations": [{"type": "run"}, {"type": "send", "id": "s"}, {"type": "wait"}]}"#,
            "was not opened by `connect`",
        ),
        (
            r#"{"operations": [{"type": "run"}, {"type": "connect"}, {"type": "connect"}, {"type": "wait"}]}"#,
            "used twice",
        ),
        (
            r#"{"operations": [{"type": "fly"}]}"#,
            "unknown operation type `fly`",
        ),
        (r#"{"operations": [{}]}"#, "has no `type`"),
    ] {
        let e = parse(text);
        assert!(e.contains(expected), "{text}: {e}");
    }
}
