/* api_coverage: calls every function of the v23 C API that is not async or
 * guest profiler at least once and checks its effect, including
 * the error paths (NULL arguments, wrong kinds, wrong types, wrong stores).
 * Prints "ok" at the end; any failed check prints its line and exits 1.
 * tests/tests/capi.rs checks that every such function is named here. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasmaot.h>
#include <wasmtime.h>

static int failures;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* Consumes an error; checks it exists and its message contains `part`. */
static void expect_error(wasmtime_error_t *e, const char *part, int line) {
  if (e == NULL) {
    fprintf(stderr, "line %d: expected an error containing \"%s\"\n", line, part);
    failures++;
    return;
  }
  wasm_byte_vec_t msg;
  wasmtime_error_message(e, &msg);
  char *s = strndup(msg.data, msg.size);
  if (strstr(s, part) == NULL) {
    fprintf(stderr, "line %d: error \"%s\" lacks \"%s\"\n", line, s, part);
    failures++;
  }
  free(s);
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(e);
}
#define EXPECT_ERROR(e, part) expect_error((e), (part), __LINE__)
#define EXPECT_OK(e)                                                           \
  do {                                                                         \
    wasmtime_error_t *e_ = (e);                                                \
    if (e_ != NULL) {                                                          \
      wasm_byte_vec_t m_;                                                      \
      wasmtime_error_message(e_, &m_);                                         \
      fprintf(stderr, "%s:%d: unexpected error: %.*s\n", __FILE__, __LINE__,  \
              (int)m_.size, m_.data);                                          \
      wasm_byte_vec_delete(&m_);                                               \
      wasmtime_error_delete(e_);                                               \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static int finalized;
static void finalizer(void *p) {
  (void)p;
  finalized++;
}

static wasm_byte_vec_t wat(const char *text) {
  wasm_byte_vec_t out;
  EXPECT_OK(wasmtime_wat2wasm(text, strlen(text), &out));
  return out;
}

static wasmtime_module_t *module_of(wasm_engine_t *engine, const char *text) {
  wasm_byte_vec_t bin = wat(text);
  wasmtime_module_t *m = NULL;
  EXPECT_OK(wasmtime_module_new(engine, (const uint8_t *)bin.data, bin.size, &m));
  wasm_byte_vec_delete(&bin);
  return m;
}

/* ------------------------------------------------------------------------ */
/* Vectors and type objects                                                 */
/* ------------------------------------------------------------------------ */

static void types(void) {
  wasm_byte_vec_t b, b2;
  wasm_byte_vec_new_empty(&b);
  CHECK(b.size == 0);
  wasm_byte_vec_delete(&b);
  wasm_byte_vec_new_uninitialized(&b, 3);
  CHECK(b.size == 3);
  memcpy(b.data, "abc", 3);
  wasm_byte_vec_copy(&b2, &b);
  CHECK(b2.size == 3 && memcmp(b2.data, "abc", 3) == 0);
  wasm_byte_vec_delete(&b);
  wasm_byte_vec_delete(&b2);
  wasm_byte_vec_new(&b, 2, "xy");
  CHECK(b.size == 2 && b.data[1] == 'y');
  wasm_byte_vec_delete(&b);

  CHECK(wasm_valkind_is_num(WASM_I64) && !wasm_valkind_is_num(WASM_FUNCREF));
  CHECK(wasm_valkind_is_ref(WASM_EXTERNREF) && !wasm_valkind_is_ref(WASM_F32));
  wasm_valtype_t *vt = wasm_valtype_new(WASM_F64);
  CHECK(wasm_valtype_kind(vt) == WASM_F64);
  wasm_valtype_t *vt2 = wasm_valtype_copy(vt);
  CHECK(wasm_valtype_kind(vt2) == WASM_F64);
  wasm_valtype_delete(vt2);
  CHECK(wasm_valtype_new(77) == NULL);

  wasm_valtype_vec_t vv, vv2;
  wasm_valtype_vec_new_empty(&vv);
  CHECK(vv.size == 0);
  wasm_valtype_vec_delete(&vv);
  wasm_valtype_vec_new_uninitialized(&vv, 2);
  CHECK(vv.size == 2 && vv.data[0] == NULL);
  vv.data[0] = wasm_valtype_new(WASM_I32);
  vv.data[1] = wasm_valtype_new(WASM_I64);
  wasm_valtype_vec_copy(&vv2, &vv);
  CHECK(vv2.size == 2 && wasm_valtype_kind(vv2.data[1]) == WASM_I64);
  wasm_valtype_vec_delete(&vv2);
  wasm_valtype_t *one[1] = {vt};
  wasm_valtype_vec_t results;
  wasm_valtype_vec_new(&results, 1, one);
  wasm_functype_t *ft = wasm_functype_new(&vv, &results);
  CHECK(wasm_functype_params(ft)->size == 2);
  CHECK(wasm_functype_results(ft)->size == 1);
  CHECK(wasm_valtype_kind(wasm_functype_results(ft)->data[0]) == WASM_F64);
  wasm_functype_t *ft2 = wasm_functype_copy(ft);
  CHECK(wasm_functype_params(ft2)->size == 2);

  wasm_externtype_t *et = wasm_functype_as_externtype(ft);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_as_functype(et) == ft);
  CHECK(wasm_externtype_as_globaltype(et) == NULL);
  CHECK(wasm_externtype_as_functype_const(wasm_functype_as_externtype_const(ft)) == ft);
  wasm_externtype_t *et2 = wasm_externtype_copy(et);
  CHECK(wasm_externtype_kind(et2) == WASM_EXTERN_FUNC);

  wasm_functype_vec_t fv, fv2;
  wasm_functype_vec_new_empty(&fv);
  wasm_functype_vec_delete(&fv);
  wasm_functype_vec_new_uninitialized(&fv, 1);
  fv.data[0] = ft2;
  wasm_functype_vec_copy(&fv2, &fv);
  CHECK(fv2.size == 1 && fv2.data[0] != ft2);
  wasm_functype_vec_delete(&fv2);
  wasm_functype_vec_delete(&fv);
  wasm_functype_t *fts[1] = {wasm_functype_new_0_0()};
  wasm_functype_vec_new(&fv, 1, fts);
  wasm_functype_vec_delete(&fv);

  wasm_globaltype_t *gt = wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_I32);
  CHECK(wasm_globaltype_mutability(gt) == WASM_VAR);
  wasm_globaltype_t *gt2 = wasm_globaltype_copy(gt);
  CHECK(wasm_globaltype_mutability(gt2) == WASM_VAR);
  CHECK(wasm_externtype_kind(wasm_globaltype_as_externtype(gt)) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_as_globaltype(wasm_globaltype_as_externtype(gt)) == gt);
  CHECK(wasm_externtype_as_globaltype_const(wasm_globaltype_as_externtype_const(gt)) == gt);
  wasm_globaltype_vec_t gv, gv2;
  wasm_globaltype_vec_new_empty(&gv);
  wasm_globaltype_vec_delete(&gv);
  wasm_globaltype_vec_new_uninitialized(&gv, 0);
  wasm_globaltype_vec_delete(&gv);
  wasm_globaltype_t *gts[1] = {gt2};
  wasm_globaltype_vec_new(&gv, 1, gts);
  wasm_globaltype_vec_copy(&gv2, &gv);
  CHECK(gv2.size == 1);
  wasm_globaltype_vec_delete(&gv);
  wasm_globaltype_vec_delete(&gv2);

  wasm_limits_t lim = {1, 10};
  wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &lim);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF);
  CHECK(wasm_tabletype_limits(tt)->min == 1 && wasm_tabletype_limits(tt)->max == 10);
  CHECK(wasm_tabletype_new(wasm_valtype_new(WASM_I32), &lim) == NULL);
  wasm_tabletype_t *tt2 = wasm_tabletype_copy(tt);
  CHECK(wasm_externtype_kind(wasm_tabletype_as_externtype(tt2)) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_as_tabletype(wasm_tabletype_as_externtype(tt)) == tt);
  CHECK(wasm_externtype_as_tabletype_const(wasm_tabletype_as_externtype_const(tt)) == tt);
  wasm_tabletype_vec_t tv, tv2;
  wasm_tabletype_vec_new_empty(&tv);
  wasm_tabletype_vec_delete(&tv);
  wasm_tabletype_vec_new_uninitialized(&tv, 1);
  tv.data[0] = tt2;
  wasm_tabletype_vec_copy(&tv2, &tv);
  wasm_tabletype_vec_delete(&tv);
  wasm_tabletype_t *tts[1] = {wasm_tabletype_copy(tt)};
  wasm_tabletype_vec_new(&tv, 1, tts);
  wasm_tabletype_vec_delete(&tv);
  wasm_tabletype_vec_delete(&tv2);

  wasm_limits_t mlim = {2, wasm_limits_max_default};
  wasm_memorytype_t *mt = wasm_memorytype_new(&mlim);
  CHECK(wasm_memorytype_limits(mt)->min == 2);
  CHECK(wasm_memorytype_limits(mt)->max == wasm_limits_max_default);
  uint64_t max;
  CHECK(!wasmtime_memorytype_maximum(mt, &max));
  CHECK(wasmtime_memorytype_minimum(mt) == 2);
  CHECK(!wasmtime_memorytype_is64(mt) && !wasmtime_memorytype_isshared(mt));
  wasm_memorytype_t *mt64 = wasmtime_memorytype_new(1, true, 5, true);
  CHECK(wasmtime_memorytype_is64(mt64) && wasmtime_memorytype_maximum(mt64, &max) && max == 5);
  wasm_memorytype_t *mt2 = wasm_memorytype_copy(mt64);
  CHECK(wasmtime_memorytype_is64(mt2));
  CHECK(wasm_externtype_kind(wasm_memorytype_as_externtype(mt)) == WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_memorytype(wasm_memorytype_as_externtype(mt)) == mt);
  CHECK(wasm_externtype_as_memorytype_const(wasm_memorytype_as_externtype_const(mt)) == mt);
  CHECK(wasm_externtype_as_tabletype(wasm_memorytype_as_externtype(mt)) == NULL);
  wasm_memorytype_vec_t mv, mv2;
  wasm_memorytype_vec_new_empty(&mv);
  wasm_memorytype_vec_delete(&mv);
  wasm_memorytype_vec_new_uninitialized(&mv, 1);
  mv.data[0] = mt2;
  wasm_memorytype_vec_copy(&mv2, &mv);
  wasm_memorytype_vec_delete(&mv);
  wasm_memorytype_t *mts[1] = {mt64};
  wasm_memorytype_vec_new(&mv, 1, mts);
  wasm_memorytype_vec_delete(&mv);
  wasm_memorytype_vec_delete(&mv2);

  wasm_externtype_vec_t ev, ev2;
  wasm_externtype_vec_new_empty(&ev);
  wasm_externtype_vec_delete(&ev);
  wasm_externtype_vec_new_uninitialized(&ev, 1);
  ev.data[0] = et2;
  wasm_externtype_vec_copy(&ev2, &ev);
  CHECK(wasm_externtype_kind(ev2.data[0]) == WASM_EXTERN_FUNC);
  wasm_externtype_vec_delete(&ev);
  wasm_externtype_t *ets[1] = {wasm_externtype_copy(wasm_memorytype_as_externtype(mt))};
  wasm_externtype_vec_new(&ev, 1, ets);
  wasm_externtype_vec_delete(&ev);
  wasm_externtype_vec_delete(&ev2);

  wasm_name_t mod, name;
  wasm_name_new_from_string(&mod, "m");
  wasm_name_new_from_string(&name, "n");
  wasm_importtype_t *it = wasm_importtype_new(&mod, &name, wasm_externtype_copy(wasm_globaltype_as_externtype(gt)));
  CHECK(wasm_importtype_module(it)->size == 1 && wasm_importtype_module(it)->data[0] == 'm');
  CHECK(wasm_importtype_name(it)->data[0] == 'n');
  CHECK(wasm_externtype_kind(wasm_importtype_type(it)) == WASM_EXTERN_GLOBAL);
  wasm_importtype_t *it2 = wasm_importtype_copy(it);
  CHECK(wasm_importtype_name(it2)->data[0] == 'n');
  wasm_importtype_vec_t iv, iv2;
  wasm_importtype_vec_new_empty(&iv);
  wasm_importtype_vec_delete(&iv);
  wasm_importtype_vec_new_uninitialized(&iv, 1);
  iv.data[0] = it2;
  wasm_importtype_vec_copy(&iv2, &iv);
  wasm_importtype_vec_delete(&iv);
  wasm_importtype_t *its[1] = {it};
  wasm_importtype_vec_new(&iv, 1, its);
  wasm_importtype_vec_delete(&iv);
  wasm_importtype_vec_delete(&iv2);

  wasm_name_new_from_string(&name, "e");
  wasm_exporttype_t *xt = wasm_exporttype_new(&name, wasm_externtype_copy(wasm_tabletype_as_externtype(tt)));
  CHECK(wasm_exporttype_name(xt)->data[0] == 'e');
  CHECK(wasm_externtype_kind(wasm_exporttype_type(xt)) == WASM_EXTERN_TABLE);
  wasm_exporttype_t *xt2 = wasm_exporttype_copy(xt);
  wasm_exporttype_vec_t xv, xv2;
  wasm_exporttype_vec_new_empty(&xv);
  wasm_exporttype_vec_delete(&xv);
  wasm_exporttype_vec_new_uninitialized(&xv, 1);
  xv.data[0] = xt2;
  wasm_exporttype_vec_copy(&xv2, &xv);
  wasm_exporttype_vec_delete(&xv);
  wasm_exporttype_t *xts[1] = {xt};
  wasm_exporttype_vec_new(&xv, 1, xts);
  wasm_exporttype_vec_delete(&xv);
  wasm_exporttype_vec_delete(&xv2);
  wasm_name_new_from_string(&name, "d");
  wasm_exporttype_t *xt3 = wasm_exporttype_new(&name, wasm_externtype_copy(wasm_memorytype_as_externtype(mt)));
  CHECK(wasm_externtype_kind(wasm_exporttype_type(xt3)) == WASM_EXTERN_MEMORY);
  wasm_exporttype_delete(xt3);
  wasm_name_new_from_string(&mod, "m");
  wasm_name_new_from_string(&name, "i");
  wasm_importtype_t *it3 = wasm_importtype_new(&mod, &name, wasm_externtype_copy(wasm_memorytype_as_externtype(mt)));
  CHECK(wasm_importtype_name(it3)->data[0] == 'i');
  wasm_importtype_delete(it3);

  wasm_functype_delete(ft);
  wasm_globaltype_delete(gt);
  wasm_tabletype_delete(tt);
  wasm_memorytype_delete(mt);
  /* NULL is never dereferenced. */
  wasm_valtype_delete(NULL);
  wasm_functype_delete(NULL);
  CHECK(wasm_functype_params(NULL)->size == 0);
  CHECK(wasm_valtype_copy(NULL) == NULL);

  /* Internal errors (here: a type object of the wrong kind) are caught inside
   * the library: the function returns its default, nothing crashes. */
  wasm_globaltype_t *gtx = wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_CONST);
  CHECK(wasm_functype_params((const wasm_functype_t *)gtx)->size == 0);
  CHECK(wasm_tabletype_limits((const wasm_tabletype_t *)gtx) == NULL);
  CHECK(wasm_memorytype_limits((const wasm_memorytype_t *)gtx) == NULL);
  wasm_globaltype_delete(gtx);
}

