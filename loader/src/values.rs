//! Values passed between the host and wasm, and externref handles.

use crate::abi::{HeapType, RefType, ValType, I31_TAG};
use crate::error::{Error, Result};
use crate::handles::{ExnRef, Func};
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use std::any::Any;

/// A WebAssembly value. Floats are carried as their bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
    /// An `exnref`: a thrown exception (opaque to the host, see [`ExnRef`]).
    ExnRef(Option<ExnRef>),
    /// An `anyref` (also `eqref` and `i31ref`).
    AnyRef(Option<AnyRef>),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
            Val::ExnRef(_) => ValType::ExnRef,
            Val::AnyRef(_) => ValType::AnyRef,
        }
    }
    /// The zero / null value of `ty`.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
            ValType::ExnRef => Val::ExnRef(None),
            ValType::AnyRef => Val::AnyRef(None),
        }
    }
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}

/// A handle to host data that wasm can hold as an `externref`, or an `anyref` that wasm
/// externalized (`extern.convert_any`).
///
/// `word` is the reference as wasm holds it: `(index + 1) << 1` for the store's host data
/// at `index` (even), or an `i31` (`value << 1 | 1`, odd; see [`crate::abi::I31_TAG`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) store: u64,
    pub(crate) word: u32,
}

impl ExternRef {
    /// Put `data` into the store and return a reference to it.
    pub fn new(mut store: impl AsContextMut, data: Box<dyn Any + Send + Sync>) -> ExternRef {
        let store = &mut store.as_context_mut().0.opaque;
        store.externrefs.push(data);
        ExternRef {
            store: store.id,
            word: (store.externrefs.len() as u32) << 1,
        }
    }

    /// The host data (a unit value if the handle is from another store or is an
    /// externalized `anyref`).
    pub fn data<'a, S: AsContext + 'a>(&self, store: &'a S) -> &'a dyn Any {
        let inner = store.as_context().0;
        if inner.opaque.id != self.store || self.word & 1 != 0 {
            return &();
        }
        match inner.opaque.externrefs.get((self.word >> 1) as usize - 1) {
            Some(d) => &**d,
            None => &(),
        }
    }

    /// `extern.convert_any`: the `anyref` as an externref (the same reference).
    pub fn convert_any(r: AnyRef) -> ExternRef {
        ExternRef {
            store: r.store,
            word: r.word,
        }
    }
}

/// A non-null reference of the `any` hierarchy: an `i31`, or an externref that wasm
/// internalized (`any.convert_extern`). There are no struct or array objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyRef {
    pub(crate) store: u64,
    /// As wasm holds it; see [`ExternRef`].
    pub(crate) word: u32,
}

impl AnyRef {
    /// The `i31ref` of the low 31 bits of `value`.
    pub fn from_i31(store: impl AsContext, value: u32) -> AnyRef {
        AnyRef {
            store: store.as_context().0.opaque.id,
            word: value << 1 | crate::abi::I31_TAG as u32,
        }
    }

    /// `any.convert_extern`: the externref as an `anyref` (the same reference).
    pub fn convert_extern(r: ExternRef) -> AnyRef {
        AnyRef {
            store: r.store,
            word: r.word,
        }
    }

    /// The value of an `i31ref`, zero-extended (`i31.get_u`); `None` for another reference.
    pub fn i31_get_u(&self) -> Option<u32> {
        (self.word & 1 != 0).then_some(self.word >> 1)
    }

    /// The value of an `i31ref`, sign-extended (`i31.get_s`); `None` for another reference.
    pub fn i31_get_s(&self) -> Option<i32> {
        (self.word & 1 != 0).then_some(self.word as i32 >> 1)
    }
}

