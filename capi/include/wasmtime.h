/*
 * wasmtime.h -- wasmaot's implementation of the Wasmtime v23 C API surface.
 *
 * This is the umbrella header: it pulls in wasm.h (the standard WebAssembly
 * C API), wasi.h and every wasmtime/ sub-header.  A host written against
 * Wasmtime 23.0.x compiles unchanged against these headers and links with
 * `-lwasmaot` instead of `-lwasmtime`; wasmaot runs modules as natively
 * compiled ahead-of-time code instead of JIT code.
 *
 * Overview of the Wasmtime-specific API:
 *   - wasm_engine_t / wasm_config_t come from wasm.h and are extended by
 *     wasmtime/config.h and wasmtime/engine.h;
 *   - type descriptions (wasm_functype_t, ...) come from wasm.h;
 *   - runtime objects are wasmtime_* handles owned by a wasmtime_store_t and
 *     accessed through its wasmtime_context_t.
 *
 * Thread safety and aliasing follow Rust rules: functions taking
 * `const wasmtime_context_t *` may run concurrently with each other;
 * functions taking `wasmtime_context_t *` need exclusive access to the
 * store.  A context may only be used where access to it has been granted
 * (e.g. inside a host callback via its wasmtime_caller_t), never from
 * finalizers.
 *
 * Stores are cheap and meant to be short-lived (e.g. one per request); no
 * memory is reclaimed from a store until wasmtime_store_delete.
 */

#ifndef WASMTIME_API_H
#define WASMTIME_API_H

#include <wasi.h>
#include <wasmtime/conf.h>
// clang-format off
#include <wasmtime/config.h>
#include <wasmtime/engine.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/func.h>
#include <wasmtime/global.h>
#include <wasmtime/instance.h>
#include <wasmtime/linker.h>
#include <wasmtime/memory.h>
#include <wasmtime/module.h>
#include <wasmtime/profiling.h>
#include <wasmtime/sharedmemory.h>
#include <wasmtime/store.h>
#include <wasmtime/table.h>
#include <wasmtime/trap.h>
#include <wasmtime/val.h>
#include <wasmtime/async.h>
// clang-format on

/* The Wasmtime C API version these headers implement. */
#define WASMTIME_VERSION "23.0.0"
#define WASMTIME_VERSION_MAJOR 23
#define WASMTIME_VERSION_MINOR 0
#define WASMTIME_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

#ifdef WASMTIME_FEATURE_WAT
/*
 * Converts WebAssembly text (`wat`, `wat_len` bytes) to the binary format.
 * On success returns NULL and fills `ret` (owned by the caller, free with
 * wasm_byte_vec_delete).  On a parse error returns an owned error and leaves
 * `ret` untouched.  Does not take ownership of `wat`.
 */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_wat2wasm(const char *wat, size_t wat_len, wasm_byte_vec_t *ret);
#endif // WASMTIME_FEATURE_WAT

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_API_H
