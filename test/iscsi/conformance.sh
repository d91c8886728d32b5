#!/usr/bin/env bash
# conformance.sh: libiscsi's conformance suite against test/iscsi/conformance.click —
#   iscsi-test-cu -d -S -t ALL on LU 0 with the second portal as the multipath URL, then the tests
#   that need another LU set-up on theirs (ReadOnly on the write-protected LU 1,
#   GetLBAStatus.UnmapSingle on LU 2), also as a second initiator name (-i/-I defaults differ).
# Passes when every failure is a documented one and at least 215 tests really passed (skips are
# counted as skips, not as the passes CUnit reports).
source "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
iqn=iqn.2026-01.org.patchbay:conformance
PB_WANT_PORT2=1 pb_start "$here/conformance.click"
base=iscsi://127.0.0.1:$PB_PORT/$iqn
multipath=iscsi://127.0.0.1:$PB_PORT2/$iqn/0

timeout 900 iscsi-test-cu -d -S -t ALL "$base/0" "$multipath" >"$PB_TMP/all.log" 2>&1 || true
timeout 300 iscsi-test-cu -d -S -t SCSI.ReadOnly "$base/1" >"$PB_TMP/readonly.log" 2>&1 || true
timeout 300 iscsi-test-cu -d -S -t SCSI.GetLBAStatus.UnmapSingle "$base/2" >"$PB_TMP/lbppb1.log" 2>&1 || true
pb_stop

# Known: SANITIZE on this LU finishes in milliseconds, the test wants it still running 4 s later.
"$here/count-cu-results.py" "$PB_TMP/all.log" --with "$PB_TMP/readonly.log" \
  --with "$PB_TMP/lbppb1.log" --known Sanitize.Reset --min-passes 215 ||
  fail "iscsi-test-cu (logs in $PB_TMP)"
pb_pass "iscsi-test-cu ALL"