/* ------------------------------------------------------------------------ */
/* Config, engine, errors                                                   */
/* ------------------------------------------------------------------------ */

static wasmtime_error_t *new_mem(void *env, const wasm_memorytype_t *ty,
                                 size_t min, size_t max, size_t reserved,
                                 size_t guard, wasmtime_linear_memory_t *ret) {
  (void)env; (void)ty; (void)min; (void)max; (void)reserved; (void)guard;
  (void)ret;
  return wasmtime_error_new("unused");
}

static void config(void) {
  wasm_config_t *c = wasm_config_new();
  CHECK(c != NULL);
  wasmtime_config_debug_info_set(c, false);
  wasmtime_config_consume_fuel_set(c, false);
  wasmtime_config_epoch_interruption_set(c, false);
  wasmtime_config_max_wasm_stack_set(c, 512 * 1024);
  wasmtime_config_wasm_threads_set(c, false);
  wasmtime_config_wasm_tail_call_set(c, true);
  wasmtime_config_wasm_reference_types_set(c, true);
  wasmtime_config_wasm_function_references_set(c, false);
  wasmtime_config_wasm_gc_set(c, false);
  wasmtime_config_wasm_simd_set(c, true);
  wasmtime_config_wasm_relaxed_simd_set(c, true);
  wasmtime_config_wasm_relaxed_simd_deterministic_set(c, false);
  wasmtime_config_wasm_bulk_memory_set(c, true);
  wasmtime_config_wasm_multi_value_set(c, true);
  wasmtime_config_wasm_multi_memory_set(c, true);
  wasmtime_config_wasm_memory64_set(c, false);
  wasmtime_config_strategy_set(c, WASMTIME_STRATEGY_CRANELIFT);
  wasmtime_config_parallel_compilation_set(c, false);
  wasmtime_config_cranelift_debug_verifier_set(c, false);
  wasmtime_config_cranelift_nan_canonicalization_set(c, false);
  wasmtime_config_cranelift_opt_level_set(c, WASMTIME_OPT_LEVEL_SPEED_AND_SIZE);
  wasmtime_config_profiler_set(c, WASMTIME_PROFILING_STRATEGY_NONE);
  wasmtime_config_static_memory_forced_set(c, false);
  wasmtime_config_static_memory_maximum_size_set(c, 4ull << 30);
  wasmtime_config_static_memory_guard_size_set(c, 2ull << 30);
  wasmtime_config_dynamic_memory_guard_size_set(c, 65536);
  wasmtime_config_dynamic_memory_reserved_for_growth_set(c, 0);
  wasmtime_config_native_unwind_info_set(c, true);
  wasmtime_config_macos_use_mach_ports_set(c, true);
  wasmtime_config_memory_init_cow_set(c, true);
  wasmtime_config_cranelift_flag_enable(c, "enable_verifier");
  wasmtime_config_cranelift_flag_set(c, "opt_level", "speed");
  EXPECT_ERROR(wasmtime_config_cache_config_load(c, NULL), "cache");
  EXPECT_ERROR(wasmtime_config_target_set(c, "nonsense"), "target");
  EXPECT_OK(wasmtime_config_target_set(c, "x86_64-unknown-linux-gnu"));
  wasmtime_memory_creator_t mc = {NULL, new_mem, finalizer};
  int before = finalized;
  wasmtime_config_host_memory_creator_set(c, &mc);
  wasm_engine_t *e = wasm_engine_new_with_config(c);
  CHECK(e != NULL);
  CHECK(finalized == before + 1); /* the config (and its creator) is consumed */
  /* The engine compiles with these settings. */
  wasmtime_module_t *m = module_of(e, "(module (func (export \"f\") (result i32) (i32.const 1)))");
  CHECK(m != NULL);
  wasmtime_module_delete(m);
  wasmtime_engine_increment_epoch(e);
  wasm_engine_delete(e);

  /* GC is off by default, as in Wasmtime 23: an anyref global needs it. */
  const char *any_global = "(module (global anyref (ref.null any)))";
  wasm_byte_vec_t bin = wat(any_global);
  wasmtime_module_t *none = NULL;
  e = wasm_engine_new();
  EXPECT_ERROR(wasmtime_module_new(e, (const uint8_t *)bin.data, bin.size, &none), "gc");
  wasm_engine_delete(e);
  c = wasm_config_new();
  wasmtime_config_wasm_gc_set(c, true);
  e = wasm_engine_new_with_config(c);
  EXPECT_OK(wasmtime_module_new(e, (const uint8_t *)bin.data, bin.size, &none));
  wasmtime_module_delete(none);
  wasm_byte_vec_delete(&bin);
  /* Struct and array types are refused with the byte offset. */
  bin = wat("(module (type (struct)))");
  EXPECT_ERROR(wasmtime_module_new(e, (const uint8_t *)bin.data, bin.size, &none), "struct/array type at byte offset");
  wasm_byte_vec_delete(&bin);
  wasm_engine_delete(e);
  wasm_config_delete(wasm_config_new());

  /* memory64 is off by default, as in Wasmtime 23; switched on, a 64-bit memory
     compiles, runs, traps beyond its length, and grows beyond 4 GiB. */
  const char *mem64 =
      "(module (memory (export \"m\") i64 1)"
      " (func (export \"size\") (result i64) (memory.size))"
      " (func (export \"load\") (param i64) (result i32) (i32.load (local.get 0))))";
  e = wasm_engine_new();
  bin = wat(mem64);
  EXPECT_ERROR(wasmtime_module_new(e, (const uint8_t *)bin.data, bin.size, &none), "memory64");
  wasm_engine_delete(e);
  c = wasm_config_new();
  wasmtime_config_wasm_memory64_set(c, true);
  e = wasm_engine_new_with_config(c);
  EXPECT_OK(wasmtime_module_new(e, (const uint8_t *)bin.data, bin.size, &none));
  wasm_byte_vec_delete(&bin);
  wasmtime_store_t *s64 = wasmtime_store_new(e, NULL, NULL);
  wasmtime_context_t *cx64 = wasmtime_store_context(s64);
  wasmtime_instance_t i64inst;
  wasm_trap_t *trap = NULL;
  EXPECT_OK(wasmtime_instance_new(cx64, none, NULL, 0, &i64inst, &trap));
  CHECK(trap == NULL);
  wasmtime_extern_t item;
  CHECK(wasmtime_instance_export_get(cx64, &i64inst, "m", 1, &item));
  CHECK(item.kind == WASMTIME_EXTERN_MEMORY);
  wasm_memorytype_t *mt = wasmtime_memory_type(cx64, &item.of.memory);
  CHECK(wasmtime_memorytype_is64(mt));
  wasm_memorytype_delete(mt);
  wasmtime_val_t arg, result;
  CHECK(wasmtime_instance_export_get(cx64, &i64inst, "size", 4, &item));
  EXPECT_OK(wasmtime_func_call(cx64, &item.of.func, NULL, 0, &result, 1, &trap));
  CHECK(trap == NULL && result.kind == WASMTIME_I64 && result.of.i64 == 1);
  CHECK(wasmtime_instance_export_get(cx64, &i64inst, "load", 4, &item));
  arg.kind = WASMTIME_I64;
  arg.of.i64 = 65532;
  EXPECT_OK(wasmtime_func_call(cx64, &item.of.func, &arg, 1, &result, 1, &trap));
  CHECK(trap == NULL && result.of.i32 == 0);
  arg.of.i64 = (int64_t)1 << 40;
  EXPECT_OK(wasmtime_func_call(cx64, &item.of.func, &arg, 1, &result, 1, &trap));
  wasmtime_trap_code_t code;
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS);
  wasm_trap_delete(trap);
  /* It grows beyond 4 GiB: the host writes there and wasm reads it. */
  wasmtime_extern_t m64;
  CHECK(wasmtime_instance_export_get(cx64, &i64inst, "m", 1, &m64));
  uint64_t prev = 0;
  EXPECT_OK(wasmtime_memory_grow(cx64, &m64.of.memory, 65536, &prev));
  CHECK(prev == 1 && wasmtime_memory_size(cx64, &m64.of.memory) == 65537);
  CHECK(wasmtime_memory_data_size(cx64, &m64.of.memory) == (size_t)65537 * 65536);
  wasmtime_memory_data(cx64, &m64.of.memory)[((size_t)1 << 32) + 4] = 42;
  arg.of.i64 = ((int64_t)1 << 32) + 4;
  EXPECT_OK(wasmtime_func_call(cx64, &item.of.func, &arg, 1, &result, 1, &trap));
  CHECK(trap == NULL && result.of.i32 == 42);
  arg.of.i64 = (int64_t)65537 * 65536 - 2;
  EXPECT_OK(wasmtime_func_call(cx64, &item.of.func, &arg, 1, &result, 1, &trap));
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS);
  wasm_trap_delete(trap);
  wasmtime_store_delete(s64);
  wasmtime_module_delete(none);
  none = NULL;
  wasm_engine_delete(e);

  wasmtime_error_t *err = wasmtime_error_new("custom message");
  int status = -1;
  CHECK(!wasmtime_error_exit_status(err, &status) && status == -1);
  wasm_frame_vec_t frames;
  wasmtime_error_wasm_trace(err, &frames);
  CHECK(frames.size == 0);
  wasm_frame_vec_delete(&frames);
  EXPECT_ERROR(err, "custom message");
}

