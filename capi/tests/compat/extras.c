/* extras: compile-only coverage of the rest of the v23 surface (config
 * setters, limiter, async, guest profiler, shared memory, anyref/i31,
 * custom memory/stack creators). */
#include "common.h"

static uint8_t *get_mem(void *env, size_t *size, size_t *max) {
  (void)env; *size = 0; *max = 0;
  return NULL;
}
static wasmtime_error_t *grow_mem(void *env, size_t new_size) {
  (void)env; (void)new_size;
  return wasmtime_error_new("no");
}
static wasmtime_error_t *new_mem(void *env, const wasm_memorytype_t *ty,
                                 size_t min, size_t max, size_t reserved,
                                 size_t guard, wasmtime_linear_memory_t *ret) {
  (void)env; (void)ty; (void)min; (void)max; (void)reserved; (void)guard;
  ret->env = NULL;
  ret->get_memory = get_mem;
  ret->grow_memory = grow_mem;
  ret->finalizer = NULL;
  return NULL;
}
static uint8_t *get_stack(void *env, size_t *len) { (void)env; *len = 0; return NULL; }
static wasmtime_error_t *new_stack(void *env, size_t size,
                                   wasmtime_stack_memory_t *ret) {
  (void)env; (void)size;
  ret->env = NULL;
  ret->get_stack_memory = get_stack;
  ret->finalizer = NULL;
  return NULL;
}
static bool done(void *env) { (void)env; return true; }
static void async_cb(void *env, wasmtime_caller_t *caller,
                     const wasmtime_val_t *args, size_t nargs,
                     wasmtime_val_t *results, size_t nresults,
                     wasm_trap_t **trap_ret,
                     wasmtime_async_continuation_t *cont) {
  (void)env; (void)caller; (void)args; (void)nargs; (void)results;
  (void)nresults; (void)trap_ret;
  cont->callback = done;
  cont->env = NULL;
  cont->finalizer = NULL;
}

