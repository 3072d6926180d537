/* primes: counts the primes below a limit on N threads (argv: N, limit), by trial
 * division, each thread taking every N-th odd number, and prints the count.
 *
 * Built for WASI with wasi-threads (build.sh), it has no libc: Debian's wasi-libc has
 * no threads build, and a shared memory needs every object compiled with atomics. So
 * it spawns with the `wasi::thread-spawn` import, enters each thread through
 * `wasi_thread_start` (start.s: gives the thread its own stack), waits with
 * memory.atomic.wait32 and writes with fd_write. Built natively (cc -pthread), the same
 * code runs on pthreads: the outputs must agree. */
#include <stdint.h>

#define MAX_THREADS 16
#define STACK_SIZE (64 * 1024)

struct thread {
  void *stack_top; /* read by start.s: must stay first */
  uint32_t index, threads, limit;
  uint32_t count;
};

static struct thread threads[MAX_THREADS];

static uint32_t is_prime(uint32_t n) {
  if (n < 2)
    return 0;
  for (uint32_t d = 2; d * d <= n; d++)
    if (n % d == 0)
      return 0;
  return 1;
}

static void work(struct thread *t) {
  uint32_t count = 0;
  for (uint32_t n = 3 + 2 * t->index; n < t->limit; n += 2 * t->threads)
    count += is_prime(n);
  t->count = count;
}

static uint32_t parse(const char *s) {
  uint32_t v = 0;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (uint32_t)(*s++ - '0');
  return v;
}

static uint32_t format(char *out, uint32_t v) {
  char digits[10];
  uint32_t n = 0, len = 0;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    out[len++] = digits[--n];
  return len;
}

static uint32_t append(char *out, const char *s) {
  uint32_t n = 0;
  while (s[n] != 0) {
    out[n] = s[n];
    n++;
  }
  return n;
}

#ifdef __wasm__
/* ---- WASI: wasi-threads and preview 1, no libc ---- */
typedef struct {
  const void *buf;
  uint32_t len;
} ciovec;

__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
uint32_t fd_write(uint32_t fd, const ciovec *iovs, uint32_t n, uint32_t *written);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("args_sizes_get")))
uint32_t args_sizes_get(uint32_t *argc, uint32_t *size);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("args_get")))
uint32_t args_get(char **argv, char *buf);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_exit")))
_Noreturn void proc_exit(uint32_t code);
__attribute__((import_module("wasi"), import_name("thread-spawn")))
int32_t thread_spawn(void *start_arg);

static char stacks[MAX_THREADS][STACK_SIZE];
static uint32_t finished; /* threads done; _start waits on it */
static char arg_bytes[256];
static char *arg_ptrs[8];

static void print(const char *s, uint32_t len) {
  ciovec iov = {s, len};
  uint32_t written;
  fd_write(1, &iov, 1, &written);
}

/* Called by start.s on the thread's own stack. */
void thread_start_c(int32_t tid, struct thread *t) {
  (void)tid;
  work(t);
  __c11_atomic_fetch_add((_Atomic uint32_t *)&finished, 1, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify((int *)&finished, 1);
}

static void run_threads(uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    threads[i].stack_top = stacks[i] + STACK_SIZE;
    if (thread_spawn(&threads[i]) < 1) {
      print("spawn failed\n", 13);
      proc_exit(2);
    }
  }
  for (;;) {
    uint32_t seen = __c11_atomic_load((_Atomic uint32_t *)&finished, __ATOMIC_SEQ_CST);
    if (seen == n)
      break;
    __builtin_wasm_memory_atomic_wait32((int *)&finished, (int)seen, -1);
  }
}

static uint32_t args(char ***argv) {
  uint32_t argc, size;
  if (args_sizes_get(&argc, &size) != 0 || argc > 8 || size > sizeof arg_bytes)
    return 0;
  args_get(arg_ptrs, arg_bytes);
  *argv = arg_ptrs;
  return argc;
}

static int run(int argc, char **argv);

void _start(void) {
  char **argv = 0;
  uint32_t argc = args(&argv);
  proc_exit((uint32_t)run((int)argc, argv));
}
#else
/* ---- native: pthreads ---- */
#include <pthread.h>
#include <unistd.h>

static void print(const char *s, uint32_t len) { (void)!write(1, s, len); }

static void *thread_main(void *arg) {
  work(arg);
  return 0;
}

static void run_threads(uint32_t n) {
  pthread_t ids[MAX_THREADS];
  for (uint32_t i = 0; i < n; i++)
    pthread_create(&ids[i], 0, thread_main, &threads[i]);
  for (uint32_t i = 0; i < n; i++)
    pthread_join(ids[i], 0);
}

static int run(int argc, char **argv);
int main(int argc, char **argv) { return run(argc, argv); }
#endif

static int run(int argc, char **argv) {
  uint32_t n = argc > 1 ? parse(argv[1]) : 2;
  uint32_t limit = argc > 2 ? parse(argv[2]) : 1000000;
  if (n < 1 || n > MAX_THREADS) {
    print("threads: 1 to 16\n", 17);
    return 1;
  }
  for (uint32_t i = 0; i < n; i++) {
    threads[i].index = i;
    threads[i].threads = n;
    threads[i].limit = limit;
  }
  run_threads(n);
  uint32_t total = limit > 2 ? 1 : 0; /* 2 */
  for (uint32_t i = 0; i < n; i++)
    total += threads[i].count;
  char line[64];
  uint32_t len = append(line, "primes below ");
  len += format(line + len, limit);
  len += append(line + len, ": ");
  len += format(line + len, total);
  line[len++] = '\n';
  print(line, len);
  return 0;
}
