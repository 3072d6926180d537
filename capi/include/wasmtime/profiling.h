/*
 * wasmtime/profiling.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: the guest profiler.
 *
 * (wasmaot: declared and exported, but planned to be unimplemented for now --
 * see capi/README.md, "Out of scope for now".)
 */

#ifndef WASMTIME_PROFILING_H
#define WASMTIME_PROFILING_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>
#include <wasmtime/module.h>
#include <wasmtime/store.h>

#ifdef WASMTIME_FEATURE_PROFILING

#ifdef __cplusplus
extern "C" {
#endif

/* Collects samples of a single guest's stack into a Firefox-profiler file.
 * Typically sampled from an epoch-deadline callback. */
typedef struct wasmtime_guestprofiler wasmtime_guestprofiler_t;

/* Frees a profiler without producing output. */
WASM_API_EXTERN void wasmtime_guestprofiler_delete(
    /* own */ wasmtime_guestprofiler_t *guestprofiler);

/* A (name, module) pair for wasmtime_guestprofiler_new. */
typedef struct wasmtime_guestprofiler_modules {
  const wasm_name_t *name;      /* name recorded in the profile */
  const wasmtime_module_t *mod; /* module whose frames may appear */
} wasmtime_guestprofiler_modules_t;

/* Starts profiling a guest called `module_name`, sampling every
 * `interval_nanos`, resolving frames of the `modules_len` listed modules.
 * Borrows its arguments; the returned profiler is owned by the caller. */
WASM_API_EXTERN /* own */ wasmtime_guestprofiler_t *wasmtime_guestprofiler_new(
    const wasm_name_t *module_name, uint64_t interval_nanos,
    const wasmtime_guestprofiler_modules_t *modules, size_t modules_len);

/* Records the current wasm stack of `store`.  `delta_nanos` is the CPU time
 * used since the previous sample (0 if unknown).  Borrows its arguments. */
WASM_API_EXTERN void
wasmtime_guestprofiler_sample(wasmtime_guestprofiler_t *guestprofiler,
                              const wasmtime_store_t *store,
                              uint64_t delta_nanos);

/* Writes the profile into `out` (owned by the caller on success) and frees
 * the profiler -- always, even when an (owned) error is returned. */
WASM_API_EXTERN /* own */ wasmtime_error_t *
wasmtime_guestprofiler_finish(/* own */ wasmtime_guestprofiler_t *guestprofiler,
                              /* own */ wasm_byte_vec_t *out);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_FEATURE_PROFILING

#endif // WASMTIME_PROFILING_H
