/* far_sum: a memory64 program. It grows its memory by more than 4 GiB, writes a value
 * every 64 MiB across the new space, reads them back and returns their checksum, so its
 * pointers and sizes need 64 bits. Built for wasm64 (build.sh) it exports `run(count)`;
 * built natively, `far_sum COUNT` prints the same checksum. */
#include <stddef.h>
#include <stdint.h>

#define STRIDE ((size_t)64 << 20)

#ifdef __wasm__
/* `bytes` of fresh memory: the memory grown by that much. */
static uint8_t *region(size_t bytes) {
  size_t old = __builtin_wasm_memory_grow(0, (bytes + 65535) / 65536);
  return old == (size_t)-1 ? 0 : (uint8_t *)(old * 65536);
}
#define EXPORT __attribute__((export_name("run")))
#else
#include <stdio.h>
#include <stdlib.h>
static uint8_t *region(size_t bytes) { return calloc(1, bytes); }
#define EXPORT
#endif

/* The checksum of `count` values written STRIDE bytes apart; 0 if the memory cannot
 * grow that far. */
EXPORT uint64_t run(uint64_t count) {
  uint8_t *base = region(count * STRIDE);
  if (base == 0)
    return 0;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t value = (i + 1) * 0x9E3779B97F4A7C15ull;
    *(volatile uint64_t *)(base + i * STRIDE + (i % 8) * 8) = value;
  }
  uint64_t sum = 0;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t value = *(volatile uint64_t *)(base + i * STRIDE + (i % 8) * 8);
    sum = (sum ^ value) * 0x100000001B3ull + i;
  }
  return sum;
}

#ifndef __wasm__
int main(int argc, char **argv) {
  uint64_t count = argc > 1 ? strtoull(argv[1], 0, 10) : 80;
  printf("%llu\n", (unsigned long long)run(count));
  return 0;
}
#endif
