#!/usr/bin/env bash
# pb_bench_devices: patchbay's device paths beside bare reference programs, on veth pairs between
# network namespaces (tools/netlab), 64-byte frames (60 + FCS). The generator (bare_xdp tx, an
# AF_XDP transmitter) is pinned on CPU 0 and the program measured on CPU 1; the receiving veth's
# kernel work runs in softirq on the *sending* CPU (docs/devices.md), so receivers busy-poll.
# Transmit and forwarder figures drop the frames with XDP_DROP on the last veth.
#   run.sh PATCHBAY BARE_XDP BARE_TPACKET XDP_DROP_OBJ NETLAB [SECONDS]
# Figures are measured, never asserted. The machine is shared: other builds and tests running at
# the same time lower them, so each line prints the reference figure and the goal beside it.
# The receive comparisons alternate the bare program and patchbay ROUNDS times on the same
# running generator and report the median of the per-round ratios: the generator's rate drifts
# between runs on this VM (1.8 to 2.8 Mpps), and only runs next to each other compare fairly.
set -euo pipefail
RING="${PB_BENCH_RING:-8192}"  # AF_XDP ring size for both bare and patchbay receivers
ROUNDS="${PB_BENCH_ROUNDS:-3}"
PATCHBAY="$1" BARE_XDP="$2" BARE_TPACKET="$3" DROP_OBJ="$4" NETLAB="$5" D="${6:-${PB_BENCH_SECONDS:-3}}"
[[ $(id -u) -eq 0 ]] || { echo "pb_bench_devices: SKIP (needs root for namespaces)"; exit 0; }
[[ $(nproc) -ge 2 ]] || { echo "pb_bench_devices: SKIP (needs 2 CPUs)"; exit 0; }

PREFIX="pbb-$$"
TOPO="$(mktemp)"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  "$NETLAB" -p "$PREFIX" down "$TOPO" 2>/dev/null || true
  rm -f "$TOPO"
}
trap cleanup EXIT
cat >"$TOPO" <<TOPO
host g
host r
host f
link g:eth0 r:eth0 offload=off
link g:fwd f:in offload=off
link f:out r:sink offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" >/dev/null
G="$PREFIX-g" R="$PREFIX-r" F="$PREFIX-f"
ip -n "$G" link set eth0 address 02:00:00:77:00:01
ip -n "$R" link set eth0 address 02:00:00:77:00:02

mpps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.2f", n / t / 1e6 }'; }
row() {  # PATH MEASURED REFERENCE GOAL
  printf '%-50s %6s Mpps   reference %-22s goal %s\n' "$1" "$2" "$3" "$4"
}
# The generator: AF_XDP transmit from G's interface $1 on CPU 0 until gen_stop (at most 60 s).
gen_start() {
  setsid ip netns exec "$G" taskset -c 0 "$BARE_XDP" tx "$1" 60 >/dev/null &
  PIDS+=($!)
  sleep 0.5
}
gen_stop() {
  local p="${PIDS[-1]}"
  kill -- "-$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  unset 'PIDS[-1]'
}
# patchbay on CPU 1 in namespace $1 for D seconds; prints its handler output.
pb_run() {
  local ns="$1"
  shift
  # -k: a safety net only (a run that does not stop on SIGTERM is killed 2 s later).
  # The kernel releases an AF_XDP socket asynchronously after its process exits (the previous
  # run's); until then binding that queue again fails, so try a few times.
  local out
  for _ in 1 2 3 4 5; do
    out="$(ip netns exec "$ns" taskset -c 1 timeout -k 2 -s TERM "$D" stdbuf -oL "$PATCHBAY" "$@" 2>&1)" || true
    # Retry when the queue is still taken, or when the run reported nothing (SIGTERM came
    # before it was up: its start can take seconds while the generator floods the other CPU).
    if ! grep -q "already has an AF_XDP socket" <<<"$out" && grep -q ':$' <<<"$out"; then break; fi
    sleep 1
  done
  echo "$out"
}
# Handler $1 from patchbay's output $2; "0" (and its output on stderr) when it did not report.
hv() {
  local v
  v="$(grep -A1 -x "$1:" <<<"$2" | tail -n 1)"
  [[ -n "$v" ]] || { echo "pb_bench_devices: patchbay did not report $1: $2" >&2; v=0; }
  echo "$v"
}

echo "pb_bench_devices: ${D}s per run, veth between namespaces, 64-byte frames, generator CPU 0,"
echo "measured program CPU 1; this machine is shared and loaded, figures vary run to run."

