//! Values: `wasmtime_val_t`, `wasmtime_val_raw_t`, externref and anyref, wasm.h's
//! `wasm_val_t`, and their conversion to and from the loader's `Val`.

use crate::externs::new_extern;
use crate::guard::guard;
use crate::ptr::{self, Finalized, Out, SendPtr};
use crate::refs::{delete_ref, view, wasm_ref_t, ExternRefObj, RefHeader, RefKind, RefView};
use crate::store::{wasmtime_context_t, Interner, StoreData, WasmStore};
use crate::types::{
    WASMAOT_ANYREF as WASM_ANYREF, WASMAOT_EXNREF as WASM_EXNREF, WASM_EXTERNREF, WASM_F32,
    WASM_F64, WASM_FUNCREF, WASM_I32, WASM_I64,
};
use crate::vec::declare_vec;
use std::ffi::c_void;
use std::hash::Hash;
use std::sync::Arc;
use wasmaot_loader::{AnyRef, ExnRef, Extern, ExternRef, Func, Val, ValType};

pub const WASMTIME_I32: u8 = 0;
pub const WASMTIME_I64: u8 = 1;
pub const WASMTIME_F32: u8 = 2;
pub const WASMTIME_F64: u8 = 3;
pub const WASMTIME_V128: u8 = 4;
pub const WASMTIME_FUNCREF: u8 = 5;
pub const WASMTIME_EXTERNREF: u8 = 6;
pub const WASMTIME_ANYREF: u8 = 7;
/// An `exnref` (exception handling; Wasmtime 23 has none): our extension (`wasmaot.h`).
/// The reference is in `of.externref` (store id 0: null), an opaque handle valid as long
/// as its store.
pub const WASMAOT_EXNREF: u8 = 8;

/// `wasmtime_func_t`, `_table_t`, `_memory_t`, `_global_t`, `_instance_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CHandle {
    pub store_id: u64,
    pub private: usize,
}

