/* fuel: bound execution with fuel and detect running out of it. */
#include "common.h"

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_consume_fuel_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  wasmtime_error_t *error = wasmtime_context_set_fuel(cx, 10000);
  if (error != NULL)
    die("set_fuel", error, NULL);

  wasmtime_module_t *module = compile_wat(engine, "fuel.wat");
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  wasmtime_extern_t fib;
  if (!wasmtime_instance_export_get(cx, &instance, "fibonacci", 9, &fib))
    return 1;

  for (int n = 1;; n++) {
    uint64_t before = 0, after = 0;
    error = wasmtime_context_get_fuel(cx, &before);
    if (error != NULL)
      die("get_fuel", error, NULL);
    wasmtime_val_t arg = {.kind = WASMTIME_I32, .of = {.i32 = n}};
    wasmtime_val_t res;
    error = wasmtime_func_call(cx, &fib.of.func, &arg, 1, &res, 1, &trap);
    if (error != NULL)
      die("call", error, NULL);
    if (trap != NULL) {
      wasmtime_trap_code_t code;
      if (wasmtime_trap_code(trap, &code) &&
          code == WASMTIME_TRAP_CODE_OUT_OF_FUEL)
        printf("out of fuel at n=%d\n", n);
      wasm_trap_delete(trap);
      break;
    }
    error = wasmtime_context_get_fuel(cx, &after);
    if (error != NULL)
      die("get_fuel", error, NULL);
    printf("fib(%d) = %d [fuel used %llu]\n", n, res.of.i32,
           (unsigned long long)(before - after));
    error = wasmtime_context_set_fuel(cx, 10000);
    if (error != NULL)
      die("set_fuel", error, NULL);
  }

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
