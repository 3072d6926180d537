/* cat_upper: read a text file from a preopened directory, upper-case it, and write the
 * result to stdout, or to a second file (created or truncated) if one is named.
 *
 *     wasmaot run --dir data::/data cat_upper.wasm /data/in.txt [/data/out.txt]
 *
 * Prints a one-line summary to stderr. Exit status: 0 on success, 1 on an I/O error
 * (with the path and the reason on stderr), 2 on a usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s IN [OUT]\n", argc > 0 ? argv[0] : "cat_upper");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "cat_upper: cannot open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    FILE *out = stdout;
    if (argc == 3) {
        out = fopen(argv[2], "wb");
        if (!out) {
            fprintf(stderr, "cat_upper: cannot create %s: %s\n", argv[2], strerror(errno));
            fclose(in);
            return 1;
        }
    }
    char buf[4096];
    size_t n, total = 0, lines = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n')
                lines++;
            buf[i] = (char)toupper((unsigned char)buf[i]);
        }
        if (fwrite(buf, 1, n, out) != n) {
            fprintf(stderr, "cat_upper: write failed: %s\n", strerror(errno));
            return 1;
        }
        total += n;
    }
    if (ferror(in)) {
        fprintf(stderr, "cat_upper: cannot read %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    fclose(in);
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "cat_upper: cannot write %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    fprintf(stderr, "cat_upper: %zu bytes, %zu lines\n", total, lines);
    return 0;
}
