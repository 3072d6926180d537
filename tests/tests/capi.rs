//! The C API: builds libwasmaot (same profile as this test), compiles the C hosts in
//! `examples/c` and `capi/tests` with `cc -Icapi/include ... -lwasmaot`, runs them and
//! compares their output with the `.expected` files exactly. Checks that the library
//! exports every v23 function, that a host links statically too, and (when valgrind is
//! installed) that the examples run clean under it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use wasmaot_tests::{target_dir, wasmaot_bin, workspace_root};

/// `target/<profile>` holding `libwasmaot.{so,a}`, built once per test process.
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test executable's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test lies in target/<profile>/deps");
        let profile = profile_dir
            .file_name()
            .and_then(|p| p.to_str())
            .unwrap_or("debug")
            .to_string();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace_root())
            .args(["build", "-p", "wasmaot-capi"]);
        match profile.as_str() {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("running cargo build -p wasmaot-capi");
        assert!(status.success(), "cargo build -p wasmaot-capi failed");
        let dir = target_dir().join(&profile);
        assert!(
            dir.join("libwasmaot.so").exists(),
            "no libwasmaot.so in {}",
            dir.display()
        );
        dir
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = target_dir().join("capi-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Compile and link one C host against the shared library.
fn build_host(src: &Path, exe_name: &str, extra_include: &Path) -> PathBuf {
    let exe = scratch(exe_name);
    let lib = lib_dir();
    let out = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg("-I")
        .arg(workspace_root().join("capi/include"))
        .arg("-I")
        .arg(extra_include)
        .arg(src)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lwasmaot", "-lpthread", "-ldl", "-lm"])
        .output()
        .expect("running cc");
    assert!(
        out.status.success(),
        "cc {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn run(exe: &Path, cwd: &Path) -> Output {
    Command::new(exe)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()))
}

/// Build and run `examples/c/<name>.c`, comparing stdout with `<name>.expected`.
fn example(name: &str) {
    let dir = workspace_root().join("examples/c");
    let exe = build_host(
        &dir.join(format!("{name}.c")),
        &format!("example-{name}"),
        &dir,
    );
    let out = run(&exe, &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let expected = std::fs::read_to_string(dir.join(format!("{name}.expected"))).unwrap();
    assert_eq!(
        stdout, expected,
        "{name}: output differs (stderr: {stderr})"
    );
}

macro_rules! examples {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                example(stringify!($name));
            }
        )*
    };
}

mod examples {
    use super::example;
    examples!(
        hello,
        gcd,
        memory,
        multi,
        linking,
        linker_module,
        traps,
        serialize,
        threads,
        wasm_api,
        wasi,
        fuel,
        interrupt,
        anyref,
        shared_memory,
        wasi_threads
    );
}

/// A host loads an artifact written by `wasmaot compile` (deserialize_file) and runs it.
#[test]
fn aot_artifact_from_the_cli() {
    let dir = workspace_root().join("examples/c");
    let artifact = scratch("add.cwasm");
    let out = Command::new(wasmaot_bin())
        .arg("compile")
        .arg(workspace_root().join("examples/add.wat"))
        .arg("-o")
        .arg(&artifact)
        .output()
        .expect("running wasmaot compile");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = build_host(&dir.join("aot.c"), "example-aot", &dir);
    let out = Command::new(&exe).arg(&artifact).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.join("aot.expected")).unwrap()
    );
}

/// Every function of the v23 API is exported by the shared library.
#[test]
fn exports_every_v23_function() {
    let lib = lib_dir().join("libwasmaot.so");
    let out = Command::new("nm")
        .arg("-D")
        .arg("--defined-only")
        .arg(&lib)
        .output();
    let Ok(out) = out else {
        eprintln!("nm is not installed; skipping");
        return;
    };
    let syms = String::from_utf8_lossy(&out.stdout);
    let exported: std::collections::HashSet<&str> = syms
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let list = std::fs::read_to_string(workspace_root().join("capi/tests/capi-v23-functions.txt"))
        .unwrap();
    let missing: Vec<&str> = list
        .lines()
        .filter(|f| !f.is_empty() && !exported.contains(f))
        .collect();
    assert!(missing.is_empty(), "not exported: {missing:?}");
    assert_eq!(list.lines().filter(|l| !l.is_empty()).count(), 454);
}

