/*
 * layout.c -- compile-time ABI checks for wasmaot's Wasmtime-v23-compatible
 * C headers (capi/include).  Build on x86_64 (or any LP64 target):
 *
 *   cc -std=c11 -Wall -Wextra -Werror -Icapi/include -c capi/tests/layout.c
 *
 * The numbers below are the ABI of Wasmtime 23.0.x on x86_64; the Rust side
 * of libwasmaot (#[repr(C)] mirrors) must agree with every one of them.
 */

#include <stddef.h>
#include <wasi.h>
#include <wasmtime.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "layout.c encodes LP64 (x86_64/aarch64) sizes"
#endif

#define SIZE(T, n) _Static_assert(sizeof(T) == (n), "sizeof(" #T ") != " #n)
#define ALIGN(T, n) _Static_assert(_Alignof(T) == (n), "alignof(" #T ") != " #n)
#define OFF(T, f, n)                                                           \
  _Static_assert(offsetof(T, f) == (n), "offsetof(" #T ", " #f ") != " #n)
#define VAL(e, n) _Static_assert((e) == (n), #e " != " #n)

/* ---- wasm.h ------------------------------------------------------------ */

SIZE(byte_t, 1);
SIZE(float32_t, 4);
SIZE(float64_t, 8);

SIZE(wasm_byte_vec_t, 16); ALIGN(wasm_byte_vec_t, 8);
OFF(wasm_byte_vec_t, size, 0); OFF(wasm_byte_vec_t, data, 8);
SIZE(wasm_name_t, 16);
SIZE(wasm_valtype_vec_t, 16);
SIZE(wasm_extern_vec_t, 16);
SIZE(wasm_frame_vec_t, 16);
SIZE(wasm_val_vec_t, 16); ALIGN(wasm_val_vec_t, 8);
OFF(wasm_val_vec_t, size, 0); OFF(wasm_val_vec_t, data, 8);

SIZE(wasm_limits_t, 8); ALIGN(wasm_limits_t, 4);
OFF(wasm_limits_t, min, 0); OFF(wasm_limits_t, max, 4);

SIZE(wasm_val_t, 16); ALIGN(wasm_val_t, 8);
OFF(wasm_val_t, kind, 0); OFF(wasm_val_t, of, 8);
OFF(wasm_val_t, of.i32, 8); OFF(wasm_val_t, of.i64, 8);
OFF(wasm_val_t, of.f32, 8); OFF(wasm_val_t, of.f64, 8);
OFF(wasm_val_t, of.ref, 8);

SIZE(wasm_valkind_t, 1);
SIZE(wasm_externkind_t, 1);
SIZE(wasm_mutability_t, 1);
SIZE(wasm_table_size_t, 4);
SIZE(wasm_memory_pages_t, 4);

VAL(WASM_I32, 0); VAL(WASM_I64, 1); VAL(WASM_F32, 2); VAL(WASM_F64, 3);
VAL(WASM_EXTERNREF, 128); VAL(WASM_FUNCREF, 129);
VAL(WASM_CONST, 0); VAL(WASM_VAR, 1);
VAL(WASM_EXTERN_FUNC, 0); VAL(WASM_EXTERN_GLOBAL, 1);
VAL(WASM_EXTERN_TABLE, 2); VAL(WASM_EXTERN_MEMORY, 3);

/* ---- wasmtime/extern.h, instance.h --------------------------------------- */

SIZE(wasmtime_func_t, 16); ALIGN(wasmtime_func_t, 8);
OFF(wasmtime_func_t, store_id, 0); OFF(wasmtime_func_t, __private, 8);
SIZE(wasmtime_table_t, 16); ALIGN(wasmtime_table_t, 8);
OFF(wasmtime_table_t, store_id, 0); OFF(wasmtime_table_t, __private, 8);
SIZE(wasmtime_memory_t, 16); ALIGN(wasmtime_memory_t, 8);
OFF(wasmtime_memory_t, store_id, 0); OFF(wasmtime_memory_t, __private, 8);
SIZE(wasmtime_global_t, 16); ALIGN(wasmtime_global_t, 8);
OFF(wasmtime_global_t, store_id, 0); OFF(wasmtime_global_t, __private, 8);
SIZE(wasmtime_instance_t, 16); ALIGN(wasmtime_instance_t, 8);
OFF(wasmtime_instance_t, store_id, 0); OFF(wasmtime_instance_t, __private, 8);

SIZE(wasmtime_extern_kind_t, 1);
SIZE(wasmtime_extern_union_t, 16); ALIGN(wasmtime_extern_union_t, 8);
SIZE(wasmtime_extern_t, 24); ALIGN(wasmtime_extern_t, 8);
OFF(wasmtime_extern_t, kind, 0); OFF(wasmtime_extern_t, of, 8);
OFF(wasmtime_extern_t, of.func, 8); OFF(wasmtime_extern_t, of.global, 8);
OFF(wasmtime_extern_t, of.table, 8); OFF(wasmtime_extern_t, of.memory, 8);
OFF(wasmtime_extern_t, of.sharedmemory, 8);

VAL(WASMTIME_EXTERN_FUNC, 0); VAL(WASMTIME_EXTERN_GLOBAL, 1);
VAL(WASMTIME_EXTERN_TABLE, 2); VAL(WASMTIME_EXTERN_MEMORY, 3);
VAL(WASMTIME_EXTERN_SHAREDMEMORY, 4);

/* ---- wasmtime/val.h ------------------------------------------------------ */

SIZE(wasmtime_anyref_t, 16); ALIGN(wasmtime_anyref_t, 8);
OFF(wasmtime_anyref_t, store_id, 0);
OFF(wasmtime_anyref_t, __private1, 8); OFF(wasmtime_anyref_t, __private2, 12);
SIZE(wasmtime_externref_t, 16); ALIGN(wasmtime_externref_t, 8);
OFF(wasmtime_externref_t, store_id, 0);
OFF(wasmtime_externref_t, __private1, 8);
OFF(wasmtime_externref_t, __private2, 12);

SIZE(wasmtime_v128, 16); ALIGN(wasmtime_v128, 1);
SIZE(wasmtime_valkind_t, 1);
SIZE(wasmtime_valunion_t, 16); ALIGN(wasmtime_valunion_t, 8);
SIZE(wasmtime_val_t, 24); ALIGN(wasmtime_val_t, 8);
OFF(wasmtime_val_t, kind, 0); OFF(wasmtime_val_t, of, 8);
OFF(wasmtime_val_t, of.i32, 8); OFF(wasmtime_val_t, of.i64, 8);
OFF(wasmtime_val_t, of.f32, 8); OFF(wasmtime_val_t, of.f64, 8);
OFF(wasmtime_val_t, of.v128, 8); OFF(wasmtime_val_t, of.funcref, 8);
OFF(wasmtime_val_t, of.externref, 8); OFF(wasmtime_val_t, of.anyref, 8);
SIZE(wasmtime_val_raw_t, 16); ALIGN(wasmtime_val_raw_t, 8);

VAL(WASMTIME_I32, 0); VAL(WASMTIME_I64, 1); VAL(WASMTIME_F32, 2);
VAL(WASMTIME_F64, 3); VAL(WASMTIME_V128, 4); VAL(WASMTIME_FUNCREF, 5);
VAL(WASMTIME_EXTERNREF, 6); VAL(WASMTIME_ANYREF, 7);

/* ---- wasmtime/config.h, store.h, trap.h ---------------------------------- */

SIZE(wasmtime_strategy_t, 1);
VAL(WASMTIME_STRATEGY_AUTO, 0); VAL(WASMTIME_STRATEGY_CRANELIFT, 1);
SIZE(wasmtime_opt_level_t, 1);
VAL(WASMTIME_OPT_LEVEL_NONE, 0); VAL(WASMTIME_OPT_LEVEL_SPEED, 1);
VAL(WASMTIME_OPT_LEVEL_SPEED_AND_SIZE, 2);
SIZE(wasmtime_profiling_strategy_t, 1);
VAL(WASMTIME_PROFILING_STRATEGY_NONE, 0);
VAL(WASMTIME_PROFILING_STRATEGY_JITDUMP, 1);
VAL(WASMTIME_PROFILING_STRATEGY_VTUNE, 2);
VAL(WASMTIME_PROFILING_STRATEGY_PERFMAP, 3);

SIZE(wasmtime_linear_memory_t, 32); ALIGN(wasmtime_linear_memory_t, 8);
OFF(wasmtime_linear_memory_t, env, 0);
OFF(wasmtime_linear_memory_t, get_memory, 8);
OFF(wasmtime_linear_memory_t, grow_memory, 16);
OFF(wasmtime_linear_memory_t, finalizer, 24);
SIZE(wasmtime_memory_creator_t, 24); ALIGN(wasmtime_memory_creator_t, 8);
OFF(wasmtime_memory_creator_t, env, 0);
OFF(wasmtime_memory_creator_t, new_memory, 8);
OFF(wasmtime_memory_creator_t, finalizer, 16);

SIZE(wasmtime_update_deadline_kind_t, 1);
VAL(WASMTIME_UPDATE_DEADLINE_CONTINUE, 0);
VAL(WASMTIME_UPDATE_DEADLINE_YIELD, 1);

SIZE(wasmtime_trap_code_t, 1);
VAL(WASMTIME_TRAP_CODE_STACK_OVERFLOW, 0);
VAL(WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS, 1);
VAL(WASMTIME_TRAP_CODE_HEAP_MISALIGNED, 2);
VAL(WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS, 3);
VAL(WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL, 4);
VAL(WASMTIME_TRAP_CODE_BAD_SIGNATURE, 5);
VAL(WASMTIME_TRAP_CODE_INTEGER_OVERFLOW, 6);
VAL(WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO, 7);
VAL(WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER, 8);
VAL(WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED, 9);
VAL(WASMTIME_TRAP_CODE_INTERRUPT, 10);
VAL(WASMTIME_TRAP_CODE_OUT_OF_FUEL, 11);

/* ---- wasmtime/async.h, profiling.h ---------------------------------------- */

SIZE(wasmtime_async_continuation_t, 24);
OFF(wasmtime_async_continuation_t, callback, 0);
OFF(wasmtime_async_continuation_t, env, 8);
OFF(wasmtime_async_continuation_t, finalizer, 16);
SIZE(wasmtime_stack_memory_t, 24);
OFF(wasmtime_stack_memory_t, env, 0);
OFF(wasmtime_stack_memory_t, get_stack_memory, 8);
OFF(wasmtime_stack_memory_t, finalizer, 16);
SIZE(wasmtime_stack_creator_t, 24);
OFF(wasmtime_stack_creator_t, env, 0);
OFF(wasmtime_stack_creator_t, new_stack, 8);
OFF(wasmtime_stack_creator_t, finalizer, 16);
SIZE(wasmtime_guestprofiler_modules_t, 16);
OFF(wasmtime_guestprofiler_modules_t, name, 0);
OFF(wasmtime_guestprofiler_modules_t, mod, 8);

/* ---- versions ----------------------------------------------------------- */

VAL(WASMTIME_VERSION_MAJOR, 23);
VAL(WASMTIME_VERSION_MINOR, 0);
_Static_assert(sizeof(WASMTIME_VERSION) >= 5, "version string");

/* ---- opaque types --------------------------------------------------------
 * These must stay incomplete in the public headers (hosts only ever hold
 * pointers).  Completing them here would fail to compile if a header had
 * already defined them. */
struct wasmtime_error { int probe; };
struct wasmtime_module { int probe; };
struct wasmtime_store { int probe; };
struct wasmtime_context { int probe; };
struct wasmtime_linker { int probe; };
struct wasmtime_caller { int probe; };
struct wasmtime_instance_pre { int probe; };
struct wasmtime_sharedmemory { int probe; };
struct wasmtime_call_future { int probe; };
struct wasmtime_guestprofiler { int probe; };
struct wasm_engine_t { int probe; };
struct wasm_config_t { int probe; };
struct wasm_store_t { int probe; };
struct wasm_trap_t { int probe; };
struct wasm_frame_t { int probe; };
struct wasm_module_t { int probe; };
struct wasm_func_t { int probe; };
struct wasm_functype_t { int probe; };
struct wasm_valtype_t { int probe; };
struct wasm_extern_t { int probe; };
struct wasi_config_t { int probe; };

/* Keep the object file non-empty. */
int wasmaot_layout_checks_passed(void);
int wasmaot_layout_checks_passed(void) { return 1; }
