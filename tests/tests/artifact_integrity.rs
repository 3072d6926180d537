//! A damaged, foreign or newer artifact is refused with a clear error before any of its
//! code runs: byte flips anywhere, truncation, another target, another format version.

use std::process::Command;
use wasmaot_loader::abi;
use wasmaot_loader::{Engine, ErrorKind, Instance, Module, Store};
use wasmaot_tests::{compile, fix_checksum, metadata_range, wasmaot_bin, write_checksum, TempDir};

/// A module with something in every part of the artifact: code with calls and traps,
/// a memory with data, a table with elements, globals and exports (no imports, so that `wasmaot run`
/// would run it).
const MODULE: &str = r#"(module $m
  (memory (export "mem") 1 2)
  (data (i32.const 16) "hello, artifact")
  (table 4 funcref)
  (elem (i32.const 0) $f $g)
  (global $counter (mut i64) (i64.const 7))
  (func $f (export "f") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $g (result i64)
    (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
    (global.get $counter))
  (func (export "h") (param i32) (result i32)
    (call $f (local.get 0) (i32.load8_u (i32.const 16))))
  (func $init (drop (call $g)))
  (start $init))"#;

fn load_error(engine: &Engine, bytes: &[u8]) -> Option<wasmaot_loader::Error> {
    Module::from_bytes(engine, bytes).err()
}

/// Assert that `bytes` is refused as a bad artifact; returns the message.
fn assert_refused(engine: &Engine, bytes: &[u8], what: &str) -> String {
    match load_error(engine, bytes) {
        None => panic!("{what}: the damaged artifact was accepted"),
        Some(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Load),
                "{what}: refused, but not as a load error: {e}"
            );
            let message = e.to_string();
            assert!(!message.is_empty(), "{what}: empty error message");
            message
        }
    }
}

