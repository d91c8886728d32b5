#!/usr/bin/env bash
# The multipath reproduction (docs/multipath.md): a client, N proxies and a server in network
# namespaces (tools/netlab). The client's TCP traffic enters patchbay through a TAP interface,
# is spread over N IP-in-IP tunnels (configs/multipath/clientN.click), one per proxy, each
# client->proxy link limited by tc htb to R; each proxy decapsulates (proxy.click) and forwards to
# the server, whose patchbay merges the paths, optionally through ReorderBuffer, into the server's
# TAP (serverN.click). The server answers directly over its own link (one-way). iperf3 measures
# TCP throughput; a tcpdump capture on the server's answer link counts duplicate ACKs.
#
#   configs/multipath/experiment.sh BUILD_DIR [short|full]
#
# short (make test, < 120 s): one 2-path run, one run with a slow path and ADAPTIVE weights, one
# with ReorderBuffer; checks that the tunnels, proxies and elements carried the traffic and prints
# the figures (never asserts a speed). full (make experiments): N = 1..5 at R = 100 and 500 kB/s,
# the slow-path runs (equal, hand-set 1:50, ADAPTIVE), ReorderBuffer off/on; prints the tables
# (MP_ONLY="sweep slow reorder", MP_RATES, MP_PATHS pick parts). `one N "RATES" [ARGS...]` runs a
# single measurement (VERBOSE=1 prints every handler and the per-second iperf3 figures).
# Exit 77 when it cannot run here (not root, no netns, no /dev/net/tun).
set -euo pipefail

