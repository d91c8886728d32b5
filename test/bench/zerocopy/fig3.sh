#!/usr/bin/env bash
# SEPCOM Figure 3: capture rate of `patchbay zc-monitor` (FromDevice -> Classifier ->
# ZeroCopyRing, configs/zerocopy/veth-capture.click) vs pb_zc_pcap_capture (libpcap, the same
# per-flow work: drivers/zcring/flow_key.hpp and a hash map) on the same veth traffic.
#   fig3.sh PATCHBAY PCAP_CAPTURE NETLAB CONFIG [SECONDS] [quick]
# Placement (2 CPUs): trafgen sends from namespace g on CPU 0, where the veth's receive work
# (softirq, the copy into each packet socket's ring) also runs; the capturing program — libpcap's
# process, or zc-monitor, the ring's consumer — has CPU 1 to itself. The patchbay router that
# fills the ring plays the part of SEPCOM's driver and runs on CPU 0 beside the kernel's work.
# For each offered rate (trafgen -b; max: as fast as it can) trafgen sends SECONDS' worth of
# frames to each program in turn; a row gives frames sent, delivered by the veth (and its rate)
# and captured, the exact share captured, and the load average.
# Rings: UNITS AUTO (the model's n, ~1500 here: 15 ms of traffic at 100 kpps) and 65536 units,
# about as many 64-byte frames as libpcap's 16 MiB TPACKET_V3 buffer holds; both absorb the
# bursts trafgen sends when it catches up after being descheduled only if they are that deep.
# Measures, never asserts; prints SKIP and exits 0 without root or trafgen.
set -euo pipefail
PATCHBAY="$1" PCAP_CAPTURE="$2" NETLAB="$3" CONFIG="$4" D="${5:-5}" QUICK="${6:-}"
[[ $(id -u) -eq 0 ]] || { echo "Figure 3: SKIP (needs root for namespaces)"; exit 0; }
command -v trafgen >/dev/null || { echo "Figure 3: SKIP (no trafgen)"; exit 0; }
GEN_CPU=0 CAP_CPU=1
XDP_CONFIG="$(dirname "$CONFIG")/xdp-capture.click"
# The capturing program runs SCHED_FIFO when it can, so that "CPU 1 to itself" holds even while
# other work is scheduled there (the kernel's RT throttling still leaves others 5 %).
RT=()
chrt -f 10 true 2>/dev/null && RT=(chrt -f 10)
RATES=(50000 100000 200000 max)
[[ -n "$QUICK" ]] && RATES=(100000)

PREFIX="pbz-$$"
WORK="$(mktemp -d)"
TOPO="$WORK/topo"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 -- "-$p" 2>/dev/null || kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$NETLAB" -p "$PREFIX" down "$TOPO" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cat >"$TOPO" <<TOPO
host g
host r
link g:eth0=10.77.0.1/24 r:eth0=10.77.0.2/24 offload=off
TOPO
"$NETLAB" -p "$PREFIX" up "$TOPO" >/dev/null
G="$PREFIX-g" R="$PREFIX-r"
MAC="$(ip -n "$R" -br link show eth0 | awk '{print $3}')"
# Four flows, so the per-flow work has something to do.
{
  for sport in 1000 1001 1002 1003; do
    echo "{ eth(da=$MAC), ipv4(saddr=10.77.0.1, daddr=10.77.0.2), udp(sport=$sport, dport=2000), fill(0x41, 18) }"
  done
} >"$WORK/gen.cfg"
export PB_ZC_DIR="$WORK"

stat_of() { ip netns exec "$1" cat "/sys/class/net/eth0/statistics/$2"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
# One measurement: the capture program is started and ready before any traffic; trafgen then
# sends exactly COUNT frames (at RATE, or as fast as it can), and the program is stopped 0.5 s
# after trafgen ends. The share captured is exact: frames the program counted over frames the
# receiving veth delivered in between (no rates over mismatched windows).
send_burst() {  # RATE COUNT; sets SENT DELIVERED SECS
  local rate=() tx0 rx0 t0 t1
  [[ "$1" != max ]] && rate=(-b "${1}pps")
  tx0="$(stat_of "$G" tx_packets)" rx0="$(stat_of "$R" rx_packets)" t0="$(now)"
  ip netns exec "$G" taskset -c "$GEN_CPU" trafgen --no-sock-mem -q -i "$WORK/gen.cfg" -o eth0 \
    --cpus 1 -n "$2" "${rate[@]}" >/dev/null 2>&1 || true
  t1="$(now)"
  sleep 0.5
  SENT=$(($(stat_of "$G" tx_packets) - tx0)) DELIVERED=$(($(stat_of "$R" rx_packets) - rx0))
  SECS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}
row() {  # NAME RATE CAPTURED NOTES
  awk -v n="$1" -v r="$2" -v s="$SENT" -v d="$DELIVERED" -v c="$3" -v t="$SECS" -v x="$4" \
    -v l="$(load)" 'BEGIN {
    printf "%-24s %8s %9d %10.0f %9d %9d %8.2f%%  %5s  %s\n", n, r, s, d / t, d, c,
      d ? 100 * c / d : 0, l, x }'
}
echo "trafgen and the router on CPU $GEN_CPU; the capturing program on CPU $CAP_CPU, ${RT[*]:-SCHED_OTHER}"
printf '%-24s %8s %9s %10s %9s %9s %9s  %5s  %s\n' "capture (64 B UDP, 4 flows)" offered sent \
  delivered/s delivered captured captured load notes
