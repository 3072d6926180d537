/* externref: v23's struct-based GC references, tables, globals and the
 * unchecked (raw) calling convention. */
#include "common.h"
#include <string.h>

static void drop_string(void *p) { free(p); }

static wasm_trap_t *raw_add(void *env, wasmtime_caller_t *caller,
                            wasmtime_val_raw_t *args_and_results, size_t n) {
  (void)env; (void)caller;
  if (n < 2)
    return wasmtime_trap_new("short", 5);
  args_and_results[0].i32 = args_and_results[0].i32 + args_and_results[1].i32;
  return NULL;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_reference_types_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "externref.wat");

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);

  /* Create an externref wrapping host data. */
  char *hello = malloc(6);
  memcpy(hello, "hello", 6);
  wasmtime_val_t ref;
  ref.kind = WASMTIME_EXTERNREF;
  if (!wasmtime_externref_new(cx, hello, drop_string, &ref.of.externref))
    return 1;
  printf("data: %s\n", (char *)wasmtime_externref_data(cx, &ref.of.externref));

  /* Store it into table slot 3, read it back. */
  wasmtime_extern_t table_ext;
  if (!wasmtime_instance_export_get(cx, &instance, "table", 5, &table_ext))
    return 1;
  error = wasmtime_table_set(cx, &table_ext.of.table, 3, &ref);
  if (error != NULL)
    die("table_set", error, NULL);
  wasmtime_val_t elem;
  if (wasmtime_table_get(cx, &table_ext.of.table, 3, &elem)) {
    if (elem.kind == WASMTIME_EXTERNREF &&
        !wasmtime_externref_is_null(&elem.of.externref))
      printf("table[3] ok\n");
    wasmtime_val_unroot(cx, &elem);
  }
  wasmtime_val_t null_ref;
  null_ref.kind = WASMTIME_EXTERNREF;
  wasmtime_externref_set_null(&null_ref.of.externref);
  uint32_t prev = 0;
  error = wasmtime_table_grow(cx, &table_ext.of.table, 2, &null_ref, &prev);
  if (error != NULL)
    die("table_grow", error, NULL);
  printf("table size %u (was %u)\n",
         wasmtime_table_size(cx, &table_ext.of.table), prev);

  /* Globals. */
  wasmtime_extern_t global_ext;
  if (!wasmtime_instance_export_get(cx, &instance, "global", 6, &global_ext))
    return 1;
  error = wasmtime_global_set(cx, &global_ext.of.global, &ref);
  if (error != NULL)
    die("global_set", error, NULL);
  wasmtime_val_t gval, copy;
  wasmtime_global_get(cx, &global_ext.of.global, &gval);
  wasmtime_val_clone(cx, &gval, &copy);
  wasmtime_val_unroot(cx, &gval);
  wasmtime_val_unroot(cx, &copy);

  /* Raw conversions. */
  uint32_t raw = wasmtime_externref_to_raw(cx, &ref.of.externref);
  wasmtime_externref_t back;
  wasmtime_externref_from_raw(cx, raw, &back);
  wasmtime_externref_t cloned;
  wasmtime_externref_clone(cx, &back, &cloned);
  wasmtime_externref_unroot(cx, &cloned);
  wasmtime_externref_unroot(cx, &back);
  wasmtime_val_unroot(cx, &ref);

  /* A funcref value and the unchecked calling convention. */
  wasm_functype_t *ty = wasm_functype_new_2_1(
      wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasmtime_func_t add;
  wasmtime_func_new_unchecked(cx, ty, raw_add, NULL, NULL, &add);
  wasm_functype_delete(ty);
  wasmtime_val_raw_t slots[2];
  slots[0].i32 = 40;
  slots[1].i32 = 2;
  error = wasmtime_func_call_unchecked(cx, &add, slots, 2, &trap);
  if (error != NULL || trap != NULL)
    die("call_unchecked", error, trap);
  printf("40 + 2 = %d\n", slots[0].i32);
  void *raw_func = wasmtime_func_to_raw(cx, &add);
  wasmtime_func_t again;
  wasmtime_func_from_raw(cx, raw_func, &again);
  wasmtime_val_t fref;
  fref.kind = WASMTIME_FUNCREF;
  fref.of.funcref = again;
  if (wasmtime_funcref_is_null(&fref.of.funcref))
    return 1;
  wasmtime_funcref_set_null(&fref.of.funcref);

  wasmtime_context_gc(cx);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
