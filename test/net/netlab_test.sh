#!/usr/bin/env bash
# tools/netlab: up builds what the description says (addresses, a tbf limit), down removes all
# of it and is idempotent, and addresses outside 10.77/16 are refused.
#   netlab_test.sh NETLAB
set -uo pipefail
PATCHBAY=/bin/false NETLAB="$1"
source "$(dirname "$0")/net_lib.sh"

cat >"$TOPO" <<TOPO
# comment
host x
host y
link x:e0=10.77.9.1/24 y:e0=10.77.9.2/24 tbf=20mbit
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" || fail "netlab up"
ip -n "${PREFIX}-x" addr show e0 | grep "10.77.9.1/24" >/dev/null || fail "address missing"
ip netns exec "${PREFIX}-x" tc qdisc show dev e0 | grep "tbf" >/dev/null || fail "tbf missing"
ip netns exec "${PREFIX}-x" ping -c 1 -W 2 10.77.9.2 >/dev/null || fail "no ping over the link"
"$NETLAB" -p "$PREFIX" down "$TOPO" || fail "down"
"$NETLAB" -p "$PREFIX" down "$TOPO" || fail "second down is not idempotent"
ip netns list | grep "^${PREFIX}-" >/dev/null && fail "namespaces left"

echo "host z" >"$TOPO"
echo "link z:a=192.168.1.1/24 z:b" >>"$TOPO"
"$NETLAB" -p "$PREFIX" up "$TOPO" 2>/dev/null && fail "address outside 10.77/16 accepted"
ip netns list | grep "^${PREFIX}-" >/dev/null && fail "failed up left namespaces"
check_nothing_left
echo PASS
