/* gcd: call an exported function with two i32 arguments. */
#include "common.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "gcd.wat");

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(context, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  wasmtime_extern_t gcd;
  bool ok = wasmtime_instance_export_get(context, &instance, "gcd", 3, &gcd);
  if (!ok || gcd.kind != WASMTIME_EXTERN_FUNC)
    return 1;

  wasmtime_val_t params[2];
  params[0].kind = WASMTIME_I32;
  params[0].of.i32 = 6;
  params[1].kind = WASMTIME_I32;
  params[1].of.i32 = 27;
  wasmtime_val_t result;
  error = wasmtime_func_call(context, &gcd.of.func, params, 2, &result, 1,
                             &trap);
  if (error != NULL || trap != NULL)
    die("call gcd", error, trap);
  printf("gcd(6, 27) = %d\n", result.of.i32);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
