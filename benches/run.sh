#!/bin/sh
# Build and run every wasmaot benchmark (P1–P6); prints Markdown tables on stdout.
# Extra arguments go to the harness, e.g. `./run.sh p3 --full` or `./run.sh p1 p2`.
set -e
cd "$(dirname "$0")"
cargo build --release -q
[ $# -eq 0 ] && set -- all
exec ./target/release/wasmaot-bench "$@"
