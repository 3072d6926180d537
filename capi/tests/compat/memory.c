/* memory: inspect, read, write and grow an exported linear memory; create a
 * standalone host memory. */
#include "common.h"
#include <string.h>

static int32_t call_i32(wasmtime_context_t *cx, const wasmtime_func_t *f,
                        const wasmtime_val_t *args, size_t nargs) {
  wasmtime_val_t out;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = wasmtime_func_call(cx, f, args, nargs, &out, 1,
                                               &trap);
  if (error != NULL || trap != NULL)
    die("call", error, trap);
  return out.of.i32;
}

static bool get(wasmtime_context_t *cx, wasmtime_instance_t *i,
                const char *name, wasmtime_extern_t *out) {
  return wasmtime_instance_export_get(cx, i, name, strlen(name), out);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "memory.wat");

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  wasmtime_extern_t mem_ext, size_ext, load_ext, store_ext;
  if (!get(cx, &instance, "memory", &mem_ext) ||
      !get(cx, &instance, "size", &size_ext) ||
      !get(cx, &instance, "load", &load_ext) ||
      !get(cx, &instance, "store", &store_ext))
    return 1;
  wasmtime_memory_t memory = mem_ext.of.memory;

  printf("pages=%llu bytes=%zu\n",
         (unsigned long long)wasmtime_memory_size(cx, &memory),
         wasmtime_memory_data_size(cx, &memory));
  uint8_t *data = wasmtime_memory_data(cx, &memory);
  data[0x1003] = 4;
  printf("size() = %d\n", call_i32(cx, &size_ext.of.func, NULL, 0));

  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of = {.i32 = 0x1003}};
  printf("load(0x1003) = %d\n", call_i32(cx, &load_ext.of.func, &arg, 1));

  wasmtime_val_t st[2];
  st[0].kind = WASMTIME_I32;
  st[0].of.i32 = 0x1002;
  st[1].kind = WASMTIME_I32;
  st[1].of.i32 = 6;
  error = wasmtime_func_call(cx, &store_ext.of.func, st, 2, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    die("store", error, trap);

  uint64_t prev = 0;
  error = wasmtime_memory_grow(cx, &memory, 1, &prev);
  if (error != NULL)
    die("grow", error, NULL);
  error = wasmtime_memory_grow(cx, &memory, 1000000, &prev);
  if (error == NULL)
    return 1; /* growing past the maximum must fail */
  wasmtime_error_delete(error);

  /* A standalone memory with min 5, max 5 pages. */
  wasm_memorytype_t *ty = wasmtime_memorytype_new(5, true, 5, false);
  uint64_t max = 0;
  if (!wasmtime_memorytype_maximum(ty, &max) || max != 5 ||
      wasmtime_memorytype_is64(ty) || wasmtime_memorytype_isshared(ty))
    return 1;
  wasmtime_memory_t standalone;
  error = wasmtime_memory_new(cx, ty, &standalone);
  wasm_memorytype_delete(ty);
  if (error != NULL)
    die("memory_new", error, NULL);

  /* The old wasm.h limits API still works for 32-bit memories. */
  wasm_memorytype_t *mt = wasmtime_memory_type(cx, &standalone);
  const wasm_limits_t *limits = wasm_memorytype_limits(mt);
  printf("limits: %u..%u (default max %u)\n", limits->min, limits->max,
         wasm_limits_max_default);
  wasm_memorytype_delete(mt);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
