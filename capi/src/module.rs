//! Modules: `wasmtime_module_t` (compile with feature `compile`, validate,
//! (de)serialize, imports, exports, image range), wasm.h's `wasm_module_t` and
//! `wasm_shared_module_t`; `wasmtime_wat2wasm`.

use crate::config::wasm_engine_t;
use crate::error::{new_error, null_arg, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr;
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
    /// Imports (none known for a module of another target).
    pub fn imports(&self) -> Vec<wasmaot_loader::ImportType> {
        self.get().map(|m| m.imports()).unwrap_or_default()
    }
    /// Exports (none known for a module of another target).
    pub fn exports(&self) -> Vec<wasmaot_loader::ExportType> {
        self.get().map(|m| m.exports()).unwrap_or_default()
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
        let mut v =
            wasmparser::Validator::new_with_features(wasmparser_features(opts.wasm_features));
        v.validate_all(wasm).map(|_| ()).map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "compile"))]
    {
        let _ = (engine, wasm);
        Err("this libwasmaot was built without the compiler (feature `compile`)".into())
    }
}

/// The wasmparser features of wasmaot's feature bits (as the compiler maps them).
#[cfg(feature = "compile")]
fn wasmparser_features(bits: u64) -> wasmparser::WasmFeatures {
    use wasmaot_loader::abi::features as ours;
    use wasmparser::WasmFeatures as F;
    let mut f = F::FLOATS | F::GC_TYPES;
    let map = [
        (ours::MUTABLE_GLOBAL, F::MUTABLE_GLOBAL),
        (ours::SATURATING_FLOAT_TO_INT, F::SATURATING_FLOAT_TO_INT),
        (ours::SIGN_EXTENSION, F::SIGN_EXTENSION),
        (ours::MULTI_VALUE, F::MULTI_VALUE),
        (ours::BULK_MEMORY, F::BULK_MEMORY),
        (ours::REFERENCE_TYPES, F::REFERENCE_TYPES),
        (ours::SIMD, F::SIMD),
        (ours::RELAXED_SIMD, F::RELAXED_SIMD),
        (ours::EXTENDED_CONST, F::EXTENDED_CONST),
        (ours::MULTI_MEMORY, F::MULTI_MEMORY),
        (ours::TAIL_CALL, F::TAIL_CALL),
    ];
    for (o, t) in map {
        if bits & o != 0 {
            f |= t;
        }
    }
    f
}

fn ret_module(
    r: Result<wasmtime_module_t, String>,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    match r {
        Ok(m) => {
            ptr::legacy_write(ret, Box::into_raw(Box::new(m)));
            std::ptr::null_mut()
        }
        Err(e) => new_error(e),
    }
}

