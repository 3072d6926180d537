/*
 * wasmtime/config.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: Wasmtime-specific settings on a wasm_config_t.
 *
 * All setters take the config by pointer and do not take ownership of it.
 * Settings that only influence Wasmtime's JIT (Cranelift flags, opt level,
 * profiler, memory guard sizes, ...) are accepted by wasmaot; those that do
 * not apply to ahead-of-time compiled code are recorded and ignored.
 */

#ifndef WASMTIME_CONFIG_H
#define WASMTIME_CONFIG_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- Enumerations ------------------------------------------------------ */

/* Compilation strategy, one of wasmtime_strategy_enum. */
typedef uint8_t wasmtime_strategy_t;
enum wasmtime_strategy_enum {
  WASMTIME_STRATEGY_AUTO,      /* 0: let the engine pick (default) */
  WASMTIME_STRATEGY_CRANELIFT, /* 1: the optimizing compiler */
};

/* Code optimisation level, one of wasmtime_opt_level_enum. */
typedef uint8_t wasmtime_opt_level_t;
enum wasmtime_opt_level_enum {
  WASMTIME_OPT_LEVEL_NONE,           /* 0 */
  WASMTIME_OPT_LEVEL_SPEED,          /* 1 (default) */
  WASMTIME_OPT_LEVEL_SPEED_AND_SIZE, /* 2 */
};

/* Native profiler integration, one of wasmtime_profiling_strategy_enum. */
typedef uint8_t wasmtime_profiling_strategy_t;
enum wasmtime_profiling_strategy_enum {
  WASMTIME_PROFILING_STRATEGY_NONE,    /* 0 (default) */
  WASMTIME_PROFILING_STRATEGY_JITDUMP, /* 1: perf jitdump */
  WASMTIME_PROFILING_STRATEGY_VTUNE,   /* 2: Intel VTune */
  WASMTIME_PROFILING_STRATEGY_PERFMAP, /* 3: perf map files */
};

/* Declares `ret wasmtime_config_NAME_set(wasm_config_t *, ty);`. */
#define WASMTIME_CONFIG_PROP(ret, name, ty)                                    \
  WASM_API_EXTERN ret wasmtime_config_##name##_set(wasm_config_t *, ty);

/* --- General execution settings ---------------------------------------- */

/* Emit native DWARF debug info for generated code (default false). */
WASMTIME_CONFIG_PROP(void, debug_info, bool)

/* Meter execution with fuel; trap when it runs out (default false). */
WASMTIME_CONFIG_PROP(void, consume_fuel, bool)

/* Check the engine epoch periodically (default false); see
 * wasmtime_engine_increment_epoch and wasmtime_context_set_epoch_deadline. */
WASMTIME_CONFIG_PROP(void, epoch_interruption, bool)

/* Maximum native stack, in bytes, that wasm code may consume. */
WASMTIME_CONFIG_PROP(void, max_wasm_stack, size_t)

/* --- WebAssembly proposals --------------------------------------------- */

#ifdef WASMTIME_FEATURE_THREADS
/* threads proposal (shared memories, atomics). */
WASMTIME_CONFIG_PROP(void, wasm_threads, bool)
#endif // WASMTIME_FEATURE_THREADS

/* tail-call proposal. */
WASMTIME_CONFIG_PROP(void, wasm_tail_call, bool)
/* reference-types proposal. */
WASMTIME_CONFIG_PROP(void, wasm_reference_types, bool)
/* typed function references proposal. */
WASMTIME_CONFIG_PROP(void, wasm_function_references, bool)
/* GC proposal. */
WASMTIME_CONFIG_PROP(void, wasm_gc, bool)
/* fixed-width SIMD. */
WASMTIME_CONFIG_PROP(void, wasm_simd, bool)
/* relaxed SIMD. */
WASMTIME_CONFIG_PROP(void, wasm_relaxed_simd, bool)
/* deterministic results for relaxed SIMD. */
WASMTIME_CONFIG_PROP(void, wasm_relaxed_simd_deterministic, bool)
/* bulk-memory operations. */
WASMTIME_CONFIG_PROP(void, wasm_bulk_memory, bool)
/* multi-value (default true). */
WASMTIME_CONFIG_PROP(void, wasm_multi_value, bool)
/* multiple memories. */
WASMTIME_CONFIG_PROP(void, wasm_multi_memory, bool)
/* 64-bit memories. */
WASMTIME_CONFIG_PROP(void, wasm_memory64, bool)

/* --- Compilation ------------------------------------------------------- */

#ifdef WASMTIME_FEATURE_COMPILER
/* Which compiler to use (default WASMTIME_STRATEGY_AUTO). */
WASMTIME_CONFIG_PROP(void, strategy, wasmtime_strategy_t)
#endif // WASMTIME_FEATURE_COMPILER

#ifdef WASMTIME_FEATURE_PARALLEL_COMPILATION
/* Compile functions on multiple threads. */
WASMTIME_CONFIG_PROP(void, parallel_compilation, bool)
#endif // WASMTIME_FEATURE_PARALLEL_COMPILATION

