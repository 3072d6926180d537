/* hostile_host: a host that makes the runtime share the process with it
 * (docs/RELIABILITY.md, "Exhaustion and hostility"; run by tests/tests/capi.rs).
 *
 * 1. Signal handlers installed before the engine: the host installs its own
 *    handlers for SIGSEGV and SIGBUS (SA_SIGINFO) and SIGILL and SIGFPE (plain
 *    sa_handler), then creates an engine, which installs the runtime's. Faults
 *    in wasm must become traps without reaching the host's handlers; genuine
 *    faults outside wasm (an access to a PROT_NONE page, a read past the end of
 *    a mapped file, an undefined instruction, an integer division by zero) and
 *    raise() of each signal must reach them: on the main thread, and inside a
 *    host function called from wasm (where a SIGSEGV is repaired by mprotect
 *    and the access retried, the others escaped with siglongjmp).
 * 2. Threads the runtime did not create: C pthreads (default stacks, a
 *    256 KiB one, one on a stack the host allocated) calling into wasm at the
 *    same time, trapping (out of bounds, unreachable, division by zero, stack
 *    overflow) and faulting in host functions; then 200 short-lived threads one
 *    after the other, after which the process has no more mappings than before
 *    (each thread's alternate signal stack is unmapped when it exits).
 *
 * Prints one line per check to stdout (compared by capi.rs) and figures to
 * stderr; exits 1 on a failed check, 3 on a fault nobody expected.
 *
 * With the argument `ignored`, SIGSEGV and SIGFPE are set to SIG_IGN before the
 * engine (SIGFPE with SA_SIGINFO in its flags). A raise(SIGFPE) must then be
 * ignored, and a genuine fault outside wasm must kill the process as the kernel
 * does when no handler is in between (not return to the faulting instruction
 * forever). */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <wasmtime.h>

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"lazy\" (func $lazy (result i32)))\n"
    "  (import \"host\" \"faults\" (func $faults (result i32)))\n"
    "  (memory 1)\n"
    "  (func (export \"add\") (param i32 i32) (result i32)\n"
    "    (i32.add (local.get 0) (local.get 1)))\n"
    "  (func (export \"oob\") (result i32) (i32.load (i32.const 65536)))\n"
    "  (func (export \"div\") (param i32) (result i32)\n"
    "    (i32.div_u (i32.const 1) (local.get 0)))\n"
    "  (func (export \"unreachable\") unreachable)\n"
    "  (func $rec (export \"recurse\") (param i32) (result i32)\n"
    "    (i32.add (call $rec (local.get 0)) (i32.const 1)))\n"
    "  (func (export \"lazy\") (result i32) (i32.add (call $lazy) (i32.const 1)))\n"
    "  (func (export \"faults\") (result i32) (call $faults)))\n";

#define NSIGNALS 4
static const int SIGNALS[NSIGNALS] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
static const char *NAMES[NSIGNALS] = {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE"};

/* How many times the host's handler ran, by signal (updated atomically: the
 * threads fault at the same time). */
static unsigned long hits[NSIGNALS];
/* A page that stays PROT_NONE, a page past the end of a file, and one page per
 * thread that the handler makes accessible on the first access. */
static volatile int *no_access;
static volatile int *past_eof;
static size_t page_size;
/* Where the handler escapes to from a genuine fault, when armed. */
static _Thread_local sigjmp_buf *escape;
/* This thread's page that the handler repairs, if any. */
static _Thread_local char *lazy_page;
/* Set while this thread raise()s a signal (a plain handler cannot tell a raised
 * signal from a fault). */
static _Thread_local volatile sig_atomic_t raising;

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAILED: %s\n", what);
    failures++;
  }
}

static int signal_index(int sig) {
  for (int i = 0; i < NSIGNALS; i++)
    if (SIGNALS[i] == sig)
      return i;
  return -1;
}

static unsigned long hits_of(int i) {
  return __atomic_load_n(&hits[i], __ATOMIC_SEQ_CST);
}

static void host_fault(int sig, siginfo_t *info) {
  int i = signal_index(sig);
  if (i >= 0)
    __atomic_fetch_add(&hits[i], 1, __ATOMIC_SEQ_CST);
  if (escape != NULL) {
    sigjmp_buf *to = escape;
    escape = NULL;
    siglongjmp(*to, 1);
  }
  if (info != NULL && sig == SIGSEGV && lazy_page != NULL &&
      (char *)info->si_addr >= lazy_page &&
      (char *)info->si_addr < lazy_page + page_size) {
    mprotect(lazy_page, page_size, PROT_READ | PROT_WRITE);
    return;
  }
  if (info != NULL ? info->si_code > 0 : !raising) {
    /* A genuine fault nobody expected: maybe a wasm fault passed on to us. */
    static const char msg[] = "hostile_host: unexpected fault\n";
    ssize_t n = write(2, msg, sizeof msg - 1);
    (void)n;
    _exit(3);
  }
  /* raise(): nothing to repair. */
}

