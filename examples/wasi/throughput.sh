#!/bin/sh
# WASI read throughput: 100 MB piped through count_bytes (fd_read, 64 KiB reads, plus a
# checksum) against the same bytes piped through `cat`. Needs hyperfine
# (apt-get install -y hyperfine) and a built CLI (cargo build -p wasmaot-compiler --bin wasmaot).
# Usage: examples/wasi/throughput.sh [WASMAOT_BINARY]   (default: target/debug/wasmaot)
set -eu
cd "$(dirname "$0")/../.."
wasmaot=$(realpath "${1:-target/debug/wasmaot}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 100000000 /dev/urandom > "$tmp/in"
"$wasmaot" compile examples/wasi/count_bytes.wasm -o "$tmp/count_bytes.cwasm"
echo "count_bytes: $("$wasmaot" run "$tmp/count_bytes.cwasm" < "$tmp/in")  (expected $(wc -c < "$tmp/in") bytes)"
cd "$tmp"
hyperfine -N -w 3 -r 40 --export-json times.json \
    'sh -c "cat in | cat > /dev/null"' \
    "sh -c \"cat in | $wasmaot run count_bytes.cwasm > /dev/null\""
python3 - <<'PY'
import json, statistics
r = json.load(open("times.json"))["results"]
cat, wasm = (statistics.median(x["times"]) * 1000 for x in r)
print(f"median: cat {cat:.1f} ms, wasmaot run count_bytes {wasm:.1f} ms, ratio {wasm / cat:.2f}")
PY
