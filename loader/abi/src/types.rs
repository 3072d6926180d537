//! WebAssembly types and constant expressions as they are recorded in artifacts.

use super::encoding::{DecodeResult, Reader, Writer};
use super::ref_types::RefType;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::fmt;

/// A value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// A reference to an exception (`exnref`, Wasm exception handling): a pointer to the
    /// exception object (see `VMOffsets::exn_*`), or null.
    ExnRef,
    /// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`, ...): null (0),
    /// an `i31` (`value << 1 | 1`), or an internalized externref (its even externref
    /// word; see [`I31_TAG`]).
    AnyRef,
}

/// The low bit of a reference word that marks an `i31` (`value << 1 | 1`); the words of
/// every other non-null `anyref`/`externref` are even.
pub const I31_TAG: u64 = 1;

impl ValType {
    #[inline]
    pub fn is_ref(self) -> bool {
        matches!(
            self,
            ValType::FuncRef | ValType::ExternRef | ValType::ExnRef | ValType::AnyRef
        )
    }
    pub(crate) fn encode(self, w: &mut Writer) {
        w.u8(match self {
            ValType::I32 => 0,
            ValType::I64 => 1,
            ValType::F32 => 2,
            ValType::F64 => 3,
            ValType::V128 => 4,
            ValType::FuncRef => 5,
            ValType::ExternRef => 6,
            ValType::ExnRef => 7,
            ValType::AnyRef => 8,
        })
    }
    pub(crate) fn decode(r: &mut Reader) -> DecodeResult<ValType> {
        Ok(match r.u8()? {
            0 => ValType::I32,
            1 => ValType::I64,
            2 => ValType::F32,
            3 => ValType::F64,
            4 => ValType::V128,
            5 => ValType::FuncRef,
            6 => ValType::ExternRef,
            7 => ValType::ExnRef,
            8 => ValType::AnyRef,
            _ => return r.error("a value type (0..=8)"),
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::ExnRef => "exnref",
            ValType::AnyRef => "anyref",
        })
    }
}

/// A function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
    #[inline]
    pub fn encode(&self, w: &mut Writer) {
        w.list(&self.params, |w, t| t.encode(w));
        w.list(&self.results, |w, t| t.encode(w));
    }
    #[inline]
    pub fn decode(r: &mut Reader) -> DecodeResult<Self> {
        Ok(FuncType {
            params: r.list(1, ValType::decode)?,
            results: r.list(1, ValType::decode)?,
        })
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(
            f,
            "(func (param {}) (result {}))",
            list(&self.params),
            list(&self.results)
        )
    }
}

/// A table type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    pub element: ValType,
    pub minimum: u32,
    pub maximum: Option<u32>,
    /// Indexed by `i64` (memory64's 64-bit tables). Sizes stay within `u32`: a larger
    /// declared maximum is recorded as `u32::MAX`.
    pub table64: bool,
    /// The exact type of the elements when it is not the nullable top of `element`
    /// (`(ref $t)`, `(ref null func)` is `None`).
    pub ref_type: Option<RefType>,
}

impl TableType {
    /// The exact type of the elements.
    pub fn exact_ref(&self) -> RefType {
        RefType::or_top(self.ref_type, self.element).unwrap_or(RefType {
            nullable: true,
            heap: super::HeapType::Func,
        })
    }
    #[inline]
    pub fn encode(&self, w: &mut Writer) {
        self.element.encode(w);
        w.u32(self.minimum);
        w.opt_u64(self.maximum.map(u64::from));
        w.u8(u8::from(self.table64));
        encode_ref_type(w, self.ref_type);
    }
    pub fn decode(r: &mut Reader) -> DecodeResult<Self> {
        let element = ValType::decode(r)?;
        if !element.is_ref() {
            return r.error("a reference type for a table element");
        }
        let minimum = r.u32()?;
        let maximum = match r.opt_u64()? {
            None => None,
            Some(m) => match u32::try_from(m) {
                Ok(m) => Some(m),
                Err(_) => return r.error("a table maximum of at most 2^32-1"),
            },
        };
        let table64 = match r.u8()? {
            0 => false,
            1 => true,
            _ => return r.error("0 or 1 for a table's index type"),
        };
        Ok(TableType {
            element,
            minimum,
            maximum,
            table64,
            ref_type: decode_ref_type(r, element)?,
        })
    }
}

/// A memory type; sizes in pages of `1 << page_size_log2` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub minimum: u64,
    pub maximum: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
    pub page_size_log2: u8,
}

impl MemoryType {
    #[inline]
    pub fn encode(&self, w: &mut Writer) {
        w.u64(self.minimum);
        w.opt_u64(self.maximum);
        w.bool(self.memory64);
        w.bool(self.shared);
        w.u8(self.page_size_log2);
    }
    pub fn decode(r: &mut Reader) -> DecodeResult<Self> {
        Ok(MemoryType {
            minimum: r.u64()?,
            maximum: r.opt_u64()?,
            memory64: r.bool()?,
            shared: r.bool()?,
            page_size_log2: r.u8()?,
        })
    }
}

