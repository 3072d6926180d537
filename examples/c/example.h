/* Helpers shared by wasmaot's C example hosts (examples/c).  Each example embeds
 * its WebAssembly text, compiles it in-process and prints what it does; the
 * tests compare the output with <name>.expected. */
#ifndef WASMAOT_EXAMPLE_H
#define WASMAOT_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime.h>

/* Prints the message of `error` or `trap` (and frees it), then exits 1. */
static inline void exit_with_error(const char *what, wasmtime_error_t *error,
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

/* Compiles WebAssembly text into `*module`; returns the compiler's error, if
 * any (exits if the text does not parse). */
static inline wasmtime_error_t *try_compile_text(wasm_engine_t *engine,
                                                 const char *wat,
                                                 wasmtime_module_t **module) {
  wasm_byte_vec_t wasm;
  wasmtime_error_t *error = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
  if (error != NULL)
    exit_with_error("wat2wasm", error, NULL);
  error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                              module);
  wasm_byte_vec_delete(&wasm);
  return error;
}

/* Compiles WebAssembly text into a module (exits on failure). */
static inline wasmtime_module_t *compile_text(wasm_engine_t *engine,
                                              const char *wat) {
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *error = try_compile_text(engine, wat, &module);
  if (error != NULL)
    exit_with_error("compile", error, NULL);
  return module;
}

/* Prints an error's message and frees it. */
static inline void print_error(const char *what, wasmtime_error_t *error) {
  wasm_byte_vec_t msg;
  wasmtime_error_message(error, &msg);
  printf("%s: error: %.*s\n", what, (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(error);
}

/* Prints a trap's code (if any) and message, and frees it. */
static inline void print_trap(const char *what, wasm_trap_t *trap) {
  wasm_byte_vec_t msg;
  wasm_trap_message(trap, &msg);
  wasmtime_trap_code_t code;
  if (wasmtime_trap_code(trap, &code))
    printf("%s: trap code %d: %s\n", what, (int)code, msg.data);
  else
    printf("%s: trap: %s\n", what, msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
}

/* Looks up the function export `name` of `instance` (exits if missing). */
static inline wasmtime_func_t get_func(wasmtime_context_t *cx,
                                       const wasmtime_instance_t *instance,
                                       const char *name) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, instance, name, strlen(name), &item) ||
      item.kind != WASMTIME_EXTERN_FUNC) {
    fprintf(stderr, "error: no function export `%s`\n", name);
    exit(1);
  }
  return item.of.func;
}

#endif
