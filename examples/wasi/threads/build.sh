#!/bin/sh
# Rebuilds primes.wasm, a wasi-threads program without libc (the tests use the committed
# file; building is needed only after changing primes.c or start.s).
# Needs Debian 12's clang 14 (apt-get install -y clang) to compile, and a wasm-ld of
# LLVM 16 or later to link, for --export-memory beside --import-memory (a program's WASI
# calls reach its memory through the export): zig's, from PyPI (pip install
# ziglang==0.17.0), as `python3 -m ziglang wasm-ld`. WASM_LD overrides it.
set -eu
cd "$(dirname "$0")"
WASM_LD=${WASM_LD:-python3 -m ziglang wasm-ld}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang --target=wasm32-wasi -O2 -Wall -Wextra -matomics -mbulk-memory -nostdlib -c primes.c -o "$tmp/primes.o"
clang --target=wasm32-wasi -matomics -mbulk-memory -c start.s -o "$tmp/start.o"
$WASM_LD --no-entry --export=_start --shared-memory --import-memory --export-memory \
    --max-memory=4194304 --strip-debug "$tmp/primes.o" "$tmp/start.o" -o primes.wasm
