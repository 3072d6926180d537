/*
 * wasmtime/table.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: tables.  Table sizes and indices are 32-bit in v23.
 */

#ifndef WASMTIME_TABLE_H
#define WASMTIME_TABLE_H

#include <wasm.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a host table of type `ty` with every element set to `*init`,
 * writing the handle to `*table`.  Owned error on failure (e.g. `init`
 * does not match the element type).  Borrows all arguments. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_table_new(wasmtime_context_t *store,
                                                     const wasm_tabletype_t *ty,
                                                     const wasmtime_val_t *init,
                                                     wasmtime_table_t *table);

/* The table's type, owned by the caller. */
WASM_API_EXTERN wasm_tabletype_t *
wasmtime_table_type(const wasmtime_context_t *store,
                    const wasmtime_table_t *table);

/* Reads element `index` into `*val` (caller owns any GC root) and returns
 * true; returns false if `index` is out of bounds. */
WASM_API_EXTERN bool wasmtime_table_get(wasmtime_context_t *store,
                                        const wasmtime_table_t *table,
                                        uint32_t index, wasmtime_val_t *val);

/* Writes element `index`; owned error on a bad index or type. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_table_set(wasmtime_context_t *store, const wasmtime_table_t *table,
                   uint32_t index, const wasmtime_val_t *value);

/* Current number of elements. */
WASM_API_EXTERN uint32_t wasmtime_table_size(const wasmtime_context_t *store,
                                             const wasmtime_table_t *table);

/* Grows by `delta` elements initialised to `*init`; on success returns NULL
 * and stores the previous size in `*prev_size`. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_table_grow(wasmtime_context_t *store, const wasmtime_table_t *table,
                    uint32_t delta, const wasmtime_val_t *init,
                    uint32_t *prev_size);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_TABLE_H
