//! Modules: `wasmtime_module_t` (compile with feature `compile`, validate,
//! (de)serialize, imports, exports, image range), wasm.h's `wasm_module_t` and
//! `wasm_shared_module_t`; `wasmtime_wat2wasm`.

use crate::config::wasm_engine_t;
use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr::{self, Out};
use crate::refs::{has_hdr, ref_casts, ref_fns, RefHeader, RefKind, RefView};
use crate::store::{store_of, wasm_store_t};
use crate::types::{exporttype, importtype, wasm_exporttype_vec_t, wasm_importtype_vec_t};
use crate::vec::{wasm_byte_vec_t, WasmVec};
use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::Arc;
use wasmaot_loader::Module;

/// Where the artifact bytes of a module can be found again (for serialization).
#[derive(Clone)]
pub enum Artifact {
    Bytes(Arc<[u8]>),
    File(PathBuf),
    /// Code a system linker placed (`wasmaot.h`): there is no artifact file.
    Linked,
}

impl Artifact {
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            Artifact::Bytes(b) => Ok(b.to_vec()),
            Artifact::File(p) => std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())),
            Artifact::Linked => Err(
                "a module linked into the program (wasmaot.h) has no artifact to serialize".into(),
            ),
        }
    }
}

#[derive(Clone)]
pub struct wasmtime_module_t {
    /// `Err` for a module compiled for another target (`wasmtime_config_target_set`):
    /// it can be serialized but not instantiated here; the message says why.
    loaded: Result<Module, String>,
    pub artifact: Artifact,
}

impl wasmtime_module_t {
    pub fn new(module: Module, artifact: Artifact) -> Self {
        wasmtime_module_t {
            loaded: Ok(module),
            artifact,
        }
    }
    /// The loaded module, or why there is none.
    pub fn get(&self) -> Result<&Module, String> {
        self.loaded.as_ref().map_err(Clone::clone)
    }
    /// Imports as the C API shows them: without tags, which it has no kind for (none
    /// known for a module of another target).
    pub fn imports(&self) -> Vec<wasmaot_loader::ImportType> {
        let mut imports = self.get().map(|m| m.imports()).unwrap_or_default();
        imports.retain(|i| !matches!(i.ty, wasmaot_loader::ExternType::Tag(_)));
        imports
    }
    /// Exports as the C API shows them: without tags (none known for a module of
    /// another target).
    pub fn exports(&self) -> Vec<wasmaot_loader::ExportType> {
        let mut exports = self.get().map(|m| m.exports()).unwrap_or_default();
        exports.retain(|e| !matches!(e.ty, wasmaot_loader::ExternType::Tag(_)));
        exports
    }
}

/// Compile `wasm` (binary or text) for `engine` into an artifact.
#[cfg(feature = "compile")]
pub fn compile(engine: &wasm_engine_t, wasm: &[u8]) -> Result<Vec<u8>, String> {
    let opts = engine.compile_options()?;
    wasmaot_compiler::compile(wasm, &opts).map_err(|e| e.to_string())
}

#[cfg(not(feature = "compile"))]
pub fn compile(_engine: &wasm_engine_t, _wasm: &[u8]) -> Result<Vec<u8>, String> {
    Err("this libwasmaot was built without the compiler (feature `compile`): load precompiled artifacts with wasmtime_module_deserialize".into())
}

/// Compile and load.
pub fn new_module(engine: &wasm_engine_t, wasm: &[u8]) -> Result<wasmtime_module_t, String> {
    let art = compile(engine, wasm)?;
    let loaded = match Module::from_bytes(&engine.engine, &art) {
        Ok(m) => Ok(m),
        // Cross-compiled: keep the artifact for serialization.
        Err(e) if engine.shared.settings.target.is_some() => Err(format!(
            "this module was compiled for `{}` and cannot be instantiated on this host \
             ({e}); serialize it and load it there",
            engine.shared.settings.target.as_deref().unwrap_or_default()
        )),
        Err(e) => return Err(e.to_string()),
    };
    Ok(wasmtime_module_t {
        loaded,
        artifact: Artifact::Bytes(art.into()),
    })
}

pub fn deserialize(engine: &wasm_engine_t, bytes: &[u8]) -> Result<wasmtime_module_t, String> {
    let module = Module::from_bytes(&engine.engine, bytes).map_err(|e| e.to_string())?;
    Ok(wasmtime_module_t::new(
        module,
        Artifact::Bytes(bytes.into()),
    ))
}

pub fn validate(engine: &wasm_engine_t, wasm: &[u8]) -> Result<(), String> {
    #[cfg(feature = "compile")]
    {
        let opts = engine.compile_options()?;
        let mut v = wasmparser::Validator::new_with_features(
            wasmaot_compiler::wasmparser_features(opts.wasm_features),
        );
        v.validate_all(wasm).map(|_| ()).map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "compile"))]
    {
        let _ = (engine, wasm);
        Err("this libwasmaot was built without the compiler (feature `compile`)".into())
    }
}

