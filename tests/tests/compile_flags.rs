//! `wasmaot compile` with Wasmtime's flags and CPU features (issue 17): a named
//! `--target` gets the architecture's baseline (checked by disassembly), `--cpu-features`
//! and `-C target-cpu=` opt in and are refused by a CPU that lacks them, `-W` fuel and
//! epochs for `run`, `-O`, `-C` errors, `wasmaot settings`, the progress bar on a
//! terminal (through `script`'s pseudo-terminal) and not on a pipe, `-v` timings,
//! completions and the man page.

use std::path::{Path, PathBuf};
use std::process::Command;
use wasmaot_loader::{check_cpu_features, CpuFeatures};
use wasmaot_tests::cli::wasmaot;
use wasmaot_tests::{have, wasmaot_bin, TempDir};

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Operations x86-64 compiles to instructions beyond its baseline when allowed:
/// POPCNT, LZCNT, TZCNT (BMI1), ANDN (BMI1), SHLX (BMI2), VEX-encoded SSE (AVX),
/// PEXTRB and ROUNDSD (SSE4.1).
const USES_EXTENSIONS: &str = r#"(module
  (func (export "popcnt") (param i32) (result i32) (i32.popcnt (local.get 0)))
  (func (export "clz") (param i64) (result i64) (i64.clz (local.get 0)))
  (func (export "ctz") (param i64) (result i64) (i64.ctz (local.get 0)))
  (func (export "andn") (param i32 i32) (result i32)
    (i32.and (local.get 0) (i32.xor (local.get 1) (i32.const -1))))
  (func (export "shl") (param i64 i64) (result i64) (i64.shl (local.get 0) (local.get 1)))
  (func (export "f32x4") (param v128 v128) (result v128)
    (f32x4.min (f32x4.mul (f32x4.add (local.get 0) (local.get 1)) (local.get 0))
               (f32x4.sqrt (local.get 1))))
  (func (export "lane") (param v128) (result i32) (i8x16.extract_lane_u 3 (local.get 0)))
  (func (export "floor") (param f64) (result f64) (f64.floor (local.get 0))))"#;

/// Mnemonics beyond x86-64's baseline (SSE2): BMI1/2, LZCNT, POPCNT, SSE3 to SSE4.2.
/// Any mnemonic starting with `v` is AVX (VEX/EVEX-encoded).
const BEYOND_BASELINE: &[&str] = &[
    "popcnt",
    "lzcnt",
    "tzcnt",
    "andn",
    "bextr",
    "blsi",
    "blsr",
    "blsmsk",
    "bzhi",
    "pdep",
    "pext",
    "shlx",
    "shrx",
    "sarx",
    "rorx",
    "mulx",
    "movddup",
    "haddps",
    "haddpd",
    "lddqu",
    "pshufb",
    "palignr",
    "pabsb",
    "pabsw",
    "pabsd",
    "pmaddubsw",
    "pmulhrsw",
    "pextrb",
    "pextrd",
    "pextrq",
    "pinsrb",
    "pinsrd",
    "pinsrq",
    "roundss",
    "roundsd",
    "roundps",
    "roundpd",
    "ptest",
    "pminsb",
    "pminsd",
    "pminuw",
    "pminud",
    "pmaxsb",
    "pmaxsd",
    "pmaxuw",
    "pmaxud",
    "pmulld",
    "blendvps",
    "blendvpd",
    "pblendvb",
    "pblendw",
    "insertps",
    "extractps",
    "packusdw",
    "pcmpeqq",
    "pcmpgtq",
    "pmovsxbw",
    "pmovzxbw",
    "cmpxchg16b",
];

