#!/usr/bin/env bash
# config_test.sh NAME: runs configs/iscsi/NAME.click with `patchbay run` and logs in with
# libiscsi's tools: iscsi-ls (discovery), iscsi-inq, iscsi-readcapacity16, a short iscsi-perf and,
# where writes are kept, iscsi-writer's write-then-verify.
source "$(dirname "$0")/lib.sh"

name=$1
config=$PB_SOURCE_DIR/configs/iscsi/$name.click
iqn=iqn.2026-01.org.patchbay:$name
size=67108864
args=(SIZE=64M)
creds=""
case $name in
  file) args+=(FILE="$PB_TMP/disk.img") ;;
  chap) creds="initiator%initiator-secret@" ;;
esac

pb_start "$config" "${args[@]}"
portal=127.0.0.1:$PB_PORT
url="iscsi://${creds}${portal}/$iqn/0"

out=$(iscsi-ls "iscsi://${creds}${portal}") || fail "iscsi-ls"
expect_contains "$out" "Target:$iqn Portal:$portal,1" "iscsi-ls"

out=$(iscsi-inq "$url") || fail "iscsi-inq"
expect_contains "$out" "Vendor:PATCHBAY" "iscsi-inq"
expect_contains "$out" "Peripheral Device Type:DIRECT_ACCESS" "iscsi-inq"

out=$(iscsi-readcapacity16 -s "$url") || fail "iscsi-readcapacity16"
[[ "$out" == "$size" ]] || fail "iscsi-readcapacity16 -s: expected $size, got '$out'"

# libiscsi reconnects forever when a target dies: bound every initiator's run time.
out=$(timeout 60 iscsi-perf -m 8 -b 8 -r -t 2 "$url") || fail "iscsi-perf"
expect_contains "$out" "iops average" "iscsi-perf"
expect_contains "$out" "finished." "iscsi-perf"

if [[ $name != null && -n "${ISCSI_WRITER:-}" ]]; then
  "$ISCSI_WRITER" stream -m 8 -b 8 --fua -n 256 "$url" >"$PB_TMP/journal" || fail "iscsi-writer stream"
  out=$("$ISCSI_WRITER" verify "$url" <"$PB_TMP/journal") || fail "iscsi-writer verify: $out"
  [[ "$out" == "verified 256 extents, 0 bad blocks" ]] || fail "iscsi-writer verify: $out"
fi

if [[ $name == null && -n "${ISCSI_WRITER:-}" ]]; then
  # The null back end drops writes: what was written must not read back.
  "$ISCSI_WRITER" stream -m 8 -b 8 --fua -n 16 "$url" >"$PB_TMP/journal" || fail "iscsi-writer stream"
  rc=0
  "$ISCSI_WRITER" verify "$url" <"$PB_TMP/journal" >/dev/null || rc=$?
  [[ $rc -eq 2 ]] || fail "null back end: verify should find bad blocks (status $rc)"
fi

if [[ $name == chap ]]; then
  nocreds="iscsi://$portal/$iqn/0"
  iscsi-inq "$nocreds" >/dev/null 2>&1 && fail "login without CHAP credentials succeeded"
  iscsi-inq "iscsi://initiator%wrong-secret-123@$portal/$iqn/0" >/dev/null 2>&1 &&
    fail "login with a wrong CHAP secret succeeded"
  iscsi-ls "iscsi://$portal" >/dev/null 2>&1 && fail "discovery without CHAP succeeded"
  out=$(LIBISCSI_CHAP_TARGET_USERNAME=target LIBISCSI_CHAP_TARGET_PASSWORD=target-secret \
        iscsi-inq "$url") || fail "mutual CHAP login"
  expect_contains "$out" "Vendor:PATCHBAY" "iscsi-inq (mutual CHAP)"
  LIBISCSI_CHAP_TARGET_USERNAME=target LIBISCSI_CHAP_TARGET_PASSWORD=not-the-secret \
    iscsi-inq "$url" >/dev/null 2>&1 && fail "mutual CHAP accepted a target with the wrong secret"
fi

pb_stop
if [[ $name == file ]]; then
  [[ $(stat -c %s "$PB_TMP/disk.img") -eq $size ]] || fail "the file LU was not created with SIZE"
fi
pb_pass "configs/iscsi/$name.click"
