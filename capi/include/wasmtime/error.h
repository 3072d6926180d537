/*
 * wasmtime/error.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: rich error objects.
 *
 * Most wasmtime_* functions report failure by returning an owned, non-NULL
 * wasmtime_error_t* (NULL means success).  The caller must free it with
 * wasmtime_error_delete.
 */

#ifndef WASMTIME_ERROR_H
#define WASMTIME_ERROR_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque error value. */
typedef struct wasmtime_error wasmtime_error_t;

/* Creates an error carrying a copy of the NUL-terminated message. Owned by
 * the caller. */
WASM_API_EXTERN wasmtime_error_t *wasmtime_error_new(const char *);

/* Frees an error. */
WASM_API_EXTERN void wasmtime_error_delete(wasmtime_error_t *error);

/* Renders the error as text into `message` (treated as uninitialised on
 * entry; the caller frees it with wasm_byte_vec_delete). */
WASM_API_EXTERN void wasmtime_error_message(const wasmtime_error_t *error,
                                            wasm_name_t *message);

/* If this error is a WASI `proc_exit`, stores the exit code in `*status`
 * and returns true; returns false otherwise. */
WASM_API_EXTERN bool wasmtime_error_exit_status(const wasmtime_error_t *,
                                                int *status);

/* Fills `out` (uninitialised on entry, owned by the caller afterwards) with
 * the wasm backtrace attached to this error; empty if there is none. */
WASM_API_EXTERN void wasmtime_error_wasm_trace(const wasmtime_error_t *,
                                               wasm_frame_vec_t *out);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_ERROR_H
