#!/usr/bin/env bash
# test/fuzz/run.sh BUILD_DIR SECONDS — runs every libFuzzer target BUILD_DIR/test/fuzz/pb_fuzz_<name>
# for SECONDS each, starting from a copy of test/fuzz/corpus/<name>/ (the checked-in seeds are
# never modified). Exits non-zero on any crash, leak, timeout or out-of-memory; the reproducer is
# kept under BUILD_DIR/test/fuzz/artifacts/<name>/.
#
# Per-fuzzer libFuzzer flags may be put in test/fuzz/<name>.options (one line, e.g.
# "-max_len=4096 -dict=test/fuzz/config.dict"); the default is -max_len=$PB_FUZZ_MAX_LEN (16384).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
seconds=$2
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fuzz_dir=$build_dir/test/fuzz

shopt -s nullglob
fuzzers=()
for f in "$fuzz_dir"/pb_fuzz_*; do
  [[ -f $f && -x $f ]] && fuzzers+=("$f")
done
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "no fuzzers under $fuzz_dir; configure with -DPB_FUZZ=ON (clang) and build first" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  name=${name#pb_fuzz_}
  corpus=$work/$name/corpus
  artifacts=$work/$name/artifacts
  mkdir -p "$corpus" "$artifacts"
  if [[ -d $src_dir/corpus/$name ]]; then
    cp -R "$src_dir/corpus/$name/." "$corpus/"
  fi
  options=("-max_len=${PB_FUZZ_MAX_LEN:-16384}")
  if [[ -f $src_dir/$name.options ]]; then
    read -r -a options <"$src_dir/$name.options"
  fi
  seeds=$(find "$corpus" -type f | wc -l)
  echo "== $name: ${seconds}s from $seeds seeds"
  log=$work/$name/log
  if (cd "$src_dir/../.." && "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 "${options[@]}" -artifact_prefix="$artifacts/" -print_final_stats=1) \
      >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$log" || true
    echo "$name: no crash, leak or timeout"
  else
    status=1
    echo "$name: FAILED" >&2
    tail -n 60 "$log" >&2
    keep=$fuzz_dir/artifacts/$name
    mkdir -p "$keep"
    cp -R "$artifacts/." "$keep/" 2>/dev/null || true
    echo "reproducers kept in $keep (rerun: $fuzzer FILE)" >&2
  fi
done
exit $status