fn ret_module(
    r: Result<wasmtime_module_t, String>,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    match r {
        Ok(m) => {
            ptr::put(ret, Box::new(m));
            std::ptr::null_mut()
        }
        Err(e) => new_error(e),
    }
}

/// # Safety
///
/// Unless `len` is 0, `wasm` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_new(
    engine: Option<&wasm_engine_t>,
    wasm: *const u8,
    len: usize,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        // SAFETY: the caller's promise.
        let Some(w) = (unsafe { ptr::slice(wasm, len) }) else {
            return null_arg("wasm");
        };
        if ret.is_none() {
            return null_arg("ret");
        }
        ret_module(new_module(e, w), ret)
    })
}

/// # Safety
///
/// Unless `len` is 0, `wasm` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_validate(
    engine: Option<&wasm_engine_t>,
    wasm: *const u8,
    len: usize,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        // SAFETY: the caller's promise.
        let Some(w) = (unsafe { ptr::slice(wasm, len) }) else {
            return null_arg("wasm");
        };
        match validate(e, w) {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => new_error(e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_delete(m: Option<Box<wasmtime_module_t>>) {
    guard((), || drop(m))
}

#[no_mangle]
pub extern "C" fn wasmtime_module_clone(
    m: Option<&wasmtime_module_t>,
) -> Option<Box<wasmtime_module_t>> {
    guard(None, || m.map(|m| Box::new(m.clone())))
}

#[no_mangle]
pub extern "C" fn wasmtime_module_imports(
    m: Option<&wasmtime_module_t>,
    out: Out<'_, wasm_importtype_vec_t>,
) {
    guard((), || {
        let v = m
            .map(|m| {
                m.imports()
                    .iter()
                    .filter_map(importtype)
                    .map(Some)
                    .collect()
            })
            .unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_exports(
    m: Option<&wasmtime_module_t>,
    out: Out<'_, wasm_exporttype_vec_t>,
) {
    guard((), || {
        let v = m
            .map(|m| {
                m.exports()
                    .iter()
                    .filter_map(exporttype)
                    .map(Some)
                    .collect()
            })
            .unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_serialize(
    m: Option<&wasmtime_module_t>,
    ret: Out<'_, wasm_byte_vec_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(m) = m else {
            return null_arg("module");
        };
        match m.artifact.bytes() {
            Ok(b) => {
                ptr::put(ret, WasmVec::from_vec(b));
                std::ptr::null_mut()
            }
            Err(e) => new_error(e),
        }
    })
}

/// # Safety
///
/// Unless `len` is 0, `bytes` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_deserialize(
    engine: Option<&wasm_engine_t>,
    bytes: *const u8,
    len: usize,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        // SAFETY: the caller's promise.
        let Some(b) = (unsafe { ptr::slice(bytes, len) }) else {
            return null_arg("bytes");
        };
        ret_module(deserialize(e, b), ret)
    })
}

/// # Safety
///
/// `path` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_deserialize_file(
    engine: Option<&wasm_engine_t>,
    path: *const c_char,
    ret: Out<'_, Box<wasmtime_module_t>>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = engine else {
            return null_arg("engine");
        };
        // SAFETY: the caller's promise.
        let Some(p) = (unsafe { ptr::cstr(path) }) else {
            return null_arg("path");
        };
        let path = PathBuf::from(p);
        let r = Module::from_file(&e.engine, &path)
            .map(|module| wasmtime_module_t::new(module, Artifact::File(path)))
            .map_err(|e| e.to_string());
        ret_module(r, ret)
    })
}

/// The loaded code's address range. Needs the loader's code base; until the loader
/// exposes it, `[0, text_len)` offsets are not meaningful, so NULL..NULL is reported.
#[no_mangle]
pub extern "C" fn wasmtime_module_image_range(
    m: Option<&wasmtime_module_t>,
    start: Out<'_, *mut c_void>,
    end: Out<'_, *mut c_void>,
) {
    guard((), || {
        let (s, e) = m.map_or((0, 0), |m| m.get().map_or((0, 0), |m| m.image_range()));
        ptr::put(start, s as *mut c_void);
        ptr::put(end, e as *mut c_void);
    })
}

