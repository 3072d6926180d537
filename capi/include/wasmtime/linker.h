/*
 * wasmtime/linker.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: name-based linking.
 *
 * A linker maps (module, name) pairs to items and uses them to satisfy a
 * module's imports.  Host functions defined with *_define_func are not tied
 * to a store and can be used with any store of the engine.  All names are
 * (pointer, byte length) pairs and need not be NUL terminated.
 */

#ifndef WASMTIME_LINKER_H
#define WASMTIME_LINKER_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/func.h>
#include <wasmtime/instance.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, owned linker. */
typedef struct wasmtime_linker wasmtime_linker_t;

/* A new, empty linker for `engine` (borrowed); free with
 * wasmtime_linker_delete. */
WASM_API_EXTERN wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *engine);

/* A copy of `linker` (borrowed); free with wasmtime_linker_delete. */
WASM_API_EXTERN wasmtime_linker_t *
wasmtime_linker_clone(wasmtime_linker_t *linker);

/* Frees a linker. */
WASM_API_EXTERN void wasmtime_linker_delete(wasmtime_linker_t *linker);

/* Whether later definitions may replace earlier ones (default false). */
WASM_API_EXTERN void wasmtime_linker_allow_shadowing(wasmtime_linker_t *linker,
                                                     bool allow_shadowing);

/* Defines `module`.`name` as `item`, which belongs to `store`.  NULL on
 * success, otherwise an owned error. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define(wasmtime_linker_t *linker, wasmtime_context_t *store,
                       const char *module, size_t module_len, const char *name,
                       size_t name_len, const wasmtime_extern_t *item);

/* Defines a store-independent host function `module`.`name` of type `ty`.
 * `finalizer` (optional) runs on `data` when the linker's definition is
 * dropped. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_func(
    wasmtime_linker_t *linker, const char *module, size_t module_len,
    const char *name, size_t name_len, const wasm_functype_t *ty,
    wasmtime_func_callback_t cb, void *data, void (*finalizer)(void *));

/* As wasmtime_linker_define_func, with an unchecked (raw) callback. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_func_unchecked(
    wasmtime_linker_t *linker, const char *module, size_t module_len,
    const char *name, size_t name_len, const wasm_functype_t *ty,
    wasmtime_func_unchecked_callback_t cb, void *data,
    void (*finalizer)(void *));

#ifdef WASMTIME_FEATURE_WASI
/* Defines the WASI preview-1 imports.  Stores instantiating through this
 * linker must have been given a WASI config (wasmtime_context_set_wasi). */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define_wasi(wasmtime_linker_t *linker);
#endif // WASMTIME_FEATURE_WASI

/* Defines every export of `instance` under the module name `name`. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_instance(
    wasmtime_linker_t *linker, wasmtime_context_t *store, const char *name,
    size_t name_len, const wasmtime_instance_t *instance);

/* Instantiates `module` resolving its imports from the linker.  Outcomes as
 * for wasmtime_instance_new (owned error / owned trap / instance). */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_instantiate(const wasmtime_linker_t *linker,
                            wasmtime_context_t *store,
                            const wasmtime_module_t *module,
                            wasmtime_instance_t *instance, wasm_trap_t **trap);

/* Registers `module` under `name`, handling WASI commands and reactors
 * (commands get a fresh instance per call of an export). */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_module(wasmtime_linker_t *linker, wasmtime_context_t *store,
                       const char *name, size_t name_len,
                       const wasmtime_module_t *module);

/* The "default export" (`_start` or the "" export) of module `name`. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_get_default(const wasmtime_linker_t *linker,
                            wasmtime_context_t *store, const char *name,
                            size_t name_len, wasmtime_func_t *func);

/* Looks up `module`.`name`; on success fills `*item` (owned by the caller)
 * and returns true. */
WASM_API_EXTERN bool wasmtime_linker_get(const wasmtime_linker_t *linker,
                                         wasmtime_context_t *store,
                                         const char *module, size_t module_len,
                                         const char *name, size_t name_len,
                                         wasmtime_extern_t *item);

/* Resolves all imports of `module` now, producing an owned
 * wasmtime_instance_pre_t in `*instance_pre` that can be instantiated
 * cheaply and repeatedly. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_instantiate_pre(const wasmtime_linker_t *linker,
                                const wasmtime_module_t *module,
                                wasmtime_instance_pre_t **instance_pre);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_LINKER_H
