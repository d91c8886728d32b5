#!/usr/bin/env bash
# A TAP interface created by patchbay (configs/devices/tap-responder.click) answers ping: the
# replies come from ARPResponder and ICMPPingResponder, since no kernel owns 10.77.1.1.
#   tap_ping_test.sh PATCHBAY NETLAB CONFIG
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIG="$3"
source "$(dirname "$0")/net_lib.sh"
command -v ping >/dev/null || fail "ping not installed (tools/deps/debian-packages.txt)"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"

echo "host h" >"$TOPO"
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
H="${PREFIX}-h"
LOG="$(mktemp)"

start_patchbay "$LOG" "$H" run "$CONFIG" DEV=pbtap IP=10.77.1.1 -H arp.count -H ping.count
for _ in $(seq 50); do
  ip -n "$H" link show pbtap >/dev/null 2>&1 && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$LOG"; fail "patchbay exited"; }
  sleep 0.1
done
ip -n "$H" addr add 10.77.1.2/24 dev pbtap || { cat "$LOG"; fail "pbtap was not created"; }
out="$(ip netns exec "$H" ping -c 3 -i 0.2 -W 2 10.77.1.1)" || { cat "$LOG"; fail "ping: $out"; }
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $out"
# The neighbour entry holds the responder's address: the reply did come from the config.
ip -n "$H" neigh show 10.77.1.1 | grep "02:00:00:77:01:01" >/dev/null || fail "ARP reply not from ARPResponder"
echo "ping to the TAP responder: 3/3"

kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}"
rc=$?
cat "$LOG"
[[ $rc -eq 0 ]] || fail "patchbay exit status $rc"
[[ "$(handler_value "$LOG" ping.count)" -ge 3 ]] || fail "ping.count below 3"
ip -n "$H" link show pbtap >/dev/null 2>&1 && fail "pbtap outlived patchbay"
rm -f "$LOG"
check_nothing_left
echo PASS
