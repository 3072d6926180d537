/* multi: multi-value functions — a host function returning two values is
 * called by wasm, and a wasm export returning two values is called by the
 * host, through the typed and the unchecked (raw) interfaces. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"swap\" (func $swap (param i32 i64) (result i64 i32)))\n"
    "  (func (export \"roundtrip\") (param i32 i64) (result i64 i32)\n"
    "    (call $swap (local.get 0) (local.get 1)))\n"
    "  (func (export \"three\") (result i32 f32 f64)\n"
    "    (i32.const 1) (f32.const 2.5) (f64.const -3.25)))\n";

static wasm_trap_t *swap(void *env, wasmtime_caller_t *caller,
                         const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  printf("host swap called with %zu args, %zu results: (%d, %lld)\n", nargs,
         nresults, args[0].of.i32, (long long)args[1].of.i64);
  results[0].kind = WASMTIME_I64;
  results[0].of.i64 = args[1].of.i64;
  results[1].kind = WASMTIME_I32;
  results[1].of.i32 = args[0].of.i32;
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);

  wasm_functype_t *ty =
      wasm_functype_new_2_2(wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                            wasm_valtype_new_i64(), wasm_valtype_new_i32());
  wasmtime_func_t host;
  wasmtime_func_new(cx, ty, swap, NULL, NULL, &host);
  wasm_functype_delete(ty);

  wasmtime_extern_t import = {.kind = WASMTIME_EXTERN_FUNC, .of.func = host};
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, &import, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);

  wasmtime_func_t roundtrip = get_func(cx, &instance, "roundtrip");
  wasm_functype_t *rty = wasmtime_func_type(cx, &roundtrip);
  printf("roundtrip: %zu params, %zu results\n",
         wasm_functype_params(rty)->size, wasm_functype_results(rty)->size);
  wasm_functype_delete(rty);

  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 1},
                            {.kind = WASMTIME_I64, .of.i64 = 2}};
  wasmtime_val_t results[2];
  error = wasmtime_func_call(cx, &roundtrip, args, 2, results, 2, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call", error, trap);
  printf("roundtrip(1, 2) = (%lld, %d)\n", (long long)results[0].of.i64,
         results[1].of.i32);

  wasmtime_func_t three = get_func(cx, &instance, "three");
  wasmtime_val_t out[3];
  error = wasmtime_func_call(cx, &three, NULL, 0, out, 3, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call", error, trap);
  printf("three() = (%d, %g, %g), kinds %d %d %d\n", out[0].of.i32,
         (double)out[1].of.f32, out[2].of.f64, out[0].kind, out[1].kind,
         out[2].kind);

  wasmtime_val_raw_t raw[2];
  raw[0].i32 = 7;
  raw[1].i64 = 8;
  error = wasmtime_func_call_unchecked(cx, &roundtrip, raw, 2, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call_unchecked", error, trap);
  printf("unchecked roundtrip(7, 8) = (%lld, %d)\n", (long long)raw[0].i64,
         raw[1].i32);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
