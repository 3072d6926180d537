/*
 * wasi.h -- wasmaot's implementation of the Wasmtime v23 C API surface:
 * WASI (preview 1) configuration.
 *
 * A wasi_config_t describes the environment a WASI program sees (argv, env,
 * stdio, preopened directories).  It is handed to a store with
 * wasmtime_context_set_wasi (which takes ownership of it), after which
 * wasmtime_linker_define_wasi makes the WASI imports available for linking.
 */

#ifndef WASI_H
#define WASI_H

#include "wasm.h"
#include <stdint.h>
#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_WASI

#ifndef WASI_API_EXTERN
#ifdef _WIN32
#define WASI_API_EXTERN __declspec(dllimport)
#else
#define WASI_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define own

/* An opaque owned WASI object `wasi_NAME_t` plus its destructor. */
#define WASI_DECLARE_OWN(name)                                                 \
  typedef struct wasi_##name##_t wasi_##name##_t;                              \
  WASI_API_EXTERN void wasi_##name##_delete(own wasi_##name##_t *);

/* wasi_config_t and wasi_config_delete (only needed if the config is never
 * handed to wasmtime_context_set_wasi). */
WASI_DECLARE_OWN(config)

/* A new, empty configuration: no args, no env, no stdio, no preopens. */
WASI_API_EXTERN own wasi_config_t *wasi_config_new(void);

/* --- Arguments --------------------------------------------------------- */

/* Copies `argc` strings; returns false if one is not valid UTF-8. */
WASI_API_EXTERN bool wasi_config_set_argv(wasi_config_t *config, size_t argc,
                                          const char *argv[]);
/* Use this process's own argv. */
WASI_API_EXTERN void wasi_config_inherit_argv(wasi_config_t *config);

/* --- Environment ------------------------------------------------------- */

/* Copies `envc` name/value pairs; returns false on invalid UTF-8. */
WASI_API_EXTERN bool wasi_config_set_env(wasi_config_t *config, size_t envc,
                                         const char *names[],
                                         const char *values[]);
/* Use this process's whole environment. */
WASI_API_EXTERN void wasi_config_inherit_env(wasi_config_t *config);

/* --- Standard streams -------------------------------------------------- */

/* stdin from a file; false if it cannot be opened for reading. */
WASI_API_EXTERN bool wasi_config_set_stdin_file(wasi_config_t *config,
                                                const char *path);
/* stdin from a byte buffer; takes ownership of `binary`. */
WASI_API_EXTERN void wasi_config_set_stdin_bytes(wasi_config_t *config,
                                                 wasm_byte_vec_t *binary);
WASI_API_EXTERN void wasi_config_inherit_stdin(wasi_config_t *config);

/* stdout to a file; false if it cannot be opened for writing. */
WASI_API_EXTERN bool wasi_config_set_stdout_file(wasi_config_t *config,
                                                 const char *path);
WASI_API_EXTERN void wasi_config_inherit_stdout(wasi_config_t *config);

/* stderr to a file; false if it cannot be opened for writing. */
WASI_API_EXTERN bool wasi_config_set_stderr_file(wasi_config_t *config,
                                                 const char *path);
WASI_API_EXTERN void wasi_config_inherit_stderr(wasi_config_t *config);

/* --- Filesystem -------------------------------------------------------- */

/* Grants access to host directory `path` (and everything below it), visible
 * to the guest as `guest_path`.  Returns false if it cannot be opened. */
WASI_API_EXTERN bool wasi_config_preopen_dir(wasi_config_t *config,
                                             const char *path,
                                             const char *guest_path);

#undef own

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_FEATURE_WASI

#endif // WASI_H
