/* wasm_api: a host using only the standard wasm.h API — store, module,
 * host function with environment, instance, exports, globals, tables,
 * memories, references and vectors. */
#include <stdio.h>
#include <string.h>
#include <wasm.h>
#include <wasmtime.h>

static const char *WAT =
    "(module\n"
    "  (import \"\" \"callback\" (func $cb (param i32) (result i32)))\n"
    "  (import \"\" \"counter\" (global $counter (mut i32)))\n"
    "  (global (export \"g\") (mut i64) (i64.const 7))\n"
    "  (memory (export \"mem\") 1 2)\n"
    "  (table (export \"tab\") 2 funcref)\n"
    "  (elem (i32.const 1) $run)\n"
    "  (func $run (export \"run\") (param i32) (result i32)\n"
    "    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))\n"
    "    (i32.add (call $cb (local.get 0)) (i32.const 1))))\n";

static wasm_trap_t *callback(void *env, const wasm_val_vec_t *args,
                             wasm_val_vec_t *results) {
  printf("callback(%d) with env \"%s\"\n", args->data[0].of.i32,
         (const char *)env);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}

static int finalized;
static void finalize(void *env) {
  (void)env;
  finalized++;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);

  wasm_byte_vec_t wasm;
  wasmtime_error_t *error = wasmtime_wat2wasm(WAT, strlen(WAT), &wasm);
  if (error != NULL)
    return 1;
  printf("valid: %d\n", (int)wasm_module_validate(store, &wasm));
  wasm_module_t *module = wasm_module_new(store, &wasm);
  wasm_byte_vec_delete(&wasm);
  if (module == NULL)
    return 1;

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_name_t *name = wasm_exporttype_name(exports.data[i]);
    printf("export %.*s kind %d\n", (int)name->size, name->data,
           wasm_externtype_kind(wasm_exporttype_type(exports.data[i])));
  }
  wasm_exporttype_vec_delete(&exports);

  wasm_functype_t *ty =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *cb =
      wasm_func_new_with_env(store, ty, callback, "env!", finalize);
  wasm_functype_delete(ty);
  wasm_globaltype_t *gty = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
  wasm_val_t zero = WASM_I32_VAL(0);
  wasm_global_t *counter = wasm_global_new(store, gty, &zero);
  wasm_globaltype_delete(gty);

  wasm_extern_t *items[] = {wasm_func_as_extern(cb),
                            wasm_global_as_extern(counter)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(items);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
  if (instance == NULL)
    return 1;

  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  wasm_global_t *g = wasm_extern_as_global(ex.data[0]);
  wasm_memory_t *mem = wasm_extern_as_memory(ex.data[1]);
  wasm_table_t *tab = wasm_extern_as_table(ex.data[2]);
  wasm_func_t *run = wasm_extern_as_func(ex.data[3]);
  printf("run arity %zu -> %zu\n", wasm_func_param_arity(run),
         wasm_func_result_arity(run));

  wasm_val_t args_val[1] = {WASM_I32_VAL(20)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
  trap = wasm_func_call(run, &args, &results);
  if (trap != NULL)
    return 1;
  printf("run(20) = %d\n", results_val[0].of.i32);

  wasm_val_t v;
  wasm_global_get(counter, &v);
  printf("counter = %d\n", v.of.i32);
  wasm_global_get(g, &v);
  printf("g = %lld\n", (long long)v.of.i64);
  wasm_val_t seven = WASM_I64_VAL(70);
  wasm_global_set(g, &seven);
  wasm_global_get(g, &v);
  printf("g = %lld after set\n", (long long)v.of.i64);

  printf("memory: %u page(s), %zu bytes\n", wasm_memory_size(mem),
         wasm_memory_data_size(mem));
  printf("grow(1): %d\n", (int)wasm_memory_grow(mem, 1));
  printf("grow(1) beyond the maximum: %d\n", (int)wasm_memory_grow(mem, 1));
  printf("memory: %u page(s)\n", wasm_memory_size(mem));
  wasm_memory_data(mem)[0] = 5;

  printf("table size %u\n", wasm_table_size(tab));
  wasm_ref_t *r0 = wasm_table_get(tab, 0);
  wasm_ref_t *r1 = wasm_table_get(tab, 1);
  printf("table[0] null %d, table[1] null %d\n", r0 == NULL, r1 == NULL);
  wasm_func_t *f1 = wasm_ref_as_func(r1);
  trap = wasm_func_call(f1, &args, &results);
  printf("table[1](20) = %d\n", trap ? -1 : results_val[0].of.i32);
  printf("set table[0] = table[1]: %d\n", (int)wasm_table_set(tab, 0, r1));
  printf("grow table by 3: %d\n", (int)wasm_table_grow(tab, 3, NULL));
  printf("table size %u\n", wasm_table_size(tab));
  wasm_ref_delete(r1);

  /* Errors come back as traps. */
  wasm_val_t bad_val[1] = {WASM_I64_VAL(1)};
  wasm_val_vec_t bad = WASM_ARRAY_VEC(bad_val);
  trap = wasm_func_call(run, &bad, &results);
  if (trap != NULL) {
    wasm_message_t msg;
    wasm_trap_message(trap, &msg);
    printf("run(i64): %s\n", msg.data);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
  }

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_global_delete(counter);
  wasm_func_delete(cb);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("finalizers run: %d\n", finalized);
  return 0;
}
