#!/usr/bin/env bash
# durability.sh: SIGKILL patchbay while iscsi-writer streams writes to a file LU; after a restart,
# every write that was acknowledged with FUA — or acknowledged and then covered by an acknowledged
# SYNCHRONIZE CACHE — must read back intact. Run once per mode.
#
# SIGKILL leaves the kernel's page cache alone, so what this proves is that no write is
# acknowledged before it reached the file (and that a restart keeps the file): power loss, which
# FUA (RWF_DSYNC) and SYNCHRONIZE CACHE (fdatasync) are for, cannot be staged here.
source "$(dirname "$0")/lib.sh"
: "${ISCSI_WRITER:?ISCSI_WRITER must name the iscsi-writer binary}"

config=$PB_SOURCE_DIR/configs/iscsi/file.click
url_of() { echo "iscsi://127.0.0.1:$PB_PORT/iqn.2026-01.org.patchbay:file/0"; }

run_mode() {
  local mode=$1 journal=$PB_TMP/journal-$2 disk=$PB_TMP/disk-$2.img
  pb_start "$config" FILE="$disk" SIZE=1G
  "$ISCSI_WRITER" stream -m 16 -b 8 $mode "$(url_of)" >"$journal" 2>"$PB_TMP/writer-$2.log" &
  local writer=$!
  # Kill once a good number of writes are known durable, with more in flight.
  local i
  for i in $(seq 1 400); do
    [[ $(wc -l <"$journal") -ge 2000 ]] && break
    kill -0 "$writer" 2>/dev/null || break
    sleep 0.025
  done
  kill -KILL "$PB_PID"
  wait "$PB_PID" 2>/dev/null || true
  PB_PID=""
  local rc=0
  wait "$writer" || rc=$?
  [[ $rc -eq 3 ]] || fail "$mode: the writer should have lost its connection (status $rc)"
  local durable
  durable=$(wc -l <"$journal")
  [[ $durable -ge 2000 ]] || fail "$mode: only $durable durable writes before the kill"

  pb_start "$config" FILE="$disk" SIZE=1G
  local out
  out=$("$ISCSI_WRITER" verify "$(url_of)" <"$journal") || fail "$mode: $out"
  [[ "$out" == "verified $durable extents, 0 bad blocks" ]] || fail "$mode: $out"
  pb_stop
  echo "$mode: $durable durable writes acknowledged before SIGKILL, all on disk after restart"
}

run_mode --fua fua
run_mode "--sync 64" sync
pb_pass "durability"