static void siginfo_handler(int sig, siginfo_t *info, void *context) {
  (void)context;
  host_fault(sig, info);
}

static void plain_handler(int sig) { host_fault(sig, NULL); }

/* A genuine fault of signal `sig` outside wasm, escaped with siglongjmp;
 * whether the host's handler caught it. */
static int genuine_fault(int sig) {
  sigjmp_buf env;
  if (sigsetjmp(env, 1) != 0)
    return 1;
  escape = &env;
  switch (sig) {
  case SIGSEGV:
    (void)*no_access;
    break;
  case SIGBUS:
    (void)*past_eof;
    break;
  case SIGILL:
#if defined(__x86_64__)
    __asm__ volatile("ud2");
#elif defined(__aarch64__)
    __asm__ volatile(".inst 0x00000000"); /* udf #0 */
#else
    raise(SIGILL); /* escaped by the armed handler all the same */
#endif
    break;
  case SIGFPE: {
#if defined(__x86_64__)
    volatile int zero = 0, one = 1; /* (1 / x needs no division instruction) */
    volatile int quotient = one / zero;
    (void)quotient;
#else
    raise(SIGFPE); /* integer division does not fault on this architecture */
#endif
    break;
  }
  }
  escape = NULL;
  return 0;
}

/* Every signal as a genuine fault and with raise(); whether each reached the
 * host's handler twice. */
static int all_signals_reach_the_host(void) {
  int ok = 1;
  for (int i = 0; i < NSIGNALS; i++) {
    unsigned long before = hits_of(i);
    int caught = genuine_fault(SIGNALS[i]);
    raising = 1;
    raise(SIGNALS[i]);
    raising = 0;
    if (!caught || hits_of(i) != before + 2) {
      fprintf(stderr, "%s: caught %d, %lu hits\n", NAMES[i], caught,
              hits_of(i) - before);
      ok = 0;
    }
  }
  return ok;
}

static void die(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
  wasm_byte_vec_t msg;
  if (error != NULL)
    wasmtime_error_message(error, &msg);
  else if (trap != NULL)
    wasm_trap_message(trap, &msg);
  else
    wasm_byte_vec_new(&msg, strlen(what), what);
  printf("FAILED: %s: %.*s\n", what, (int)msg.size, msg.data);
  exit(1);
}

/* host::lazy: reads this thread's lazy page (PROT_NONE until the host's
 * handler repairs it) and returns the word there plus 41. */
static wasm_trap_t *lazy(void *env, wasmtime_caller_t *caller,
                         const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = *(volatile int32_t *)lazy_page + 41;
  return NULL;
}

/* host::faults: a genuine fault of every signal from inside a host function
 * called by wasm; how many reached the host's handler. */
static wasm_trap_t *faults(void *env, wasmtime_caller_t *caller,
                           const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
  int caught = 0;
  for (int i = 0; i < NSIGNALS; i++)
    caught += genuine_fault(SIGNALS[i]);
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = caught;
  return NULL;
}

static wasm_engine_t *engine;
static wasmtime_module_t *module;

/* A store with an instance of the module. */
typedef struct {
  wasmtime_store_t *store;
  wasmtime_context_t *cx;
  wasmtime_instance_t instance;
} guest_t;

static guest_t guest_new(void) {
  guest_t g;
  g.store = wasmtime_store_new(engine, NULL, NULL);
  g.cx = wasmtime_store_context(g.store);
  wasm_functype_t *ty = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasmtime_extern_t imports[2];
  imports[0].kind = WASMTIME_EXTERN_FUNC;
  wasmtime_func_new(g.cx, ty, lazy, NULL, NULL, &imports[0].of.func);
  imports[1].kind = WASMTIME_EXTERN_FUNC;
  wasmtime_func_new(g.cx, ty, faults, NULL, NULL, &imports[1].of.func);
  wasm_functype_delete(ty);
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error =
      wasmtime_instance_new(g.cx, module, imports, 2, &g.instance, &trap);
  if (error != NULL || trap != NULL)
    die("instantiate", error, trap);
  return g;
}

/* Calls export `name` with up to two i32 arguments: 0 and `*result` set, or
 * 1 and `*code` set to the trap's code (-1 for a trap without one), or 2 for
 * an error. */