# --- receive: G:eth0 -> R:eth0 ---------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med2() { printf '%s\n' "$@" | median | awk '{ printf "%.2f", $1 }'; }
bare_xdp_rx() {
  local out n t
  out="$(ip netns exec "$R" taskset -c 1 sh -c 'mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec "$0" rx eth0 "$1" busy "$2"' "$BARE_XDP" "$D" "$RING" 2>&1)" || true
  read -r n t <<<"$(tail -n 1 <<<"$out")"
  mpps "${n:-0}" "${t:-1}"
}
pb_rx() {  # METHOD-ARGS
  local out
  out="$(pb_run "$R" run -e "FromDevice(eth0, $1, BUSY_POLL true, BURST 64) -> c :: Counter -> Discard" -H c.rate)"
  awk -v r="$(hv c.rate "$out")" 'BEGIN { printf "%.2f", r / 1e6 }'
}
bare_tp_rx() {
  local out n t
  out="$(ip netns exec "$R" taskset -c 1 "$BARE_TPACKET" eth0 "$D" busy 2>&1)" || true
  read -r n t <<<"$(tail -n 1 <<<"$out")"
  mpps "${n:-0}" "${t:-1}"
}
gen_start eth0
xb=() xp=() xr=() tb=() tp=() tr=()
for ((i = 1; i <= ROUNDS; i++)); do
  b="$(bare_xdp_rx)"
  p="$(pb_rx "METHOD XDP, SNIFFER false, RING $RING")"
  xb+=("$b") xp+=("$p") xr+=("$(awk -v p="$p" -v b="$b" 'BEGIN { printf "%.4f", (b > 0 ? p / b : 0) }')")
  b="$(bare_tp_rx)"
  p="$(pb_rx "METHOD PACKET")"
  tb+=("$b") tp+=("$p") tr+=("$(awk -v p="$p" -v b="$b" 'BEGIN { printf "%.4f", (b > 0 ? p / b : 0) }')")
  echo "  round $i: bare libxdp ${xb[-1]}, patchbay XDP ${xp[-1]} ($(awk -v r="${xr[-1]}" 'BEGIN{printf "%.0f%%", r*100}')); bare TPACKET_V3 ${tb[-1]}, patchbay PACKET ${tp[-1]} ($(awk -v r="${tr[-1]}" 'BEGIN{printf "%.0f%%", r*100}'))"
done
gen_stop
pct() { awk -v r="$1" 'BEGIN { printf "%.0f%%", r * 100 }'; }
bare_xdp="$(med2 "${xb[@]}")"
row "bare libxdp AF_XDP receive (copy, busy poll)" "$bare_xdp" "~0.9 (~1.0 busy poll)" "-"
row "patchbay FromDevice(XDP) -> Counter -> Discard" "$(med2 "${xp[@]}")" "Click 0.47" \
  ">= 95% of bare, >= 0.94 (2x Click)"
echo "    median ratio to the bare program over $ROUNDS alternating rounds: $(pct "$(printf '%s\n' "${xr[@]}" | median)") (goal >= 95%)"
row "bare TPACKET_V3 receive (busy poll)" "$(med2 "${tb[@]}")" "~0.55" "-"
row "patchbay FromDevice(PACKET) -> Counter -> Discard" "$(med2 "${tp[@]}")" "~0.55 (bare)" \
  ">= 95% of bare"
echo "    median ratio to the bare program over $ROUNDS alternating rounds: $(pct "$(printf '%s\n' "${tr[@]}" | median)") (goal >= 95%)"

# --- transmit: G:eth0 -> R:eth0 (XDP_DROP on R) -----------------------------------------------
ip -n "$R" link set dev eth0 xdp obj "$DROP_OBJ" sec xdp
# The kernel releases an AF_XDP socket asynchronously after its process exits (here the
# generator of the runs above); until then binding queue 0 again fails, so try a few times.
for _ in 1 2 3 4 5; do
  out="$(ip netns exec "$G" taskset -c 1 "$BARE_XDP" tx eth0 "$D" 2>&1)" || true
  read -r n t <<<"$(tail -n 1 <<<"$out")"
  [[ "${n:-}" =~ ^[0-9]+$ ]] && break
  sleep 1
done
row "bare AF_XDP transmit" "$(mpps "${n:-0}" "${t:-1}")" "~2.0" "-"
t0=$(date +%s.%N)
out="$(pb_run "$G" run -e 'InfiniteSource(LENGTH 60, BURST 64) -> t :: ToDevice(eth0, METHOD XDP)' -H t.count -H t.drops)"
t1=$(date +%s.%N)
row "patchbay InfiniteSource -> ToDevice(XDP)" "$(mpps "$(hv t.count "$out")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")" "~2.0 (bare)" ">= 1.8"
ip -n "$R" link set dev eth0 xdp off

# --- forwarder: G:fwd -> F:in -> patchbay -> F:out -> R:sink (XDP_DROP) ------------------------
ip -n "$R" link set dev sink xdp obj "$DROP_OBJ" sec xdp
gen_start fwd
out="$(pb_run "$F" run -e "FromDevice(in, METHOD XDP, SNIFFER false, BUSY_POLL true, BURST 64, RING $RING) -> c :: Counter -> t :: ToDevice(out, METHOD XDP)" -H c.rate -H c.count -H t.count)"
fwd="$(awk -v r="$(hv c.rate "$out")" -v c="$(hv c.count "$out")" -v s="$(hv t.count "$out")" 'BEGIN { printf "%.2f", (c > 0 ? r * s / c : 0) / 1e6 }')"
row "patchbay veth-to-veth forwarder, AF_XDP" "$fwd" "-" ">= 0.8"
gen_stop
ip -n "$R" link set dev sink xdp off
