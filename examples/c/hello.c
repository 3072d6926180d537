/* hello: a module imports a host function and calls it from its export `run`.
 * The host function reads the store's data through its caller. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"hello\" (func $hello (param i32)))\n"
    "  (func (export \"run\") (call $hello (i32.const 42))))\n";

static wasm_trap_t *hello(void *env, wasmtime_caller_t *caller,
                          const wasmtime_val_t *args, size_t nargs,
                          wasmtime_val_t *results, size_t nresults) {
  (void)results;
  (void)nresults;
  wasmtime_context_t *cx = wasmtime_caller_context(caller);
  const char *who = wasmtime_context_get_data(cx);
  printf("Hello, %s! (env \"%s\", %zu argument: %d)\n", who, (const char *)env,
         nargs, args[0].of.i32);
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, "world", NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);

  wasm_functype_t *ty = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasmtime_func_t func;
  wasmtime_func_new(cx, ty, hello, "env", NULL, &func);
  wasm_functype_delete(ty);

  wasmtime_extern_t import = {.kind = WASMTIME_EXTERN_FUNC, .of.func = func};
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, &import, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);

  wasmtime_func_t run = get_func(cx, &instance, "run");
  error = wasmtime_func_call(cx, &run, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call", error, trap);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
