/* Freestanding aarch64 harness: calls wasm code compiled by wasmaot (linked statically,
 * found through its descriptor) with a hand-built VMContext; no runtime, no libc. */
#include "layout.h"

struct descriptor {
  unsigned magic, version;
  const unsigned char *metadata;
  unsigned long metadata_len;
  const unsigned char *text;
  unsigned long text_len;
  const unsigned char *data;
  unsigned long data_len;
};
extern const struct descriptor m_wasmaot_module;

static unsigned char vmctx[VMCTX_SIZE] __attribute__((aligned(16)));
static unsigned char limits[LIMITS_SIZE] __attribute__((aligned(16)));
static unsigned char memory[65536] __attribute__((aligned(16)));
static unsigned char funcref[FUNCREF_SIZE] __attribute__((aligned(16)));
static unsigned long long values[2 * 4] __attribute__((aligned(16)));

static long sys(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
static void put(void *at, unsigned long v) { *(unsigned long *)at = v; }
static void print(const char *s) {
  unsigned long n = 0;
  while (s[n]) n++;
  sys(64, 1, (long)s, (long)n);
}
static void print_u(unsigned long long v) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  do { buf[--i] = '0' + v % 10; v /= 10; } while (v);
  print(buf + i);
}

typedef void (*entry_t)(void *funcref, void *caller_vmctx, void *values);

static void call(unsigned func_offset, unsigned entry_offset) {
  const unsigned char *text = m_wasmaot_module.text;
  put(funcref + FUNCREF_WASM_CALL, (unsigned long)(text + func_offset));
  put(funcref + FUNCREF_VMCTX, (unsigned long)vmctx);
  ((entry_t)(text + entry_offset))(funcref, vmctx, values);
}

void _start(void) {
  if (m_wasmaot_module.magic != 0x544f4157u) {
    print("bad descriptor\n");
    sys(93, 1, 0, 0);
  }
  *(unsigned *)vmctx = VMCTX_MAGIC;
  put(vmctx + VMCTX_RUNTIME_LIMITS, (unsigned long)limits);
  put(limits + LIMITS_STACK_LIMIT, 0); /* any stack pointer is above it */
  put(vmctx + VMCTX_MEMORY0 + MEMORY_BASE, (unsigned long)memory);
  put(vmctx + VMCTX_MEMORY0 + MEMORY_LENGTH, sizeof memory);

  values[0] = 20;
  call(FIB_TEXT, FIB_ENTRY);
  print("fib(20) = ");
  print_u(values[0]);
  print("\n");

  values[0] = 4000; /* address */
  values[2] = 1234567; /* value */
  call(STORE_TEXT, STORE_ENTRY);
  print("store_load(4000, 1234567) = ");
  print_u((unsigned)values[0]);
  print(", memory holds ");
  print_u(*(unsigned *)(memory + 4000));
  print("\n");
  sys(93, 0, 0, 0);
}
