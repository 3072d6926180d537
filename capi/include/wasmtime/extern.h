/*
 * wasmtime/extern.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: store-bound handles and wasmtime_extern_t.
 *
 * Functions, tables, memories and globals are plain-old-data handles: a
 * store identifier plus a private index.  They have no destructor, may be
 * copied freely, and are only valid together with the store that created
 * them.  Passing one to the wrong store is a programming error (the library
 * may abort).  Layouts are fixed by the ABI:
 *
 *   wasmtime_func_t / _table_t / _memory_t / _global_t   16 bytes, align 8
 *   wasmtime_extern_union_t                              16 bytes, align 8
 *   wasmtime_extern_t     kind @0 (uint8_t), of @8       24 bytes, align 8
 */

#ifndef WASMTIME_EXTERN_H
#define WASMTIME_EXTERN_H

#include <wasmtime/module.h>
#include <wasmtime/sharedmemory.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A function in a store.  `store_id == 0` is used (inside wasmtime_val_t)
 * to encode a null funcref; valid functions never have a zero store_id. */
typedef struct wasmtime_func {
  /* Identifies the owning store (0 only for a null funcref). */
  uint64_t store_id;
  /* Private to the implementation; undefined when store_id is 0. */
  size_t __private;
} wasmtime_func_t;

/* A table in a store. */
typedef struct wasmtime_table {
  /* Identifies the owning store; never 0. */
  uint64_t store_id;
  /* Private to the implementation. */
  size_t __private;
} wasmtime_table_t;

/* A linear memory in a store. */
typedef struct wasmtime_memory {
  /* Identifies the owning store; never 0. */
  uint64_t store_id;
  /* Private to the implementation. */
  size_t __private;
} wasmtime_memory_t;

/* A global in a store. */
typedef struct wasmtime_global {
  /* Identifies the owning store; never 0. */
  uint64_t store_id;
  /* Private to the implementation. */
  size_t __private;
} wasmtime_global_t;

/* Discriminant of wasmtime_extern_t. */
typedef uint8_t wasmtime_extern_kind_t;

#define WASMTIME_EXTERN_FUNC 0         /* of.func */
#define WASMTIME_EXTERN_GLOBAL 1       /* of.global */
#define WASMTIME_EXTERN_TABLE 2        /* of.table */
#define WASMTIME_EXTERN_MEMORY 3       /* of.memory */
#define WASMTIME_EXTERN_SHAREDMEMORY 4 /* of.sharedmemory */

/* Payload of wasmtime_extern_t; the active member is given by `kind`. */
typedef union wasmtime_extern_union {
  wasmtime_func_t func;
  wasmtime_global_t global;
  wasmtime_table_t table;
  wasmtime_memory_t memory;
  /* An owned handle when returned by the library (free it with
   * wasmtime_extern_delete). */
  struct wasmtime_sharedmemory *sharedmemory;
} wasmtime_extern_union_t;

/*
 * Any importable/exportable item.  APIs that take a wasmtime_extern_t borrow
 * it; APIs that produce one hand ownership to the caller, who should call
 * wasmtime_extern_delete (only the shared-memory kind actually owns
 * anything).
 */
typedef struct wasmtime_extern {
  /* Which member of `of` is valid; a WASMTIME_EXTERN_* value. */
  wasmtime_extern_kind_t kind;
  /* The item itself. */
  wasmtime_extern_union_t of;
} wasmtime_extern_t;

/* Releases whatever `val` owns (not the memory `val` points to). */
WASM_API_EXTERN void wasmtime_extern_delete(wasmtime_extern_t *val);

/* The type of `val` within `context`'s store; the returned type is owned by
 * the caller. */
WASM_API_EXTERN wasm_externtype_t *
wasmtime_extern_type(wasmtime_context_t *context, wasmtime_extern_t *val);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_EXTERN_H
