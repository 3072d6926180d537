//! `wasmaot run` with Wasmtime's flags (issue 17): `-W` (unknown imports, fuel, timeout,
//! limits, features), `-S` (inherit-env, cli), `--preload`, `--argv0`, `--invoke` in
//! Wasmtime's syntax, `--allow-precompiled`. Outputs and messages are compared exactly.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasmaot_tests::cli::{run, wasmaot_command, Run};
use wasmaot_tests::TempDir;

/// `wasmaot ARGS`, with exactly the environment `env` (no other variables).
fn wasmaot_env(args: &[&dyn AsRef<std::ffi::OsStr>], env: &[(&str, &str)]) -> Run {
    let mut cmd = wasmaot_command(args);
    cmd.env_clear().envs(env.iter().copied());
    run(cmd, b"")
}

fn wasmaot(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    wasmaot_env(args, &[])
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Functions and a memory nothing provides; only `calls_log` and `get` use them.
const MISSING_IMPORTS: &str = r#"(module
  (import "env" "log" (func $log (param i32)))
  (import "host" "get" (func $get (result i32)))
  (func (export "ok") (result i32) (i32.const 7))
  (func (export "show-version: func() -> ()") (result i32) (i32.const 34))
  (func $calls_log (export "calls_log") (call $log (i32.const 1)))
  (func (export "get") (result i32) (call $get)))"#;

#[test]
fn unknown_imports_trap_only_when_called() {
    let dir = TempDir::new("run-flags-unknown");
    let m = write(&dir, "missing.wat", MISSING_IMPORTS);
    let r = wasmaot(&[&"run", &m, &"--invoke", &"ok"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(
            "\n  env::log: Func(FuncType { params: [I32], results: [] })\n  \
             host::get: Func(FuncType { params: [], results: [I32] })\n"
        ),
        "{}",
        r.stderr
    );

    let trap = "unknown-imports-trap=y";
    let r = wasmaot(&[&"run", &"-W", &trap, &m, &"--invoke", &"ok"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "7\n", "")
    );
    // Wasmtime's spelling of a function to invoke, as it prints a component's exports.
    let r = wasmaot(&[&"run", &"-W", &trap, &"--invoke", &"ok: func() -> s32", &m]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "7\n"), "{}", r.stderr);
    // An export whose name is the whole spec (ruby.wasm's are named so) is taken as is.
    let spec = "show-version: func() -> ()";
    let r = wasmaot(&[&"run", &"-W", &trap, &"--invoke", &spec, &m]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "34\n"), "{}", r.stderr);

    let r = wasmaot(&[
        &"run",
        &"-W",
        &trap,
        &"--invoke",
        &"'calls_log': func()",
        &m,
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "wasm trap: unknown import: `env::log` has not been defined\n\
         wasm backtrace:\n  0: missing!calls_log\n"
    );
}

#[test]
fn unknown_imports_default_values() {
    let dir = TempDir::new("run-flags-default");
    let m = write(&dir, "missing.wat", MISSING_IMPORTS);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"unknown-imports-default",
        &m,
        &"--invoke",
        &"get",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "0\n"), "{}", r.stderr);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"unknown-imports-default",
        &m,
        &"--invoke",
        &"calls_log",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);

    // A memory and a global: only default values stand in for them, not traps.
    let other = write(
        &dir,
        "other.wat",
        r#"(module (import "env" "m" (memory 1)) (import "env" "g" (global i64))
             (func (export "size") (result i32) (memory.size))
             (func (export "g") (result i64) (global.get 0)))"#,
    );
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"unknown-imports-trap",
        &other,
        &"--invoke",
        &"size",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("\n  env::m: Memory("), "{}", r.stderr);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"unknown-imports-default",
        &other,
        &"--invoke",
        &"size",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n"), "{}", r.stderr);
}

const LOOPS: &str = r#"(module
  (func $spin (export "spin") (loop $l (br $l)))
  (func (export "count") (param i32) (result i32)
    (loop $l
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get 0)))"#;

