# tools/netlab/lib.sh — the prelude shared by the experiment scripts that run hosts in network
# namespaces made by tools/netlab (configs/wan/experiment.sh, configs/multipath/experiment.sh).
# Source it (bash, under `set -euo pipefail`), then call
#
#   netlab_init STEM [TOOL...]
#
# which exits 77 (skipped) when the script cannot run here — not root, no network namespaces —
# and 1 when a TOOL is missing, and then sets:
#   NETLAB    the path of tools/netlab/netlab (this library does not change what netlab does)
#   PREFIX    STEM-<pid>: the namespace prefix, unique among concurrent runs
#   WORK      a fresh temporary directory; TOPO=$WORK/topo, the topology file netlab_stop takes
#             down
#   PIDS      background processes to end (netlab_bg adds to it)
# and traps: EXIT runs netlab_cleanup, TERM and INT exit 143 (so EXIT runs).
#
# Functions: skip MSG (exit 77), fail MSG (exit 1), ns HOST (namespace name), inns HOST CMD...,
# netlab_bg LOG HOST CMD... (CMD in HOST in the background, output to LOG, pid in PIDS),
# netlab_stop (SIGTERM to PIDS, wait for them, `netlab down` of TOPO; idempotent),
# netlab_cleanup (netlab_stop and remove WORK), netlab_check_clean (fail if a namespace of
# PREFIX is left).
# shellcheck shell=bash

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

NETLAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/netlab"

netlab_init() {
  local stem="$1" t
  shift
  [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
  for t in "$@"; do command -v "$t" >/dev/null || fail "$t not installed"; done
  PREFIX="${stem}-$$"
  ip netns add "${PREFIX}-probe" 2>/dev/null || skip "no network namespace support"
  ip netns del "${PREFIX}-probe"
  WORK="$(mktemp -d)"
  TOPO="$WORK/topo"
  PIDS=()
  trap netlab_cleanup EXIT
  trap 'exit 143' TERM INT
}

ns() { echo "${PREFIX}-$1"; }
inns() {
  local h="$1"
  shift
  ip netns exec "$(ns "$h")" "$@"
}
netlab_bg() {
  local log="$1" h="$2"
  shift 2
  ip netns exec "$(ns "$h")" "$@" >"$log" 2>&1 &
  PIDS+=($!)
}

netlab_stop() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  if [[ -f "$TOPO" ]]; then "$NETLAB" -p "$PREFIX" down "$TOPO" >/dev/null 2>&1 || true; fi
}

netlab_cleanup() {
  netlab_stop
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
  return 0
}

netlab_check_clean() {
  local left
  left="$(ip netns list | awk '{print $1}' | grep "^${PREFIX}-" || true)"
  [[ -z "$left" ]] || fail "namespaces left behind: $left"
}