static int call(guest_t *g, const char *name, int nargs, int32_t a, int32_t b,
                int32_t *result, int *code) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(g->cx, &g->instance, name, strlen(name),
                                    &item) ||
      item.kind != WASMTIME_EXTERN_FUNC)
    die(name, NULL, NULL);
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = a},
                            {.kind = WASMTIME_I32, .of.i32 = b}};
  wasmtime_val_t results[1];
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = wasmtime_func_call(
      g->cx, &item.of.func, args, (size_t)nargs, results,
      strcmp(name, "unreachable") == 0 ? 0 : 1, &trap);
  wasmtime_extern_delete(&item);
  if (error != NULL) {
    wasmtime_error_delete(error);
    return 2;
  }
  if (trap != NULL) {
    wasmtime_trap_code_t c;
    *code = wasmtime_trap_code(trap, &c) ? (int)c : -1;
    wasm_trap_delete(trap);
    return 1;
  }
  if (result != NULL && strcmp(name, "unreachable") != 0)
    *result = results[0].of.i32;
  return 0;
}

static int traps_with(guest_t *g, const char *name, int nargs, int32_t a,
                      int expected) {
  int code = -2;
  int32_t result;
  return call(g, name, nargs, a, 0, &result, &code) == 1 && code == expected;
}

/* Every wasm trap of the module; whether each came back with its code. */
static int wasm_traps(guest_t *g) {
  return traps_with(g, "oob", 0, 0, WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS) &&
         traps_with(g, "div", 1, 0,
                    WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO) &&
         traps_with(g, "unreachable", 0, 0,
                    WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED) &&
         traps_with(g, "recurse", 1, 0, WASMTIME_TRAP_CODE_STACK_OVERFLOW);
}

static int returns(guest_t *g, const char *name, int nargs, int32_t a,
                   int32_t b, int32_t expected) {
  int code = -2;
  int32_t result = 0;
  return call(g, name, nargs, a, b, &result, &code) == 0 && result == expected;
}

static void *map_page(int prot) {
  void *p = mmap(NULL, page_size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    die("mmap", NULL, NULL);
  return p;
}

/* A worker thread: `rounds` rounds of calls, traps and host faults in a store
 * of its own; returns the number of failed checks. */
static void *worker(void *arg) {
  int rounds = (int)(intptr_t)arg;
  intptr_t failed = 0;
  lazy_page = map_page(PROT_NONE);
  guest_t g = guest_new();
  for (int r = 0; r < rounds; r++) {
    failed += !returns(&g, "add", 2, r, 1, r + 1);
    failed += !traps_with(&g, "oob", 0, 0,
                          WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS);
    failed += !traps_with(&g, "div", 1, 0,
                          WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO);
    failed += !traps_with(&g, "unreachable", 0, 0,
                          WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
    if (r % 10 == 0)
      failed += !traps_with(&g, "recurse", 1, 0,
                            WASMTIME_TRAP_CODE_STACK_OVERFLOW);
    if (r % 10 == 5)
      failed += !returns(&g, "faults", 0, 0, 0, NSIGNALS);
  }
  /* The first access to the lazy page faults, the host repairs it. */
  failed += !returns(&g, "lazy", 0, 0, 0, 41 + 1);
  wasmtime_store_delete(g.store);
  munmap(lazy_page, page_size);
  lazy_page = NULL;
  return (void *)failed;
}

static int mappings(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL)
    return -1;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static void install(int sig, int with_info) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  sigemptyset(&action.sa_mask);
  if (with_info) {
    action.sa_sigaction = siginfo_handler;
    action.sa_flags = SA_SIGINFO;
  } else {
    action.sa_handler = plain_handler;
  }
  if (sigaction(sig, &action, NULL) != 0)
    die("sigaction", NULL, NULL);
}

static void setup_pages(void) {
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  no_access = map_page(PROT_NONE);
  FILE *file = tmpfile();
  if (file == NULL)
    die("tmpfile", NULL, NULL);
  /* One page mapped over an empty file: reading it is SIGBUS. */
  void *p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fileno(file), 0);
  if (p == MAP_FAILED)
    die("mmap of a file", NULL, NULL);
  past_eof = p;
}

static void compile_module(void) {
  wasm_byte_vec_t wasm;
  wasmtime_error_t *error = wasmtime_wat2wasm(WAT, strlen(WAT), &wasm);
  if (error != NULL)
    die("wat2wasm", error, NULL);
  error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                              &module);
  wasm_byte_vec_delete(&wasm);
  if (error != NULL)
    die("compile", error, NULL);
}

/* `hostile_host ignored`: SIGSEGV and SIGFPE ignored before the engine; wasm
 * traps, a raise(SIGFPE), then a genuine SIGSEGV outside wasm. Returns only if
 * that fault did not kill the process. */
