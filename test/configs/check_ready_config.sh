#!/usr/bin/env bash
# check_ready_config.sh PATCHBAY CONFIG [FLAG...] — a ready-made config must pass `patchbay check`,
# its `patchbay flatten` output must pass `check` too, and flattening that output again must give
# the same text. FLAGs (e.g. --any-class) go to every patchbay command.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 PATCHBAY CONFIG [FLAG...]" >&2
  exit 2
fi
patchbay=$1
config=$2
shift 2
flags=("$@")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$patchbay" check "${flags[@]}" "$config"
"$patchbay" flatten "${flags[@]}" "$config" >"$work/flat1.click"
"$patchbay" check "${flags[@]}" "$work/flat1.click"
"$patchbay" flatten "${flags[@]}" "$work/flat1.click" >"$work/flat2.click"
if ! cmp -s "$work/flat1.click" "$work/flat2.click"; then
  echo "$config: flattening the flat configuration changed it:" >&2
  diff -u "$work/flat1.click" "$work/flat2.click" >&2 || true
  exit 1
fi
echo "$config: check, flatten and re-flatten OK"
