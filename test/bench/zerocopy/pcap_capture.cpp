// pb_zc_pcap_capture DEV SECONDS — the libpcap baseline of the SEPCOM capture bench (the
// paper's Figure 3): captures UDP-over-IPv4 frames on DEV (the filter ZeroCopyRing's config
// applies with a Classifier) and does zc-monitor's work per packet — the same flow key, the same
// per-flow packet and byte counts — for SECONDS (0: until SIGINT or SIGTERM), then prints
//   "captured P packets B bytes F flows in S s; kernel drops D".
#include <pcap/pcap.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "drivers/zcring/flow_key.hpp"

namespace {

struct Stats {
  std::uint64_t packets = 0, bytes = 0;
};
std::unordered_map<std::string, Stats> g_flows;
std::uint64_t g_packets = 0, g_bytes = 0;
volatile sig_atomic_t g_stop = 0;
pcap_t* g_pcap = nullptr;

void on_signal(int) {
  g_stop = 1;
  // libpcap restarts its poll() after EINTR unless told to break (this is its documented use).
  if (g_pcap) pcap_breakloop(g_pcap);
}

void on_packet(unsigned char*, const pcap_pkthdr* h, const unsigned char* data) {
  Stats& s = g_flows[pb::zc::flow_key(data, h->caplen)];
  ++s.packets;
  s.bytes += h->len;
  ++g_packets;
  g_bytes += h->len;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DEV SECONDS\n", argv[0]);
    return 2;
  }
  double seconds = std::atof(argv[2]);
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(argv[1], err);
  if (!p) {
    std::fprintf(stderr, "pcap_create: %s\n", err);
    return 1;
  }
  pcap_set_snaplen(p, 2048);
  pcap_set_promisc(p, 1);
  pcap_set_immediate_mode(p, 0);
  pcap_set_buffer_size(p, 16 << 20);  // the ring ZeroCopyRing's AUTO-sized region roughly matches
  pcap_set_timeout(p, 10);
  if (pcap_activate(p) < 0) {
    std::fprintf(stderr, "pcap_activate: %s\n", pcap_geterr(p));
    return 1;
  }
  bpf_program prog;
  if (pcap_compile(p, &prog, "ip and udp", 1, PCAP_NETMASK_UNKNOWN) < 0 ||
      pcap_setfilter(p, &prog) < 0) {
    std::fprintf(stderr, "filter: %s\n", pcap_geterr(p));
    return 1;
  }
  pcap_freecode(&prog);
  g_pcap = p;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (!g_stop && (seconds <= 0 || elapsed < seconds)) {
    if (pcap_dispatch(p, 256, on_packet, nullptr) < 0) break;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  pcap_stat st{};
  pcap_stats(p, &st);
  std::printf("captured %llu packets %llu bytes %zu flows in %.2f s; kernel drops %u\n",
              static_cast<unsigned long long>(g_packets), static_cast<unsigned long long>(g_bytes),
              g_flows.size(), elapsed, st.ps_drop);
  pcap_close(p);
  return 0;
}
