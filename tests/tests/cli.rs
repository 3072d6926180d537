//! End-to-end tests of the `wasmaot` command-line tool.

use std::path::{Path, PathBuf};
use std::process::Command;
use wasmaot_tests::cli::wasmaot as run;
use wasmaot_tests::{workspace_root, TempDir};

fn example(name: &str) -> PathBuf {
    workspace_root().join("examples").join(name)
}

/// Compile `input` into `dir/<out>`, asserting success.
fn compile_to(input: &Path, dir: &TempDir, out: &str) -> PathBuf {
    let output = dir.join(out);
    let r = run(&[&"compile", &input, &"-o", &output]);
    assert_eq!(r.code, 0, "compile failed: {}", r.stderr);
    assert!(output.is_file());
    output
}

fn readelf(args: &[&str], file: &Path) -> Option<String> {
    let out = Command::new("readelf").args(args).arg(file).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn compile_writes_a_relocatable_object_and_nothing_else() {
    let dir = TempDir::new("cli-compile");
    let artifact = compile_to(&example("add.wat"), &dir, "add.cwasm");
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries,
        vec![std::ffi::OsString::from("add.cwasm")],
        "temporary files were left behind"
    );
    let bytes = std::fs::read(&artifact).unwrap();
    assert!(bytes.starts_with(b"\x7fELF"), "not an ELF file");
    match readelf(&["-h"], &artifact) {
        Some(header) => assert!(
            header.contains("REL (Relocatable file)"),
            "readelf -h:\n{header}"
        ),
        None => println!("readelf not found: skipping the readelf checks"),
    }
    // fib calls itself: the calls are relocations.
    let fib = compile_to(&example("fib.wat"), &dir, "fib.cwasm");
    if let Some(relocs) = readelf(&["-r"], &fib) {
        assert!(
            relocs.contains("Relocation section"),
            "readelf -r shows no relocations:\n{relocs}"
        );
        assert!(relocs.contains("wasm_func_0"), "readelf -r:\n{relocs}");
    }
}

#[test]
fn compile_options_are_accepted() {
    let dir = TempDir::new("cli-options");
    let out = dir.join("o.cwasm");
    for opts in [
        &["--opt-level", "0"][..],
        &["--opt-level", "s", "-j", "2"],
        &["--no-parallel", "--symbol-prefix", "m1_"],
    ] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compile"];
        let input = example("fib.wat");
        args.push(&input);
        args.push(&"-o");
        args.push(&out);
        for o in opts {
            args.push(o);
        }
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = run(&[&"inspect", &out]);
    assert!(r.stdout.contains("symbol prefix:    m1_"), "{}", r.stdout);
    let r = run(&[
        &"compile",
        &example("add.wat"),
        &"-o",
        &out,
        &"--opt-level",
        &"3",
    ]);
    assert_eq!(r.code, 2, "a bad option value is a usage error");
}

#[test]
fn compile_errors_name_the_file_and_leave_no_output() {
    let dir = TempDir::new("cli-errors");
    let bad = dir.join("bad.wat");
    std::fs::write(&bad, "(module (func (result i32) i64.const 1))").unwrap();
    let out = dir.join("bad.cwasm");
    let r = run(&[&"compile", &bad, &"-o", &out]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("error: {}: ", bad.display())),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "a failed compile wrote an output");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary files were left behind"
    );

    // An existing output is left as it was.
    std::fs::write(&out, b"previous").unwrap();
    let r = run(&[&"compile", &bad, &"-o", &out]);
    assert_eq!(r.code, 1);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");

    let missing = dir.join("missing.wat");
    let r = run(&[&"compile", &missing, &"-o", &out]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with(&format!("error: {}: ", missing.display())),
        "{}",
        r.stderr
    );
}

/// `-o` naming a FIFO or a device (`/dev/null`, `/dev/stdout`) writes into it: a rename
/// over it would replace the device with a regular file. Tested on a FIFO, which a
/// regression cannot turn into damage outside the test's directory.
#[test]
fn compile_writes_into_a_fifo_without_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new("cli-fifo");
    let fifo = dir.join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let r = run(&[&"compile", &example("add.wat"), &"-o", &fifo]);
    if r.code != 0 {
        // Release the reader, which waits for a writer.
        drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    }
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Checked before joining: a reader of a FIFO that was replaced would wait forever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let through_fifo = reader.join().unwrap();
    let file = compile_to(&example("add.wat"), &dir, "add.cwasm");
    assert_eq!(through_fifo, std::fs::read(file).unwrap());
}

