/*
 * wasmtime/sharedmemory.h -- wasmaot's implementation of the Wasmtime v23 C
 * API surface: shared linear memories (threads proposal).
 *
 * Shared memories belong to an engine rather than a store and are reference
 * counted.  (wasmaot: declared and exported, but planned to report errors
 * for now -- see capi/README.md.)
 */

#ifndef WASMTIME_SHAREDMEMORY_H
#define WASMTIME_SHAREDMEMORY_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef WASMTIME_FEATURE_THREADS

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, owned handle to a shared memory. */
typedef struct wasmtime_sharedmemory wasmtime_sharedmemory_t;

/* Creates a shared memory of type `ty` (which must be shared).  On success
 * returns NULL and stores an owned handle in `*ret`; otherwise returns an
 * owned error and leaves `*ret` untouched. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_sharedmemory_new(const wasm_engine_t *engine,
                          const wasm_memorytype_t *ty,
                          wasmtime_sharedmemory_t **ret);

/* Drops this handle. */
WASM_API_EXTERN void
wasmtime_sharedmemory_delete(wasmtime_sharedmemory_t *memory);

/* Returns a new handle to the same memory (shallow clone). */
WASM_API_EXTERN wasmtime_sharedmemory_t *
wasmtime_sharedmemory_clone(const wasmtime_sharedmemory_t *memory);

/* The memory's type; owned by the caller. */
WASM_API_EXTERN wasm_memorytype_t *
wasmtime_sharedmemory_type(const wasmtime_sharedmemory_t *memory);

/* Base address of the memory. */
WASM_API_EXTERN uint8_t *
wasmtime_sharedmemory_data(const wasmtime_sharedmemory_t *memory);

/* Current size in bytes. */
WASM_API_EXTERN size_t
wasmtime_sharedmemory_data_size(const wasmtime_sharedmemory_t *memory);

/* Current size in wasm pages. */
WASM_API_EXTERN uint64_t
wasmtime_sharedmemory_size(const wasmtime_sharedmemory_t *memory);

/* Grows by `delta` pages, storing the previous size (pages) in `*prev_size`.
 * Returns NULL on success or an owned error (prev_size untouched). */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_sharedmemory_grow(const wasmtime_sharedmemory_t *memory,
                           uint64_t delta, uint64_t *prev_size);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_FEATURE_THREADS

#endif // WASMTIME_SHAREDMEMORY_H
