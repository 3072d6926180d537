#!/bin/sh
# Rebuilds far_sum.wasm (the tests use the committed file): a wasm64 (memory64) program
# built by zig's clang, from PyPI (pip install ziglang==0.17.0); ZIG overrides the command.
set -eu
cd "$(dirname "$0")"
ZIG=${ZIG:-python3 -m ziglang}
$ZIG cc -target wasm64-freestanding -O2 -Wall -Wextra -nostdlib -Wl,--no-entry \
    -Wl,--export=run -Wl,--strip-debug -o far_sum.wasm far_sum.c
