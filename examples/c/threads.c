/* threads: four threads share one engine and one module; each has its own
 * store and instance and calls into wasm concurrently. */
#include "example.h"
#include <pthread.h>

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"id\" (func $id (result i32)))\n"
    "  (func $fib (param i64) (result i64)\n"
    "    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))\n"
    "      (then (local.get 0))\n"
    "      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))\n"
    "                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))\n"
    "  (func (export \"work\") (param i64) (result i64)\n"
    "    (i64.add (call $fib (local.get 0))\n"
    "             (i64.mul (i64.extend_i32_u (call $id)) (i64.const 1000000)))))\n";

#define THREADS 4
static wasm_engine_t *engine;
static wasmtime_module_t *module;
static long long results[THREADS];

static wasm_trap_t *id(void *env, wasmtime_caller_t *caller,
                       const wasmtime_val_t *args, size_t nargs,
                       wasmtime_val_t *res, size_t nres) {
  (void)args;
  (void)nargs;
  (void)nres;
  (void)env;
  int *me = wasmtime_context_get_data(wasmtime_caller_context(caller));
  res[0].kind = WASMTIME_I32;
  res[0].of.i32 = *me;
  return NULL;
}

static void *worker(void *arg) {
  int *me = arg;
  wasmtime_store_t *store = wasmtime_store_new(engine, me, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *ty = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasmtime_error_t *error =
      wasmtime_linker_define_func(linker, "host", 4, "id", 2, ty, id, NULL, NULL);
  wasm_functype_delete(ty);
  if (error != NULL)
    exit_with_error("define", error, NULL);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, cx, module, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t work = get_func(cx, &instance, "work");
  long long sum = 0;
  for (int i = 0; i < 50; i++) {
    wasmtime_val_t arg = {.kind = WASMTIME_I64, .of.i64 = 15 + *me};
    wasmtime_val_t r;
    error = wasmtime_func_call(cx, &work, &arg, 1, &r, 1, &trap);
    if (error != NULL || trap != NULL)
      exit_with_error("call", error, trap);
    sum = r.of.i64;
  }
  results[*me] = sum;
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  return NULL;
}

int main(void) {
  engine = wasm_engine_new();
  module = compile_text(engine, WAT);
  pthread_t threads[THREADS];
  int ids[THREADS];
  for (int i = 0; i < THREADS; i++) {
    ids[i] = i;
    pthread_create(&threads[i], NULL, worker, &ids[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(threads[i], NULL);
  for (int i = 0; i < THREADS; i++)
    printf("thread %d: work(%d) = %lld\n", i, 15 + i, results[i]);
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  return 0;
}
