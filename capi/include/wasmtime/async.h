/*
 * wasmtime/async.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: asynchronous execution.
 *
 * With async support enabled, wasm runs on a separate stack and may suspend
 * (fuel/epoch yields, async host functions).  Calls return a
 * wasmtime_call_future_t that the host polls until it completes and then
 * deletes.  Every argument of a future-returning function must stay alive
 * and unmodified until the future is deleted, and only one future may be
 * live per store.
 *
 * (wasmaot: declared and exported, but planned to report errors for now --
 * see capi/README.md, "Out of scope for now".)
 */

#ifndef WASMTIME_ASYNC_H
#define WASMTIME_ASYNC_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/config.h>
#include <wasmtime/error.h>
#include <wasmtime/func.h>
#include <wasmtime/instance.h>
#include <wasmtime/linker.h>
#include <wasmtime/store.h>

#ifdef WASMTIME_FEATURE_ASYNC

#ifdef __cplusplus
extern "C" {
#endif

/* Enables async support on a config (then use the *_async entry points). */
WASMTIME_CONFIG_PROP(void, async_support, bool)

/* Size of the stacks used for async execution (default 2 MiB); must exceed
 * max_wasm_stack, the difference being the room left for host code. */
WASMTIME_CONFIG_PROP(void, async_stack_size, uint64_t)

/* Yield to the async caller every `interval` units of fuel (0 disables). */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_fuel_async_yield_interval(wasmtime_context_t *context,
                                           uint64_t interval);

/* On reaching the epoch deadline, yield to the async caller and then extend
 * the deadline by `delta` ticks. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_epoch_deadline_async_yield_and_update(
    wasmtime_context_t *context, uint64_t delta);

/* Polled by the engine; returns true once the async host call is done. */
typedef bool (*wasmtime_func_async_continuation_callback_t)(void *env);

/* The pending state of an async host function. */
typedef struct wasmtime_async_continuation_t {
  /* Returns true when the host call has completed. */
  wasmtime_func_async_continuation_callback_t callback;
  /* Passed to `callback`. */
  void *env;
  /* Optional finalizer for `env`. */
  void (*finalizer)(void *);
} wasmtime_async_continuation_t;

/*
 * Async host function for wasmtime_linker_define_async_func.  It starts the
 * work and fills `*continuation_ret`; results are read once the continuation
 * reports completion.  Setting `*trap_ret` to an owned trap makes the call
 * trap.  All arguments stay valid until the continuation completes.
 */
typedef void (*wasmtime_func_async_callback_t)(
    void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
    size_t nargs, wasmtime_val_t *results, size_t nresults,
    wasm_trap_t **trap_ret, wasmtime_async_continuation_t *continuation_ret);

/* An in-progress async call; owned by the caller. */
typedef struct wasmtime_call_future wasmtime_call_future_t;

/* Runs the future until it completes (true) or yields (false).  Must not be
 * polled again after it returned true. */
WASM_API_EXTERN bool wasmtime_call_future_poll(wasmtime_call_future_t *future);

/* Frees a future. */
WASM_API_EXTERN void
wasmtime_call_future_delete(wasmtime_call_future_t *future);

/* Async form of wasmtime_func_call.  `trap_ret` and `error_ret` must not be
 * NULL; they receive owned results once the future completes. */
WASM_API_EXTERN wasmtime_call_future_t *wasmtime_func_call_async(
    wasmtime_context_t *context, const wasmtime_func_t *func,
    const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results,
    size_t nresults, wasm_trap_t **trap_ret, wasmtime_error_t **error_ret);

/* Async form of wasmtime_linker_define_func. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_async_func(
    wasmtime_linker_t *linker, const char *module, size_t module_len,
    const char *name, size_t name_len, const wasm_functype_t *ty,
    wasmtime_func_async_callback_t cb, void *data, void (*finalizer)(void *));

/* Async form of wasmtime_linker_instantiate. */
WASM_API_EXTERN wasmtime_call_future_t *wasmtime_linker_instantiate_async(
    const wasmtime_linker_t *linker, wasmtime_context_t *store,
    const wasmtime_module_t *module, wasmtime_instance_t *instance,
    wasm_trap_t **trap_ret, wasmtime_error_t **error_ret);

/* Async form of wasmtime_instance_pre_instantiate (here the store argument
 * is a context, as in Wasmtime 23). */
WASM_API_EXTERN wasmtime_call_future_t *wasmtime_instance_pre_instantiate_async(
    const wasmtime_instance_pre_t *instance_pre, wasmtime_context_t *store,
    wasmtime_instance_t *instance, wasm_trap_t **trap_ret,
    wasmtime_error_t **error_ret);

/* --- Host-provided async stacks ---------------------------------------- */

/* Returns the top of a host stack and stores its usable length (excluding
 * guard pages) in `*out_len`. */
typedef uint8_t *(*wasmtime_stack_memory_get_callback_t)(void *env,
                                                         size_t *out_len);

/* A stack allocated by the host. */
typedef struct {
  /* Passed to get_stack_memory. */
  void *env;
  /* Reports the stack's top and length. */
  wasmtime_stack_memory_get_callback_t get_stack_memory;
  /* Optional finalizer for `env`. */
  void (*finalizer)(void *);
} wasmtime_stack_memory_t;

/* Allocates a stack of `size` bytes into `*stack_ret` (whose contents the
 * engine then owns); NULL on success.  Must be thread-safe. */
typedef wasmtime_error_t *(*wasmtime_new_stack_memory_callback_t)(
    void *env, size_t size, wasmtime_stack_memory_t *stack_ret);

/* A host stack allocator. */
typedef struct {
  /* Passed to new_stack. */
  void *env;
  /* Allocates stacks; must be thread-safe. */
  wasmtime_new_stack_memory_callback_t new_stack;
  /* Optional finalizer for `env`. */
  void (*finalizer)(void *);
} wasmtime_stack_creator_t;

/* Installs a custom async stack allocator.  The struct is copied; the
 * config does not take ownership of the pointer. */
WASM_API_EXTERN void
wasmtime_config_host_stack_creator_set(wasm_config_t *,
                                       wasmtime_stack_creator_t *);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_FEATURE_ASYNC

#endif // WASMTIME_ASYNC_H