#[test]
fn fuel_runs_out() {
    let dir = TempDir::new("run-flags-fuel");
    let m = write(&dir, "loops.wat", LOOPS);
    let r = wasmaot(&[&"run", &"-W", &"fuel=1000", &m, &"--invoke", &"spin"]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        "wasm trap: all fuel consumed by WebAssembly\nwasm backtrace:\n  0: loops!spin\n"
    );
    // Enough fuel: the loop ends normally; 1000 is not enough for 1000 iterations.
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"fuel=100000",
        &m,
        &"--invoke",
        &"count",
        &"1000",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "0\n"), "{}", r.stderr);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"fuel=1000",
        &m,
        &"--invoke",
        &"count",
        &"1000",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);

    // An artifact compiled without fuel metering cannot count fuel.
    let artifact = dir.join("loops.cwasm");
    let c = wasmaot(&[&"compile", &m, &"-o", &artifact]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let r = wasmaot(&[&"run", &"-W", &"fuel=1000", &artifact, &"--invoke", &"spin"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("artifact compiled with consume_fuel=false, engine has consume_fuel=true"),
        "{}",
        r.stderr
    );
}

#[test]
fn timeout_interrupts_an_infinite_loop() {
    let dir = TempDir::new("run-flags-timeout");
    let m = write(&dir, "loops.wat", LOOPS);
    let start = Instant::now();
    let r = wasmaot(&[&"run", &"-W", &"timeout=100ms", &m, &"--invoke", &"spin"]);
    let took = start.elapsed();
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        "wasm trap: interrupt\nwasm backtrace:\n  0: loops!spin\n"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // A call that ends in time is not affected; a bare number is seconds.
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"timeout=30",
        &m,
        &"--invoke",
        &"count",
        &"5",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "0\n"), "{}", r.stderr);
    let r = wasmaot(&[&"run", &"-W", &"timeout=soon", &m, &"--invoke", &"spin"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: -W timeout: `soon` is not a duration (2, 2s, 100ms): "),
        "{}",
        r.stderr
    );
}

#[test]
fn preload_links_another_module() {
    let dir = TempDir::new("run-flags-preload");
    let lib = write(
        &dir,
        "lib.wat",
        r#"(module (func (export "double") (param i32) (result i32)
             (i32.mul (local.get 0) (i32.const 2))))"#,
    );
    let user = write(
        &dir,
        "user.wat",
        r#"(module (import "math" "double" (func $d (param i32) (result i32)))
             (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0)))))"#,
    );
    let spec = format!("math={}", lib.display());
    let r = wasmaot(&[
        &"run",
        &"--preload",
        &spec,
        &user,
        &"--invoke",
        &"quad",
        &"5",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "20\n"), "{}", r.stderr);
    // A precompiled preload works the same.
    let artifact = dir.join("lib.cwasm");
    assert_eq!(wasmaot(&[&"compile", &lib, &"-o", &artifact]).code, 0);
    let spec = format!("math={}", artifact.display());
    let r = wasmaot(&[
        &"run",
        &"--preload",
        &spec,
        &user,
        &"--invoke",
        &"quad",
        &"3",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "12\n"), "{}", r.stderr);

    let r = wasmaot(&[
        &"run",
        &"--preload",
        &"math",
        &user,
        &"--invoke",
        &"quad",
        &"5",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: --preload `math`: expected NAME=MODULE (the import module name, then the file)\n"
    );
    // Only one instance allowed: the preload takes it.
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"max-instances=1",
        &"--preload",
        &spec,
        &user,
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "error: {}: resource limit exceeded: instance count too high at 2\n",
            user.display()
        )
    );
}

/// Writes its arguments, then its environment (each string NUL-terminated) and exits
/// with the number of environment variables.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16))))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (call $write (i32.const 4096) (i32.load (i32.const 4)))
    (drop (call $env_sizes (i32.const 0) (i32.const 4)))
    (drop (call $env_get (i32.const 1024) (i32.const 4096)))
    (call $write (i32.const 4096) (i32.load (i32.const 4)))
    (call $proc_exit (i32.load (i32.const 0)))))"#;