/// The mnemonics of `path`'s code beyond the baseline, as `llvm-objdump` shows them.
fn beyond_baseline(path: &Path) -> Vec<String> {
    let out = Command::new("llvm-objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut found: Vec<String> = text
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .filter_map(|i| i.split_whitespace().next())
        .filter(|m| {
            // AT&T syntax may add an operand-size suffix (`popcntl`).
            let bare = m.strip_suffix(['l', 'q', 'w']).unwrap_or(m);
            m.starts_with('v') || BEYOND_BASELINE.contains(m) || BEYOND_BASELINE.contains(&bare)
        })
        .map(|m| m.strip_suffix(['l', 'q']).unwrap_or(m).to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn a_named_target_gets_the_baseline_and_cpu_features_opt_in() {
    if !have("llvm-objdump") {
        return;
    }
    let dir = TempDir::new("compile-baseline");
    let wat = write(&dir, "ops.wat", USES_EXTENSIONS);
    let (base, v3) = (dir.join("base.cwasm"), dir.join("v3.cwasm"));
    let t = "x86_64-unknown-linux-gnu";
    let r = wasmaot(&[&"compile", &wat, &"-o", &base, &"--target", &t]);
    assert_eq!(r.code, 0);
    assert_eq!(beyond_baseline(&base), Vec::<String>::new());
    let inspect = wasmaot(&[&"inspect", &base]);
    assert!(
        inspect.stdout.contains("cpu features:     (none)"),
        "{}",
        inspect.stdout
    );
    // The same module with the features allowed uses them: the check above can fail.
    let r = wasmaot(&[
        &"compile",
        &wat,
        &"-o",
        &v3,
        &"--target",
        &t,
        &"-C",
        &"target-cpu=x86-64-v3",
    ]);
    assert_eq!(r.code, 0);
    let used = beyond_baseline(&v3);
    for m in [
        "popcnt", "lzcnt", "tzcnt", "andn", "shlx", "vaddps", "vpextrb", "vroundsd",
    ] {
        assert!(used.iter().any(|u| u == m), "{m} not in {used:?}");
    }
}

#[test]
fn an_artifact_needing_avx2_is_refused_by_a_cpu_without_it() {
    let dir = TempDir::new("compile-avx2");
    let wat = write(&dir, "ops.wat", USES_EXTENSIONS);
    let out = dir.join("avx2.cwasm");
    let t = "x86_64-unknown-linux-gnu";
    let r = wasmaot(&[
        &"compile",
        &wat,
        &"-o",
        &out,
        &"--target",
        &t,
        &"--cpu-features",
        &"+avx2,+bmi2",
    ]);
    assert_eq!(r.code, 0);
    let inspect = wasmaot(&[&"inspect", &out]);
    assert!(
        inspect.stdout.contains(
            "cpu features:     has_sse3,has_ssse3,has_sse41,has_sse42,has_avx,has_avx2,has_bmi2"
        ),
        "{}",
        inspect.stdout
    );
    let bytes = std::fs::read(&out).unwrap();
    let no_avx2 = CpuFeatures::host().without(&["has_avx2", "has_bmi2"]);
    let e = check_cpu_features(&bytes, &no_avx2)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("needs CPU features `has_avx2`, `has_bmi2`, which this CPU (x86_64-linux without has_avx2,has_bmi2) lacks"),
        "{e}"
    );
    // A CPU with them takes it, and so does the loader on this host if it has them.
    let host = CpuFeatures::host();
    if ["has_avx", "has_avx2", "has_bmi2"]
        .iter()
        .all(|f| host.has(f) == Some(true))
    {
        assert!(check_cpu_features(&bytes, &host).is_ok());
        let r = wasmaot(&[&"run", &out, &"--invoke", &"shl", &"3", &"2"]);
        assert_eq!((r.code, r.stdout.as_str()), (0, "12\n"));
    }
    // The baseline needs nothing.
    let base = dir.join("base.cwasm");
    assert_eq!(
        wasmaot(&[&"compile", &wat, &"-o", &base, &"--target", &t]).code,
        0
    );
    let none = CpuFeatures::host().without(&["has_sse3", "has_sse41", "has_avx", "has_avx2"]);
    assert!(check_cpu_features(&std::fs::read(&base).unwrap(), &none).is_ok());
}

const LOOP: &str = r#"(module (func (export "spin") (loop (br 0))))"#;

#[test]
fn fuel_and_epochs_compiled_in_for_run() {
    let dir = TempDir::new("compile-fuel");
    let wat = write(&dir, "loop.wat", LOOP);
    let fuel = dir.join("fuel.cwasm");
    assert_eq!(
        wasmaot(&[&"compile", &wat, &"-o", &fuel, &"-W", &"fuel=y"]).code,
        0
    );
    let r = wasmaot(&[&"run", &"-W", &"fuel=1000", &fuel, &"--invoke", &"spin"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("wasm trap: all fuel consumed by WebAssembly"),
        "{}",
        r.stderr
    );
    let epochs = dir.join("epochs.cwasm");
    let r = wasmaot(&[
        &"compile",
        &wat,
        &"-o",
        &epochs,
        &"-W",
        &"epoch-interruption=y,simd=n",
    ]);
    assert_eq!(r.code, 0);
    let r = wasmaot(&[
        &"run",
        &"-W",
        &"timeout=100ms",
        &epochs,
        &"--invoke",
        &"spin",
    ]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("wasm trap: interrupt"), "{}", r.stderr);
    // Without them, run says the artifact must be recompiled.
    let plain = dir.join("plain.cwasm");
    assert_eq!(
        wasmaot(&[&"compile", &wat, &"-o", &plain, &"-O", &"opt-level=0"]).code,
        0
    );
    let r = wasmaot(&[&"run", &"-W", &"fuel=10", &plain, &"--invoke", &"spin"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("consume_fuel"), "{}", r.stderr);
}

#[test]
fn bad_options_are_refused_and_leave_no_output() {
    let dir = TempDir::new("compile-bad-options");
    let wat = write(&dir, "loop.wat", LOOP);
    let out = dir.join("out.cwasm");
    let cases: [(&[&str], &str); 7] = [
        (&["--cpu-features", "+avx9"], "error: target: unknown CPU feature `avx9` for x86_64 (`wasmaot settings` lists them)\n"),
        (&["-C", "target-cpu=pentium9"], "error: target: unknown target CPU `pentium9` for x86_64 (`wasmaot settings` lists the CPU models)\n"),
        (&["-C", "cache=y"], "error: -C cache: not supported by wasmaot: there is no compilation cache\n"),
        (&["-C", "compiler=winch"], "error: -C compiler: wasmaot compiles with Cranelift only\n"),
        (&["-O", "opt-level=3"], "error: -O opt-level: expected 0, 1, 2 or s, found `3`\n"),
        (&["-W", "wide-arithmetic=y"], "error: -W wide-arithmetic: this WebAssembly proposal is not supported by wasmaot\n"),
        (&["--target", "x86_64-unknown-linux-gnu", "-C", "target-cpu=native", "--cpu-features", "+"], "error: --cpu-features: `+` names no feature\n"),
    ];
    for (flags, message) in cases {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compile", &wat, &"-o", &out];
        args.extend(flags.iter().map(|f| f as &dyn AsRef<std::ffi::OsStr>));
        let r = wasmaot(&args);
        assert_eq!((r.code, r.stderr.as_str()), (1, message), "{flags:?}");
        assert!(!out.exists());
    }
    assert_eq!(std::fs::read_dir(dir.join("")).unwrap().count(), 1);
    let r = wasmaot(&[
        &"compile",
        &wat,
        &"-o",
        &out,
        &"-W",
        &"max-memory-size=65536",
    ]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("warning: -W max-memory-size has no effect on compile"),
        "{}",
        r.stderr
    );
}

#[test]
fn settings_lists_features_models_and_the_host() {
    let r = wasmaot(&[&"settings"]);
    assert_eq!(r.code, 0);
    for text in [
        "has_avx2",
        "Has support for AVX2.",
        "CPU models",
        "haswell",
        "x86-64-v3",
        "This host's features",
    ] {
        assert!(r.stdout.contains(text), "{text}: {}", r.stdout);
    }
    let r = wasmaot(&[&"settings", &"--target", &"aarch64-unknown-linux-gnu"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("has_lse") && !r.stdout.contains("This host"),
        "{}",
        r.stdout
    );
    let r = wasmaot(&[&"settings", &"--target", &"nonsense-triple"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: target: unknown target triple `nonsense-triple`"),
        "{}",
        r.stderr
    );
}

/// A module that takes a while to compile: `functions` functions of arithmetic and loads.
fn big_module(functions: usize) -> String {
    let mut text = String::from("(module (memory 1)\n");
    for i in 0..functions {
        text.push_str(&format!(
            "(func (export \"f{i}\") (param i32 i32) (result i32)"
        ));
        for k in 0..20 {
            text.push_str(&format!(
                " (local.set 0 (i32.add (i32.mul (local.get 0) (i32.const {})) (i32.load offset={} (local.get 1))))",
                k + 3,
                k * 4
            ));
        }
        text.push_str(" (local.get 0))\n");
    }
    text.push(')');
    text
}

#[test]
fn a_progress_bar_on_a_terminal_and_nothing_on_a_pipe() {
    if !have("script") {
        return;
    }
    let dir = TempDir::new("compile-progress");
    let big = write(&dir, "big.wat", &big_module(6000));
    let out = dir.join("big.cwasm");
    // `script` runs the command with its output on a pseudo-terminal and copies it.
    let command = format!(
        "'{}' compile '{}' -o '{}'",
        wasmaot_bin().display(),
        big.display(),
        out.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{seen}");
    assert!(
        seen.contains("compiling [") && seen.contains("/6000 functions"),
        "{seen}"
    );
    std::fs::remove_file(&out).unwrap();
    // `run` of a .wasm/.wat compiles it in memory with the same bar, cleared before the
    // module runs.
    let run = format!(
        "'{}' run '{}' --invoke f1 2 0",
        wasmaot_bin().display(),
        big.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &run, "/dev/null"])
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{seen}");
    // The bar's last line is erased (`ESC [2K`), then the result is printed.
    let after_bar = seen.rsplit("\x1b[2K").next().unwrap_or("");
    assert!(seen.contains("/6000 functions"), "{seen:?}");
    assert!(after_bar.trim().parse::<i32>().is_ok(), "{after_bar:?}");
    let quiet = Command::new("script")
        .args(["-qec", &format!("{command} --quiet"), "/dev/null"])
        .output()
        .unwrap();
    assert!(
        quiet.status.success() && quiet.stdout.is_empty(),
        "{:?}",
        quiet.stdout
    );
    // On a pipe: nothing at all; with -v the phase timings.
    let r = wasmaot(&[&"compile", &big, &"-o", &out]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = wasmaot(&[&"compile", &big, &"-o", &out, &"-v"]);
    assert_eq!(r.code, 0);
    for phase in ["parse: ", "translate+codegen: ", "emit: ", "total: "] {
        assert!(r.stderr.contains(phase), "{phase}: {}", r.stderr);
    }
    assert!(!r.stderr.contains("functions"), "{}", r.stderr);
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef wasmaot"),
        ("fish", "complete -c wasmaot"),
    ] {
        let r = wasmaot(&[&"completions", &shell]);
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.contains(marker) && r.stdout.contains("compile"),
            "{shell}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("cpu-features"), "{shell}");
    }
    let r = wasmaot(&[&"man"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH wasmaot"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("compile") && r.stdout.contains("settings"));
    let r = wasmaot(&[&"man", &"compile"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains(".TH wasmaot-compile") && r.stdout.contains("cpu\\-features"),
        "{}",
        r.stdout
    );
    let r = wasmaot(&[&"man", &"frob"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: no subcommand `frob`"),
        "{}",
        r.stderr
    );
}
