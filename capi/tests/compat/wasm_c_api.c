/* wasm_c_api: a host that only uses the standard wasm.h API (the style of
 * the wasm-c-api examples) plus wasmtime_wat2wasm. */
#include <stdio.h>
#include <string.h>
#include <wasm.h>
#include <wasmtime.h>

static wasm_trap_t *print_i32(const wasm_val_vec_t *args,
                              wasm_val_vec_t *results) {
  printf("guest says %d\n", args->data[0].of.i32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 1;
  return NULL;
}

static wasm_trap_t *with_env(void *env, const wasm_val_vec_t *args,
                             wasm_val_vec_t *results) {
  (void)args; (void)results;
  wasm_store_t *store = env;
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "env callback trapped");
  wasm_trap_t *trap = wasm_trap_new(store, &msg);
  wasm_name_delete(&msg);
  return trap;
}

int main(void) {
  const char *wat = "(module (func $p (import \"\" \"p\") (param i32) (result i32))"
                    " (func (export \"run\") (param i32) (result i32)"
                    "   local.get 0 call $p))";
  wasm_byte_vec_t binary;
  wasmtime_error_t *err = wasmtime_wat2wasm(wat, strlen(wat), &binary);
  if (err != NULL)
    return 1;

  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  if (!wasm_module_validate(store, &binary))
    return 1;
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (module == NULL)
    return 1;

  wasm_functype_t *ty =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *p = wasm_func_new(store, ty, print_i32);
  wasm_func_t *q = wasm_func_new_with_env(store, ty, with_env, store, NULL);
  wasm_functype_delete(ty);

  wasm_extern_t *externs[] = {wasm_func_as_extern(p)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
  if (instance == NULL) {
    if (trap != NULL)
      wasm_trap_delete(trap);
    return 1;
  }

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t *run = wasm_extern_as_func_const(exports.data[0]);
  printf("arity %zu -> %zu\n", wasm_func_param_arity(run),
         wasm_func_result_arity(run));

  wasm_val_t args_val[1] = {WASM_I32_VAL(41)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
  trap = wasm_func_call(run, &args, &results);
  if (trap != NULL) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("trap: %.*s\n", (int)message.size, message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  } else {
    printf("run(41) = %d\n", results_val[0].of.i32);
  }

  wasm_val_vec_t empty = WASM_EMPTY_VEC;
  (void)empty;
  wasm_val_t f = WASM_F64_VAL(1.5);
  wasm_val_t copy;
  wasm_val_copy(&copy, &f);
  wasm_val_delete(&copy);
  wasm_val_t ptr_val;
  wasm_val_init_ptr(&ptr_val, store);
  if (wasm_val_ptr(&ptr_val) != (void *)store)
    return 1;

  wasm_globaltype_t *gty =
      wasm_globaltype_new(wasm_valtype_new(WASM_I64), WASM_VAR);
  wasm_val_t init = WASM_I64_VAL(7);
  wasm_global_t *global = wasm_global_new(store, gty, &init);
  wasm_globaltype_delete(gty);
  wasm_val_t got;
  wasm_global_get(global, &got);
  wasm_global_delete(global);

  wasm_limits_t limits = {1, wasm_limits_max_default};
  wasm_memorytype_t *mty = wasm_memorytype_new(&limits);
  wasm_memory_t *mem = wasm_memory_new(store, mty);
  wasm_memorytype_delete(mty);
  if (mem != NULL) {
    byte_t *data = wasm_memory_data(mem);
    (void)data;
    if (wasm_memory_data_size(mem) != MEMORY_PAGE_SIZE)
      return 1;
    wasm_memory_delete(mem);
  }

  wasm_shared_module_t *shared = wasm_module_share(module);
  wasm_module_t *obtained = wasm_module_obtain(store, shared);
  wasm_shared_module_delete(shared);
  if (obtained != NULL)
    wasm_module_delete(obtained);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(p);
  wasm_func_delete(q);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
