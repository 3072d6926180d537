/* wasi: run a WASI command module: it prints its arguments and an
 * environment variable with fd_write and exits with proc_exit(3). */
#include "example.h"

static const char *WAT =
    "(module\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_write\"\n"
    "    (func $fd_write (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"args_sizes_get\"\n"
    "    (func $args_sizes_get (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"args_get\"\n"
    "    (func $args_get (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $proc_exit (param i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 16) \"Hello from WASI! args:\\n\")\n"
    "  ;; iovec at 0: (ptr, len)\n"
    "  (func $write (param $ptr i32) (param $len i32)\n"
    "    (i32.store (i32.const 0) (local.get $ptr))\n"
    "    (i32.store (i32.const 4) (local.get $len))\n"
    "    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))\n"
    "  (func $strlen (param $p i32) (result i32) (local $n i32)\n"
    "    (block $done (loop $next\n"
    "      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))\n"
    "      (local.set $n (i32.add (local.get $n) (i32.const 1)))\n"
    "      (br $next)))\n"
    "    (local.get $n))\n"
    "  (func (export \"_start\") (local $argc i32) (local $i i32) (local $p i32)\n"
    "    (call $write (i32.const 16) (i32.const 23))\n"
    "    ;; argc at 100, buffer size at 104, argv at 200, strings at 400\n"
    "    (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))\n"
    "    (drop (call $args_get (i32.const 200) (i32.const 400)))\n"
    "    (local.set $argc (i32.load (i32.const 100)))\n"
    "    (block $done (loop $next\n"
    "      (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))\n"
    "      (local.set $p (i32.load (i32.add (i32.const 200) (i32.mul (local.get $i) (i32.const 4)))))\n"
    "      (call $write (local.get $p) (call $strlen (local.get $p)))\n"
    "      (i32.store8 (i32.const 60) (i32.const 10))\n"
    "      (call $write (i32.const 60) (i32.const 1))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br $next)))\n"
    "    (call $proc_exit (i32.const 3))))\n";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_module_t *module = compile_text(engine, WAT);

  wasi_config_t *wasi = wasi_config_new();
  const char *argv[] = {"wasi-example", "one", "two"};
  wasi_config_set_argv(wasi, 3, argv);
  wasi_config_inherit_stdout(wasi);
  wasmtime_error_t *error = wasmtime_context_set_wasi(cx, wasi);
  if (error != NULL)
    exit_with_error("set_wasi", error, NULL);

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  error = wasmtime_linker_define_wasi(linker);
  if (error != NULL)
    exit_with_error("define_wasi", error, NULL);
  error = wasmtime_linker_module(linker, cx, "", 0, module);
  if (error != NULL)
    exit_with_error("linker_module", error, NULL);
  wasmtime_func_t start;
  error = wasmtime_linker_get_default(linker, cx, "", 0, &start);
  if (error != NULL)
    exit_with_error("get_default", error, NULL);

  wasm_trap_t *trap = NULL;
  fflush(stdout);
  error = wasmtime_func_call(cx, &start, NULL, 0, NULL, 0, &trap);
  int status;
  if (error != NULL && wasmtime_error_exit_status(error, &status)) {
    printf("exited with status %d\n", status);
    wasmtime_error_delete(error);
  } else if (error != NULL || trap != NULL) {
    exit_with_error("_start", error, trap);
  } else {
    printf("returned normally\n");
  }

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
