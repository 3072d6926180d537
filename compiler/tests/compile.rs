//! Compiler-level tests: errors, determinism, every target and format.

use object::{Object, ObjectSection, ObjectSymbol};
use wasmaot_abi::{self as abi, ObjectFormat};
use wasmaot_compiler::{compile, CompileError, CompileOptions};

const MODULE: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "mem") 1)
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (global $g (mut i32) (i32.const 7))
  (func $add (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "callhost") (call $log (global.get $g)))
  (data (i32.const 8) "hello"))
"#;

fn options(target: Option<&str>) -> CompileOptions {
    CompileOptions {
        target: target.map(str::to_string),
        ..Default::default()
    }
}

fn metadata(bytes: &[u8], format: ObjectFormat) -> (abi::Header, abi::ModuleMeta) {
    let file = object::File::parse(bytes).unwrap();
    let section = file
        .section_by_name(abi::metadata_section(format))
        .expect("metadata section");
    abi::decode_metadata(section.data().unwrap()).unwrap()
}

#[test]
fn invalid_module_error_names_the_offset() {
    // A function body that adds an i32 and an i64.
    let wasm =
        wat::parse_str("(module (func (result i32) i32.const 1 i64.const 2 i32.add))").unwrap();
    match compile(&wasm, &CompileOptions::default()) {
        Err(CompileError::Invalid { offset, message }) => {
            assert!(offset > 8 && offset < wasm.len(), "offset {offset}");
            assert!(message.contains("type mismatch"), "{message}");
        }
        other => panic!("expected an invalid-module error, got {other:?}"),
    }
    let err = compile(b"\0asm\x01\0\0\0\x01", &CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("byte offset"), "{err}");
    let err = compile(b"(module (func $f (result i32)", &CompileOptions::default()).unwrap_err();
    assert!(matches!(err, CompileError::Parse(_)), "{err}");
}

#[test]
fn unknown_target_is_a_clear_error() {
    let err = compile(MODULE.as_bytes(), &options(Some("nonsense-cpu-os"))).unwrap_err();
    assert!(matches!(err, CompileError::Target(_)), "{err}");
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let parallel = compile(MODULE.as_bytes(), &CompileOptions::default()).unwrap();
    let serial = compile(
        MODULE.as_bytes(),
        &CompileOptions {
            parallel: false,
            ..Default::default()
        },
    )
    .unwrap();
    let again = compile(MODULE.as_bytes(), &CompileOptions::default()).unwrap();
    assert_eq!(parallel, serial);
    assert_eq!(parallel, again);
}

#[test]
fn artifact_is_a_relocatable_object_with_metadata() {
    let bytes = compile(MODULE.as_bytes(), &CompileOptions::default()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    assert_eq!(file.kind(), object::ObjectKind::Relocatable);
    let (header, meta) = metadata(&bytes, ObjectFormat::Elf);
    assert_eq!(header.format_version, abi::FORMAT_VERSION);
    assert_eq!(meta.funcs.len(), 4);
    assert_eq!(meta.imports.len(), 1);
    assert_eq!(meta.entry_trampolines.len(), meta.types.len());
    assert!(meta
        .trap_sites
        .iter()
        .any(|t| t.code == abi::TrapCode::IntegerDivisionByZero));
    assert!(meta
        .trap_sites
        .windows(2)
        .all(|w| w[0].text_offset <= w[1].text_offset));
    let names: Vec<_> = file
        .symbols()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .collect();
    assert!(names.iter().any(|n| n == "wasm_func_1"), "{names:?}");
    // Runtime calls (memory.grow here) go through the VMContext's libcall table: no
    // undefined symbol, and the calls between functions are written into the code, so the
    // loader can map `.text` in place.
    let undefined: Vec<_> = file
        .symbols()
        .filter(|s| s.is_undefined() && !s.name().unwrap_or("").is_empty())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .collect();
    assert!(undefined.is_empty(), "{undefined:?}");
    assert!(header.text_prelinked);
    let (text_offset, text_size) = file.section_by_name(".text").unwrap().file_range().unwrap();
    assert_eq!((text_offset % 4096, text_size % 4096), (0, 0));
    // The checksum covers the whole file with its own field zeroed.
    let file_offset = file
        .section_by_name(abi::metadata_section(ObjectFormat::Elf))
        .unwrap()
        .file_range()
        .unwrap()
        .0 as usize
        + abi::CHECKSUM_OFFSET;
    assert_eq!(
        abi::artifact_checksum(&bytes, file_offset),
        Some(header.checksum)
    );
}

#[test]
fn every_supported_target_and_format() {
    let cases = [
        (
            "x86_64-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::X86_64,
        ),
        (
            "aarch64-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::Aarch64,
        ),
        (
            "riscv64gc-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::Riscv64,
        ),
        (
            "s390x-unknown-linux-gnu",
            ObjectFormat::Elf,
            object::Architecture::S390x,
        ),
        (
            "x86_64-apple-darwin",
            ObjectFormat::MachO,
            object::Architecture::X86_64,
        ),
        (
            "aarch64-apple-darwin",
            ObjectFormat::MachO,
            object::Architecture::Aarch64,
        ),
        (
            "x86_64-pc-windows-msvc",
            ObjectFormat::Coff,
            object::Architecture::X86_64,
        ),
    ];
    for (triple, format, arch) in cases {
        let bytes = compile(MODULE.as_bytes(), &options(Some(triple)))
            .unwrap_or_else(|e| panic!("{triple}: {e}"));
        let file = object::File::parse(&*bytes).unwrap();
        assert_eq!(file.architecture(), arch, "{triple}");
        let expected = match format {
            ObjectFormat::Elf => object::BinaryFormat::Elf,
            ObjectFormat::MachO => object::BinaryFormat::MachO,
            ObjectFormat::Coff => object::BinaryFormat::Coff,
        };
        assert_eq!(file.format(), expected, "{triple}");
        let (header, meta) = metadata(&bytes, format);
        assert_eq!(header.target, triple);
        assert_eq!(meta.funcs.len(), 4, "{triple}");
    }
}

#[test]
fn fuel_and_epoch_instrumentation_compiles_and_is_recorded() {
    let wat = r#"(module
      (func $f (param i32) (result i32)
        (local i32)
        (block (loop
          (br_if 1 (i32.eqz (local.get 0)))
          (local.set 1 (i32.add (local.get 1) (call $g (local.get 0))))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br 0)))
        (local.get 1))
      (func $g (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (return (i32.const 2)))))
      (func (export "t") (param i32) (result i32) (return_call $f (local.get 0))))"#;
    let plain = compile(wat.as_bytes(), &CompileOptions::default()).unwrap();
    for (fuel, epoch) in [(true, false), (false, true), (true, true)] {
        let opts = CompileOptions {
            consume_fuel: fuel,
            epoch_interruption: epoch,
            ..Default::default()
        };
        let bytes = compile(wat.as_bytes(), &opts).unwrap();
        let (header, _) = metadata(&bytes, ObjectFormat::Elf);
        assert_eq!(
            (
                header.tunables.consume_fuel,
                header.tunables.epoch_interruption
            ),
            (fuel, epoch)
        );
        // `.text` is padded to whole pages: compare the functions' own code.
        let code_size = |bytes: &[u8]| -> u32 {
            let (_, meta) = metadata(bytes, ObjectFormat::Elf);
            meta.funcs.iter().map(|f| f.text_len).sum()
        };
        assert!(
            code_size(&bytes) > code_size(&plain),
            "instrumented code is larger"
        );
    }
}