#ifdef WASMTIME_FEATURE_COMPILER
/* Expensive internal verification of generated code (default false). */
WASMTIME_CONFIG_PROP(void, cranelift_debug_verifier, bool)
/* Canonicalise NaNs for deterministic float results (default false). */
WASMTIME_CONFIG_PROP(void, cranelift_nan_canonicalization, bool)
/* Optimisation level (default WASMTIME_OPT_LEVEL_SPEED). */
WASMTIME_CONFIG_PROP(void, cranelift_opt_level, wasmtime_opt_level_t)
#endif // WASMTIME_FEATURE_COMPILER

/* Native profiler integration (default WASMTIME_PROFILING_STRATEGY_NONE). */
WASMTIME_CONFIG_PROP(void, profiler, wasmtime_profiling_strategy_t)

/* --- Linear-memory layout ---------------------------------------------- */

/* Always use the "static" (reserve-everything-up-front) memory style. */
WASMTIME_CONFIG_PROP(void, static_memory_forced, bool)
/* Largest memory, in bytes, that may use the static style. */
WASMTIME_CONFIG_PROP(void, static_memory_maximum_size, uint64_t)
/* Guard region, in bytes, after static memories. */
WASMTIME_CONFIG_PROP(void, static_memory_guard_size, uint64_t)
/* Guard region, in bytes, after dynamic memories. */
WASMTIME_CONFIG_PROP(void, dynamic_memory_guard_size, uint64_t)
/* Extra virtual space, in bytes, reserved after dynamic memories. */
WASMTIME_CONFIG_PROP(void, dynamic_memory_reserved_for_growth, uint64_t)

/* Emit native unwind tables (.eh_frame) for generated code (default true). */
WASMTIME_CONFIG_PROP(void, native_unwind_info, bool)

#ifdef WASMTIME_FEATURE_CACHE
/* Turns on the compilation cache using the TOML file at `path` (NULL for the
 * default location).  Returns an owned error if it cannot be loaded. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_config_cache_config_load(wasm_config_t *, const char *);
#endif // WASMTIME_FEATURE_CACHE

#ifdef WASMTIME_FEATURE_COMPILER
/* Cross-compile for the given target triple.  Returns an owned error for an
 * unknown/unsupported triple. */
WASMTIME_CONFIG_PROP(wasmtime_error_t *, target, const char *)

/* Enables a boolean target/codegen flag by name. */
WASM_API_EXTERN void wasmtime_config_cranelift_flag_enable(wasm_config_t *,
                                                           const char *);

/* Sets a target/codegen flag `key` to `value`. */
WASM_API_EXTERN void wasmtime_config_cranelift_flag_set(wasm_config_t *,
                                                        const char *key,
                                                        const char *value);
#endif // WASMTIME_FEATURE_COMPILER

/* macOS only: use Mach ports instead of signals for traps (default true). */
WASMTIME_CONFIG_PROP(void, macos_use_mach_ports, bool)

/* --- Host-provided linear memories ------------------------------------- */

/* Returns the base of a host memory and reports its current and maximum
 * byte sizes. */
typedef uint8_t *(*wasmtime_memory_get_callback_t)(void *env, size_t *byte_size,
                                                   size_t *maximum_byte_size);

/* Grows a host memory to `new_size` bytes; NULL on success. */
typedef wasmtime_error_t *(*wasmtime_memory_grow_callback_t)(void *env,
                                                             size_t new_size);

/* A linear memory implemented by the host. */
typedef struct wasmtime_linear_memory {
  /* Passed to get_memory and grow_memory. */
  void *env;
  /* Reports the memory's base and sizes. */
  wasmtime_memory_get_callback_t get_memory;
  /* Grows the memory. */
  wasmtime_memory_grow_callback_t grow_memory;
  /* Optional finalizer for `env`. */
  void (*finalizer)(void *);
} wasmtime_linear_memory_t;

/* Creates a host linear memory for type `ty`; fills `memory_ret` (whose
 * contents become owned by the engine) and returns NULL on success.  Must be
 * thread-safe. */
typedef wasmtime_error_t *(*wasmtime_new_memory_callback_t)(
    void *env, const wasm_memorytype_t *ty, size_t minimum, size_t maximum,
    size_t reserved_size_in_bytes, size_t guard_size_in_bytes,
    wasmtime_linear_memory_t *memory_ret);

/* A host memory allocator. */
typedef struct wasmtime_memory_creator {
  /* Passed to new_memory. */
  void *env;
  /* Allocates memories; must be thread-safe. */
  wasmtime_new_memory_callback_t new_memory;
  /* Optional finalizer for `env`. */
  void (*finalizer)(void *);
} wasmtime_memory_creator_t;

/* Installs a custom memory creator.  The struct is copied; the config does
 * not take ownership of the pointer. */
WASM_API_EXTERN void
wasmtime_config_host_memory_creator_set(wasm_config_t *,
                                        wasmtime_memory_creator_t *);

/* Initialise memories from copy-on-write images of the module's data
 * (default true). */
WASMTIME_CONFIG_PROP(void, memory_init_cow, bool)

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_CONFIG_H
