//! Artifacts as standard objects for the platform's own tools (issue 6):
//!
//! - `examples/static`: two modules compiled with `--emit obj` under different symbol
//!   prefixes, linked with `cc` into one C program against `libwasmaot.a`, instantiated
//!   from their descriptors (`wasmaot.h`) with no file I/O; output compared exactly.
//! - `examples/shared`: `--emit shared` output opened by a C host (libwasmaot.so) and by
//!   `wasmaot run`, behaving like the `.cwasm`; `nm`, gdb and perf see the wasm names.
//! - aarch64 code linked by the cross linker and run under qemu-user (a freestanding
//!   harness, since the loader cannot be built for aarch64 here); an aarch64 `.so` is
//!   refused on this host with both targets named.
//! - deterministic output whatever the thread count, working directory or input path;
//! - Mach-O and COFF objects (which cannot run here) parsed with `object` and
//!   disassembled with `llvm-objdump` (Debian's `llvm`), and so are the other ELF targets.

use object::{Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use wasmaot_loader::abi::{self, ObjectFormat};
use wasmaot_tests::{have, target_dir, wasmaot_bin, workspace_root};

/// `target/<profile>` with `libwasmaot.{a,so}`, built once per test process.
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test executable's path");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .and_then(|p| p.file_name())
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
        target_dir().join(profile)
    })
}

/// A fresh scratch directory under `target/linking-tests`.
fn scratch(name: &str) -> PathBuf {
    let dir = target_dir().join("linking-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn check(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn build_example(name: &str, out: &Path) {
    let script = workspace_root()
        .join("examples")
        .join(name)
        .join("build.sh");
    let result = Command::new("sh")
        .arg(&script)
        .env("WASMAOT", wasmaot_bin())
        .env("LIBDIR", lib_dir())
        .env("OUT", out)
        .output()
        .expect("running sh");
    check(&format!("examples/{name}/build.sh"), &result);
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(
        workspace_root()
            .join("examples")
            .join(name)
            .join("host.expected"),
    )
    .unwrap()
}

/// Global symbols an object defines.
fn defined_globals(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .map(|s| s.name().unwrap().to_string())
        .collect()
}

#[test]
fn static_example_links_two_modules_into_one_program() {
    let out = scratch("static");
    build_example("static", &out);
    // Each object defines exactly one global symbol: its descriptor.
    assert_eq!(defined_globals(&out.join("fib.o")), ["fib_wasmaot_module"]);
    assert_eq!(
        defined_globals(&out.join("counter.o")),
        ["counter_wasmaot_module"]
    );
    let run = Command::new(out.join("host"))
        .current_dir(&out)
        .output()
        .unwrap();
    assert_eq!(check("examples/static/host", &run), expected("static"));
}

#[test]
fn shared_object_runs_like_the_cwasm() {
    let out = scratch("shared");
    build_example("shared", &out);
    let run = Command::new(out.join("host"))
        .arg(out.join("demo.so"))
        .output()
        .unwrap();
    assert_eq!(check("examples/shared/host", &run), expected("shared"));

    // `wasmaot run` opens the shared object (dlopen) and behaves as with the .cwasm.
    let demo = workspace_root().join("examples/shared/demo.wat");
    let cwasm = out.join("demo.cwasm");
    let compiled = Command::new(wasmaot_bin())
        .arg("compile")
        .arg(&demo)
        .arg("-o")
        .arg(&cwasm)
        .output()
        .unwrap();
    check("wasmaot compile", &compiled);
    for args in [&["fib", "25"][..], &["sum", "99"], &["sum", "70000"]] {
        let run = |file: &Path| {
            let out = Command::new(wasmaot_bin())
                .arg("run")
                .arg(file)
                .arg("--invoke")
                .args(args)
                .output()
                .unwrap();
            let stderr =
                String::from_utf8_lossy(&out.stderr).replace(&*file.to_string_lossy(), "FILE");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr,
            )
        };
        let so = run(&out.join("demo.so"));
        assert_eq!(so, run(&cwasm), "{args:?}");
        match args[1] {
            "70000" => assert_eq!(so.0, Some(3), "a trap exits with 3: {so:?}"),
            _ => assert_eq!(so.0, Some(0), "{so:?}"),
        }
    }
}

