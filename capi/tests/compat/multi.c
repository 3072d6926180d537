/* multi: multi-value functions, both as a host import and as an export. */
#include "common.h"

static wasm_trap_t *swap_cb(void *env, wasmtime_caller_t *caller,
                            const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env; (void)caller;
  if (nargs != 2 || nresults != 2) {
    const char *msg = "bad arity";
    return wasmtime_trap_new(msg, 9);
  }
  results[0] = args[1];
  results[1] = args[0];
  return NULL;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_multi_value_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "multi.wat");

  /* (i32, i64) -> (i64, i32) */
  wasm_functype_t *ty = wasm_functype_new_2_2(
      wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_i64(),
      wasm_valtype_new_i32());
  wasmtime_func_t swap;
  wasmtime_func_new(cx, ty, swap_cb, NULL, NULL, &swap);
  wasm_functype_delete(ty);

  wasmtime_extern_t imports[1];
  imports[0].kind = WASMTIME_EXTERN_FUNC;
  imports[0].of.func = swap;
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, imports, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  wasmtime_extern_t g;
  if (!wasmtime_instance_export_get(cx, &instance, "g", 1, &g))
    return 1;
  wasmtime_val_t args[2], results[2];
  args[0].kind = WASMTIME_I32;
  args[0].of.i32 = 1;
  args[1].kind = WASMTIME_I64;
  args[1].of.i64 = 2;
  error = wasmtime_func_call(cx, &g.of.func, args, 2, results, 2, &trap);
  if (error != NULL || trap != NULL)
    die("call", error, trap);
  printf("(%lld, %d)\n", (long long)results[0].of.i64, results[1].of.i32);

  /* Inspect the export's type via wasm.h. */
  wasm_functype_t *gty = wasmtime_func_type(cx, &g.of.func);
  const wasm_valtype_vec_t *res = wasm_functype_results(gty);
  for (size_t i = 0; i < res->size; i++)
    printf("result %zu kind %u num=%d\n", i,
           (unsigned)wasm_valtype_kind(res->data[i]),
           (int)wasm_valtype_is_num(res->data[i]));
  wasm_functype_delete(gty);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
