#!/bin/sh
# Rebuilds the committed .wasm files from their C sources (the tests use the committed
# files, so building is needed only after changing a source).
# Needs: apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32  (Debian 12: clang 14)
set -eu
cd "$(dirname "$0")"
for prog in cat_upper count_bytes; do
    clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-debug -o "$prog.wasm" "$prog.c"
done
