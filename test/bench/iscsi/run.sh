#!/usr/bin/env bash
# test/bench/iscsi/run.sh PATCHBAY ISCSI_WRITER — patchbay's iSCSI target beside tgtd (Debian
# `tgt`), both on 127.0.0.1, the same back-end file in the page cache, libiscsi's iscsi-perf as
# the reader and tools/iscsi-writer as the writer:
#   4 KiB random reads, 32 in flight      1 MiB sequential reads, 8 in flight
#   4 KiB random writes, 32 in flight     1 MiB sequential writes, 8 in flight
#   4 KiB random reads from the null back end (the protocol's own ceiling)
# and the CPU seconds each target spent per I/O (its utime + stime over the run / I/Os).
# Measures only: it never fails because of a figure. Environment:
#   BENCH_SECONDS (10), BENCH_FILE_MB (1024), PATCHBAY_ARGS ("-j 1": the target's elements share
#   one thread anyway), BENCH_DIR (a temporary directory), BENCH_PIN ("1 0": the targets run on
#   CPU 1 and the initiators on CPU 0, so neither target gets more of the machine than the other;
#   "" to leave placement to the kernel), BENCH_ONLY (a subset of "read4k read1m write4k write1m
#   null4k").
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 PATCHBAY ISCSI_WRITER" >&2
  exit 2
fi
patchbay=$1
writer=$2
src=$(cd "$(dirname "$0")/../../.." && pwd)
seconds=${BENCH_SECONDS:-10}
file_mb=${BENCH_FILE_MB:-1024}
read -r -a pb_args <<<"${PATCHBAY_ARGS:--j 1}"
read -r target_cpu initiator_cpu <<<"${BENCH_PIN-1 0}"
target_run=()
initiator_run=()
if [[ -n ${target_cpu:-} ]] && command -v taskset >/dev/null && [[ $(nproc) -gt 1 ]]; then
  target_run=(taskset -c "$target_cpu")
  initiator_run=(taskset -c "$initiator_cpu")
fi
for tool in iscsi-perf python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian libiscsi-bin / python3)" >&2; exit 1; }
done
have_tgtd=1
if ! command -v tgtd >/dev/null || ! command -v tgtadm >/dev/null; then
  have_tgtd=0
  echo "tgtd not found (Debian tgt): patchbay only" >&2
fi

dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/pb-iscsi-bench.XXXXXX")}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -n ${BENCH_DIR:-} ]] || rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
  local i
  for i in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}
cpu_ticks() {  # utime + stime of a process and its threads, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# The back-end file: real blocks (not holes), read once so both targets find it in the page cache.
img=$dir/disk.img
head -c "$((file_mb << 20))" /dev/zero >"$img"
cat "$img" >/dev/null

# ---- targets -----------------------------------------------------------------------------------
pb_pid=""
pb_url=""
start_patchbay() {  # CONFIG NAME [NAME=value…]
  local config=$1 name=$2
  shift 2
  local port
  port=$(free_port)
  "${target_run[@]}" "$patchbay" run "${pb_args[@]}" "$src/configs/iscsi/$config.click" PORT="$port" "$@" \
    >"$dir/patchbay.log" 2>&1 &
  pb_pid=$!
  pids+=("$pb_pid")
  wait_port "$port"
  pb_url=iscsi://127.0.0.1:$port/iqn.2026-01.org.patchbay:$name/0
}
stop_patchbay() {
  kill -TERM "$pb_pid" 2>/dev/null || true
  wait "$pb_pid" 2>/dev/null || true
}

tgt_pid=""
tgt_url=""
tgt_control=$((4000 + RANDOM % 2000))
start_tgtd() {  # BACKING [null]
  local port
  port=$(free_port)
  "${target_run[@]}" tgtd -f -C "$tgt_control" --iscsi "portal=127.0.0.1:$port" >"$dir/tgtd.log" 2>&1 &
  tgt_pid=$!
  pids+=("$tgt_pid")
  wait_port "$port"
  tgtadm -C "$tgt_control" --lld iscsi --op new --mode target --tid 1 -T iqn.2026-01.org.example:tgt
  if [[ ${2:-} == null ]]; then
    tgtadm -C "$tgt_control" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -E null \
      -b "null-$file_mb" --device-type disk
  else
    tgtadm -C "$tgt_control" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$1"
  fi
  tgtadm -C "$tgt_control" --lld iscsi --op bind --mode target --tid 1 -I ALL
  tgt_url=iscsi://127.0.0.1:$port/iqn.2026-01.org.example:tgt/1
}
stop_tgtd() {
  # tgtd ignores SIGTERM and SIGINT while it has targets; nothing of it needs to survive.
  kill -KILL "$tgt_pid" 2>/dev/null || true
  wait "$tgt_pid" 2>/dev/null || true
}

# ---- workloads ---------------------------------------------------------------------------------
# measure PID URL KIND BYTES_PER_IO -> prints "IOPS BYTES_PER_S CPU_US_PER_IO"
measure() {
  local pid=$1 url=$2 kind=$3 size=$4 out ios secs
  local blocks=$((size / 512))
  local hz
  hz=$(getconf CLK_TCK)
  local before after
  before=$(cpu_ticks "$pid")
  case $kind in
    randread | seqread)
      local flags=(-m 32 -b "$blocks")
      [[ $kind == randread ]] && flags+=(-r)
      [[ $size -ge 1048576 ]] && flags=(-m 8 -b "$blocks")
      # timeout: libiscsi reconnects forever if a target dies.
      out=$(timeout $((seconds + 60)) "${initiator_run[@]}" iscsi-perf "${flags[@]}" -t "$seconds" \
            "$url" 2>&1 | tr '\r' '\n' |
            grep "iops average" | tail -1 | awk '{print $3}')
      ios=$((out * seconds))
      secs=$seconds
      ;;
    randwrite | seqwrite)
      local flags=(-m 32 -b "$blocks")
      [[ $kind == randwrite ]] && flags+=(-r)
      [[ $size -ge 1048576 ]] && flags=(-m 8 -b "$blocks")
      out=$(timeout $((seconds + 60)) "${initiator_run[@]}" "$writer" bench "${flags[@]}" \
            -t "$seconds" "$url" 2>&1 | grep "^writes:")
      ios=$(awk '{print $2}' <<<"$out")
      secs=$(awk '{print $5}' <<<"$out")
      ;;
  esac
  after=$(cpu_ticks "$pid")
  python3 - "$ios" "$secs" "$size" "$((after - before))" "$hz" <<'PY'
