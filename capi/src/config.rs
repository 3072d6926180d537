//! `wasm_config_t`, `wasm_engine_t` and the `wasmtime_config_*` setters.

use crate::error::{new_error, wasmtime_error_t};
use crate::guard::{guard, guard_err};
use crate::ptr;
use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmaot_loader::abi::features;
use wasmaot_loader::{Config, Engine};

/// Everything a config records. Settings that only tune Wasmtime's JIT are kept but have
/// no effect on ahead-of-time code (see capi/README.md).
#[derive(Clone, Debug)]
pub struct Settings {
    pub wasm_features: u64,
    pub opt_level: u8,
    pub parallel: bool,
    pub target: Option<String>,
    pub nan_canonicalization: bool,
    pub relaxed_simd_deterministic: bool,
    pub debug_verifier: bool,
    pub consume_fuel: bool,
    pub epoch_interruption: bool,
    pub max_wasm_stack: usize,
    pub cranelift_flags: Vec<(String, String)>,
    pub debug_info: bool,
    pub strategy: u8,
    pub profiler: u8,
    pub memory_init_cow: bool,
    pub static_memory_forced: bool,
    pub static_memory_maximum_size: u64,
    pub static_memory_guard_size: u64,
    pub dynamic_memory_guard_size: u64,
    pub dynamic_memory_reserved_for_growth: u64,
    pub native_unwind_info: bool,
    pub macos_use_mach_ports: bool,
    pub async_support: bool,
    pub async_stack_size: u64,
    /// `wasmaot_config_artifact_checksum_set` (wasmaot.h).
    pub verify_artifact_checksum: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // As in Wasmtime 23: memory64, typed function references and GC are off until
            // asked for.
            wasm_features: features::DEFAULT
                & !features::MEMORY64
                & !features::FUNCTION_REFERENCES
                & !features::GC,
            opt_level: 1,
            parallel: true,
            target: None,
            nan_canonicalization: false,
            relaxed_simd_deterministic: false,
            debug_verifier: false,
            consume_fuel: false,
            epoch_interruption: false,
            max_wasm_stack: Config::default().max_wasm_stack,
            cranelift_flags: Vec::new(),
            debug_info: false,
            strategy: 0,
            profiler: 0,
            memory_init_cow: true,
            static_memory_forced: false,
            static_memory_maximum_size: 4 << 30,
            static_memory_guard_size: 2 << 30,
            dynamic_memory_guard_size: 64 << 10,
            dynamic_memory_reserved_for_growth: 0,
            native_unwind_info: true,
            macos_use_mach_ports: true,
            async_support: false,
            async_stack_size: 2 << 20,
            verify_artifact_checksum: true,
        }
    }
}

pub struct wasm_config_t {
    pub settings: Settings,
    /// Kept only to run its finalizer (host memory creators are not supported).
    memory_creator: Option<ptr::Finalized>,
}

pub struct EngineShared {
    pub settings: Settings,
    pub epoch: AtomicU64,
}

#[derive(Clone)]
pub struct wasm_engine_t {
    pub engine: Engine,
    pub shared: Arc<EngineShared>,
}

impl wasm_engine_t {
    #[cfg(feature = "compile")]
    pub fn compile_options(&self) -> Result<wasmaot_compiler::CompileOptions, String> {
        let s = &self.shared.settings;
        Ok(wasmaot_compiler::CompileOptions {
            target: s.target.clone(),
            opt_level: match s.opt_level {
                0 => wasmaot_compiler::OptLevel::None,
                2 => wasmaot_compiler::OptLevel::SpeedAndSize,
                _ => wasmaot_compiler::OptLevel::Speed,
            },
            parallel: s.parallel,
            symbol_prefix: String::new(),
            wasm_features: s.wasm_features,
            consume_fuel: s.consume_fuel,
            nan_canonicalization: s.nan_canonicalization,
            epoch_interruption: s.epoch_interruption,
            ..Default::default()
        })
    }
}

#[no_mangle]
pub extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(wasm_config_t {
            settings: Settings::default(),
            memory_creator: None,
        }))
    })
}

#[no_mangle]
pub extern "C" fn wasm_config_delete(c: Option<Box<wasm_config_t>>) {
    guard((), || drop(c))
}

fn new_engine(settings: Settings) -> *mut wasm_engine_t {
    wasmaot_loader::init_traps();
    let mut config = Config {
        max_wasm_stack: settings.max_wasm_stack,
        ..Config::default()
    };
    config
        .consume_fuel(settings.consume_fuel)
        .epoch_interruption(settings.epoch_interruption)
        .verify_artifact_checksum(settings.verify_artifact_checksum);
    let engine = Engine::new(config);
    Box::into_raw(Box::new(wasm_engine_t {
        engine,
        shared: Arc::new(EngineShared {
            settings,
            epoch: AtomicU64::new(0),
        }),
    }))
}

