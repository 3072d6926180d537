/* shared_memory: one shared memory made by the host and imported by instances
 * in two stores on two threads, which add to one counter with atomics at the
 * same time; one thread grows the memory and the other sees it. Then a shared
 * memory a module defines is exported, and used by a store on another thread.
 * Last, what is refused. The output is Wasmtime 23's (checked by linking this
 * file against its C library). */
#include "example.h"
#include <pthread.h>

static const char *USER =
    "(module\n"
    "  (import \"env\" \"memory\" (memory 1 4 shared))\n"
    "  (func (export \"add_n\") (param i32)\n"
    "    (loop $l\n"
    "      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))\n"
    "      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))\n"
    "  (func (export \"grow\") (param i32) (result i32)\n"
    "    (memory.grow (local.get 0)))\n"
    "  (func (export \"size\") (result i32) (memory.size))\n"
    "  (func (export \"load\") (param i32) (result i32)\n"
    "    (i32.atomic.load (local.get 0))))\n";

static const char *OWNER =
    "(module\n"
    "  (memory (export \"memory\") 1 2 shared)\n"
    "  (data (i32.const 16) \"\\2a\"))\n";

#define ADDS 200000
static wasm_engine_t *engine;
static wasmtime_module_t *user;

/* What a thread does with the shared memory `memory`. */
struct job {
  const wasmtime_sharedmemory_t *memory;
  const char *func;
  int32_t arg;
  int32_t result;
};

/* A call of `name` with up to one argument and up to one result. */
static int32_t call(wasmtime_context_t *cx, const wasmtime_instance_t *instance,
                    const char *name, const wasmtime_val_t *args, size_t nargs,
                    size_t nresults) {
  wasmtime_func_t f = get_func(cx, instance, name);
  wasmtime_val_t result = {.kind = WASMTIME_I32, .of.i32 = 0};
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_func_call(cx, &f, args, nargs, &result, nresults, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error(name, error, trap);
  return result.of.i32;
}

/* Its own store and linker; the memory imported as an extern of kind
 * WASMTIME_EXTERN_SHAREDMEMORY. */
static void *worker(void *arg) {
  struct job *job = arg;
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_extern_t memory = {.kind = WASMTIME_EXTERN_SHAREDMEMORY};
  memory.of.sharedmemory = wasmtime_sharedmemory_clone(job->memory);
  wasmtime_error_t *error =
      wasmtime_linker_define(linker, cx, "env", 3, "memory", 6, &memory);
  wasmtime_extern_delete(&memory);
  if (error != NULL)
    exit_with_error("define", error, NULL);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, cx, user, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_val_t a = {.kind = WASMTIME_I32, .of.i32 = job->arg};
  int takes_arg = strcmp(job->func, "size") != 0;
  int returns = strcmp(job->func, "add_n") != 0;
  job->result = call(cx, &instance, job->func, &a, takes_arg, returns);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  return NULL;
}

static void run_threads(struct job *jobs, int n) {
  pthread_t threads[2];
  for (int i = 0; i < n; i++)
    pthread_create(&threads[i], NULL, worker, &jobs[i]);
  for (int i = 0; i < n; i++)
    pthread_join(threads[i], NULL);
}

static void print_type(const char *what, const wasm_memorytype_t *ty) {
  uint64_t max = 0;
  bool has_max = wasmtime_memorytype_maximum(ty, &max);
  printf("%s: min %llu, max %s%llu, shared %d, 64-bit %d\n", what,
         (unsigned long long)wasmtime_memorytype_minimum(ty),
         has_max ? "" : "none ", (unsigned long long)max,
         wasmtime_memorytype_isshared(ty), wasmtime_memorytype_is64(ty));
}

/* The type of the module's one import. */
static wasm_memorytype_t *import_type(const wasmtime_module_t *module) {
  wasm_importtype_vec_t imports;
  wasmtime_module_imports(module, &imports);
  const wasm_externtype_t *ty = wasm_importtype_type(imports.data[0]);
  wasm_memorytype_t *copy =
      wasm_memorytype_copy(wasm_externtype_as_memorytype_const(ty));
  wasm_importtype_vec_delete(&imports);
  return copy;
}

static void host_memory(void) {
  wasm_memorytype_t *ty = import_type(user);
  print_type("import type", ty);
  wasmtime_sharedmemory_t *memory = NULL;
  wasmtime_error_t *error = wasmtime_sharedmemory_new(engine, ty, &memory);
  wasm_memorytype_delete(ty);
  if (error != NULL)
    exit_with_error("sharedmemory_new", error, NULL);

  struct job adders[2] = {{memory, "add_n", ADDS, 0},
                          {memory, "add_n", ADDS, 0}};
  run_threads(adders, 2);
  uint32_t counter;
  memcpy(&counter, wasmtime_sharedmemory_data(memory), 4);
  printf("two threads added %d each: counter %u\n", ADDS, counter);

  struct job grow = {memory, "grow", 2, 0};
  run_threads(&grow, 1);
  struct job size = {memory, "size", 0, 0};
  run_threads(&size, 1);
  printf("one thread grew by 2 from %d pages; another sees %d pages\n",
         grow.result, size.result);
  printf("host: size %llu pages, data size %zu bytes\n",
         (unsigned long long)wasmtime_sharedmemory_size(memory),
         wasmtime_sharedmemory_data_size(memory));

  uint8_t *data = wasmtime_sharedmemory_data(memory);
  uint32_t marker = 0xC0FFEE;
  memcpy(data + 3 * 65536 - 4, &marker, 4);
  struct job load = {memory, "load", 3 * 65536 - 4, 0};
  run_threads(&load, 1);
  printf("a byte the host wrote at the new end: 0x%X\n", (unsigned)load.result);

  uint64_t prev = 0;
  error = wasmtime_sharedmemory_grow(memory, 1, &prev);
  if (error != NULL)
    exit_with_error("sharedmemory_grow", error, NULL);
  printf("host grew it by 1 from %llu pages\n", (unsigned long long)prev);
  error = wasmtime_sharedmemory_grow(memory, 1, &prev);
  printf("growing beyond the maximum: %s\n", error ? "error" : "no error");
  if (error != NULL)
    wasmtime_error_delete(error);
  wasm_memorytype_t *now = wasmtime_sharedmemory_type(memory);
  print_type("type (as created)", now);
  wasm_memorytype_delete(now);
  wasmtime_sharedmemory_delete(memory);
}

static void exported_memory(void) {
  wasmtime_module_t *owner = compile_text(engine, OWNER);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, owner, NULL, 0, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate owner", error, trap);
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(cx, &instance, "memory", 6, &item))
    exit_with_error("no memory export", NULL, NULL);
  printf("exported memory: kind %d (shared memory is %d)\n", item.kind,
         WASMTIME_EXTERN_SHAREDMEMORY);
  wasmtime_sharedmemory_t *memory = item.of.sharedmemory;
  struct job load = {memory, "load", 16, 0};
  run_threads(&load, 1);
  printf("another store on another thread reads its data segment: %d\n",
         load.result);
  wasmtime_extern_delete(&item);
  wasmtime_store_delete(store);
  wasmtime_module_delete(owner);
}