impl StoreOpaque {
    /// The raw word / bits of `val` for wasm (16 little-endian bytes).
    pub(crate) fn val_to_raw(&mut self, val: &Val) -> Result<u128> {
        Ok(match *val {
            Val::I32(v) => u128::from(v as u32),
            Val::I64(v) => u128::from(v as u64),
            Val::F32(v) => u128::from(v),
            Val::F64(v) => u128::from(v),
            Val::V128(v) => v,
            Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => 0,
            Val::FuncRef(Some(f)) => {
                self.check(f.store, "function reference")?;
                // A host function becoming visible to wasm gets its trampoline now if
                // some loaded module has one.
                self.resolve_pending_host_funcs();
                let data = self
                    .funcs
                    .get(f.index as usize)
                    .ok_or_else(|| Error::ty("invalid function handle"))?;
                data.funcref as usize as u128
            }
            Val::ExternRef(Some(r)) => {
                self.check(r.store, "externref")?;
                u128::from(r.word)
            }
            Val::AnyRef(Some(r)) => {
                self.check(r.store, "anyref")?;
                u128::from(r.word)
            }
            Val::ExnRef(Some(e)) => {
                self.check(e.store, "exnref")?;
                let exn = self
                    .exceptions
                    .get(e.index as usize)
                    .ok_or_else(|| Error::ty("invalid exnref handle"))?;
                exn.address() as u128
            }
        })
    }

    /// The value of type `ty` whose raw bits are `raw`.
    pub(crate) fn raw_to_val(&mut self, ty: ValType, raw: u128) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(raw),
            ValType::FuncRef => Val::FuncRef(self.func_for_funcref(raw as usize)),
            ValType::ExternRef => Val::ExternRef(self.ref_word(raw).map(|word| ExternRef {
                store: self.id,
                word,
            })),
            ValType::AnyRef => Val::AnyRef(self.ref_word(raw).map(|word| AnyRef {
                store: self.id,
                word,
            })),
            ValType::ExnRef => Val::ExnRef(self.exception_at(raw as usize).map(|index| ExnRef {
                store: self.id,
                index,
            })),
        }
    }

    /// The word of a non-null externref or `anyref`: an `i31`, or the word of host data
    /// this store holds; `None` for null (or a word no reference has).
    fn ref_word(&self, raw: u128) -> Option<u32> {
        let word = u32::try_from(raw).ok().filter(|w| *w != 0)?;
        let is_i31 = word & 1 != 0;
        (is_i31 || (word >> 1) as usize <= self.externrefs.len()).then_some(word)
    }

    /// Check `val` has type `ty`; `what` names it in the error.
    pub(crate) fn check_val(&self, val: &Val, ty: ValType, what: &str) -> Result<()> {
        if val.ty() != ty {
            return Err(Error::ty(format!(
                "{what}: expected {ty}, found {}",
                val.ty()
            )));
        }
        Ok(())
    }

    /// Check `val` has type `ty` and, for a reference, the exact type `exact` as well:
    /// not null where the type is not nullable, a function of the right type (or a
    /// subtype), an `i31` for `i31ref`/`eqref`.
    pub(crate) fn check_val_exact(
        &self,
        val: &Val,
        ty: ValType,
        exact: Option<RefType>,
        what: &str,
    ) -> Result<()> {
        self.check_val(val, ty, what)?;
        let Some(exact) = exact else { return Ok(()) };
        let fits = match val {
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
                exact.nullable
            }
            Val::FuncRef(Some(f)) => match exact.heap {
                HeapType::Engine(t) => self
                    .funcs
                    .get(f.index as usize)
                    .is_some_and(|data| self.engine.is_subtype(data.type_id(), t)),
                heap => heap == HeapType::Func,
            },
            Val::AnyRef(Some(r)) => match exact.heap {
                HeapType::Any => true,
                HeapType::Eq | HeapType::I31 => u64::from(r.word) & I31_TAG != 0,
                _ => false,
            },
            Val::ExternRef(Some(_)) => exact.heap == HeapType::Extern,
            Val::ExnRef(Some(_)) => exact.heap == HeapType::Exn,
            _ => true,
        };
        if fits {
            return Ok(());
        }
        Err(Error::ty(format!(
            "{what}: expected {}, found {}",
            self.describe_exact(exact),
            val.ty()
        )))
    }

    /// `exact` in words; a concrete type as its signature.
    fn describe_exact(&self, exact: RefType) -> String {
        match exact.heap {
            HeapType::Engine(t) => {
                let null = if exact.nullable { "null " } else { "" };
                match self.engine.func_type(t) {
                    Some(f) => format!("(ref {null}{f})"),
                    None => exact.to_string(),
                }
            }
            _ => exact.to_string(),
        }
    }
}
