/*
 * wasmtime/instance.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: instances and pre-linked instances.
 */

#ifndef WASMTIME_INSTANCE_H
#define WASMTIME_INSTANCE_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/module.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An instance in a store: a plain handle (16 bytes, align 8) without a
 * destructor, valid only with its store. */
typedef struct wasmtime_instance {
  /* Identifies the owning store; never 0. */
  uint64_t store_id;
  /* Private to the implementation. */
  size_t __private;
} wasmtime_instance_t;

/*
 * Instantiates `module` with `imports`, which must match the module's
 * imports one-to-one and in order (see wasmtime_linker_* for name-based
 * resolution) and belong to `store`.  Outcomes as for wasmtime_func_call:
 * an owned error (e.g. link failure), or NULL with an owned `*trap` (start
 * function trapped), or NULL with `*instance` filled in.
 */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_instance_new(wasmtime_context_t *store,
                      const wasmtime_module_t *module,
                      const wasmtime_extern_t *imports, size_t nimports,
                      wasmtime_instance_t *instance, wasm_trap_t **trap);

/* Looks up export `name` (`name_len` bytes).  On success fills `*item`
 * (owned by the caller) and returns true. */
WASM_API_EXTERN bool wasmtime_instance_export_get(
    wasmtime_context_t *store, const wasmtime_instance_t *instance,
    const char *name, size_t name_len, wasmtime_extern_t *item);

/* The `index`-th export.  On success stores its name (owned by the store;
 * use it before the next call on the store) and the item (owned by the
 * caller) and returns true; false when `index` is out of range. */
WASM_API_EXTERN bool wasmtime_instance_export_nth(
    wasmtime_context_t *store, const wasmtime_instance_t *instance,
    size_t index, char **name, size_t *name_len, wasmtime_extern_t *item);

/* A module whose imports have already been resolved by a linker
 * (wasmtime_linker_instantiate_pre); owned, free with
 * wasmtime_instance_pre_delete. */
typedef struct wasmtime_instance_pre wasmtime_instance_pre_t;

/* Frees an instance_pre. */
WASM_API_EXTERN void
wasmtime_instance_pre_delete(wasmtime_instance_pre_t *instance_pre);

/*
 * Instantiates the pre-linked module in a store; outcomes as for
 * wasmtime_instance_new.
 *
 * v23 compatibility note: Wasmtime 23's header declares the second
 * parameter as `wasmtime_store_t *` although its implementation treats the
 * pointer as the store's *context* (this was corrected in a later Wasmtime
 * release).  The declaration is kept as in v23 so that hosts compile
 * unchanged; callers should pass `(wasmtime_store_t *)context`, and the
 * wasmaot implementation interprets the argument as a wasmtime_context_t*.
 */
WASM_API_EXTERN wasmtime_error_t *wasmtime_instance_pre_instantiate(
    const wasmtime_instance_pre_t *instance_pre, wasmtime_store_t *store,
    wasmtime_instance_t *instance, wasm_trap_t **trap_ptr);

/* A new reference to the underlying module; free it with
 * wasmtime_module_delete. */
WASM_API_EXTERN wasmtime_module_t *
wasmtime_instance_pre_module(wasmtime_instance_pre_t *instance_pre);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_INSTANCE_H