/* ------------------------------------------------------------------------ */
/* The wasmtime API: store, module, functions, externs, instances, linker   */
/* ------------------------------------------------------------------------ */

static const char *MAIN_WAT =
    "(module $main\n"
    "  (import \"host\" \"f\" (func $hf (param i32) (result i32)))\n"
    "  (import \"host\" \"g\" (global $hg (mut i32)))\n"
    "  (import \"host\" \"t\" (table 1 funcref))\n"
    "  (import \"host\" \"m\" (memory 1))\n"
    "  (func $callf (export \"callf\") (param i32) (result i32) (call $hf (local.get 0)))\n"
    "  (func (export \"boom\") unreachable)\n"
    "  (func (export \"getg\") (result i32) (global.get $hg))\n"
    "  (func (export \"ext\") (param externref) (result externref) (local.get 0))\n"
    "  (func (export \"fref\") (param funcref) (result funcref) (local.get 0))\n"
    "  (func (export \"exit\") (call $hf (i32.const -7)) drop)\n"
    "  (global (export \"c\") i32 (i32.const 5))\n"
    "  (table (export \"tab\") 2 funcref)\n"
    "  (memory (export \"mem\") 1))\n";

static int host_calls;
static wasm_trap_t *host_f(void *env, wasmtime_caller_t *caller,
                           const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
  CHECK(env == (void *)&host_calls && nargs == 1 && nresults == 1);
  host_calls++;
  wasmtime_context_t *cx = wasmtime_caller_context(caller);
  CHECK(cx != NULL);
  wasmtime_extern_t item;
  CHECK(wasmtime_caller_export_get(caller, "mem", 3, &item) &&
        item.kind == WASMTIME_EXTERN_MEMORY);
  CHECK(!wasmtime_caller_export_get(caller, "nope", 4, &item));
  if (args[0].of.i32 == -7)
    return wasmtime_trap_new("host trap", 9);
  if (args[0].of.i32 == 100) {
    /* Re-entrancy: call back into the calling instance through the caller. */
    CHECK(wasmtime_caller_export_get(caller, "getg", 4, &item) &&
          item.kind == WASMTIME_EXTERN_FUNC);
    wasmtime_val_t g;
    wasm_trap_t *trap = NULL;
    EXPECT_OK(wasmtime_func_call(cx, &item.of.func, NULL, 0, &g, 1, &trap));
    CHECK(trap == NULL && g.kind == WASMTIME_I32);
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = g.of.i32 + 1000;
    return NULL;
  }
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[0].of.i32 + 1;
  return NULL;
}

static wasm_trap_t *host_raw(void *env, wasmtime_caller_t *caller,
                             wasmtime_val_raw_t *args, size_t n) {
  (void)env;
  (void)caller;
  CHECK(n == 1);
  args[0].i32 = args[0].i32 * 10;
  return NULL;
}

static wasmtime_error_t *deadline_cb(wasmtime_context_t *cx, void *data,
                                     uint64_t *delta,
                                     wasmtime_update_deadline_kind_t *kind) {
  (void)cx;
  (void)data;
  *delta = 1;
  *kind = WASMTIME_UPDATE_DEADLINE_CONTINUE;
  return NULL;
}

