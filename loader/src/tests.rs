//! End-to-end tests of the runtime with hand-built artifacts (x86_64 machine code written
//! by hand, so no compiler is needed): loading and verification, instantiation, calls,
//! host functions, memory, traps.

use crate::abi::{self, *};
use crate::*;
use object::write::{Object as WObject, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, Object, ObjectSection, SectionKind, SymbolFlags,
    SymbolKind, SymbolScope,
};

pub(crate) fn host_header() -> Header {
    let arch = std::env::consts::ARCH;
    Header {
        format_version: FORMAT_VERSION,
        checksum: 0,
        compiler_version: "test".into(),
        target: format!("{arch}-unknown-linux-gnu"),
        cpu_features: String::new(),
        wasm_features: features::ALL,
        tunables: Tunables::default(),
        symbol_prefix: String::new(),
        text_prelinked: false,
    }
}

/// Write an artifact: `.text` = `code` with `symbols`, metadata, data section; checksum set.
pub(crate) fn build_artifact(
    code: &[u8],
    symbols: &[(String, u64)],
    header: &Header,
    meta: &ModuleMeta,
    data: &[u8],
) -> Vec<u8> {
    build_artifact_with_relocs(code, symbols, &[], header, meta, data)
}

/// [`build_artifact`] with `.text` relocations: (offset, undefined symbol, ELF type, addend).
pub(crate) fn build_artifact_with_relocs(
    code: &[u8],
    symbols: &[(String, u64)],
    relocs: &[(u64, &str, u32, i64)],
    header: &Header,
    meta: &ModuleMeta,
    data: &[u8],
) -> Vec<u8> {
    let arch = if cfg!(target_arch = "aarch64") {
        Architecture::Aarch64
    } else {
        Architecture::X86_64
    };
    let mut obj = WObject::new(BinaryFormat::Elf, arch, Endianness::Little);
    let text = obj.section_id(StandardSection::Text);
    obj.append_section_data(text, code, 16);
    for (name, value) in symbols {
        obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: *value,
            size: 0,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    for (offset, name, r_type, addend) in relocs {
        let symbol = obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: 0,
            size: 0,
            kind: SymbolKind::Text,
            scope: SymbolScope::Unknown,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        });
        obj.add_relocation(
            text,
            object::write::Relocation {
                offset: *offset,
                symbol,
                addend: *addend,
                flags: object::RelocationFlags::Elf { r_type: *r_type },
            },
        )
        .unwrap();
    }
    let meta_section = obj.add_section(
        Vec::new(),
        metadata_section(ObjectFormat::Elf).as_bytes().to_vec(),
        SectionKind::ReadOnlyData,
    );
    let mut h = header.clone();
    h.checksum = 0;
    obj.append_section_data(meta_section, &encode_metadata(&h, meta), 8);
    let data_section = obj.add_section(
        Vec::new(),
        abi::data_section(ObjectFormat::Elf).as_bytes().to_vec(),
        SectionKind::ReadOnlyData,
    );
    obj.append_section_data(data_section, data, 4096);
    let mut bytes = obj.write().unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let (off, _) = file
        .section_by_name(metadata_section(ObjectFormat::Elf))
        .unwrap()
        .file_range()
        .unwrap();
    let field = off as usize + CHECKSUM_OFFSET;
    let crc = if header.checksum == 0 {
        artifact_checksum(&bytes, field).unwrap()
    } else {
        header.checksum
    };
    bytes[field..field + 4].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// A small module in hand-written x86_64 code.