#[test]
fn argv0_and_inherit_env() {
    let dir = TempDir::new("run-flags-wasi");
    let echo = write(&dir, "echo.wat", ECHO);
    let r = wasmaot(&[&"run", &"--argv0", &"prog", &echo, &"a", &"--argv0"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "prog\0a\0--argv0\0"),
        "{}",
        r.stderr
    );

    let host = [("HOST_A", "1"), ("HOST_B", "two")];
    let r = wasmaot_env(&[&"run", &"--argv0", &"p", &echo], &host);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "p\0"),
        "no environment unless asked"
    );
    let r = wasmaot_env(
        &[&"run", &"-S", &"inherit-env", &"--argv0", &"p", &echo],
        &host,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "p\0HOST_A=1\0HOST_B=two\0")
    );
    // --env adds to the inherited variables and replaces one of the same name.
    let r = wasmaot_env(
        &[
            &"run",
            &"-S",
            &"inherit-env=y",
            &"--env",
            &"HOST_B=3",
            &"--env",
            &"C=4",
            &"--argv0",
            &"p",
            &echo,
        ],
        &host,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (3, "p\0HOST_A=1\0HOST_B=3\0C=4\0")
    );

    // WASI options without WASI are pointless, and it says so.
    let add = wasmaot_tests::workspace_root().join("examples/add.wat");
    let r = wasmaot(&[
        &"run",
        &"-S",
        &"cli=n",
        &"--argv0",
        &"p",
        &add,
        &"--invoke",
        &"add",
        &"1",
        &"2",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"));
    assert_eq!(
        r.stderr,
        format!(
            "warning: {}: WASI is off (-S cli=n); --dir, --env and --argv0 have no effect\n",
            add.display()
        )
    );
    // -S cli=n: no WASI at all.
    let r = wasmaot(&[&"run", &"-S", &"cli=n", &echo]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("\n  wasi_snapshot_preview1::args_sizes_get: Func("),
        "{}",
        r.stderr
    );
}

#[test]
fn memory_and_table_limits() {
    let dir = TempDir::new("run-flags-limits");
    let m = write(
        &dir,
        "grow.wat",
        r#"(module (memory 2) (table 1 funcref)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
             (func (export "grow_table") (param i32) (result i32)
               (table.grow (ref.null func) (local.get 0))))"#,
    );
    let limit = "max-memory-size=196608"; // 3 pages
    let r = wasmaot(&[&"run", &"-W", &limit, &m, &"--invoke", &"grow", &"1"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "2\n"), "{}", r.stderr);
    let r = wasmaot(&[&"run", &"-W", &limit, &m, &"--invoke", &"grow", &"2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "-1\n"), "{}", r.stderr);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"max-memory-size=65536",
        &m,
        &"--invoke",
        &"grow",
        &"0",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "error: {}: memory minimum size of 2 pages exceeds memory limits\n",
            m.display()
        )
    );
    let tables = "max-table-elements=3";
    let r = wasmaot(&[&"run", &"-W", &tables, &m, &"--invoke", &"grow_table", &"2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n"), "{}", r.stderr);
    let r = wasmaot(&[&"run", &"-W", &tables, &m, &"--invoke", &"grow_table", &"3"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "-1\n"), "{}", r.stderr);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"max-memories=0",
        &m,
        &"--invoke",
        &"grow",
        &"0",
    ]);
    assert_eq!(
        (r.code, r.stderr),
        (
            1,
            format!(
                "error: {}: resource limit exceeded: memory count too high at 1\n",
                m.display()
            )
        )
    );
}

#[test]
fn features_and_option_errors() {
    let dir = TempDir::new("run-flags-features");
    let simd = write(
        &dir,
        "simd.wat",
        r#"(module (func (export "f") (result i32)
             (i32x4.extract_lane 0 (i32x4.splat (i32.const 5)))))"#,
    );
    let r = wasmaot(&[&"run", &"-W", &"simd=y", &simd, &"--invoke", &"f"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "5\n"), "{}", r.stderr);
    let r = wasmaot(&[&"run", &"-W", &"simd=n", &simd, &"--invoke", &"f"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("SIMD support is not enabled"),
        "{}",
        r.stderr
    );

    // Precompiled: the features were chosen at compile time; --allow-precompiled is
    // accepted and changes nothing.
    let artifact = dir.join("simd.cwasm");
    assert_eq!(wasmaot(&[&"compile", &simd, &"-o", &artifact]).code, 0);
    let r = wasmaot(&[
        &"run",
        &"--allow-precompiled",
        &"-W",
        &"simd=n",
        &artifact,
        &"--invoke",
        &"f",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "5\n"));
    assert_eq!(
        r.stderr,
        format!(
            "warning: {}: -W simd has no effect on a precompiled module (its features were \
             chosen when it was compiled)\n",
            artifact.display()
        )
    );

    for (args, message) in [
        (
            ["-W", "wide-arithmetic=y"],
            "error: -W wide-arithmetic: this WebAssembly proposal is not supported by wasmaot\n",
        ),
        (["-W", "fuel"], "error: -W fuel: expects a value: fuel=N\n"),
        (
            ["-W", "trap-on-grow-failure"],
            "error: -W trap-on-grow-failure: not supported by wasmaot: failed growth returns \
             -1, as the spec says\n",
        ),
        (
            ["-S", "tcplisten=127.0.0.1:80"],
            "error: -S tcplisten: not supported by wasmaot: sockets cannot be handed to the \
             guest\n",
        ),
        (
            ["-S", "frob"],
            "error: -S frob: unknown option; `-S help` lists them (cli (alias common), \
             inherit-env, preview2, threads, max-threads=N)\n",
        ),
    ] {
        let r = wasmaot(&[&"run", &args[0], &args[1], &simd, &"--invoke", &"f"]);
        assert_eq!((r.code, r.stderr.as_str()), (1, message));
    }
    // Turning off what wasmaot lacks anyway is fine.
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"wide-arithmetic=n,threads=n",
        &"-S",
        &"http=n",
        &simd,
        &"--invoke",
        &"f",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "5\n"), "{}", r.stderr);
    let r = wasmaot(&[&"run", &"-W", &"help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("-W KEY[=VAL[,..]] (repeatable): fuel=N, "),
        "{}",
        r.stdout
    );
}