#[test]
fn run_prints_results() {
    let dir = TempDir::new("cli-run");
    let add = compile_to(&example("add.wat"), &dir, "add.cwasm");
    let r = run(&[&"run", &add, &"--invoke", &"add", &"1", &"2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{}", r.stderr);
    let r = run(&[&"run", &add, &"--invoke", &"add", &"-5", &"0x10"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "11\n"), "{}", r.stderr);

    // A .wat is compiled in memory.
    let r = run(&[
        &"run",
        &example("add.wat"),
        &"--invoke",
        &"add",
        &"40",
        &"2",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "42\n"), "{}", r.stderr);

    let fib = compile_to(&example("fib.wat"), &dir, "fib.cwasm");
    for f in ["fib", "fib_iter"] {
        let r = run(&[&"run", &fib, &"--invoke", &f, &"20"]);
        assert_eq!((r.code, r.stdout.as_str()), (0, "6765\n"), "{}", r.stderr);
    }

    let floats = dir.join("floats.wat");
    std::fs::write(
        &floats,
        r#"(module (func (export "f") (param f32 f64) (result f64 f32)
             (f64.mul (f64.promote_f32 (local.get 0)) (local.get 1)) (f32.const 0.5)))"#,
    )
    .unwrap();
    let r = run(&[&"run", &floats, &"--invoke", &"f", &"1.5", &"3"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "4.5\n0.5\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn run_reports_usage_problems() {
    let dir = TempDir::new("cli-run-errors");
    let add = compile_to(&example("add.wat"), &dir, "add.cwasm");
    // No --invoke and no _start: the exports are listed.
    let r = run(&[&"run", &add]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("_start") && r.stderr.contains("add"),
        "{}",
        r.stderr
    );
    let r = run(&[&"run", &add, &"--invoke", &"nope"]);
    assert_eq!(r.code, 1);
    let r = run(&[&"run", &add, &"--invoke", &"add", &"1"]);
    assert_eq!(r.code, 1, "wrong argument count");
    let r = run(&[&"run", &add, &"--invoke", &"add", &"1", &"x"]);
    assert_eq!(r.code, 1, "bad argument");

    let imports = dir.join("imports.wat");
    std::fs::write(
        &imports,
        r#"(module (import "env" "f" (func)) (import "env" "m" (memory 1)))"#,
    )
    .unwrap();
    let r = run(&[&"run", &imports]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("env") && r.stderr.contains("f") && r.stderr.contains("m"),
        "{}",
        r.stderr
    );

    let start = dir.join("start.wat");
    std::fs::write(&start, r#"(module (func (export "_start")))"#).unwrap();
    let r = run(&[&"run", &start]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
}

#[test]
fn run_reports_a_trap_with_a_backtrace() {
    let dir = TempDir::new("cli-trap");
    let wat = dir.join("div.wat");
    std::fs::write(
        &wat,
        r#"(module
             (func $div (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
             (func (export "main") (param i32) (result i32) (call $div (i32.const 1) (local.get 0))))"#,
    )
    .unwrap();
    let artifact = compile_to(&wat, &dir, "div.cwasm");
    let r = run(&[&"run", &artifact, &"--invoke", &"main", &"1"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n"), "{}", r.stderr);
    let r = run(&[&"run", &artifact, &"--invoke", &"main", &"0"]);
    assert_eq!(r.code, 3, "a trap exits with 3");
    assert!(
        r.stderr.starts_with("wasm trap: integer divide by zero\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\n  0: ") && r.stderr.contains("!div"),
        "no backtrace:\n{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn inspect_prints_the_header() {
    let dir = TempDir::new("cli-inspect");
    let artifact = compile_to(&example("add.wat"), &dir, "add.cwasm");
    let r = run(&[&"inspect", &artifact]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for field in [
        "format version:",
        "compiler version:",
        "target:",
        "cpu features:",
        "wasm features:",
        "tunables:",
        "symbol prefix:",
        "text:             pre-linked (mapped from the file as it lies)",
        "checksum:",
        "functions:        1 defined, 0 imported",
        "trap sites:",
        "exports:",
        "\"add\": func[0] (func (param i32 i32) (result i32))",
        ".text",
        ".wasmaot.meta",
    ] {
        assert!(
            r.stdout.contains(field),
            "`{field}` missing from:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("(ok)"),
        "checksum not verified:\n{}",
        r.stdout
    );

    let mut bytes = std::fs::read(&artifact).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let corrupt = dir.join("corrupt.cwasm");
    std::fs::write(&corrupt, &bytes).unwrap();
    let r = run(&[&"inspect", &corrupt]);
    assert!(
        r.stdout.contains("MISMATCH") || r.code == 1,
        "{}{}",
        r.stdout,
        r.stderr
    );

    let r = run(&[&"inspect", &example("add.wat")]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

#[test]
fn wast_runs_scripts() {
    let dir = TempDir::new("cli-wast");
    let good = dir.join("good.wast");
    std::fs::write(
        &good,
        r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
           (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
           (assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")"#,
    )
    .unwrap();
    for mode in [None, Some("--mmap")] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"wast", &good];
        if let Some(m) = &mode {
            args.push(m);
        }
        let r = run(&args);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("total: 1 files, 3 directives passed, 0 failed"),
            "{}",
            r.stdout
        );
    }
    let bad = dir.join("bad.wast");
    std::fs::write(
        &bad,
        r#"(module (func (export "one") (result i32) (i32.const 1)))
           (assert_return (invoke "one") (i32.const 2))"#,
    )
    .unwrap();
    let r = run(&[&"wast", &bad]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(&format!("{}:2:", bad.display())),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(1 passed, 1 failed)"), "{}", r.stdout);
}

#[test]
fn cross_compiled_artifacts_are_inspected_and_refused_by_run() {
    let dir = TempDir::new("cli-cross");
    for (target, format) in [
        ("aarch64-unknown-linux-gnu", "Elf Relocatable Aarch64"),
        ("x86_64-unknown-linux-gnu", "Elf Relocatable X86_64"),
        ("x86_64-apple-darwin", "MachO Relocatable X86_64"),
        ("x86_64-pc-windows-msvc", "Coff Relocatable X86_64"),
    ] {
        let out = dir.join(&format!("{target}.cwasm"));
        let r = run(&[
            &"compile",
            &example("fib.wat"),
            &"-o",
            &out,
            &"--target",
            &target,
        ]);
        assert_eq!(r.code, 0, "{target}: {}", r.stderr);
        let r = run(&[&"inspect", &out]);
        assert_eq!(r.code, 0, "{target}: {}", r.stderr);
        assert!(
            r.stdout.contains(&format!("target:           {target}")),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains(format), "{}", r.stdout);
        assert!(r.stdout.contains("(ok)"), "{}", r.stdout);
    }
    let host_arch = std::env::consts::ARCH;
    let foreign = if host_arch == "aarch64" {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    let r = run(&[
        &"run",
        &dir.join(&format!("{foreign}.cwasm")),
        &"--invoke",
        &"fib",
        &"3",
    ]);
    assert_eq!(
        r.code, 1,
        "a foreign artifact ran: {}{}",
        r.stdout, r.stderr
    );
    assert!(r.stderr.contains(foreign), "{}", r.stderr);
    let r = run(&[
        &"compile",
        &example("fib.wat"),
        &"-o",
        &dir.join("x.cwasm"),
        &"--target",
        &"nonsense-triple",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

#[test]
fn compiling_is_deterministic_serial_or_parallel() {
    let dir = TempDir::new("cli-determinism");
    let (a, b) = (dir.join("a.cwasm"), dir.join("b.cwasm"));
    let r = run(&[&"compile", &example("fib.wat"), &"-o", &a, &"--no-parallel"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[&"compile", &example("fib.wat"), &"-o", &b, &"-j", &"2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "serial and parallel outputs differ"
    );
}
