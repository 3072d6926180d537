/* The guest of capi/tests/compat/wasi.c: a WASI command built with
 * `clang --target=wasm32-wasi` (see build.sh) into ../wasi.wasm.  It prints
 * its arguments, an environment variable, its stdin and a file of the
 * preopened directory, writes a line to stderr and exits with status 7. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  printf("hello from wasi.wasm\n");
  for (int i = 0; i < argc; i++)
    printf("argv[%d] = %s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  printf("GREETING = %s\n", greeting != NULL ? greeting : "(unset)");

  char buf[64];
  size_t n = fread(buf, 1, sizeof buf, stdin);
  printf("stdin: %zu bytes: %.*s\n", n, (int)n, buf);

  FILE *f = fopen("/sandbox/wasi-guest/file.txt", "r");
  if (f == NULL) {
    perror("/sandbox/wasi-guest/file.txt");
    return 1;
  }
  if (fgets(buf, sizeof buf, f) != NULL)
    printf("file.txt: %s", buf);
  fclose(f);

  fprintf(stderr, "a line on stderr\n");
  return 7;
}