#[no_mangle]
pub extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    guard(std::ptr::null_mut(), || new_engine(Settings::default()))
}

#[no_mangle]
pub extern "C" fn wasm_engine_new_with_config(c: Option<Box<wasm_config_t>>) -> *mut wasm_engine_t {
    guard(std::ptr::null_mut(), || {
        let settings = c.map(|c| c.settings.clone()).unwrap_or_default();
        new_engine(settings)
    })
}

#[no_mangle]
pub extern "C" fn wasm_engine_delete(e: Option<Box<wasm_engine_t>>) {
    guard((), || drop(e))
}

#[no_mangle]
pub extern "C" fn wasmtime_engine_increment_epoch(e: Option<&wasm_engine_t>) {
    guard((), || {
        if let Some(e) = e {
            e.shared.epoch.fetch_add(1, Ordering::SeqCst);
            e.engine.increment_epoch();
        }
    })
}

fn set(c: Option<&mut wasm_config_t>, f: impl FnOnce(&mut Settings)) {
    guard((), || {
        if let Some(c) = c {
            f(&mut c.settings)
        }
    })
}

fn feature(s: &mut Settings, bit: u64, on: bool) {
    if on {
        s.wasm_features |= bit;
    } else {
        s.wasm_features &= !bit;
    }
}

macro_rules! setter {
    ($name:ident, $ty:ty, |$s:ident, $v:ident| $body:expr) => {
        #[no_mangle]
        pub extern "C" fn $name(c: Option<&mut wasm_config_t>, $v: $ty) {
            set(c, |$s| $body)
        }
    };
}

setter!(wasmaot_config_artifact_checksum_set, bool, |s, v| s
    .verify_artifact_checksum =
    v);
setter!(wasmtime_config_debug_info_set, bool, |s, v| s.debug_info =
    v);
setter!(wasmtime_config_consume_fuel_set, bool, |s, v| s
    .consume_fuel =
    v);
setter!(wasmtime_config_epoch_interruption_set, bool, |s, v| s
    .epoch_interruption =
    v);
setter!(wasmtime_config_max_wasm_stack_set, usize, |s, v| s
    .max_wasm_stack =
    v);
setter!(wasmtime_config_wasm_threads_set, bool, |s, v| feature(
    s,
    features::THREADS,
    v
));
setter!(wasmtime_config_wasm_tail_call_set, bool, |s, v| feature(
    s,
    features::TAIL_CALL,
    v
));
setter!(wasmtime_config_wasm_reference_types_set, bool, |s, v| {
    feature(s, features::REFERENCE_TYPES, v)
});
setter!(
    wasmtime_config_wasm_function_references_set,
    bool,
    |s, v| feature(s, features::FUNCTION_REFERENCES, v)
);
setter!(wasmtime_config_wasm_gc_set, bool, |s, v| feature(
    s,
    features::GC,
    v
));
setter!(wasmtime_config_wasm_simd_set, bool, |s, v| feature(
    s,
    features::SIMD,
    v
));
setter!(wasmtime_config_wasm_relaxed_simd_set, bool, |s, v| feature(
    s,
    features::RELAXED_SIMD,
    v
));
setter!(
    wasmtime_config_wasm_relaxed_simd_deterministic_set,
    bool,
    |s, v| s.relaxed_simd_deterministic = v
);
setter!(wasmtime_config_wasm_bulk_memory_set, bool, |s, v| feature(
    s,
    features::BULK_MEMORY,
    v
));
setter!(wasmtime_config_wasm_multi_value_set, bool, |s, v| feature(
    s,
    features::MULTI_VALUE,
    v
));
setter!(wasmtime_config_wasm_multi_memory_set, bool, |s, v| feature(
    s,
    features::MULTI_MEMORY,
    v
));
setter!(wasmtime_config_wasm_memory64_set, bool, |s, v| feature(
    s,
    features::MEMORY64,
    v
));
setter!(wasmtime_config_strategy_set, u8, |s, v| s.strategy = v);
setter!(wasmtime_config_parallel_compilation_set, bool, |s, v| s
    .parallel =
    v);
setter!(
    wasmtime_config_cranelift_debug_verifier_set,
    bool,
    |s, v| s.debug_verifier = v
);
setter!(
    wasmtime_config_cranelift_nan_canonicalization_set,
    bool,
    |s, v| s.nan_canonicalization = v
);
setter!(wasmtime_config_cranelift_opt_level_set, u8, |s, v| s
    .opt_level =
    v);
