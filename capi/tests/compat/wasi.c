/* wasi: run a WASI command module with a configured environment. */
#include "common.h"

int main(int argc, char **argv) {
  (void)argc;
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_error_t *error = wasmtime_linker_define_wasi(linker);
  if (error != NULL)
    die("define_wasi", error, NULL);

  wasm_byte_vec_t wasm;
  if (read_file("wasi.wasm", &wasm) != 0)
    return 1;
  wasmtime_module_t *module = NULL;
  error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                              &module);
  wasm_byte_vec_delete(&wasm);
  if (error != NULL)
    die("compile", error, NULL);

  wasi_config_t *wasi = wasi_config_new();
  const char *args[] = {"wasi.wasm", "hello"};
  const char *names[] = {"GREETING"};
  const char *values[] = {"hi"};
  if (!wasi_config_set_argv(wasi, 2, args) ||
      !wasi_config_set_env(wasi, 1, names, values))
    return 1;
  wasi_config_inherit_stdout(wasi);
  wasi_config_inherit_stderr(wasi);
  wasm_byte_vec_t input;
  wasm_byte_vec_new(&input, 5, "input");
  wasi_config_set_stdin_bytes(wasi, &input); /* takes ownership */
  if (!wasi_config_preopen_dir(wasi, ".", "/sandbox"))
    fprintf(stderr, "%s: cannot preopen .\n", argv[0]);
  error = wasmtime_context_set_wasi(cx, wasi); /* takes ownership */
  if (error != NULL)
    die("set_wasi", error, NULL);

  error = wasmtime_linker_module(linker, cx, "", 0, module);
  if (error != NULL)
    die("linker_module", error, NULL);
  wasmtime_func_t start;
  error = wasmtime_linker_get_default(linker, cx, "", 0, &start);
  if (error != NULL)
    die("get_default", error, NULL);

  wasm_trap_t *trap = NULL;
  error = wasmtime_func_call(cx, &start, NULL, 0, NULL, 0, &trap);
  if (error != NULL) {
    int status = 0;
    if (wasmtime_error_exit_status(error, &status)) {
      printf("exited with %d\n", status);
      wasmtime_error_delete(error);
    } else {
      die("_start", error, NULL);
    }
  }
  if (trap != NULL)
    die("_start", NULL, trap);

  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