static void refused(void) {
  wasmtime_sharedmemory_t *memory = NULL;
  wasm_memorytype_t *unshared = wasmtime_memorytype_new(1, true, 2, false);
  wasmtime_error_t *error = wasmtime_sharedmemory_new(engine, unshared, &memory);
  if (error != NULL)
    print_error("sharedmemory_new of an unshared type", error);
  wasm_memorytype_delete(unshared);

  wasm_memorytype_t *shared = import_type(user);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_memory_t plain;
  error = wasmtime_memory_new(wasmtime_store_context(store), shared, &plain);
  if (error != NULL)
    print_error("memory_new of a shared type", error);
  else
    printf("memory_new of a shared type: a memory of %llu pages\n",
           (unsigned long long)wasmtime_memory_size(
               wasmtime_store_context(store), &plain));
  wasm_memorytype_delete(shared);
  wasmtime_store_delete(store);

  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_threads_set(config, false);
  wasm_engine_t *no_threads = wasm_engine_new_with_config(config);
  wasmtime_module_t *module = NULL;
  error = try_compile_text(no_threads, USER, &module);
  printf("threads off: %s\n", error ? "module refused" : "module compiled");
  if (error != NULL)
    wasmtime_error_delete(error);
  else
    wasmtime_module_delete(module);
  wasm_engine_delete(no_threads);
}

int main(void) {
  engine = wasm_engine_new();
  user = compile_text(engine, USER);
  host_memory();
  exported_memory();
  refused();
  wasmtime_module_delete(user);
  wasm_engine_delete(engine);
  return 0;
}
