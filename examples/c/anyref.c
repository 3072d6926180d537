/* anyref: i31 references made by the host and by wasm, passed through a table,
 * a global, parameters and results; an externref internalized into the `any`
 * hierarchy and back; casts; and what needs GC to be switched on. */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (table $t (export \"table\") 4 anyref)\n"
    "  (global $g (export \"global\") (mut anyref) (ref.null any))\n"
    "  ;; The i31's signed value; -1 for null, -2 for any other reference.\n"
    "  (func (export \"describe\") (param anyref) (result i32)\n"
    "    (block $other (result anyref)\n"
    "      (br_on_cast_fail $other anyref (ref i31) (local.get 0))\n"
    "      (return (i31.get_s)))\n"
    "    (if (result i32) (ref.is_null) (then (i32.const -1)) (else (i32.const -2))))\n"
    "  (func (export \"make_i31\") (param i32) (result (ref i31))\n"
    "    (ref.i31 (local.get 0)))\n"
    "  (func (export \"eq\") (param eqref eqref) (result i32)\n"
    "    (ref.eq (local.get 0) (local.get 1)))\n"
    "  (func (export \"table_sum\") (result i32)\n"
    "    (i32.add (i31.get_s (ref.cast i31ref (table.get $t (i32.const 0))))\n"
    "             (i31.get_s (ref.cast i31ref (global.get $g)))))\n"
    "  (func (export \"internalize\") (param externref) (result anyref)\n"
    "    (any.convert_extern (local.get 0)))\n"
    "  (func (export \"externalize\") (param anyref) (result externref)\n"
    "    (extern.convert_any (local.get 0)))\n"
    "  (func (export \"to_i31\") (param anyref) (result i32)\n"
    "    (i31.get_u (ref.cast (ref i31) (local.get 0)))))\n";

static wasmtime_val_t anyref_val(wasmtime_anyref_t r) {
  wasmtime_val_t v;
  v.kind = WASMTIME_ANYREF;
  v.of.anyref = r;
  return v;
}

/* Calls `name` with one argument; returns its one result. */
static wasmtime_val_t call1(wasmtime_context_t *cx,
                            const wasmtime_instance_t *instance,
                            const char *name, wasmtime_val_t arg) {
  wasmtime_func_t f = get_func(cx, instance, name);
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = wasmtime_func_call(cx, &f, &arg, 1, &result, 1, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error(name, error, trap);
  return result;
}

static void print_i31(const char *what, wasmtime_context_t *cx,
                      const wasmtime_val_t *v) {
  uint32_t u;
  int32_t s;
  if (v->kind != WASMTIME_ANYREF) {
    printf("%s: not an anyref (kind %d)\n", what, v->kind);
  } else if (wasmtime_anyref_is_null(&v->of.anyref)) {
    printf("%s: null\n", what);
  } else if (wasmtime_anyref_i31_get_u(cx, &v->of.anyref, &u) &&
             wasmtime_anyref_i31_get_s(cx, &v->of.anyref, &s)) {
    printf("%s: i31 %u (signed %d)\n", what, u, s);
  } else {
    printf("%s: an anyref that is not an i31\n", what);
  }
}

static void compile_fails(wasm_engine_t *engine, const char *what,
                          const char *wat) {
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *error = try_compile_text(engine, wat, &module);
  if (error == NULL) {
    printf("%s: compiled\n", what);
    wasmtime_module_delete(module);
  } else {
    print_error(what, error);
  }
}

int main(void) {
  /* GC is off by default, as in Wasmtime 23. */
  wasm_engine_t *plain = wasm_engine_new();
  compile_fails(plain, "anyref without GC", "(module (global anyref (ref.null any)))");
  wasm_engine_delete(plain);

  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_function_references_set(config, true);
  wasmtime_config_wasm_gc_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);

  /* An i31 made by the host keeps the low 31 bits. */
  wasmtime_anyref_t host_i31;
  wasmtime_anyref_from_i31(cx, 0xfffffffb, &host_i31);
  wasmtime_val_t v = anyref_val(host_i31);
  print_i31("host i31 of 0xfffffffb", cx, &v);
  wasmtime_val_t r = call1(cx, &instance, "describe", v);
  printf("describe(host i31) = %d\n", r.of.i32);

  /* Through the table and the global. */
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, &instance, "table", 5, &item))
    return 1;
  wasmtime_table_t table = item.of.table;
  wasmtime_anyref_t seven;
  wasmtime_anyref_from_i31(cx, 7, &seven);
  wasmtime_val_t seven_val = anyref_val(seven);
  if ((error = wasmtime_table_set(cx, &table, 0, &seven_val)) != NULL)
    exit_with_error("table_set", error, NULL);
  wasmtime_val_t got;
  if (!wasmtime_table_get(cx, &table, 0, &got))
    return 1;
  print_i31("table[0]", cx, &got);
  wasmtime_val_unroot(cx, &got);
  if (!wasmtime_table_get(cx, &table, 1, &got))
    return 1;
  print_i31("table[1]", cx, &got);

  if (!wasmtime_instance_export_get(cx, &instance, "global", 6, &item))
    return 1;
  wasmtime_global_t global = item.of.global;
  if ((error = wasmtime_global_set(cx, &global, &v)) != NULL)
    exit_with_error("global_set", error, NULL);
  wasmtime_global_get(cx, &global, &got);
  print_i31("global", cx, &got);
  wasmtime_val_unroot(cx, &got);

  wasmtime_func_t sum = get_func(cx, &instance, "table_sum");
  if ((error = wasmtime_func_call(cx, &sum, NULL, 0, &r, 1, &trap)) != NULL || trap != NULL)
    exit_with_error("table_sum", error, trap);
  printf("table[0] + global = %d\n", r.of.i32);

  /* An i31 made by wasm, compared by value with ref.eq. */
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 42};
  wasmtime_val_t made = call1(cx, &instance, "make_i31", arg);
  print_i31("make_i31(42)", cx, &made);
  wasmtime_anyref_t other;
  wasmtime_anyref_from_i31(cx, 42, &other);
  wasmtime_val_t pair[2] = {made, anyref_val(other)};
  wasmtime_func_t eq = get_func(cx, &instance, "eq");
  if ((error = wasmtime_func_call(cx, &eq, pair, 2, &r, 1, &trap)) != NULL || trap != NULL)
    exit_with_error("eq", error, trap);
  printf("eq(make_i31(42), host i31 42) = %d\n", r.of.i32);

  /* The raw form used by unchecked calls round-trips. */
  uint32_t raw = wasmtime_anyref_to_raw(cx, &made.of.anyref);
  wasmtime_anyref_t back;
  wasmtime_anyref_from_raw(cx, raw, &back);
  wasmtime_val_t back_val = anyref_val(back);
  print_i31("from_raw(to_raw(make_i31(42)))", cx, &back_val);
  wasmtime_anyref_t copy;
  wasmtime_anyref_clone(cx, &back, &copy);
  wasmtime_anyref_unroot(cx, &back);
  wasmtime_val_t copy_val = anyref_val(copy);
  print_i31("clone", cx, &copy_val);
  wasmtime_anyref_unroot(cx, &copy);

  /* An externref internalized is an anyref that is not an i31; externalized
     again it is the same host object. */
  static char hello[] = "hello";
  wasmtime_val_t ext = {.kind = WASMTIME_EXTERNREF};
  if (!wasmtime_externref_new(cx, hello, NULL, &ext.of.externref))
    return 1;
  wasmtime_val_t inner = call1(cx, &instance, "internalize", ext);
  print_i31("internalize(externref)", cx, &inner);
  r = call1(cx, &instance, "describe", inner);
  printf("describe(internalized) = %d\n", r.of.i32);
  wasmtime_val_t outer = call1(cx, &instance, "externalize", inner);
  printf("externalize(internalize(x)) carries \"%s\"\n",
         (char *)wasmtime_externref_data(cx, &outer.of.externref));
  wasmtime_val_t null_any = {.kind = WASMTIME_ANYREF};
  wasmtime_anyref_set_null(&null_any.of.anyref);
  r = call1(cx, &instance, "describe", null_any);
  printf("describe(null) = %d\n", r.of.i32);

  /* A failed cast traps. */
  wasmtime_func_t to_i31 = get_func(cx, &instance, "to_i31");
  error = wasmtime_func_call(cx, &to_i31, &inner, 1, &r, 1, &trap);
  if (error != NULL)
    exit_with_error("to_i31", error, NULL);
  if (trap != NULL)
    print_trap("to_i31(internalized)", trap);

  /* Struct and array types need a GC heap, which wasmaot does not have. */
  compile_fails(engine, "a struct type",
                "(module (type (struct (field i32))))");
  compile_fails(engine, "array.len",
                "(module (func (result i32) (array.len (ref.null array))))");

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
