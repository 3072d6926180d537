/*
 * wasmtime/module.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: compiled modules.
 *
 * A wasmtime_module_t is compiled code that is independent of any store; it
 * is reference counted, thread-safe and can be instantiated many times.
 * With wasmaot, "compiling" produces native code ahead of time, and
 * serialized modules are wasmaot's own precompiled artifacts.
 */

#ifndef WASMTIME_MODULE_H
#define WASMTIME_MODULE_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, owned compiled module. */
typedef struct wasmtime_module wasmtime_module_t;

#ifdef WASMTIME_FEATURE_COMPILER
/* Compiles `wasm_len` bytes of a wasm binary.  On success returns NULL and
 * stores an owned module in `*ret`; otherwise returns an owned error and
 * leaves `*ret` untouched.  Does not take ownership of its arguments. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine,
                                                      const uint8_t *wasm,
                                                      size_t wasm_len,
                                                      wasmtime_module_t **ret);
#endif // WASMTIME_FEATURE_COMPILER

/* Drops one reference to the module. */
WASM_API_EXTERN void wasmtime_module_delete(wasmtime_module_t *m);

/* Returns a new reference (shallow clone) to the same module. */
WASM_API_EXTERN wasmtime_module_t *wasmtime_module_clone(wasmtime_module_t *m);

/* The module's imports; `out` is uninitialised on entry, owned by the
 * caller afterwards. */
WASM_API_EXTERN void wasmtime_module_imports(const wasmtime_module_t *module,
                                             wasm_importtype_vec_t *out);

/* The module's exports; same ownership rules as wasmtime_module_imports. */
WASM_API_EXTERN void wasmtime_module_exports(const wasmtime_module_t *module,
                                             wasm_exporttype_vec_t *out);

#ifdef WASMTIME_FEATURE_COMPILER
/* Validates a wasm binary; NULL if valid, otherwise an owned error. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_validate(wasm_engine_t *engine, const uint8_t *wasm,
                         size_t wasm_len);

/* Serializes the compiled module into `ret` (owned by the caller on
 * success).  Returns an owned error on failure, leaving `ret` untouched. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_serialize(wasmtime_module_t *module, wasm_byte_vec_t *ret);
#endif // WASMTIME_FEATURE_COMPILER

/* Loads a module produced by wasmtime_module_serialize.  Only trusted input
 * may be passed: the bytes contain native code.  Same result convention as
 * wasmtime_module_new. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_deserialize(wasm_engine_t *engine, const uint8_t *bytes,
                            size_t bytes_len, wasmtime_module_t **ret);

/* Like wasmtime_module_deserialize but reads (maps) the file at `path`. */
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_deserialize_file(wasm_engine_t *engine, const char *path,
                                 wasmtime_module_t **ret);

/* Reports the address range [*start, *end) of the module's loaded code
 * image (code, data, metadata). */
WASM_API_EXTERN void
wasmtime_module_image_range(const wasmtime_module_t *module, void **start,
                            void **end);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_MODULE_H
