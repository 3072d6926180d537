/* interrupt: stop an endless loop with epoch interruption from a second
 * thread; then let an epoch-deadline callback extend the deadline a few
 * times before it fails the call with its own error. */
#define _POSIX_C_SOURCE 200809L
#include "example.h"
#include <pthread.h>
#include <time.h>

static const char *WAT =
    "(module\n"
    "  (func $spin (export \"spin\") (loop $l (br $l))))\n";

static void *ticker(void *arg) {
  wasm_engine_t *engine = arg;
  for (int i = 0; i < 50; i++) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wasmtime_engine_increment_epoch(engine);
  }
  return NULL;
}

static int callbacks;
static wasmtime_error_t *on_deadline(wasmtime_context_t *cx, void *data,
                                     uint64_t *delta,
                                     wasmtime_update_deadline_kind_t *kind) {
  (void)cx;
  printf("deadline callback %d (data %s)\n", ++callbacks, (const char *)data);
  if (callbacks == 3)
    return wasmtime_error_new("giving up after 3 extensions");
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
  wasmtime_module_t *module = compile_text(engine, WAT);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t spin = get_func(cx, &instance, "spin");

  wasmtime_context_set_epoch_deadline(cx, 1);
  pthread_t thread;
  pthread_create(&thread, NULL, ticker, engine);
  error = wasmtime_func_call(cx, &spin, NULL, 0, NULL, 0, &trap);
  if (error != NULL)
    exit_with_error("call", error, NULL);
  if (trap != NULL)
    print_trap("spin", trap);
  pthread_join(thread, NULL);

  wasmtime_store_epoch_deadline_callback(store, on_deadline, "cb-data", NULL);
  wasmtime_context_set_epoch_deadline(cx, 1);
  pthread_create(&thread, NULL, ticker, engine);
  error = wasmtime_func_call(cx, &spin, NULL, 0, NULL, 0, &trap);
  if (error != NULL)
    print_error("spin with a callback", error);
  else if (trap != NULL)
    print_trap("spin with a callback", trap);
  pthread_join(thread, NULL);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
