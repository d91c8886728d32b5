#!/usr/bin/env bash
# A known trafgen stream (50 frames of EtherType 0x88b5, a per-frame counter byte, a fixed fill)
# sent from host a is captured on host b by FromDevice(METHOD XDP or PACKET) -> ToDump, and the
# pcap must hold exactly those frames, byte for byte, in order.
#   trafgen_dump_test.sh PATCHBAY NETLAB METHOD
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" METHOD="$3"
source "$(dirname "$0")/net_lib.sh"
command -v trafgen >/dev/null || fail "trafgen not installed (netsniff-ng, tools/deps/debian-packages.txt)"

cat >"$TOPO" <<TOPO
host a
host b
link a:eth0=10.77.0.1/24 b:eth0=10.77.0.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
A="${PREFIX}-a" B="${PREFIX}-b"
ip -n "$A" link set eth0 address 02:00:00:77:00:01
ip -n "$B" link set eth0 address 02:00:00:77:00:02
LOG="$(mktemp)" DUMP="$(mktemp)" CFG="$(mktemp)"
N=50

# dst, src, EtherType 0x88b5, a counter byte (0..49, see below), 45 bytes of 0x5a: 60-byte frames.
cat >"$CFG" <<'CFG'
{ 0x02, 0x00, 0x00, 0x77, 0x00, 0x02, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01, 0x88, 0xb5,
  dinc(0, 49, 1), fill(0x5a, 45) }
CFG

if [[ "$METHOD" == XDP ]]; then
  RX="FromDevice(eth0, METHOD XDP, FILTER \"ether type 0x88b5\")"
else
  RX="FromDevice(eth0, METHOD PACKET)"
fi
start_patchbay "$LOG" "$B" run -e "rx :: $RX -> c :: Counter -> ToDump($DUMP, UNBUFFERED true);" \
  -H rx.method -H c.count
sleep 0.5
kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$LOG"; fail "patchbay exited"; }

# trafgen forks a worker per CPU: one CPU keeps the stream in order; setsid so that a timeout
# can stop the whole group.
ip netns exec "$A" setsid timeout -s KILL 20 trafgen --no-sock-mem --cpus 1 -q -o eth0 -i "$CFG" \
  -n "$N" -t 1ms >/dev/null 2>&1 || fail "trafgen failed"
for _ in $(seq 40); do
  [[ $(stat -c %s "$DUMP") -ge $((24 + N * (16 + 60))) ]] && break
  sleep 0.1
done

kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}"
rc=$?
cat "$LOG"
[[ $rc -eq 0 ]] || fail "patchbay exit status $rc"
[[ "$(handler_value "$LOG" rx.method)" == "$METHOD" ]] || fail "rx.method is not $METHOD"
python3 - "$DUMP" "$N" <<'PY' || fail "the capture does not match the trafgen stream"
import struct, sys
d = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
head = bytes.fromhex("020000770002020000770001" "88b5")
# trafgen applies dinc() before each frame, the first one included: the counter starts at 1
# and wraps from 49 to 0.
want = [head + bytes([(i + 1) % 50]) + b"\x5a" * 45 for i in range(n)]
got, off = [], 24
while off < len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    got.append(d[off + 16:off + 16 + incl])
    off += 16 + incl
# PACKET sniffs: other frames of b's link (IPv6 ND...) may be captured too; keep ours.
got = [f for f in got if f[12:14] == b"\x88\xb5"]
if got != want:
    print("got %d frames, want %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w: print("first difference at frame", i, g.hex(), w.hex()); break
    sys.exit(1)
print("%d frames match byte for byte" % n)
PY
[[ $? -eq 0 ]] || fail "mismatch"
check_no_xdp "$B"
rm -f "$LOG" "$DUMP" "$CFG"
check_nothing_left
echo PASS