///
/// types: 0 = (i32 i32) -> i32, 1 = (i32) -> i32, 2 = () -> ()
/// import 0: env::host (type 0)
/// func 1 `add` (type 0), func 2 `trap` (type 2, ud2), func 3 `load` (type 1: i32.load
/// from memory 0), func 4 `callhost` (type 0: tail-calls the import)
/// memory 0: 1..2 pages, data segment at 8 = 42
#[cfg(target_arch = "x86_64")]
pub(crate) fn sample_module() -> (Vec<u8>, ModuleMeta) {
    let types = vec![
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        FuncType::new([ValType::I32], [ValType::I32]),
        FuncType::new([], []),
    ];
    let mut meta = ModuleMeta {
        type_decls: (0..)
            .zip(&types)
            .map(|(i, t)| TypeDecl::plain(i, t))
            .collect(),
        types,
        imports: vec![Import {
            module: "env".into(),
            name: "host".into(),
            kind: ImportKind::Func(0),
        }],
        memories: vec![MemoryType {
            minimum: 1,
            maximum: Some(2),
            memory64: false,
            shared: false,
            page_size_log2: 16,
        }],
        exports: vec![
            Export {
                name: "add".into(),
                index: EntityIndex::Func(1),
            },
            Export {
                name: "trap".into(),
                index: EntityIndex::Func(2),
            },
            Export {
                name: "load".into(),
                index: EntityIndex::Func(3),
            },
            Export {
                name: "callhost".into(),
                index: EntityIndex::Func(4),
            },
            Export {
                name: "mem".into(),
                index: EntityIndex::Memory(0),
            },
        ],
        data: vec![DataSegment {
            mode: SegmentMode::Active {
                index: 0,
                offset: ConstExpr(vec![ConstOp::I32Const(8)]),
            },
            offset: 0,
            len: 4,
        }],
        module_name: Some("sample".into()),
        func_names: vec![(2, "trapper".into())],
        ..ModuleMeta::default()
    };
    // The funcs are needed for the layout; text offsets are patched below.
    meta.funcs = vec![
        FuncMeta {
            type_index: 0,
            text_offset: 0,
            text_len: 0
        };
        4
    ];
    meta.funcs[1].type_index = 2;
    meta.funcs[2].type_index = 1;
    let o = meta.vmoffsets(8);
    let mut code: Vec<u8> = Vec::new();
    let mark = |code: &mut Vec<u8>| {
        while !code.len().is_multiple_of(16) {
            code.push(0xcc);
        }
        code.len() as u32
    };
    // func 1: lea eax, [rdx+rcx]; ret
    let f1 = mark(&mut code);
    code.extend_from_slice(&[0x8d, 0x04, 0x0a, 0xc3]);
    // func 2: push rbp; mov rbp, rsp; ud2
    let f2 = mark(&mut code);
    code.extend_from_slice(&[0x55, 0x48, 0x89, 0xe5]);
    let trap_ud2 = code.len() as u32;
    code.extend_from_slice(&[0x0f, 0x0b]);
    // func 3: mov rax, [rdi + mem_base]; mov edx, edx; mov eax, [rax + rdx]; ret
    let f3 = mark(&mut code);
    code.extend_from_slice(&[0x48, 0x8b, 0x87]);
    code.extend_from_slice(&(o.vmctx_defined_memory(0) + o.memory_base()).to_le_bytes());
    code.extend_from_slice(&[0x89, 0xd2]);
    let trap_load = code.len() as u32;
    code.extend_from_slice(&[0x8b, 0x04, 0x10, 0xc3]);
    // func 4: mov rax, [rdi + imported_func0]; mov rsi, rdi; mov rdi, [rax+16]; jmp [rax]
    let f4 = mark(&mut code);
    code.extend_from_slice(&[0x48, 0x8b, 0x87]);
    code.extend_from_slice(&o.vmctx_imported_func(0).to_le_bytes());
    code.extend_from_slice(&[0x48, 0x89, 0xfe, 0x48, 0x8b, 0x78, 0x10, 0xff, 0x20]);
    // entry, type 0: push rbx; mov rbx, rdx; mov rax, rdi; mov rdi, [rax+16];
    // mov edx, [rbx]; mov ecx, [rbx+16]; call [rax]; mov [rbx], eax; pop rbx; ret
    let e0 = mark(&mut code);
    code.extend_from_slice(&[
        0x53, 0x48, 0x89, 0xd3, 0x48, 0x89, 0xf8, 0x48, 0x8b, 0x78, 0x10, 0x8b, 0x13, 0x8b, 0x4b,
        0x10, 0xff, 0x10, 0x89, 0x03, 0x5b, 0xc3,
    ]);
    // entry, type 1: as type 0 without the second parameter.
    let e1 = mark(&mut code);
    code.extend_from_slice(&[
        0x53, 0x48, 0x89, 0xd3, 0x48, 0x89, 0xf8, 0x48, 0x8b, 0x78, 0x10, 0x8b, 0x13, 0xff, 0x10,
        0x89, 0x03, 0x5b, 0xc3,
    ]);
    // entry, type 2: push rbx; mov rax, rdi; mov rdi, [rax+16]; call [rax]; pop rbx; ret
    let e2 = mark(&mut code);
    code.extend_from_slice(&[
        0x53, 0x48, 0x89, 0xf8, 0x48, 0x8b, 0x78, 0x10, 0xff, 0x10, 0x5b, 0xc3,
    ]);
    // host trampoline, type 0 (see ARCHITECTURE.md):
    // push rbp; mov rbp, rsp; sub rsp, 32; mov [rsp], edx; mov [rsp+16], ecx;
    // mov rax, [rdi+8]; mov rdx, rsp; mov ecx, 2; call rax; mov eax, [rsp];
    // mov rsp, rbp; pop rbp; ret
    let h0 = mark(&mut code);
    code.extend_from_slice(&[
        0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x20, 0x89, 0x14, 0x24, 0x89, 0x4c, 0x24, 0x10,
        0x48, 0x8b, 0x47, 0x08, 0x48, 0x89, 0xe2, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xff, 0xd0, 0x8b,
        0x04, 0x24, 0x48, 0x89, 0xec, 0x5d, 0xc3,
    ]);
    let end = mark(&mut code);
    let starts = [f1, f2, f3, f4, e0];
    for i in 0..4 {
        meta.funcs[i].text_offset = starts[i];
        meta.funcs[i].text_len = starts[i + 1] - starts[i];
    }
    let _ = end;
    meta.entry_trampolines = vec![e0, e1, e2];
    meta.host_trampolines = vec![h0, u32::MAX, u32::MAX];
    meta.trap_sites = vec![
        TrapSite {
            text_offset: trap_ud2,
            code: TrapCode::UnreachableCodeReached,
        },
        TrapSite {
            text_offset: trap_load,
            code: TrapCode::MemoryOutOfBounds,
        },
    ];
    (code, meta)
}

