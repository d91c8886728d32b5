# Shared by the namespace tests: skip rules, a per-test prefix, cleanup that leaves nothing
# behind and checks that it did. Sourced; the test sets PATCHBAY and NETLAB first.
# Exit code 77 is CTest's SKIP_RETURN_CODE (test/net/CMakeLists.txt): used only when the test
# cannot run here (not root, no network namespaces, no /dev/net/tun), never to hide a failure;
# a missing tool (iperf3, ping: tools/deps/debian-packages.txt) is a failure.

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
PREFIX="pb-$$"
probe="${PREFIX}-probe"
ip netns add "$probe" 2>/dev/null || skip "no network namespace support"
ip netns del "$probe"

TOPO="$(mktemp)"
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$NETLAB" -p "$PREFIX" down "$TOPO" || true
  rm -f "$TOPO"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # so the EXIT trap cleans up when ctest times us out

# After cleanup: no namespace with our prefix, no process we started. Fails the test otherwise.
check_nothing_left() {
  cleanup
  trap - EXIT
  local left p
  left="$(ip netns list | awk '{print $1}' | grep "^${PREFIX}-" || true)"
  [[ -z "$left" ]] || fail "namespaces left behind: $left"
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null && fail "process $p left behind"
  done
  return 0
}

# Runs patchbay in namespace NS in the background; its output goes to $1.log.
start_patchbay() {
  local log="$1" ns="$2"
  shift 2
  ip netns exec "$ns" "$PATCHBAY" "$@" >"$log" 2>&1 &
  PIDS+=($!)
}

# The value `patchbay run -H NAME` printed for NAME in log $1 ("NAME:" then the value).
handler_value() { grep -A1 -x "$2:" "$1" | tail -n 1; }

# Fails if an interface of namespace $1 still has an XDP program (any mode) attached: patchbay's
# teardown must leave interfaces as found. With bpftool, also no pb_redirect program may remain
# loaded anywhere once our processes are gone (checked by check_no_bpf_left).
check_no_xdp() {
  local out
  out="$(ip -n "$1" -d link show 2>/dev/null | grep -E 'xdp|prog/xdp' || true)"
  [[ -z "$out" ]] || fail "XDP program left attached in $1: $out"
}
check_no_bpf_left() {
  command -v bpftool >/dev/null || return 0
  local left
  left="$(bpftool prog show 2>/dev/null | grep -c 'name pb_redirect' || true)"
  [[ "$left" -eq 0 ]] || fail "$left pb_redirect BPF program(s) still loaded"
}
