# Shared by the iSCSI tests (sourced): start and stop `patchbay run` on a free loopback port.
#   PATCHBAY      the patchbay binary           ISCSI_WRITER  the iscsi-writer binary
#   PB_SOURCE_DIR the source tree (configs/)
# Every test gets its own temporary directory, removed at exit unless the test failed.
set -euo pipefail

: "${PATCHBAY:?PATCHBAY must name the patchbay binary}"
: "${PB_SOURCE_DIR:?PB_SOURCE_DIR must name the source tree}"

for tool in iscsi-ls iscsi-inq iscsi-readcapacity16 iscsi-perf iscsi-test-cu python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian libiscsi-bin / python3)" >&2; exit 1; }
done

PB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pb-iscsi-test.XXXXXX")
PB_PID=""
PB_FAILED=1
pb_cleanup() {
  if [[ -n "$PB_PID" ]] && kill -0 "$PB_PID" 2>/dev/null; then kill -KILL "$PB_PID" 2>/dev/null || true; fi
  if [[ $PB_FAILED -eq 0 ]]; then rm -rf "$PB_TMP"; else echo "(files kept in $PB_TMP)" >&2; fi
}
trap pb_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A port nobody listens on right now (the caller retries if it is taken meanwhile).
pb_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Whether PID listens on 127.0.0.1:PORT (not some other test that took the port meanwhile).
pb_listening() {
  if command -v ss >/dev/null; then
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# pb_start CONFIG [NAME=value…]: runs patchbay with PORT=<free port> (and PORT2=<another> when
# PB_WANT_PORT2=1, PORT3 when PB_WANT_PORT3=1), sets PB_PORT (PB_PORT2, PB_PORT3) and PB_PID, returns once the port accepts
# connections. Ports taken meanwhile by someone else: tried again with new ones.
pb_start() {
  local config=$1
  shift
  local attempt extra=()
  for attempt in 1 2 3 4 5; do
    PB_PORT=$(pb_free_port)
    if [[ ${PB_WANT_PORT2:-0} == 1 ]]; then
      PB_PORT2=$(pb_free_port)
      extra=(PORT2="$PB_PORT2")
    fi
    if [[ ${PB_WANT_PORT3:-0} == 1 ]]; then
      PB_PORT3=$(pb_free_port)
      extra+=(PORT3="$PB_PORT3")
    fi
    "$PATCHBAY" run "$config" PORT="$PB_PORT" "${extra[@]}" "$@" >"$PB_TMP/patchbay.log" 2>&1 &
    PB_PID=$!
    local i
    for i in $(seq 1 200); do
      if ! kill -0 "$PB_PID" 2>/dev/null; then break; fi
      # Every port: the TCPServers of a configuration start listening one after the other.
      if pb_listening "$PB_PORT" "$PB_PID" &&
        { [[ ${PB_WANT_PORT2:-0} != 1 ]] || pb_listening "$PB_PORT2" "$PB_PID"; } &&
        { [[ ${PB_WANT_PORT3:-0} != 1 ]] || pb_listening "$PB_PORT3" "$PB_PID"; }; then
        return 0
      fi
      sleep 0.05
    done
    wait "$PB_PID" 2>/dev/null || true
    grep -q "Address already in use" "$PB_TMP/patchbay.log" || break
  done
  cat "$PB_TMP/patchbay.log" >&2
  fail "patchbay did not start"
}

# pb_stop: SIGTERM, and patchbay must exit cleanly (sanitizer builds report leaks here).
pb_stop() {
  kill -TERM "$PB_PID"
  local rc=0
  wait "$PB_PID" || rc=$?
  PB_PID=""
  if [[ $rc -ne 0 ]]; then
    cat "$PB_TMP/patchbay.log" >&2
    fail "patchbay exited with status $rc"
  fi
}

# expect_contains TEXT NEEDLE WHAT
expect_contains() {
  if [[ "$1" != *"$2"* ]]; then
    printf '%s\n' "$1" >&2
    fail "$3: expected to find '$2'"
  fi
}

pb_pass() {
  PB_FAILED=0
  echo "PASS: $*"
}
