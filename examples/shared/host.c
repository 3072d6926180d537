/* shared: a module compiled ahead of time into a shared object
 *
 *     wasmaot compile --emit shared --symbol-prefix demo_ demo.wat -o demo.so
 *
 * is opened by the loader (dlopen) and run exactly like a .cwasm; the program
 * links libwasmaot, which resolves the object's runtime calls.  gdb and perf see
 * the wasm function names (`demo_fib`, `demo_fill`) as symbols of demo.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmaot.h>

static void check(const char *what, wasmtime_error_t *error) {
  if (error == NULL)
    return;
  wasm_byte_vec_t msg;
  wasmtime_error_message(error, &msg);
  fprintf(stderr, "error: %s: %.*s\n", what, (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(error);
  exit(1);
}

static void call(wasmtime_context_t *cx, wasmtime_instance_t *instance, const char *name,
                 const wasmtime_val_t *args, size_t nargs, size_t nresults) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, instance, name, strlen(name), &item)) {
    fprintf(stderr, "error: no export `%s`\n", name);
    exit(1);
  }
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  check(name, wasmtime_func_call(cx, &item.of.func, args, nargs, &result, nresults, &trap));
  if (trap != NULL) {
    wasm_byte_vec_t msg;
    wasm_trap_message(trap, &msg);
    printf("%s: %.*s\n", name, (int)msg.size, msg.data);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
  } else if (nresults == 1) {
    printf("%s = %lld\n", name,
           result.kind == WASMTIME_I64 ? (long long)result.of.i64 : (long long)result.of.i32);
  } else {
    printf("%s: done\n", name);
  }
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "./demo.so";
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  wasmtime_module_t *module = NULL;
  check(path, wasmaot_module_from_shared_object(engine, path, &module));
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  check("instantiate", wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap));
  if (trap != NULL) {
    fprintf(stderr, "error: instantiation trapped\n");
    return 1;
  }

  wasmtime_val_t n = {.kind = WASMTIME_I64, .of.i64 = 25};
  call(cx, &instance, "fib", &n, 1, 1);
  wasmtime_val_t fill[3] = {{.kind = WASMTIME_I32, .of.i32 = 0},
                            {.kind = WASMTIME_I32, .of.i32 = 7},
                            {.kind = WASMTIME_I32, .of.i32 = 100}};
  call(cx, &instance, "fill", fill, 3, 0);
  wasmtime_val_t at = {.kind = WASMTIME_I32, .of.i32 = 99};
  call(cx, &instance, "sum", &at, 1, 1);
  at.of.i32 = 70000;
  call(cx, &instance, "sum", &at, 1, 1);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
