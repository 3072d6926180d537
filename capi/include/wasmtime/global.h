/*
 * wasmtime/global.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: globals.
 */

#ifndef WASMTIME_GLOBAL_H
#define WASMTIME_GLOBAL_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a host global of type `type` initialised to `*val`, writing the
 * handle to `*ret`.  Returns an owned error if `val` has the wrong type or
 * comes from another store.  Borrows all arguments. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_global_new(wasmtime_context_t *store, const wasm_globaltype_t *type,
                    const wasmtime_val_t *val, wasmtime_global_t *ret);

/* The global's type, owned by the caller. */
WASM_API_EXTERN wasm_globaltype_t *
wasmtime_global_type(const wasmtime_context_t *store,
                     const wasmtime_global_t *global);

/* Reads the global into `*out`; the caller owns any GC root in it. */
WASM_API_EXTERN void wasmtime_global_get(wasmtime_context_t *store,
                                         const wasmtime_global_t *global,
                                         wasmtime_val_t *out);

/* Writes `*val`; owned error if the global is immutable or the type is
 * wrong.  Borrows all arguments. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_global_set(wasmtime_context_t *store, const wasmtime_global_t *global,
                    const wasmtime_val_t *val);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_GLOBAL_H