static void wasmtime_api(void) {
  wasm_engine_t *engine = wasm_engine_new();
  int data = 42;
  int before = finalized;
  wasmtime_store_t *store = wasmtime_store_new(engine, &data, finalizer);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  CHECK(wasmtime_context_get_data(cx) == &data);
  int other_data = 1;
  wasmtime_context_set_data(cx, &other_data);
  CHECK(wasmtime_context_get_data(cx) == &other_data);
  wasmtime_context_gc(cx);
  uint64_t fuel;
  EXPECT_ERROR(wasmtime_context_set_fuel(cx, 100), "fuel");
  EXPECT_ERROR(wasmtime_context_get_fuel(cx, &fuel), "fuel");
  wasmtime_context_set_epoch_deadline(cx, 10);
  wasmtime_store_epoch_deadline_callback(store, deadline_cb, NULL, finalizer);
  wasmtime_store_limiter(store, -1, -1, -1, -1, -1);

  /* Modules. */
  wasm_byte_vec_t bin = wat(MAIN_WAT);
  EXPECT_OK(wasmtime_module_validate(engine, (const uint8_t *)bin.data, bin.size));
  EXPECT_ERROR(wasmtime_module_validate(engine, (const uint8_t *)"\0asm\2\0\0\0", 8), "");
  wasmtime_module_t *module = NULL;
  EXPECT_OK(wasmtime_module_new(engine, (const uint8_t *)bin.data, bin.size, &module));
  wasm_byte_vec_delete(&bin);
  EXPECT_ERROR(wasmtime_module_new(NULL, NULL, 0, &module), "NULL");
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(module, &imports);
  CHECK(imports.size == 4);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasmtime_module_exports(module, &exports);
  CHECK(exports.size == 9);
  wasm_exporttype_vec_delete(&exports);
  wasmtime_module_t *clone = wasmtime_module_clone(module);
  void *start = NULL, *end = NULL;
  wasmtime_module_image_range(clone, &start, &end);
  CHECK(start != NULL && end > start);
  wasm_byte_vec_t art;
  EXPECT_OK(wasmtime_module_serialize(clone, &art));
  wasmtime_module_delete(clone);
  wasmtime_module_t *again = NULL;
  EXPECT_OK(wasmtime_module_deserialize(engine, (const uint8_t *)art.data, art.size, &again));
  char path[] = "/tmp/wasmaot-coverage-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, art.data, art.size) == (ssize_t)art.size);
  close(fd);
  wasmtime_module_t *mapped = NULL;
  EXPECT_OK(wasmtime_module_deserialize_file(engine, path, &mapped));
  unlink(path);
  EXPECT_ERROR(wasmtime_module_deserialize(engine, (const uint8_t *)art.data, 10, &again), "");
  /* wasmaot.h: an engine that does not check the artifact's CRC-32 accepts an
   * artifact whose checksum field was damaged; the default engine refuses it. */
  {
    size_t at = 0;
    while (at + 8 <= art.size && memcmp(art.data + at, "\0wasmaot", 8) != 0)
      at++;
    CHECK(at + 16 <= art.size);
    art.data[at + 12] ^= 0x5a; /* the checksum field of the metadata header */
    wasmtime_module_t *trusted = NULL;
    EXPECT_ERROR(wasmtime_module_deserialize(engine, (const uint8_t *)art.data, art.size,
                                             &trusted),
                 "checksum mismatch");
    wasm_config_t *trusting = wasm_config_new();
    wasmaot_config_artifact_checksum_set(trusting, false);
    wasm_engine_t *trusting_engine = wasm_engine_new_with_config(trusting);
    EXPECT_OK(wasmtime_module_deserialize(trusting_engine, (const uint8_t *)art.data,
                                          art.size, &trusted));
    CHECK(trusted != NULL);
    wasmtime_module_delete(trusted);
    wasm_engine_delete(trusting_engine);
  }
  wasm_byte_vec_delete(&art);
  wasmtime_module_delete(mapped);

  /* Host objects. */
  wasm_functype_t *fty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasmtime_func_t hf, hraw;
  wasmtime_func_new(cx, fty, host_f, &host_calls, finalizer, &hf);
  wasmtime_func_new_unchecked(cx, fty, host_raw, NULL, NULL, &hraw);
  wasm_functype_t *got = wasmtime_func_type(cx, &hf);
  CHECK(wasm_functype_params(got)->size == 1);
  wasm_functype_delete(got);
  wasm_functype_delete(fty);

  wasm_globaltype_t *gty = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
  wasmtime_val_t v = {.kind = WASMTIME_I32, .of.i32 = 11};
  wasmtime_global_t hg;
  EXPECT_OK(wasmtime_global_new(cx, gty, &v, &hg));
  wasmtime_val_t wrong = {.kind = WASMTIME_I64, .of.i64 = 1};
  wasmtime_global_t bad;
  EXPECT_ERROR(wasmtime_global_new(cx, gty, &wrong, &bad), "expected i32");
  wasm_globaltype_delete(gty);
  wasm_globaltype_t *gt2 = wasmtime_global_type(cx, &hg);
  CHECK(wasm_globaltype_mutability(gt2) == WASM_VAR);
  wasm_globaltype_delete(gt2);
  wasmtime_val_t out;
  wasmtime_global_get(cx, &hg, &out);
  CHECK(out.kind == WASMTIME_I32 && out.of.i32 == 11);
  v.of.i32 = 12;
  EXPECT_OK(wasmtime_global_set(cx, &hg, &v));
  EXPECT_ERROR(wasmtime_global_set(cx, &hg, &wrong), "expected i32");

  wasm_limits_t lim = {1, 4};
  wasm_tabletype_t *tty = wasm_tabletype_new(wasm_valtype_new_funcref(), &lim);
  wasmtime_val_t fval = {.kind = WASMTIME_FUNCREF, .of.funcref = hf};
  wasmtime_table_t ht;
  EXPECT_OK(wasmtime_table_new(cx, tty, &fval, &ht));
  wasm_tabletype_delete(tty);
  wasm_tabletype_t *tt2 = wasmtime_table_type(cx, &ht);
  CHECK(wasm_tabletype_limits(tt2)->max == 4);
  wasm_tabletype_delete(tt2);
  CHECK(wasmtime_table_size(cx, &ht) == 1);
  CHECK(wasmtime_table_get(cx, &ht, 0, &out) && out.kind == WASMTIME_FUNCREF &&
        !wasmtime_funcref_is_null(&out.of.funcref));
  CHECK(!wasmtime_table_get(cx, &ht, 9, &out));
  uint32_t prev32;
  wasmtime_val_t nullf = {.kind = WASMTIME_FUNCREF};
  wasmtime_funcref_set_null(&nullf.of.funcref);
  EXPECT_OK(wasmtime_table_grow(cx, &ht, 2, &nullf, &prev32));
  CHECK(prev32 == 1 && wasmtime_table_size(cx, &ht) == 3);
  EXPECT_ERROR(wasmtime_table_grow(cx, &ht, 5, &nullf, &prev32), "");
  EXPECT_OK(wasmtime_table_set(cx, &ht, 2, &fval));
  EXPECT_ERROR(wasmtime_table_set(cx, &ht, 10, &fval), "");
  EXPECT_ERROR(wasmtime_table_set(cx, &ht, 0, &v), "expected funcref");

  wasm_memorytype_t *mty = wasmtime_memorytype_new(1, true, 2, false);
  wasmtime_memory_t hm;
  EXPECT_OK(wasmtime_memory_new(cx, mty, &hm));
  wasm_memorytype_delete(mty);
  wasm_memorytype_t *mt2 = wasmtime_memory_type(cx, &hm);
  CHECK(wasmtime_memorytype_minimum(mt2) == 1);
  wasm_memorytype_delete(mt2);
  CHECK(wasmtime_memory_size(cx, &hm) == 1);
  CHECK(wasmtime_memory_data_size(cx, &hm) == 65536);
  wasmtime_memory_data(cx, &hm)[100] = 7;
  uint64_t prev;
  EXPECT_OK(wasmtime_memory_grow(cx, &hm, 1, &prev));
  CHECK(prev == 1 && wasmtime_memory_size(cx, &hm) == 2);
  CHECK(wasmtime_memory_data(cx, &hm)[100] == 7);
  EXPECT_ERROR(wasmtime_memory_grow(cx, &hm, 1, &prev), "");

  /* Instances. */
  wasmtime_extern_t imps[4] = {
      {.kind = WASMTIME_EXTERN_FUNC, .of.func = hf},
      {.kind = WASMTIME_EXTERN_GLOBAL, .of.global = hg},
      {.kind = WASMTIME_EXTERN_TABLE, .of.table = ht},
      {.kind = WASMTIME_EXTERN_MEMORY, .of.memory = hm},
  };
  wasm_externtype_t *xt = wasmtime_extern_type(cx, &imps[2]);
  CHECK(wasm_externtype_kind(xt) == WASM_EXTERN_TABLE);
  wasm_externtype_delete(xt);
  wasmtime_extern_delete(&imps[0]);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  EXPECT_OK(wasmtime_instance_new(cx, module, imps, 4, &inst, &trap));
  CHECK(trap == NULL);
  wasmtime_extern_t swapped[4] = {imps[1], imps[0], imps[2], imps[3]};
  EXPECT_ERROR(wasmtime_instance_new(cx, module, swapped, 4, &inst, &trap), "incompatible import");
  EXPECT_ERROR(wasmtime_instance_new(cx, module, imps, 3, &inst, &trap), "imports");
  wasmtime_extern_t item;
  char *name;
  size_t name_len;
  CHECK(wasmtime_instance_export_nth(cx, &inst, 0, &name, &name_len, &item));
  CHECK(name_len == 5 && memcmp(name, "callf", 5) == 0 && item.kind == WASMTIME_EXTERN_FUNC);
  CHECK(!wasmtime_instance_export_nth(cx, &inst, 99, &name, &name_len, &item));
  CHECK(wasmtime_instance_export_get(cx, &inst, "c", 1, &item) && item.kind == WASMTIME_EXTERN_GLOBAL);
  CHECK(!wasmtime_instance_export_get(cx, &inst, "zz", 2, &item));

  /* Calls. */
  wasmtime_func_t callf;
  CHECK(wasmtime_instance_export_get(cx, &inst, "callf", 5, &item));
  callf = item.of.func;
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 1};
  EXPECT_OK(wasmtime_func_call(cx, &callf, &arg, 1, &out, 1, &trap));
  CHECK(trap == NULL && out.of.i32 == 2 && host_calls == 1);
  arg.of.i32 = 100;
  EXPECT_OK(wasmtime_func_call(cx, &callf, &arg, 1, &out, 1, &trap));
  CHECK(trap == NULL && out.of.i32 == 1012); /* hg was set to 12 */
  arg.of.i32 = 1;
  EXPECT_ERROR(wasmtime_func_call(cx, &callf, &wrong, 1, &out, 1, &trap), "expected i32");
  EXPECT_ERROR(wasmtime_func_call(cx, &callf, NULL, 0, &out, 1, &trap), "argument");
  wasmtime_val_t weird = {.kind = 99};
  EXPECT_ERROR(wasmtime_func_call(cx, &callf, &weird, 1, &out, 1, &trap), "kind");
  EXPECT_ERROR(wasmtime_func_call(cx, NULL, &arg, 1, &out, 1, &trap), "NULL");
  wasmtime_func_t forged = {.store_id = callf.store_id, .__private = 12345};
  EXPECT_ERROR(wasmtime_func_call(cx, &forged, &arg, 1, &out, 1, &trap), "invalid");
  CHECK(wasmtime_func_type(cx, &forged) == NULL);
  EXPECT_ERROR(wasmtime_global_set(cx, &hg, NULL), "NULL");
  EXPECT_ERROR(wasmtime_linker_define(NULL, cx, "a", 1, "b", 1, &imps[0]), "NULL");
  CHECK(!wasmtime_instance_export_get(cx, NULL, "c", 1, &item));
  CHECK(wasmtime_memory_data(cx, NULL) == NULL);
  CHECK(wasmtime_table_size(NULL, &ht) == 0);
  wasmtime_val_raw_t raw[1];
  raw[0].i32 = 5;
  EXPECT_OK(wasmtime_func_call_unchecked(cx, &callf, raw, 1, &trap));
  CHECK(raw[0].i32 == 6);
  raw[0].i32 = 5;
  EXPECT_OK(wasmtime_func_call_unchecked(cx, &hraw, raw, 1, &trap));
  CHECK(raw[0].i32 == 50);
  void *rawf = wasmtime_func_to_raw(cx, &hf);
  CHECK(rawf != NULL);
  wasmtime_func_t back;
  wasmtime_func_from_raw(cx, rawf, &back);
  CHECK(back.store_id == hf.store_id && back.__private == hf.__private);

  CHECK(wasmtime_instance_export_get(cx, &inst, "boom", 4, &item));
  EXPECT_OK(wasmtime_func_call(cx, &item.of.func, NULL, 0, NULL, 0, &trap));
  wasmtime_trap_code_t code;
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) &&
        code == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL && wasm_frame_func_index(origin) == 2);
  CHECK(wasmtime_frame_module_name(origin) != NULL &&
        memcmp(wasmtime_frame_module_name(origin)->data, "main", 4) == 0);
  CHECK(wasmtime_frame_func_name(origin) == NULL);
  /* Byte offsets in MAIN_WAT's binary (`wasm-objdump -d`): boom's body starts at 0xb0
     (its local declarations), its `unreachable` is at 0xb1. */
  CHECK(wasm_frame_module_offset(origin) == 0xb1);
  CHECK(wasm_frame_func_offset(origin) == 1);
  CHECK(wasm_frame_instance(origin) == NULL);
  wasm_frame_t *fcopy = wasm_frame_copy(origin);
  CHECK(wasm_frame_func_index(fcopy) == 2);
  CHECK(wasm_frame_module_offset(fcopy) == 0xb1 && wasm_frame_func_offset(fcopy) == 1);
  wasm_frame_vec_t fv, fv2;
  wasm_frame_vec_new_empty(&fv2);
  wasm_frame_vec_delete(&fv2);
  wasm_frame_vec_new_uninitialized(&fv2, 1);
  fv2.data[0] = fcopy;
  wasm_frame_vec_copy(&fv, &fv2);
  CHECK(fv.size == 1 && wasm_frame_func_index(fv.data[0]) == 2);
  wasm_frame_vec_delete(&fv);
  wasm_frame_vec_delete(&fv2);
  wasm_frame_t *fs[1] = {origin};
  wasm_frame_vec_new(&fv, 1, fs);
  wasm_frame_vec_delete(&fv);
  wasm_trap_delete(trap);

  /* A host trap through wasm: the error path has a trace. */
  CHECK(wasmtime_instance_export_get(cx, &inst, "exit", 4, &item));
  EXPECT_OK(wasmtime_func_call(cx, &item.of.func, NULL, 0, NULL, 0, &trap));
  CHECK(trap != NULL && !wasmtime_trap_code(trap, &code));
  wasm_trap_trace(trap, &fv);
  CHECK(fv.size >= 1);
  /* An outer frame points at its call: exit's body starts at 0xc3, `call $hf` at 0xc6. */
  CHECK(wasm_frame_func_index(fv.data[0]) == 6);
  CHECK(wasm_frame_module_offset(fv.data[0]) == 0xc6);
  CHECK(wasm_frame_func_offset(fv.data[0]) == 3);
  wasm_frame_vec_delete(&fv);
  wasm_trap_delete(trap);

  /* externref and funcref values. */
  wasmtime_externref_t ext;
  CHECK(wasmtime_externref_new(cx, &data, finalizer, &ext));
  CHECK(wasmtime_externref_data(cx, &ext) == &data);
  wasmtime_externref_t ext2;
  wasmtime_externref_clone(cx, &ext, &ext2);
  CHECK(wasmtime_externref_data(cx, &ext2) == &data);
  uint32_t rawref = wasmtime_externref_to_raw(cx, &ext);
  CHECK(rawref != 0);
  wasmtime_externref_from_raw(cx, rawref, &ext2);
  CHECK(wasmtime_externref_data(cx, &ext2) == &data);
  wasmtime_externref_unroot(cx, &ext2);
  wasmtime_val_t ev = {.kind = WASMTIME_EXTERNREF, .of.externref = ext};
  CHECK(wasmtime_instance_export_get(cx, &inst, "ext", 3, &item));
  EXPECT_OK(wasmtime_func_call(cx, &item.of.func, &ev, 1, &out, 1, &trap));
  CHECK(out.kind == WASMTIME_EXTERNREF && wasmtime_externref_data(cx, &out.of.externref) == &data);
  wasmtime_val_t copy;
  wasmtime_val_clone(cx, &out, &copy);
  CHECK(copy.kind == WASMTIME_EXTERNREF);
  wasmtime_val_unroot(cx, &copy);
  wasmtime_val_unroot(cx, &out);
  CHECK(wasmtime_instance_export_get(cx, &inst, "fref", 4, &item));
  EXPECT_OK(wasmtime_func_call(cx, &item.of.func, &fval, 1, &out, 1, &trap));
  CHECK(out.kind == WASMTIME_FUNCREF && out.of.funcref.__private == hf.__private);

  /* Linker. */
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *fty2 = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  EXPECT_OK(wasmtime_linker_define_func(linker, "host", 4, "f", 1, fty2, host_f, &host_calls, NULL));
  EXPECT_ERROR(wasmtime_linker_define_func(linker, "host", 4, "f", 1, fty2, host_f, &host_calls, NULL), "defined twice");
  wasmtime_linker_allow_shadowing(linker, true);
  EXPECT_OK(wasmtime_linker_define_func_unchecked(linker, "host", 4, "f", 1, fty2, host_raw, NULL, NULL));
  EXPECT_OK(wasmtime_linker_define_func(linker, "host", 4, "f", 1, fty2, host_f, &host_calls, NULL));
  wasm_functype_delete(fty2);
  EXPECT_OK(wasmtime_linker_define(linker, cx, "host", 4, "g", 1, &imps[1]));
  EXPECT_OK(wasmtime_linker_define(linker, cx, "host", 4, "t", 1, &imps[2]));
  EXPECT_OK(wasmtime_linker_define(linker, cx, "host", 4, "m", 1, &imps[3]));
  wasmtime_instance_pre_t *pre = NULL;
  EXPECT_OK(wasmtime_linker_instantiate_pre(linker, module, &pre));
  wasmtime_instance_t inst2;
  EXPECT_OK(wasmtime_instance_pre_instantiate(pre, store, &inst2, &trap));
  wasmtime_module_t *pm = wasmtime_instance_pre_module(pre);
  CHECK(pm != NULL);
  wasmtime_module_delete(pm);
  wasmtime_instance_pre_delete(pre);
  EXPECT_OK(wasmtime_linker_instantiate(linker, cx, module, &inst2, &trap));
  EXPECT_OK(wasmtime_linker_define_instance(linker, cx, "main", 4, &inst2));
  CHECK(wasmtime_linker_get(linker, cx, "main", 4, "c", 1, &item) && item.kind == WASMTIME_EXTERN_GLOBAL);
  CHECK(!wasmtime_linker_get(linker, cx, "main", 4, "x", 1, &item));
  wasmtime_module_t *reactor = module_of(engine, "(module (func (export \"\") nop))");
  EXPECT_OK(wasmtime_linker_module(linker, cx, "r", 1, reactor));
  wasmtime_func_t def;
  EXPECT_OK(wasmtime_linker_get_default(linker, cx, "r", 1, &def));
  EXPECT_OK(wasmtime_func_call(cx, &def, NULL, 0, NULL, 0, &trap));
  wasmtime_module_delete(reactor);
  wasmtime_linker_t *lclone = wasmtime_linker_clone(linker);
  EXPECT_OK(wasmtime_linker_define_wasi(lclone));
  wasmtime_linker_delete(lclone);
  wasmtime_linker_delete(linker);

  /* A second store: handles of the first are refused. */
  wasmtime_store_t *store2 = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx2 = wasmtime_store_context(store2);
  EXPECT_ERROR(wasmtime_func_call(cx2, &callf, &arg, 1, &out, 1, &trap), "wrong store");
  EXPECT_ERROR(wasmtime_instance_new(cx2, module, imps, 4, &inst, &trap), "wrong store");
  /* The limiter refuses a second instance. */
  wasmtime_store_limiter(store2, 1 << 20, 100, 0, 10, 10);
  wasmtime_module_t *empty = module_of(engine, "(module)");
  EXPECT_ERROR(wasmtime_instance_new(cx2, empty, NULL, 0, &inst, &trap), "instance");
  wasmtime_module_delete(empty);
  wasmtime_store_delete(store2);

  /* The limiter also bounds memory.grow and table.grow executed by wasm. */
  wasmtime_store_t *store3 = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx3 = wasmtime_store_context(store3);
  wasmtime_store_limiter(store3, 2 * 65536, 3, -1, -1, -1);
  wasmtime_module_t *growing = module_of(
      engine, "(module (memory 1) (table 1 funcref)"
              " (func (export \"mem\") (param i32) (result i32) (memory.grow (local.get 0)))"
              " (func (export \"tab\") (param i32) (result i32)"
              "   (table.grow (ref.null func) (local.get 0))))");
  wasmtime_instance_t ginst;
  EXPECT_OK(wasmtime_instance_new(cx3, growing, NULL, 0, &ginst, &trap));
  wasmtime_extern_t gmem, gtab;
  CHECK(wasmtime_instance_export_get(cx3, &ginst, "mem", 3, &gmem));
  CHECK(wasmtime_instance_export_get(cx3, &ginst, "tab", 3, &gtab));
  wasmtime_val_t one = {.kind = WASMTIME_I32, .of.i32 = 1}, two = {.kind = WASMTIME_I32, .of.i32 = 2};
  wasmtime_val_t grown;
  EXPECT_OK(wasmtime_func_call(cx3, &gmem.of.func, &one, 1, &grown, 1, &trap));
  CHECK(grown.of.i32 == 1); /* 1 -> 2 pages: at the limit */
  EXPECT_OK(wasmtime_func_call(cx3, &gmem.of.func, &one, 1, &grown, 1, &trap));
  CHECK(grown.of.i32 == -1); /* 3 pages would exceed it */
  EXPECT_OK(wasmtime_func_call(cx3, &gtab.of.func, &two, 1, &grown, 1, &trap));
  CHECK(grown.of.i32 == 1); /* 1 -> 3 elements: at the limit */
  EXPECT_OK(wasmtime_func_call(cx3, &gtab.of.func, &one, 1, &grown, 1, &trap));
  CHECK(grown.of.i32 == -1);
  wasmtime_module_delete(growing);
  wasmtime_store_delete(store3);

  wasmtime_module_delete(again);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  /* host data, func env, externref data, epoch callback data */
  CHECK(finalized == before + 4);
  wasm_engine_delete(engine);
}

