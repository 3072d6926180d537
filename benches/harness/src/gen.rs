//! Synthetic modules: the small P1 cases and a large, deterministic module for P2/P4.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, ExportKind,
    ExportSection, Function, FunctionSection, Instruction as I, MemArg, MemorySection, MemoryType,
    Module, RefType, TableSection, TableType, TypeSection, ValType,
};

fn memory(pages: u64) -> MemoryType {
    MemoryType {
        minimum: pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
}

/// `(module (memory? pages) (data? ...) (func (export "run")))`.
fn tiny(mem_pages: Option<u64>, data: Option<Vec<u8>>) -> Vec<u8> {
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.function([], []);
    m.section(&types);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    m.section(&funcs);
    if let Some(p) = mem_pages {
        let mut mems = MemorySection::new();
        mems.memory(memory(p));
        m.section(&mems);
    }
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 0);
    if mem_pages.is_some() {
        exports.export("memory", ExportKind::Memory, 0);
    }
    m.section(&exports);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&I::End);
    code.function(&f);
    m.section(&code);
    if let Some(d) = data {
        let mut ds = DataSection::new();
        ds.active(0, &ConstExpr::i32_const(0), d);
        m.section(&ds);
    }
    m.finish()
}

/// No memory, one empty exported function.
pub fn empty_module() -> Vec<u8> {
    tiny(None, None)
}

/// One 64 KiB memory (one page), one empty exported function.
pub fn memory_module() -> Vec<u8> {
    tiny(Some(1), None)
}

/// A 1 MiB data image (pseudo-random, non-zero bytes) in a 17-page memory.
pub fn data_image_module() -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let data: Vec<u8> = (0..1 << 20).map(|_| (rng.next() as u8) | 1).collect();
    tiny(Some(17), Some(data))
}

/// xorshift64*: deterministic across platforms.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() >> 33) as u32 % n
    }
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

// Function types of the large module. Every defined function has locals laid out as
// params, then I32_LOCALS i32, I64_LOCALS i64, F64_LOCALS f64, then loop counters.
const T_I32: u32 = 0; // (i32, i32) -> i32
const T_I64: u32 = 1; // (i64, i32) -> i64
const T_F64: u32 = 2; // (f64, i32) -> f64
const T_RUN: u32 = 3; // () -> ()
const I32_LOCALS: u32 = 4;
const I64_LOCALS: u32 = 2;
const F64_LOCALS: u32 = 2;
const COUNTERS: u32 = 3;

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    I32,
    I64,
    F64,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    body: Vec<I<'static>>,
    ty: u32,
    /// Functions defined so far, with their type (calls go backwards only: no recursion).
    callees: &'a [u32],
    depth: u32,
}

