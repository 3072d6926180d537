/* linking: two modules linked by name, plus WASI, through a linker. */
#include "common.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *linking1 = compile_wat(engine, "linking1.wat");
  wasmtime_module_t *linking2 = compile_wat(engine, "linking2.wat");

  wasi_config_t *wasi = wasi_config_new();
  wasi_config_inherit_stdout(wasi);
  wasmtime_error_t *error = wasmtime_context_set_wasi(cx, wasi);
  if (error != NULL)
    die("set_wasi", error, NULL);

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  error = wasmtime_linker_define_wasi(linker);
  if (error != NULL)
    die("define_wasi", error, NULL);

  wasmtime_instance_t instance2;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, cx, linking2, &instance2, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate linking2", error, trap);
  error = wasmtime_linker_define_instance(linker, cx, "linking2", 8,
                                          &instance2);
  if (error != NULL)
    die("define_instance", error, NULL);

  wasmtime_instance_t instance1;
  error = wasmtime_linker_instantiate(linker, cx, linking1, &instance1, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate linking1", error, trap);

  wasmtime_extern_t run;
  if (!wasmtime_instance_export_get(cx, &instance1, "run", 3, &run))
    return 1;
  error = wasmtime_func_call(cx, &run.of.func, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    die("run", error, trap);

  /* Also exercise lookup, pre-instantiation and enumeration of exports. */
  wasmtime_extern_t item;
  if (wasmtime_linker_get(linker, cx, "linking2", 8, "double", 6, &item))
    wasmtime_extern_delete(&item);
  wasmtime_instance_pre_t *pre = NULL;
  error = wasmtime_linker_instantiate_pre(linker, linking1, &pre);
  if (error != NULL)
    die("instantiate_pre", error, NULL);
  wasmtime_instance_t instance3;
  /* v23 declares this parameter as wasmtime_store_t* but expects the
   * store's context (see wasmtime/instance.h). */
  error = wasmtime_instance_pre_instantiate(pre, (wasmtime_store_t *)cx,
                                            &instance3, &trap);
  if (error != NULL || trap != NULL)
    die("pre_instantiate", error, trap);
  wasmtime_module_t *m = wasmtime_instance_pre_module(pre);
  wasmtime_module_delete(m);
  wasmtime_instance_pre_delete(pre);

  char *name;
  size_t name_len;
  for (size_t i = 0;
       wasmtime_instance_export_nth(cx, &instance1, i, &name, &name_len, &item);
       i++) {
    printf("export %zu: %.*s kind %u\n", i, (int)name_len, name,
           (unsigned)item.kind);
    wasmtime_extern_delete(&item);
  }

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(linking1);
  wasmtime_module_delete(linking2);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
