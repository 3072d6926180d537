/* fuel: bound execution with fuel; running out traps with OUT_OF_FUEL and
 * the store stays usable after refuelling. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (func (export \"spin\") (param $n i32) (result i32) (local $i i32)\n"
    "    (block $done (loop $next\n"
    "      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br $next)))\n"
    "    (local.get $i)))\n";

static void spin(wasmtime_context_t *cx, wasmtime_func_t *f, int n) {
  uint64_t before = 0, after = 0;
  wasmtime_error_t *error = wasmtime_context_get_fuel(cx, &before);
  if (error != NULL)
    exit_with_error("get_fuel", error, NULL);
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = n};
  wasmtime_val_t res;
  wasm_trap_t *trap = NULL;
  error = wasmtime_func_call(cx, f, &arg, 1, &res, 1, &trap);
  if (error != NULL)
    exit_with_error("call", error, NULL);
  if (trap != NULL) {
    printf("spin(%d): ", n);
    print_trap("out of fuel?", trap);
    return;
  }
  error = wasmtime_context_get_fuel(cx, &after);
  if (error != NULL)
    exit_with_error("get_fuel", error, NULL);
  printf("spin(%d) = %d, consumed some fuel: %d\n", n, res.of.i32,
         after < before);
}

int main(void) {
  /* Without consume_fuel, fuel functions are errors. */
  wasm_engine_t *plain = wasm_engine_new();
  wasmtime_store_t *s = wasmtime_store_new(plain, NULL, NULL);
  wasmtime_error_t *error = wasmtime_context_set_fuel(wasmtime_store_context(s), 1);
  if (error != NULL)
    print_error("set_fuel without consume_fuel", error);
  wasmtime_store_delete(s);
  wasm_engine_delete(plain);

  wasm_config_t *config = wasm_config_new();
  wasmtime_config_consume_fuel_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  error = wasmtime_context_set_fuel(cx, 10000);
  if (error != NULL)
    exit_with_error("set_fuel", error, NULL);
  uint64_t fuel = 0;
  wasmtime_context_get_fuel(cx, &fuel);
  printf("fuel: %llu\n", (unsigned long long)fuel);

  wasmtime_module_t *module = compile_text(engine, WAT);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t f = get_func(cx, &instance, "spin");

  spin(cx, &f, 10);
  spin(cx, &f, 100);
  spin(cx, &f, 1000000);
  wasmtime_context_get_fuel(cx, &fuel);
  printf("fuel left after running out: %llu\n", (unsigned long long)fuel);
  wasmtime_context_set_fuel(cx, 10000);
  spin(cx, &f, 10);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