/* ------------------------------------------------------------------------ */
/* The wasm.h runtime API                                                   */
/* ------------------------------------------------------------------------ */

static const char *WASM_WAT =
    "(module\n"
    "  (import \"\" \"cb\" (func $cb (param i32) (result i32)))\n"
    "  (func (export \"run\") (param i32) (result i32) (call $cb (local.get 0)))\n"
    "  (func (export \"trap\") unreachable)\n"
    "  (func (export \"id\") (param externref) (result externref) (local.get 0))\n"
    "  (global (export \"g\") (mut f64) (f64.const 1.5))\n"
    "  (table (export \"t\") 1 funcref)\n"
    "  (memory (export \"m\") 1))\n";

static wasm_trap_t *cb_plain(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 100;
  return NULL;
}

static wasm_trap_t *cb_env(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  CHECK(env == &failures);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}

static void wasm_api(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t bin = wat(WASM_WAT);
  CHECK(wasm_module_validate(store, &bin));
  wasm_module_t *module = wasm_module_new(store, &bin);
  CHECK(module != NULL);
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 4, "junk");
  CHECK(!wasm_module_validate(store, &junk));
  CHECK(wasm_module_new(store, &junk) == NULL);
  CHECK(wasm_module_deserialize(store, &junk) == NULL);
  wasm_byte_vec_delete(&junk);
  wasm_byte_vec_delete(&bin);

  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 1);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 6);
  wasm_exporttype_vec_delete(&exports);
  wasm_byte_vec_t ser;
  wasm_module_serialize(module, &ser);
  CHECK(ser.size > 0);
  wasm_module_t *m2 = wasm_module_deserialize(store, &ser);
  CHECK(m2 != NULL);
  wasm_byte_vec_delete(&ser);
  wasm_shared_module_t *shared = wasm_module_share(m2);
  wasm_store_t *store2 = wasm_store_new(engine);
  wasm_module_t *m3 = wasm_module_obtain(store2, shared);
  CHECK(m3 != NULL);
  wasm_shared_module_delete(shared);
  wasm_module_t *m4 = wasm_module_copy(m3);
  CHECK(!wasm_module_same(m3, m4) && wasm_module_same(m3, m3));
  wasm_module_set_host_info(m4, &failures);
  CHECK(wasm_module_get_host_info(m4) == &failures);
  wasm_module_set_host_info_with_finalizer(m4, &failures, finalizer);
  wasm_ref_t *mref = wasm_module_as_ref(m4);
  CHECK(wasm_ref_as_module(mref) == m4 && wasm_ref_as_func(mref) == NULL);
  CHECK(wasm_ref_as_module_const(wasm_module_as_ref_const(m4)) == m4);
  int before = finalized;
  wasm_module_delete(m4);
  CHECK(finalized == before + 1);
  wasm_module_delete(m3);
  wasm_module_delete(m2);
  wasm_store_delete(store2);

  /* Host function, instance, exports. */
  wasm_functype_t *ty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *cb = wasm_func_new(store, ty, cb_plain);
  int fin_before = finalized;
  wasm_func_t *cbe = wasm_func_new_with_env(store, ty, cb_env, &failures, finalizer);
  wasm_functype_delete(ty);
  wasm_val_t ea[1] = {WASM_I32_VAL(4)};
  wasm_val_t er[1] = {WASM_INIT_VAL};
  wasm_val_vec_t eargs = WASM_ARRAY_VEC(ea), eres = WASM_ARRAY_VEC(er);
  CHECK(wasm_func_call(cbe, &eargs, &eres) == NULL && er[0].of.i32 == 8);
  wasm_func_delete(cbe);
  CHECK(finalized == fin_before); /* the store keeps the function until it is deleted */
  CHECK(wasm_func_param_arity(cb) == 1 && wasm_func_result_arity(cb) == 1);
  wasm_functype_t *cbt = wasm_func_type(cb);
  CHECK(wasm_functype_results(cbt)->size == 1);
  wasm_functype_delete(cbt);
  wasm_extern_t *imps[1] = {wasm_func_as_extern(cb)};
  wasm_extern_vec_t iv = WASM_ARRAY_VEC(imps);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *inst = wasm_instance_new(store, module, &iv, &trap);
  CHECK(inst != NULL && trap == NULL);
  wasm_extern_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_instance_new(store, module, &none, &trap) == NULL && trap != NULL);
  wasm_trap_delete(trap);
  wasm_instance_t *inst2 = wasm_instance_copy(inst);
  CHECK(wasm_instance_same(inst, inst2));
  wasm_instance_set_host_info(inst2, &failures);
  CHECK(wasm_instance_get_host_info(inst2) == &failures);
  wasm_instance_set_host_info_with_finalizer(inst2, NULL, NULL);
  CHECK(wasm_ref_as_instance(wasm_instance_as_ref(inst2)) == inst2);
  CHECK(wasm_ref_as_instance_const(wasm_instance_as_ref_const(inst2)) == inst2);
  wasm_instance_delete(inst2);

  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  CHECK(ex.size == 6);
  wasm_extern_vec_t ex2;
  wasm_extern_vec_copy(&ex2, &ex);
  CHECK(wasm_extern_same(ex.data[0], ex2.data[0]));
  wasm_extern_vec_delete(&ex2);
  wasm_extern_vec_new_empty(&ex2);
  wasm_extern_vec_delete(&ex2);
  wasm_extern_vec_new_uninitialized(&ex2, 1);
  ex2.data[0] = wasm_extern_copy(ex.data[0]);
  wasm_extern_vec_delete(&ex2);
  wasm_extern_t *ecopy[1] = {wasm_extern_copy(ex.data[1])};
  wasm_extern_vec_new(&ex2, 1, ecopy);
  wasm_extern_vec_delete(&ex2);

  wasm_func_t *run = wasm_extern_as_func(ex.data[0]);
  wasm_func_t *trapf = wasm_extern_as_func(ex.data[1]);
  wasm_func_t *idf = wasm_extern_as_func(ex.data[2]);
  wasm_global_t *g = wasm_extern_as_global(ex.data[3]);
  wasm_table_t *t = wasm_extern_as_table(ex.data[4]);
  wasm_memory_t *m = wasm_extern_as_memory(ex.data[5]);
  CHECK(run && trapf && idf && g && t && m);
  CHECK(wasm_extern_as_global(ex.data[0]) == NULL);
  CHECK(wasm_extern_kind(ex.data[3]) == WASM_EXTERN_GLOBAL);
  wasm_externtype_t *et = wasm_extern_type(ex.data[5]);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_MEMORY);
  wasm_externtype_delete(et);
  CHECK(wasm_extern_as_func_const(wasm_func_as_extern_const(run)) == run);
  CHECK(wasm_extern_as_global_const(wasm_global_as_extern_const(g)) == g);
  CHECK(wasm_extern_as_table_const(wasm_table_as_extern_const(t)) == t);
  CHECK(wasm_extern_as_memory_const(wasm_memory_as_extern_const(m)) == m);
  CHECK(wasm_extern_as_table(wasm_table_as_extern(t)) == t);
  CHECK(wasm_extern_as_memory(wasm_memory_as_extern(m)) == m);
  CHECK(wasm_extern_as_global(wasm_global_as_extern(g)) == g);
  wasm_extern_set_host_info(ex.data[0], &failures);
  CHECK(wasm_extern_get_host_info(ex.data[0]) == &failures);
  wasm_extern_set_host_info_with_finalizer(ex.data[0], NULL, NULL);
  CHECK(wasm_ref_as_extern(wasm_extern_as_ref(ex.data[0])) == ex.data[0]);
  CHECK(wasm_ref_as_extern_const(wasm_extern_as_ref_const(ex.data[0])) == ex.data[0]);
  wasm_extern_t *ec = wasm_extern_copy(ex.data[0]);
  CHECK(wasm_extern_same(ec, ex.data[0]));
  wasm_extern_delete(ec);

  /* Calls and values. */
  wasm_val_t a[1] = {WASM_I32_VAL(1)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a), res = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(run, &args, &res) == NULL && r[0].of.i32 == 101);
  trap = wasm_func_call(trapf, NULL, NULL);
  CHECK(trap != NULL);
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  CHECK(msg.size > 0 && msg.data[msg.size - 1] == '\0' && strstr(msg.data, "unreachable"));
  wasm_byte_vec_delete(&msg);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  wasm_frame_delete(origin);
  wasm_frame_vec_t frames;
  wasm_trap_trace(trap, &frames);
  CHECK(frames.size >= 1);
  wasm_frame_vec_delete(&frames);
  wasm_trap_t *tcopy = wasm_trap_copy(trap);
  CHECK(wasm_trap_same(tcopy, tcopy) && !wasm_trap_same(tcopy, trap));
  wasm_trap_set_host_info(tcopy, &failures);
  CHECK(wasm_trap_get_host_info(tcopy) == &failures);
  wasm_trap_set_host_info_with_finalizer(tcopy, NULL, NULL);
  CHECK(wasm_ref_as_trap(wasm_trap_as_ref(tcopy)) == tcopy);
  CHECK(wasm_ref_as_trap_const(wasm_trap_as_ref_const(tcopy)) == tcopy);
  wasm_trap_delete(tcopy);
  wasm_trap_delete(trap);
  wasm_message_t tm;
  wasm_name_new_from_string_nt(&tm, "made");
  trap = wasm_trap_new(store, &tm);
  wasm_byte_vec_delete(&tm);
  wasm_trap_message(trap, &msg);
  CHECK(strcmp(msg.data, "made") == 0);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);

  wasm_val_t bad[1] = {WASM_F32_VAL(1.0f)};
  wasm_val_vec_t badv = WASM_ARRAY_VEC(bad);
  trap = wasm_func_call(run, &badv, &res);
  CHECK(trap != NULL);
  wasm_trap_delete(trap);

  /* funcref values: a function as a reference, through the table. */
  wasm_ref_t *fr = wasm_func_as_ref(run);
  CHECK(wasm_ref_as_func(fr) == run && wasm_ref_as_func_const(wasm_func_as_ref_const(run)) == run);
  CHECK(wasm_table_set(t, 0, fr));
  wasm_ref_t *got = wasm_table_get(t, 0);
  CHECK(got != NULL && wasm_ref_as_func(got) != NULL);
  CHECK(wasm_ref_same(got, fr));
  wasm_ref_t *gotc = wasm_ref_copy(got);
  wasm_ref_set_host_info(gotc, &failures);
  CHECK(wasm_ref_get_host_info(gotc) == &failures);
  wasm_ref_set_host_info_with_finalizer(gotc, NULL, NULL);
  wasm_ref_delete(gotc);
  wasm_ref_delete(got);
  CHECK(wasm_table_get(t, 5) == NULL);
  CHECK(!wasm_table_set(t, 5, NULL));
  CHECK(wasm_table_size(t) == 1);
  CHECK(wasm_table_grow(t, 2, NULL) && wasm_table_size(t) == 3);
  wasm_tabletype_t *tt = wasm_table_type(t);
  CHECK(wasm_tabletype_limits(tt)->min == 3);
  wasm_limits_t lim = {2, 2};
  wasm_table_t *t2 = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  CHECK(t2 != NULL);
  wasm_table_t *t3 = wasm_table_copy(t2);
  CHECK(wasm_table_same(t2, t3));
  wasm_table_set_host_info(t3, &failures);
  CHECK(wasm_table_get_host_info(t3) == &failures);
  wasm_table_set_host_info_with_finalizer(t3, NULL, NULL);
  CHECK(wasm_ref_as_table(wasm_table_as_ref(t3)) == t3);
  CHECK(wasm_ref_as_table_const(wasm_table_as_ref_const(t3)) == t3);
  wasm_table_delete(t3);
  wasm_table_delete(t2);

  wasm_func_t *fc = wasm_func_copy(run);
  CHECK(wasm_func_same(fc, run));
  wasm_func_set_host_info(fc, &failures);
  CHECK(wasm_func_get_host_info(fc) == &failures);
  wasm_func_set_host_info_with_finalizer(fc, NULL, NULL);
  wasm_func_delete(fc);

  /* Globals. */
  wasm_val_t gv;
  wasm_global_get(g, &gv);
  CHECK(gv.kind == WASM_F64 && gv.of.f64 == 1.5);
  wasm_val_t nv = WASM_F64_VAL(2.5);
  wasm_global_set(g, &nv);
  wasm_global_get(g, &gv);
  CHECK(gv.of.f64 == 2.5);
  wasm_globaltype_t *gt = wasm_global_type(g);
  CHECK(wasm_globaltype_mutability(gt) == WASM_VAR);
  wasm_global_t *g2 = wasm_global_new(store, gt, &nv);
  CHECK(g2 != NULL);
  wasm_val_t wrongv = WASM_I32_VAL(1);
  CHECK(wasm_global_new(store, gt, &wrongv) == NULL);
  wasm_globaltype_delete(gt);
  wasm_global_t *g3 = wasm_global_copy(g2);
  CHECK(wasm_global_same(g2, g3) && !wasm_global_same(g2, g));
  wasm_global_set_host_info(g3, &failures);
  CHECK(wasm_global_get_host_info(g3) == &failures);
  wasm_global_set_host_info_with_finalizer(g3, NULL, NULL);
  CHECK(wasm_ref_as_global(wasm_global_as_ref(g3)) == g3);
  CHECK(wasm_ref_as_global_const(wasm_global_as_ref_const(g3)) == g3);
  wasm_global_delete(g3);
  wasm_global_delete(g2);

  /* Memories. */
  CHECK(wasm_memory_size(m) == 1 && wasm_memory_data_size(m) == 65536);
  wasm_memory_data(m)[3] = 9;
  CHECK(wasm_memory_grow(m, 1) && wasm_memory_size(m) == 2 && wasm_memory_data(m)[3] == 9);
  wasm_memorytype_t *mt = wasm_memory_type(m);
  CHECK(wasm_memorytype_limits(mt)->min == 2);
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&lim);
  wasm_memory_t *m2b = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  CHECK(m2b != NULL && wasm_memory_size(m2b) == 2 && !wasm_memory_grow(m2b, 1));
  wasm_memory_t *m3b = wasm_memory_copy(m2b);
  CHECK(wasm_memory_same(m2b, m3b));
  wasm_memory_set_host_info(m3b, &failures);
  CHECK(wasm_memory_get_host_info(m3b) == &failures);
  wasm_memory_set_host_info_with_finalizer(m3b, NULL, NULL);
  CHECK(wasm_ref_as_memory(wasm_memory_as_ref(m3b)) == m3b);
  CHECK(wasm_ref_as_memory_const(wasm_memory_as_ref_const(m3b)) == m3b);
  wasm_memory_delete(m3b);
  wasm_memory_delete(m2b);

  /* externref values round-trip through wasm. */
  wasm_val_t xa[1] = {WASM_REF_VAL(NULL)};
  wasm_val_t xr[1] = {WASM_INIT_VAL};
  wasm_val_vec_t xargs = WASM_ARRAY_VEC(xa), xres = WASM_ARRAY_VEC(xr);
  CHECK(wasm_func_call(idf, &xargs, &xres) == NULL && xr[0].of.ref == NULL);

  /* wasm_val_t and its vector. */
  wasm_val_t vcopy;
  wasm_val_t fv = {.kind = WASM_FUNCREF, .of.ref = wasm_func_as_ref(wasm_func_copy(run))};
  wasm_val_copy(&vcopy, &fv);
  CHECK(vcopy.kind == WASM_FUNCREF && vcopy.of.ref != NULL && vcopy.of.ref != fv.of.ref);
  wasm_val_delete(&vcopy);
  wasm_val_vec_t vv, vv2;
  wasm_val_vec_new_empty(&vv);
  wasm_val_vec_delete(&vv);
  wasm_val_vec_new_uninitialized(&vv, 2);
  CHECK(vv.size == 2);
  wasm_val_vec_delete(&vv);
  wasm_val_t vals[2] = {WASM_I64_VAL(3), fv};
  wasm_val_vec_new(&vv, 2, vals);
  wasm_val_vec_copy(&vv2, &vv);
  CHECK(vv2.size == 2 && vv2.data[0].of.i64 == 3 && vv2.data[1].of.ref != NULL);
  wasm_val_vec_delete(&vv2);
  wasm_val_vec_delete(&vv);

  /* Foreign objects. */
  wasm_foreign_t *fo = wasm_foreign_new(store);
  wasm_foreign_set_host_info(fo, &failures);
  CHECK(wasm_foreign_get_host_info(fo) == &failures);
  before = finalized;
  wasm_foreign_set_host_info_with_finalizer(fo, &failures, finalizer);
  /* A copy is the same object, with the same host info (as in Wasmtime 23); the
     finalizer runs once, when the last copy is deleted. */
  wasm_foreign_t *fo2 = wasm_foreign_copy(fo);
  CHECK(wasm_foreign_same(fo, fo) && wasm_foreign_same(fo, fo2));
  CHECK(wasm_foreign_get_host_info(fo2) == &failures);
  wasm_ref_t *fref = wasm_ref_copy(wasm_foreign_as_ref(fo));
  CHECK(wasm_ref_same(fref, wasm_foreign_as_ref(fo2)));
  CHECK(wasm_ref_get_host_info(fref) == &failures);
  wasm_foreign_t *other = wasm_foreign_new(store);
  CHECK(!wasm_foreign_same(fo, other) && wasm_foreign_get_host_info(other) == NULL);
  wasm_foreign_delete(other);
  CHECK(wasm_ref_as_foreign(wasm_foreign_as_ref(fo)) == fo);
  CHECK(wasm_ref_as_foreign_const(wasm_foreign_as_ref_const(fo)) == fo);
  CHECK(wasm_ref_as_trap(wasm_foreign_as_ref(fo)) == NULL);
  wasm_ref_delete(fref);
  wasm_foreign_delete(fo2);
  CHECK(finalized == before);
  wasm_foreign_delete(fo);
  CHECK(finalized == before + 1);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_func_delete(cb);
  wasm_module_delete(module);
  before = finalized;
  wasm_store_delete(store);
  CHECK(finalized == before + 1); /* cbe's environment */
  wasm_engine_delete(engine);
}

