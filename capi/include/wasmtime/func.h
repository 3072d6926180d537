/*
 * wasmtime/func.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: host functions and calling wasm functions.
 */

#ifndef WASMTIME_FUNC_H
#define WASMTIME_FUNC_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Describes the caller of a host function; only valid during the callback.
 * Never owned, never freed. */
typedef struct wasmtime_caller wasmtime_caller_t;

/*
 * Host callback for wasmtime_func_new.  Arguments are type-checked by the
 * engine; the callback must write `nresults` correctly typed values to
 * `results`.  Returning a non-NULL trap (ownership passes to the engine)
 * makes the call trap instead.
 */
typedef wasm_trap_t *(*wasmtime_func_callback_t)(
    void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
    size_t nargs, wasmtime_val_t *results, size_t nresults);

/* Creates a host function of type `type` in `store`, writing the handle to
 * `*ret`.  `finalizer` (optional) runs on `env` when the store is deleted. */
WASM_API_EXTERN void wasmtime_func_new(wasmtime_context_t *store,
                                       const wasm_functype_t *type,
                                       wasmtime_func_callback_t callback,
                                       void *env, void (*finalizer)(void *),
                                       wasmtime_func_t *ret);

/*
 * Host callback for wasmtime_func_new_unchecked.  `args_and_results` has
 * max(params, results) slots: parameters start at index 0 and results must
 * be written starting at index 0 (overwriting the parameters).  Nothing is
 * type-checked.
 */
typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(
    void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results,
    size_t num_args_and_results);

/* Like wasmtime_func_new but with an untyped (faster, unsafe) callback. */
WASM_API_EXTERN void wasmtime_func_new_unchecked(
    wasmtime_context_t *store, const wasm_functype_t *type,
    wasmtime_func_unchecked_callback_t callback, void *env,
    void (*finalizer)(void *), wasmtime_func_t *ret);

/* The function's type, owned by the caller. */
WASM_API_EXTERN wasm_functype_t *
wasmtime_func_type(const wasmtime_context_t *store,
                   const wasmtime_func_t *func);

/*
 * Calls `func`.  Exactly one of three outcomes:
 *   1. an owned error is returned (bad arity/types, wrong store, ...);
 *      `results` untouched, `*trap` set to NULL;
 *   2. NULL is returned and `*trap` receives an owned trap; `results`
 *      untouched;
 *   3. NULL is returned, `*trap` is NULL and `results` is filled (the
 *      caller owns any GC roots in it).
 * `trap` must not be NULL; `args`/`results` may be NULL when their count is 0.
 */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_func_call(wasmtime_context_t *store, const wasmtime_func_t *func,
                   const wasmtime_val_t *args, size_t nargs,
                   wasmtime_val_t *results, size_t nresults,
                   wasm_trap_t **trap);

/* Calls `func` with untyped values in `args_and_results` (length
 * `args_and_results_len`, big enough for both the parameters and the
 * results; results overwrite parameters from index 0).  Same outcome
 * convention as wasmtime_func_call; nothing is type-checked. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_func_call_unchecked(wasmtime_context_t *store,
                             const wasmtime_func_t *func,
                             wasmtime_val_raw_t *args_and_results,
                             size_t args_and_results_len, wasm_trap_t **trap);

/* Looks up export `name` (`name_len` bytes) of the calling instance.  On
 * success fills `*item` (owned by the caller) and returns true. */
WASM_API_EXTERN bool wasmtime_caller_export_get(wasmtime_caller_t *caller,
                                                const char *name,
                                                size_t name_len,
                                                wasmtime_extern_t *item);

/* The store context of the caller (valid during the callback). */
WASM_API_EXTERN wasmtime_context_t *
wasmtime_caller_context(wasmtime_caller_t *caller);

/* Turns a non-zero raw funcref (wasmtime_val_raw_t::funcref) produced in
 * `context` back into a handle. */
WASM_API_EXTERN void wasmtime_func_from_raw(wasmtime_context_t *context,
                                            void *raw, wasmtime_func_t *ret);

/* The raw funcref representation of `func` for use in wasmtime_val_raw_t. */
WASM_API_EXTERN void *wasmtime_func_to_raw(wasmtime_context_t *context,
                                           const wasmtime_func_t *func);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_FUNC_H