impl Gen<'_> {
    fn param_ty(&self) -> Ty {
        match self.ty {
            T_I32 => Ty::I32,
            T_I64 => Ty::I64,
            _ => Ty::F64,
        }
    }
    // Local indices: 0 = first param (per type), 1 = i32 param, then declared locals.
    fn local(&mut self, t: Ty) -> u32 {
        let base_i32 = 2;
        let base_i64 = base_i32 + I32_LOCALS;
        let base_f64 = base_i64 + I64_LOCALS;
        let p0 = self.param_ty() == t && self.rng.chance(25);
        if p0 {
            return 0;
        }
        match t {
            Ty::I32 => {
                if self.rng.chance(20) {
                    1
                } else {
                    base_i32 + self.rng.below(I32_LOCALS)
                }
            }
            Ty::I64 => base_i64 + self.rng.below(I64_LOCALS),
            Ty::F64 => base_f64 + self.rng.below(F64_LOCALS),
        }
    }
    fn counter(&self, level: u32) -> u32 {
        2 + I32_LOCALS + I64_LOCALS + F64_LOCALS + level
    }
    fn memarg(&mut self, align: u32) -> MemArg {
        MemArg {
            offset: (self.rng.below(64) * 8) as u64,
            align,
            memory_index: 0,
        }
    }
    fn push(&mut self, i: I<'static>) {
        self.body.push(i);
    }
    /// An address in [0, 0xfff8]: loads and stores stay within the first page.
    fn addr(&mut self, d: u32) {
        self.expr(Ty::I32, d);
        self.push(I::I32Const(0xfff8));
        self.push(I::I32And);
    }
    fn expr(&mut self, t: Ty, d: u32) {
        let leaf = d == 0 || self.rng.chance(30);
        if leaf {
            match (t, self.rng.below(4)) {
                (Ty::I32, 0) => {
                    let v = self.rng.next() as i32 >> 8;
                    self.push(I::I32Const(v))
                }
                (Ty::I64, 0) => {
                    let v = self.rng.next() as i64 >> 8;
                    self.push(I::I64Const(v))
                }
                (Ty::F64, 0) => {
                    let v = (self.rng.below(20000) as f64 - 10000.0) / 128.0;
                    self.push(I::F64Const(v))
                }
                (t, 1) if d > 0 => {
                    self.addr(0);
                    let m = self.memarg(match t {
                        Ty::I32 => 2,
                        _ => 3,
                    });
                    self.push(match t {
                        Ty::I32 => I::I32Load(m),
                        Ty::I64 => I::I64Load(m),
                        Ty::F64 => I::F64Load(m),
                    });
                }
                (t, _) => {
                    let l = self.local(t);
                    self.push(I::LocalGet(l));
                }
            }
            return;
        }
        match t {
            Ty::I32 => match self.rng.below(12) {
                0 => {
                    self.expr(Ty::I64, d - 1);
                    self.push(I::I32WrapI64);
                }
                1 => {
                    self.expr(Ty::I32, d - 1);
                    self.expr(Ty::I32, d - 1);
                    self.expr(Ty::I32, d - 1);
                    self.push(I::Select);
                }
                2 => {
                    self.expr(Ty::F64, d - 1);
                    self.expr(Ty::F64, d - 1);
                    self.push(I::F64Lt);
                }
                3 => {
                    self.expr(Ty::I32, d - 1);
                    self.push(I::I32Eqz);
                }
                k => {
                    self.expr(Ty::I32, d - 1);
                    self.expr(Ty::I32, d - 1);
                    let pick = (k as usize * 7 + self.rng.below(12) as usize) % 12;
                    self.push(
                        [
                            I::I32Add,
                            I::I32Sub,
                            I::I32Mul,
                            I::I32And,
                            I::I32Or,
                            I::I32Xor,
                            I::I32Shl,
                            I::I32ShrU,
                            I::I32Rotl,
                            I::I32LtS,
                            I::I32GtU,
                            I::I32Eq,
                        ][pick]
                            .clone(),
                    );
                }
            },
            Ty::I64 => match self.rng.below(7) {
                0 => {
                    self.expr(Ty::I32, d - 1);
                    self.push(I::I64ExtendI32U);
                }
                k => {
                    self.expr(Ty::I64, d - 1);
                    self.expr(Ty::I64, d - 1);
                    self.push(
                        [
                            I::I64Add,
                            I::I64Mul,
                            I::I64Xor,
                            I::I64ShrU,
                            I::I64Rotl,
                            I::I64Sub,
                        ][k as usize - 1]
                            .clone(),
                    );
                }
            },
            Ty::F64 => match self.rng.below(7) {
                0 => {
                    self.expr(Ty::I32, d - 1);
                    self.push(I::F64ConvertI32S);
                }
                1 => {
                    self.expr(Ty::F64, d - 1);
                    self.push(I::F64Abs);
                    self.push(I::F64Sqrt);
                }
                k => {
                    self.expr(Ty::F64, d - 1);
                    self.expr(Ty::F64, d - 1);
                    self.push(
                        [I::F64Add, I::F64Sub, I::F64Mul, I::F64Div, I::F64Max][k as usize - 2]
                            .clone(),
                    );
                }
            },
        }
    }
    fn any_ty(&mut self) -> Ty {
        match self.rng.below(6) {
            0..=2 => Ty::I32,
            3 | 4 => Ty::I64,
            _ => Ty::F64,
        }
    }
    fn stmt(&mut self) {
        let nested = self.depth < COUNTERS;
        match self.rng.below(if nested { 20 } else { 14 }) {
            0..=5 => {
                let t = self.any_ty();
                self.expr(t, 3);
                let l = self.local(t);
                self.push(I::LocalSet(l));
            }
            6..=8 => {
                let t = self.any_ty();
                self.addr(2);
                self.expr(t, 2);
                let (m, i) = match t {
                    Ty::I32 => {
                        let m = self.memarg(2);
                        (m.clone(), I::I32Store(m))
                    }
                    Ty::I64 => {
                        let m = self.memarg(3);
                        (m.clone(), I::I64Store(m))
                    }
                    Ty::F64 => {
                        let m = self.memarg(3);
                        (m.clone(), I::F64Store(m))
                    }
                };
                let _ = m;
                self.push(i);
            }
            9..=11 if !self.callees.is_empty() => {
                // A direct call to an earlier function, its result kept.
                let j = self.rng.below(self.callees.len() as u32);
                let callee_ty = self.callees[j as usize];
                let (pt, rt) = match callee_ty {
                    T_I32 => (Ty::I32, Ty::I32),
                    T_I64 => (Ty::I64, Ty::I64),
                    _ => (Ty::F64, Ty::F64),
                };
                self.expr(pt, 2);
                self.expr(Ty::I32, 1);
                self.push(I::Call(j));
                let l = self.local(rt);
                self.push(I::LocalSet(l));
            }
            12 | 13 => {
                // call_indirect through the table (every function is in it).
                self.expr(Ty::I32, 1);
                self.expr(Ty::I32, 1);
                self.expr(Ty::I32, 1);
                self.push(I::I32Const(0x3ff));
                self.push(I::I32And);
                self.push(I::CallIndirect {
                    type_index: T_I32,
                    table_index: 0,
                });
                let l = self.local(Ty::I32);
                self.push(I::LocalSet(l));
            }
            9..=11 => {
                self.expr(Ty::I32, 2);
                let l = self.local(Ty::I32);
                self.push(I::LocalSet(l));
            }
            14 | 15 => {
                self.expr(Ty::I32, 2);
                self.push(I::If(BlockType::Empty));
                self.depth += 1;
                let n = 2 + self.rng.below(3);
                self.stmts(n);
                self.push(I::Else);
                let n = 1 + self.rng.below(3);
                self.stmts(n);
                self.depth -= 1;
                self.push(I::End);
            }
            16 | 17 => {
                // A counted loop: block { loop { body; c -= 1; br_if c != 0 } }.
                let c = self.counter(self.depth);
                let n = 1 + self.rng.below(16) as i32;
                self.push(I::I32Const(n));
                self.push(I::LocalSet(c));
                self.push(I::Block(BlockType::Empty));
                self.push(I::Loop(BlockType::Empty));
                self.depth += 1;
                let n = 3 + self.rng.below(5);
                self.stmts(n);
                self.depth -= 1;
                self.push(I::LocalGet(c));
                self.push(I::I32Const(1));
                self.push(I::I32Sub);
                self.push(I::LocalTee(c));
                self.push(I::BrIf(0));
                self.push(I::End);
                self.push(I::End);
            }
            _ => {
                // A small switch.
                self.push(I::Block(BlockType::Empty));
                self.push(I::Block(BlockType::Empty));
                self.push(I::Block(BlockType::Empty));
                self.expr(Ty::I32, 1);
                self.push(I::I32Const(3));
                self.push(I::I32And);
                self.push(I::BrTable(vec![0, 1, 2].into(), 2));
                self.push(I::End);
                self.depth += 1;
                let n = 1 + self.rng.below(2);
                self.stmts(n);
                self.push(I::Br(1));
                self.push(I::End);
                let n = 1 + self.rng.below(2);
                self.stmts(n);
                self.depth -= 1;
                self.push(I::End);
            }
        }
    }
    fn stmts(&mut self, n: u32) {
        for _ in 0..n {
            self.stmt();
        }
    }
}

