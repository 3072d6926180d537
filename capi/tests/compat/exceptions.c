/* exceptions: a module with tags and exnref through the v23 API (wasmaot.h):
 * tags are not shown, an uncaught exception is an error, exnref values are
 * WASMAOT_EXNREF handles, a tag import is resolved by a linker. */
#include "common.h"
#include <string.h>
#include <wasmaot.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #cond);       \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static const char IMPORTER[] =
    "(module (import \"m\" \"e\" (tag $e (param i32)))"
    "  (func (export \"throw2\") (throw $e (i32.const 5))))";

/* The error's message starts with `prefix`. */
static void expect_error(wasmtime_error_t *error, wasm_trap_t *trap,
                         const char *prefix) {
  CHECK(trap == NULL);
  CHECK(error != NULL);
  wasm_byte_vec_t msg;
  wasmtime_error_message(error, &msg);
  if (msg.size < strlen(prefix) || memcmp(msg.data, prefix, strlen(prefix))) {
    fprintf(stderr, "unexpected error: %.*s\n", (int)msg.size, msg.data);
    exit(1);
  }
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(error);
}

static wasmtime_func_t func(wasmtime_context_t *cx,
                            const wasmtime_instance_t *inst, const char *name) {
  wasmtime_extern_t item;
  CHECK(wasmtime_instance_export_get(cx, inst, name, strlen(name), &item));
  CHECK(item.kind == WASMTIME_EXTERN_FUNC);
  return item.of.func;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_wat(engine, "exceptions.wat");

  /* The tag export is not listed. */
  wasm_exporttype_vec_t exports;
  wasmtime_module_exports(module, &exports);
  CHECK(exports.size == 4);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_name_t *name = wasm_exporttype_name(exports.data[i]);
    CHECK(!(name->size == 1 && name->data[0] == 'e'));
  }
  wasm_exporttype_vec_delete(&exports);

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);
  wasmtime_extern_t item;
  CHECK(!wasmtime_instance_export_get(cx, &instance, "e", 1, &item));
  char *name;
  size_t len;
  size_t n = 0;
  while (wasmtime_instance_export_nth(cx, &instance, n, &name, &len, &item))
    n++;
  CHECK(n == 4);
  CHECK(wasmtime_instance_export_nth(cx, &instance, 3, &name, &len, &item));
  CHECK(len == 3 && memcmp(name, "mem", 3) == 0);
  CHECK(item.kind == WASMTIME_EXTERN_MEMORY);

  /* An uncaught exception is an error. */
  wasmtime_func_t throw_ = func(cx, &instance, "throw");
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 7};
  error = wasmtime_func_call(cx, &throw_, &arg, 1, NULL, 0, &trap);
  expect_error(error, trap, "uncaught wasm exception (tag `e`)");

  /* An exnref result, passed back. */
  wasmtime_func_t catch_ref = func(cx, &instance, "catch-ref");
  wasm_functype_t *ty = wasmtime_func_type(cx, &catch_ref);
  CHECK(wasm_valtype_kind(wasm_functype_results(ty)->data[0]) ==
        WASMAOT_VALKIND_EXNREF);
  wasm_functype_delete(ty);
  wasmtime_val_t exn;
  arg.of.i32 = 9;
  error = wasmtime_func_call(cx, &catch_ref, &arg, 1, &exn, 1, &trap);
  if (error != NULL || trap != NULL)
    die("catch-ref", error, trap);
  CHECK(exn.kind == WASMAOT_EXNREF && exn.of.externref.store_id != 0);
  wasmtime_func_t rethrow = func(cx, &instance, "rethrow");
  wasmtime_val_t result;
  error = wasmtime_func_call(cx, &rethrow, &exn, 1, &result, 1, &trap);
  if (error != NULL || trap != NULL)
    die("rethrow", error, trap);
  CHECK(result.kind == WASMTIME_I32 && result.of.i32 == 9);

  /* A module importing the tag: not through a list of imports, through a
   * linker that defined the exporting instance. */
  wasm_byte_vec_t wasm;
  error = wasmtime_wat2wasm(IMPORTER, strlen(IMPORTER), &wasm);
  if (error != NULL)
    die("wat2wasm", error, NULL);
  wasmtime_module_t *importer = NULL;
  error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                              &importer);
  wasm_byte_vec_delete(&wasm);
  if (error != NULL)
    die("compile importer", error, NULL);
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(importer, &imports);
  CHECK(imports.size == 0);
  wasm_importtype_vec_delete(&imports);
  wasmtime_instance_t other;
  error = wasmtime_instance_new(cx, importer, NULL, 0, &other, &trap);
  expect_error(error, trap, "the module imports tag `m::e`");

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  error = wasmtime_linker_define_instance(linker, cx, "m", 1, &instance);
  if (error != NULL)
    die("define_instance", error, NULL);
  CHECK(!wasmtime_linker_get(linker, cx, "m", 1, "e", 1, &item));
  error = wasmtime_linker_instantiate(linker, cx, importer, &other, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate importer", error, trap);
  wasmtime_func_t throw2 = func(cx, &other, "throw2");
  error = wasmtime_func_call(cx, &throw2, NULL, 0, NULL, 0, &trap);
  expect_error(error, trap, "uncaught wasm exception (tag `e`)");

  /* wasm.h: the call returns a trap without a code. */
  wasm_extern_vec_t externs;
  wasm_store_t *wstore = wasm_store_new(engine);
  wasm_module_t *wmodule = NULL;
  {
    wasm_byte_vec_t wat, bin;
    CHECK(read_file("exceptions.wat", &wat) == 0);
    error = wasmtime_wat2wasm(wat.data, wat.size, &bin);
    wasm_byte_vec_delete(&wat);
    if (error != NULL)
      die("wat2wasm", error, NULL);
    wmodule = wasm_module_new(wstore, &bin);
    wasm_byte_vec_delete(&bin);
  }
  CHECK(wmodule != NULL);
  wasm_extern_vec_t no_imports = WASM_EMPTY_VEC;
  wasm_instance_t *winst = wasm_instance_new(wstore, wmodule, &no_imports, NULL);
  CHECK(winst != NULL);
  wasm_instance_exports(winst, &externs);
  CHECK(externs.size == 4);
  wasm_func_t *wthrow = wasm_extern_as_func(externs.data[0]);
  CHECK(wthrow != NULL);
  wasm_val_t wargs[1] = {WASM_I32_VAL(1)};
  wasm_val_vec_t args_vec = WASM_ARRAY_VEC(wargs);
  wasm_val_vec_t results_vec = WASM_EMPTY_VEC;
  wasm_trap_t *wtrap = wasm_func_call(wthrow, &args_vec, &results_vec);
  CHECK(wtrap != NULL);
  wasmtime_trap_code_t code;
  CHECK(!wasmtime_trap_code(wtrap, &code));
  wasm_trap_delete(wtrap);
  wasm_extern_vec_delete(&externs);
  wasm_instance_delete(winst);
  wasm_module_delete(wmodule);
  wasm_store_delete(wstore);

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(importer);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  puts("ok");
  return 0;
}
