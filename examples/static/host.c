/* static: two modules compiled ahead of time to objects
 *
 *     wasmaot compile --emit obj --symbol-prefix fib_ fib.wat -o fib.o
 *     wasmaot compile --emit obj --symbol-prefix counter_ counter.wat -o counter.o
 *
 * are linked into this program with the system linker (see build.sh):
 *
 *     cc host.c fib.o counter.o -lwasmaot
 *
 * and instantiated from their descriptors (wasmaot.h) without any file I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmaot.h>

WASMAOT_DECLARE_MODULE(fib_);
WASMAOT_DECLARE_MODULE(counter_);

static void check(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
  if (error == NULL && trap == NULL)
    return;
  wasm_byte_vec_t msg;
  if (error != NULL) {
    wasmtime_error_message(error, &msg);
    wasmtime_error_delete(error);
  } else {
    wasm_trap_message(trap, &msg);
    wasm_trap_delete(trap);
  }
  fprintf(stderr, "error: %s: %.*s\n", what, (int)msg.size, msg.data);
  exit(1);
}

static wasmtime_instance_t instantiate(wasm_engine_t *engine, wasmtime_context_t *cx,
                                       const wasmaot_static_module_t *descriptor,
                                       const char *name) {
  wasmtime_module_t *module = NULL;
  check(name, wasmaot_module_from_static(engine, descriptor, &module), NULL);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  check(name, wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap), trap);
  wasmtime_module_delete(module); /* the instance keeps what it needs */
  return instance;
}

static wasmtime_func_t export_func(wasmtime_context_t *cx, wasmtime_instance_t *instance,
                                   const char *name) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, instance, name, strlen(name), &item) ||
      item.kind != WASMTIME_EXTERN_FUNC) {
    fprintf(stderr, "error: no exported function `%s`\n", name);
    exit(1);
  }
  return item.of.func;
}

/* Calls `name` with at most one i32/i64 argument; returns the result or prints the trap. */
static int call(wasmtime_context_t *cx, wasmtime_instance_t *instance, const char *name,
                const wasmtime_val_t *arg, wasmtime_val_t *result) {
  wasmtime_func_t f = export_func(cx, instance, name);
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_func_call(cx, &f, arg, arg ? 1 : 0, result, 1, &trap);
  if (trap != NULL) {
    wasm_byte_vec_t msg;
    wasm_trap_message(trap, &msg);
    wasmtime_trap_code_t code;
    int has_code = wasmtime_trap_code(trap, &code);
    printf("%s: trap (code %d): %.*s\n", name, has_code ? (int)code : -1, (int)msg.size,
           msg.data);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
    return 0;
  }
  check(name, error, NULL);
  return 1;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  wasmtime_instance_t fib = instantiate(engine, cx, &WASMAOT_MODULE(fib_), "fib");
  wasmtime_instance_t counter =
      instantiate(engine, cx, &WASMAOT_MODULE(counter_), "counter");

  wasmtime_val_t arg = {.kind = WASMTIME_I64, .of.i64 = 20}, result;
  if (call(cx, &fib, "fib", &arg, &result))
    printf("fib(20) = %lld\n", (long long)result.of.i64);
  arg.of.i64 = 90;
  if (call(cx, &fib, "fib_iter", &arg, &result))
    printf("fib_iter(90) = %lld\n", (long long)result.of.i64);

  for (int i = 0; i < 3; i++)
    if (call(cx, &counter, "bump", NULL, &result))
      printf("bump() = %d\n", result.of.i32);
  wasmtime_val_t pages = {.kind = WASMTIME_I32, .of.i32 = 2};
  if (call(cx, &counter, "grow", &pages, &result))
    printf("grow(2) = %d (previous size in pages)\n", result.of.i32);

  wasmtime_extern_t mem;
  if (wasmtime_instance_export_get(cx, &counter, "memory", 6, &mem) &&
      mem.kind == WASMTIME_EXTERN_MEMORY) {
    const uint8_t *data = wasmtime_memory_data(cx, &mem.of.memory);
    printf("memory: %zu bytes, starts with \"%.7s\"\n",
           wasmtime_memory_data_size(cx, &mem.of.memory), (const char *)data);
  }
  /* The same linked code can back modules of several engines; releasing those
   * leaves this engine's modules registered for trap handling (the trap below). */
  wasm_engine_t *engine2 = wasm_engine_new();
  wasmtime_module_t *again = NULL;
  check("second engine", wasmaot_module_from_static(engine2, &WASMAOT_MODULE(counter_), &again),
        NULL);
  wasmtime_module_delete(again);
  wasm_engine_delete(engine2);
  printf("second engine: loaded and released counter\n");

  wasmtime_val_t index = {.kind = WASMTIME_I32, .of.i32 = 3 * 65536};
  if (call(cx, &counter, "byte", &index, &result))
    printf("byte(196608) = %d\n", result.of.i32);
  index.of.i32 = 1;
  if (call(cx, &counter, "byte", &index, &result))
    printf("byte(1) = '%c'\n", result.of.i32);

  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
