/* serialize: compile a module, serialize it (the bytes are a wasmaot
 * artifact, the same format `wasmaot compile` writes), then load it again
 * from memory and from a file and run it.  Also shows the errors for input
 * that is not an artifact. */
#define _POSIX_C_SOURCE 200809L
#include "example.h"

/* The architecture this host is not, as a target triple and an ELF machine. */
#if defined(__aarch64__)
#define OTHER_TARGET "x86_64-unknown-linux-gnu"
#define OTHER_ELF_MACHINE 62
#else
#define OTHER_TARGET "aarch64-unknown-linux-gnu"
#define OTHER_ELF_MACHINE 183
#endif
#include <unistd.h>

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"hello\" (func $hello))\n"
    "  (func (export \"run\") (call $hello)))\n";

static wasm_trap_t *hello(void *env, wasmtime_caller_t *caller,
                          const wasmtime_val_t *args, size_t nargs,
                          wasmtime_val_t *results, size_t nresults) {
  (void)caller;
  (void)args;
  (void)nargs;
  (void)results;
  (void)nresults;
  printf("Hello from the %s module!\n", (const char *)env);
  return NULL;
}

static void run(wasm_engine_t *engine, wasmtime_module_t *module,
                const char *how) {
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasm_functype_t *ty = wasm_functype_new_0_0();
  wasmtime_func_t func;
  wasmtime_func_new(cx, ty, hello, (void *)how, NULL, &func);
  wasm_functype_delete(ty);
  wasmtime_extern_t import = {.kind = WASMTIME_EXTERN_FUNC, .of.func = func};
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(cx, module, &import, 1, &instance, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("instantiate", error, trap);
  wasmtime_func_t f = get_func(cx, &instance, "run");
  error = wasmtime_func_call(cx, &f, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("call", error, trap);
  wasmtime_store_delete(store);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();

  /* Compile and serialize. */
  wasmtime_module_t *module = compile_text(engine, WAT);
  wasm_byte_vec_t bytes;
  wasmtime_error_t *error = wasmtime_module_serialize(module, &bytes);
  if (error != NULL)
    exit_with_error("serialize", error, NULL);
  printf("serialized: starts with an ELF header: %d\n",
         bytes.size > 4 && memcmp(bytes.data, "\177ELF", 4) == 0);
  run(engine, module, "compiled");
  wasmtime_module_delete(module);

  /* Deserialize from memory. */
  error = wasmtime_module_deserialize(engine, (const uint8_t *)bytes.data,
                                      bytes.size, &module);
  if (error != NULL)
    exit_with_error("deserialize", error, NULL);
  run(engine, module, "deserialized");

  /* Serializing a deserialized module gives the same bytes. */
  wasm_byte_vec_t again;
  error = wasmtime_module_serialize(module, &again);
  if (error != NULL)
    exit_with_error("serialize again", error, NULL);
  printf("re-serialized identically: %d\n",
         again.size == bytes.size &&
             memcmp(again.data, bytes.data, bytes.size) == 0);
  wasm_byte_vec_delete(&again);
  wasmtime_module_delete(module);

  /* Deserialize from a file (mapped). */
  char path[] = "/tmp/wasmaot-serialize-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, bytes.data, bytes.size) != (ssize_t)bytes.size)
    return 1;
  close(fd);
  error = wasmtime_module_deserialize_file(engine, path, &module);
  if (error != NULL)
    exit_with_error("deserialize_file", error, NULL);
  run(engine, module, "mapped");
  wasmtime_module_t *clone = wasmtime_module_clone(module);
  wasmtime_module_delete(module);
  run(engine, clone, "cloned");
  void *start = NULL, *end = NULL;
  wasmtime_module_image_range(clone, &start, &end);
  printf("image range non-empty: %d\n", (char *)end > (char *)start);
  wasmtime_module_delete(clone);
  unlink(path);

  /* Bad input is an error, never a crash. */
  error = wasmtime_module_deserialize(engine, (const uint8_t *)"\0asm\1\0\0\0",
                                      8, &module);
  if (error != NULL)
    print_error("deserialize a .wasm", error);
  bytes.data[bytes.size / 2] ^= 0x55;
  error = wasmtime_module_deserialize(engine, (const uint8_t *)bytes.data,
                                      bytes.size, &module);
  if (error != NULL) {
    printf("deserialize a corrupted artifact: error\n");
    wasmtime_error_delete(error);
  }
  error = wasmtime_module_deserialize(engine, (const uint8_t *)bytes.data, 100,
                                      &module);
  if (error != NULL) {
    printf("deserialize a truncated artifact: error\n");
    wasmtime_error_delete(error);
  }
  wasm_byte_vec_delete(&bytes);
  error = wasmtime_module_deserialize_file(engine, "/nonexistent.cwasm", &module);
  if (error != NULL)
    print_error("deserialize_file of a missing file", error);

  /* Cross-compilation: a module compiled for the other architecture (aarch64 on
   * an x86_64 host, x86_64 on an aarch64 one) serializes, but cannot be
   * instantiated here, and its artifact is refused by this host. */
  wasm_config_t *config = wasm_config_new();
  error = wasmtime_config_target_set(config, OTHER_TARGET);
  if (error != NULL)
    exit_with_error("target", error, NULL);
  wasm_engine_t *cross = wasm_engine_new_with_config(config);
  wasmtime_module_t *other = compile_text(cross, WAT);
  wasm_byte_vec_t other_bytes;
  error = wasmtime_module_serialize(other, &other_bytes);
  if (error != NULL)
    exit_with_error("serialize for the other architecture", error, NULL);
  printf("artifact for the other architecture: %s\n",
         other_bytes.size > 20 && (uint8_t)other_bytes.data[18] == OTHER_ELF_MACHINE
             ? "ELF for it"
             : "?");
  wasmtime_store_t *st = wasmtime_store_new(cross, NULL, NULL);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  error = wasmtime_instance_new(wasmtime_store_context(st), other, NULL, 0, &inst, &trap);
  if (error != NULL)
    printf("instantiate it here: error\n");
  if (error != NULL)
    wasmtime_error_delete(error);
  wasmtime_store_delete(st);
  error = wasmtime_module_deserialize(engine, (const uint8_t *)other_bytes.data,
                                      other_bytes.size, &module);
  if (error != NULL) {
    wasm_byte_vec_t msg;
    wasmtime_error_message(error, &msg);
    int names_it = strstr(msg.data, "artifact is for " OTHER_TARGET) != NULL;
    printf("deserialize it here: error%s\n", names_it ? " naming its target" : "");
    wasm_byte_vec_delete(&msg);
    wasmtime_error_delete(error);
  } else {
    printf("deserialize it here: loaded\n");
    wasmtime_module_delete(module);
  }
  wasm_byte_vec_delete(&other_bytes);
  wasmtime_module_delete(other);
  wasm_engine_delete(cross);

  wasm_engine_delete(engine);
  return 0;
}
