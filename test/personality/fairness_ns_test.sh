#!/usr/bin/env bash
# Personality fairness on a real link: host a serves the storage personality
# (configs/personality/ebd-server-flood.click) while a second personality floods the same
# transmit side with full-size frames at twice the link's rate; the veth a -> b is limited to
# 40 Mbit/s by tc tbf, so transmit is the bottleneck. Host b writes random data, then reads it
# back (compared) while a counter router on b counts what crosses the link per EtherType.
#   fairness_ns_test.sh PATCHBAY NETLAB CONFIG_DIR [figure]
# The test asserts on counts only: the data is intact, and during the read the storage
# personality got at least 30 % of the link's bytes and the flood at least 20 % (deficit round
# robin between two backlogged personalities gives 50 % each). With `figure` it also runs the
# variants of docs/personalities.md (no pacing; one FIFO for both) and prints a table.
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIGS="$3" MODE="${4:-test}"
source "$(dirname "$0")/../net/net_lib.sh"

LINK=40mbit
cat >"$TOPO" <<TOPO
host a
host b
link a:eth0=10.77.9.1/24 b:eth0=10.77.9.2/24 tbf=$LINK offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
A="${PREFIX}-a" B="${PREFIX}-b"
WORK="$(mktemp -d)"
trap 'cleanup; rm -rf "$WORK"' EXIT
MAC_A="$(ip netns exec "$A" cat /sys/class/net/eth0/address)"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$WORK/data"
LEN="$(stat -c %s "$WORK/data")"

# What crosses the link towards b, per EtherType (a separate packet socket sees every frame).
CTL="$WORK/ctl"
start_patchbay "$WORK/count.log" "$B" run -e "ControlSocket(UNIX, $CTL);
  FromDevice(eth0) -> c :: Classifier(12/0667, 12/88b5, -);
  c[0] -> st :: Counter -> Discard; c[1] -> fl :: Counter -> Discard; c[2] -> Discard;"
for _ in $(seq 50); do [[ -S "$CTL" ]] && break; sleep 0.1; done
[[ -S "$CTL" ]] || { cat "$WORK/count.log"; fail "counter router did not start"; }
counts() { "$PATCHBAY" ctl "$CTL" read st.byte_count fl.byte_count | grep -v ':$' | xargs; }

# One run: SERVER_ARGS… ; sets SHARE_ST, SHARE_FL (percent of the link's bytes during the read),
# SECS (the read's duration, reported only) and SERVER_LOG.
run_variant() {
  local name="$1"
  shift
  SERVER_LOG="$WORK/server-$name.log"
  start_patchbay "$SERVER_LOG" "$A" "$@" -H tx.count -H tx.drops -H sched.packets -H sched.throttled
  local spid="${PIDS[-1]}"
  sleep 0.5
  ip netns exec "$B" "$PATCHBAY" ebd write eth0 --peer "$MAC_A" -f "$WORK/data" --offset 4096 \
    --window 32 --timeout-ms 100 -q || { cat "$SERVER_LOG"; fail "ebd write ($name)"; }
  local c0 c1 t0 t1
  read -r -a c0 <<<"$(counts)"
  t0="$(date +%s.%N)"
  ip netns exec "$B" "$PATCHBAY" ebd read eth0 --peer "$MAC_A" -f "$WORK/back" --offset 4096 \
    --length "$LEN" --window 32 --timeout-ms 100 >"$WORK/read-$name.out" ||
    { cat "$SERVER_LOG"; fail "ebd read ($name)"; }
  t1="$(date +%s.%N)"
  read -r -a c1 <<<"$(counts)"
  cmp -s "$WORK/data" "$WORK/back" || fail "data read back differs from data written ($name)"
  kill -INT "$spid"
  wait "$spid" || true
  unset 'PIDS[-1]'
  local dst=$((c1[0] - c0[0])) dfl=$((c1[1] - c0[1]))
  ((dst + dfl > 0)) || fail "nothing crossed the link during the read ($name)"
  SHARE_ST=$((100 * dst / (dst + dfl)))
  SHARE_FL=$((100 * dfl / (dst + dfl)))
  SECS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
  RATE_MBIT="$(awk -v s="$SECS" -v b=$((dst + dfl)) 'BEGIN { printf "%.1f", 8 * b / s / 1e6 }')"
  TX="$(handler_value "$SERVER_LOG" tx.count)/$(handler_value "$SERVER_LOG" tx.drops)"
  RETX="$(sed -n 's/.*retransmits \([0-9]*\),.*/\1/p' "$WORK/read-$name.out")"
}

FLOOD_CONFIG="$CONFIGS/ebd-server-flood.click"
run_variant drr-paced run "$FLOOD_CONFIG" DEV=eth0 SIZE=16MiB RATE=36Mbps FLOOD=6000
echo "DRR + RATE 36Mbps on a $LINK link: storage ${SHARE_ST}% flood ${SHARE_FL}% of the" \
  "link's bytes during a $LEN-byte read (${SECS} s, ${RATE_MBIT} Mbit/s, tx sent/dropped $TX," \
  "read retransmits $RETX); load average $(cut -d' ' -f1-3 /proc/loadavg)"
((SHARE_ST >= 30)) || { cat "$SERVER_LOG"; fail "storage got ${SHARE_ST}% of the link (< 30%)"; }
((SHARE_FL >= 20)) || { cat "$SERVER_LOG"; fail "the flood got ${SHARE_FL}% of the link (< 20%)"; }

if [[ "$MODE" == figure ]]; then
  printf '%-34s %8s %8s %7s %9s %16s %6s\n' "transmit side (link $LINK)" storage flood secs \
    "Mbit/s" "tx sent/dropped" retx
  printf '%-34s %7s%% %7s%% %7s %9s %16s %6s\n' "DRR, RATE 36Mbps (the test)" "$SHARE_ST" \
    "$SHARE_FL" "$SECS" "$RATE_MBIT" "$TX" "$RETX"
  run_variant drr-unpaced run "$FLOOD_CONFIG" DEV=eth0 SIZE=16MiB RATE=0 FLOOD=6000
  printf '%-34s %7s%% %7s%% %7s %9s %16s %6s\n' "DRR, no RATE (qdisc overflows)" "$SHARE_ST" \
    "$SHARE_FL" "$SECS" "$RATE_MBIT" "$TX" "$RETX"
  run_variant fifo-paced run -e "FromDevice(eth0)
    -> cl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667, QUEUE 1024);
    cl[0] -> Discard; cl[1] -> Discard;
    cl[2] -> srv :: EBDServer(0, memory, SIZE 16MiB) -> q :: PersonalityQueue(CAPACITY 256);
    RatedSource(DATA \\<ffffffffffff 0200000088b5 88b5>, LENGTH 1514, RATE 6000) -> q;
    q -> sched :: PersonalitySched(RATE 36Mbps) -> tx :: ToDevice(eth0);"
  printf '%-34s %7s%% %7s%% %7s %9s %16s %6s\n' "one FIFO for both, RATE 36Mbps" "$SHARE_ST" \
    "$SHARE_FL" "$SECS" "$RATE_MBIT" "$TX" "$RETX"
fi

check_nothing_left
echo PASS
