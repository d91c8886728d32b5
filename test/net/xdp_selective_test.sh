#!/usr/bin/env bash
# Selective redirect (configs/devices/xdp-selective.click): host b runs patchbay with
# FromDevice(eth0, METHOD XDP, FILTER "udp port 9000"). Datagrams to b:9000 must reach patchbay
# (and not b's kernel, where a listener waits on the same port), while ping, ARP and UDP to
# another port still reach b's kernel.
#   xdp_selective_test.sh PATCHBAY NETLAB CONFIG
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIG="$3"
source "$(dirname "$0")/net_lib.sh"
command -v ping >/dev/null || fail "ping not installed (tools/deps/debian-packages.txt)"
command -v python3 >/dev/null || fail "python3 not installed"

cat >"$TOPO" <<TOPO
host a
host b
link a:eth0=10.77.0.1/24 b:eth0=10.77.0.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
A="${PREFIX}-a" B="${PREFIX}-b"
LOG="$(mktemp)" DUMP="$(mktemp)" KLOG="$(mktemp)"

# b's kernel listens on 9000 and 9001 and records what it gets.
ip netns exec "$B" timeout 30 python3 -c '
import socket, select, sys
socks = []
for port in (9000, 9001):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.77.0.2", port)); socks.append(s)
got = {9000: 0, 9001: 0}
while True:
    r, _, _ = select.select(socks, [], [], 8)
    if not r: break
    for s in r:
        s.recv(2048); got[s.getsockname()[1]] += 1
        print(s.getsockname()[1], got[s.getsockname()[1]], flush=True)
' >"$KLOG" 2>&1 &
PIDS+=($!)

start_patchbay "$LOG" "$B" run "$CONFIG" DEV=eth0 PORT=9000 DUMP="$DUMP" -H rx.method -H rx.xdp_mode \
  -H rx.zerocopy -H rx.count -H c.count
for _ in $(seq 50); do
  ip -n "$B" -d link show eth0 | grep -q xdp && break
  kill -0 "${PIDS[1]}" 2>/dev/null || { cat "$LOG"; fail "patchbay exited"; }
  sleep 0.1
done
ip -n "$B" -d link show eth0 | grep -q xdp || { cat "$LOG"; fail "no XDP program on b:eth0"; }

out="$(ip netns exec "$A" ping -c 3 -i 0.2 -W 2 10.77.0.2)" || { cat "$LOG"; fail "ping to b's kernel: $out"; }
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $out"
echo "ping to b's kernel while patchbay takes udp port 9000: 3/3"

ip netns exec "$A" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"patchbay-%02d" % i, ("10.77.0.2", 9000)); time.sleep(0.005)
for i in range(5):
    s.sendto(b"kernel-%02d" % i, ("10.77.0.2", 9001)); time.sleep(0.005)
' || fail "sending datagrams"
sleep 0.5

kill -TERM "${PIDS[1]}"
wait "${PIDS[1]}"
rc=$?
cat "$LOG"
[[ $rc -eq 0 ]] || fail "patchbay exit status $rc"
[[ "$(handler_value "$LOG" rx.method)" == XDP ]] || fail "rx.method is not XDP"
[[ "$(handler_value "$LOG" c.count)" == 20 ]] || fail "patchbay did not get exactly the 20 port-9000 datagrams"
check_no_xdp "$B"
# The kernel got the 5 datagrams to port 9000+1 and none of those to 9000.
kill "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null
grep -q "^9001 5$" "$KLOG" || { cat "$KLOG"; fail "b's kernel did not get the 5 datagrams to port 9001"; }
! grep -q "^9000 " "$KLOG" || { cat "$KLOG"; fail "b's kernel got port-9000 datagrams"; }
# What patchbay captured is the datagrams themselves, in order.
python3 - "$DUMP" <<'PY' || fail "the dump does not hold the 20 datagrams in order"
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off < len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    frame = d[off + 16:off + 16 + incl]
    off += 16 + incl
    assert frame[12:14] == b"\x08\x00" and frame[23] == 17, frame
    assert struct.unpack("!H", frame[36:38])[0] == 9000
    assert frame[42:] == b"patchbay-%02d" % n, frame[42:]
    n += 1
assert n == 20, n
PY
echo "patchbay got the 20 datagrams to port 9000; b's kernel the 5 to port 9001"
rm -f "$LOG" "$DUMP" "$KLOG"
check_nothing_left
check_no_bpf_left
echo PASS