/// `wasmtime_externref_t` / `wasmtime_anyref_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CRef {
    pub store_id: u64,
    pub private1: u32,
    pub private2: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union wasmtime_valunion_t {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub anyref: CRef,
    pub externref: CRef,
    pub funcref: CHandle,
    pub v128: [u8; 16],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_val_t {
    pub kind: u8,
    pub of: wasmtime_valunion_t,
}

/// `wasmtime_val_raw_t`: 16 bytes, 8-aligned; little-endian value bits.
#[repr(C, align(8))]
#[derive(Clone, Copy, Default)]
pub struct wasmtime_val_raw_t(pub [u8; 16]);

const _: () = assert!(std::mem::size_of::<wasmtime_val_t>() == 24);
const _: () = assert!(std::mem::size_of::<wasmtime_val_raw_t>() == 16);

impl wasmtime_val_t {
    pub fn i32(v: i32) -> Self {
        wasmtime_val_t {
            kind: WASMTIME_I32,
            of: wasmtime_valunion_t { v128: [0; 16] },
        }
        .with(|u| u.i32 = v)
    }
    fn with(mut self, f: impl FnOnce(&mut wasmtime_valunion_t)) -> Self {
        f(&mut self.of);
        self
    }
    fn bits(&self) -> u128 {
        // SAFETY: every member is plain data and the union is 16 initialised bytes when
        // written by us (v128 first); a C host may leave bytes beyond its member
        // uninitialised, but reading them as integers is what Wasmtime does too.
        u128::from_le_bytes(unsafe { self.of.v128 })
    }
}

pub fn func_handle(d: &mut StoreData, f: Func) -> CHandle {
    CHandle {
        store_id: d.id,
        private: d.handles.funcs.intern(f),
    }
}

pub fn func_of(d: &StoreData, h: &CHandle) -> Result<Func, String> {
    if h.store_id != d.id {
        return Err("object used with the wrong store".into());
    }
    d.handles
        .funcs
        .get(h.private)
        .ok_or_else(|| "invalid function handle".to_string())
}

/// The C handle of a reference of the store whose id is `store_id`, interned in `refs`.
fn ref_handle<T: Copy + Eq + Hash>(store_id: u64, refs: &mut Interner<T>, r: T) -> CRef {
    CRef {
        store_id,
        private1: refs.intern(r) as u32,
        private2: 0,
    }
}

/// The reference a C handle stands for (`None`: null); `what` names its kind in errors.
fn ref_of<T: Copy + Eq + Hash>(
    store_id: u64,
    refs: &Interner<T>,
    r: &CRef,
    what: &str,
) -> Result<Option<T>, String> {
    if r.store_id == 0 {
        return Ok(None);
    }
    if r.store_id != store_id {
        return Err(format!("{what} used with the wrong store"));
    }
    refs.get(r.private1 as usize)
        .map(Some)
        .ok_or_else(|| format!("invalid {what}"))
}

pub fn externref_handle(d: &mut StoreData, r: ExternRef) -> CRef {
    ref_handle(d.id, &mut d.handles.externrefs, r)
}

pub fn externref_of(d: &StoreData, r: &CRef) -> Result<Option<ExternRef>, String> {
    ref_of(d.id, &d.handles.externrefs, r, "externref")
}

fn exnref_handle(d: &mut StoreData, r: ExnRef) -> CRef {
    ref_handle(d.id, &mut d.handles.exnrefs, r)
}

fn exnref_of(d: &StoreData, r: &CRef) -> Result<Option<ExnRef>, String> {
    ref_of(d.id, &d.handles.exnrefs, r, "exnref")
}

fn anyref_handle(d: &mut StoreData, r: AnyRef) -> CRef {
    ref_handle(d.id, &mut d.handles.anyrefs, r)
}

fn anyref_of(d: &StoreData, r: &CRef) -> Result<Option<AnyRef>, String> {
    ref_of(d.id, &d.handles.anyrefs, r, "anyref")
}

/// The C value of `v`.
pub fn to_c(d: &mut StoreData, v: &Val) -> wasmtime_val_t {
    let zero = wasmtime_val_t {
        kind: 0,
        of: wasmtime_valunion_t { v128: [0; 16] },
    };
    match *v {
        Val::I32(x) => wasmtime_val_t {
            kind: WASMTIME_I32,
            ..zero
        }
        .with(|u| u.i32 = x),
        Val::I64(x) => wasmtime_val_t {
            kind: WASMTIME_I64,
            ..zero
        }
        .with(|u| u.i64 = x),
        Val::F32(x) => wasmtime_val_t {
            kind: WASMTIME_F32,
            ..zero
        }
        .with(|u| u.f32 = f32::from_bits(x)),
        Val::F64(x) => wasmtime_val_t {
            kind: WASMTIME_F64,
            ..zero
        }
        .with(|u| u.f64 = f64::from_bits(x)),
        Val::V128(x) => wasmtime_val_t {
            kind: WASMTIME_V128,
            ..zero
        }
        .with(|u| u.v128 = x.to_le_bytes()),
        Val::FuncRef(f) => {
            let h = f.map(|f| func_handle(d, f)).unwrap_or_default();
            wasmtime_val_t {
                kind: WASMTIME_FUNCREF,
                ..zero
            }
            .with(|u| u.funcref = h)
        }
        Val::ExternRef(r) => {
            let h = r.map(|r| externref_handle(d, r)).unwrap_or_default();
            wasmtime_val_t {
                kind: WASMTIME_EXTERNREF,
                ..zero
            }
            .with(|u| u.externref = h)
        }
        Val::ExnRef(r) => {
            let h = r.map(|r| exnref_handle(d, r)).unwrap_or_default();
            wasmtime_val_t {
                kind: WASMAOT_EXNREF,
                ..zero
            }
            .with(|u| u.externref = h)
        }
        Val::AnyRef(r) => {
            let h = r.map(|r| anyref_handle(d, r)).unwrap_or_default();
            wasmtime_val_t {
                kind: WASMTIME_ANYREF,
                ..zero
            }
            .with(|u| u.anyref = h)
        }
    }
}

pub fn kind_name(k: u8) -> &'static str {
    match k {
        WASMTIME_I32 => "i32",
        WASMTIME_I64 => "i64",
        WASMTIME_F32 => "f32",
        WASMTIME_F64 => "f64",
        WASMTIME_V128 => "v128",
        WASMTIME_FUNCREF => "funcref",
        WASMTIME_EXTERNREF => "externref",
        WASMTIME_ANYREF => "anyref",
        WASMAOT_EXNREF => "exnref",
        _ => "an invalid kind",
    }
}