/* ------------------------------------------------------------------------ */
/* WASI, async stubs                                                        */
/* ------------------------------------------------------------------------ */

static void wasi(void) {
  wasi_config_t *w = wasi_config_new();
  const char *argv[] = {"prog", "a"};
  CHECK(wasi_config_set_argv(w, 2, argv));
  wasi_config_inherit_argv(w);
  const char *names[] = {"K"};
  const char *values[] = {"V"};
  CHECK(wasi_config_set_env(w, 1, names, values));
  wasi_config_inherit_env(w);
  CHECK(!wasi_config_set_stdin_file(w, "/nonexistent/stdin"));
  CHECK(wasi_config_set_stdin_file(w, "/dev/null"));
  wasm_byte_vec_t in;
  wasm_byte_vec_new(&in, 3, "abc");
  wasi_config_set_stdin_bytes(w, &in);
  wasi_config_inherit_stdin(w);
  CHECK(wasi_config_set_stdout_file(w, "/dev/null"));
  CHECK(!wasi_config_set_stdout_file(w, "/nonexistent/dir/out"));
  wasi_config_inherit_stdout(w);
  CHECK(wasi_config_set_stderr_file(w, "/dev/null"));
  wasi_config_inherit_stderr(w);
  CHECK(wasi_config_preopen_dir(w, "/tmp", "/tmp"));
  CHECK(!wasi_config_preopen_dir(w, "/nonexistent/dir", "/x"));
  wasi_config_delete(w);

  /* proc_exit becomes an error with an exit status. */
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  w = wasi_config_new();
  EXPECT_OK(wasmtime_context_set_wasi(cx, w));
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  EXPECT_OK(wasmtime_linker_define_wasi(linker));
  wasmtime_module_t *m = module_of(engine,
      "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $e (param i32)))"
      " (memory (export \"memory\") 1)"
      " (func (export \"_start\") (call $e (i32.const 7))))");
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  EXPECT_OK(wasmtime_linker_instantiate(linker, cx, m, &inst, &trap));
  wasmtime_extern_t start;
  CHECK(wasmtime_instance_export_get(cx, &inst, "_start", 6, &start));
  wasmtime_error_t *e = wasmtime_func_call(cx, &start.of.func, NULL, 0, NULL, 0, &trap);
  int status = 0;
  CHECK(e != NULL && trap == NULL && wasmtime_error_exit_status(e, &status) && status == 7);
  if (e)
    wasmtime_error_delete(e);
  wasmtime_module_delete(m);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
}