/// A deterministic module of at least `min_bytes` of wasm: functions of loops, branches,
/// integer and float arithmetic, loads and stores, direct and indirect calls; one memory,
/// one funcref table holding every function, an exported `run`.
pub fn large_module(min_bytes: usize) -> Vec<u8> {
    let mut rng = Rng(0x5eed_0bad_cafe_f00d);
    let mut fn_types: Vec<u32> = Vec::new();
    let mut code = CodeSection::new();
    let mut code_bytes = 0usize;
    while code_bytes < min_bytes {
        let ty = match rng.below(10) {
            0..=5 => T_I32,
            6 | 7 => T_I64,
            _ => T_F64,
        };
        let mut g = Gen {
            rng: &mut rng,
            body: Vec::new(),
            ty,
            callees: &fn_types,
            depth: 0,
        };
        let n = 15 + g.rng.below(40);
        g.stmts(n);
        // Result.
        match ty {
            T_I32 => g.expr(Ty::I32, 3),
            T_I64 => g.expr(Ty::I64, 3),
            _ => g.expr(Ty::F64, 3),
        }
        g.push(I::End);
        let body = std::mem::take(&mut g.body);
        let mut f = Function::new([
            (I32_LOCALS, ValType::I32),
            (I64_LOCALS, ValType::I64),
            (F64_LOCALS, ValType::F64),
            (COUNTERS, ValType::I32),
        ]);
        for i in &body {
            f.instruction(i);
        }
        code_bytes += f.byte_len();
        code.function(&f);
        fn_types.push(ty);
    }
    // `run`: calls the first function.
    let nfuncs = fn_types.len() as u32;
    let mut run = Function::new([]);
    run.instruction(&I::I32Const(1));
    run.instruction(&I::I32Const(2));
    let first_i32 = fn_types.iter().position(|&t| t == T_I32).unwrap_or(0) as u32;
    run.instruction(&I::Call(first_i32));
    run.instruction(&I::Drop);
    run.instruction(&I::End);
    code.function(&run);

    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.function([ValType::I32, ValType::I32], [ValType::I32]);
    types.function([ValType::I64, ValType::I32], [ValType::I64]);
    types.function([ValType::F64, ValType::I32], [ValType::F64]);
    types.function([], []);
    m.section(&types);
    let mut funcs = FunctionSection::new();
    for &t in &fn_types {
        funcs.function(t);
    }
    funcs.function(T_RUN);
    m.section(&funcs);
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: 1024,
        maximum: Some(1024),
        shared: false,
    });
    m.section(&tables);
    let mut mems = MemorySection::new();
    mems.memory(memory(1));
    m.section(&mems);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, nfuncs);
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("f0", ExportKind::Func, first_i32);
    m.section(&exports);
    let mut elems = ElementSection::new();
    let idx: Vec<u32> = (0..nfuncs.min(1024)).collect();
    elems.active(None, &ConstExpr::i32_const(0), Elements::Functions(&idx));
    m.section(&elems);
    m.section(&code);
    m.finish()
}
