#!/usr/bin/env bash
# The multipath reproduction (docs/multipath.md): a client, N proxies and a server in network
# namespaces (tools/netlab). The client's TCP traffic enters patchbay through a TAP interface,
# is spread over N IP-in-IP tunnels (configs/multipath/clientN.click), one per proxy, each
# client->proxy link limited by tc htb to R; each proxy decapsulates (proxy.click) and forwards to
# the server, whose patchbay merges the paths, optionally through ReorderBuffer, into the server's
# TAP (serverN.click). The server answers directly over its own link (one-way), or (two-way,
# TWOWAY=1: twoway-*.click) its patchbay spreads the answers over IP-in-IP tunnels to the
# proxies, which decapsulate them and forward them to the client, whose patchbay merges them
# (through ReorderBuffer when REORDER=1) into the client's TAP; the client->proxy links are then
# limited in both directions. iperf3 measures TCP throughput, uploads or (REVERSE=1, iperf3 -R,
# two-way only) downloads; a capture of the TCP receiver's ACKs counts duplicate ACKs: on the
# server's link (upload) or on the client's TAP (download: the client is the receiver).
#
#   configs/multipath/experiment.sh BUILD_DIR [short|full|one N "RATES" [CLIENT ARGS...]]
#
# short (make test, < 150 s): one 2-path run, one run with a slow path and ADAPTIVE weights, one
# with ReorderBuffer, and two-way downloads with ReorderBuffer off and on; checks that the
# tunnels, proxies and elements carried the traffic and prints the figures (never asserts a
# speed). full (make experiments): N = 1..5 at R = 100 and 500 kB/s, the slow-path runs (equal,
# hand-set 1:50, ADAPTIVE), ReorderBuffer off/on, the two-way runs; prints the tables
# (MP_ONLY="sweep slow reorder twoway", MP_RATES, MP_PATHS, MP_REPEAT pick parts). `one` runs a
# single measurement (DURATION_ONE, REORDER_ONE, TWOWAY, REVERSE; VERBOSE=1 prints every handler
# and the per-second iperf3 figures). Exit 77 when it cannot run here (not root, no netns, no
# /dev/net/tun).
set -euo pipefail

