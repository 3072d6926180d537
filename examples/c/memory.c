/* memory: read and write an exported memory from the host and from wasm, grow
 * it, and trap on an out-of-bounds access. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (memory (export \"memory\") 2 3)\n"
    "  (func (export \"size\") (result i32) (memory.size))\n"
    "  (func (export \"load\") (param i32) (result i32)\n"
    "    (i32.load8_s (local.get 0)))\n"
    "  (func (export \"store\") (param i32 i32)\n"
    "    (i32.store8 (local.get 0) (local.get 1)))\n"
    "  (data (i32.const 0x1000) \"\\01\\02\\03\\04\"))\n";

static wasmtime_context_t *cx;
static wasmtime_func_t size_fn, load_fn, store_fn;

static int call(wasmtime_func_t *f, int32_t a, int32_t b, int nargs,
                int32_t *out) {
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = a},
                            {.kind = WASMTIME_I32, .of.i32 = b}};
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = wasmtime_func_call(cx, f, args, (size_t)nargs,
                                               &result, out ? 1 : 0, &trap);
  if (error != NULL)
    exit_with_error("call", error, NULL);
  if (trap != NULL) {
    print_trap("  call", trap);
    return -1;
  }
  if (out)
    *out = result.of.i32;
  return 0;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);

  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, &instance, "memory", 6, &item) ||
      item.kind != WASMTIME_EXTERN_MEMORY)
    return 1;
  wasmtime_memory_t memory = item.of.memory;
  size_fn = get_func(cx, &instance, "size");
  load_fn = get_func(cx, &instance, "load");
  store_fn = get_func(cx, &instance, "store");

  wasm_memorytype_t *ty = wasmtime_memory_type(cx, &memory);
  uint64_t max = 0;
  bool has_max = wasmtime_memorytype_maximum(ty, &max);
  printf("type: min %llu, max %llu (%s), 64-bit %d\n",
         (unsigned long long)wasmtime_memorytype_minimum(ty),
         (unsigned long long)max, has_max ? "present" : "absent",
         (int)wasmtime_memorytype_is64(ty));
  wasm_memorytype_delete(ty);

  int32_t r;
  printf("pages %llu, bytes %zu\n",
         (unsigned long long)wasmtime_memory_size(cx, &memory),
         wasmtime_memory_data_size(cx, &memory));
  uint8_t *data = wasmtime_memory_data(cx, &memory);
  printf("host reads data[0x1000..0x1004] = %d %d %d %d\n", data[0x1000],
         data[0x1001], data[0x1002], data[0x1003]);
  call(&size_fn, 0, 0, 0, &r);
  printf("size() = %d\n", r);
  call(&load_fn, 0x1002, 0, 1, &r);
  printf("load(0x1002) = %d\n", r);
  data[0x1002] = 99;
  call(&load_fn, 0x1002, 0, 1, &r);
  printf("after the host wrote 99: load(0x1002) = %d\n", r);
  call(&store_fn, 0x1003, 7, 2, NULL);
  printf("after store(0x1003, 7): host reads %d\n",
         wasmtime_memory_data(cx, &memory)[0x1003]);

  printf("load(0x20000), just past the end:\n");
  call(&load_fn, 0x20000, 0, 1, &r);
  printf("store(0x20000, 1), just past the end:\n");
  call(&store_fn, 0x20000, 1, 2, NULL);

  uint64_t prev = 0;
  error = wasmtime_memory_grow(cx, &memory, 1, &prev);
  if (error != NULL)
    exit_with_error("grow", error, NULL);
  printf("grow(1): previous %llu pages, now %llu\n", (unsigned long long)prev,
         (unsigned long long)wasmtime_memory_size(cx, &memory));
  call(&load_fn, 0x20000, 0, 1, &r);
  printf("load(0x20000) after growing = %d\n", r);
  printf("load(0x30000), past the new end:\n");
  call(&load_fn, 0x30000, 0, 1, &r);
  error = wasmtime_memory_grow(cx, &memory, 1, &prev);
  if (error != NULL)
    print_error("grow(1) beyond the maximum", error);

  /* A host-created memory. */
  wasm_memorytype_t *mty = wasmtime_memorytype_new(1, true, 2, false);
  wasmtime_memory_t own;
  error = wasmtime_memory_new(cx, mty, &own);
  wasm_memorytype_delete(mty);
  if (error != NULL)
    exit_with_error("memory_new", error, NULL);
  printf("host memory: %llu page(s), %zu bytes\n",
         (unsigned long long)wasmtime_memory_size(cx, &own),
         wasmtime_memory_data_size(cx, &own));

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
