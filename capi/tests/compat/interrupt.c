/* interrupt: stop an infinite loop with epoch interruption from a second
 * thread, then do the same with an epoch-deadline callback. */
#define _POSIX_C_SOURCE 200809L
#include "common.h"
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static void *ticker(void *arg) {
  wasm_engine_t *engine = arg;
  /* Several ticks: the callback variant extends the deadline by one tick
   * three times before giving up. */
  for (int i = 0; i < 5; i++) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wasmtime_engine_increment_epoch(engine);
  }
  return NULL;
}

static int callbacks;

static wasmtime_error_t *on_deadline(wasmtime_context_t *cx, void *data,
                                     uint64_t *delta,
                                     wasmtime_update_deadline_kind_t *kind) {
  (void)cx; (void)data;
  if (++callbacks > 3)
    return wasmtime_error_new("giving up");
  *delta = 1;
  *kind = WASMTIME_UPDATE_DEADLINE_CONTINUE;
  return NULL;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_epoch_interruption_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_context_set_epoch_deadline(cx, 1);

  wasmtime_module_t *module = compile_wat(engine, "interrupt.wat");
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);
  wasmtime_extern_t run;
  if (!wasmtime_instance_export_get(cx, &instance, "run", 3, &run))
    return 1;

  pthread_t thread;
  pthread_create(&thread, NULL, ticker, engine);
  error = wasmtime_func_call(cx, &run.of.func, NULL, 0, NULL, 0, &trap);
  pthread_join(thread, NULL);
  if (error != NULL)
    die("call", error, NULL);
  wasmtime_trap_code_t code = 0;
  if (trap == NULL || !wasmtime_trap_code(trap, &code) ||
      code != WASMTIME_TRAP_CODE_INTERRUPT)
    return 1;
  wasm_frame_vec_t frames;
  wasm_trap_trace(trap, &frames);
  for (size_t i = 0; i < frames.size; i++) {
    const wasm_name_t *fname = wasmtime_frame_func_name(frames.data[i]);
    printf("  #%zu func %u %.*s\n", i, wasm_frame_func_index(frames.data[i]),
           fname ? (int)fname->size : 0, fname ? fname->data : "");
  }
  wasm_frame_vec_delete(&frames);
  wasm_trap_delete(trap);

  /* Callback variant: the callback extends the deadline three times, then
   * fails the call with its own error. */
  wasmtime_store_epoch_deadline_callback(store, on_deadline, NULL, NULL);
  wasmtime_context_set_epoch_deadline(cx, 1);
  pthread_create(&thread, NULL, ticker, engine);
  error = wasmtime_func_call(cx, &run.of.func, NULL, 0, NULL, 0, &trap);
  pthread_join(thread, NULL);
  if (error != NULL) {
    int status;
    if (wasmtime_error_exit_status(error, &status))
      printf("exit status %d\n", status);
    wasmtime_error_delete(error);
  }

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
