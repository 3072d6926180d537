/*
 * wasmtime/trap.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: trap codes and frame names (wasm_trap_t itself is in wasm.h).
 */

#ifndef WASMTIME_TRAP_H
#define WASMTIME_TRAP_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a wasm instruction trapped; one of wasmtime_trap_code_enum. */
typedef uint8_t wasmtime_trap_code_t;

enum wasmtime_trap_code_enum {
  WASMTIME_TRAP_CODE_STACK_OVERFLOW,            /*  0 */
  WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS,      /*  1 */
  WASMTIME_TRAP_CODE_HEAP_MISALIGNED,           /*  2: unaligned atomic */
  WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS,       /*  3 */
  WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL,     /*  4 */
  WASMTIME_TRAP_CODE_BAD_SIGNATURE,             /*  5 */
  WASMTIME_TRAP_CODE_INTEGER_OVERFLOW,          /*  6 */
  WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO,  /*  7 */
  WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER, /*  8 */
  WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED,  /*  9 */
  WASMTIME_TRAP_CODE_INTERRUPT,                 /* 10: epoch deadline */
  WASMTIME_TRAP_CODE_OUT_OF_FUEL,               /* 11 */
};

/* A new trap carrying a copy of the `msg_len`-byte message; owned by the
 * caller (or by the engine once returned from a host callback). */
WASM_API_EXTERN wasm_trap_t *wasmtime_trap_new(const char *msg, size_t msg_len);

/* For a trap raised by a wasm instruction, stores its code in `*code` and
 * returns true.  Returns false for host-created traps and WASI exits. */
WASM_API_EXTERN bool wasmtime_trap_code(const wasm_trap_t *,
                                        wasmtime_trap_code_t *code);

/* The frame's function name from the name section, or NULL.  Borrowed:
 * lives as long as the frame. */
WASM_API_EXTERN const wasm_name_t *
wasmtime_frame_func_name(const wasm_frame_t *);

/* The frame's module name, or NULL.  Borrowed: lives as long as the frame. */
WASM_API_EXTERN const wasm_name_t *
wasmtime_frame_module_name(const wasm_frame_t *);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_TRAP_H
