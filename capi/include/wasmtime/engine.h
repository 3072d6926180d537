/*
 * wasmtime/engine.h -- wasmaot's implementation of the Wasmtime v23 C API
 * surface: engine extensions (wasm_engine_t itself lives in wasm.h).
 */

#ifndef WASMTIME_ENGINE_H
#define WASMTIME_ENGINE_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Advances the engine-wide epoch counter by one.  Wasm running in a store
 * whose epoch deadline (wasmtime_context_set_epoch_deadline) has been reached
 * then traps with WASMTIME_TRAP_CODE_INTERRUPT or runs the store's epoch
 * callback.  Safe from any thread and async-signal-safe.  Requires
 * wasmtime_config_epoch_interruption_set(config, true).
 */
WASM_API_EXTERN void wasmtime_engine_increment_epoch(wasm_engine_t *engine);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // WASMTIME_ENGINE_H
