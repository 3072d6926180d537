/* wasi_threads: a host that gives a wasi-threads program its `wasi::thread-spawn`
 * through the C API, as a Wasmtime 23 embedder would (its C API has no wasi-threads):
 * one shared memory made from the program's memory import, and for each spawned thread
 * an OS thread with its own store and instance of the same module, sharing that memory,
 * running `wasi_thread_start(tid, arg)`. The program is ../wasi/threads/primes.wasm
 * (C, built with clang); it must print what its native pthreads build prints. */
#include "example.h"
#include <pthread.h>
#include <stdatomic.h>

static wasm_engine_t *engine;
static wasmtime_module_t *module;
static wasmtime_sharedmemory_t *memory;
static atomic_int next_tid = 1;
/* The threads of the current run, joined when its _start returns. */
#define MAX_THREADS 64
static pthread_t spawned_threads[MAX_THREADS];
static atomic_int spawned;

static wasmtime_error_t *instantiate(wasmtime_context_t *cx,
                                     const char **argv, size_t argc,
                                     wasmtime_instance_t *instance,
                                     wasm_trap_t **trap);

struct spawned {
  int32_t tid, arg;
};

static void *thread_main(void *p) {
  struct spawned s = *(struct spawned *)p;
  free(p);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = instantiate(cx, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate a thread", error, trap);
  wasmtime_func_t start = get_func(cx, &instance, "wasi_thread_start");
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = s.tid},
                            {.kind = WASMTIME_I32, .of.i32 = s.arg}};
  error = wasmtime_func_call(cx, &start, args, 2, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("wasi_thread_start", error, trap);
  wasmtime_store_delete(store);
  return NULL;
}

/* wasi::thread-spawn(start_arg) -> tid, or -1. */
static wasm_trap_t *thread_spawn(void *env, wasmtime_caller_t *caller,
                                 const wasmtime_val_t *args, size_t nargs,
                                 wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)nargs;
  (void)nresults;
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = -1;
  int slot = atomic_fetch_add(&spawned, 1);
  if (slot >= MAX_THREADS) {
    atomic_fetch_sub(&spawned, 1);
    return NULL;
  }
  int32_t tid = atomic_fetch_add(&next_tid, 1);
  struct spawned *s = malloc(sizeof *s); /* freed by the thread */
  s->tid = tid;
  s->arg = args[0].of.i32;
  if (pthread_create(&spawned_threads[slot], NULL, thread_main, s) != 0) {
    free(s);
    return NULL; /* (the slot stays taken: the run ends with a refused spawn) */
  }
  results[0].of.i32 = tid;
  return NULL;
}

/* An instance in `cx`: WASI (with `argv`), thread-spawn and the shared memory. */
static wasmtime_error_t *instantiate(wasmtime_context_t *cx,
                                     const char **argv, size_t argc,
                                     wasmtime_instance_t *instance,
                                     wasm_trap_t **trap) {
  wasi_config_t *wasi = wasi_config_new();
  wasi_config_inherit_stdout(wasi);
  wasi_config_inherit_stderr(wasi);
  if (argc > 0)
    wasi_config_set_argv(wasi, argc, argv);
  wasmtime_error_t *error = wasmtime_context_set_wasi(cx, wasi);
  if (error != NULL)
    return error;
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  error = wasmtime_linker_define_wasi(linker);
  wasm_functype_t *ty =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  if (error == NULL)
    error = wasmtime_linker_define_func(linker, "wasi", 4, "thread-spawn", 12,
                                        ty, thread_spawn, NULL, NULL);
  wasm_functype_delete(ty);
  wasmtime_extern_t item = {.kind = WASMTIME_EXTERN_SHAREDMEMORY};
  item.of.sharedmemory = memory;
  if (error == NULL)
    error = wasmtime_linker_define(linker, cx, "env", 3, "memory", 6, &item);
  if (error == NULL)
    error = wasmtime_linker_instantiate(linker, cx, module, instance, trap);
  wasmtime_linker_delete(linker);
  return error;
}

static wasm_memorytype_t *memory_import(void) {
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(module, &imports);
  wasm_memorytype_t *ty = NULL;
  for (size_t i = 0; i < imports.size && ty == NULL; i++) {
    const wasm_memorytype_t *mt = wasm_externtype_as_memorytype_const(
        wasm_importtype_type(imports.data[i]));
    if (mt != NULL)
      ty = wasm_memorytype_copy(mt);
  }
  wasm_importtype_vec_delete(&imports);
  return ty;
}

static wasmtime_module_t *load(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "error: cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  size_t len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc(len);
  size_t got = fread(bytes, 1, len, f);
  fclose(f);
  wasmtime_module_t *m = NULL;
  wasmtime_error_t *error =
      got == len ? wasmtime_module_new(engine, bytes, len, &m) : NULL;
  free(bytes);
  if (error != NULL || m == NULL)
    exit_with_error("compile", error, NULL);
  return m;
}

/* Runs the program's _start with `threads` and `limit` as its arguments, on a new
 * shared memory (the program's data lives there). */
static void run(const char *threads, const char *limit) {
  wasm_memorytype_t *ty = memory_import();
  wasmtime_error_t *error = wasmtime_sharedmemory_new(engine, ty, &memory);
  wasm_memorytype_delete(ty);
  if (error != NULL)
    exit_with_error("shared memory", error, NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  const char *argv[] = {"primes", threads, limit};
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = instantiate(cx, argv, 3, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t start = get_func(cx, &instance, "_start");
  error = wasmtime_func_call(cx, &start, NULL, 0, NULL, 0, &trap);
  int status = 0;
  if (error != NULL && wasmtime_error_exit_status(error, &status)) {
    wasmtime_error_delete(error);
    error = NULL;
  }
  if (error != NULL || trap != NULL)
    exit_with_error("_start", error, trap);
  int n = atomic_exchange(&spawned, 0);
  for (int i = 0; i < n; i++)
    pthread_join(spawned_threads[i], NULL);
  printf("(%s threads, %d spawned: exit status %d)\n", threads, n, status);
  fflush(stdout);
  wasmtime_store_delete(store);
  wasmtime_sharedmemory_delete(memory);
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_threads_set(config, true);
  engine = wasm_engine_new_with_config(config);
  module = load("../wasi/threads/primes.wasm");
  run("1", "200000");
  run("2", "200000");
  run("4", "200000");
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  return 0;
}
