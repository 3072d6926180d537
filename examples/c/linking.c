/* linking: two modules linked by name.  `lib` exports a memory, a counter
 * global and functions; `app` imports them and a host function.  Uses a
 * linker with define_func, define_instance, module, instantiate_pre,
 * get_default and get. */
#include "example.h"

static const char *LIB =
    "(module\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global $count (export \"count\") (mut i32) (i32.const 0))\n"
    "  (func (export \"bump\") (result i32)\n"
    "    (global.set $count (i32.add (global.get $count) (i32.const 1)))\n"
    "    (global.get $count))\n"
    "  (func (export \"write\") (param i32 i32) (i32.store (local.get 0) (local.get 1))))\n";

static const char *APP =
    "(module\n"
    "  (import \"lib\" \"bump\" (func $bump (result i32)))\n"
    "  (import \"lib\" \"write\" (func $write (param i32 i32)))\n"
    "  (import \"lib\" \"memory\" (memory 1))\n"
    "  (import \"host\" \"print\" (func $print (param i32)))\n"
    "  (func (export \"run\")\n"
    "    (call $print (call $bump))\n"
    "    (call $print (call $bump))\n"
    "    (call $write (i32.const 16) (i32.const 1234))\n"
    "    (call $print (i32.load (i32.const 16))))\n"
    "  (func (export \"_start\") (call $print (i32.const -1))))\n";

static wasm_trap_t *print(void *env, wasmtime_caller_t *caller,
                          const wasmtime_val_t *args, size_t nargs,
                          wasmtime_val_t *results, size_t nresults) {
  (void)caller;
  (void)nargs;
  (void)results;
  (void)nresults;
  printf("%s%d\n", (const char *)env, args[0].of.i32);
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *lib = compile_text(engine, LIB);
  wasmtime_module_t *app = compile_text(engine, APP);

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *ty = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasmtime_error_t *error = wasmtime_linker_define_func(
      linker, "host", 4, "print", 5, ty, print, "print: ", NULL);
  wasm_functype_delete(ty);
  if (error != NULL)
    exit_with_error("define_func", error, NULL);

  /* Instantiate lib and register it under "lib". */
  wasmtime_instance_t lib_instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, cx, lib, &lib_instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate lib", error, trap);
  error = wasmtime_linker_define_instance(linker, cx, "lib", 3, &lib_instance);
  if (error != NULL)
    exit_with_error("define_instance", error, NULL);

  /* Defining it twice is an error unless shadowing is allowed. */
  error = wasmtime_linker_define_instance(linker, cx, "lib", 3, &lib_instance);
  if (error != NULL)
    print_error("define lib again", error);
  wasmtime_linker_allow_shadowing(linker, true);
  error = wasmtime_linker_define_instance(linker, cx, "lib", 3, &lib_instance);
  printf("define lib again with shadowing: %s\n", error ? "error" : "ok");

  /* Pre-resolve app's imports once, instantiate twice. */
  wasmtime_instance_pre_t *pre = NULL;
  error = wasmtime_linker_instantiate_pre(linker, app, &pre);
  if (error != NULL)
    exit_with_error("instantiate_pre", error, NULL);
  for (int i = 0; i < 2; i++) {
    wasmtime_instance_t app_instance;
    error = wasmtime_instance_pre_instantiate(pre, (wasmtime_store_t *)cx,
                                              &app_instance, &trap);
    if (error != NULL || trap != NULL)
      exit_with_error("instantiate app", error, trap);
    wasmtime_func_t run = get_func(cx, &app_instance, "run");
    error = wasmtime_func_call(cx, &run, NULL, 0, NULL, 0, &trap);
    if (error != NULL || trap != NULL)
      exit_with_error("run", error, trap);
  }
  wasmtime_module_t *m = wasmtime_instance_pre_module(pre);
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(m, &imports);
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_name_t *mod = wasm_importtype_module(imports.data[i]);
    const wasm_name_t *name = wasm_importtype_name(imports.data[i]);
    printf("app imports %.*s::%.*s (kind %d)\n", (int)mod->size, mod->data,
           (int)name->size, name->data,
           wasm_externtype_kind(wasm_importtype_type(imports.data[i])));
  }
  wasm_importtype_vec_delete(&imports);
  wasmtime_module_delete(m);
  wasmtime_instance_pre_delete(pre);

  /* The shared global saw both runs. */
  wasmtime_extern_t count;
  if (wasmtime_linker_get(linker, cx, "lib", 3, "count", 5, &count) &&
      count.kind == WASMTIME_EXTERN_GLOBAL) {
    wasmtime_val_t v;
    wasmtime_global_get(cx, &count.of.global, &v);
    printf("lib.count = %d\n", v.of.i32);
  }

  /* Register app as a module and run its default export (_start). */
  error = wasmtime_linker_module(linker, cx, "app", 3, app);
  if (error != NULL)
    exit_with_error("linker_module", error, NULL);
  wasmtime_func_t start;
  error = wasmtime_linker_get_default(linker, cx, "app", 3, &start);
  if (error != NULL)
    exit_with_error("get_default", error, NULL);
  error = wasmtime_func_call(cx, &start, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("_start", error, trap);

  /* An import nobody defined. */
  wasmtime_linker_t *empty = wasmtime_linker_new(engine);
  wasmtime_instance_t inst;
  error = wasmtime_linker_instantiate(empty, cx, app, &inst, &trap);
  if (error != NULL)
    print_error("instantiate app with an empty linker", error);
  wasmtime_linker_delete(empty);

  wasmtime_linker_t *clone = wasmtime_linker_clone(linker);
  wasmtime_linker_delete(linker);
  wasmtime_extern_t bump;
  printf("clone still has lib::bump: %d\n",
         (int)wasmtime_linker_get(clone, cx, "lib", 3, "bump", 4, &bump));
  wasmtime_linker_delete(clone);

  wasmtime_module_delete(app);
  wasmtime_module_delete(lib);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
