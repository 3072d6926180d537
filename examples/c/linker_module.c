/* linker_module: wasmtime_linker_module for commands and reactors.
 *
 * A command (a module exporting `_start`) gets a fresh instance for every call
 * of one of its exports, so a counter it keeps in a global never gets past 1;
 * its imports are resolved when it is registered.  A reactor is instantiated
 * once, its `_initialize` runs once, and its state persists across calls. */
#include "example.h"

/* Counts calls in a global; its start function logs each instantiation. */
static const char *COMMAND =
    "(module\n"
    "  (import \"host\" \"log\" (func $log (param i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global $count (mut i32) (i32.const 0))\n"
    "  (func $new (call $log (i32.const -1)))\n"
    "  (start $new)\n"
    "  (func $bump (export \"bump\") (result i32)\n"
    "    (global.set $count (i32.add (global.get $count) (i32.const 1)))\n"
    "    (call $log (global.get $count))\n"
    "    (global.get $count))\n"
    "  (func (export \"add\") (param i32 i32) (result i32)\n"
    "    (i32.add (local.get 0) (local.get 1)))\n"
    "  (func (export \"fail\") unreachable)\n"
    "  (func (export \"_start\") (drop (call $bump))))\n";

/* An ordinary module (a reactor without `_initialize`) calling the command. */
static const char *USER =
    "(module\n"
    "  (import \"cmd\" \"bump\" (func $bump (result i32)))\n"
    "  (func (export \"thrice\") (result i32)\n"
    "    (i32.add (call $bump) (i32.add (call $bump) (call $bump)))))\n";

static const char *REACTOR =
    "(module\n"
    "  (import \"host\" \"log\" (func $log (param i32)))\n"
    "  (global $count (export \"count\") (mut i32) (i32.const 0))\n"
    "  (func (export \"_initialize\")\n"
    "    (global.set $count (i32.const 100))\n"
    "    (call $log (global.get $count)))\n"
    "  (func (export \"bump\") (result i32)\n"
    "    (global.set $count (i32.add (global.get $count) (i32.const 1)))\n"
    "    (global.get $count)))\n";

static wasm_trap_t *log_i32(void *env, wasmtime_caller_t *caller,
                            const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)caller;
  (void)nargs;
  (void)results;
  (void)nresults;
  printf("  %s%d\n", (const char *)env, args[0].of.i32);
  return NULL;
}

static void define_log(wasmtime_linker_t *linker, const char *prefix) {
  wasm_functype_t *ty = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasmtime_error_t *error = wasmtime_linker_define_func(
      linker, "host", 4, "log", 3, ty, log_i32, (void *)prefix, NULL);
  wasm_functype_delete(ty);
  if (error != NULL)
    exit_with_error("define_func", error, NULL);
}

static wasmtime_func_t lookup(wasmtime_linker_t *linker, wasmtime_context_t *cx,
                              const char *module, const char *name) {
  wasmtime_extern_t item;
  if (!wasmtime_linker_get(linker, cx, module, strlen(module), name,
                           strlen(name), &item) ||
      item.kind != WASMTIME_EXTERN_FUNC) {
    fprintf(stderr, "error: no function %s::%s\n", module, name);
    exit(1);
  }
  return item.of.func;
}

