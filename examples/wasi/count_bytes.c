/* count_bytes: read standard input to end of file through fd_read and print the byte
 * count and a checksum, to check that a stream arrives whole and to measure WASI read
 * throughput:
 *
 *     head -c 100000000 /dev/urandom | wasmaot run count_bytes.wasm
 *
 * Output: "<bytes> <a> <b>\n", a and b as 16 hex digits. The checksum is Fletcher-like
 * over little-endian 64-bit words (the last one zero-padded), modulo 2^64:
 * a = sum of the words, b = sum of the running values of a.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[1 << 16];

int main(void) {
    uint64_t bytes = 0, a = 0, b = 0;
    size_t have = 0; /* bytes in buf not yet summed (fewer than 8 carried over) */
    for (;;) {
        ssize_t n = read(0, buf + have, sizeof buf - have);
        if (n < 0) {
            perror("count_bytes: read");
            return 1;
        }
        if (n == 0)
            break;
        bytes += (uint64_t)n;
        have += (size_t)n;
        size_t words = have / 8;
        for (size_t i = 0; i < words; i++) {
            uint64_t w;
            memcpy(&w, buf + 8 * i, 8);
            a += w;
            b += a;
        }
        size_t rest = have - 8 * words;
        memmove(buf, buf + 8 * words, rest);
        have = rest;
    }
    if (have > 0) {
        uint64_t w = 0;
        memcpy(&w, buf, have);
        a += w;
        b += a;
    }
    printf("%llu %016llx %016llx\n", (unsigned long long)bytes, (unsigned long long)a,
           (unsigned long long)b);
    return 0;
}