import sys
ios, secs, size, ticks, hz = (float(x) for x in sys.argv[1:])
iops = ios / secs if secs else 0
cpu_us = ticks / hz / ios * 1e6 if ios else 0
print(f"{iops:.0f} {iops * size:.0f} {cpu_us:.2f}")
PY
}

declare -A result
only=" ${BENCH_ONLY:-read4k read1m write4k write1m null4k} "
want() { [[ $only == *" $1 "* ]]; }
run_workloads() {  # TARGET PID URL
  local who=$1 pid=$2 url=$3
  if want read4k; then result[$who,read4k]=$(measure "$pid" "$url" randread 4096); fi
  if want read1m; then result[$who,read1m]=$(measure "$pid" "$url" seqread 1048576); fi
  if want write4k; then result[$who,write4k]=$(measure "$pid" "$url" randwrite 4096); fi
  if want write1m; then result[$who,write1m]=$(measure "$pid" "$url" seqwrite 1048576); fi
}

pin="unpinned"
[[ ${#target_run[@]} -eq 0 ]] || pin="targets on CPU $target_cpu, initiators on CPU $initiator_cpu"
echo "iSCSI: ${seconds}s per workload, ${file_mb} MiB file in the page cache, $(nproc) CPUs, $pin"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start_patchbay file file FILE="$img"
run_workloads patchbay "$pb_pid" "$pb_url"
stop_patchbay
if want null4k; then
  start_patchbay null null SIZE="${file_mb}M"
  result[patchbay,null4k]=$(measure "$pb_pid" "$pb_url" randread 4096)
  stop_patchbay
fi
if [[ $have_tgtd -eq 1 ]]; then
  start_tgtd "$img"
  run_workloads tgtd "$tgt_pid" "$tgt_url"
  stop_tgtd
  if want null4k; then
    start_tgtd "$img" null
    result[tgtd,null4k]=$(measure "$tgt_pid" "$tgt_url" randread 4096)
    stop_tgtd
  fi
fi

# ---- report ------------------------------------------------------------------------------------
fmt() {  # "IOPS BYTES/S CPU" KIND -> text
  [[ -n ${1:-} ]] || { echo "-"; return; }
  read -r iops bps cpu <<<"$1"
  if [[ $2 == big ]]; then
    printf "%.2f GB/s, %s us CPU/IO" "$(python3 -c "print($bps / 1e9)")" "$cpu"
  else
    printf "%.1fK IOPS, %s us CPU/IO" "$(python3 -c "print($iops / 1e3)")" "$cpu"
  fi
}
ratio() {
  [[ -n ${1:-} && -n ${2:-} ]] || { echo "-"; return; }
  python3 -c "a=float('$1'.split()[0]); b=float('$2'.split()[0]); print(f'{a / b:.2f}x' if b else '-')"
}
printf "%-26s %-34s %-34s %-7s %s\n" workload patchbay tgtd ratio goal
row() {  # KEY LABEL SIZE GOAL
  printf "%-26s %-34s %-34s %-7s %s\n" "$2" "$(fmt "${result[patchbay,$1]:-}" "$3")" \
    "$(fmt "${result[tgtd,$1]:-}" "$3")" "$(ratio "${result[patchbay,$1]:-}" "${result[tgtd,$1]:-}")" "$4"
}
row read4k "4K random read, QD32" small ">= 1.5x tgtd"
row read1m "1M sequential read, QD8" big ">= 1.3x tgtd"
row write4k "4K random write, QD32" small ">= tgtd"
row write1m "1M sequential write, QD8" big ">= tgtd"
row null4k "null 4K random read, QD32" small "the protocol's ceiling"