/* Calls a function without parameters returning one i32. */
static void call_i32(wasmtime_context_t *cx, const wasmtime_func_t *f,
                     const char *what) {
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  printf("%s\n", what);
  wasmtime_error_t *error = wasmtime_func_call(cx, f, NULL, 0, &result, 1, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error(what, error, trap);
  printf("  = %d\n", result.of.i32);
}

/* Registers a module that wasmtime_linker_module must refuse. */
static void refused(wasm_engine_t *engine, wasmtime_linker_t *linker,
                    wasmtime_context_t *cx, const char *what,
                    const char *wat) {
  wasmtime_module_t *module = compile_text(engine, wat);
  wasmtime_error_t *error = wasmtime_linker_module(linker, cx, "bad", 3, module);
  if (error == NULL) {
    fprintf(stderr, "error: %s was accepted\n", what);
    exit(1);
  }
  print_error(what, error);
  wasmtime_module_delete(module);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_linker_allow_shadowing(linker, true);
  define_log(linker, "log: ");

  /* A command: nothing runs when it is registered. */
  printf("register the command (nothing runs)\n");
  wasmtime_module_t *command = compile_text(engine, COMMAND);
  wasmtime_error_t *error = wasmtime_linker_module(linker, cx, "cmd", 3, command);
  if (error != NULL)
    exit_with_error("linker_module cmd", error, NULL);
  /* Its imports were resolved then: a later host::log is not the one it uses. */
  define_log(linker, "new log: ");

  wasmtime_func_t bump = lookup(linker, cx, "cmd", "bump");
  for (int i = 0; i < 3; i++)
    call_i32(cx, &bump, "cmd.bump()");

  wasmtime_func_t add = lookup(linker, cx, "cmd", "add");
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 2},
                            {.kind = WASMTIME_I32, .of.i32 = 40}};
  wasmtime_val_t sum;
  wasm_trap_t *trap = NULL;
  printf("cmd.add(2, 40)\n");
  error = wasmtime_func_call(cx, &add, args, 2, &sum, 1, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("cmd.add", error, trap);
  printf("  = %d\n", sum.of.i32);

  wasmtime_func_t fail = lookup(linker, cx, "cmd", "fail");
  printf("cmd.fail()\n");
  error = wasmtime_func_call(cx, &fail, NULL, 0, NULL, 0, &trap);
  if (error != NULL)
    exit_with_error("cmd.fail", error, NULL);
  if (trap == NULL) {
    fprintf(stderr, "error: cmd.fail did not trap\n");
    return 1;
  }
  print_trap("  cmd.fail()", trap);

  wasmtime_extern_t item;
  printf("cmd::memory is defined: %d\n",
         (int)wasmtime_linker_get(linker, cx, "cmd", 3, "memory", 6, &item));

  wasmtime_func_t start;
  error = wasmtime_linker_get_default(linker, cx, "cmd", 3, &start);
  if (error != NULL)
    exit_with_error("get_default", error, NULL);
  printf("cmd default (_start)\n");
  error = wasmtime_func_call(cx, &start, NULL, 0, NULL, 0, &trap);
  if (error != NULL || trap != NULL)
    exit_with_error("_start", error, trap);

  /* A module importing the command's function: three fresh instances. */
  wasmtime_module_t *user = compile_text(engine, USER);
  error = wasmtime_linker_module(linker, cx, "user", 4, user);
  if (error != NULL)
    exit_with_error("linker_module user", error, NULL);
  wasmtime_func_t thrice = lookup(linker, cx, "user", "thrice");
  call_i32(cx, &thrice, "user.thrice()");

  /* A reactor: instantiated and initialized once, when it is registered. */
  printf("register the reactor (_initialize runs)\n");
  wasmtime_module_t *reactor = compile_text(engine, REACTOR);
  error = wasmtime_linker_module(linker, cx, "react", 5, reactor);
  if (error != NULL)
    exit_with_error("linker_module react", error, NULL);
  wasmtime_func_t rbump = lookup(linker, cx, "react", "bump");
  for (int i = 0; i < 3; i++)
    call_i32(cx, &rbump, "react.bump()");
  if (wasmtime_linker_get(linker, cx, "react", 5, "count", 5, &item) &&
      item.kind == WASMTIME_EXTERN_GLOBAL) {
    wasmtime_val_t v;
    wasmtime_global_get(cx, &item.of.global, &v);
    printf("react::count = %d\n", v.of.i32);
  }

  /* What wasmtime_linker_module refuses. */
  refused(engine, linker, cx, "trapping _initialize",
          "(module (func (export \"_initialize\") unreachable))");
  refused(engine, linker, cx, "command exporting a global",
          "(module (func (export \"_start\"))"
          " (global (export \"g\") i32 (i32.const 0)))");
  refused(engine, linker, cx, "command with an undefined import",
          "(module (import \"nope\" \"f\" (func)) (func (export \"_start\")))");
  refused(engine, linker, cx, "command and reactor",
          "(module (func (export \"_start\")) (func (export \"_initialize\")))");

  wasmtime_module_delete(reactor);
  wasmtime_module_delete(user);
  wasmtime_module_delete(command);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
