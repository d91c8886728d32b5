#!/usr/bin/env bash
# conformance.sh: libiscsi's conformance suite against test/iscsi/conformance.click —
#   iscsi-test-cu -d -S -t ALL on LU 0 with the second portal as the multipath URL, then the tests
#   that need another LU set-up on theirs (ReadOnly on the write-protected LU 1,
#   GetLBAStatus.UnmapSingle on LU 2), also as a second initiator name (-i/-I defaults differ),
#   and Sanitize.Reset on a second target whose LU sanitizes slowly, in parallel.
# Passes when nothing fails and at least 215 tests really passed (skips are
# counted as skips, not as the passes CUnit reports).
source "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
iqn=iqn.2026-01.org.patchbay:conformance
PB_WANT_PORT2=1 PB_WANT_PORT3=1 pb_start "$here/conformance.click"
base=iscsi://127.0.0.1:$PB_PORT/$iqn
multipath=iscsi://127.0.0.1:$PB_PORT2/$iqn/0

# Sanitize.Reset lasts about 65 s whatever the target does (it polls the end of the SANITIZE
# every 60 s), so it runs on the second target beside the main run rather than after it.
timeout 300 iscsi-test-cu -d -S -t SCSI.Sanitize.Reset \
  "iscsi://127.0.0.1:$PB_PORT3/iqn.2026-01.org.patchbay:sanitize/0" >"$PB_TMP/sanitize.log" 2>&1 &
sanitize_pid=$!
timeout 900 iscsi-test-cu -d -S -t ALL "$base/0" "$multipath" >"$PB_TMP/all.log" 2>&1 || true
timeout 300 iscsi-test-cu -d -S -t SCSI.ReadOnly "$base/1" >"$PB_TMP/readonly.log" 2>&1 || true
timeout 300 iscsi-test-cu -d -S -t SCSI.GetLBAStatus.UnmapSingle "$base/2" >"$PB_TMP/lbppb1.log" 2>&1 || true
wait "$sanitize_pid" || true
pb_stop

"$here/count-cu-results.py" "$PB_TMP/all.log" --with "$PB_TMP/readonly.log" \
  --with "$PB_TMP/lbppb1.log" --with "$PB_TMP/sanitize.log" --min-passes 215 ||
  fail "iscsi-test-cu (logs in $PB_TMP)"
pb_pass "iscsi-test-cu ALL"
