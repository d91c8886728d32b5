#!/usr/bin/env bash
# The storage and console personalities across two network namespaces joined by a veth pair.
#   personality_ns_test.sh PATCHBAY NETLAB CONFIG_DIR [wan]
# Host a runs CONFIG_DIR/ebd-server.click (or ebd-server-wan.click with LossDelayReorder in both
# directions); host b runs `patchbay ebd write` of random data, then `patchbay ebd read`, and
# compares; then the console: bytes written to b's pty (console.click) come out of a's pty and
# the other way round.
set -uo pipefail
PATCHBAY="$1" NETLAB="$2" CONFIGS="$3" MODE="${4:-plain}"
source "$(dirname "$0")/../net/net_lib.sh"
command -v python3 >/dev/null || fail "python3 not installed"

cat >"$TOPO" <<TOPO
host a
host b
link a:eth0=10.77.8.1/24 b:eth0=10.77.8.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
A="${PREFIX}-a" B="${PREFIX}-b"
WORK="$(mktemp -d)"
SERVER_LOG="$WORK/server.log" CONSOLE_LOG="$WORK/console.log"
trap 'cleanup; rm -rf "$WORK"' EXIT

SERVER_CONFIG="$CONFIGS/ebd-server.click"
[[ "$MODE" == wan ]] && SERVER_CONFIG="$CONFIGS/ebd-server-wan.click"
start_patchbay "$SERVER_LOG" "$A" run "$SERVER_CONFIG" DEV=eth0 PTY="$WORK/pty-a" SIZE=16MiB \
  -H srv.writes -H srv.reads -H srv.bad_frames -H cl.unclassifiable -H sched.bytes
start_patchbay "$CONSOLE_LOG" "$B" run "$CONFIGS/console.click" DEV=eth0 PTY="$WORK/pty-b"
for _ in $(seq 50); do
  [[ -e "$WORK/pty-a" && -e "$WORK/pty-b" ]] && break
  sleep 0.1
done
[[ -e "$WORK/pty-a" && -e "$WORK/pty-b" ]] || { cat "$SERVER_LOG" "$CONSOLE_LOG"; fail "no pty"; }
MAC_A="$(ip netns exec "$A" cat /sys/class/net/eth0/address)"

# ---- storage: write random data, read it back, compare ----
head -c $((3 * 1024 * 1024 + 777)) /dev/urandom >"$WORK/data"
ip netns exec "$B" "$PATCHBAY" ebd write eth0 --peer "$MAC_A" -f "$WORK/data" --offset 12345 ||
  { cat "$SERVER_LOG"; fail "ebd write"; }
ip netns exec "$B" "$PATCHBAY" ebd read eth0 --peer "$MAC_A" -f "$WORK/back" --offset 12345 \
  --length "$(stat -c %s "$WORK/data")" || { cat "$SERVER_LOG"; fail "ebd read"; }
cmp "$WORK/data" "$WORK/back" || fail "data read back differs from data written ($MODE)"
echo "storage: $(stat -c %s "$WORK/data") random bytes written and read back intact ($MODE)"
# Out of range: the server answers with an error, the client fails cleanly.
if ip netns exec "$B" "$PATCHBAY" ebd read eth0 --peer "$MAC_A" -f "$WORK/x" --offset 16777000 \
  --length 4096 -q 2>"$WORK/err"; then
  fail "a read past the device end succeeded"
fi
grep -q "status 1" "$WORK/err" || fail "unexpected error text: $(cat "$WORK/err")"

# ---- console: through both ptys, both ways ----
python3 - "$WORK/pty-a" "$WORK/pty-b" <<'PY' || fail "console bytes did not arrive intact ($MODE)"
import os, sys, time
def xfer(src, dst, data):
    w = os.open(src, os.O_RDWR | os.O_NOCTTY)
    r = os.open(dst, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    os.write(w, data)
    got = b""
    deadline = time.time() + 20
    while len(got) < len(data) and time.time() < deadline:
        try:
            got += os.read(r, 65536)
        except BlockingIOError:
            time.sleep(0.01)
    os.close(w); os.close(r)
    if got != data:
        print(f"console {src} -> {dst}: sent {len(data)} bytes, got {len(got)}", file=sys.stderr)
        sys.exit(1)
data = os.urandom(20000)
xfer(sys.argv[2], sys.argv[1], data)
xfer(sys.argv[1], sys.argv[2], bytes(reversed(data)))
print("console: 20000 bytes each way through the ptys intact")
PY

for p in "${PIDS[@]}"; do kill -INT "$p"; done
for p in "${PIDS[@]}"; do wait "$p" || true; done
cat "$SERVER_LOG"
[[ "$(handler_value "$SERVER_LOG" srv.writes)" -gt 0 ]] || fail "server counted no writes"
PIDS=()
check_nothing_left
[[ ! -e "$WORK/pty-a" ]] || fail "pty link left behind"
rm -rf "$WORK"
echo PASS
