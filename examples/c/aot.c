/* aot: the embedded-host case — load a module precompiled by
 *   wasmaot compile examples/add.wat -o add.cwasm
 * (no compiler needed in this process: this host also links against the
 * runtime-only library), instantiate it and call `add`. */
#include "example.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: aot MODULE.cwasm\n");
    return 2;
  }
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *error =
      wasmtime_module_deserialize_file(engine, argv[1], &module);
  if (error != NULL)
    exit_with_error("deserialize_file", error, NULL);
  wasm_exporttype_vec_t exports;
  wasmtime_module_exports(module, &exports);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_name_t *name = wasm_exporttype_name(exports.data[i]);
    printf("export %.*s\n", (int)name->size, name->data);
  }
  wasm_exporttype_vec_delete(&exports);

  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t add = get_func(cx, &instance, "add");
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 1},
                            {.kind = WASMTIME_I32, .of.i32 = 2}};
  wasmtime_val_t result;
  error = wasmtime_func_call(cx, &add, args, 2, &result, 1, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call", error, trap);
  printf("add(1, 2) = %d\n", result.of.i32);

  wasmtime_store_delete(store);
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  return 0;
}