/// A module with a 4-page memory `m` (no maximum) whose `image_len` bytes at `start` are
/// a memory image at the start of the data section.
pub(crate) fn image_meta(start: u64, image_len: u64) -> ModuleMeta {
    ModuleMeta {
        memories: vec![MemoryType {
            minimum: 4,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: 16,
        }],
        exports: vec![Export {
            name: "m".into(),
            index: EntityIndex::Memory(0),
        }],
        memory_images: vec![MemoryImage {
            memory: 0,
            start,
            offset: 0,
            len: image_len,
        }],
        ..ModuleMeta::default()
    }
}

/// `sample_module` as an artifact, with its function symbols.
#[cfg(target_arch = "x86_64")]
pub(crate) fn sample_artifact() -> Vec<u8> {
    let (code, meta) = sample_module();
    let symbols: Vec<(String, u64)> = meta
        .funcs
        .iter()
        .enumerate()
        .map(|(i, f)| (func_symbol("", i as u32 + 1), u64::from(f.text_offset)))
        .collect();
    build_artifact(&code, &symbols, &host_header(), &meta, &42u32.to_le_bytes())
}

#[cfg(target_arch = "x86_64")]
mod x86_64 {
    use super::*;

    fn host_add(store: &mut Store<u32>) -> Func {
        Func::new(
            store,
            FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
            |mut caller, params, results| {
                *caller.data_mut() += 1;
                let (a, b) = (params[0].i32().unwrap(), params[1].i32().unwrap());
                if a == 13 {
                    return Err(Error::msg("unlucky"));
                }
                if a == 14 {
                    panic!("very unlucky");
                }
                if a == 15 {
                    return Err(Error::host(Payload(b)));
                }
                // The caller's exports are reachable.
                let mem = caller.get_export("mem").and_then(Extern::into_memory);
                let extra = match mem {
                    Some(m) => i32::from(m.data(&caller)[8]),
                    None => 1000,
                };
                results[0] = Val::I32(a * b + extra);
                Ok(())
            },
        )
    }