/// The loader value of a C value (errors name what is wrong).
pub fn from_c(d: &StoreData, v: &wasmtime_val_t) -> Result<Val, String> {
    let bits = v.bits();
    Ok(match v.kind {
        WASMTIME_I32 => Val::I32(bits as u32 as i32),
        WASMTIME_I64 => Val::I64(bits as u64 as i64),
        WASMTIME_F32 => Val::F32(bits as u32),
        WASMTIME_F64 => Val::F64(bits as u64),
        WASMTIME_V128 => Val::V128(bits),
        WASMTIME_FUNCREF => {
            // SAFETY: kind says the funcref member is active.
            let h = unsafe { v.of.funcref };
            if h.store_id == 0 {
                Val::FuncRef(None)
            } else {
                Val::FuncRef(Some(func_of(d, &h)?))
            }
        }
        WASMTIME_EXTERNREF => {
            // SAFETY: kind says the externref member is active.
            let r = unsafe { v.of.externref };
            Val::ExternRef(externref_of(d, &r)?)
        }
        WASMAOT_EXNREF => {
            // SAFETY: kind says the externref member is active (where exnrefs are kept).
            let r = unsafe { v.of.externref };
            Val::ExnRef(exnref_of(d, &r)?)
        }
        WASMTIME_ANYREF => {
            // SAFETY: kind says the anyref member is active.
            let r = unsafe { v.of.anyref };
            Val::AnyRef(anyref_of(d, &r)?)
        }
        k => return Err(format!("invalid value kind {k}")),
    })
}

/// A C value expected to have type `ty`.
pub fn from_c_typed(
    d: &StoreData,
    v: &wasmtime_val_t,
    ty: ValType,
    what: &str,
) -> Result<Val, String> {
    let val = from_c(d, v).map_err(|e| format!("{what}: {e}"))?;
    if val.ty() != ty {
        return Err(format!(
            "{what}: expected {ty}, found {}",
            kind_name(v.kind)
        ));
    }
    Ok(val)
}

/// Raw (unchecked-call) representation of `v`: funcrefs and externrefs are handle
/// indices + 1 (0 = null).
pub fn to_raw(d: &mut StoreData, v: &Val) -> wasmtime_val_raw_t {
    let bits: u128 = match *v {
        Val::I32(x) => u128::from(x as u32),
        Val::I64(x) => u128::from(x as u64),
        Val::F32(x) => u128::from(x),
        Val::F64(x) => u128::from(x),
        Val::V128(x) => x,
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => 0,
        Val::FuncRef(Some(f)) => d.handles.funcs.intern(f) as u128 + 1,
        Val::AnyRef(Some(r)) => d.handles.anyrefs.intern(r) as u128 + 1,
        Val::ExternRef(Some(r)) => d.handles.externrefs.intern(r) as u128 + 1,
        Val::ExnRef(Some(r)) => d.handles.exnrefs.intern(r) as u128 + 1,
    };
    wasmtime_val_raw_t(bits.to_le_bytes())
}

pub fn from_raw(d: &StoreData, ty: ValType, raw: &wasmtime_val_raw_t) -> Val {
    let bits = u128::from_le_bytes(raw.0);
    match ty {
        ValType::I32 => Val::I32(bits as u32 as i32),
        ValType::I64 => Val::I64(bits as u64 as i64),
        ValType::F32 => Val::F32(bits as u32),
        ValType::F64 => Val::F64(bits as u64),
        ValType::V128 => Val::V128(bits),
        ValType::FuncRef => Val::FuncRef(
            (bits as u64 as usize)
                .checked_sub(1)
                .and_then(|i| d.handles.funcs.get(i)),
        ),
        ValType::ExternRef => Val::ExternRef(
            (bits as u32 as usize)
                .checked_sub(1)
                .and_then(|i| d.handles.externrefs.get(i)),
        ),
        ValType::ExnRef => Val::ExnRef(
            (bits as u32 as usize)
                .checked_sub(1)
                .and_then(|i| d.handles.exnrefs.get(i)),
        ),
        ValType::AnyRef => Val::AnyRef(anyref_from_raw(d, bits as u32)),
    }
}