/// A global type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
    /// The exact type of a reference `content` when it is not its nullable top.
    pub ref_type: Option<RefType>,
}

impl GlobalType {
    /// A global of `content` (a reference type means its nullable top).
    pub fn new(content: ValType, mutable: bool) -> GlobalType {
        GlobalType {
            content,
            mutable,
            ref_type: None,
        }
    }
    /// The exact type of the content, if it is a reference.
    pub fn exact_ref(&self) -> Option<RefType> {
        RefType::or_top(self.ref_type, self.content)
    }
    #[inline]
    pub fn encode(&self, w: &mut Writer) {
        self.content.encode(w);
        w.bool(self.mutable);
        encode_ref_type(w, self.ref_type);
    }
    #[inline]
    pub fn decode(r: &mut Reader) -> DecodeResult<Self> {
        let content = ValType::decode(r)?;
        Ok(GlobalType {
            content,
            mutable: r.bool()?,
            ref_type: decode_ref_type(r, content)?,
        })
    }
}

fn encode_ref_type(w: &mut Writer, ty: Option<RefType>) {
    match ty {
        None => w.u8(0),
        Some(t) => {
            w.u8(1);
            t.encode(w)
        }
    }
}

/// An optional exact reference type, which must be represented as `ty`.
fn decode_ref_type(r: &mut Reader, ty: ValType) -> DecodeResult<Option<RefType>> {
    match r.u8()? {
        0 => Ok(None),
        1 => {
            let exact = RefType::decode(r)?;
            if exact.val_type() != ty {
                return r.error(alloc::format!("a reference type represented as {ty}"));
            }
            Ok(Some(exact))
        }
        _ => r.error("0 or 1 for an exact reference type"),
    }
}

/// One instruction of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    F32Const(u32),
    F64Const(u64),
    V128Const(u128),
    GlobalGet(u32),
    RefNull,
    RefFunc(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.i31`: an `i32` to an `i31ref`.
    RefI31,
    /// `any.convert_extern`: an externref (or null) to an `anyref`, the same word.
    AnyConvertExtern,
    /// `extern.convert_any`: an `anyref` (or null) to an externref, the same word.
    ExternConvertAny,
}

/// A constant expression (global initializers, segment offsets, element items).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConstExpr(pub Vec<ConstOp>);

impl ConstExpr {
    pub fn encode(&self, w: &mut Writer) {
        w.list(&self.0, |w, op| match *op {
            ConstOp::I32Const(v) => {
                w.u8(0);
                w.u32(v as u32)
            }
            ConstOp::I64Const(v) => {
                w.u8(1);
                w.u64(v as u64)
            }
            ConstOp::F32Const(v) => {
                w.u8(2);
                w.u32(v)
            }
            ConstOp::F64Const(v) => {
                w.u8(3);
                w.u64(v)
            }
            ConstOp::V128Const(v) => {
                w.u8(4);
                w.u128(v)
            }
            ConstOp::GlobalGet(i) => {
                w.u8(5);
                w.u32(i)
            }
            ConstOp::RefNull => w.u8(6),
            ConstOp::RefFunc(i) => {
                w.u8(7);
                w.u32(i)
            }
            ConstOp::I32Add => w.u8(8),
            ConstOp::I32Sub => w.u8(9),
            ConstOp::I32Mul => w.u8(10),
            ConstOp::I64Add => w.u8(11),
            ConstOp::I64Sub => w.u8(12),
            ConstOp::I64Mul => w.u8(13),
            ConstOp::RefI31 => w.u8(14),
            ConstOp::AnyConvertExtern => w.u8(15),
            ConstOp::ExternConvertAny => w.u8(16),
        });
    }
    pub fn decode(r: &mut Reader) -> DecodeResult<Self> {
        let ops = r.list(1, |r| {
            Ok(match r.u8()? {
                0 => ConstOp::I32Const(r.u32()? as i32),
                1 => ConstOp::I64Const(r.u64()? as i64),
                2 => ConstOp::F32Const(r.u32()?),
                3 => ConstOp::F64Const(r.u64()?),
                4 => ConstOp::V128Const(r.u128()?),
                5 => ConstOp::GlobalGet(r.u32()?),
                6 => ConstOp::RefNull,
                7 => ConstOp::RefFunc(r.u32()?),
                8 => ConstOp::I32Add,
                9 => ConstOp::I32Sub,
                10 => ConstOp::I32Mul,
                11 => ConstOp::I64Add,
                12 => ConstOp::I64Sub,
                13 => ConstOp::I64Mul,
                14 => ConstOp::RefI31,
                15 => ConstOp::AnyConvertExtern,
                16 => ConstOp::ExternConvertAny,
                _ => return r.error("a constant-expression opcode (0..=16)"),
            })
        })?;
        Ok(ConstExpr(ops))
    }
}