static void ignored_segv(void) {
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core); /* the process is meant to die of SIGSEGV */
  setup_pages();
  signal(SIGSEGV, SIG_IGN);
  /* Ignored too, with SA_SIGINFO set (sa_sigaction is then SIG_IGN as well). */
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  sigemptyset(&ignore.sa_mask);
  ignore.sa_handler = SIG_IGN;
  ignore.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &ignore, NULL);
  engine = wasm_engine_new();
  compile_module();
  guest_t g = guest_new();
  check(wasm_traps(&g), "wasm traps with SIGSEGV and SIGFPE ignored");
  raise(SIGFPE);
  printf("raise(SIGFPE) with SIGFPE ignored: ignored\n");
  printf("faulting with SIGSEGV ignored\n");
  fflush(stdout);
  (void)*no_access;
  printf("FAILED: the fault returned\n");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "ignored") == 0)
    ignored_segv();
  setup_pages();
  install(SIGSEGV, 1);
  install(SIGBUS, 1);
  install(SIGILL, 0);
  install(SIGFPE, 0);
  check(all_signals_reach_the_host(), "faults before the engine");
  printf("before the engine: every fault reaches the host's handlers\n");

  engine = wasm_engine_new();
  int replaced = 0;
  for (int i = 0; i < NSIGNALS; i++) {
    struct sigaction now;
    sigaction(SIGNALS[i], NULL, &now);
    void *h = (now.sa_flags & SA_SIGINFO) ? (void *)now.sa_sigaction
                                          : (void *)now.sa_handler;
    replaced += h != (void *)siginfo_handler && h != (void *)plain_handler;
  }
  check(replaced == NSIGNALS, "the engine installs its handlers");
  printf("the engine installed its handlers for %d signals\n", replaced);

  compile_module();
  guest_t g = guest_new();
  unsigned long before[NSIGNALS];
  for (int i = 0; i < NSIGNALS; i++)
    before[i] = hits_of(i);
  for (int round = 0; round < 100; round++)
    check(wasm_traps(&g), "wasm traps");
  int untouched = 1;
  for (int i = 0; i < NSIGNALS; i++)
    untouched &= hits_of(i) == before[i];
  check(untouched, "wasm faults stay away from the host's handlers");
  printf("wasm faults are traps, the host's handlers never see them\n");

  check(all_signals_reach_the_host(), "faults after the engine");
  printf("after the engine: every fault outside wasm reaches the host's "
         "handlers\n");

  lazy_page = map_page(PROT_NONE);
  unsigned long segv = hits_of(0);
  check(returns(&g, "lazy", 0, 0, 0, 41 + 1) && hits_of(0) == segv + 1,
        "a fault in a host function repaired by the host");
  check(returns(&g, "faults", 0, 0, 0, NSIGNALS),
        "faults in a host function escaped by the host");
  printf("in a host function called by wasm: faults reach the host's "
         "handlers\n");
  check(wasm_traps(&g) && returns(&g, "add", 2, 2, 3, 5),
        "wasm after the host's faults");
  printf("wasm still traps and runs\n");

  /* Threads the runtime did not create. */
  enum { THREADS = 4, ROUNDS = 200 };
  pthread_t threads[THREADS];
  size_t own_stack_size = 512 << 10;
  void *own_stack = mmap(NULL, own_stack_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (own_stack == MAP_FAILED)
    die("mmap of a stack", NULL, NULL);
  for (int t = 0; t < THREADS; t++) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (t == 1)
      pthread_attr_setstacksize(&attr, 256 << 10);
    if (t == 2)
      pthread_attr_setstack(&attr, own_stack, own_stack_size);
    if (pthread_create(&threads[t], &attr, worker, (void *)(intptr_t)ROUNDS))
      die("pthread_create", NULL, NULL);
    pthread_attr_destroy(&attr);
  }
  intptr_t failed = 0;
  for (int t = 0; t < THREADS; t++) {
    void *r;
    pthread_join(threads[t], &r);
    failed += (intptr_t)r;
  }
  check(failed == 0, "calls, traps and faults on C threads");
  printf("%d C threads at once (default, 256 KiB and host-allocated stacks): "
         "calls, traps, stack overflows and host faults all as expected\n",
         THREADS);

  int maps_before = mappings();
  for (int t = 0; t < 200; t++) {
    pthread_t thread;
    void *r;
    if (pthread_create(&thread, NULL, worker, (void *)(intptr_t)1))
      die("pthread_create", NULL, NULL);
    pthread_join(thread, &r);
    failed += (intptr_t)r;
  }
  int maps_after = mappings();
  fprintf(stderr, "mappings before 200 short-lived threads: %d, after: %d\n",
          maps_before, maps_after);
  check(failed == 0, "short-lived C threads");
  check(maps_after <= maps_before + 8, "no mapping left per thread");
  printf("200 short-lived C threads: no mapping left behind\n");

  check(wasm_traps(&g) && returns(&g, "add", 2, 40, 2, 42),
        "the main thread's store after the threads");
  wasmtime_store_delete(g.store);
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  munmap(own_stack, own_stack_size);
  if (failures != 0)
    return 1;
  printf("ok\n");
  return 0;
}