#[test]
fn shared_object_shows_wasm_names_to_nm_and_gdb() {
    let out = scratch("shared-names");
    build_example("shared", &out);
    let so = out.join("demo.so");
    if have("nm") {
        let nm = Command::new("nm").arg(&so).output().unwrap();
        let nm = check("nm", &nm);
        for name in ["demo_fib", "demo_fill", "demo_sum"] {
            assert!(
                nm.lines().any(|l| l.ends_with(&format!(" t {name}"))),
                "nm {}:\n{nm}",
                so.display()
            );
        }
    }
    if have("gdb") {
        let gdb = Command::new("timeout")
            .args(["120", "gdb", "-batch", "-nx"])
            .args(["-ex", "set breakpoint pending on"])
            .args(["-ex", "break demo_fib"])
            .args(["-ex", "run"])
            .args(["-ex", "bt 2"])
            .args(["-ex", "kill"])
            .arg("--args")
            .arg(out.join("host"))
            .arg(&so)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&gdb.stdout);
        assert!(
            text.contains("in demo_fib () from") && text.contains("in demo_wasm_entry_"),
            "gdb:\n{text}\n{}",
            String::from_utf8_lossy(&gdb.stderr)
        );
    }
}

/// A module with enough functions for parallel compilation to interleave.
fn many_functions() -> String {
    let mut wat = String::from("(module $many (memory 1) (data (i32.const 8) \"data\")\n");
    for i in 0..48 {
        wat.push_str(&format!(
            "(func $f{i} (export \"f{i}\") (param i32) (result i32)
               (local i32)
               (loop $l
                 (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const {i}))))
                 (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                 (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
               (drop (memory.grow (i32.const 0)))
               (i32.add (local.get 1) (i32.load (i32.const 8))))\n"
        ));
    }
    wat.push(')');
    wat
}

#[test]
fn output_is_identical_across_threads_directories_and_input_paths() {
    let root = scratch("determinism");
    let wat = many_functions();
    let a = root.join("first/dir");
    let b = root.join("second/other/place");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(a.join("module.wat"), &wat).unwrap();
    std::fs::write(b.join("renamed-input.wat"), &wat).unwrap();
    for emit in ["cwasm", "obj", "shared"] {
        // From directory a with one thread and a relative input path; from b's parent
        // with four threads and an absolute input path.
        let one = Command::new(wasmaot_bin())
            .current_dir(&a)
            .args([
                "compile",
                "--emit",
                emit,
                "-j",
                "1",
                "module.wat",
                "-o",
                "out.bin",
            ])
            .output()
            .unwrap();
        check("compile -j 1", &one);
        let many = Command::new(wasmaot_bin())
            .current_dir(b.parent().unwrap())
            .args(["compile", "--emit", emit, "-j", "4"])
            .arg(b.join("renamed-input.wat"))
            .args(["-o", "place/out.bin"])
            .output()
            .unwrap();
        check("compile -j 4", &many);
        let x = std::fs::read(a.join("out.bin")).unwrap();
        let y = std::fs::read(b.join("out.bin")).unwrap();
        assert!(
            x == y,
            "--emit {emit}: outputs differ ({} vs {} bytes)",
            x.len(),
            y.len()
        );
    }
}

