/* hello: a module importing one host function and exporting `run`. */
#include "common.h"

static wasm_trap_t *hello_cb(void *env, wasmtime_caller_t *caller,
                             const wasmtime_val_t *args, size_t nargs,
                             wasmtime_val_t *results, size_t nresults) {
  (void)env; (void)caller; (void)args; (void)nargs; (void)results;
  (void)nresults;
  printf("Hello from the host!\n");
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "hello.wat");

  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasmtime_func_t hello;
  wasmtime_func_new(context, ty, hello_cb, NULL, NULL, &hello);
  wasm_functype_delete(ty);

  wasmtime_extern_t import;
  import.kind = WASMTIME_EXTERN_FUNC;
  import.of.func = hello;

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(context, module, &import, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  wasmtime_extern_t run;
  if (!wasmtime_instance_export_get(context, &instance, "run", 3, &run) ||
      run.kind != WASMTIME_EXTERN_FUNC) {
    fprintf(stderr, "no `run` export\n");
    return 1;
  }
  error = wasmtime_func_call(context, &run.of.func, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    die("call", error, trap);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
