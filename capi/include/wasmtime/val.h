/*
 * wasmtime/val.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: values, GC references and the raw value representation.
 *
 * Layouts fixed by the ABI (x86_64 and other LP64 targets):
 *
 *   wasmtime_anyref_t / wasmtime_externref_t  16 bytes, align 8
 *   wasmtime_valunion_t                       16 bytes, align 8
 *   wasmtime_val_t     kind @0 (uint8_t), of @8, 24 bytes, align 8
 *   wasmtime_val_raw_t                        16 bytes, align 8
 *
 * GC references (anyref/externref) held in these structs are *rooted* in
 * their store: a value handed out by the library must eventually be
 * released with the matching *_unroot function (or wasmtime_val_unroot),
 * otherwise it stays alive until the store is deleted.  Null references are
 * represented in-line (store_id == 0), not by NULL pointers.
 */

#ifndef WASMTIME_VAL_H
#define WASMTIME_VAL_H

#include <stdalign.h>
#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================= */
/* anyref                                                                    */
/* ========================================================================= */

/* A rooted reference to a value of the `any` GC hierarchy (e.g. i31ref). */
typedef struct wasmtime_anyref {
  /* Owning store, or 0 for a null reference.  Do not modify. */
  uint64_t store_id;
  /* Private to the implementation. */
  uint32_t __private1;
  /* Private to the implementation. */
  uint32_t __private2;
} wasmtime_anyref_t;

/* Makes `*ref` a null anyref. */
static inline void wasmtime_anyref_set_null(wasmtime_anyref_t *ref) {
  ref->store_id = 0;
}

/* Whether `*ref` (which itself must not be NULL) is a null anyref. */
static inline bool wasmtime_anyref_is_null(const wasmtime_anyref_t *ref) {
  return ref->store_id == 0;
}

/* Stores a new root for the same object in `*out` (unroot it later). */
WASM_API_EXTERN void wasmtime_anyref_clone(wasmtime_context_t *context,
                                           const wasmtime_anyref_t *anyref,
                                           wasmtime_anyref_t *out);

/* Releases the root; `*ref` is unspecified afterwards.  Accepts null and
 * i31 values. */
WASM_API_EXTERN void wasmtime_anyref_unroot(wasmtime_context_t *context,
                                            wasmtime_anyref_t *ref);

/* Converts the `anyref` field of a wasmtime_val_raw_t into a rooted
 * reference stored in `*out`. */
WASM_API_EXTERN void wasmtime_anyref_from_raw(wasmtime_context_t *context,
                                              uint32_t raw,
                                              wasmtime_anyref_t *out);

/* Converts to the raw form used by wasmtime_val_raw_t.  The raw value is
 * not a root: no GC may run before it reaches wasm. */
WASM_API_EXTERN uint32_t wasmtime_anyref_to_raw(wasmtime_context_t *context,
                                                const wasmtime_anyref_t *ref);

/* Creates an i31ref holding `i31val` (wrapped to 31 bits) in `*out`. */
WASM_API_EXTERN void wasmtime_anyref_from_i31(wasmtime_context_t *context,
                                              uint32_t i31val,
                                              wasmtime_anyref_t *out);

/* If `anyref` is an i31ref, writes its zero-extended value to `*dst` and
 * returns true; otherwise returns false and leaves `*dst` alone. */
WASM_API_EXTERN bool wasmtime_anyref_i31_get_u(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref,
                                               uint32_t *dst);

/* As wasmtime_anyref_i31_get_u, but sign-extends. */
WASM_API_EXTERN bool wasmtime_anyref_i31_get_s(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref,
                                               int32_t *dst);

/* ========================================================================= */
/* externref                                                                 */
/* ========================================================================= */

/* A rooted reference to a host object passed through wasm as `externref`. */
typedef struct wasmtime_externref {
  /* Owning store, or 0 for a null reference.  Do not modify. */
  uint64_t store_id;
  /* Private to the implementation. */
  uint32_t __private1;
  /* Private to the implementation. */
  uint32_t __private2;
} wasmtime_externref_t;

/* Makes `*ref` a null externref. */
static inline void wasmtime_externref_set_null(wasmtime_externref_t *ref) {
  ref->store_id = 0;
}

/* Whether `*ref` (which itself must not be NULL) is a null externref. */
static inline bool wasmtime_externref_is_null(const wasmtime_externref_t *ref) {
  return ref->store_id == 0;
}

/*
 * Wraps host `data` in a new externref stored (rooted) in `*out`.  When the
 * object is collected, `finalizer` (if non-NULL) is called on `data`.
 * Returns false -- leaving `*out` untouched -- if no more GC objects can be
 * allocated right now (a GC may help).
 */
WASM_API_EXTERN bool wasmtime_externref_new(wasmtime_context_t *context,
                                            void *data,
                                            void (*finalizer)(void *),
                                            wasmtime_externref_t *out);

/* The `data` pointer the (non-null) externref was created with. */
WASM_API_EXTERN void *wasmtime_externref_data(wasmtime_context_t *context,
                                              const wasmtime_externref_t *data);

/* Stores a new root for the same object in `*out` (unroot it later). */
WASM_API_EXTERN void wasmtime_externref_clone(wasmtime_context_t *context,
                                              const wasmtime_externref_t *ref,
                                              wasmtime_externref_t *out);

