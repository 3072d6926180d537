//! wasm.h type objects: value, function, global, table, memory, extern, import and export
//! types, their vectors, casts and accessors.

use crate::guard::guard;
use crate::ptr::{self, Out};
use crate::vec::{clone_box, declare_vec, OwnedVec, WasmVec};
use wasmaot_loader::{
    ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, TableType, ValType,
};

pub const WASM_I32: u8 = 0;
pub const WASM_I64: u8 = 1;
pub const WASM_F32: u8 = 2;
pub const WASM_F64: u8 = 3;
/// Not in v23's wasm.h enum, but Wasmtime uses 4 for v128 in `wasm_valkind_t`.
pub const WASM_V128: u8 = 4;
pub const WASM_EXTERNREF: u8 = 128;
pub const WASM_FUNCREF: u8 = 129;
/// `exnref` (exception handling), which Wasmtime 23 does not have: our extension
/// (`wasmaot.h`), numbered after `WASM_FUNCREF`.
pub const WASMAOT_EXNREF: u8 = 130;
/// `anyref` (also `eqref`, `i31ref`), which v23's wasm.h cannot name: our extension
/// (`wasmaot.h`).
pub const WASMAOT_ANYREF: u8 = 131;

pub fn valkind(t: ValType) -> u8 {
    match t {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::V128 => WASM_V128,
        ValType::ExternRef => WASM_EXTERNREF,
        ValType::FuncRef => WASM_FUNCREF,
        ValType::ExnRef => WASMAOT_EXNREF,
        ValType::AnyRef => WASMAOT_ANYREF,
    }
}

pub fn from_valkind(k: u8) -> Option<ValType> {
    Some(match k {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        WASM_V128 => ValType::V128,
        WASM_EXTERNREF => ValType::ExternRef,
        WASM_FUNCREF => ValType::FuncRef,
        WASMAOT_EXNREF => ValType::ExnRef,
        WASMAOT_ANYREF => ValType::AnyRef,
        _ => return None,
    })
}

