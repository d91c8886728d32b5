#!/usr/bin/env bash
# patchbay confined to one CPU (taskset), receiving a flood of frames through a busy-polling AF_XDP
# FromDevice, stops on SIGTERM: it prints its handlers, exits 0 and leaves the interface as
# found. Before the fix, every `patchbay run` whose affinity allowed a single CPU hung at exit in
# oneTBB's teardown (tbb::finalize), busy polling or not.
#   busy_poll_exit_test.sh PATCHBAY NETLAB
set -uo pipefail
PATCHBAY="$1" NETLAB="$2"
source "$(dirname "$0")/net_lib.sh"
command -v python3 >/dev/null || fail "python3 not installed"
command -v taskset >/dev/null || fail "taskset not installed (util-linux)"

cat >"$TOPO" <<TOPO
host g
host r
link g:eth0=10.77.2.1/24 r:eth0=10.77.2.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
G="${PREFIX}-g" R="${PREFIX}-r"
FRAMES=20000
# Raw frames of the local experimental EtherType from g, as fast as a packet socket sends them.
flood() {
  ip netns exec "$G" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
f = bytes.fromhex("ffffffffffff02000000770188b5") + bytes(46)
for _ in range(int(sys.argv[1])):
    s.send(f)
' "$FRAMES"
}
CPU="$(( $(nproc) - 1 ))"
for round in 1 2; do
  LOG="$(mktemp)"
  ip netns exec "$R" taskset -c "$CPU" "$PATCHBAY" run -e \
    "f :: FromDevice(eth0, METHOD XDP, FILTER \"ether type 0x88b5\", BUSY_POLL true) -> c :: Counter -> Discard" \
    -H c.count -H f.drops >"$LOG" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 50); do
    ip -n "$R" -d link show eth0 | grep -q xdp && break
    sleep 0.1
  done
  flood || fail "round $round: could not send the frames"
  sleep 0.5
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    cat "$LOG"
    fail "round $round: patchbay did not exit within 10 s of SIGTERM"
  fi
  wait "$pid"
  rc=$?
  cat "$LOG"
  [[ $rc -eq 0 ]] || fail "round $round: patchbay exit status $rc"
  # Every frame either reached the graph or was dropped by the kernel for want of ring room.
  count="$(handler_value "$LOG" c.count)" drops="$(handler_value "$LOG" f.drops)"
  [[ "$count" =~ ^[0-9]+$ && "$drops" =~ ^[0-9]+$ ]] || fail "round $round: no counts"
  [[ "$count" -gt 0 && $((count + drops)) -eq $FRAMES ]] ||
    fail "round $round: $count received + $drops dropped != $FRAMES sent"
  check_no_xdp "$R"
  rm -f "$LOG"
done
check_nothing_left
echo PASS