int main(void) {
  wasm_config_t *c = wasm_config_new();
  wasmtime_config_debug_info_set(c, false);
  wasmtime_config_max_wasm_stack_set(c, 1 << 20);
  wasmtime_config_wasm_threads_set(c, true);
  wasmtime_config_wasm_tail_call_set(c, true);
  wasmtime_config_wasm_function_references_set(c, false);
  wasmtime_config_wasm_gc_set(c, false);
  wasmtime_config_wasm_simd_set(c, true);
  wasmtime_config_wasm_relaxed_simd_set(c, true);
  wasmtime_config_wasm_relaxed_simd_deterministic_set(c, false);
  wasmtime_config_wasm_bulk_memory_set(c, true);
  wasmtime_config_wasm_multi_memory_set(c, true);
  wasmtime_config_wasm_memory64_set(c, false);
  wasmtime_config_strategy_set(c, WASMTIME_STRATEGY_AUTO);
  wasmtime_config_parallel_compilation_set(c, true);
  wasmtime_config_cranelift_debug_verifier_set(c, false);
  wasmtime_config_cranelift_nan_canonicalization_set(c, false);
  wasmtime_config_cranelift_opt_level_set(c, WASMTIME_OPT_LEVEL_SPEED);
  wasmtime_config_profiler_set(c, WASMTIME_PROFILING_STRATEGY_NONE);
  wasmtime_config_static_memory_forced_set(c, false);
  wasmtime_config_static_memory_maximum_size_set(c, 1ull << 32);
  wasmtime_config_static_memory_guard_size_set(c, 1ull << 31);
  wasmtime_config_dynamic_memory_guard_size_set(c, 1 << 16);
  wasmtime_config_dynamic_memory_reserved_for_growth_set(c, 1 << 20);
  wasmtime_config_native_unwind_info_set(c, true);
  wasmtime_config_macos_use_mach_ports_set(c, true);
  wasmtime_config_memory_init_cow_set(c, true);
  wasmtime_config_cranelift_flag_enable(c, "has_sse41");
  wasmtime_config_cranelift_flag_set(c, "opt_level", "speed");
  wasmtime_error_t *e = wasmtime_config_target_set(c, "x86_64-unknown-linux-gnu");
  if (e) wasmtime_error_delete(e);
  e = wasmtime_config_cache_config_load(c, NULL);
  if (e) wasmtime_error_delete(e);
  wasmtime_memory_creator_t mc = {NULL, new_mem, NULL};
  wasmtime_config_host_memory_creator_set(c, &mc);
  wasmtime_config_async_support_set(c, true);
  wasmtime_config_async_stack_size_set(c, 2 << 20);
  wasmtime_stack_creator_t sc = {NULL, new_stack, NULL};
  wasmtime_config_host_stack_creator_set(c, &sc);

  wasm_engine_t *engine = wasm_engine_new_with_config(c);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_store_limiter(store, 1 << 24, -1, 10, 10, 10);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_context_set_data(cx, wasmtime_context_get_data(cx));
  e = wasmtime_context_fuel_async_yield_interval(cx, 1000);
  if (e) wasmtime_error_delete(e);
  e = wasmtime_context_epoch_deadline_async_yield_and_update(cx, 1);
  if (e) wasmtime_error_delete(e);

  /* async */
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_linker_allow_shadowing(linker, true);
  wasm_functype_t *ty = wasm_functype_new_0_0();
  e = wasmtime_linker_define_async_func(linker, "host", 4, "f", 1, ty,
                                        async_cb, NULL, NULL);
  if (e) wasmtime_error_delete(e);
  wasm_functype_delete(ty);
  wasmtime_linker_t *copy = wasmtime_linker_clone(linker);
  wasmtime_linker_delete(copy);
  wasmtime_module_t *module = compile_wat(engine, "hello.wat");
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err = NULL;
  wasmtime_call_future_t *fut =
      wasmtime_linker_instantiate_async(linker, cx, module, &inst, &trap, &err);
  while (!wasmtime_call_future_poll(fut)) {
  }
  wasmtime_call_future_delete(fut);
  wasmtime_func_t f = {0, 0};
  fut = wasmtime_func_call_async(cx, &f, NULL, 0, NULL, 0, &trap, &err);
  wasmtime_call_future_delete(fut);
  wasmtime_instance_pre_t *pre = NULL;
  e = wasmtime_linker_instantiate_pre(linker, module, &pre);
  if (e == NULL) {
    fut = wasmtime_instance_pre_instantiate_async(pre, cx, &inst, &trap, &err);
    wasmtime_call_future_delete(fut);
    wasmtime_instance_pre_delete(pre);
  } else {
    wasmtime_error_delete(e);
  }

  /* guest profiler */
  wasm_name_t name;
  wasm_name_new_from_string(&name, "guest");
  wasmtime_guestprofiler_modules_t mods[1] = {{&name, module}};
  wasmtime_guestprofiler_t *prof =
      wasmtime_guestprofiler_new(&name, 1000000, mods, 1);
  wasmtime_guestprofiler_sample(prof, store, 0);
  wasm_byte_vec_t out;
  e = wasmtime_guestprofiler_finish(prof, &out);
  if (e) wasmtime_error_delete(e); else wasm_byte_vec_delete(&out);
  wasmtime_guestprofiler_delete(NULL);
  wasm_name_delete(&name);

  /* shared memory */
  wasm_limits_t lim = {1, 2};
  wasm_memorytype_t *mt = wasm_memorytype_new(&lim);
  wasmtime_sharedmemory_t *shm = NULL;
  e = wasmtime_sharedmemory_new(engine, mt, &shm);
  if (e == NULL) {
    wasmtime_sharedmemory_t *shm2 = wasmtime_sharedmemory_clone(shm);
    uint64_t prev;
    wasmtime_error_t *ge = wasmtime_sharedmemory_grow(shm2, 1, &prev);
    if (ge) wasmtime_error_delete(ge);
    printf("%p %zu %llu\n", (void *)wasmtime_sharedmemory_data(shm),
           wasmtime_sharedmemory_data_size(shm),
           (unsigned long long)wasmtime_sharedmemory_size(shm));
    wasm_memorytype_t *t2 = wasmtime_sharedmemory_type(shm2);
    wasm_memorytype_delete(t2);
    wasmtime_extern_t ext;
    ext.kind = WASMTIME_EXTERN_SHAREDMEMORY;
    ext.of.sharedmemory = shm2;
    wasm_externtype_t *et = wasmtime_extern_type(cx, &ext);
    if (et) wasm_externtype_delete(et);
    wasmtime_extern_delete(&ext);
    wasmtime_sharedmemory_delete(shm);
  } else {
    wasmtime_error_delete(e);
  }
  wasm_memorytype_delete(mt);

  /* anyref / i31 */
  wasmtime_anyref_t a, b;
  wasmtime_anyref_from_i31(cx, 42, &a);
  uint32_t u;
  int32_t s;
  if (wasmtime_anyref_i31_get_u(cx, &a, &u) &&
      wasmtime_anyref_i31_get_s(cx, &a, &s))
    printf("i31 %u %d\n", u, s);
  wasmtime_anyref_clone(cx, &a, &b);
  uint32_t raw = wasmtime_anyref_to_raw(cx, &b);
  wasmtime_anyref_unroot(cx, &b);
  wasmtime_anyref_from_raw(cx, raw, &b);
  if (!wasmtime_anyref_is_null(&b))
    wasmtime_anyref_unroot(cx, &b);
  wasmtime_anyref_set_null(&a);

  /* errors and traps */
  e = wasmtime_error_new("boom");
  wasm_frame_vec_t frames;
  wasmtime_error_wasm_trace(e, &frames);
  wasm_frame_vec_delete(&frames);
  wasmtime_error_delete(e);
  wasm_trap_t *t = wasmtime_trap_new("msg", 3);
  wasm_frame_t *origin = wasm_trap_origin(t);
  if (origin) {
    const wasm_name_t *mn = wasmtime_frame_module_name(origin);
    (void)mn;
    printf("%zu %zu\n", wasm_frame_func_offset(origin),
           wasm_frame_module_offset(origin));
    wasm_frame_delete(origin);
  }
  wasm_trap_delete(t);

  wasmtime_engine_increment_epoch(engine);
  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("%s (%d.%d.%d)\n", WASMTIME_VERSION, WASMTIME_VERSION_MAJOR,
         WASMTIME_VERSION_MINOR, WASMTIME_VERSION_PATCH);
  return 0;
}
