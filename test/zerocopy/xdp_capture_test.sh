#!/usr/bin/env bash
# SEPCOM over AF_XDP between two namespaces (configs/zerocopy/xdp-capture.click): UDP port 9000
# takes the zero-copy path — frames lent to `patchbay zc-monitor` in the device's UMEM, counted
# in place and flagged send — while ping still reaches the host's kernel. Checks the monitor's
# flow table and that every frame was lent, not copied.
#   xdp_capture_test.sh PATCHBAY NETLAB CONFIG
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIG="$3"
source "$(dirname "$0")/../net/net_lib.sh"
command -v python3 >/dev/null || fail "python3 not installed"
command -v ping >/dev/null || fail "ping not installed (tools/deps/debian-packages.txt)"

WORK="$(mktemp -d)"
export PB_ZC_DIR="$WORK"  # the ring's name is published here, not in /dev/shm
NAME="zcxdp$$"
N=200
cat >"$TOPO" <<TOPO
host g
host r
link g:eth0=10.77.3.1/24 r:eth0=10.77.3.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
G="${PREFIX}-g" R="${PREFIX}-r"

start_patchbay "$WORK/router.log" "$R" run "$CONFIG" DEV=eth0 NAME="$NAME" FILTER="udp port 9000" \
  UNITS=256 -H f.count -H f.passed -H zc.stored -H zc.lent -H zc.sent -H zc.free -H sent.count
for _ in $(seq 100); do
  [[ -e "$WORK/patchbay-zc.$NAME" ]] && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$WORK/router.log"; fail "patchbay exited"; }
  sleep 0.05
done
[[ -e "$WORK/patchbay-zc.$NAME" ]] || { cat "$WORK/router.log"; fail "ring not published"; }

ip netns exec "$R" timeout 30 "$PATCHBAY" zc-monitor "$NAME" --send --count "$N" \
  >"$WORK/monitor.out" 2>&1 &
MON=$!
PIDS+=("$MON")
ip netns exec "$G" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.3.1", 5555))
for i in range(int(sys.argv[1])):
    s.sendto(bytes([i % 256]) * 32, ("10.77.3.2", 9000))
    if i % 50 == 49:
        time.sleep(0.01)
' "$N" || fail "could not send the datagrams"
out="$(ip netns exec "$G" ping -c 3 -i 0.2 -W 2 10.77.3.2)" || fail "ping through the kernel path: $out"
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $out"

wait "$MON" || { cat "$WORK/monitor.out"; fail "zc-monitor did not see $N packets"; }
kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}" || { cat "$WORK/router.log"; fail "patchbay exit status $?"; }
cat "$WORK/monitor.out" "$WORK/router.log"

grep -q "(final): $N packets, $((N * 74)) bytes, 1 flows, $N marked send" "$WORK/monitor.out" ||
  fail "monitor summary"
grep -Eq "udp 10\.77\.3\.1:5555 -> 10\.77\.3\.2:9000 +packets $N bytes $((N * 74))" "$WORK/monitor.out" ||
  fail "monitor flow table"
for kv in f.count=$N zc.stored=$N zc.lent=$N zc.sent=$N sent.count=$N zc.free=256; do
  v="$(handler_value "$WORK/router.log" "${kv%%=*}")"
  [[ "$v" == "${kv#*=}" ]] || fail "${kv%%=*} is '$v', expected ${kv#*=}"
done
# ARP and ping went to the kernel, not to patchbay.
[[ "$(handler_value "$WORK/router.log" f.passed)" -ge 3 ]] || fail "f.passed below the 3 echo requests"
check_no_xdp "$R"
[[ ! -e "$WORK/patchbay-zc.$NAME" ]] || fail "ring name left behind"
rm -rf "$WORK"
check_nothing_left
echo PASS
