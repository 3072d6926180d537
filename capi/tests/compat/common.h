/* Shared helpers for the compatibility hosts (written for wasmaot's test
 * suite against the documented Wasmtime v23 C API). */
#ifndef COMPAT_COMMON_H
#define COMPAT_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <wasm.h>
#include <wasmtime.h>

/* Prints an error or trap message and exits. */
static inline void die(const char *what, wasmtime_error_t *error,
                       wasm_trap_t *trap) {
  wasm_byte_vec_t msg;
  if (error != NULL) {
    wasmtime_error_message(error, &msg);
    wasmtime_error_delete(error);
  } else if (trap != NULL) {
    wasm_trap_message(trap, &msg);
    wasm_trap_delete(trap);
  } else {
    wasm_byte_vec_new_empty(&msg);
  }
  fprintf(stderr, "error: %s: %.*s\n", what, (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  exit(1);
}

/* Reads a whole file into `out`; returns 0 on success. */
static inline int read_file(const char *path, wasm_byte_vec_t *out) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)len);
  size_t got = fread(out->data, 1, (size_t)len, f);
  fclose(f);
  return got == (size_t)len ? 0 : -1;
}

/* Compiles a .wat file into a module. */
static inline wasmtime_module_t *compile_wat(wasm_engine_t *engine,
                                             const char *path) {
  wasm_byte_vec_t wat, wasm;
  if (read_file(path, &wat) != 0) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  wasmtime_error_t *error = wasmtime_wat2wasm(wat.data, wat.size, &wasm);
  wasm_byte_vec_delete(&wat);
  if (error != NULL)
    die("wat2wasm", error, NULL);
  wasmtime_module_t *module = NULL;
  error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                              &module);
  wasm_byte_vec_delete(&wasm);
  if (error != NULL)
    die("compile", error, NULL);
  return module;
}

#endif
