#!/usr/bin/env bash
# test/bench/run.sh BUILD_DIR — runs every benchmark executable pb_bench_* under BUILD_DIR/test/bench
# and prints its output. Exits non-zero if a benchmark fails to run (never because of a timing).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bench_dir=$1/test/bench
mapfile -t benches < <(find "$bench_dir" -type f -perm -u+x -name 'pb_bench_*' 2>/dev/null | sort)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "no benchmarks under $bench_dir; build them first (cmake --build $1)" >&2
  exit 1
fi
status=0
for b in "${benches[@]}"; do
  echo "== $(basename "$b")"
  "$b" || { echo "$(basename "$b") failed" >&2; status=1; }
done
exit $status