    #[test]
    fn instantiate_call_trap_and_host_functions() {
        let engine = Engine::default();
        let module = Module::from_bytes(&engine, &sample_artifact()).unwrap();
        assert_eq!(module.imports().len(), 1);
        assert_eq!(module.exports().len(), 5);
        let mut store = Store::new(&engine, 0u32);
        let host = host_add(&mut store);
        let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();

        let add = instance.get_func(&mut store, "add").unwrap();
        let mut out = [Val::I32(0)];
        add.call(&mut store, &[Val::I32(40), Val::I32(2)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(42));
        let e = add.call(&mut store, &[Val::I32(40)], &mut out).unwrap_err();
        assert_eq!(e.to_string(), "expected 2 arguments, got 1");
        let e = add
            .call(&mut store, &[Val::I32(40), Val::I64(2)], &mut out)
            .unwrap_err();
        assert_eq!(e.to_string(), "argument 2: expected i32, found i64");

        // Memory: data segment applied, loads in bounds, faults out of bounds.
        let load = instance.get_func(&mut store, "load").unwrap();
        load.call(&mut store, &[Val::I32(8)], &mut out).unwrap();
        assert_eq!(out[0], Val::I32(42));
        let e = load
            .call(&mut store, &[Val::I32(65536)], &mut out)
            .unwrap_err();
        assert_eq!(e.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{e}");
        let mem = instance.get_memory(&mut store, "mem").unwrap();
        assert_eq!(mem.grow(&mut store, 1).unwrap(), 1);
        mem.data_mut(&mut store)[65536] = 7;
        load.call(&mut store, &[Val::I32(65536)], &mut out).unwrap();
        assert_eq!(out[0], Val::I32(7));
        assert!(mem.grow(&mut store, 1).is_err());
        let e = load
            .call(&mut store, &[Val::I32(-1)], &mut out)
            .unwrap_err();
        assert_eq!(e.trap_code(), Some(TrapCode::MemoryOutOfBounds));

        // Traps leave the store usable and carry a backtrace.
        let trap = instance.get_func(&mut store, "trap").unwrap();
        for _ in 0..3 {
            let e = trap.call(&mut store, &[], &mut []).unwrap_err();
            assert_eq!(e.trap_code(), Some(TrapCode::UnreachableCodeReached));
            let t = e.as_trap().unwrap();
            assert_eq!(t.backtrace.len(), 1, "{e}");
            assert_eq!(t.backtrace[0].func_name.as_deref(), Some("trapper"));
            assert!(
                e.to_string()
                    .contains("wasm trap: wasm `unreachable` instruction executed"),
                "{e}"
            );
            assert!(e.to_string().contains("sample!trapper"), "{e}");
        }
        assert_eq!(store.inner.opaque.limits.stack_limit, 0);

        // wasm -> host, through the host trampoline.
        let callhost = instance.get_func(&mut store, "callhost").unwrap();
        callhost
            .call(&mut store, &[Val::I32(6), Val::I32(7)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(42 + 42));
        assert_eq!(*store.data(), 1);
        let e = callhost
            .call(&mut store, &[Val::I32(13), Val::I32(7)], &mut out)
            .unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Trap(t) if t.code.is_none()),
            "{e:?}"
        );
        assert!(e.to_string().contains("unlucky"), "{e}");
        let e = callhost
            .call(&mut store, &[Val::I32(14), Val::I32(7)], &mut out)
            .unwrap_err();
        assert!(e.to_string().contains("panicked: very unlucky"), "{e}");
        // A host error's payload survives the unwind through wasm.
        let e = callhost
            .call(&mut store, &[Val::I32(15), Val::I32(99)], &mut out)
            .unwrap_err();
        assert_eq!(e.trap_code(), None);
        assert_eq!(e.downcast_ref::<Payload>(), Some(&Payload(99)));
        assert!(e.is::<Payload>() && !e.is::<std::fmt::Error>());
        let source = std::error::Error::source(&e).unwrap();
        assert_eq!(source.to_string(), "payload 99");
        assert!(e.to_string().contains("payload 99"), "{e}");
        let e = host
            .call(&mut store, &[Val::I32(15), Val::I32(98)], &mut out)
            .unwrap_err();
        assert_eq!(e.downcast_ref::<Payload>(), Some(&Payload(98)));
        callhost
            .call(&mut store, &[Val::I32(2), Val::I32(3)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(6 + 42));
        // The host function called directly from Rust.
        host.call(&mut store, &[Val::I32(2), Val::I32(3)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(6 + 1000));
        assert_eq!(*store.data(), 7);
    }

    #[derive(Debug, PartialEq)]
    struct Payload(i32);
    impl std::fmt::Display for Payload {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "payload {}", self.0)
        }
    }
    impl std::error::Error for Payload {}

    #[test]
    fn imports_are_checked() {
        let engine = Engine::default();
        let module = Module::from_bytes(&engine, &sample_artifact()).unwrap();
        let mut store = Store::new(&engine, 0u32);
        let e = Instance::new(&mut store, &module, &[]).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Link), "{e}");
        let wrong = Func::new(
            &mut store,
            FuncType::new([ValType::I32], [ValType::I32]),
            |_, _, _| Ok(()),
        );
        let e = Instance::new(&mut store, &module, &[wrong.into()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("incompatible import type for `env::host`"),
            "{e}"
        );
        let g = Global::new(
            &mut store,
            GlobalType {
                ref_type: None,
                content: ValType::I32,
                mutable: false,
            },
            Val::I32(1),
        )
        .unwrap();
        let e = Instance::new(&mut store, &module, &[g.into()]).unwrap_err();
        assert!(
            e.to_string().contains("expected function, found global"),
            "{e}"
        );

        let mut linker = Linker::new(&engine);
        let e = linker.instantiate(&mut store, &module).unwrap_err();
        assert!(e.to_string().contains("unknown import: `env::host`"), "{e}");
        linker
            .func_new(
                "env",
                "host",
                FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
                |_, p, r| {
                    r[0] = Val::I32(p[0].i32().unwrap() - p[1].i32().unwrap());
                    Ok(())
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance.get_func(&mut store, "callhost").unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(10), Val::I32(3)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(7));
        // A second store gets its own host function.
        let mut store2 = Store::new(&engine, 0u32);
        let instance2 = linker.instantiate(&mut store2, &module).unwrap();
        let f2 = instance2.get_func(&mut store2, "callhost").unwrap();
        f2.call(&mut store2, &[Val::I32(1), Val::I32(3)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(-2));
        // Handles of one store are rejected by another.
        assert!(f
            .call(&mut store2, &[Val::I32(1), Val::I32(3)], &mut out)
            .is_err());
    }

    #[test]
    fn function_symbols_must_agree_with_the_metadata() {
        let engine = Engine::default();
        let (code, meta) = sample_module();
        let symbols = |shift: u64, name: &dyn Fn(u32) -> String| -> Vec<(String, u64)> {
            meta.funcs
                .iter()
                .enumerate()
                .map(|(i, f)| (name(i as u32 + 1), u64::from(f.text_offset) + shift))
                .collect()
        };
        let load = |symbols: &[(String, u64)]| {
            Module::from_bytes(
                &engine,
                &build_artifact(&code, symbols, &host_header(), &meta, &42u32.to_le_bytes()),
            )
        };
        load(&symbols(0, &|i| func_symbol("", i))).unwrap();
        let e = load(&symbols(1, &|i| func_symbol("", i))).unwrap_err();
        assert!(
            e.to_string()
                .contains("function 1 at .text offset 0 but symbol `wasm_func_1` is at 1"),
            "{e}"
        );
        // Other spellings are not function symbols.
        load(&symbols(1, &|i| format!("wasm_func_0{i}"))).unwrap();
        load(&symbols(1, &|i| format!("wasm_func_{}", i + 10))).unwrap();
    }

    #[test]
    fn corrupt_artifacts_are_rejected_cleanly() {
        let engine = Engine::default();
        let good = sample_artifact();
        Module::from_bytes(&engine, &good).unwrap();
        for len in (0..good.len()).step_by(97).chain([good.len() - 1]) {
            assert!(
                Module::from_bytes(&engine, &good[..len]).is_err(),
                "truncated to {len}"
            );
        }
        for i in (0..good.len()).step_by(13) {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            let e = Module::from_bytes(&engine, &bad).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::Load), "byte {i}: {e}");
        }
        let e = Module::from_bytes(&engine, b"\x7fELF garbage").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("artifact: not a valid object file"),
            "{e}"
        );
    }

    #[test]
    fn header_checks_name_the_problem() {
        let engine = Engine::default();
        let (code, meta) = sample_module();
        let load = |h: &Header| {
            Module::from_bytes(&engine, &build_artifact(&code, &[], h, &meta, &[0; 4]))
        };
        let mut h = host_header();
        h.format_version = 99;
        let e = load(&h).unwrap_err();
        assert!(
            e.to_string().contains(&format!(
                "format version {FORMAT_VERSION}, found version 99"
            )),
            "{e}"
        );
        let mut h = host_header();
        h.target = "aarch64-apple-darwin".into();
        let e = load(&h).unwrap_err();
        assert!(
            e.to_string()
                .contains("artifact is for aarch64-apple-darwin, this host is x86_64-linux"),
            "{e}"
        );
        let mut h = host_header();
        h.cpu_features = "has_sse3,has_frobnicate".into();
        let e = load(&h).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown CPU feature `has_frobnicate`"),
            "{e}"
        );
        let mut h = host_header();
        h.tunables.memory_reservation = 1 << 20;
        let e = load(&h).unwrap_err();
        assert!(e.to_string().contains("memory_reservation"), "{e}");
        let mut h = host_header();
        h.checksum = 0x1234_5678;
        let e = load(&h).unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        let mut bad = meta.clone();
        bad.funcs[0].text_offset = 1 << 20;
        let e = Module::from_bytes(
            &engine,
            &build_artifact(&code, &[], &host_header(), &bad, &[0; 4]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("function 0: code"), "{e}");
        let mut bad = meta.clone();
        bad.data[0].len = 100;
        let e = Module::from_bytes(
            &engine,
            &build_artifact(&code, &[], &host_header(), &bad, &[0; 4]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("data segment 0"), "{e}");
        let path =
            std::env::temp_dir().join(format!("wasmaot-loader-test-{}.cwasm", std::process::id()));
        std::fs::write(
            &path,
            build_artifact(&code, &[], &host_header(), &meta, &[0; 4]),
        )
        .unwrap();
        Module::from_file(&engine, &path).unwrap();
        std::fs::write(&path, b"").unwrap();
        let e = Module::from_file(&engine, &path).unwrap_err();
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn host_objects() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let g = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::I64,
            mutable: true,
        },
        Val::I64(5),
    )
    .unwrap();
    assert_eq!(g.get(&mut store), Val::I64(5));
    g.set(&mut store, Val::I64(-1)).unwrap();
    assert_eq!(g.get(&mut store), Val::I64(-1));
    assert!(g.set(&mut store, Val::I32(1)).is_err());
    let c = Global::new(
        &mut store,
        GlobalType {
            ref_type: None,
            content: ValType::F32,
            mutable: false,
        },
        Val::F32(1.5f32.to_bits()),
    )
    .unwrap();
    assert!(c.set(&mut store, Val::F32(0)).is_err());

    let r = ExternRef::new(&mut store, Box::new(17u64));
    assert_eq!(r.data(&store).downcast_ref::<u64>(), Some(&17));
    let t = Table::new(
        &mut store,
        TableType {
            ref_type: None,
            element: ValType::ExternRef,
            minimum: 2,
            maximum: Some(4),
            table64: false,
        },
        Val::ExternRef(Some(r)),
    )
    .unwrap();
    assert_eq!(t.size(&store), 2);
    assert_eq!(t.get(&mut store, 1), Some(Val::ExternRef(Some(r))));
    assert_eq!(t.grow(&mut store, 2, Val::ExternRef(None)).unwrap(), 2);
    assert_eq!(t.get(&mut store, 3), Some(Val::ExternRef(None)));
    assert!(t.grow(&mut store, 1, Val::ExternRef(None)).is_err());
    assert!(t.set(&mut store, 4, Val::ExternRef(None)).is_err());
    assert!(t.set(&mut store, 0, Val::I32(0)).is_err());
    assert_eq!(t.get(&mut store, 4), None);

    let f = Func::new(&mut store, FuncType::new([], [ValType::I32]), |_, _, r| {
        r[0] = Val::I32(3);
        Ok(())
    });
    let ft = Table::new(
        &mut store,
        TableType {
            ref_type: None,
            element: ValType::FuncRef,
            minimum: 1,
            maximum: None,
            table64: false,
        },
        Val::FuncRef(Some(f)),
    )
    .unwrap();
    let Some(Val::FuncRef(Some(g2))) = ft.get(&mut store, 0) else {
        panic!()
    };
    assert_eq!(g2, f);
    let mut out = [Val::I32(0)];
    g2.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(3));

    let m = Memory::new(
        &mut store,
        MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: 16,
        },
    )
    .unwrap();
    assert_eq!(m.size(&store), 1);
    assert_eq!(m.data(&store).len(), 65536);
    assert_eq!(m.grow(&mut store, 3).unwrap(), 1);
    assert_eq!(m.data(&store).len(), 4 * 65536);
    assert_eq!(
        Extern::from(m).ty(&store),
        ExternType::Memory(MemoryType {
            minimum: 4,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: 16
        })
    );
}