/// `-W threads` (on by default): a shared memory, atomics, a wait that times out and one
/// that finds another value, a notify nobody waits for, and a wait on an unshared memory
/// that traps; `-W threads=n` refuses the shared memory.
#[test]
fn threads_shared_memory_atomics_and_wait() {
    let dir = TempDir::new("run-flags-threads");
    let m = write(
        &dir,
        "atomics.wat",
        r#"(module
             (memory 1 1 shared)
             (func (export "counter") (result i64)
               (drop (i64.atomic.rmw.add (i32.const 8) (i64.const 40)))
               (drop (i64.atomic.rmw.add (i32.const 8) (i64.const 2)))
               (i64.atomic.load (i32.const 8)))
             (func (export "cmpxchg") (result i32)
               (i32.atomic.store (i32.const 0) (i32.const 5))
               (drop (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 5) (i32.const 9)))
               (i32.atomic.rmw8.cmpxchg_u (i32.const 0) (i32.const 5) (i32.const 1)))
             (func (export "timed_out") (result i32)
               (memory.atomic.wait32 (i32.const 16) (i32.const 0) (i64.const 1000000)))
             (func (export "not_equal") (result i32)
               (i32.store (i32.const 16) (i32.const 3))
               (memory.atomic.wait64 (i32.const 16) (i64.const 0) (i64.const -1)))
             (func (export "notify") (result i32)
               (memory.atomic.notify (i32.const 16) (i32.const 10)))
             (func (export "misaligned") (result i32)
               (i32.atomic.load (i32.const 2))))"#,
    );
    for (func, out) in [
        ("counter", "42\n"),
        ("cmpxchg", "9\n"),
        ("timed_out", "2\n"),
        ("not_equal", "1\n"),
        ("notify", "0\n"),
    ] {
        let r = wasmaot(&[&"run", &m, &"--invoke", &func]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, out),
            "{func}: {}",
            r.stderr
        );
    }
    let r = wasmaot(&[&"run", &m, &"--invoke", &"misaligned"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("unaligned atomic"), "{}", r.stderr);

    let unshared = write(
        &dir,
        "unshared.wat",
        r#"(module (memory 1)
             (func (export "wait") (result i32)
               (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0))))"#,
    );
    let r = wasmaot(&[&"run", &unshared, &"--invoke", &"wait"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("atomic wait on non-shared memory"),
        "{}",
        r.stderr
    );

    let r = wasmaot(&[&"run", &"-W", &"threads=n", &m, &"--invoke", &"counter"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("threads must be enabled"), "{}", r.stderr);
}

/// A wasi-threads program: `_start` spawns `threads` threads through `wasi::thread-spawn`
/// with start arguments 0, 1, ..., each runs `work` (`$arg` is its start argument), and
/// `_start` waits until all are done, then prints "threads done" and checks that the
/// counter at 0 is 100000 per thread. If spawns returned no id, it exits with 10 + their
/// number at once.
fn wasi_threads_program(threads: u32, work: &str) -> String {
    format!(
        r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  ;; 0: a counter the threads add to; 4: threads done; 8: spawns refused;
  ;; 16: the iovec; 32: the text.
  (data $text "threads done\n")
  (func $wasi_thread_start (export "wasi_thread_start") (param $tid i32) (param $arg i32) (local $n i32)
    {work}
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1))))
  (func (export "_start") (local $i i32) (local $done i32)
    (loop $spawn
      (if (i32.lt_s (call $spawn (local.get $i)) (i32.const 1))
        (then (drop (i32.atomic.rmw.add (i32.const 8) (i32.const 1)))))
      (br_if $spawn (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (i32.const {threads}))))
    (if (i32.atomic.load (i32.const 8))
      (then (call $proc_exit (i32.add (i32.const 10) (i32.atomic.load (i32.const 8))))))
    (block $all
      (loop $wait
        (local.set $done (i32.atomic.load (i32.const 4)))
        (br_if $all (i32.ge_u (local.get $done) (i32.const {threads})))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $done) (i64.const -1)))
        (br $wait)))
    (memory.init $text (i32.const 32) (i32.const 0) (i32.const 13))
    (i32.store (i32.const 16) (i32.const 32))
    (i32.store (i32.const 20) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (if (i32.ne (i32.atomic.load (i32.const 0)) (i32.const {total}))
      (then (call $proc_exit (i32.const 1))))))"#,
        total = threads * 100_000
    )
}

