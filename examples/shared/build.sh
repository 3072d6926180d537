#!/bin/sh
# Build examples/shared: compile demo.wat into a shared object (linked by `cc`), and
# the C host against libwasmaot.so. Then run `./host ./demo.so`, or
# `wasmaot run demo.so --invoke fib 25`.
#
#   WASMAOT  the wasmaot binary (default: target/debug/wasmaot of this workspace)
#   LIBDIR   the directory holding libwasmaot.so (default: target/debug)
#   OUT      where to write demo.so and the program (default: this directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
WASMAOT=${WASMAOT:-$root/target/debug/wasmaot}
LIBDIR=${LIBDIR:-$root/target/debug}
OUT=${OUT:-$here}
CC=${CC:-cc}

"$WASMAOT" compile --emit shared --symbol-prefix demo_ "$here/demo.wat" -o "$OUT/demo.so"
$CC -std=c11 -Wall -Wextra -Werror -I"$root/capi/include" "$here/host.c" \
    -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lwasmaot -o "$OUT/host"