#[derive(Clone, Debug)]
pub struct wasm_valtype_t {
    pub ty: ValType,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct wasm_limits_t {
    pub min: u32,
    pub max: u32,
}

pub fn new_valtype(ty: ValType) -> Box<wasm_valtype_t> {
    Box::new(wasm_valtype_t { ty })
}

fn valtypes(v: &[ValType]) -> OwnedVec<Option<Box<wasm_valtype_t>>> {
    OwnedVec::new(v.iter().map(|t| Some(new_valtype(*t))).collect())
}

pub struct CFuncType {
    pub ty: FuncType,
    params: OwnedVec<Option<Box<wasm_valtype_t>>>,
    results: OwnedVec<Option<Box<wasm_valtype_t>>>,
}
pub struct CGlobalType {
    pub ty: GlobalType,
    content: Box<wasm_valtype_t>,
}
pub struct CTableType {
    pub ty: TableType,
    element: Box<wasm_valtype_t>,
    limits: wasm_limits_t,
}
pub struct CMemoryType {
    pub ty: MemoryType,
    limits: wasm_limits_t,
}

pub enum CExternType {
    Func(CFuncType),
    Global(CGlobalType),
    Table(CTableType),
    Memory(CMemoryType),
}

/// The common representation of every type object; the four specific types are
/// `repr(transparent)` views of it, so the casts are pointer casts.
pub struct wasm_externtype_t {
    pub which: CExternType,
}

impl Clone for wasm_externtype_t {
    fn clone(&self) -> Self {
        let which = match &self.which {
            CExternType::Func(f) => CExternType::Func(CFuncType::new(f.ty.clone())),
            CExternType::Global(g) => CExternType::Global(CGlobalType::new(g.ty)),
            CExternType::Table(t) => CExternType::Table(CTableType::new(t.ty)),
            CExternType::Memory(m) => CExternType::Memory(CMemoryType::new(m.ty)),
        };
        wasm_externtype_t { which }
    }
}

impl CFuncType {
    fn new(ty: FuncType) -> CFuncType {
        CFuncType {
            params: valtypes(&ty.params),
            results: valtypes(&ty.results),
            ty,
        }
    }
}

impl CGlobalType {
    fn new(ty: GlobalType) -> CGlobalType {
        CGlobalType {
            content: new_valtype(ty.content),
            ty,
        }
    }
}

impl CTableType {
    fn new(ty: TableType) -> CTableType {
        CTableType {
            element: new_valtype(ty.element),
            limits: wasm_limits_t {
                min: ty.minimum,
                max: ty.maximum.unwrap_or(u32::MAX),
            },
            ty,
        }
    }
}

impl CMemoryType {
    fn new(ty: MemoryType) -> CMemoryType {
        CMemoryType {
            limits: wasm_limits_t {
                min: ty.minimum.min(u64::from(u32::MAX)) as u32,
                max: ty
                    .maximum
                    .map_or(u32::MAX, |m| m.min(u64::from(u32::MAX)) as u32),
            },
            ty,
        }
    }
}

impl wasm_externtype_t {
    /// The type object of `ty`; `None` for a tag (exception handling), for which the
    /// Wasmtime 23 C API has no extern kind: the C API does not show tags (see
    /// `capi/README.md`).
    pub fn new(ty: ExternType) -> Option<wasm_externtype_t> {
        let which = match ty {
            ExternType::Func(ty) => CExternType::Func(CFuncType::new(ty)),
            ExternType::Global(ty) => CExternType::Global(CGlobalType::new(ty)),
            ExternType::Table(ty) => CExternType::Table(CTableType::new(ty)),
            ExternType::Memory(ty) => CExternType::Memory(CMemoryType::new(ty)),
            ExternType::Tag(_) => return None,
        };
        Some(wasm_externtype_t { which })
    }
    pub fn ty(&self) -> ExternType {
        match &self.which {
            CExternType::Func(f) => ExternType::Func(f.ty.clone()),
            CExternType::Global(g) => ExternType::Global(g.ty),
            CExternType::Table(t) => ExternType::Table(t.ty),
            CExternType::Memory(m) => ExternType::Memory(m.ty),
        }
    }
}

macro_rules! specific_type {
    ($name:ident, $variant:ident, $inner:ident, $loader:ty) => {
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $name {
            pub ext: wasm_externtype_t,
        }
        impl $name {
            pub fn new(ty: $loader) -> Box<$name> {
                Box::new($name {
                    ext: wasm_externtype_t {
                        which: CExternType::$variant($inner::new(ty)),
                    },
                })
            }
            pub fn inner(&self) -> &$inner {
                match &self.ext.which {
                    CExternType::$variant(x) => x,
                    _ => unreachable!("type object of the wrong kind"),
                }
            }
            /// A view of `e` as this type, if it is one.
            pub fn from_ext(e: &wasm_externtype_t) -> Option<&$name> {
                match &e.which {
                    CExternType::$variant(_) => {
                        let p = (e as *const wasm_externtype_t).cast::<$name>();
                        // SAFETY: `$name` is `repr(transparent)` over `wasm_externtype_t`.
                        Some(unsafe { &*p })
                    }
                    _ => None,
                }
            }
            /// A mutable view of `e` as this type, if it is one.
            pub fn from_ext_mut(e: &mut wasm_externtype_t) -> Option<&mut $name> {
                match &e.which {
                    CExternType::$variant(_) => {
                        let p = (e as *mut wasm_externtype_t).cast::<$name>();
                        // SAFETY: `$name` is `repr(transparent)` over `wasm_externtype_t`.
                        Some(unsafe { &mut *p })
                    }
                    _ => None,
                }
            }
        }
    };
}

specific_type!(wasm_functype_t, Func, CFuncType, FuncType);
specific_type!(wasm_globaltype_t, Global, CGlobalType, GlobalType);
specific_type!(wasm_tabletype_t, Table, CTableType, TableType);
specific_type!(wasm_memorytype_t, Memory, CMemoryType, MemoryType);

pub struct wasm_importtype_t {
    module: OwnedVec<u8>,
    name: OwnedVec<u8>,
    ty: Box<wasm_externtype_t>,
}
impl Clone for wasm_importtype_t {
    fn clone(&self) -> Self {
        wasm_importtype_t {
            module: bytes(self.module.as_slice()),
            name: bytes(self.name.as_slice()),
            ty: self.ty.clone(),
        }
    }
}
pub struct wasm_exporttype_t {
    name: OwnedVec<u8>,
    ty: Box<wasm_externtype_t>,
}
impl Clone for wasm_exporttype_t {
    fn clone(&self) -> Self {
        wasm_exporttype_t {
            name: bytes(self.name.as_slice()),
            ty: self.ty.clone(),
        }
    }
}

pub fn bytes(b: &[u8]) -> OwnedVec<u8> {
    OwnedVec::new(b.to_vec())
}

/// `wasm_name_t`: a byte vector.
pub type wasm_name_t = WasmVec<u8>;

/// The import type object of `i`; `None` for a tag import (not shown by the C API).
pub fn importtype(i: &ImportType) -> Option<Box<wasm_importtype_t>> {
    Some(Box::new(wasm_importtype_t {
        module: bytes(i.module.as_bytes()),
        name: bytes(i.name.as_bytes()),
        ty: Box::new(wasm_externtype_t::new(i.ty.clone())?),
    }))
}
/// The export type object of `e`; `None` for a tag export (not shown by the C API).
pub fn exporttype(e: &ExportType) -> Option<Box<wasm_exporttype_t>> {
    Some(Box::new(wasm_exporttype_t {
        name: bytes(e.name.as_bytes()),
        ty: Box::new(wasm_externtype_t::new(e.ty.clone())?),
    }))
}

declare_vec!(
    wasm_valtype_vec_t,
    Option<Box<wasm_valtype_t>>,
    clone_box,
    wasm_valtype_vec_new_empty,
    wasm_valtype_vec_new_uninitialized,
    wasm_valtype_vec_new,
    wasm_valtype_vec_copy,
    wasm_valtype_vec_delete
);
declare_vec!(
    wasm_functype_vec_t,
    Option<Box<wasm_functype_t>>,
    clone_box,
    wasm_functype_vec_new_empty,
    wasm_functype_vec_new_uninitialized,
    wasm_functype_vec_new,
    wasm_functype_vec_copy,
    wasm_functype_vec_delete
);
declare_vec!(
    wasm_globaltype_vec_t,
    Option<Box<wasm_globaltype_t>>,
    clone_box,
    wasm_globaltype_vec_new_empty,
    wasm_globaltype_vec_new_uninitialized,
    wasm_globaltype_vec_new,
    wasm_globaltype_vec_copy,
    wasm_globaltype_vec_delete
);
declare_vec!(
    wasm_tabletype_vec_t,
    Option<Box<wasm_tabletype_t>>,
    clone_box,
    wasm_tabletype_vec_new_empty,
    wasm_tabletype_vec_new_uninitialized,
    wasm_tabletype_vec_new,
    wasm_tabletype_vec_copy,
    wasm_tabletype_vec_delete
);
declare_vec!(
    wasm_memorytype_vec_t,
    Option<Box<wasm_memorytype_t>>,
    clone_box,
    wasm_memorytype_vec_new_empty,
    wasm_memorytype_vec_new_uninitialized,
    wasm_memorytype_vec_new,
    wasm_memorytype_vec_copy,
    wasm_memorytype_vec_delete
);
declare_vec!(
    wasm_externtype_vec_t,
    Option<Box<wasm_externtype_t>>,
    clone_box,
    wasm_externtype_vec_new_empty,
    wasm_externtype_vec_new_uninitialized,
    wasm_externtype_vec_new,
    wasm_externtype_vec_copy,
    wasm_externtype_vec_delete
);
declare_vec!(
    wasm_importtype_vec_t,
    Option<Box<wasm_importtype_t>>,
    clone_box,
    wasm_importtype_vec_new_empty,
    wasm_importtype_vec_new_uninitialized,
    wasm_importtype_vec_new,
    wasm_importtype_vec_copy,
    wasm_importtype_vec_delete
);
declare_vec!(
    wasm_exporttype_vec_t,
    Option<Box<wasm_exporttype_t>>,
    clone_box,
    wasm_exporttype_vec_new_empty,
    wasm_exporttype_vec_new_uninitialized,
    wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy,
    wasm_exporttype_vec_delete
);

/// `_delete` and `_copy` of a boxed type object.
macro_rules! own_copy {
    ($t:ty, $delete:ident, $copy:ident) => {
        #[no_mangle]
        pub extern "C" fn $delete(p: Option<Box<$t>>) {
            guard((), || drop(p))
        }
        #[no_mangle]
        pub extern "C" fn $copy(p: Option<&$t>) -> Option<Box<$t>> {
            guard(None, || p.map(|x| Box::new(x.clone())))
        }
    };
}

own_copy!(wasm_valtype_t, wasm_valtype_delete, wasm_valtype_copy);
own_copy!(wasm_functype_t, wasm_functype_delete, wasm_functype_copy);
own_copy!(
    wasm_globaltype_t,
    wasm_globaltype_delete,
    wasm_globaltype_copy
);
own_copy!(wasm_tabletype_t, wasm_tabletype_delete, wasm_tabletype_copy);
own_copy!(
    wasm_memorytype_t,
    wasm_memorytype_delete,
    wasm_memorytype_copy
);
own_copy!(
    wasm_externtype_t,
    wasm_externtype_delete,
    wasm_externtype_copy
);
own_copy!(
    wasm_importtype_t,
    wasm_importtype_delete,
    wasm_importtype_copy
);
own_copy!(
    wasm_exporttype_t,
    wasm_exporttype_delete,
    wasm_exporttype_copy
);

#[no_mangle]
pub extern "C" fn wasm_valtype_new(kind: u8) -> *mut wasm_valtype_t {
    guard(std::ptr::null_mut(), || match from_valkind(kind) {
        Some(ty) => Box::into_raw(new_valtype(ty)),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_valtype_kind(t: Option<&wasm_valtype_t>) -> u8 {
    guard(WASM_I32, || t.map_or(WASM_I32, |t| valkind(t.ty)))
}

/// Take the value types out of an owned `wasm_valtype_vec_t` (freeing it).
///
/// # Safety
///
/// `v` must be NULL or a vector this library made that still owns its elements.
unsafe fn take_valtypes(v: Option<&mut wasm_valtype_vec_t>) -> Option<Vec<ValType>> {
    // SAFETY: the caller's promise.
    let v = unsafe { v?.take() };
    let mut out = Vec::with_capacity(v.len());
    let mut ok = true;
    for t in v {
        match t {
            Some(t) => out.push(t.ty),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// # Safety
///
/// `params` and `results` must each be NULL or a vector this library made
/// (`wasm_valtype_vec_new*`) that still owns its elements; they move into the new type.
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_new(
    params: Option<&mut wasm_valtype_vec_t>,
    results: Option<&mut wasm_valtype_vec_t>,
) -> *mut wasm_functype_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller's promise.
        let p = unsafe { take_valtypes(params) };
        // SAFETY: the caller's promise.
        let r = unsafe { take_valtypes(results) };
        match (p, r) {
            (Some(p), Some(r)) => Box::into_raw(wasm_functype_t::new(FuncType::new(p, r))),
            _ => std::ptr::null_mut(),
        }
    })
}

/// What `wasm_functype_params(NULL)` and `wasm_functype_results(NULL)` return.
struct EmptyValtypes(wasm_valtype_vec_t);
// SAFETY: the vector has no elements and nothing writes it.
unsafe impl Sync for EmptyValtypes {}
static EMPTY_VALTYPES: EmptyValtypes = EmptyValtypes(WasmVec::empty());

#[no_mangle]
pub extern "C" fn wasm_functype_params(t: Option<&wasm_functype_t>) -> &wasm_valtype_vec_t {
    guard(&EMPTY_VALTYPES.0, || {
        t.map_or(&EMPTY_VALTYPES.0, |t| t.inner().params.as_c())
    })
}

#[no_mangle]
pub extern "C" fn wasm_functype_results(t: Option<&wasm_functype_t>) -> &wasm_valtype_vec_t {
    guard(&EMPTY_VALTYPES.0, || {
        t.map_or(&EMPTY_VALTYPES.0, |t| t.inner().results.as_c())
    })
}

#[no_mangle]
pub extern "C" fn wasm_globaltype_new(
    content: Option<Box<wasm_valtype_t>>,
    mutability: u8,
) -> *mut wasm_globaltype_t {
    guard(std::ptr::null_mut(), || {
        let Some(content) = content else {
            return std::ptr::null_mut();
        };
        if mutability > 1 {
            return std::ptr::null_mut();
        }
        Box::into_raw(wasm_globaltype_t::new(GlobalType {
            ref_type: None,
            content: content.ty,
            mutable: mutability == 1,
        }))
    })
}

#[no_mangle]
pub extern "C" fn wasm_globaltype_content(
    t: Option<&wasm_globaltype_t>,
) -> Option<&wasm_valtype_t> {
    guard(None, || t.map(|t| &*t.inner().content))
}

#[no_mangle]
pub extern "C" fn wasm_globaltype_mutability(t: Option<&wasm_globaltype_t>) -> u8 {
    guard(0, || t.map_or(0, |t| u8::from(t.inner().ty.mutable)))
}

#[no_mangle]
pub extern "C" fn wasm_tabletype_new(
    element: Option<Box<wasm_valtype_t>>,
    limits: Option<&wasm_limits_t>,
) -> *mut wasm_tabletype_t {
    guard(std::ptr::null_mut(), || {
        let Some(element) = element else {
            return std::ptr::null_mut();
        };
        let Some(limits) = limits.copied() else {
            return std::ptr::null_mut();
        };
        if !element.ty.is_ref() {
            return std::ptr::null_mut();
        }
        Box::into_raw(wasm_tabletype_t::new(TableType {
            ref_type: None,
            element: element.ty,
            minimum: limits.min,
            maximum: (limits.max != u32::MAX).then_some(limits.max),
            table64: false,
        }))
    })
}

#[no_mangle]
pub extern "C" fn wasm_tabletype_element(t: Option<&wasm_tabletype_t>) -> Option<&wasm_valtype_t> {
    guard(None, || t.map(|t| &*t.inner().element))
}

#[no_mangle]
pub extern "C" fn wasm_tabletype_limits(t: Option<&wasm_tabletype_t>) -> Option<&wasm_limits_t> {
    guard(None, || t.map(|t| &t.inner().limits))
}

pub fn memorytype(minimum: u64, maximum: Option<u64>, memory64: bool) -> MemoryType {
    MemoryType {
        minimum,
        maximum,
        memory64,
        shared: false,
        page_size_log2: 16,
    }
}

#[no_mangle]
pub extern "C" fn wasm_memorytype_new(limits: Option<&wasm_limits_t>) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        let Some(l) = limits.copied() else {
            return std::ptr::null_mut();
        };
        let max = (l.max != u32::MAX).then_some(u64::from(l.max));
        Box::into_raw(wasm_memorytype_t::new(memorytype(
            u64::from(l.min),
            max,
            false,
        )))
    })
}

#[no_mangle]
pub extern "C" fn wasm_memorytype_limits(t: Option<&wasm_memorytype_t>) -> Option<&wasm_limits_t> {
    guard(None, || t.map(|t| &t.inner().limits))
}

#[no_mangle]
pub extern "C" fn wasmtime_memorytype_new(
    min: u64,
    max_present: bool,
    max: u64,
    is_64: bool,
) -> *mut wasm_memorytype_t {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(wasm_memorytype_t::new(memorytype(
            min,
            max_present.then_some(max),
            is_64,
        )))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memorytype_minimum(t: Option<&wasm_memorytype_t>) -> u64 {
    guard(0, || t.map_or(0, |t| t.inner().ty.minimum))
}

#[no_mangle]
pub extern "C" fn wasmtime_memorytype_maximum(
    t: Option<&wasm_memorytype_t>,
    max: Out<'_, u64>,
) -> bool {
    guard(false, || match t.and_then(|t| t.inner().ty.maximum) {
        Some(m) => {
            ptr::put(max, m);
            true
        }
        None => false,
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_memorytype_is64(t: Option<&wasm_memorytype_t>) -> bool {
    guard(false, || t.is_some_and(|t| t.inner().ty.memory64))
}

#[no_mangle]
pub extern "C" fn wasmtime_memorytype_isshared(t: Option<&wasm_memorytype_t>) -> bool {
    guard(false, || t.is_some_and(|t| t.inner().ty.shared))
}

#[no_mangle]
pub extern "C" fn wasm_externtype_kind(t: Option<&wasm_externtype_t>) -> u8 {
    guard(0, || match t.map(|t| &t.which) {
        Some(CExternType::Global(_)) => 1,
        Some(CExternType::Table(_)) => 2,
        Some(CExternType::Memory(_)) => 3,
        _ => 0,
    })
}

/// `_as_externtype`, `_as_externtype_const` (pointer casts) and the checked
/// `wasm_externtype_as_*`, `_const` for the view `$t`.
macro_rules! casts {
    ($t:ident, $up:ident, $up_const:ident, $down:ident, $down_const:ident) => {
        #[no_mangle]
        pub extern "C" fn $up(t: *mut $t) -> *mut wasm_externtype_t {
            t.cast()
        }
        #[no_mangle]
        pub extern "C" fn $up_const(t: *const $t) -> *const wasm_externtype_t {
            t.cast()
        }
        #[no_mangle]
        pub extern "C" fn $down(e: Option<&mut wasm_externtype_t>) -> Option<&mut $t> {
            guard(None, || e.and_then($t::from_ext_mut))
        }
        #[no_mangle]
        pub extern "C" fn $down_const(e: Option<&wasm_externtype_t>) -> Option<&$t> {
            guard(None, || e.and_then($t::from_ext))
        }
    };
}

casts!(
    wasm_functype_t,
    wasm_functype_as_externtype,
    wasm_functype_as_externtype_const,
    wasm_externtype_as_functype,
    wasm_externtype_as_functype_const
);
casts!(
    wasm_globaltype_t,
    wasm_globaltype_as_externtype,
    wasm_globaltype_as_externtype_const,
    wasm_externtype_as_globaltype,
    wasm_externtype_as_globaltype_const
);
casts!(
    wasm_tabletype_t,
    wasm_tabletype_as_externtype,
    wasm_tabletype_as_externtype_const,
    wasm_externtype_as_tabletype,
    wasm_externtype_as_tabletype_const
);
casts!(
    wasm_memorytype_t,
    wasm_memorytype_as_externtype,
    wasm_memorytype_as_externtype_const,
    wasm_externtype_as_memorytype,
    wasm_externtype_as_memorytype_const
);

/// Take over an owned name vector.
///
/// # Safety
///
/// `n` must be NULL or a vector this library made that still owns its bytes.
unsafe fn name_string(n: Option<&mut wasm_name_t>) -> Option<OwnedVec<u8>> {
    // SAFETY: the caller's promise.
    Some(OwnedVec::new(unsafe { n?.take() }))
}

/// # Safety
///
/// `module` and `name` must each be NULL or a vector this library made
/// (`wasm_name_new*`) that still owns its bytes; they move into the new type.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_new(
    module: Option<&mut wasm_name_t>,
    name: Option<&mut wasm_name_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> *mut wasm_importtype_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller's promise about `module` and `name`.
        let (module, name) = unsafe { (name_string(module), name_string(name)) };
        let (Some(module), Some(name), Some(ty)) = (module, name, ty) else {
            return std::ptr::null_mut();
        };
        Box::into_raw(Box::new(wasm_importtype_t { module, name, ty }))
    })
}

#[no_mangle]
pub extern "C" fn wasm_importtype_module(t: Option<&wasm_importtype_t>) -> Option<&wasm_name_t> {
    guard(None, || t.map(|t| t.module.as_c()))
}
#[no_mangle]
pub extern "C" fn wasm_importtype_name(t: Option<&wasm_importtype_t>) -> Option<&wasm_name_t> {
    guard(None, || t.map(|t| t.name.as_c()))
}
#[no_mangle]
pub extern "C" fn wasm_importtype_type(
    t: Option<&wasm_importtype_t>,
) -> Option<&wasm_externtype_t> {
    guard(None, || t.map(|t| &*t.ty))
}

/// # Safety
///
/// `name` must be NULL or a vector this library made (`wasm_name_new*`) that still owns
/// its bytes; it moves into the new type.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: Option<&mut wasm_name_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> *mut wasm_exporttype_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller's promise about `name`.
        let name = unsafe { name_string(name) };
        let (Some(name), Some(ty)) = (name, ty) else {
            return std::ptr::null_mut();
        };
        Box::into_raw(Box::new(wasm_exporttype_t { name, ty }))
    })
}
#[no_mangle]
pub extern "C" fn wasm_exporttype_name(t: Option<&wasm_exporttype_t>) -> Option<&wasm_name_t> {
    guard(None, || t.map(|t| t.name.as_c()))
}
#[no_mangle]
pub extern "C" fn wasm_exporttype_type(
    t: Option<&wasm_exporttype_t>,
) -> Option<&wasm_externtype_t> {
    guard(None, || t.map(|t| &*t.ty))
}

/// Also `static inline` in wasm.h; exported for hosts that bind the library directly.
#[no_mangle]
pub extern "C" fn wasm_valkind_is_num(k: u8) -> bool {
    k < WASM_EXTERNREF
}

/// Also `static inline` in wasm.h; exported for hosts that bind the library directly.
#[no_mangle]
pub extern "C" fn wasm_valkind_is_ref(k: u8) -> bool {
    k >= WASM_EXTERNREF
}
