/* threads_host: instantiates a `wasm32-wasip1-threads` module (argv[1]) through the C
 * API as a host that does not know it would: a shared memory made from the type of the
 * memory import (wasmtime_sharedmemory_new) and defined as a WASMTIME_EXTERN_SHAREDMEMORY
 * extern, WASI, and every other function import defined as a host function returning
 * zeros. Prints what it defined and the instance's export count; exits 1 on any error.
 * tests/tests/capi.rs runs it on modules from npm (napi-rs packages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi.h>
#include <wasmtime.h>

static void die(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
  wasm_byte_vec_t msg;
  if (error != NULL)
    wasmtime_error_message(error, &msg);
  else if (trap != NULL)
    wasm_trap_message(trap, &msg);
  else
    wasm_byte_vec_new(&msg, strlen(what), what);
  fprintf(stderr, "error: %s: %.*s\n", what, (int)msg.size, msg.data);
  exit(1);
}

static wasm_trap_t *zeros(void *env, wasmtime_caller_t *caller,
                          const wasmtime_val_t *args, size_t nargs,
                          wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)args;
  (void)nargs;
  for (size_t i = 0; i < nresults; i++) {
    results[i].kind = WASMTIME_I32;
    results[i].of.i32 = 0;
  }
  return NULL;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    die(path, NULL, NULL);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc(*len);
  if (fread(bytes, 1, *len, f) != *len)
    die(path, NULL, NULL);
  fclose(f);
  return bytes;
}

static int is_wasi(const wasm_name_t *module) {
  return module->size == 22 &&
         memcmp(module->data, "wasi_snapshot_preview1", 22) == 0;
}

/* Defines the module's imports other than WASI in `linker`. */
static void define_imports(wasm_engine_t *engine, wasmtime_context_t *cx,
                           wasmtime_linker_t *linker,
                           const wasmtime_module_t *module) {
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(module, &imports);
  int funcs = 0;
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_externtype_t *ty = wasm_importtype_type(imports.data[i]);
    const wasm_name_t *mod = wasm_importtype_module(imports.data[i]);
    const wasm_name_t *name = wasm_importtype_name(imports.data[i]);
    const wasm_memorytype_t *mt = wasm_externtype_as_memorytype_const(ty);
    const wasm_functype_t *ft = wasm_externtype_as_functype_const(ty);
    wasmtime_error_t *error = NULL;
    if (mt != NULL) {
      wasmtime_sharedmemory_t *memory;
      error = wasmtime_sharedmemory_new(engine, mt, &memory);
      if (error != NULL)
        die("wasmtime_sharedmemory_new", error, NULL);
      wasmtime_extern_t item = {.kind = WASMTIME_EXTERN_SHAREDMEMORY};
      item.of.sharedmemory = memory;
      error = wasmtime_linker_define(linker, cx, mod->data, mod->size,
                                     name->data, name->size, &item);
      printf("memory %.*s::%.*s: %llu pages, shared %d, size %llu pages\n",
             (int)mod->size, mod->data, (int)name->size, name->data,
             (unsigned long long)wasmtime_memorytype_minimum(mt),
             wasmtime_memorytype_isshared(mt),
             (unsigned long long)wasmtime_sharedmemory_size(memory));
      wasmtime_extern_delete(&item);
    } else if (ft != NULL && !is_wasi(mod)) {
      error = wasmtime_linker_define_func(linker, mod->data, mod->size,
                                          name->data, name->size, ft, zeros,
                                          NULL, NULL);
      funcs++;
    }
    if (error != NULL)
      die("define", error, NULL);
  }
  printf("%d host functions\n", funcs);
  wasm_importtype_vec_delete(&imports);
}

int main(int argc, char **argv) {
  if (argc != 2)
    die("usage: threads_host MODULE.wasm", NULL, NULL);
  size_t len;
  uint8_t *bytes = read_file(argv[1], &len);
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_threads_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_module_t *module;
  wasmtime_error_t *error = wasmtime_module_new(engine, bytes, len, &module);
  free(bytes);
  if (error != NULL)
    die("compile", error, NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  error = wasmtime_context_set_wasi(cx, wasi_config_new());
  if (error != NULL)
    die("wasi", error, NULL);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  error = wasmtime_linker_define_wasi(linker);
  if (error != NULL)
    die("define wasi", error, NULL);
  define_imports(engine, cx, linker, module);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, cx, module, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);
  size_t exports = 0;
  char *name;
  size_t name_len;
  wasmtime_extern_t item;
  while (wasmtime_instance_export_nth(cx, &instance, exports, &name, &name_len,
                                      &item)) {
    wasmtime_extern_delete(&item);
    exports++;
  }
  printf("instantiated: %zu exports\n", exports);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  return 0;
}
