//! Trap backtraces carry wasm byte offsets (Wasmtime's `module_offset`/`func_offset`):
//! the trapping instruction in the innermost frame, the call in outer frames.

use wasmaot_compiler::{compile, CompileOptions};
use wasmaot_loader::{Engine, Extern, Instance, Module, Store, Val};
use wasmparser::{Operator, Parser, Payload};

const MODULE: &str = r#"
(module $offsets
  (memory 1)
  (func $inner (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func $middle (param i32) (result i32)
    (local i64 i64)
    nop
    local.get 0
    i32.const 0
    call $inner)
  (func (export "div") (param i32) (result i32)
    local.get 0
    call $middle
    i32.const 1
    i32.add)
  (func (export "boom") unreachable)
  (func (export "load") (result i32)
    i32.const -4
    i32.load)
  (func (export "fill")
    i32.const 65530
    i32.const 0
    i32.const 100
    memory.fill))
"#;

/// For each defined function: (body start, [(offset of each operator, operator name)]).
fn operator_offsets(wasm: &[u8]) -> Vec<(usize, Vec<(usize, String)>)> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            let start = body.get_binary_reader().original_position() as usize;
            let mut ops = Vec::new();
            let mut reader = body.get_operators_reader().unwrap();
            while !reader.eof() {
                let (op, offset) = reader.read_with_offset().unwrap();
                let name = match op {
                    Operator::Call { .. } => "call".to_string(),
                    other => format!("{other:?}"),
                };
                ops.push((offset as usize, name));
            }
            out.push((start, ops));
        }
    }
    out
}

/// Offset of the (only) operator named `name` in defined function `func`, and its body start.
fn find(ops: &[(usize, Vec<(usize, String)>)], func: usize, name: &str) -> (usize, usize) {
    let (start, ops) = &ops[func];
    let hits: Vec<usize> = ops
        .iter()
        .filter(|(_, n)| n.starts_with(name))
        .map(|(o, _)| *o)
        .collect();
    assert_eq!(hits.len(), 1, "{name} in function {func}: {ops:?}");
    (hits[0], *start)
}

fn trap_frames(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> Vec<wasmaot_loader::FrameInfo> {
    let Some(Extern::Func(f)) = instance.get_export(&mut *store, name) else {
        panic!("no export {name}");
    };
    let ty = f.ty(&*store);
    let mut results: Vec<Val> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    let e = f.call(&mut *store, args, &mut results).unwrap_err();
    e.as_trap().expect("a trap").backtrace.clone()
}

#[test]
fn backtrace_frames_carry_wasm_offsets() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let ops = operator_offsets(&wasm);
    let artifact = compile(&wasm, &CompileOptions::default()).unwrap();
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &artifact).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let offsets = |f: &wasmaot_loader::FrameInfo| (f.func_index, f.module_offset, f.func_offset);
    let expect = |func: usize, name: &str| {
        let (at, start) = find(&ops, func, name);
        (func as u32, Some(at), Some(at - start))
    };

    // A trap in generated code (explicit check), two outer frames at their calls.
    let frames = trap_frames(&mut store, instance, "div", &[Val::I32(7)]);
    let got: Vec<_> = frames.iter().map(offsets).collect();
    assert_eq!(
        got,
        vec![expect(0, "I32DivS"), expect(1, "call"), expect(2, "call")],
        "{frames:?}"
    );
    // The body start is the code section entry after its size: `local.get 0` of $inner
    // follows one byte of local declarations (none); $middle's three (one group of two i64).
    assert_eq!(ops[0].1[0].0 - ops[0].0, 1);
    assert_eq!(ops[1].1[0].0 - ops[1].0, 3);
    assert_eq!(got[1].2, Some(find(&ops, 1, "call").0 - ops[1].0));

    let frames = trap_frames(&mut store, instance, "boom", &[]);
    let got: Vec<_> = frames.iter().map(offsets).collect();
    assert_eq!(got, vec![expect(3, "Unreachable")]);
    assert_eq!(got[0].2, Some(1));

    // A fault (signal handler, exact PC).
    let frames = trap_frames(&mut store, instance, "load", &[]);
    let got: Vec<_> = frames.iter().map(offsets).collect();
    assert_eq!(got, vec![expect(4, "I32Load")]);

    // A trap raised by a libcall (the innermost PC is a return address).
    let frames = trap_frames(&mut store, instance, "fill", &[]);
    let got: Vec<_> = frames.iter().map(offsets).collect();
    assert_eq!(got, vec![expect(5, "MemoryFill")]);
}
