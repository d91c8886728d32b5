#!/usr/bin/env bash
# tools/demo.sh BUILD_DIR [CONFIG] — what `make demo` runs.
#
# Part 1 runs a real pipeline: the IP input path of a router (configs/tutorial/04-ip-pipeline.click)
# on hand-made Ethernet/IPv4/UDP frames — a good one, one with a broken checksum, one whose TTL
# expires — printing each packet as it enters and leaves, then the counters.
#
# Part 2 shows the configuration front end on a larger ready-made router
# (configs/demo/ip-router.click unless CONFIG is given): `patchbay check` validates it,
# `patchbay flatten` prints the flat configuration, and `patchbay dot` piped through Graphviz
# draws it as BUILD_DIR/demo/<name>.svg. That router uses Click's device and ARP classes, which
# patchbay's element library does not have yet, so part 2 passes --any-class: the language, the
# compounds, the ports and the graph are checked, the class names are not.
set -euo pipefail

die() {
  echo "demo: error: $*" >&2
  exit 1
}

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [CONFIG]" >&2
  exit 2
fi

build_dir=$1
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config=${2:-$repo_root/configs/demo/ip-router.click}
patchbay=$build_dir/tools/patchbay/patchbay

[[ -d $build_dir ]] || die "build directory '$build_dir' does not exist; run 'make build' first"
[[ -x $patchbay ]] || die "'$patchbay' is missing; build it with 'make build' (or: cmake --build $build_dir --target patchbay)"
[[ -f $config ]] || die "configuration '$config' not found"
command -v dot >/dev/null 2>&1 || die "Graphviz 'dot' is not installed; 'make deps' installs it (Debian package graphviz)"

name=$(basename "$config" .click)
out_dir=$build_dir/demo
mkdir -p "$out_dir"
flat=$out_dir/$name.flat.click
dot_file=$out_dir/$name.dot
svg=$out_dir/$name.svg

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() {
  printf '\n%s== %s%s\n' "$bold" "$*" "$plain"
}

pipeline=$repo_root/configs/tutorial/04-ip-pipeline.click
step "1/4 patchbay run ${pipeline#"$repo_root"/}"
sed -n '1,/^$/p' "$pipeline"
"$patchbay" run -j 1 "$pipeline" || die "'patchbay run' failed on $pipeline"

step "2/4 patchbay check --any-class ${config#"$repo_root"/}"
summary=$("$patchbay" check --any-class "$config") || die "'patchbay check' rejected $config (messages above)"
echo "$summary"

step "3/4 patchbay flatten --any-class: every compound expanded, every element named"
"$patchbay" flatten --any-class "$config" >"$flat" || die "'patchbay flatten' failed on $config"
cat "$flat"

step "4/4 patchbay dot --any-class | dot -Tsvg"
"$patchbay" dot --any-class "$config" >"$dot_file" || die "'patchbay dot' failed on $config"
dot -Tsvg "$dot_file" -o "$svg" || die "Graphviz could not render $dot_file"

# `check` ends with "<what>: ok, N elements, M connections".
if [[ $summary =~ ([0-9]+)\ elements,\ ([0-9]+)\ connections ]]; then
  elements=${BASH_REMATCH[1]}
  connections=${BASH_REMATCH[2]}
else
  die "could not read the element and connection counts from: $summary"
fi

step "summary"
printf '%-14s %s\n' "config" "${config#"$repo_root"/}"
printf '%-14s %s\n' "elements" "$elements (after flattening)"
printf '%-14s %s\n' "connections" "$connections"
printf '%-14s %s\n' "flat config" "$flat"
printf '%-14s %s\n' "graph (DOT)" "$dot_file"
printf '%-14s %s\n' "graph (SVG)" "$svg"
echo
echo "Open $svg in a browser to see the router."
