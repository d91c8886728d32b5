#!/usr/bin/env bash
# ping and iperf3 between two namespaces joined only through a patchbay bridge
# (configs/devices/bridge.click, xdp-bridge.click) running in a third one.
#   bridge_test.sh PATCHBAY NETLAB CONFIG METHOD [HANDLER=VALUE...]
# Each HANDLER=VALUE is read when patchbay stops and must match (e.g. fa.method=XDP for AUTO).
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIG="$3" METHOD="$4"
shift 4
EXPECT=("$@")
source "$(dirname "$0")/net_lib.sh"
command -v iperf3 >/dev/null || fail "iperf3 not installed (tools/deps/debian-packages.txt)"
command -v ping >/dev/null || fail "ping not installed (tools/deps/debian-packages.txt)"

cat >"$TOPO" <<TOPO
host a
host b
host mid
link a:eth0=10.77.0.1/24 mid:pa offload=off
link b:eth0=10.77.0.2/24 mid:pb offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
A="${PREFIX}-a" B="${PREFIX}-b" MID="${PREFIX}-mid"
LOG="$(mktemp)"

# Control: without patchbay nothing joins a and b.
ip netns exec "$A" ping -c 1 -W 1 10.77.0.2 >/dev/null && fail "ping succeeded without the bridge"

HOPTS=(-H ab.count -H ba.count)
for e in "${EXPECT[@]}"; do HOPTS+=(-H "${e%%=*}"); done
start_patchbay "$LOG" "$MID" run "$CONFIG" A=pa B=pb METHOD="$METHOD" "${HOPTS[@]}"
ok=0
for _ in $(seq 20); do
  if ip netns exec "$A" ping -c 1 -W 1 10.77.0.2 >/dev/null; then ok=1; break; fi
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$LOG"; fail "patchbay exited"; }
done
[[ $ok -eq 1 ]] || { cat "$LOG"; fail "no ping reply through the bridge"; }
out="$(ip netns exec "$A" ping -c 5 -i 0.2 -W 2 10.77.0.2)" || fail "ping: $out"
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $out"
echo "ping through the $METHOD bridge: 5/5"

ip netns exec "$B" timeout 60 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5
res="$(ip netns exec "$A" timeout 30 iperf3 -c 10.77.0.2 -p 5201 -t 2 -J --connect-timeout 5000)" || fail "iperf3 client failed"
bytes="$(python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bytes"]))' <<<"$res")"
[[ "$bytes" -gt 1000000 ]] || fail "iperf3 moved only $bytes bytes"
echo "iperf3 through the $METHOD bridge: $bytes bytes received"

kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}"
rc=$?
cat "$LOG"
[[ $rc -eq 0 ]] || fail "patchbay exit status $rc"
[[ "$(handler_value "$LOG" ab.count)" -gt 0 && "$(handler_value "$LOG" ba.count)" -gt 0 ]] ||
  fail "bridge counters not reported or zero"
for e in "${EXPECT[@]}"; do
  got="$(handler_value "$LOG" "${e%%=*}")"
  [[ "$got" == "${e#*=}" ]] || fail "${e%%=*} is '$got', expected '${e#*=}'"
done
rm -f "$LOG"
check_no_xdp "$MID"
check_nothing_left
check_no_bpf_left
echo PASS