/// Work that never ends (a wait nobody notifies).
const FOREVER: &str = "(drop (memory.atomic.wait32 (i32.const 12) (i32.const 0) (i64.const -1)))";

/// wasi-threads under `wasmaot run`: spawned threads share the memory and WASI, and all
/// finish; a thread's `proc_exit` or trap ends the whole program with its status; the
/// thread limit (`-S max-threads`) makes a spawn return a negative value; `-S threads=n`
/// leaves `thread-spawn` unknown.
#[test]
fn wasi_threads_spawn_share_memory_and_end_the_program() {
    let dir = TempDir::new("run-flags-wasi-threads");
    let adds = r#"(loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (br_if $l (i32.lt_u (local.tee $n (i32.add (local.get $n) (i32.const 1)))
                          (i32.const 100000))))"#;
    let sums = write(&dir, "sums.wat", &wasi_threads_program(4, adds));
    let r = wasmaot(&[&"run", &sums]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "threads done\n"),
        "{}",
        r.stderr
    );
    let r = wasmaot(&[&"run", &"-S", &"threads", &sums]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // One thread exits with 7 while the others wait for ever.
    let exits = format!(
        "(if (i32.eq (local.get $arg) (i32.const 2)) (then (call $proc_exit (i32.const 7)))) {FOREVER}"
    );
    let exits = write(&dir, "exits.wat", &wasi_threads_program(3, &exits));
    let r = wasmaot(&[&"run", &exits]);
    assert_eq!((r.code, r.stdout.as_str()), (7, ""), "{}", r.stderr);

    let traps =
        format!("(if (i32.eq (local.get $arg) (i32.const 1)) (then unreachable)) {FOREVER}");
    let traps = write(&dir, "traps.wat", &wasi_threads_program(3, &traps));
    let r = wasmaot(&[&"run", &traps]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("wasm `unreachable` instruction executed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("wasi_thread_start"), "{}", r.stderr);

    // Threads that never finish: with a limit of 2, the third spawn fails.
    let blocks = write(&dir, "blocks.wat", &wasi_threads_program(3, FOREVER));
    let r = wasmaot(&[&"run", &"-S", &"max-threads=2", &blocks]);
    assert_eq!(r.code, 11, "one spawn refused: {}", r.stderr);

    let r = wasmaot(&[&"run", &"-S", &"threads=n", &sums]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("wasi::thread-spawn"), "{}", r.stderr);
}

/// A spawned thread that sleeps in `poll_oneoff` does not hold the WASI context: `_start`
/// writes and exits meanwhile instead of waiting for the sleep to end.
#[test]
fn wasi_threads_a_sleeping_thread_does_not_block_the_others() {
    let dir = TempDir::new("run-flags-wasi-threads-sleep");
    let program = write(
        &dir,
        "sleep.wat",
        r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  ;; 0: the sleeper is about to sleep; 64: a clock subscription of 30 s; 128: its event;
  ;; 192: nevents; 16: the iovec; 32: the text.
  (data $text "awake\n")
  (func (export "wasi_thread_start") (param i32 i32)
    (i64.store (i32.const 64) (i64.const 1))                ;; userdata
    (i32.store8 (i32.const 72) (i32.const 0))               ;; clock
    (i32.store (i32.const 80) (i32.const 1))                ;; monotonic
    (i64.store (i32.const 88) (i64.const 30000000000))      ;; 30 s
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 192))))
  (func (export "_start")
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 2))))
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
    ;; Give the sleeper time to enter poll_oneoff (a wait that takes no WASI context).
    (drop (memory.atomic.wait32 (i32.const 4) (i32.const 0) (i64.const 200000000)))
    (memory.init $text (i32.const 32) (i32.const 0) (i32.const 6))
    (i32.store (i32.const 16) (i32.const 32))
    (i32.store (i32.const 20) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $proc_exit (i32.const 0))))"#,
    );
    let start = Instant::now();
    let r = wasmaot(&[&"run", &program]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "awake\n"), "{}", r.stderr);
    // Blocked behind the sleeper it would take 30 s.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}