BUILD="${1:?usage: experiment.sh BUILD_DIR [short|full]}"
MODE="${2:-short}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PATCHBAY="$BUILD/tools/patchbay/patchbay"
[[ "$PATCHBAY" == /* ]] || PATCHBAY="$ROOT/$PATCHBAY"
NETLAB="$ROOT/tools/netlab/netlab"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
[[ -x "$PATCHBAY" ]] || fail "no patchbay binary at $PATCHBAY"
for t in iperf3 tcpdump tc python3; do command -v "$t" >/dev/null || fail "$t not installed"; done
PREFIX="pbmp-$$"
ip netns add "${PREFIX}-probe" 2>/dev/null || skip "no network namespace support"
ip netns del "${PREFIX}-probe"

WORK="$(mktemp -d)"
TOPO="$WORK/topo"
PIDS=()

stop_all() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  [[ -f "$TOPO" ]] && "$NETLAB" -p "$PREFIX" down "$TOPO" || true
}
cleanup() {
  stop_all
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

ns() { echo "${PREFIX}-$1"; }
inns() {
  local h="$1"
  shift
  ip netns exec "$(ns "$h")" "$@"
}
bg() {  # LOG HOST CMD... : runs CMD in HOST's namespace in the background
  local log="$1" h="$2"
  shift 2
  ip netns exec "$(ns "$h")" "$@" >"$log" 2>&1 &
  PIDS+=($!)
}
wait_link() {  # HOST IF PID_INDEX LOG
  local i
  for i in $(seq 100); do
    ip -n "$(ns "$1")" link show "$2" >/dev/null 2>&1 && return 0
    kill -0 "${PIDS[$3]}" 2>/dev/null || { cat "$4"; fail "patchbay in $1 exited"; }
    sleep 0.05
  done
  cat "$4"
  fail "$1: $2 did not appear"
}
# The value `patchbay run -H NAME` printed for NAME in LOG.
handler_value() { grep -A1 -x "$2:" "$1" | tail -n 1; }

# rate RATES_KBPS QUEUE_MS: htb on each client->proxy link at its rate (kB/s, 1000 bytes), with a
# byte FIFO of QUEUE_MS at that rate (at least 3 full frames) as the link's buffer.
limit_links() {
  local i=1 r q
  for r in "$@"; do
    q=$((r * QUEUE_MS))
    ((q < 4602)) && q=4602
    inns c tc qdisc add dev "p$i" root handle 1: htb default 10
    inns c tc class add dev "p$i" parent 1: classid 1:10 htb rate "${r}kbps" burst 15k
    inns c tc qdisc add dev "p$i" parent 1:10 handle 10: bfifo limit "$q"
    i=$((i + 1))
  done
}

# run NAME N "RATES" [client args...] : one measurement; sets RESULT_* variables.
QUEUE_MS=100
DURATION=10
OMIT=2
REORDER=0
run() {
  local name="$1" n="$2" rates="$3"
  shift 3
  local i
  {
    echo "host c"
    echo "host s"
    for i in $(seq "$n"); do echo "host p$i"; done
    for i in $(seq "$n"); do
      echo "link c:p$i=10.77.$i.1/24 p$i:c=10.77.$i.2/24 offload=off"
      echo "link p$i:s s:p$i offload=off"
    done
    echo "link c:s=10.77.70.1/24 s:c=10.77.70.2/24"
    echo "route s 10.77.50.0/24 via 10.77.70.1"
  } >"$TOPO"
  "$NETLAB" -p "$PREFIX" up "$TOPO" >/dev/null || fail "netlab up"
  for h in c s; do
    inns "$h" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  for i in $(seq "$n"); do
    ip -n "$(ns c)" link set "p$i" address "02:77:0$i:00:00:01"
    ip -n "$(ns "p$i")" link set c address "02:77:0$i:00:00:02"
    ip -n "$(ns "p$i")" link set s address "02:77:1$i:00:00:01"
    ip -n "$(ns s)" link set "p$i" up
  done
  # shellcheck disable=SC2086
  limit_links $rates

  local slog="$WORK/server.log" clog="$WORK/client.log"
  bg "$slog" s "$PATCHBAY" run "$HERE/server$n.click" REORDER="$REORDER" -H merge.count \
    -H rb.held -H rb.released_in_order -H rb.timed_out -H rb.overflows -H rb.duplicates -H rb.late
  local sidx=$((${#PIDS[@]} - 1))
  for i in $(seq "$n"); do
    bg "$WORK/proxy$i.log" "p$i" "$PATCHBAY" run "$HERE/proxy.click" IN=c OUT=s \
      SMAC="02:77:1$i:00:00:01" DMAC=02:77:ff:00:00:02 -H d.count -H d.drops -H td.count
  done
  bg "$clog" c "$PATCHBAY" run "$HERE/client$n.click" "$@" -H in.count -H ws.counts \
    -H ws.weights -H ws.rates -H ws.adaptations -H ws.error \
    $(for i in $(seq "$n"); do echo "-H td$i.count -H td$i.drops"; done)
  local cidx=$((${#PIDS[@]} - 1))
  wait_link s pbtap "$sidx" "$slog"
  ip -n "$(ns s)" link set pbtap address 02:77:60:00:00:02
  ip -n "$(ns s)" addr add 10.77.60.2/24 dev pbtap
  ip -n "$(ns s)" link set pbtap up
  wait_link c pbtap "$cidx" "$clog"
  ip -n "$(ns c)" link set pbtap mtu 1480  # room for the 20-byte outer header on 1500-byte links
  ip -n "$(ns c)" addr add 10.77.50.1/24 dev pbtap
  ip -n "$(ns c)" link set pbtap up
  ip -n "$(ns c)" route add 10.77.60.0/24 via 10.77.50.254 dev pbtap
  inns c sysctl -qw net.ipv4.conf.pbtap.rp_filter=0 net.ipv4.conf.s.rp_filter=0
  inns s sysctl -qw net.ipv4.conf.pbtap.rp_filter=0 net.ipv4.conf.c.rp_filter=0

  local ok=0
  for i in $(seq 40); do
    if inns c ping -c 1 -W 1 10.77.60.2 >/dev/null 2>&1; then ok=1; break; fi
  done
  [[ $ok -eq 1 ]] || { cat "$clog" "$slog"; fail "$name: no ping through the tunnels"; }

  bg "$WORK/tcpdump.log" s tcpdump -i c -s 96 -U -w "$WORK/acks.pcap" tcp src port 5201
  bg "$WORK/iperf-s.log" s iperf3 -s -1 -p 5201
  sleep 0.5
  local json="$WORK/iperf.json"
  inns c timeout $((DURATION + 30)) iperf3 -c 10.77.60.2 -p 5201 -t "$DURATION" -O "$OMIT" -J \
    --connect-timeout 5000 >"$json" || { cat "$json" "$clog"; fail "$name: iperf3 failed"; }
  sleep 0.3
  stop_all  # patchbay prints its handlers on SIGTERM; tcpdump flushes
  RESULT_KBPS="$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]; print(round(e["sum_received"]["bits_per_second"]/8000))' "$json")"
  RESULT_RETR="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"].get("retransmits",0))' "$json")"
  RESULT_DUPACKS="$(python3 "$HERE/dupacks.py" "$WORK/acks.pcap")"
  RESULT_WEIGHTS="$(handler_value "$clog" ws.weights)"
  RESULT_DECAP=0
  for i in $(seq "$n"); do
    local d bad
    d="$(handler_value "$WORK/proxy$i.log" d.count)"
    bad="$(handler_value "$WORK/proxy$i.log" d.drops)"
    [[ "$bad" == 0 ]] || fail "$name: proxy $i refused $bad packets"
    RESULT_DECAP=$((RESULT_DECAP + d))
  done
  RESULT_MERGED="$(handler_value "$slog" merge.count)"
  RESULT_HELD="$(handler_value "$slog" rb.held)"
  RESULT_TIMEDOUT="$(handler_value "$slog" rb.timed_out)"
  if [[ -n "${VERBOSE:-}" ]]; then
    python3 -c 'import json,sys; print(" ".join(str(round(i["sum"]["bits_per_second"]/8000)) + ("/%d" % i["sum"].get("retransmits",0)) for i in json.load(open(sys.argv[1]))["intervals"]))' "$json"
    cat "$clog" "$slog" | grep -A1 -E '^(in|ws|td[0-9]|rb|merge)\.' | grep -v '^--' | paste - - || true
  fi
  cp "$clog" "$WORK/last-client.log"
  cp "$slog" "$WORK/last-server.log"
  local total=0 r
  for r in $rates; do total=$((total + r)); done
  RESULT_CAP=$total
  RESULT_PCT="$(python3 -c "print(round(100*$RESULT_KBPS/$total))")"
  printf '%-28s N=%d rates=%-22s %6s kB/s  %3s%% of %5s  dupACKs %5s  retr %4s  weights %s\n' \
    "$name" "$n" "$(echo "$rates" | tr ' ' ,)" "$RESULT_KBPS" "$RESULT_PCT" "$total" \
    "$RESULT_DUPACKS" "$RESULT_RETR" "$RESULT_WEIGHTS"
}

if [[ "$MODE" == one ]]; then  # one run from the environment: N RATES [client args...]
  DURATION="${DURATION_ONE:-8}"
  OMIT=2
  REORDER="${REORDER_ONE:-0}"
  run "one" "$3" "$4" "${@:5}"
  exit 0
fi

if [[ "$MODE" == short ]]; then
  DURATION=4
  OMIT=1
  run "2 paths, equal weights" 2 "500 500"
  [[ "$RESULT_KBPS" -gt 100 ]] || fail "2 paths: only $RESULT_KBPS kB/s"
  [[ "$RESULT_DECAP" -gt 1000 ]] || fail "2 paths: the proxies decapsulated only $RESULT_DECAP"
  c1="$(handler_value "$WORK/last-client.log" td1.count)"
  c2="$(handler_value "$WORK/last-client.log" td2.count)"
  [[ "$c1" -gt 500 && "$c2" -gt 500 ]] || fail "a tunnel carried too little ($c1, $c2)"
  run "slow path, ADAPTIVE" 3 "20 500 500" ADAPTIVE=true INTERVAL=200ms
  [[ "$(handler_value "$WORK/last-client.log" ws.adaptations)" -gt 5 ]] ||
    fail "ADAPTIVE did not adapt: $(cat "$WORK/last-client.log")"
  # Judge what the weights did over the run, not their last value: a probe of the slow path near
  # the end may have just raised it again. Adapted weights send the slow tunnel far less.
  s1="$(handler_value "$WORK/last-client.log" td1.count)"
  s2="$(handler_value "$WORK/last-client.log" td2.count)"
  [[ "$((s1 * 2))" -lt "$s2" ]] ||
    fail "ADAPTIVE still sent the slow path $s1 packets against $s2 on a fast one"
  REORDER=1
  run "2 paths, ReorderBuffer" 2 "500 500"
  [[ "$RESULT_KBPS" -gt 100 ]] || fail "ReorderBuffer run: only $RESULT_KBPS kB/s"
  [[ -n "$RESULT_HELD" ]] || fail "ReorderBuffer counters missing"
  echo PASS
  exit 0
fi

DURATION=15
OMIT=3
PARTS="${MP_ONLY:-sweep slow reorder}"  # MP_ONLY picks parts of the full run
if [[ " $PARTS " == *" sweep "* ]]; then
  echo "== N paths at R, equal weights (thesis Table 4.4 at R = 500: 824 1146 1862 2356 for N = 2..5)"
  for R in ${MP_RATES:-100 500}; do
    for n in ${MP_PATHS:-1 2 3 4 5}; do
      rates="$(for _ in $(seq "$n"); do echo -n "$R "; done)"
      run "R=$R equal" "$n" "${rates% }"
    done
  done
fi
if [[ " $PARTS " == *" slow "* ]]; then
  echo "== one path at 20 kB/s, four at 500"
  run "equal weights" 5 "20 500 500 500 500"
  run "hand-set 1:50" 5 "20 500 500 500 500" WEIGHTS="1 50 50 50 50"
  run "ADAPTIVE" 5 "20 500 500 500 500" ADAPTIVE=true
fi
if [[ " $PARTS " == *" reorder "* ]]; then
  echo "== ReorderBuffer off / on"
  for REORDER in 0 1; do
    run "5 paths REORDER=$REORDER" 5 "500 500 500 500 500"
    run "slow+ADAPTIVE REORDER=$REORDER" 5 "20 500 500 500 500" ADAPTIVE=true
  done
fi
