#!/bin/sh
# Build examples/static: compile both modules to objects (each with its own symbol
# prefix) and link them into the C host with the system linker, statically against
# libwasmaot.a. Then run ./host.
#
#   WASMAOT  the wasmaot binary (default: target/debug/wasmaot of this workspace)
#   LIBDIR   the directory holding libwasmaot.a (default: target/debug)
#   OUT      where to write the objects and the program (default: this directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
WASMAOT=${WASMAOT:-$root/target/debug/wasmaot}
LIBDIR=${LIBDIR:-$root/target/debug}
OUT=${OUT:-$here}
CC=${CC:-cc}

"$WASMAOT" compile --emit obj --symbol-prefix fib_ "$here/fib.wat" -o "$OUT/fib.o"
"$WASMAOT" compile --emit obj --symbol-prefix counter_ "$here/counter.wat" -o "$OUT/counter.o"
$CC -std=c11 -Wall -Wextra -Werror -I"$root/capi/include" "$here/host.c" \
    "$OUT/fib.o" "$OUT/counter.o" \
    "$LIBDIR/libwasmaot.a" -lpthread -ldl -lm -o "$OUT/host"
