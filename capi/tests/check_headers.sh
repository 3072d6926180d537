#!/usr/bin/env bash
# Checks wasmaot's Wasmtime-v23-compatible C headers (capi/include).
#
#  1. every function in the v23 list is declared, and nothing else is
#     declared except static inline helpers that the v23 headers also have;
#  2. all headers compile cleanly as C11 (-Wall -Wextra -Werror) and C++17,
#     both through the umbrella header and each header on its own;
#  3. capi/tests/layout.c (static layout asserts) compiles;
#  4. the example hosts in capi/tests/compat compile (gcc -c).
#
# Usage: capi/tests/check_headers.sh [path/to/capi-v23-functions.txt]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
capi="$(dirname "$here")"
inc="$capi/include"
list="${1:-/work/shared/capi-v23-functions.txt}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0

CC="${CC:-gcc}"
CXX="${CXX:-g++}"

# Static inline helpers defined by the Wasmtime v23 headers themselves.
inline_helpers="assertions wasm_name_new_from_string wasm_name_new_from_string_nt
wasm_valkind_is_num wasm_valkind_is_ref wasm_valtype_is_num wasm_valtype_is_ref
wasm_valtype_new_i32 wasm_valtype_new_i64 wasm_valtype_new_f32 wasm_valtype_new_f64
wasm_valtype_new_externref wasm_valtype_new_funcref
wasm_functype_new_0_0 wasm_functype_new_1_0 wasm_functype_new_2_0 wasm_functype_new_3_0
wasm_functype_new_0_1 wasm_functype_new_1_1 wasm_functype_new_2_1 wasm_functype_new_3_1
wasm_functype_new_0_2 wasm_functype_new_1_2 wasm_functype_new_2_2 wasm_functype_new_3_2
wasm_val_init_ptr wasm_val_ptr
wasmtime_anyref_set_null wasmtime_anyref_is_null
wasmtime_externref_set_null wasmtime_externref_is_null
wasmtime_funcref_set_null wasmtime_funcref_is_null"

echo "== 1. declarations vs. $list"
printf '#include <wasmtime.h>\n#include <wasi.h>\n' > "$tmp/all.c"
"$CC" -std=c11 -I"$inc" -fsyntax-only -aux-info "$tmp/aux.txt" "$tmp/all.c"
# Function prototypes coming from our headers: "/* <inc>/...:L:X */ ... name (args);"
grep -F "$inc/" "$tmp/aux.txt" |
  sed -E 's|^/\*[^*]*\*/ *||; s|\(.*$||; s| *$||; s|.*[ *]||' |
  sort -u > "$tmp/declared.txt"
grep -v '^[[:space:]]*$' "$list" | sort -u > "$tmp/wanted.txt"
printf '%s\n' $inline_helpers | sort -u > "$tmp/helpers.txt"

missing="$(comm -23 "$tmp/wanted.txt" "$tmp/declared.txt")"
extra="$(comm -13 "$tmp/wanted.txt" "$tmp/declared.txt" | comm -23 - "$tmp/helpers.txt")"
echo "   wanted: $(wc -l < "$tmp/wanted.txt")  declared: $(wc -l < "$tmp/declared.txt")"
if [ -n "$missing" ]; then echo "   MISSING:"; echo "$missing" | sed 's/^/     /'; fail=1; else echo "   missing: none"; fi
if [ -n "$extra" ]; then echo "   NOT IN v23 LIST (and not a v23 inline helper):"; echo "$extra" | sed 's/^/     /'; fail=1; else echo "   unexpected: none"; fi
# The ones in the list that are inline helpers in v23 must be static inline here too.
for f in wasm_valkind_is_num wasm_valkind_is_ref; do
  if ! grep -F "$inc/" "$tmp/aux.txt" | grep "static .* $f (" > /dev/null; then
    echo "   $f should be static inline"; fail=1
  fi
done
echo "   extern functions: $(grep -F "$inc/" "$tmp/aux.txt" | grep -c ' extern ')," \
     "static inline helpers: $(grep -F "$inc/" "$tmp/aux.txt" | grep -vc ' extern ')"

echo "== 2. syntax: C11/C99 -Wall -Wextra -Werror (-Wpedantic) / C++17"
hdrs="wasm.h wasi.h wasmtime.h $(cd "$inc" && ls wasmtime/*.h)"
"$CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/all.c" && echo "   C11 umbrella: ok" || fail=1
"$CC" -std=c11 -Wall -Wextra -Werror -Wpedantic -fsyntax-only -I"$inc" "$tmp/all.c" && echo "   C11 -Wpedantic umbrella: ok" || fail=1
"$CC" -std=c99 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/all.c" && echo "   C99 umbrella: ok" || fail=1
cp "$tmp/all.c" "$tmp/all.cc"
"$CXX" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/all.cc" && echo "   C++17 umbrella: ok" || fail=1
for h in $hdrs; do
  printf '#include <%s>\n#include <%s>\n' "$h" "$h" > "$tmp/one.c"   # also checks include guards
  cp "$tmp/one.c" "$tmp/one.cc"
  "$CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/one.c" || { echo "   C11 standalone $h FAILED"; fail=1; }
  "$CXX" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/one.cc" || { echo "   C++17 standalone $h FAILED"; fail=1; }
done
echo "   each header standalone (C11 + C++17): done"

echo "== 3. layout asserts (capi/tests/layout.c)"
"$CC" -std=c11 -Wall -Wextra -Werror -I"$inc" -c "$here/layout.c" -o "$tmp/layout.o" && echo "   layout.c: ok" || fail=1

echo "== 4. example hosts (capi/tests/compat/*.c)"
for f in "$here"/compat/*.c; do
  if "$CC" -std=c11 -Wall -Wextra -Werror -I"$inc" -c "$f" -o "$tmp/$(basename "$f").o"; then
    echo "   $(basename "$f"): ok"
  else
    echo "   $(basename "$f"): FAILED"; fail=1
  fi
done

if [ "$fail" -ne 0 ]; then echo "RESULT: FAIL"; exit 1; fi
echo "RESULT: OK"