#[no_mangle]
pub extern "C" fn wasmtime_module_new(
    engine: *mut wasm_engine_t,
    wasm: *const u8,
    len: usize,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        let Some(w) = ptr::legacy_slice(wasm, len) else {
            return null_arg("wasm");
        };
        if ret.is_null() {
            return null_arg("ret");
        }
        ret_module(new_module(e, w), ret)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_validate(
    engine: *mut wasm_engine_t,
    wasm: *const u8,
    len: usize,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        let Some(w) = ptr::legacy_slice(wasm, len) else {
            return null_arg("wasm");
        };
        match validate(e, w) {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => new_error(e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_delete(m: *mut wasmtime_module_t) {
    guard((), || drop(ptr::legacy_take_box(m)))
}

#[no_mangle]
pub extern "C" fn wasmtime_module_clone(m: *mut wasmtime_module_t) -> *mut wasmtime_module_t {
    guard(std::ptr::null_mut(), || {
        ptr::legacy_r(m).map_or(std::ptr::null_mut(), |m| Box::into_raw(Box::new(m.clone())))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_imports(
    m: *const wasmtime_module_t,
    out: *mut wasm_importtype_vec_t,
) {
    guard((), || {
        let v = ptr::legacy_r(m)
            .map(|m| m.imports().iter().map(importtype).collect())
            .unwrap_or_default();
        ptr::legacy_write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_exports(
    m: *const wasmtime_module_t,
    out: *mut wasm_exporttype_vec_t,
) {
    guard((), || {
        let v = ptr::legacy_r(m)
            .map(|m| m.exports().iter().map(exporttype).collect())
            .unwrap_or_default();
        ptr::legacy_write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_serialize(
    m: *mut wasmtime_module_t,
    ret: *mut WasmVec<u8>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(m) = ptr::legacy_r(m) else {
            return null_arg("module");
        };
        match m.artifact.bytes() {
            Ok(b) => {
                ptr::legacy_write(ret, WasmVec::from_vec(b));
                std::ptr::null_mut()
            }
            Err(e) => new_error(e),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_deserialize(
    engine: *mut wasm_engine_t,
    bytes: *const u8,
    len: usize,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        let Some(b) = ptr::legacy_slice(bytes, len) else {
            return null_arg("bytes");
        };
        ret_module(deserialize(e, b), ret)
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_module_deserialize_file(
    engine: *mut wasm_engine_t,
    path: *const c_char,
    ret: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(e) = ptr::legacy_r(engine) else {
            return null_arg("engine");
        };
        let Some(p) = ptr::legacy_cstr(path) else {
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
    m: *const wasmtime_module_t,
    start: *mut *mut c_void,
    end: *mut *mut c_void,
) {
    guard((), || {
        let (s, e) =
            ptr::legacy_r(m).map_or((0, 0), |m| m.get().map_or((0, 0), |m| m.image_range()));
        ptr::legacy_write(start, s as *mut c_void);
        ptr::legacy_write(end, e as *mut c_void);
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_wat2wasm(
    wat: *const c_char,
    len: usize,
    ret: *mut WasmVec<u8>,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        let Some(text) = ptr::legacy_slice(wat.cast::<u8>(), len) else {
            return null_arg("wat");
        };
        #[cfg(feature = "compile")]
        {
            let Ok(text) = std::str::from_utf8(text) else {
                return new_error("input is not valid UTF-8");
            };
            match wat::parse_str(text) {
                Ok(b) => {
                    ptr::legacy_write(ret, WasmVec::from_vec(b));
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

#[no_mangle]
pub extern "C" fn wasm_module_new(
    s: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(ptr::legacy_r(s)), ptr::legacy_r(binary)) else {
            return std::ptr::null_mut();
        };
        match new_module(&s.get().engine, b.legacy_as_slice()) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_validate(
    s: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> bool {
    guard(false, || {
        let (Some(s), Some(b)) = (store_of(ptr::legacy_r(s)), ptr::legacy_r(binary)) else {
            return false;
        };
        validate(&s.get().engine, b.legacy_as_slice()).is_ok()
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_imports(m: *const wasm_module_t, out: *mut wasm_importtype_vec_t) {
    guard((), || {
        let v = ptr::legacy_r(m)
            .map(|m| m.module.imports().iter().map(importtype).collect())
            .unwrap_or_default();
        ptr::legacy_write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_exports(m: *const wasm_module_t, out: *mut wasm_exporttype_vec_t) {
    guard((), || {
        let v = ptr::legacy_r(m)
            .map(|m| m.module.exports().iter().map(exporttype).collect())
            .unwrap_or_default();
        ptr::legacy_write(out, WasmVec::from_vec(v))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_serialize(m: *const wasm_module_t, out: *mut wasm_byte_vec_t) {
    guard((), || {
        let b = ptr::legacy_r(m)
            .and_then(|m| m.module.artifact.bytes().ok())
            .unwrap_or_default();
        ptr::legacy_write(out, WasmVec::from_vec(b))
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_deserialize(
    s: *mut wasm_store_t,
    b: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store_of(ptr::legacy_r(s)), ptr::legacy_r(b)) else {
            return std::ptr::null_mut();
        };
        match deserialize(&s.get().engine, b.legacy_as_slice()) {
            Ok(m) => boxed_module(m),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_share(m: *const wasm_module_t) -> *mut wasm_shared_module_t {
    guard(std::ptr::null_mut(), || match ptr::legacy_r(m) {
        Some(m) => Box::into_raw(Box::new(wasm_shared_module_t {
            module: m.module.clone(),
        })),
        None => std::ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn wasm_module_obtain(
    s: *mut wasm_store_t,
    m: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    guard(std::ptr::null_mut(), || {
        let (Some(s), Some(m)) = (store_of(ptr::legacy_r(s)), ptr::legacy_r(m)) else {
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
pub extern "C" fn wasm_shared_module_delete(m: *mut wasm_shared_module_t) {
    guard((), || drop(ptr::legacy_take_box(m)))
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