/* Releases the root; `*ref` is unspecified afterwards.  Accepts null. */
WASM_API_EXTERN void wasmtime_externref_unroot(wasmtime_context_t *context,
                                               wasmtime_externref_t *ref);

/* Converts the `externref` field of a wasmtime_val_raw_t into a rooted
 * reference stored in `*out`. */
WASM_API_EXTERN void wasmtime_externref_from_raw(wasmtime_context_t *context,
                                                 uint32_t raw,
                                                 wasmtime_externref_t *out);

/* Converts to the raw form used by wasmtime_val_raw_t (not a root: no GC
 * may run before it reaches wasm). */
WASM_API_EXTERN uint32_t
wasmtime_externref_to_raw(wasmtime_context_t *context,
                          const wasmtime_externref_t *ref);

/* ========================================================================= */
/* Typed values                                                              */
/* ========================================================================= */

/* Discriminant of wasmtime_val_t. */
typedef uint8_t wasmtime_valkind_t;
#define WASMTIME_I32 0       /* of.i32 */
#define WASMTIME_I64 1       /* of.i64 */
#define WASMTIME_F32 2       /* of.f32 */
#define WASMTIME_F64 3       /* of.f64 */
#define WASMTIME_V128 4      /* of.v128 */
#define WASMTIME_FUNCREF 5   /* of.funcref */
#define WASMTIME_EXTERNREF 6 /* of.externref */
#define WASMTIME_ANYREF 7    /* of.anyref */

/* A v128 value, bytes in little-endian order. */
typedef uint8_t wasmtime_v128[16];

/* Payload of wasmtime_val_t; the active member is given by `kind`. */
typedef union wasmtime_valunion {
  int32_t i32;
  int64_t i64;
  float32_t f32;
  float64_t f64;
  wasmtime_anyref_t anyref;
  wasmtime_externref_t externref;
  /* store_id == 0 means `ref.null func` (see wasmtime_funcref_is_null). */
  wasmtime_func_t funcref;
  wasmtime_v128 v128;
} wasmtime_valunion_t;

/* Makes `*func` a null funcref (for use as wasmtime_valunion_t::funcref). */
static inline void wasmtime_funcref_set_null(wasmtime_func_t *func) {
  func->store_id = 0;
}

/* Whether `*func` is a null funcref. */
static inline bool wasmtime_funcref_is_null(const wasmtime_func_t *func) {
  return func->store_id == 0;
}

/*
 * Untyped value slot for wasmtime_func_new_unchecked and
 * wasmtime_func_call_unchecked.  The caller must know the type from
 * elsewhere.  All fields are stored little-endian.  Reference fields use the
 * raw encodings of the *_to_raw / *_from_raw functions; 0 is null.
 */
typedef union wasmtime_val_raw {
  int32_t i32;
  int64_t i64;
  float32_t f32;
  float64_t f64;
  wasmtime_v128 v128;
  /* raw anyref (see wasmtime_anyref_from_raw) */
  uint32_t anyref;
  /* raw externref (see wasmtime_externref_from_raw) */
  uint32_t externref;
  /* raw funcref (see wasmtime_func_from_raw) */
  void *funcref;
} wasmtime_val_raw_t;

/*
 * A typed wasm value.  APIs that take a wasmtime_val_t borrow it; APIs that
 * produce one give the caller ownership of any GC roots inside, to be
 * released with wasmtime_val_unroot.
 */
typedef struct wasmtime_val {
  /* Which member of `of` is valid; a WASMTIME_* kind. */
  wasmtime_valkind_t kind;
  /* The payload. */
  wasmtime_valunion_t of;
} wasmtime_val_t;

/* Releases the GC roots held by `val` (anyref/externref kinds); `*val` is
 * unspecified afterwards.  Not needed for numbers, v128 or funcref. */
WASM_API_EXTERN void wasmtime_val_unroot(wasmtime_context_t *context,
                                         wasmtime_val_t *val);

/* Copies `src` into `dst`, creating new roots for any GC references; unroot
 * `dst` later. */
WASM_API_EXTERN void wasmtime_val_clone(wasmtime_context_t *context,
                                        const wasmtime_val_t *src,
                                        wasmtime_val_t *dst);

/* Layout checks (these types are shared with the Rust implementation). */
#if defined(__cplusplus)
static_assert(sizeof(wasmtime_valunion_t) == 16, "should be 16 bytes large");
static_assert(alignof(wasmtime_valunion_t) == 8, "should be 8-byte aligned");
static_assert(sizeof(wasmtime_val_raw_t) == 16, "should be 16 bytes large");
static_assert(alignof(wasmtime_val_raw_t) == 8, "should be 8-byte aligned");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(wasmtime_valunion_t) == 16, "should be 16 bytes large");
_Static_assert(_Alignof(wasmtime_valunion_t) == 8, "should be 8-byte aligned");
_Static_assert(sizeof(wasmtime_val_raw_t) == 16, "should be 16 bytes large");
_Static_assert(_Alignof(wasmtime_val_raw_t) == 8, "should be 8-byte aligned");
#endif

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_VAL_H
