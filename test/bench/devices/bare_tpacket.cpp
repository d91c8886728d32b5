// Bare TPACKET_V3 reference receiver for pb_bench_devices: an AF_PACKET socket with a V3 ring of
// 64 blocks of 256 KiB (patchbay's defaults), walked block by block; nothing of patchbay in it.
//   bare_tpacket DEV SECONDS [busy]   prints "<frames> <seconds>"
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bare_tpacket DEV SECONDS [busy]\n");
    return 2;
  }
  const bool busy = argc > 3 && std::string(argv[3]) == "busy";
  constexpr unsigned kBlock = 1u << 18, kBlocks = 64;
  int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
  int v = TPACKET_V3;
  tpacket_req3 req{};
  req.tp_block_size = kBlock;
  req.tp_block_nr = kBlocks;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = kBlock / 2048 * kBlocks;
  req.tp_retire_blk_tov = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0 ||
      ::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    std::perror("bare_tpacket: socket");
    return 1;
  }
  auto* map = static_cast<std::uint8_t*>(
      ::mmap(nullptr, std::size_t{kBlock} * kBlocks, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(::if_nametoindex(argv[1]));
  if (map == MAP_FAILED || ::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    std::perror("bare_tpacket: mmap/bind");
    return 1;
  }
  double t0 = now(), end = t0 + std::atof(argv[2]);
  long frames = 0;
  unsigned cur = 0;
  pollfd pfd{fd, POLLIN, 0};
  while (now() < end) {
    auto* bd = reinterpret_cast<tpacket_block_desc*>(map + std::size_t{cur} * kBlock);
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
      if (!busy) ::poll(&pfd, 1, 10);
      continue;
    }
    frames += bd->hdr.bh1.num_pkts;  // a reader touching each frame header would add little
    auto* p = reinterpret_cast<std::uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
    for (unsigned i = 0; i < bd->hdr.bh1.num_pkts; ++i) {
      auto* h = reinterpret_cast<tpacket3_hdr*>(p);
      __asm__ volatile("" : : "r"(p[h->tp_mac]));
      p += h->tp_next_offset;
    }
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    cur = (cur + 1) % kBlocks;
  }
  std::printf("%ld %.3f\n", frames, now() - t0);
  return 0;
}
