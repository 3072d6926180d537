//! WASI through the command-line tool: `wasmaot run` with `--dir`, `--env` and program
//! arguments, exit statuses, the examples in `examples/wasi/`, and a 10 MB stream read
//! through `fd_read`.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use wasmaot_tests::cli::{run, wasmaot, wasmaot_command, Run};
use wasmaot_tests::{wasmaot_bin, workspace_root, TempDir};

/// Runs `wasmaot ARGS` with `stdin` as its standard input.
fn wasmaot_with_stdin(args: &[&dyn AsRef<std::ffi::OsStr>], stdin: &[u8]) -> Run {
    run(wasmaot_command(args), stdin)
}

fn example(name: &str) -> PathBuf {
    workspace_root().join("examples/wasi").join(name)
}

/// A WASI program that writes its arguments and then its environment to stdout (each
/// string NUL-terminated) and exits with the number of environment variables.
const ECHO_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: count, 4: size, 8: iovec, 16: nwritten, 1024: pointers, 4096: strings
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
    (call $proc_exit (i32.load (i32.const 0))))
  (func (export "exit_with") (param i32) (call $proc_exit (local.get 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "trap") unreachable))"#;

fn echo_program(dir: &TempDir) -> PathBuf {
    let path = dir.join("echo.wat");
    std::fs::write(&path, ECHO_WAT).unwrap();
    path
}