/// `capi/tests/api_coverage.c` calls every function that is not async, GC or guest
/// profiler and checks its effect; it prints "ok" at the end.
#[test]
fn api_coverage() {
    let dir = workspace_root().join("capi/tests");
    let exe = build_host(&dir.join("api_coverage.c"), "api_coverage", &dir);
    let out = run(&exe, &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.ends_with("ok\n"),
        "api_coverage failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every function that is not async or guest profiler is called by `api_coverage.c`.
#[test]
fn api_coverage_names_every_function() {
    let src = std::fs::read_to_string(workspace_root().join("capi/tests/api_coverage.c")).unwrap();
    let list = std::fs::read_to_string(workspace_root().join("capi/tests/capi-v23-functions.txt"))
        .unwrap();
    let out_of_scope = |f: &str| {
        f.contains("async")
            || f.starts_with("wasmtime_call_future")
            || f.starts_with("wasmtime_guestprofiler")
            || f == "wasmtime_config_host_stack_creator_set"
    };
    let missing: Vec<&str> = list
        .lines()
        .filter(|f| !f.is_empty() && !out_of_scope(f))
        .filter(|f| !src.contains(&format!("{f}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "not called by api_coverage.c: {missing:?}"
    );
}

/// The compatibility hosts written against Wasmtime's documented API run unchanged.
#[test]
fn compat_hosts() {
    let dir = workspace_root().join("capi/tests/compat");
    for name in [
        "hello",
        "gcd",
        "memory",
        "multi",
        "linking",
        "serialize",
        "externref",
        "wasm_c_api",
        "fuel",
        "interrupt",
        "extras",
        "exceptions",
    ] {
        let exe = build_host(
            &dir.join(format!("{name}.c")),
            &format!("compat-{name}"),
            &dir,
        );
        let out = run(&exe, &dir);
        assert!(
            out.status.success(),
            "compat {name} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `capi/tests/compat/wasi.c` runs `wasi.wasm` (a C program built for wasm32-wasi from
/// `compat/wasi-guest/main.c`, committed) from its directory: arguments, environment,
/// stdin bytes, a file of the preopened directory, stderr and the exit status.
#[test]
fn compat_wasi() {
    let dir = workspace_root().join("capi/tests/compat");
    assert!(
        dir.join("wasi.wasm").exists(),
        "run compat/wasi-guest/build.sh"
    );
    let exe = build_host(&dir.join("wasi.c"), "compat-wasi", &dir);
    let out = run(&exe, &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "compat wasi failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let expected = std::fs::read_to_string(dir.join("wasi.expected")).unwrap();
    assert_eq!(stdout, expected, "compat wasi: stdout differs");
    assert_eq!(stderr, "a line on stderr\n", "compat wasi: stderr differs");
}

/// A host links against `libwasmaot.a` with the system linker and runs the same.
#[test]
fn static_link() {
    let dir = workspace_root().join("examples/c");
    let exe = scratch("example-gcd-static");
    let out = Command::new("cc")
        .args(["-std=c11", "-g"])
        .arg("-I")
        .arg(workspace_root().join("capi/include"))
        .arg(dir.join("gcd.c"))
        .arg("-o")
        .arg(&exe)
        .arg(lib_dir().join("libwasmaot.a"))
        .args(["-lpthread", "-ldl", "-lm", "-lgcc_s", "-lc"])
        .output()
        .expect("running cc");
    assert!(
        out.status.success(),
        "static link failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&exe, &dir);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.join("gcd.expected")).unwrap()
    );
}

/// The build tree's pkg-config file finds the headers and the library.
#[test]
fn pkg_config() {
    let lib = lib_dir();
    let pc = lib.join("pkgconfig");
    let out = Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", &pc)
        .args(["--cflags", "--libs", "wasmaot"])
        .output();
    let Ok(out) = out else {
        eprintln!("pkg-config is not installed; skipping");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let flags = String::from_utf8_lossy(&out.stdout).to_string();
    let exe = scratch("example-gcd-pkg-config");
    let mut cc = Command::new("cc");
    cc.arg(workspace_root().join("examples/c/gcd.c"))
        .arg("-o")
        .arg(&exe);
    cc.args(flags.split_whitespace());
    cc.arg(format!("-Wl,-rpath,{}", lib.display()));
    let out = cc.output().expect("running cc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(&exe, &workspace_root()).status.success());
    assert!(lib.join("cmake/wasmaot/wasmaotConfig.cmake").exists());
}

/// The examples under valgrind: no invalid access, no leak (skipped without valgrind;
/// slow, so only with `WASMAOT_VALGRIND=1`).
#[test]
fn valgrind_examples() {
    if std::env::var_os("WASMAOT_VALGRIND").as_deref() != Some(std::ffi::OsStr::new("1")) {
        eprintln!("set WASMAOT_VALGRIND=1 to run the examples under valgrind");
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed; skipping");
        return;
    }
    let examples = workspace_root().join("examples/c");
    let tests = workspace_root().join("capi/tests");
    let supp = tests.join("valgrind.supp");
    let hosts = [
        "hello",
        "gcd",
        "memory",
        "multi",
        "linking",
        "linker_module",
        "traps",
        "serialize",
        "threads",
        "wasm_api",
        "wasi",
        "fuel",
        "interrupt",
        "anyref",
        "shared_memory",
        "wasi_threads",
    ]
    .iter()
    .map(|n| (examples.clone(), *n))
    .chain([(tests.clone(), "api_coverage")]);
    for (dir, name) in hosts {
        let exe = build_host(&dir.join(format!("{name}.c")), &format!("vg-{name}"), &dir);
        let out = Command::new("valgrind")
            .args([
                "-q",
                "--leak-check=full",
                "--show-leak-kinds=definite,indirect",
            ])
            .args([
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99",
            ])
            .arg(format!("--suppressions={}", supp.display()))
            .arg(&exe)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} under valgrind:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Modules built for `wasm32-wasip1-threads` by napi-rs, as npm ships them, compile and
/// instantiate through the C API with a host-made shared memory (`capi/tests/threads_host.c`).
/// The packages are fetched with `npm pack` at pinned versions into the target directory
/// (never into the repository); without npm the test says so and passes (CI has npm).
#[test]
fn napi_rs_threads_modules_instantiate() {
    if !wasmaot_tests::have("npm") {
        return;
    }
    let dir = scratch("npm");
    std::fs::create_dir_all(&dir).unwrap();
    let host = build_host(
        &workspace_root().join("capi/tests/threads_host.c"),
        "threads_host",
        &workspace_root().join("capi/tests"),
    );
    for (package, tarball, wasm, pages, funcs) in [
        (
            "@napi-rs/snappy-wasm32-wasi@7.4.3",
            "napi-rs-snappy-wasm32-wasi-7.4.3.tgz",
            "snappy.wasm32-wasi.wasm",
            978,
            70,
        ),
        (
            "@node-rs/argon2-wasm32-wasi@2.2.1",
            "node-rs-argon2-wasm32-wasi-2.2.1.tgz",
            "argon2.wasm32-wasi.wasm",
            977,
            66,
        ),
    ] {
        if !dir.join(tarball).exists() {
            let out = Command::new("npm")
                .args(["pack", "--silent", package])
                .current_dir(&dir)
                .output()
                .expect("running npm pack");
            assert!(
                out.status.success(),
                "npm pack {package}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let unpacked = dir.join(tarball.trim_end_matches(".tgz"));
        std::fs::create_dir_all(&unpacked).unwrap();
        let status = Command::new("tar")
            .arg("xzf")
            .arg(dir.join(tarball))
            .arg("-C")
            .arg(&unpacked)
            .status()
            .expect("running tar");
        assert!(status.success(), "tar xzf {tarball}");
        let out = Command::new(&host)
            .arg(unpacked.join("package").join(wasm))
            .output()
            .expect("running threads_host");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let expected = format!(
            "memory env::memory: {pages} pages, shared 1, size {pages} pages\n\
             {funcs} host functions\ninstantiated: 25 exports\n"
        );
        assert!(
            out.status.success() && stdout == expected,
            "{package}: {}\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Run `command` with its output captured; fail if it runs longer than `limit` (a host
/// whose fault handling loops forever would hang the test).
fn run_with_timeout(command: &mut Command, limit: std::time::Duration) -> Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the host");
    let started = std::time::Instant::now();
    while child.try_wait().expect("waiting for the host").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the host still ran after {limit:?}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("the host's output")
}

/// `capi/tests/hostile_host.c`: a host that installed its own SIGSEGV, SIGBUS, SIGILL and
/// SIGFPE handlers before creating the engine keeps getting its faults (genuine and
/// raised, on the main thread and in host functions called by wasm) while wasm faults
/// stay traps; C threads the runtime did not create call into wasm, trap and overflow
/// their stacks; short-lived C threads leave no mapping behind. Then, with SIGSEGV and
/// SIGFPE ignored before the engine, a raised SIGFPE is ignored and a genuine fault
/// outside wasm kills the host as it would without the runtime, instead of repeating
/// forever.
#[test]
fn hostile_host() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;
    let dir = workspace_root().join("capi/tests");
    let exe = build_host(&dir.join("hostile_host.c"), "hostile_host", &dir);
    let started = std::time::Instant::now();
    let out = run_with_timeout(&mut Command::new(&exe), Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "hostile_host: {:.2} s; {stderr}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "hostile_host failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert_eq!(
        stdout,
        "before the engine: every fault reaches the host's handlers\n\
         the engine installed its handlers for 4 signals\n\
         wasm faults are traps, the host's handlers never see them\n\
         after the engine: every fault outside wasm reaches the host's handlers\n\
         in a host function called by wasm: faults reach the host's handlers\n\
         wasm still traps and runs\n\
         4 C threads at once (default, 256 KiB and host-allocated stacks): calls, traps, \
         stack overflows and host faults all as expected\n\
         200 short-lived C threads: no mapping left behind\n\
         ok\n"
    );

    let out = run_with_timeout(Command::new(&exe).arg("ignored"), Duration::from_secs(60));
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGSEGV),
        "with SIGSEGV ignored, a fault outside wasm must kill the host ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "raise(SIGFPE) with SIGFPE ignored: ignored\nfaulting with SIGSEGV ignored\n"
    );
}
