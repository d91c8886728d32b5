#!/usr/bin/env bash
# Installs the Debian packages in debian-packages.txt that are not installed yet. Runs apt-get only
# when something is missing, so a second `make` costs nothing.
set -euo pipefail
list="$(dirname "$0")/debian-packages.txt"
missing=()
while read -r pkg; do
  pkg="${pkg%%#*}"; pkg="${pkg//[[:space:]]/}"
  [ -n "$pkg" ] || continue
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done <"$list"
((${#missing[@]})) || exit 0
echo "make deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "make deps: run as root (or install them yourself: apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