setter!(wasmtime_config_profiler_set, u8, |s, v| s.profiler = v);
setter!(wasmtime_config_static_memory_forced_set, bool, |s, v| s
    .static_memory_forced =
    v);
setter!(
    wasmtime_config_static_memory_maximum_size_set,
    u64,
    |s, v| s.static_memory_maximum_size = v
);
setter!(wasmtime_config_static_memory_guard_size_set, u64, |s, v| {
    s.static_memory_guard_size = v
});
setter!(
    wasmtime_config_dynamic_memory_guard_size_set,
    u64,
    |s, v| s.dynamic_memory_guard_size = v
);
setter!(
    wasmtime_config_dynamic_memory_reserved_for_growth_set,
    u64,
    |s, v| s.dynamic_memory_reserved_for_growth = v
);
setter!(wasmtime_config_native_unwind_info_set, bool, |s, v| s
    .native_unwind_info =
    v);
setter!(wasmtime_config_macos_use_mach_ports_set, bool, |s, v| s
    .macos_use_mach_ports =
    v);
setter!(wasmtime_config_memory_init_cow_set, bool, |s, v| s
    .memory_init_cow =
    v);
setter!(wasmtime_config_async_support_set, bool, |s, v| s
    .async_support =
    v);
setter!(wasmtime_config_async_stack_size_set, u64, |s, v| s
    .async_stack_size =
    v);

/// A C string argument as text ("" for NULL or text that is not UTF-8).
///
/// # Safety
///
/// `p` must be NULL or a NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    // SAFETY: the caller's promise.
    unsafe { ptr::cstr(p) }.unwrap_or("").to_string()
}

/// # Safety
///
/// `flag` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_cranelift_flag_enable(
    c: Option<&mut wasm_config_t>,
    flag: *const c_char,
) {
    guard((), || {
        // SAFETY: the caller's promise.
        let flag = unsafe { text(flag) };
        set(c, |s| s.cranelift_flags.push((flag, "true".into())))
    })
}

/// # Safety
///
/// `key` and `value` must each be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_cranelift_flag_set(
    c: Option<&mut wasm_config_t>,
    key: *const c_char,
    value: *const c_char,
) {
    guard((), || {
        // SAFETY: the caller's promise.
        let (key, value) = unsafe { (text(key), text(value)) };
        set(c, |s| s.cranelift_flags.push((key, value)))
    })
}

/// Accepted triples: anything of the form `arch-vendor-os[-env]` whose architecture
/// Cranelift supports; the compiler rejects the rest when compiling.
///
/// # Safety
///
/// `target` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_target_set(
    c: Option<&mut wasm_config_t>,
    target: *const c_char,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        // SAFETY: the caller's promise.
        let Some(t) = (unsafe { ptr::cstr(target) }) else {
            return crate::error::null_arg("target");
        };
        let arch = t.split('-').next().unwrap_or("");
        let known = ["x86_64", "aarch64", "riscv64gc", "riscv64", "s390x"];
        if t.split('-').count() < 2 || !known.contains(&arch) {
            return new_error(format!("unknown or unsupported target triple `{t}`"));
        }
        let t = t.to_string();
        set(c, |s| s.target = Some(t));
        std::ptr::null_mut()
    })
}

#[no_mangle]
pub extern "C" fn wasmtime_config_cache_config_load(
    _c: *mut wasm_config_t,
    _path: *const c_char,
) -> *mut wasmtime_error_t {
    guard_err(|| {
        new_error("the compilation cache is not supported by wasmaot: precompile modules with `wasmaot compile` instead")
    })
}

#[repr(C)]
pub struct wasmtime_memory_creator_t {
    env: *mut std::ffi::c_void,
    new_memory: *const std::ffi::c_void,
    finalizer: Option<extern "C" fn(*mut std::ffi::c_void)>,
}

/// Host memory creators are not supported: the setting is ignored (wasmaot reserves its
/// own memories) and `env` is finalized with the config.
#[no_mangle]
pub extern "C" fn wasmtime_config_host_memory_creator_set(
    c: Option<&mut wasm_config_t>,
    mc: Option<&wasmtime_memory_creator_t>,
) {
    guard((), || {
        let (Some(c), Some(mc)) = (c, mc) else {
            return;
        };
        c.memory_creator = Some(ptr::Finalized {
            data: ptr::SendPtr(mc.env),
            finalizer: mc.finalizer,
        });
    })
}
