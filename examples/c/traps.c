/* traps: every kind of trap, a trap raised by a host function, trap
 * backtraces with names, and the errors a host gets for bad calls (wrong
 * argument count or types, NULL, a wrong-kind extern, a foreign store). */
#include "example.h"

static const char *WAT =
    "(module $traps\n"
    "  (import \"host\" \"fail\" (func $fail))\n"
    "  (type $v (func))\n"
    "  (type $i (func (result i32)))\n"
    "  (memory 1)\n"
    "  (table 2 funcref)\n"
    "  (elem (i32.const 0) $unreachable)\n"
    "  (func $unreachable (export \"unreachable\") unreachable)\n"
    "  (func (export \"div_by_zero\") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))\n"
    "  (func (export \"overflow\") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))\n"
    "  (func (export \"bad_conversion\") (result i32) (i32.trunc_f32_s (f32.const nan)))\n"
    "  (func (export \"out_of_bounds\") (result i32) (i32.load (i32.const 0x10000)))\n"
    "  (func (export \"table_out_of_bounds\") (call_indirect (type $v) (i32.const 5)))\n"
    "  (func (export \"null_call\") (call_indirect (type $v) (i32.const 1)))\n"
    "  (func (export \"bad_signature\") (result i32) (call_indirect (type $i) (i32.const 0)))\n"
    "  (func $recurse (export \"stack_overflow\") (call $recurse))\n"
    "  (func $inner (call $fail))\n"
    "  (func (export \"host_trap\") (call $inner))\n"
    "  (func (export \"add\") (param i32 i64) (result i64)\n"
    "    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))))\n";

static wasm_trap_t *fail(void *env, wasmtime_caller_t *caller,
                         const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)args;
  (void)nargs;
  (void)results;
  (void)nresults;
  return wasmtime_trap_new("the host says no", 16);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);

  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasmtime_func_t host;
  wasmtime_func_new(cx, ty, fail, NULL, NULL, &host);
  wasm_functype_delete(ty);
  wasmtime_extern_t import = {.kind = WASMTIME_EXTERN_FUNC, .of.func = host};
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, &import, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);

  const char *names[] = {"unreachable",   "div_by_zero",         "overflow",
                         "bad_conversion", "out_of_bounds",      "table_out_of_bounds",
                         "null_call",     "bad_signature",       "stack_overflow",
                         "host_trap"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    wasmtime_func_t f = get_func(cx, &instance, names[i]);
    wasm_functype_t *fty = wasmtime_func_type(cx, &f);
    size_t nresults = wasm_functype_results(fty)->size;
    wasm_functype_delete(fty);
    wasmtime_val_t result;
    error = wasmtime_func_call(cx, &f, NULL, 0, &result, nresults, &trap);
    if (error != NULL)
      exit_with_error(names[i], error, NULL);
    if (trap == NULL) {
      printf("%s: no trap?\n", names[i]);
      continue;
    }
    if (strcmp(names[i], "host_trap") == 0) {
      wasm_frame_vec_t frames;
      wasm_trap_trace(trap, &frames);
      for (size_t j = 0; j < frames.size; j++) {
        const wasm_name_t *fn = wasmtime_frame_func_name(frames.data[j]);
        const wasm_name_t *mn = wasmtime_frame_module_name(frames.data[j]);
        printf("  frame %zu: %.*s!%.*s (func %u)\n", j, mn ? (int)mn->size : 0,
               mn ? mn->data : "", fn ? (int)fn->size : 0, fn ? fn->data : "",
               wasm_frame_func_index(frames.data[j]));
      }
      wasm_frame_vec_delete(&frames);
      wasm_frame_t *origin = wasm_trap_origin(trap);
      if (origin != NULL) {
        printf("  origin: func %u\n", wasm_frame_func_index(origin));
        wasm_frame_delete(origin);
      }
    }
    print_trap(names[i], trap);
  }

  /* The store stays usable after traps. */
  wasmtime_func_t add = get_func(cx, &instance, "add");
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 40},
                            {.kind = WASMTIME_I64, .of.i64 = 2}};
  wasmtime_val_t result;
  error = wasmtime_func_call(cx, &add, args, 2, &result, 1, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("add", error, trap);
  printf("add(40, 2) = %lld after all those traps\n", (long long)result.of.i64);

  /* Errors, not traps, for bad calls. */
  error = wasmtime_func_call(cx, &add, args, 1, &result, 1, &trap);
  print_error("add with 1 argument", error);
  error = wasmtime_func_call(cx, &add, args, 2, &result, 0, &trap);
  print_error("add with room for 0 results", error);
  wasmtime_val_t swapped[2] = {args[1], args[0]};
  error = wasmtime_func_call(cx, &add, swapped, 2, &result, 1, &trap);
  print_error("add(i64, i32)", error);
  error = wasmtime_func_call(cx, &add, NULL, 2, &result, 1, &trap);
  print_error("add with NULL arguments", error);
  error = wasmtime_func_call(NULL, &add, args, 2, &result, 1, &trap);
  print_error("call with a NULL context", error);

  wasmtime_store_t *other = wasmtime_store_new(engine, NULL, NULL);
  error = wasmtime_func_call(wasmtime_store_context(other), &add, args, 2,
                             &result, 1, &trap);
  print_error("call in another store", error);
  wasmtime_store_delete(other);

  wasm_globaltype_t *gty =
      wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasmtime_val_t zero = {.kind = WASMTIME_I32, .of.i32 = 0};
  wasmtime_global_t global;
  error = wasmtime_global_new(cx, gty, &zero, &global);
  wasm_globaltype_delete(gty);
  if (error != NULL)
    exit_with_error("global_new", error, NULL);
  wasmtime_extern_t wrong = {.kind = WASMTIME_EXTERN_GLOBAL,
                             .of.global = global};
  error = wasmtime_instance_new(cx, module, &wrong, 1, &instance, &trap);
  print_error("instantiate with a wrong-kind import", error);
  error = wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  print_error("instantiate without imports", error);

  wasm_functype_t *wrong_ty = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasmtime_func_t wrong_fn;
  wasmtime_func_new(cx, wrong_ty, fail, NULL, NULL, &wrong_fn);
  wasm_functype_delete(wrong_ty);
  wasmtime_extern_t wrong_import = {.kind = WASMTIME_EXTERN_FUNC,
                                    .of.func = wrong_fn};
  error = wasmtime_instance_new(cx, module, &wrong_import, 1, &instance, &trap);
  print_error("instantiate with a wrong function type", error);

  wasm_trap_t *made = wasmtime_trap_new("made by the host", 16);
  wasmtime_trap_code_t code;
  printf("a host-made trap has a code: %d\n", (int)wasmtime_trap_code(made, &code));
  print_trap("host-made", made);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
