#!/usr/bin/env bash
# Whole-router SEPCOM test: patchbay runs configs/zerocopy/monitor.click on a pcap of known flows;
# `patchbay zc-monitor --send` attaches to the ring, counts the flows in place and flags every
# unit send; the router sends them on and stops. Checks the monitor's summary and the router's
# counters exactly.
#   monitor_test.sh PATCHBAY CONFIG MAKE_TRACE
set -euo pipefail
PATCHBAY="$1" CONFIG="$2" MAKE_TRACE="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 not installed"

WORK="$(mktemp -d)"
PB_PID=""
cleanup() {
  [[ -n "$PB_PID" ]] && kill "$PB_PID" 2>/dev/null && wait "$PB_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
export PB_ZC_DIR="$WORK"  # the ring's name is published here, not in /dev/shm
NAME="zctest$$"

python3 "$MAKE_TRACE" "$WORK/trace.pcap"
timeout 30 "$PATCHBAY" run "$CONFIG" PCAP="$WORK/trace.pcap" NAME="$NAME" UNITS=64 EXPECT=16 \
  -H src.count -H sent.count -H other.count -H zc.stored -H zc.sent -H zc.consumer_drops \
  -H zc.no_unit_drops -H zc.consumer_deaths -H zc.free >"$WORK/router.log" 2>&1 &
PB_PID=$!

timeout 20 "$PATCHBAY" zc-monitor "$NAME" --send --count 14 >"$WORK/monitor.out" 2>&1 ||
  { cat "$WORK/monitor.out" "$WORK/router.log"; fail "zc-monitor failed"; }
rc=0
wait "$PB_PID" || rc=$?
PB_PID=""
cat "$WORK/monitor.out" "$WORK/router.log"
[[ $rc -eq 0 ]] || fail "patchbay exit status $rc"

{
  echo "zc-monitor $NAME (final): 14 packets, 1092 bytes, 4 flows, 14 marked send"
  printf '  %-48s packets %s bytes %s\n' "udp 10.77.0.1:1000 -> 10.77.0.2:2000" 5 300 \
    "tcp 10.77.0.1:40000 -> 10.77.0.9:80" 4 296 "udp 10.77.0.3:1001 -> 10.77.0.2:53" 3 300 \
    "icmp 10.77.0.2 -> 10.77.0.1" 2 196
} >"$WORK/expected"
diff -u "$WORK/expected" "$WORK/monitor.out" || fail "monitor summary differs"

value() { grep -A1 -x "$1:" "$WORK/router.log" | tail -n 1; }
for kv in src.count=16 sent.count=14 other.count=2 zc.stored=14 zc.sent=14 zc.consumer_drops=0 \
          zc.no_unit_drops=0 zc.consumer_deaths=0 zc.free=64; do
  [[ "$(value "${kv%%=*}")" == "${kv#*=}" ]] || fail "${kv%%=*} is '$(value "${kv%%=*}")', expected ${kv#*=}"
done
[[ ! -e "$WORK/patchbay-zc.$NAME" ]] || fail "ring name left behind"
echo PASS