BUILD="${1:?usage: experiment.sh BUILD_DIR [short|full]}"
MODE="${2:-short}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PATCHBAY="$BUILD/tools/patchbay/patchbay"
[[ "$PATCHBAY" == /* ]] || PATCHBAY="$ROOT/$PATCHBAY"
# skip/fail, the root and namespace checks, PREFIX, WORK, TOPO, PIDS, ns/inns, netlab_bg,
# netlab_stop and the cleanup on exit.
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=tools/netlab/lib.sh
source "$ROOT/tools/netlab/lib.sh"
netlab_init pbmp iperf3 tcpdump tc python3
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
[[ -x "$PATCHBAY" ]] || fail "no patchbay binary at $PATCHBAY"
bg() { netlab_bg "$@"; }
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

# limit_links RATES_KBPS...: htb on each client->proxy link at its rate (kB/s, 1000 bytes), with a
# byte FIFO of QUEUE_MS at that rate (at least 3 full frames) as the link's buffer; two-way, the
# proxy->client direction too.
limit_one() {  # HOST IF RATE
  local q=$(($3 * QUEUE_MS))
  ((q < 4602)) && q=4602
  inns "$1" tc qdisc add dev "$2" root handle 1: htb default 10
  inns "$1" tc class add dev "$2" parent 1: classid 1:10 htb rate "${3}kbps" burst 15k
  inns "$1" tc qdisc add dev "$2" parent 1:10 handle 10: bfifo limit "$q"
}
limit_links() {
  local i=1 r
  for r in "$@"; do
    limit_one c "p$i" "$r"
    [[ "$TWOWAY" == 1 ]] && limit_one "p$i" c "$r"
    i=$((i + 1))
  done
}

# run NAME N "RATES" [client args...] : one measurement; sets RESULT_* variables.
QUEUE_MS=100
DURATION=10
OMIT=2
REORDER=0
TWOWAY="${TWOWAY:-0}"
REVERSE="${REVERSE:-0}"
run() {
  local name="$1" n="$2" rates="$3"
  shift 3
  local i
  [[ "$REVERSE" == 0 || "$TWOWAY" == 1 ]] || fail "REVERSE=1 needs TWOWAY=1"
  local cconf="$HERE/client$n.click" sconf="$HERE/server$n.click" pconf="$HERE/proxy.click"
  if [[ "$TWOWAY" == 1 ]]; then
    cconf="$HERE/twoway-client$n.click" sconf="$HERE/twoway-server$n.click"
    pconf="$HERE/twoway-proxy.click"
  fi
  {
    echo "host c"
    echo "host s"
    for i in $(seq "$n"); do echo "host p$i"; done
    for i in $(seq "$n"); do
      echo "link c:p$i=10.77.$i.1/24 p$i:c=10.77.$i.2/24 offload=off"
      echo "link p$i:s s:p$i offload=off"
    done
    echo "link c:s=10.77.70.1/24 s:c=10.77.70.2/24"
    [[ "$TWOWAY" == 1 ]] || echo "route s 10.77.50.0/24 via 10.77.70.1"
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
  local rbh=(-H merge.count -H rb.held -H rb.released_in_order -H rb.timed_out -H rb.overflows
    -H rb.duplicates -H rb.late)
  local wsh=(-H ws.counts -H ws.weights)
  local sh=("${rbh[@]}") ch=() ph=(-H d.count -H d.drops -H td.count)
  if [[ "$TWOWAY" == 1 ]]; then
    sh+=("${wsh[@]}")
    ch+=("${rbh[@]}")
    ph+=(-H bd.count -H bd.drops -H btd.count -H btd.drops)
  fi
  bg "$slog" s "$PATCHBAY" run "$sconf" REORDER="$REORDER" "${sh[@]}"
  local sidx=$((${#PIDS[@]} - 1))
  for i in $(seq "$n"); do
    local pargs=(IN=c OUT=s SMAC="02:77:1$i:00:00:01" DMAC=02:77:ff:00:00:02)
    [[ "$TWOWAY" == 1 ]] && pargs+=(BSMAC="02:77:0$i:00:00:02")
    bg "$WORK/proxy$i.log" "p$i" "$PATCHBAY" run "$pconf" "${pargs[@]}" "${ph[@]}"
  done
  # Overrides (NAME=value) before the first -H, which takes every word up to the next option.
  local cargs=("$@")
  [[ "$TWOWAY" == 1 ]] && cargs+=(REORDER="$REORDER")
  for i in $(seq "$n"); do ch+=(-H "td$i.count" -H "td$i.drops"); done
  bg "$clog" c "$PATCHBAY" run "$cconf" "${cargs[@]}" "${ch[@]}" -H in.count -H ws.counts \
    -H ws.weights -H ws.rates -H ws.adaptations -H ws.probes -H ws.error
  local cidx=$((${#PIDS[@]} - 1))
  wait_link s pbtap "$sidx" "$slog"
  ip -n "$(ns s)" link set pbtap address 02:77:60:00:00:02
  ip -n "$(ns s)" addr add 10.77.60.2/24 dev pbtap
  ip -n "$(ns s)" link set pbtap up
  if [[ "$TWOWAY" == 1 ]]; then
    ip -n "$(ns s)" link set pbtap mtu 1480
    ip -n "$(ns s)" route add 10.77.50.0/24 via 10.77.60.254 dev pbtap
  fi
  wait_link c pbtap "$cidx" "$clog"
  ip -n "$(ns c)" link set pbtap mtu 1480  # room for the 20-byte outer header on 1500-byte links
  ip -n "$(ns c)" link set pbtap address 02:77:50:00:00:01
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

  # The ACKs of the TCP receiver: the server's (upload) on its answer link or TAP, the client's
  # (download) on its TAP, before its patchbay.
  local cap=(s -i c tcp src port 5201) rev=() rlog="$slog"
  [[ "$TWOWAY" == 1 ]] && cap=(s -i pbtap tcp src port 5201)
  [[ "$REVERSE" == 1 ]] && cap=(c -i pbtap tcp dst port 5201) rev=(-R) rlog="$clog"
  bg "$WORK/tcpdump.log" "${cap[0]}" tcpdump "${cap[1]}" "${cap[2]}" -s 96 -U -w "$WORK/acks.pcap" \
    "${cap[@]:3}"
  bg "$WORK/iperf-s.log" s iperf3 -s -1 -p 5201
  sleep 0.5
  local json="$WORK/iperf.json"
  inns c timeout $((DURATION + 30)) iperf3 -c 10.77.60.2 -p 5201 -t "$DURATION" -O "$OMIT" -J \
    "${rev[@]}" --connect-timeout 5000 >"$json" ||
    { cat "$json" "$clog"; fail "$name: iperf3 failed"; }
  sleep 0.3
  netlab_stop  # patchbay prints its handlers on SIGTERM; tcpdump flushes
  RESULT_KBPS="$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]; print(round(e["sum_received"]["bits_per_second"]/8000))' "$json")"
  RESULT_RETR="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"].get("retransmits",0))' "$json")"
  RESULT_DUPACKS="$(python3 "$HERE/dupacks.py" "$WORK/acks.pcap")"
  RESULT_WEIGHTS="$(handler_value "$clog" ws.weights)"
  RESULT_DECAP=0 RESULT_BACK=0
  for i in $(seq "$n"); do
    local d bad
    d="$(handler_value "$WORK/proxy$i.log" d.count)"
    bad="$(handler_value "$WORK/proxy$i.log" d.drops)"
    [[ "$bad" == 0 ]] || fail "$name: proxy $i refused $bad packets"
    RESULT_DECAP=$((RESULT_DECAP + d))
    if [[ "$TWOWAY" == 1 ]]; then
      d="$(handler_value "$WORK/proxy$i.log" bd.count)"
      bad="$(handler_value "$WORK/proxy$i.log" bd.drops)"
      [[ "$bad" == 0 ]] || fail "$name: proxy $i refused $bad packets from the server"
      RESULT_BACK=$((RESULT_BACK + d))
    fi
  done
  RESULT_MERGED="$(handler_value "$rlog" merge.count)"
  RESULT_HELD="$(handler_value "$rlog" rb.held)"
  RESULT_TIMEDOUT="$(handler_value "$rlog" rb.timed_out)"
  if [[ -n "${VERBOSE:-}" ]]; then
    python3 -c 'import json,sys; print(" ".join(str(round(i["sum"]["bits_per_second"]/8000)) + ("/%d" % i["sum"].get("retransmits",0)) for i in json.load(open(sys.argv[1]))["intervals"]))' "$json"
    for f in "$clog" "$slog" "$WORK"/proxy*.log; do
      echo "${f##*/}:"
      grep -A1 -E '^(in|ws|td[0-9]?|btd|d|bd|rb|merge)\.' "$f" | grep -v '^--' | paste - - || true
    done
  fi
  cp "$clog" "$WORK/last-client.log"
  cp "$slog" "$WORK/last-server.log"
  local total=0 r
  for r in $rates; do total=$((total + r)); done
  RESULT_PCT="$(python3 -c "print(round(100*$RESULT_KBPS/$total))")"
  printf '%-28s N=%d rates=%-22s %6s kB/s  %3s%% of %5s  dupACKs %5s  retr %4s  weights %s%s  (load %s)\n' \
    "$name" "$n" "$(echo "$rates" | tr ' ' ,)" "$RESULT_KBPS" "$RESULT_PCT" "$total" \
    "$RESULT_DUPACKS" "$RESULT_RETR" "$RESULT_WEIGHTS" \
    "$([[ -n "$RESULT_HELD" && "$RESULT_HELD" != 0 ]] && echo "  rb held $RESULT_HELD timed out $RESULT_TIMEDOUT")" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

if [[ "$MODE" == one ]]; then  # one run from the environment: N RATES [client args...]
  DURATION="${DURATION_ONE:-8}"
  OMIT=2
  REORDER="${REORDER_ONE:-0}"
  run "one" "$3" "$4" "${@:5}"
  exit 0
fi

TWOWAY=0 REVERSE=0  # short and full choose for themselves
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
  # Two-way: downloads (the client is the TCP receiver) through the proxies in both directions,
  # ReorderBuffer off and on at the client; the client's duplicate ACKs from a capture.
  TWOWAY=1 REVERSE=1
  for REORDER in 0 1; do
    run "two-way download, REORDER=$REORDER" 3 "500 500 500"
    [[ "$RESULT_KBPS" -gt 100 ]] || fail "two-way download: only $RESULT_KBPS kB/s"
    [[ "$RESULT_BACK" -gt 1000 ]] ||
      fail "two-way: the proxies decapsulated only $RESULT_BACK packets from the server"
    [[ "$RESULT_MERGED" -gt 1000 ]] || fail "two-way: the client merged only $RESULT_MERGED"
    [[ -n "$RESULT_DUPACKS" && -n "$RESULT_HELD" ]] || fail "two-way: figures missing"
  done
  netlab_check_clean
  echo PASS
  exit 0
fi

DURATION=15
OMIT=3
PARTS="${MP_ONLY:-sweep slow reorder twoway}"  # MP_ONLY picks parts of the full run
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
  for k in $(seq "${MP_REPEAT:-3}"); do
    run "ADAPTIVE ($k)" 5 "20 500 500 500 500" ADAPTIVE=true
  done
fi
if [[ " $PARTS " == *" reorder "* ]]; then
  echo "== ReorderBuffer off / on"
  for REORDER in 0 1; do
    run "5 paths REORDER=$REORDER" 5 "500 500 500 500 500"
    run "slow+ADAPTIVE REORDER=$REORDER" 5 "20 500 500 500 500" ADAPTIVE=true
  done
fi
if [[ " $PARTS " == *" twoway "* ]]; then
  echo "== two-way (answers through the proxies): downloads, ReorderBuffer at the client off / on"
  TWOWAY=1 REVERSE=1
  for n in 2 5; do
    rates="$(for _ in $(seq "$n"); do echo -n "500 "; done)"
    for REORDER in 0 1; do run "download N=$n REORDER=$REORDER" "$n" "${rates% }"; done
  done
  REVERSE=0 REORDER=0
  run "upload N=5 (two-way)" 5 "500 500 500 500 500"
fi
netlab_check_clean
