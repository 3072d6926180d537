#!/bin/sh
# Rebuilds ../wasi.wasm, the guest of capi/tests/compat/wasi.c, from main.c (the tests
# use the committed file, so building is needed only after changing the source).
# Needs: apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32  (Debian 12: clang 14)
set -eu
cd "$(dirname "$0")"
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-debug -o ../wasi.wasm main.c