#[test]
fn thread_safety_of_shared_types() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send::<Store<()>>();
    send_sync::<Func>();
    send_sync::<Error>();
}

#[test]
fn memory_and_store_data_together() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, vec![0u8; 0]);
    let ty = MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: 16,
    };
    let m = Memory::new(&mut store, ty).unwrap();
    m.data_mut(&mut store)[10] = 5;
    let (bytes, data) = m.data_and_store_mut(&mut store);
    data.extend_from_slice(&bytes[8..12]);
    bytes[0] = 1;
    assert_eq!(store.data(), &[0, 0, 5, 0]);
    assert_eq!(m.data(&store)[0], 1);
    // A handle of another store gives no bytes.
    let mut other = Store::new(&engine, Vec::<u8>::new());
    let (bytes, _) = m.data_and_store_mut(&mut other);
    assert!(bytes.is_empty());
}

#[test]
fn memory_images_mapped_from_the_file_or_copied() {
    // At the start of the memory, and one page further on (what the compiler makes of a
    // module whose data begins beyond its stack).
    for start in [0, 65536] {
        image_mapped_from_the_file_or_copied(start);
    }
}

fn image_mapped_from_the_file_or_copied(start: usize) {
    let image_len = 2 * 65536 + 100;
    let end = start + image_len;
    let data: Vec<u8> = (0..image_len).map(|i| (i % 251) as u8 | 1).collect();
    let meta = image_meta(start as u64, image_len as u64);
    let bytes = build_artifact(&[], &[], &host_header(), &meta, &data);
    let path = std::env::temp_dir().join(format!(
        "wasmaot-image-{}-{start}.cwasm",
        std::process::id()
    ));
    std::fs::write(&path, &bytes).unwrap();
    let engine = Engine::default();
    let from_file = Module::from_file(&engine, &path).unwrap();
    let from_bytes = Module::from_bytes(&engine, &bytes).unwrap();
    for module in [&from_file, &from_bytes, &from_file, &from_bytes] {
        for _ in 0..3 {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, module, &[]).unwrap();
            let m = instance.get_memory(&mut store, "m").unwrap();
            let mem = m.data_mut(&mut store);
            assert_eq!(mem.len(), 4 * 65536);
            assert!(mem[..start].iter().all(|&b| b == 0));
            assert_eq!(&mem[start..end], &data[..]);
            assert!(mem[end..].iter().all(|&b| b == 0));
            if cfg!(target_os = "linux") {
                let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
                let mapped = maps
                    .lines()
                    .filter(|l| l.ends_with(&*path.to_string_lossy()));
                // The artifact mapping itself, plus the image when loaded from the file.
                let from_file = std::ptr::eq(module, &from_file);
                assert!(mapped.count() >= if from_file { 2 } else { 1 });
            }
            // Writes go to this instance only (and never to the file).
            mem[0] = 3;
            mem[start] = 0;
            mem[end - 1] = 0;
            mem[4 * 65536 - 1] = 9;
            m.grow(&mut store, 1).unwrap();
            m.data_mut(&mut store)[5 * 65536 - 1] = 7;
        }
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // Other memories reusing the reservations start zeroed.
    for _ in 0..4 {
        let mut store = Store::new(&engine, ());
        let m = Memory::new(&mut store, meta.memories[0]).unwrap();
        assert!(m.data(&store).iter().all(|&b| b == 0));
    }
    let _ = std::fs::remove_file(&path);
}
