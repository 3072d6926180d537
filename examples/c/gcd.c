/* gcd: call an exported function with arguments and read its result. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (func $gcd (export \"gcd\") (param i32 i32) (result i32)\n"
    "    (local i32)\n"
    "    block\n"
    "      block\n"
    "        local.get 0\n"
    "        br_if 0\n"
    "        local.get 1\n"
    "        local.set 2\n"
    "        br 1\n"
    "      end\n"
    "      loop\n"
    "        local.get 1\n"
    "        local.get 0\n"
    "        local.tee 2\n"
    "        i32.rem_u\n"
    "        local.set 0\n"
    "        local.get 2\n"
    "        local.set 1\n"
    "        local.get 0\n"
    "        br_if 0\n"
    "      end\n"
    "    end\n"
    "    local.get 2))\n";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t gcd = get_func(cx, &instance, "gcd");

  int pairs[][2] = {{6, 27}, {48, 18}, {17, 5}, {0, 9}};
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    wasmtime_val_t args[2] = {
        {.kind = WASMTIME_I32, .of.i32 = pairs[i][0]},
        {.kind = WASMTIME_I32, .of.i32 = pairs[i][1]},
    };
    wasmtime_val_t result;
    error = wasmtime_func_call(cx, &gcd, args, 2, &result, 1, &trap);
    if (error != NULL || trap != NULL)
      exit_with_error("call", error, trap);
    printf("gcd(%d, %d) = %d\n", pairs[i][0], pairs[i][1], result.of.i32);
  }

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
