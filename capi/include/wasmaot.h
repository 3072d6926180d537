/*
 * wasmaot.h -- wasmaot's extensions to the Wasmtime v23 C API.
 *
 * Modules linked into the program by the system linker.  A module compiled with
 *
 *     wasmaot compile --emit obj --symbol-prefix fib_ fib.wat -o fib.o
 *
 * is a position-independent object whose only global symbol is its module
 * descriptor, `fib_wasmaot_module` (the prefix followed by `wasmaot_module`);
 * its functions are local symbols; it reaches the runtime through the
 * instance's context, and only Cranelift's float helpers (`wasmaot_rt_ceilf`
 * etc., when the target lacks the instruction) are resolved by libwasmaot.
 * Link it into the host:
 *
 *     cc host.c fib.o -lwasmaot
 *
 * and instantiate it without any file I/O:
 *
 *     WASMAOT_DECLARE_MODULE(fib_);
 *     wasmtime_module_t *module;
 *     wasmtime_error_t *err =
 *         wasmaot_module_from_static(engine, &WASMAOT_MODULE(fib_), &module);
 *
 * Give every module linked into one program its own prefix; the prefix is the
 * only thing that must differ.  The resulting module is an ordinary
 * wasmtime_module_t (imports, exports, instantiation, wasmtime_module_delete);
 * wasmtime_module_serialize fails for it, since there is no artifact file.
 *
 * The engine must be configured like the compilation (fuel, epoch
 * interruption), and the object must be for this host's target; otherwise
 * an error says what differs.
 */

#ifndef WASMAOT_H
#define WASMAOT_H

#include <wasmtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A module descriptor (layout: loader/abi/src/descriptor.rs, docs/FORMAT.md).
 * Opaque: only its address is used. */
typedef struct wasmaot_static_module wasmaot_static_module_t;

/* The descriptor symbol of the module compiled with `--symbol-prefix PREFIX`
 * (empty for no prefix: WASMAOT_MODULE()). */
#define WASMAOT_MODULE(prefix) prefix##wasmaot_module

/* Declare that descriptor: `WASMAOT_DECLARE_MODULE(fib_);` at file scope. */
#ifdef __cplusplus
#define WASMAOT_DECLARE_MODULE(prefix)                                        \
  extern "C" const wasmaot_static_module_t WASMAOT_MODULE(prefix)
#else
#define WASMAOT_DECLARE_MODULE(prefix)                                        \
  extern const wasmaot_static_module_t WASMAOT_MODULE(prefix)
#endif

/* Create a module from a descriptor linked into this program.  On success
 * returns NULL and stores a new module in *ret (free it with
 * wasmtime_module_delete); otherwise returns an error. */
WASM_API_EXTERN wasmtime_error_t *
wasmaot_module_from_static(const wasm_engine_t *engine,
                           const wasmaot_static_module_t *module,
                           wasmtime_module_t **ret);

/* Open a shared object made by `wasmaot compile --emit shared` (dlopen; it
 * stays open while the module lives) and create a module from it. */
WASM_API_EXTERN wasmtime_error_t *
wasmaot_module_from_shared_object(const wasm_engine_t *engine,
                                  const char *path, wasmtime_module_t **ret);

/* Whether engines made from this configuration check the CRC-32 of the whole
 * artifact in wasmtime_module_deserialize / _deserialize_file (default true).
 * With false, only the header (target, CPU features, settings) and the module
 * metadata are checked, as Wasmtime does: a damaged byte in the code is then
 * not detected, but loading no longer reads every page of the artifact and
 * takes time independent of the code's size.  For hosts that trust their
 * artifact store. */
WASM_API_EXTERN void wasmaot_config_artifact_checksum_set(wasm_config_t *config,
                                                          bool enable);

/* Exception handling (tags, try_table, throw, exnref), which Wasmtime v23
 * does not have.  Modules using it compile and run through this API:
 *
 * - Tags are not shown: wasmtime_module_imports/_exports, wasm_module_*,
 *   wasmtime_instance_export_nth and wasm_instance_exports skip them (export
 *   indices count the other exports only), and lookups by name
 *   (wasmtime_instance_export_get, wasmtime_linker_get, wasmtime_caller_
 *   export_get) do not find them.  A linker still resolves a tag import by
 *   name from an instance it defined (wasmtime_linker_define_instance);
 *   wasmtime_instance_new and wasm_instance_new cannot pass one and fail for
 *   a module that imports a tag.
 * - A call that ends with an exception no wasm handler caught returns an
 *   error (not a trap) whose message starts with "uncaught wasm exception";
 *   wasm_func_call returns it as a trap without a code.
 * - An exnref value is a wasmtime_val_t of kind WASMAOT_EXNREF with the
 *   reference in `of.externref` (store_id 0 for null): an opaque handle to
 *   an exception of the store, valid as long as the store.  Its value type
 *   kind (wasm_valtype_kind) is WASMAOT_VALKIND_EXNREF.  In wasm.h values
 *   (wasm_val_t) an exnref reads as a NULL reference of that kind, and only
 *   a NULL one can be passed. */
#define WASMAOT_EXNREF 8
#define WASMAOT_VALKIND_EXNREF 130

/* anyref (GC, switched on with wasmtime_config_wasm_gc_set; not in Wasmtime
 * 23's wasm.h):
 * - anyref, eqref and i31ref values are wasmtime_val_t of kind
 *   WASMTIME_ANYREF (wasmtime/val.h).  There is no GC heap: a non-null anyref
 *   is an i31 or an externref that wasm internalized (any.convert_extern).
 *   Like externrefs, they live as long as their store.
 * - Their value type kind (wasm_valtype_kind) is WASMAOT_VALKIND_ANYREF.  In
 *   wasm.h values (wasm_val_t) an anyref reads as a NULL reference of that
 *   kind, and only a NULL one can be passed.
 * - A failed ref.cast traps without a wasmtime_trap_code (its message is
 *   "cast failure"). */
#define WASMAOT_VALKIND_ANYREF 131

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WASMAOT_H */