/* ------------------------------------------------------------------------ */
/* Typed function references: a call_ref chain                              */
/* ------------------------------------------------------------------------ */

static const char *CALL_REF_WAT =
    "(module"
    " (type $t (func (param i32) (result i32)))"
    " (func $inc (export \"inc\") (type $t) (i32.add (local.get 0) (i32.const 1)))"
    " (func $dbl (export \"dbl\") (type $t) (i32.mul (local.get 0) (i32.const 2)))"
    " (func (export \"other\") (param i64) (result i64) (local.get 0))"
    " (table $chain (export \"chain\") 3 (ref null $t))"
    " (global $last (export \"last\") (mut (ref null $t)) (ref.null $t))"
    " (elem declare func $dbl)"
    /* Each element of the table in turn, then the global: every step a call_ref. */
    " (func (export \"run\") (param $x i32) (result i32) (local $i i32)"
    "  (block $done (loop $next"
    "   (br_if $done (i32.ge_u (local.get $i) (table.size $chain)))"
    "   (local.set $x (call_ref $t (local.get $x) (table.get $chain (local.get $i))))"
    "   (local.set $i (i32.add (local.get $i) (i32.const 1)))"
    "   (br $next)))"
    "  (call_ref $t (local.get $x) (global.get $last)))"
    " (func (export \"apply\") (param $f (ref $t)) (param $x i32) (result i32)"
    "  (call_ref $t (local.get $x) (local.get $f)))"
    " (func (export \"make\") (result (ref $t)) (ref.func $dbl)))";