/// # Safety
///
/// Unless `len` is 0, `wat` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_wat2wasm(
    wat: *const c_char,
    len: usize,
    ret: Out<'_, wasm_byte_vec_t>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        // SAFETY: the caller's promise.
        let Some(text) = (unsafe { ptr::slice(wat.cast::<u8>(), len) }) else {
            return null_arg("wat");
        };
        #[cfg(feature = "compile")]
        {
            let Ok(text) = std::str::from_utf8(text) else {
                return new_error("input is not valid UTF-8");
            };
            match wat::parse_str(text) {
                Ok(b) => {
                    ptr::put(ret, WasmVec::from_vec(b));
                    std::ptr::null_mut()
                }
                Err(e) => new_error(e.to_string()),
            }
        }
        #[cfg(not(feature = "compile"))]
        {
            let _ = (text, ret);
            new_error("this libwasmaot was built without the compiler (feature `compile`): wat2wasm is unavailable")
        }
    })
}

// ---------------------------------------------------------------------------------------
// wasm.h modules

has_hdr!(wasm_module_t);

#[repr(C)]
pub struct wasm_module_t {
    pub hdr: RefHeader,
    pub module: wasmtime_module_t,
}

impl Clone for wasm_module_t {
    fn clone(&self) -> Self {
        wasm_module_t {
            hdr: RefHeader::new(RefKind::Module),
            module: self.module.clone(),
        }
    }
}

pub struct wasm_shared_module_t {
    module: wasmtime_module_t,
}

fn boxed_module(module: wasmtime_module_t) -> *mut wasm_module_t {
    Box::into_raw(Box::new(wasm_module_t {
        hdr: RefHeader::new(RefKind::Module),
        module,
    }))
}

/// # Safety
///
/// `binary` must be NULL or a valid vector (a non-NULL `data` points to `size` bytes).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_new(
    s: Option<&wasm_store_t>,
    binary: Option<&wasm_byte_vec_t>,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(s), binary) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the caller's promise.
        let b = unsafe { b.as_slice() };
        match new_module(&s.get().engine, b) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// # Safety
///
/// `binary` must be NULL or a valid vector (a non-NULL `data` points to `size` bytes).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_validate(
    s: Option<&wasm_store_t>,
    binary: Option<&wasm_byte_vec_t>,
) -> bool {
    guard(false, || {
        let (Some(s), Some(b)) = (store_of(s), binary) else {
            return false;
        };
        // SAFETY: the caller's promise.
        let b = unsafe { b.as_slice() };
        validate(&s.get().engine, b).is_ok()
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_imports(
    m: Option<&wasm_module_t>,
    out: Out<'_, wasm_importtype_vec_t>,
) {
    guard((), || {
        let v = m
            .map(|m| {
                m.module
                    .imports()
                    .iter()
                    .filter_map(importtype)
                    .map(Some)
                    .collect()
            })
            .unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_exports(
    m: Option<&wasm_module_t>,
    out: Out<'_, wasm_exporttype_vec_t>,
) {
    guard((), || {
        let v = m
            .map(|m| {
                m.module
                    .exports()
                    .iter()
                    .filter_map(exporttype)
                    .map(Some)
                    .collect()
            })
            .unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_serialize(m: Option<&wasm_module_t>, out: Out<'_, wasm_byte_vec_t>) {
    guard((), || {
        let b = m
            .and_then(|m| m.module.artifact.bytes().ok())
            .unwrap_or_default();
        ptr::put(out, WasmVec::from_vec(b))
    })
}

/// # Safety
///
/// `b` must be NULL or a valid vector (a non-NULL `data` points to `size` bytes).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_deserialize(
    s: Option<&wasm_store_t>,
    b: Option<&wasm_byte_vec_t>,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(s), b) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the caller's promise.
        let b = unsafe { b.as_slice() };
        match deserialize(&s.get().engine, b) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_share(
    m: Option<&wasm_module_t>,
) -> Option<Box<wasm_shared_module_t>> {
    guard(None, || {
        m.map(|m| {
            Box::new(wasm_shared_module_t {
                module: m.module.clone(),
            })
        })
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_obtain(
    s: Option<&wasm_store_t>,
    m: Option<&wasm_shared_module_t>,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(m)) = (store_of(s), m) else {
            return std::ptr::null_mut();
        };
        if !m
            .module
            .get()
            .is_ok_and(|x| wasmaot_loader::Engine::same(x.engine(), &s.get().engine.engine))
        {
            return std::ptr::null_mut();
        }
        boxed_module(m.module.clone())
    })
}

#[no_mangle]
pub extern "C" fn wasm_shared_module_delete(m: Option<Box<wasm_shared_module_t>>) {
    guard((), || drop(m))
}

ref_fns!(
    wasm_module_t,
    wasm_module_delete,
    wasm_module_copy,
    wasm_module_same,
    |a, b| std::ptr::eq(a, b),
    wasm_module_get_host_info,
    wasm_module_set_host_info,
    wasm_module_set_host_info_with_finalizer
);
ref_casts!(
    wasm_module_t,
    wasm_module_as_ref,
    wasm_module_as_ref_const,
    wasm_ref_as_module,
    wasm_ref_as_module_const,
    |v| matches!(v, RefView::Module(_))
);
