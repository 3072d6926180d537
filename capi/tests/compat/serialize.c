/* serialize: precompile a module to bytes / a file and load it back. */
#include "common.h"

static void run_it(wasm_engine_t *engine, wasmtime_module_t *module) {
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);
  wasmtime_store_delete(store);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();

  /* Compile and serialize. */
  wasmtime_module_t *module = compile_wat(engine, "hello.wat");
  wasm_byte_vec_t bytes;
  wasmtime_error_t *error = wasmtime_module_serialize(module, &bytes);
  if (error != NULL)
    die("serialize", error, NULL);
  wasmtime_module_delete(module);

  /* Deserialize from memory. */
  wasmtime_module_t *loaded = NULL;
  error = wasmtime_module_deserialize(engine, (const uint8_t *)bytes.data,
                                      bytes.size, &loaded);
  if (error != NULL)
    die("deserialize", error, NULL);

  /* Inspect imports with the wasm.h type API. */
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(loaded, &imports);
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_name_t *mod = wasm_importtype_module(imports.data[i]);
    const wasm_name_t *name = wasm_importtype_name(imports.data[i]);
    const wasm_externtype_t *ty = wasm_importtype_type(imports.data[i]);
    printf("import %.*s::%.*s kind %u\n", (int)mod->size, mod->data,
           (int)name->size, name->data, (unsigned)wasm_externtype_kind(ty));
  }
  wasm_importtype_vec_delete(&imports);

  void *start = NULL, *end = NULL;
  wasmtime_module_image_range(loaded, &start, &end);
  wasmtime_module_t *clone = wasmtime_module_clone(loaded);
  wasmtime_module_delete(clone);

  /* Round-trip through a file as well. */
  FILE *f = fopen("hello.cwasm", "wb");
  if (f != NULL) {
    fwrite(bytes.data, 1, bytes.size, f);
    fclose(f);
    wasmtime_module_t *from_file = NULL;
    error = wasmtime_module_deserialize_file(engine, "hello.cwasm", &from_file);
    if (error != NULL)
      die("deserialize_file", error, NULL);
    wasmtime_module_delete(from_file);
  }
  wasm_byte_vec_delete(&bytes);

  (void)run_it; /* instantiation needs the import; see hello.c */
  wasmtime_module_delete(loaded);
  wasm_engine_delete(engine);
  return 0;
}