static void call_ref_chain(void) {
  wasm_config_t *c = wasm_config_new();
  wasmtime_config_wasm_function_references_set(c, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(c);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *m = module_of(engine, CALL_REF_WAT);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  EXPECT_OK(wasmtime_instance_new(cx, m, NULL, 0, &inst, &trap));
  wasmtime_extern_t inc, dbl, other, chain, last, run, apply, make;
  CHECK(wasmtime_instance_export_get(cx, &inst, "inc", 3, &inc));
  CHECK(wasmtime_instance_export_get(cx, &inst, "dbl", 3, &dbl));
  CHECK(wasmtime_instance_export_get(cx, &inst, "other", 5, &other));
  CHECK(wasmtime_instance_export_get(cx, &inst, "chain", 5, &chain));
  CHECK(wasmtime_instance_export_get(cx, &inst, "last", 4, &last));
  CHECK(wasmtime_instance_export_get(cx, &inst, "run", 3, &run));
  CHECK(wasmtime_instance_export_get(cx, &inst, "apply", 5, &apply));
  CHECK(wasmtime_instance_export_get(cx, &inst, "make", 4, &make));

  /* The chain inc, dbl, inc, then dbl from the global: ((5+1)*2+1)*2 = 26. */
  wasmtime_val_t f_inc = {.kind = WASMTIME_FUNCREF, .of.funcref = inc.of.func};
  wasmtime_val_t f_dbl = {.kind = WASMTIME_FUNCREF, .of.funcref = dbl.of.func};
  wasmtime_val_t f_other = {.kind = WASMTIME_FUNCREF, .of.funcref = other.of.func};
  EXPECT_OK(wasmtime_table_set(cx, &chain.of.table, 0, &f_inc));
  EXPECT_OK(wasmtime_table_set(cx, &chain.of.table, 1, &f_dbl));
  EXPECT_OK(wasmtime_table_set(cx, &chain.of.table, 2, &f_inc));
  EXPECT_OK(wasmtime_global_set(cx, &last.of.global, &f_dbl));
  wasmtime_val_t x = {.kind = WASMTIME_I32, .of.i32 = 5}, out;
  EXPECT_OK(wasmtime_func_call(cx, &run.of.func, &x, 1, &out, 1, &trap));
  CHECK(trap == NULL && out.kind == WASMTIME_I32 && out.of.i32 == 26);

  /* A function of another type is refused by the table and the global, as in
   * Wasmtime: their element type is (ref null $t), not funcref. */
  EXPECT_ERROR(wasmtime_table_set(cx, &chain.of.table, 0, &f_other), "table element");
  EXPECT_ERROR(wasmtime_global_set(cx, &last.of.global, &f_other), "global value");

  /* A null in the chain traps (null function reference); the store stays usable. */
  wasmtime_val_t null_f = {.kind = WASMTIME_FUNCREF};
  wasmtime_funcref_set_null(&null_f.of.funcref);
  EXPECT_OK(wasmtime_global_set(cx, &last.of.global, &null_f));
  EXPECT_OK(wasmtime_func_call(cx, &run.of.func, &x, 1, &out, 1, &trap));
  CHECK(trap != NULL);
  if (trap)
    wasm_trap_delete(trap);
  trap = NULL;

  /* (ref $t) arguments: a function from `make` works; another type or null is refused
   * before the call. */
  wasmtime_val_t made;
  EXPECT_OK(wasmtime_func_call(cx, &make.of.func, NULL, 0, &made, 1, &trap));
  CHECK(made.kind == WASMTIME_FUNCREF);
  wasmtime_val_t args[2] = {made, {.kind = WASMTIME_I32, .of.i32 = 21}};
  EXPECT_OK(wasmtime_func_call(cx, &apply.of.func, args, 2, &out, 1, &trap));
  CHECK(trap == NULL && out.of.i32 == 42);
  args[0] = f_other;
  EXPECT_ERROR(wasmtime_func_call(cx, &apply.of.func, args, 2, &out, 1, &trap), "argument 1");
  args[0] = null_f;
  EXPECT_ERROR(wasmtime_func_call(cx, &apply.of.func, args, 2, &out, 1, &trap), "argument 1");

  /* Linking by the exact types: the same (ref null $t) from another module matches; a
   * funcref table, an immutable global or another signature do not. */
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  EXPECT_OK(wasmtime_linker_define_instance(linker, cx, "m", 1, &inst));
  wasmtime_module_t *ok = module_of(
      engine, "(module (type $u (func (param i32) (result i32)))"
              " (import \"m\" \"chain\" (table 3 (ref null $u)))"
              " (import \"m\" \"last\" (global (mut (ref null $u))))"
              " (import \"m\" \"inc\" (func (type $u))))");
  wasmtime_instance_t inst2;
  EXPECT_OK(wasmtime_linker_instantiate(linker, cx, ok, &inst2, &trap));
  const char *refused[] = {
      "(module (import \"m\" \"chain\" (table 3 funcref)))",
      "(module (import \"m\" \"last\" (global (ref null func))))",
      "(module (type $u (func (param i32) (result i64)))"
      " (import \"m\" \"last\" (global (mut (ref null $u)))))",
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    wasmtime_module_t *bad = module_of(engine, refused[i]);
    EXPECT_ERROR(wasmtime_linker_instantiate(linker, cx, bad, &inst2, &trap),
                 "incompatible import type");
    wasmtime_module_delete(bad);
  }
  wasmtime_module_delete(ok);
  wasmtime_linker_delete(linker);
  wasmtime_module_delete(m);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
}

/* ------------------------------------------------------------------------ */
/* anyref                                                                   */
/* ------------------------------------------------------------------------ */

static void anyref(void) {
  wasm_config_t *c = wasm_config_new();
  wasmtime_config_wasm_gc_set(c, true);
  wasmtime_config_wasm_function_references_set(c, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(c);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *m = module_of(
      engine, "(module (global (export \"g\") (mut anyref) (ref.i31 (i32.const -3)))"
              " (func (export \"id\") (param anyref) (result anyref) (local.get 0)))");
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  EXPECT_OK(wasmtime_instance_new(cx, m, NULL, 0, &inst, &trap));
  wasmtime_extern_t g, id;
  CHECK(wasmtime_instance_export_get(cx, &inst, "g", 1, &g));
  CHECK(wasmtime_instance_export_get(cx, &inst, "id", 2, &id));

  /* The initializer's i31: -3 keeps its low 31 bits. */
  wasmtime_val_t v;
  wasmtime_global_get(cx, &g.of.global, &v);
  CHECK(v.kind == WASMTIME_ANYREF && !wasmtime_anyref_is_null(&v.of.anyref));
  uint32_t u = 0;
  int32_t sv = 0;
  CHECK(wasmtime_anyref_i31_get_u(cx, &v.of.anyref, &u) && u == 0x7ffffffd);
  CHECK(wasmtime_anyref_i31_get_s(cx, &v.of.anyref, &sv) && sv == -3);

  /* from_i31 wraps; clone, raw round trip; unroot accepts anything. */
  wasmtime_anyref_t a, b;
  wasmtime_anyref_from_i31(cx, 0x80000005u, &a);
  CHECK(wasmtime_anyref_i31_get_u(cx, &a, &u) && u == 5);
  wasmtime_anyref_clone(cx, &a, &b);
  CHECK(wasmtime_anyref_i31_get_s(cx, &b, &sv) && sv == 5);
  uint32_t raw = wasmtime_anyref_to_raw(cx, &b);
  CHECK(raw != 0);
  wasmtime_anyref_unroot(cx, &b);
  wasmtime_anyref_from_raw(cx, raw, &b);
  CHECK(wasmtime_anyref_i31_get_u(cx, &b, &u) && u == 5);
  wasmtime_anyref_from_raw(cx, 0, &b);
  CHECK(wasmtime_anyref_is_null(&b));
  CHECK(!wasmtime_anyref_i31_get_u(cx, &b, &u));
  CHECK(wasmtime_anyref_to_raw(cx, &b) == 0);
  wasmtime_anyref_unroot(cx, &b);
  /* Bad arguments: NULL context or reference, a reference of another store. */
  CHECK(!wasmtime_anyref_i31_get_u(NULL, &a, &u));
  CHECK(!wasmtime_anyref_i31_get_s(cx, NULL, &sv));
  CHECK(wasmtime_anyref_to_raw(cx, NULL) == 0);
  wasmtime_anyref_t forged = a;
  forged.store_id += 1000;
  CHECK(!wasmtime_anyref_i31_get_u(cx, &forged, &u));

  /* Through a global and a call, as values of kind WASMTIME_ANYREF. */
  wasmtime_val_t arg = {.kind = WASMTIME_ANYREF, .of.anyref = a}, out;
  EXPECT_OK(wasmtime_global_set(cx, &g.of.global, &arg));
  wasmtime_global_get(cx, &g.of.global, &v);
  CHECK(wasmtime_anyref_i31_get_u(cx, &v.of.anyref, &u) && u == 5);
  EXPECT_OK(wasmtime_func_call(cx, &id.of.func, &arg, 1, &out, 1, &trap));
  CHECK(out.kind == WASMTIME_ANYREF && wasmtime_anyref_i31_get_u(cx, &out.of.anyref, &u) && u == 5);
  wasmtime_val_unroot(cx, &out);
  wasmtime_val_t wrong = {.kind = WASMTIME_ANYREF, .of.anyref = forged};
  EXPECT_ERROR(wasmtime_global_set(cx, &g.of.global, &wrong), "wrong store");
  wasmtime_val_t i = {.kind = WASMTIME_I32, .of.i32 = 1};
  EXPECT_ERROR(wasmtime_global_set(cx, &g.of.global, &i), "expected anyref");

  /* The value type's wasm.h kind is our extension. */
  wasm_globaltype_t *gt = wasmtime_global_type(cx, &g.of.global);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASMAOT_VALKIND_ANYREF);
  wasm_globaltype_delete(gt);

  wasmtime_module_delete(m);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
}

/* The argument checks of wasmtime_sharedmemory_* (examples/c/shared_memory.c
 * covers their use across stores and threads). */
static void shared_memory(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_memorytype_t *mt = wasmtime_memorytype_new(1, true, 1, false);
  wasmtime_sharedmemory_t *sm = (wasmtime_sharedmemory_t *)1;
  EXPECT_ERROR(wasmtime_sharedmemory_new(engine, mt, &sm), "`shared` flag");
  CHECK(sm == (wasmtime_sharedmemory_t *)1);
  EXPECT_ERROR(wasmtime_sharedmemory_new(NULL, mt, &sm), "NULL");
  wasm_memorytype_delete(mt);
  CHECK(wasmtime_sharedmemory_clone(NULL) == NULL);
  CHECK(wasmtime_sharedmemory_type(NULL) == NULL);
  CHECK(wasmtime_sharedmemory_data(NULL) == NULL);
  CHECK(wasmtime_sharedmemory_data_size(NULL) == 0);
  CHECK(wasmtime_sharedmemory_size(NULL) == 0);
  uint64_t prev;
  EXPECT_ERROR(wasmtime_sharedmemory_grow(NULL, 1, &prev), "NULL");
  wasmtime_sharedmemory_delete(NULL);
  wasmtime_extern_delete(NULL);
  wasmtime_extern_t null_shared = {.kind = WASMTIME_EXTERN_SHAREDMEMORY};
  null_shared.of.sharedmemory = NULL;
  wasmtime_extern_delete(&null_shared);
  wasm_engine_delete(engine);
}

int main(void) {
  types();
  config();
  wasmtime_api();
  wasm_api();
  wasi();
  anyref();
  call_ref_chain();
  shared_memory();
  if (failures) {
    printf("%d failure(s)\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