#[test]
fn arguments_environment_and_exit_status() {
    let dir = TempDir::new("wasi-cli-echo");
    let echo = echo_program(&dir);
    // The program name, then the arguments; `--` ends wasmaot's options, and anything
    // after the program belongs to the program.
    let r = wasmaot(&[
        &"run", &"--env", &"A=1", &"--env", &"EMPTY=", &echo, &"x", &"--dir", &"-y",
    ]);
    let name = echo.display().to_string();
    assert_eq!(r.code, 2, "the exit status is the env count: {}", r.stderr);
    assert_eq!(r.stdout, format!("{name}\0x\0--dir\0-y\0A=1\0EMPTY=\0"));
    let r = wasmaot(&[&"run", &echo, &"--", &"--env", &"B=2"]);
    assert_eq!(r.code, 0, "no environment unless given: {}", r.stderr);
    assert_eq!(r.stdout, format!("{name}\0--env\0B=2\0"));

    // `--env K` passes the host's K (the test's PATH); an unset one is left out.
    let r = wasmaot(&[
        &"run",
        &"--env",
        &"PATH",
        &"--env",
        &"WASMAOT_SURELY_UNSET_VARIABLE",
        &echo,
    ]);
    let path = std::env::var("PATH").unwrap_or_default();
    assert_eq!(r.stdout, format!("{name}\0PATH={path}\0"), "{}", r.stderr);

    // An ahead-of-time artifact runs the same way.
    let artifact = dir.join("echo.cwasm");
    let c = wasmaot(&[&"compile", &echo, &"-o", &artifact]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let r = wasmaot(&[&"run", &"--env", &"K=V", &artifact, &"a b"]);
    assert_eq!(
        (r.code, r.stdout.clone()),
        (1, format!("{}\0a b\0K=V\0", artifact.display()))
    );

    // proc_exit's code is the exit status (its low 8 bits, as the OS keeps them);
    // --invoke still parses the arguments as the export's parameters.
    for (code, expected) in [("0", 0), ("7", 7), ("300", 44)] {
        let r = wasmaot(&[&"run", &artifact, &"--invoke", &"exit_with", &code]);
        assert_eq!((r.code, r.stdout.as_str()), (expected, ""), "{}", r.stderr);
        assert!(!r.stderr.contains("trap"), "{}", r.stderr);
    }
    let r = wasmaot(&[&"run", &artifact, &"--invoke", &"add", &"40", &"2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "42\n"), "{}", r.stderr);

    // A trap is not an exit: status 3, the trap and a backtrace on stderr.
    let r = wasmaot(&[&"run", &artifact, &"--invoke", &"trap"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("wasm trap: wasm `unreachable` instruction executed\n")
            && r.stderr.contains("  0: "),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_wasi_options_are_clear_errors() {
    let dir = TempDir::new("wasi-cli-errors");
    let echo = echo_program(&dir);
    let missing = dir.join("missing");
    let r = wasmaot(&[&"run", &"--dir", &missing, &echo]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: --dir ") && r.stderr.contains("cannot open"),
        "{}",
        r.stderr
    );
    for bad in ["::/x", "x::"] {
        let r = wasmaot(&[&"run", &"--dir", &bad, &echo]);
        assert_eq!(r.code, 1, "--dir {bad}");
        assert!(r.stderr.contains("HOST::GUEST"), "{}", r.stderr);
    }
    let r = wasmaot(&[&"run", &"--env", &"=v", &echo]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("expected K=V"), "{}", r.stderr);

    // A module that does not use WASI: the options have no effect, and it says so.
    let add = workspace_root().join("examples/add.wat");
    let r = wasmaot(&[
        &"run",
        &"--dir",
        &dir.path(),
        &add,
        &"--invoke",
        &"add",
        &"1",
        &"2",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{}", r.stderr);
    assert!(r.stderr.contains("warning:"), "{}", r.stderr);

    // Imports from anything but WASI cannot be provided.
    let mixed = dir.join("mixed.wat");
    std::fs::write(
        &mixed,
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                   (import "env" "f" (func)))"#,
    )
    .unwrap();
    let r = wasmaot(&[&"run", &mixed]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("env::f") && !r.stderr.contains("proc_exit"),
        "{}",
        r.stderr
    );
    // A WASI import with the wrong type is a link error, not a crash.
    let wrong = dir.join("wrong.wat");
    std::fs::write(
        &wrong,
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
                   (func (export "_start")))"#,
    )
    .unwrap();
    let r = wasmaot(&[&"run", &wrong]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("proc_exit"), "{}", r.stderr);
}

/// The `examples/wasi/cat_upper` example: a C program reading a file from a preopened
/// directory, to stdout or to a file in it.
#[test]
fn cat_upper_example() {
    let dir = TempDir::new("wasi-cli-cat");
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("in.txt"), "hello, wasi\nsecond line\n").unwrap();
    let preopen = format!("{}::/data", data.display());
    let wasm = example("cat_upper.wasm");

    let r = wasmaot(&[&"run", &"--dir", &preopen, &wasm, &"/data/in.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "HELLO, WASI\nSECOND LINE\n");
    assert_eq!(r.stderr, "cat_upper: 24 bytes, 2 lines\n");

    // Compiled ahead of time; writing a file in the preopened directory.
    let artifact = dir.join("cat_upper.cwasm");
    let c = wasmaot(&[&"compile", &wasm, &"-o", &artifact]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let r = wasmaot(&[
        &"run",
        &"--dir",
        &preopen,
        &artifact,
        &"/data/in.txt",
        &"/data/out.txt",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(data.join("out.txt")).unwrap(),
        "HELLO, WASI\nSECOND LINE\n"
    );

    // Its own errors: a missing file (exit 1), a usage error (exit 2).
    let r = wasmaot(&[&"run", &"--dir", &preopen, &artifact, &"/data/nope"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cannot open /data/nope: No such file"),
        "{}",
        r.stderr
    );
    let r = wasmaot(&[&"run", &artifact]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("usage: "), "{}", r.stderr);
}

/// Nothing outside the `--dir` directories is reachable, whatever path the program asks
/// for. (The loader's unit tests cover each path operation; this checks the CLI wiring.)
#[test]
fn no_escape_from_the_preopened_directories() {
    let dir = TempDir::new("wasi-cli-escape");
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(dir.join("secret"), "the secret").unwrap();
    let inside = data.join("in.txt");
    std::fs::write(&inside, "x").unwrap();
    std::os::unix::fs::symlink(dir.join("secret"), data.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("../secret", data.join("rel-link")).unwrap();
    let preopen = format!("{}::/data", data.display());
    let wasm = example("cat_upper.wasm");
    let secret = dir.join("secret").display().to_string();
    for path in [
        "/data/../secret",
        "/data/./../../secret",
        "/data/abs-link",
        "/data/rel-link",
        secret.as_str(),
        "/etc/passwd",
        "secret",
    ] {
        let r = wasmaot(&[&"run", &"--dir", &preopen, &wasm, &path]);
        assert_eq!(r.code, 1, "{path}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{path} leaked: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!("cannot open {path}: ")),
            "{path}: {}",
            r.stderr
        );
    }
    // Nor write outside.
    for out in ["/data/../evil", "/data/abs-link"] {
        let r = wasmaot(&[&"run", &"--dir", &preopen, &wasm, &"/data/in.txt", &out]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("cannot create {out}: ")),
            "{}",
            r.stderr
        );
    }
    assert!(!dir.join("evil").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("secret")).unwrap(),
        "the secret"
    );
    // Without --dir there is no file system at all.
    let r = wasmaot(&[&"run", &wasm, &inside]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

/// A deterministic byte stream (xorshift64*).
fn stream(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `count_bytes`'s checksum: over little-endian u64 words (the last zero-padded),
/// a = sum of the words, b = sum of the running a, both modulo 2^64.
fn checksum(data: &[u8]) -> (u64, u64) {
    let (mut a, mut b) = (0u64, 0u64);
    for chunk in data.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        a = a.wrapping_add(u64::from_le_bytes(word));
        b = b.wrapping_add(a);
    }
    (a, b)
}

/// The `examples/wasi/count_bytes` example reads a 10 MB stream (and an odd-sized
/// one) through `fd_read` and loses no byte. (The 100 MB throughput measurement is in
/// docs/PERFORMANCE.md.)
#[test]
fn stdin_stream_arrives_whole() {
    let dir = TempDir::new("wasi-cli-stream");
    let artifact = dir.join("count_bytes.cwasm");
    let c = wasmaot(&[&"compile", &example("count_bytes.wasm"), &"-o", &artifact]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    for len in [0, 13, 10_000_000 + 5] {
        let data = stream(len);
        let (a, b) = checksum(&data);
        let r = wasmaot_with_stdin(&[&"run", &artifact], &data);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.stdout, format!("{len} {a:016x} {b:016x}\n"));
    }
    // And through a file rather than a pipe.
    let file = dir.join("stream.bin");
    let data = stream(1 << 20);
    std::fs::write(&file, &data).unwrap();
    let (a, b) = checksum(&data);
    let out = Command::new(wasmaot_bin())
        .args(["run".as_ref(), artifact.as_os_str()])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    let mut stdout = String::new();
    out.stdout.as_slice().read_to_string(&mut stdout).unwrap();
    assert_eq!(stdout, format!("{} {a:016x} {b:016x}\n", 1 << 20));
}

/// The wasi-threads program `examples/wasi/threads/primes.wasm` (C, built with clang for
/// `wasi::thread-spawn`) gives the same count on 1, 2 and 4 threads as the same C file
/// built natively on pthreads.
#[test]
fn wasi_threads_program_agrees_with_its_native_build() {
    let dir = TempDir::new("wasi-cli-primes");
    let source = example("threads/primes.c");
    let native = dir.join("primes");
    let built = Command::new("cc")
        .args(["-O2", "-pthread"])
        .arg(&source)
        .arg("-o")
        .arg(&native)
        .status()
        .expect("running cc");
    assert!(built.success(), "cc {}", source.display());
    let out = Command::new(&native)
        .args(["2", "200000"])
        .output()
        .unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    assert_eq!(expected, "primes below 200000: 17984\n");
    for threads in ["1", "2", "4"] {
        let r = wasmaot(&[&"run", &example("threads/primes.wasm"), &threads, &"200000"]);
        assert_eq!(
            (r.code, &r.stdout),
            (0, &expected),
            "{threads} threads: {}",
            r.stderr
        );
    }
}