const MODULE: &str = r#"(module $m
  (memory 1)
  (data (i32.const 0) "hi")
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $fill (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  ;; Without SSE4.1 (x86_64's baseline), Cranelift calls a float helper for this.
  (func $ceil (export "ceil") (param f32) (result f32) (f32.ceil (local.get 0))))"#;

fn compile_for(triple: &str, linkable: bool) -> Vec<u8> {
    let options = wasmaot_compiler::CompileOptions {
        target: Some(triple.to_string()),
        pic: linkable,
        symbol_prefix: "m_".into(),
        ..Default::default()
    };
    wasmaot_compiler::compile(MODULE.as_bytes(), &options)
        .unwrap_or_else(|e| panic!("{triple}: {e}"))
}

/// Relocation type names of `.text` (or `__text`) as `object` reports them.
fn text_relocation_kinds(file: &object::File<'_>) -> Vec<String> {
    let text = file
        .sections()
        .find(|s| matches!(s.name(), Ok(".text" | "__text")))
        .expect("a text section");
    let mut kinds: Vec<String> = text
        .relocations()
        .map(|(_, r)| match r.flags() {
            RelocationFlags::Elf { r_type } => format!("elf:{r_type}"),
            RelocationFlags::MachO { r_type, .. } => format!("macho:{r_type}"),
            RelocationFlags::Coff { typ } => format!("coff:{typ}"),
            other => format!("{other:?}"),
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
fn objects_for_other_platforms_parse_and_disassemble() {
    use object::{elf, macho};
    let dir = scratch("inspect");
    let objdump = have("llvm-objdump");
    // (triple, format, architecture, C symbol mangling, relocation kinds of calls to
    // Cranelift's float helpers in a linkable object: x86_64's baseline has no `roundss`)
    let cases: [(&str, ObjectFormat, object::Architecture, &str, Vec<String>); 8] = [
        (
            "x86_64-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::X86_64,
            "",
            vec![format!("elf:{}", elf::R_X86_64_GOTPCREL)],
        ),
        (
            "aarch64-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::Aarch64,
            "",
            vec![],
        ),
        (
            "riscv64gc-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::Riscv64,
            "",
            vec![],
        ),
        (
            "s390x-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::S390x,
            "",
            vec![],
        ),
        (
            "x86_64-apple-darwin",
            ObjectFormat::MachO,
            object::Architecture::X86_64,
            "_",
            vec![format!("macho:{}", macho::X86_64_RELOC_GOT)],
        ),
        (
            "aarch64-apple-darwin",
            ObjectFormat::MachO,
            object::Architecture::Aarch64,
            "_",
            vec![],
        ),
        (
            "x86_64-pc-windows-msvc",
            ObjectFormat::Coff,
            object::Architecture::X86_64,
            "",
            vec![format!("coff:{}", object::pe::IMAGE_REL_AMD64_ADDR64)],
        ),
        (
            "aarch64-pc-windows-msvc",
            ObjectFormat::Coff,
            object::Architecture::Aarch64,
            "",
            vec![],
        ),
    ];
    for (triple, format, arch, mangle, runtime_relocs) in cases {
        for linkable in [false, true] {
            let bytes = compile_for(triple, linkable);
            let what = format!("{triple} (linkable: {linkable})");
            let file = object::File::parse(&*bytes).unwrap();
            assert_eq!(file.architecture(), arch, "{what}");
            let expected_format = match format {
                ObjectFormat::Elf => object::BinaryFormat::Elf,
                ObjectFormat::MachO => object::BinaryFormat::MachO,
                ObjectFormat::Coff => object::BinaryFormat::Coff,
            };
            assert_eq!(file.format(), expected_format, "{what}");
            assert_eq!(file.kind(), object::ObjectKind::Relocatable, "{what}");

            // Metadata: the header names the target; nothing depends on the host.
            let meta = file.section_by_name(abi::metadata_section(format)).unwrap();
            let (header, module) = abi::decode_metadata(meta.data().unwrap()).unwrap();
            assert_eq!(header.target, triple, "{what}");
            assert_eq!(header.symbol_prefix, "m_", "{what}");
            assert_eq!(module.funcs.len(), 4, "{what}");

            // The descriptor: the only defined global symbol, pointing at three sections
            // through pointer-sized absolute relocations.
            let globals: Vec<_> = file
                .symbols()
                .filter(|s| s.is_definition() && s.is_global())
                .collect();
            assert_eq!(globals.len(), 1, "{what}");
            assert_eq!(
                globals[0].name().unwrap(),
                format!("{mangle}m_wasmaot_module"),
                "{what}"
            );
            let section = file
                .section_by_index(globals[0].section_index().unwrap())
                .unwrap();
            let relocs: Vec<_> = section.relocations().collect();
            assert_eq!(relocs.len(), 3, "{what}: descriptor relocations");
            for (_, r) in &relocs {
                assert_eq!(r.kind(), object::RelocationKind::Absolute, "{what}");
                assert_eq!(r.size(), 64, "{what}");
                assert!(
                    matches!(
                        r.target(),
                        RelocationTarget::Section(_) | RelocationTarget::Symbol(_)
                    ),
                    "{what}"
                );
            }

            // Functions: by wasm name in linkable objects, numbered otherwise; all local.
            let names: Vec<String> = file
                .symbols()
                .filter(|s| s.kind() == object::SymbolKind::Text && s.is_definition())
                .map(|s| s.name().unwrap().to_string())
                .collect();
            let expect = if linkable { "m_fill" } else { "m_wasm_func_1" };
            assert!(
                names.iter().any(|n| n == &format!("{mangle}{expect}")),
                "{what}: {names:?}"
            );

            // Runtime functions are reached through the VMContext, never by symbol: the
            // only undefined symbols `.text` may refer to are Cranelift's float helpers.
            let text = file
                .sections()
                .find(|s| matches!(s.name(), Ok(".text" | "__text")))
                .unwrap();
            for (_, r) in text.relocations() {
                if let RelocationTarget::Symbol(i) = r.target() {
                    let sym = file.symbol_by_index(i).unwrap();
                    let name = sym.name().unwrap().trim_start_matches('_');
                    assert!(
                        !sym.is_undefined() || abi::FloatHelper::from_symbol(name).is_some(),
                        "{what}: .text refers to undefined `{name}`"
                    );
                }
            }
            // Calls to float helpers: through the GOT in linkable ELF/Mach-O objects.
            if linkable {
                let kinds = text_relocation_kinds(&file);
                for k in &runtime_relocs {
                    assert!(kinds.contains(k), "{what}: {k} not among {kinds:?}");
                }
            }

            if objdump {
                let path = dir.join(format!("{triple}-{linkable}.o"));
                std::fs::write(&path, &bytes).unwrap();
                // Cranelift's s390x code uses z14 instructions (LLVM's default is older).
                let cpu: &[&str] = match arch {
                    object::Architecture::S390x => &["--mcpu=z14"],
                    // riscv64gc: the G (IMAFD) and C extensions; an ELF object without
                    // attributes is otherwise disassembled as plain RV64I.
                    object::Architecture::Riscv64 => &["--mattr=+m,+a,+f,+d,+c"],
                    _ => &[],
                };
                let out = Command::new("llvm-objdump")
                    .args(["-d", "-r"])
                    .args(cpu)
                    .arg(&path)
                    .output()
                    .unwrap();
                let text = check(&format!("llvm-objdump -d {}", path.display()), &out);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(stderr.trim().is_empty(), "{what}: llvm-objdump: {stderr}");
                assert!(
                    text.contains(&format!("<{mangle}{expect}>:")),
                    "{what}: llvm-objdump does not show `{expect}`:\n{text}"
                );
                // The only bytes that may not decode are the all-zero trap instruction
                // (riscv64's `unimp`, which Cranelift emits for traps).
                for line in text.lines().filter(|l| l.contains("<unknown>")) {
                    let bytes = line
                        .split(':')
                        .nth(1)
                        .unwrap_or("")
                        .replace("<unknown>", "");
                    assert!(
                        bytes.split_whitespace().all(|b| b == "00"),
                        "{what}: undecodable instruction: {line}"
                    );
                }
            }
        }
    }
}

const AARCH64_MODULE: &str = r#"(module
  (memory 1)
  (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
      (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
  (func $store_load (export "store_load") (param i32 i32) (result i32)
    (i32.store (local.get 0) (local.get 1))
    (i32.load (local.get 0))))"#;

/// aarch64 code under emulation: the `--emit obj` output for aarch64 Linux is linked
/// statically with the cross linker into a freestanding program
/// (`linking/aarch64_harness.c`, built with clang) that finds the code through the
/// module descriptor and calls it with a hand-built VMContext (offsets from
/// `wasmaot-abi`), then runs under qemu-user. The loader itself cannot be built for
/// aarch64 here (no aarch64 Rust standard library), so this exercises the compiler's
/// aarch64 code, trampolines, relocations and descriptor, not the runtime.
#[test]
fn aarch64_code_runs_under_qemu() {
    if !(have("clang") && have("aarch64-linux-gnu-ld") && have("qemu-aarch64")) {
        return;
    }
    let dir = scratch("aarch64");
    let options = wasmaot_compiler::CompileOptions {
        target: Some("aarch64-unknown-linux-gnu".into()),
        pic: true,
        symbol_prefix: "m_".into(),
        ..Default::default()
    };
    let bytes = wasmaot_compiler::compile(AARCH64_MODULE.as_bytes(), &options).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let meta = file
        .section_by_name(abi::metadata_section(ObjectFormat::Elf))
        .unwrap();
    let (_, meta) = abi::decode_metadata(meta.data().unwrap()).unwrap();
    let o = meta.vmoffsets(8);
    let func = |i: usize| {
        let f = &meta.funcs[i];
        (f.text_offset, meta.entry_trampolines[f.type_index as usize])
    };
    let (fib_text, fib_entry) = func(0);
    let (store_text, store_entry) = func(1);
    let layout = format!(
        "#define VMCTX_SIZE {}\n#define VMCTX_MAGIC {}u\n#define VMCTX_RUNTIME_LIMITS {}\n\
         #define VMCTX_MEMORY0 {}\n#define MEMORY_BASE {}\n#define MEMORY_LENGTH {}\n\
         #define LIMITS_SIZE {}\n#define LIMITS_STACK_LIMIT {}\n#define FUNCREF_SIZE {}\n\
         #define FUNCREF_WASM_CALL {}\n#define FUNCREF_VMCTX {}\n\
         #define FIB_TEXT {fib_text}\n#define FIB_ENTRY {fib_entry}\n\
         #define STORE_TEXT {store_text}\n#define STORE_ENTRY {store_entry}\n",
        o.size(),
        abi::VMCTX_MAGIC,
        o.vmctx_runtime_limits(),
        o.vmctx_defined_memory(0),
        o.memory_base(),
        o.memory_current_length(),
        o.size_of_limits(),
        o.limits_stack_limit(),
        o.size_of_funcref(),
        o.funcref_wasm_call(),
        o.funcref_vmctx(),
    );
    std::fs::write(dir.join("layout.h"), layout).unwrap();
    std::fs::write(dir.join("module.o"), &bytes).unwrap();
    let harness = workspace_root().join("tests/tests/linking/aarch64_harness.c");
    let cc = Command::new("clang")
        .args([
            "--target=aarch64-linux-gnu",
            "-ffreestanding",
            "-fno-builtin",
        ])
        .args(["-nostdlib", "-fno-pic", "-O1", "-Wall", "-Werror", "-c"])
        .arg("-I")
        .arg(&dir)
        .arg(&harness)
        .arg("-o")
        .arg(dir.join("harness.o"))
        .output()
        .unwrap();
    check("clang --target=aarch64-linux-gnu", &cc);
    let ld = Command::new("aarch64-linux-gnu-ld")
        .args(["-static", "-e", "_start", "-o"])
        .arg(dir.join("prog"))
        .arg(dir.join("harness.o"))
        .arg(dir.join("module.o"))
        .output()
        .unwrap();
    check("aarch64-linux-gnu-ld", &ld);
    let run = Command::new("qemu-aarch64")
        .arg(dir.join("prog"))
        .output()
        .unwrap();
    assert_eq!(
        check("qemu-aarch64", &run),
        "fib(20) = 6765\nstore_load(4000, 1234567) = 1234567, memory holds 1234567\n"
    );

    // An aarch64 shared object (linked by the cross linker) is refused on this host,
    // naming both targets.
    let wat = dir.join("m.wat");
    std::fs::write(&wat, AARCH64_MODULE).unwrap();
    let so = dir.join("m.so");
    let compiled = Command::new(wasmaot_bin())
        .args([
            "compile",
            "--target",
            "aarch64-unknown-linux-gnu",
            "--emit",
            "shared",
        ])
        .args(["--linker", "aarch64-linux-gnu-ld"])
        .arg(&wat)
        .arg("-o")
        .arg(&so)
        .output()
        .unwrap();
    check("wasmaot compile --emit shared (aarch64)", &compiled);
    let run = Command::new(wasmaot_bin())
        .arg("run")
        .arg(&so)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("artifact is for aarch64-unknown-linux-gnu, this host is"),
        "{stderr}"
    );
}

/// perf attributes samples in a `--emit shared` object to the wasm function names.
/// Skipped (with a message, also in CI) where perf is missing or sampling is not
/// permitted: that depends on the kernel, not on us.
#[test]
fn shared_object_shows_wasm_names_to_perf() {
    let out = scratch("shared-perf");
    let so = out.join("demo.so");
    let compiled = Command::new(wasmaot_bin())
        .args(["compile", "--emit", "shared", "--symbol-prefix", "demo_"])
        .arg(workspace_root().join("examples/shared/demo.wat"))
        .arg("-o")
        .arg(&so)
        .output()
        .unwrap();
    check("wasmaot compile --emit shared", &compiled);
    let data = out.join("perf.data");
    let record = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "5000", "-o"])
        .arg(&data)
        .arg("--")
        .arg(wasmaot_bin())
        .arg("run")
        .arg(&so)
        .args(["--invoke", "fib", "32"])
        .output();
    match record {
        Ok(r) if r.status.success() => {
            assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), "2178309");
        }
        other => {
            eprintln!("perf record is not available here; skipping ({other:?})");
            return;
        }
    }
    let report = Command::new("perf")
        .args(["report", "--stdio", "--sort", "dso,sym", "-i"])
        .arg(&data)
        .output()
        .unwrap();
    let text = check("perf report", &report);
    assert!(
        text.lines()
            .any(|l| l.contains("demo.so") && l.contains("[.] demo_fib")),
        "perf report:\n{text}"
    );
}