count_for() { [[ "$1" == max ]] && echo $((D * 800000)) || echo $(($1 * D)); }

zc_run() {  # RATE NAME UNITS|xdp [monitor options]
  local rate="$1" label="$2" units="$3" rpid mpid cfg
  shift 3
  cfg=("$CONFIG" DEV=eth0 NAME=fig3 RATE=1000000 UNITS="$units")
  # The UMEM mode: FromDevice(METHOD XDP) lends its frames in place (no copy at all). The
  # kernel fills the UMEM while the router waits for CPU 0 (trafgen's), so the device ring is as
  # deep as AF_XDP allows (16384 frames, ~80 ms at 200 kpps; PACKET's 16 MiB ring holds more),
  # and the ring lends up to half of them. bpffs must be mounted inside the namespace.
  [[ "$units" == xdp ]] && cfg=("$XDP_CONFIG" DEV=eth0 NAME=fig3 FILTER=udp RING=16384 UNITS=8192)
  # The router (SEPCOM's driver) on the generator's CPU, one worker; the monitor alone on the
  # capture CPU. The router is killed at the end: what is measured is the monitor's count.
  ip netns exec "$R" taskset -c "$GEN_CPU" sh -c 'mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec "$@"' \
    sh "$PATCHBAY" run -j 1 "${cfg[@]}" >"$WORK/pb.log" 2>&1 &
  rpid=$!
  PIDS+=("$rpid")
  ip netns exec "$R" "${RT[@]}" taskset -c "$CAP_CPU" "$PATCHBAY" zc-monitor fig3 --top 4 --stats "$@" \
    >"$WORK/mon.out" 2>&1 &
  mpid=$!
  PIDS+=("$mpid")
  for _ in $(seq 100); do
    ls "$WORK"/patchbay-zc.fig3 >/dev/null 2>&1 && break
    sleep 0.05
  done
  sleep 0.5  # the monitor attaches (it retries while the ring does not exist yet)
  send_burst "$rate" "$(count_for "$rate")"
  kill -INT "$mpid" 2>/dev/null || true
  wait "$mpid" 2>/dev/null || true
  kill -9 "$rpid" 2>/dev/null || true
  wait "$rpid" 2>/dev/null || true
  PIDS=("${PIDS[@]:0:${#PIDS[@]}-2}")
  local captured ring
  captured="$(grep -m1 '(final)' "$WORK/mon.out" | sed -n 's/.*: \([0-9]*\) packets.*/\1/p')"
  ring="$(sed -n 's/^ring fig3: \(n [0-9]*\),.*no_unit_drops \([0-9]*\).*/\1, cond2 drops \2/p' \
    "$WORK/mon.out")"
  row "$label" "$rate" "${captured:-0}" "$ring"
  [[ -n "$captured" ]] || sed 's/^/    /' "$WORK/mon.out" "$WORK/pb.log"
}

pcap_run() {  # RATE
  local rate="$1" ppid captured
  ip netns exec "$R" "${RT[@]}" taskset -c "$CAP_CPU" "$PCAP_CAPTURE" eth0 0 >"$WORK/pcap.out" 2>&1 &
  ppid=$!
  PIDS+=("$ppid")
  for _ in $(seq 100); do grep -q ready "$WORK/pcap.out" && break; sleep 0.05; done
  send_burst "$rate" "$(count_for "$rate")"
  kill -INT "$ppid" 2>/dev/null || true
  wait "$ppid" 2>/dev/null || true
  unset 'PIDS[-1]'
  captured="$(sed -n 's/^captured \([0-9]*\) packets.*/\1/p' "$WORK/pcap.out")"
  row "libpcap" "$rate" "${captured:-0}" "$(sed -n 's/.*\(kernel drops [0-9]*\).*/\1/p' \
    "$WORK/pcap.out")"
  [[ -n "$captured" ]] || sed 's/^/    /' "$WORK/pcap.out"
}

for rate in "${RATES[@]}"; do
  zc_run "$rate" "zc-monitor, n AUTO" AUTO
  zc_run "$rate" "zc-monitor, n 65536" 65536
  zc_run "$rate" "  the same, --busy-poll" 65536 --busy-poll
  [[ -f "$XDP_CONFIG" ]] && zc_run "$rate" "zc-monitor, UMEM (XDP)" xdp
  pcap_run "$rate"
done
echo "reference (the paper's Figure 3): SEPCOM's zero-copy capture keeps up at rates where"
echo "libpcap loses packets."