/// `wasmaot run` on `bytes` exits with 1, prints an error and no result.
fn assert_cli_refuses(bytes: &[u8], what: &str, dir: &TempDir) {
    let bin = wasmaot_bin();
    let path = dir.join("damaged.cwasm");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(bin)
        .args(["run"])
        .arg(&path)
        .args(["--invoke", "f", "1", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: wasmaot run: {stderr}");
    assert!(stderr.starts_with("error: "), "{what}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{what}: wasmaot run printed a result"
    );
}

#[test]
fn the_intact_artifact_loads() {
    let engine = Engine::default();
    let artifact = compile(MODULE);
    let module = Module::from_bytes(&engine, &artifact).expect("the intact artifact loads");
    assert_eq!(module.header().format_version, abi::FORMAT_VERSION);
}

#[test]
fn every_flipped_byte_is_refused() {
    let engine = Engine::default();
    let artifact = compile(MODULE);
    let meta = metadata_range(&artifact);
    // The checksum covers the whole file, so every single flip must be caught. Every
    // position for small files; a stride plus the whole metadata section otherwise.
    let stride = (artifact.len() / 4096).max(1);
    let positions: Vec<usize> = (0..artifact.len())
        .filter(|i| i % stride == 0 || meta.contains(i))
        .collect();
    let (mut checksum_errors, mut others) = (0, std::collections::BTreeSet::new());
    for &i in &positions {
        for flip in [0x01u8, 0x80] {
            let mut bytes = artifact.clone();
            bytes[i] ^= flip;
            let message = assert_refused(&engine, &bytes, &format!("byte {i:#x} ^ {flip:#x}"));
            if message.contains("checksum") {
                checksum_errors += 1;
            } else {
                others.insert(message);
            }
        }
    }
    println!(
        "{} positions of {} bytes refused: {checksum_errors} by the checksum, the others with:",
        positions.len(),
        artifact.len()
    );
    for m in others.iter().take(20) {
        println!("  {m}");
    }
    let dir = TempDir::new("flip");
    for i in [
        0,
        4,
        16,
        meta.start,
        meta.start + 8,
        meta.start + 20,
        meta.end - 1,
        artifact.len() - 1,
    ] {
        let mut bytes = artifact.clone();
        bytes[i] ^= 0x80;
        assert_cli_refuses(&bytes, &format!("byte {i:#x} flipped"), &dir);
    }
}

#[test]
fn every_truncation_is_refused() {
    let engine = Engine::default();
    let artifact = compile(MODULE);
    let stride = (artifact.len() / 2048).max(1);
    for len in (0..artifact.len()).filter(|l| l % stride == 0 || l + 64 >= artifact.len()) {
        assert_refused(
            &engine,
            &artifact[..len],
            &format!("truncated to {len} bytes"),
        );
    }
    let dir = TempDir::new("truncate");
    for len in [0, 3, 64, artifact.len() / 2, artifact.len() - 1] {
        assert_cli_refuses(&artifact[..len], &format!("truncated to {len} bytes"), &dir);
    }
}

#[test]
fn a_newer_format_version_is_refused() {
    let engine = Engine::default();
    let mut artifact = compile(MODULE);
    let at = metadata_range(&artifact).start + 8;
    artifact[at..at + 4].copy_from_slice(&(abi::FORMAT_VERSION + 1).to_le_bytes());
    fix_checksum(&mut artifact);
    let message = assert_refused(&engine, &artifact, "format version + 1");
    assert!(
        message.contains("version"),
        "the error does not name the version: {message}"
    );
    assert_cli_refuses(&artifact, "format version + 1", &TempDir::new("version"));
}

/// Another architecture of the same name length as the host's, so the triple can be
/// patched in place.
fn foreign_arch(host: &str) -> Option<&'static str> {
    ["x86_64", "mips64", "aarch64", "riscv64"]
        .into_iter()
        .find(|a| a.len() == host.len() && *a != host)
}

#[test]
fn another_target_is_refused() {
    let engine = Engine::default();
    let artifact = compile(MODULE);
    let meta = metadata_range(&artifact);
    let header = Module::from_bytes(&engine, &artifact)
        .unwrap()
        .header()
        .clone();
    let host_arch = header.target.split('-').next().unwrap().to_string();
    let Some(arch) = foreign_arch(&host_arch) else {
        println!("no foreign architecture of the host's name length: skipping");
        return;
    };
    // Patch the triple in the header and make the checksum right again.
    let triple = header.target.as_bytes();
    let section = &artifact[meta.clone()];
    let pos = section
        .windows(triple.len())
        .position(|w| w == triple)
        .expect("the triple is in the metadata");
    let mut patched = artifact.clone();
    patched[meta.start + pos..meta.start + pos + arch.len()].copy_from_slice(arch.as_bytes());
    fix_checksum(&mut patched);
    let message = assert_refused(&engine, &patched, "patched target");
    assert!(
        message.contains(arch),
        "the error does not name the artifact's target: {message}"
    );
    assert_cli_refuses(&patched, "patched target", &TempDir::new("target"));

    // A real cross-compiled artifact.
    let cross = if host_arch == "aarch64" {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    let options = wasmaot_compiler::CompileOptions {
        target: Some(cross.into()),
        ..Default::default()
    };
    match wasmaot_compiler::compile(MODULE.as_bytes(), &options) {
        Ok(foreign) => {
            let message = assert_refused(&engine, &foreign, cross);
            println!("{cross}: {message}");
            assert!(
                message.contains(cross),
                "the error does not name the artifact's target: {message}"
            );
            assert_cli_refuses(&foreign, cross, &TempDir::new("cross"));
        }
        Err(e) => println!("cross-compiling for {cross} is not supported yet: {e}"),
    }
}

/// With the checksum made right again (a deliberately forged artifact), every flipped
/// byte is either refused or loads: the loader never panics or crashes while loading.
/// (What forged code would do when run is not the loader's to check.)
#[test]
fn forged_artifacts_never_crash_the_loader() {
    let engine = Engine::default();
    let artifact = compile(MODULE);
    let checksum = metadata_range(&artifact).start + abi::CHECKSUM_OFFSET;
    let (mut refused, mut loaded) = (0, 0);
    for i in (0..artifact.len()).filter(|i| !(checksum..checksum + 4).contains(i)) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bytes = artifact.clone();
            bytes[i] ^= flip;
            write_checksum(&mut bytes, checksum);
            let outcome = std::panic::catch_unwind(|| Module::from_bytes(&engine, &bytes).is_ok());
            match outcome {
                Ok(true) => loaded += 1,
                Ok(false) => refused += 1,
                Err(_) => panic!("the loader panicked on byte {i:#x} ^ {flip:#x}"),
            }
        }
    }
    println!("forged artifacts: {refused} refused, {loaded} loaded");
}

/// A module without a start function, so that instantiating runs no code.
const NO_START: &str = r#"(module
  (memory (export "mem") 1 2)
  (data (i32.const 16) "hello, artifact")
  (data $p "passive")
  (table 4 funcref)
  (elem (i32.const 0) $f $g)
  (elem $e func $f)
  (global $counter (mut i64) (i64.const 7))
  (global (export "g2") i32 (i32.const 3))
  (func $f (export "f") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $g (result i64) (global.get $counter)))"#;

/// Forged metadata (checksum made right) that loads must also instantiate or fail
/// cleanly: segment offsets, indices and initializers are checked, not trusted.
#[test]
fn forged_metadata_never_crashes_instantiation() {
    let engine = Engine::default();
    let artifact = compile(NO_START);
    let meta = metadata_range(&artifact);
    let checksum = meta.start + abi::CHECKSUM_OFFSET;
    let (mut refused, mut loaded, mut instantiated) = (0, 0, 0);
    for i in meta.filter(|i| !(checksum..checksum + 4).contains(i)) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bytes = artifact.clone();
            bytes[i] ^= flip;
            write_checksum(&mut bytes, checksum);
            let Ok(module) = Module::from_bytes(&engine, &bytes) else {
                refused += 1;
                continue;
            };
            loaded += 1;
            let mut store = Store::new(&engine, ());
            if Instance::new(&mut store, &module, &[]).is_ok() {
                instantiated += 1;
            }
        }
    }
    println!("forged metadata: {refused} refused, {loaded} loaded, {instantiated} instantiated");
}
