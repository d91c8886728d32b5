#!/usr/bin/env bash
# A live swap through the control socket: `patchbay run -j 2 -p PORT configs/control/live-swap.click`
# driven by `patchbay ctl` — resize a queue through its config handler, replace an element,
# install a whole new configuration, try a broken one (refused with its location, the running
# graph untouched) — while numbered packets flow; then the checker must have seen every number
# exactly once, in order.
#   hotswap_live.sh PATCHBAY CONFIG
# Exit 77 (skipped) when this patchbay has no control socket.
set -euo pipefail
PATCHBAY="$1" CONFIG="$2"

"$PATCHBAY" run --help 2>&1 | grep -q -- '--port' || { echo "no 'run -p': skipped"; exit 77; }
"$PATCHBAY" ctl --help >/dev/null 2>&1 || { echo "no 'patchbay ctl': skipped"; exit 77; }

WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- patchbay log" >&2
  cat "$WORK/log" >&2 || true
  exit 1
}

SOCK="$WORK/ctl.sock"
"$PATCHBAY" run -j 2 -u "$SOCK" "$CONFIG" >"$WORK/log" 2>&1 &
PID=$!
ctl() { "$PATCHBAY" ctl "$SOCK" "$@"; }
# One value: the last line of `ctl read` (the value follows the handler's name).
val() { ctl read "$1" | tail -n 1 | tr -d '[:space:]'; }
for _ in $(seq 100); do
  [[ -S "$SOCK" ]] && ctl read version >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || fail "patchbay exited"
  sleep 0.1
done
wait_until() {  # HANDLER MIN: wait until the handler's value is >= MIN
  for _ in $(seq 300); do
    local v
    v="$(val "$1")"
    [[ "$v" =~ ^[0-9]+$ ]] && ((v >= $2)) && return 0
    sleep 0.05
  done
  fail "$1 stayed below $2"
}
wait_until chk.count 100

# A queue resized through its config handler (Queue takes its packets over: a hot-swap).
ctl write q2.config 'CAPACITY 20000' || fail "write q2.config"
[[ "$(val q2.capacity)" == 20000 ]] || fail "q2.capacity is $(val q2.capacity)"
# One element replaced by another class, keeping its connections.
ctl replace mid 'Paint(5)' || fail "replace mid"
[[ "$(val mid.class)" == Paint ]] || fail "mid.class is $(val mid.class)"
# A whole new configuration with a branch added.
sed -e 's/^u2 :: Unqueue(BURST 32);/u2 :: Unqueue(BURST 16);/' \
    -e 's/^src -> seq -> q1 -> u1 -> mid -> q2 -> u2 -> chk -> Discard;/src -> seq -> q1 -> u1 -> mid -> q2 -> u2 -> t :: Tee -> chk -> Discard; t[1] -> side :: Counter -> Discard;/' \
    "$CONFIG" >"$WORK/next.click"
grep -q 'side :: Counter' "$WORK/next.click" || fail "could not edit the config"
ctl hotswap "$WORK/next.click" || fail "hotswap next.click"
before="$(val chk.count)"
wait_until side.count 100
# A broken configuration is refused with its location; the running graph is untouched.
printf 'src :: RatedSource -> chk :: NoSuchClass -> Discard;\n' >"$WORK/bad.click"
if ctl hotswap "$WORK/bad.click" 2>"$WORK/bad.err"; then fail "the broken config was accepted"; fi
grep -q 'hotconfig:1:' "$WORK/bad.err" || fail "no location in: $(cat "$WORK/bad.err")"
grep -q 'NoSuchClass' "$WORK/bad.err" || fail "no class name in: $(cat "$WORK/bad.err")"
[[ "$(val side.class)" == Counter ]] || fail "the running graph changed"
wait_until chk.count $((before + 100))

# Stop the source, let the queues drain, compare.
ctl write src.active false || fail "write src.active"
sent="$(val seq.count)"
wait_until chk.count "$sent"
for h in chk.missing chk.duplicates chk.reordered; do
  [[ "$(val "$h")" == 0 ]] || fail "$h is $(val "$h")"
done
[[ "$(val chk.count)" == "$sent" ]] || fail "chk.count $(val chk.count) != sent $sent"
echo "ok: $sent packets, every number once and in order across 3 live swaps"
ctl write stop >/dev/null 2>&1 || true
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
