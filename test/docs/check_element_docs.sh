#!/usr/bin/env bash
# check_element_docs.sh PATCHBAY REPO_ROOT — docs/elements/ is generated from each element's header
# doc block (`patchbay list --docs`); fails when the committed pages differ from what the current
# headers generate, so the reference never drifts from the code. `make docs` regenerates them.
set -euo pipefail
patchbay=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$patchbay" list --docs "$tmp" >/dev/null
if ! diff -ru "$root/docs/elements" "$tmp"; then
  echo "docs/elements/ is out of date: run 'make docs' and commit the result" >&2
  exit 1
fi
echo "docs/elements/: $(ls "$tmp" | wc -l) pages, up to date"
