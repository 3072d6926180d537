/*
 * wasmtime/memory.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: linear memories and 64-bit-capable memory types.
 */

#ifndef WASMTIME_MEMORY_H
#define WASMTIME_MEMORY_H

#include <wasm.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- Memory types (preferred over wasm_memorytype_new for memory64) --- */

/* A memory type with `min` pages and, if `max_present`, `max` pages; `is_64`
 * selects a 64-bit memory.  Owned by the caller.  (v23 has no `shared`
 * parameter here; shared memory types come from wasm modules.) */
WASM_API_EXTERN wasm_memorytype_t *wasmtime_memorytype_new(uint64_t min,
                                                           bool max_present,
                                                           uint64_t max,
                                                           bool is_64);

/* Minimum size in pages. */
WASM_API_EXTERN uint64_t
wasmtime_memorytype_minimum(const wasm_memorytype_t *ty);

/* If there is a maximum, stores it (pages) in `*max` and returns true. */
WASM_API_EXTERN bool wasmtime_memorytype_maximum(const wasm_memorytype_t *ty,
                                                 uint64_t *max);

/* Whether this is a 64-bit memory. */
WASM_API_EXTERN bool wasmtime_memorytype_is64(const wasm_memorytype_t *ty);

/* Whether this is a shared memory. */
WASM_API_EXTERN bool wasmtime_memorytype_isshared(const wasm_memorytype_t *ty);

/* --- Memories ---------------------------------------------------------- */

/* Creates a host memory of type `ty`, writing the handle to `*ret`.  Owned
 * error on failure, `*ret` untouched. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_memory_new(wasmtime_context_t *store, const wasm_memorytype_t *ty,
                    wasmtime_memory_t *ret);

/* The memory's type, owned by the caller. */
WASM_API_EXTERN wasm_memorytype_t *
wasmtime_memory_type(const wasmtime_context_t *store,
                     const wasmtime_memory_t *memory);

/* Base address.  Invalidated by growth (re-query after any wasm call). */
WASM_API_EXTERN uint8_t *wasmtime_memory_data(const wasmtime_context_t *store,
                                              const wasmtime_memory_t *memory);

/* Current size in bytes. */
WASM_API_EXTERN size_t wasmtime_memory_data_size(
    const wasmtime_context_t *store, const wasmtime_memory_t *memory);

/* Current size in wasm pages. */
WASM_API_EXTERN uint64_t wasmtime_memory_size(const wasmtime_context_t *store,
                                              const wasmtime_memory_t *memory);

/* Grows by `delta` pages.  On success returns NULL and stores the previous
 * size (pages) in `*prev_size`; otherwise an owned error. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_memory_grow(wasmtime_context_t *store, const wasmtime_memory_t *memory,
                     uint64_t delta, uint64_t *prev_size);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_MEMORY_H
