#!/usr/bin/env bash
# run_tutorials.sh PATCHBAY TUTORIAL_DIR WORK_DIR — runs every TUTORIAL_DIR/NN-name.click with
# `PATCHBAY run -j 1` inside WORK_DIR (files a tutorial writes, such as pcaps, land there and
# later tutorials read them, so the order is the file names' order) and compares what it prints
# — standard output, then standard error, where Print and the DriverManager's `read` write —
# with NN-name.expected next to the config. Every tutorial runs; the script fails if any
# differs, exits non-zero or has no .expected file.
#
# To accept new output after a deliberate change: run it, check the diff it shows, and copy
# WORK_DIR/NN-name.actual over configs/tutorial/NN-name.expected.
set -u

if [[ $# -ne 3 ]]; then
  echo "usage: $0 PATCHBAY TUTORIAL_DIR WORK_DIR" >&2
  exit 2
fi
patchbay=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(cd "$2" && pwd)
work=$3

mkdir -p "$work" && cd "$work" || exit 2
rm -f ./*.pcap ./*.actual ./*.stdout ./*.stderr

shopt -s nullglob
configs=("$dir"/[0-9][0-9]-*.click)
if [[ ${#configs[@]} -lt 5 ]]; then
  echo "FAIL: expected at least 5 tutorials in $dir, found ${#configs[@]}"
  exit 1
fi

failed=0
for cfg in "${configs[@]}"; do
  name=$(basename "$cfg" .click)
  expected=$dir/$name.expected
  # A tutorial that hangs is a failure, not a stuck test run.
  timeout 60 "$patchbay" run -j 1 "$cfg" >"$name.stdout" 2>"$name.stderr"
  rc=$?
  cat "$name.stdout" "$name.stderr" >"$name.actual"
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $name: patchbay run exited with $rc"
    cat "$name.stderr"
    failed=1
  elif [[ ! -f $expected ]]; then
    echo "FAIL $name: no $expected"
    failed=1
  elif ! diff -u "$expected" "$name.actual"; then
    echo "FAIL $name: output differs from $name.expected (above)"
    failed=1
  else
    echo "ok   $name"
  fi
done
exit $failed