/// The `anyref` of a raw value (its handle index + 1; 0 or an unknown index: null).
fn anyref_from_raw(d: &StoreData, raw: u32) -> Option<AnyRef> {
    (raw as usize)
        .checked_sub(1)
        .and_then(|i| d.handles.anyrefs.get(i))
}

// ---------------------------------------------------------------------------------------
// externref

/// What an externref carries: the host pointer and its finalizer (run when the store is
/// deleted — wasmaot has no GC, so references live as long as their store).
pub struct ExternData(pub Finalized);

#[no_mangle]
pub extern "C" fn wasmtime_externref_new(
    c: Option<&mut wasmtime_context_t>,
    data: *mut c_void,
    fin: Option<extern "C" fn(*mut c_void)>,
    out: Out<'_, CRef>,
) -> bool {
    guard(false, || {
        let Some(s) = c else { return false };
        let r = ExternRef::new(
            &mut s.store,
            Box::new(ExternData(Finalized {
                data: SendPtr(data),
                finalizer: fin,
            })),
        );
        let h = externref_handle(s.data(), r);
        ptr::put(out, h);
        true
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_externref_data(
    c: Option<&wasmtime_context_t>,
    r: Option<&CRef>,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(r)) = (c, r) else {
            return std::ptr::null_mut();
        };
        match externref_of(s.store.data(), r) {
            Ok(Some(e)) => e
                .data(&s.store)
                .downcast_ref::<ExternData>()
                .map_or(std::ptr::null_mut(), |d| d.0.data.0),
            _ => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_externref_clone(
    _c: *mut wasmtime_context_t,
    r: Option<&CRef>,
    out: Out<'_, CRef>,
) {
    guard((), || ptr::put(out, r.copied().unwrap_or_default()))
}

/// References are not rooted individually (they live as long as the store): nothing to do.
#[no_mangle]
pub extern "C" fn wasmtime_externref_unroot(_c: *mut wasmtime_context_t, _r: *mut CRef) {}

#[no_mangle]
pub extern "C" fn wasmtime_externref_from_raw(
    c: Option<&wasmtime_context_t>,
    raw: u32,
    out: Out<'_, CRef>,
) {
    guard((), || {
        let Some(s) = c else { return };
        let h = match (raw as usize)
            .checked_sub(1)
            .and_then(|i| s.store.data().handles.externrefs.get(i))
        {
            Some(_) => CRef {
                store_id: s.id(),
                private1: raw - 1,
                private2: 0,
            },
            None => CRef::default(),
        };
        ptr::put(out, h)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_externref_to_raw(
    c: Option<&wasmtime_context_t>,
    r: Option<&CRef>,
) -> u32 {
    guard(0, || {
        let (Some(s), Some(r)) = (c, r) else {
            return 0;
        };
        match externref_of(s.store.data(), r) {
            Ok(Some(_)) => r.private1 + 1,
            _ => 0,
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_val_unroot(_c: *mut wasmtime_context_t, _v: *mut wasmtime_val_t) {}

#[no_mangle]
pub extern "C" fn wasmtime_val_clone(
    _c: *mut wasmtime_context_t,
    src: Option<&wasmtime_val_t>,
    dst: Out<'_, wasmtime_val_t>,
) {
    guard((), || {
        if let Some(v) = src {
            ptr::put(dst, *v)
        }
    })
}

// ---------------------------------------------------------------------------------------
// anyref: i31refs, and externrefs that wasm internalized. Like externrefs they live as
// long as their store, so rooting and unrooting have nothing to do.

#[no_mangle]
pub extern "C" fn wasmtime_anyref_clone(
    _c: *mut wasmtime_context_t,
    r: Option<&CRef>,
    out: Out<'_, CRef>,
) {
    guard((), || ptr::put(out, r.copied().unwrap_or_default()))
}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_unroot(_c: *mut wasmtime_context_t, _r: *mut CRef) {}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_from_raw(
    c: Option<&mut wasmtime_context_t>,
    raw: u32,
    out: Out<'_, CRef>,
) {
    guard((), || {
        let Some(s) = c else { return };
        let h = match anyref_from_raw(s.data(), raw) {
            Some(r) => anyref_handle(s.data(), r),
            None => CRef::default(),
        };
        ptr::put(out, h)
    })
}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_to_raw(
    c: Option<&mut wasmtime_context_t>,
    r: Option<&CRef>,
) -> u32 {
    guard(0, || {
        let (Some(s), Some(r)) = (c, r) else {
            return 0;
        };
        match anyref_of(s.data(), r) {
            Ok(Some(_)) => r.private1 + 1,
            _ => 0,
        }
    })
}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_from_i31(
    c: Option<&mut wasmtime_context_t>,
    value: u32,
    out: Out<'_, CRef>,
) {
    guard((), || {
        let Some(s) = c else { return };
        let r = AnyRef::from_i31(&s.store, value);
        let h = anyref_handle(s.data(), r);
        ptr::put(out, h)
    })
}
/// The `i31` of `r` (`None`: null, not an i31ref, or a bad handle).
fn i31_of(c: Option<&mut wasmtime_context_t>, r: Option<&CRef>) -> Option<AnyRef> {
    let (s, r) = (c?, r?);
    anyref_of(s.data(), r).ok().flatten()
}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_i31_get_u(
    c: Option<&mut wasmtime_context_t>,
    r: Option<&CRef>,
    dst: Out<'_, u32>,
) -> bool {
    guard(false, || match i31_of(c, r).and_then(|r| r.i31_get_u()) {
        Some(v) => {
            ptr::put(dst, v);
            true
        }
        None => false,
    })
}
#[no_mangle]
pub extern "C" fn wasmtime_anyref_i31_get_s(
    c: Option<&mut wasmtime_context_t>,
    r: Option<&CRef>,
    dst: Out<'_, i32>,
) -> bool {
    guard(false, || match i31_of(c, r).and_then(|r| r.i31_get_s()) {
        Some(v) => {
            ptr::put(dst, v);
            true
        }
        None => false,
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h values

#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub ref_: *mut wasm_ref_t,
}

/// `wasm_val_t`; owns the reference it carries (freed on drop).
///
/// Invariant: a value of a reference kind holds NULL or a reference object it owns. The
/// fields are private to this module, which keeps that for the values it makes; C hands
/// over values made through the C API.
#[repr(C)]
pub struct wasm_val_t {
    kind: u8,
    of: wasm_val_union,
}

impl Default for wasm_val_t {
    fn default() -> Self {
        wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i64: 0 },
        }
    }
}

impl wasm_val_t {
    fn is_ref(&self) -> bool {
        self.kind == WASM_EXTERNREF || self.kind == WASM_FUNCREF
    }
    /// The reference this value owns (NULL if none).
    fn ref_ptr(&self) -> *mut wasm_ref_t {
        if self.is_ref() {
            // SAFETY: reference kinds use the `ref_` member.
            unsafe { self.of.ref_ }
        } else {
            std::ptr::null_mut()
        }
    }
    /// The reference this value owns, if any.
    fn ref_view(&self) -> Option<RefView<'_>> {
        // SAFETY: the type's invariant: NULL or a live reference object owned by `self`.
        unsafe { view(self.ref_ptr()) }
    }
    /// Give the reference this value owns (NULL if none) to the caller.
    pub fn into_ref(self) -> *mut wasm_ref_t {
        let r = self.ref_ptr();
        std::mem::forget(self);
        r
    }
    /// Free the reference this value owns; the value becomes a null reference.
    fn release(&mut self) {
        let r = self.ref_ptr();
        if !r.is_null() {
            // SAFETY: the type's invariant: `r` is a reference object `self` owns; it is
            // not used again (the member is cleared).
            unsafe { delete_ref(r) };
            self.of.ref_ = std::ptr::null_mut();
        }
    }
}

impl Drop for wasm_val_t {
    fn drop(&mut self) {
        self.release();
    }
}

impl Clone for wasm_val_t {
    fn clone(&self) -> Self {
        let of = match self.ref_view() {
            Some(r) => wasm_val_union { ref_: r.copy() },
            // SAFETY: plain data (or a null reference): a bitwise copy is a copy.
            None => unsafe { std::ptr::read(&self.of) },
        };
        wasm_val_t {
            kind: self.kind,
            of,
        }
    }
}

/// The C value of `v` (new reference objects for references).
pub fn val_to_c(store: &Arc<WasmStore>, v: &Val) -> wasm_val_t {
    match *v {
        Val::I32(x) => wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i32: x },
        },
        Val::I64(x) => wasm_val_t {
            kind: WASM_I64,
            of: wasm_val_union { i64: x },
        },
        Val::F32(x) => wasm_val_t {
            kind: WASM_F32,
            of: wasm_val_union {
                f32: f32::from_bits(x),
            },
        },
        Val::F64(x) => wasm_val_t {
            kind: WASM_F64,
            of: wasm_val_union {
                f64: f64::from_bits(x),
            },
        },
        Val::V128(_) => wasm_val_t::default(),
        Val::FuncRef(f) => {
            let r = f.map_or(std::ptr::null_mut(), |f| {
                Box::into_raw(new_extern(store, Extern::Func(f))).cast()
            });
            wasm_val_t {
                kind: WASM_FUNCREF,
                of: wasm_val_union { ref_: r },
            }
        }
        Val::ExternRef(e) => {
            let r = e.map_or(std::ptr::null_mut(), |r| {
                Box::into_raw(Box::new(ExternRefObj {
                    hdr: RefHeader::new(RefKind::ExternRef),
                    store: store.clone(),
                    r,
                }))
                .cast()
            });
            wasm_val_t {
                kind: WASM_EXTERNREF,
                of: wasm_val_union { ref_: r },
            }
        }
        // wasm.h has no reference object for exceptions or `anyref`s: one reads as a null
        // reference of kind `WASMAOT_VALKIND_EXNREF` / `_ANYREF` (use `wasmtime_val_t`
        // to keep it).
        Val::ExnRef(_) => wasm_val_t {
            kind: WASM_EXNREF,
            of: wasm_val_union {
                ref_: std::ptr::null_mut(),
            },
        },
        Val::AnyRef(_) => wasm_val_t {
            kind: WASM_ANYREF,
            of: wasm_val_union {
                ref_: std::ptr::null_mut(),
            },
        },
    }
}

/// The loader value of the reference `r` (`None`: a null reference) for a slot of type
/// `ty`.
pub fn ref_to_val(r: Option<RefView<'_>>, ty: ValType) -> Result<Val, String> {
    let Some(r) = r else {
        return Ok(Val::default_for(ty));
    };
    match (ty, r) {
        (ValType::FuncRef, RefView::Extern(e)) => match e.which {
            Extern::Func(f) => Ok(Val::FuncRef(Some(f))),
            _ => Err("reference is not a function".into()),
        },
        (ValType::FuncRef, _) => Err("reference is not a function".into()),
        (_, RefView::ExternRef(e)) => Ok(Val::ExternRef(Some(e.r))),
        _ => Err("only externref values made by wasm can be passed as externref".into()),
    }
}

/// The loader value of `v`, which must have type `ty`.
pub fn val_from_c(v: &wasm_val_t, ty: ValType) -> Result<Val, String> {
    // SAFETY: each arm reads the member its kind selects.
    let val = unsafe {
        match v.kind {
            WASM_I32 => Val::I32(v.of.i32),
            WASM_I64 => Val::I64(v.of.i64),
            WASM_F32 => Val::F32(v.of.f32.to_bits()),
            WASM_F64 => Val::F64(v.of.f64.to_bits()),
            WASM_FUNCREF => ref_to_val(v.ref_view(), ValType::FuncRef)?,
            WASM_EXTERNREF => ref_to_val(v.ref_view(), ValType::ExternRef)?,
            WASM_EXNREF if v.ref_view().is_none() => Val::ExnRef(None),
            WASM_EXNREF => return Err("a wasm.h exnref value can only be null".into()),
            WASM_ANYREF if v.ref_view().is_none() => Val::AnyRef(None),
            WASM_ANYREF => return Err("a wasm.h anyref value can only be null".into()),
            k => return Err(format!("invalid value kind {k}")),
        }
    };
    if val.ty() != ty {
        return Err(format!("expected {ty}, found {}", val.ty()));
    }
    Ok(val)
}

#[no_mangle]
pub extern "C" fn wasm_val_delete(v: Option<&mut wasm_val_t>) {
    guard((), || {
        if let Some(v) = v {
            v.release();
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_val_copy(out: Out<'_, wasm_val_t>, v: Option<&wasm_val_t>) {
    guard((), || {
        if let Some(v) = v {
            ptr::put(out, v.clone())
        }
    })
}

declare_vec!(
    wasm_val_vec_t,
    wasm_val_t,
    wasm_val_t::clone,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete
);
