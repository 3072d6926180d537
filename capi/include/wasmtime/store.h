/*
 * wasmtime/store.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: stores and store contexts.
 *
 * A wasmtime_store_t owns every wasm object created in it (instances,
 * functions, memories, ...); those objects are small handles that are only
 * meaningful together with their store's wasmtime_context_t.  Nothing in a
 * store is freed before wasmtime_store_delete.
 */

#ifndef WASMTIME_STORE_H
#define WASMTIME_STORE_H

#include <wasi.h>
#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, owned store.  May move between threads; not for concurrent use. */
typedef struct wasmtime_store wasmtime_store_t;

/* Interior pointer into a store, passed to most APIs.  Stable for the
 * store's lifetime; obtained from wasmtime_store_context or
 * wasmtime_caller_context.  Never owned, never freed. */
typedef struct wasmtime_context wasmtime_context_t;

/* Creates a store in `engine` carrying host `data` (retrievable with
 * wasmtime_context_get_data); `finalizer`, if non-NULL, is run on `data` when
 * the store is deleted.  Free the result with wasmtime_store_delete. */
WASM_API_EXTERN wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine,
                                                     void *data,
                                                     void (*finalizer)(void *));

/* The store's context pointer. */
WASM_API_EXTERN wasmtime_context_t *
wasmtime_store_context(wasmtime_store_t *store);

/* Resource limits for future allocations in this store.  A negative value
 * keeps the default: memory_size (bytes per linear memory) and
 * table_elements are unlimited, instances/tables/memories default to 10000. */
WASM_API_EXTERN void wasmtime_store_limiter(wasmtime_store_t *store,
                                            int64_t memory_size,
                                            int64_t table_elements,
                                            int64_t instances, int64_t tables,
                                            int64_t memories);

/* Destroys the store and everything it owns. */
WASM_API_EXTERN void wasmtime_store_delete(wasmtime_store_t *store);

/* The host data given to wasmtime_store_new (or the last set_data). */
WASM_API_EXTERN void *
wasmtime_context_get_data(const wasmtime_context_t *context);

/* Replaces the host data; the original finalizer still runs on the original
 * data at store deletion. */
WASM_API_EXTERN void wasmtime_context_set_data(wasmtime_context_t *context,
                                               void *data);

/* Runs a garbage collection of unreachable GC references in the store. */
WASM_API_EXTERN void wasmtime_context_gc(wasmtime_context_t *context);

/* Sets the remaining fuel (requires wasmtime_config_consume_fuel_set).
 * Stores start with 0 fuel.  Returns an owned error if fuel is disabled. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_set_fuel(wasmtime_context_t *store, uint64_t fuel);

/* Reads the remaining fuel into `*fuel`; owned error if fuel is disabled. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_get_fuel(const wasmtime_context_t *context, uint64_t *fuel);

#ifdef WASMTIME_FEATURE_WASI
/* Installs the WASI environment used by wasmtime_linker_define_wasi imports.
 * Always takes ownership of `wasi`, even when an error is returned. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_set_wasi(wasmtime_context_t *context, wasi_config_t *wasi);
#endif // WASMTIME_FEATURE_WASI

/* Sets the epoch deadline to "current engine epoch + ticks_beyond_current". */
WASM_API_EXTERN void
wasmtime_context_set_epoch_deadline(wasmtime_context_t *context,
                                    uint64_t ticks_beyond_current);

/* What an epoch-deadline callback asks the engine to do next. */
typedef uint8_t wasmtime_update_deadline_kind_t;
/* Extend the deadline and keep running. */
#define WASMTIME_UPDATE_DEADLINE_CONTINUE 0
/* Yield to the async caller, then extend the deadline (async stores only). */
#define WASMTIME_UPDATE_DEADLINE_YIELD 1

/*
 * Installs a callback run whenever wasm reaches the epoch deadline.  The
 * callback either returns an owned error (the wasm call then fails with it)
 * or returns NULL after writing the new deadline delta to
 * `*epoch_deadline_delta` and the action to `*update_kind`.  `finalizer`, if
 * non-NULL, is run on `data` when the callback is replaced or the store dies.
 */
WASM_API_EXTERN void wasmtime_store_epoch_deadline_callback(
    wasmtime_store_t *store,
    wasmtime_error_t *(*func)(wasmtime_context_t *context, void *data,
                              uint64_t *epoch_deadline_delta,
                              wasmtime_update_deadline_kind_t *update_kind),
    void *data, void (*finalizer)(void *));

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_STORE_H
