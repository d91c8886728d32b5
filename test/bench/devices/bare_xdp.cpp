// Bare AF_XDP reference programs for pb_bench_devices, written the way a libxdp user would, with
// nothing of patchbay in them:
//   bare_xdp rx DEV SECONDS [busy|poll [RING]]   receive in copy mode through libxdp's own redirect
//   program
//                                    (its dispatcher fails with EPERM on the lab kernels and
//                                    libxdp falls back to a single program: bpffs must be
//                                    mounted), count frames, print "<frames> <seconds>"
//   bare_xdp tx DEV SECONDS          transmit 60-byte frames (64 on the wire) as fast as the
//                                    socket takes them; print "<frames> <seconds>"
// Also the generator of the receive benchmarks (tx mode, pinned on the other CPU).
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Ring size (fill, rx, tx, completion); the UMEM has twice as many 2 KiB frames. Set by the
// optional RING argument: on a loaded machine a receiver that loses its CPU for a few ms drops
// whatever the fill ring cannot absorb, so the benchmark gives both programs the same deep ring.
std::uint32_t kRing = 2048;
constexpr std::uint32_t kFrame = 2048;
std::uint32_t kFrames = 2 * kRing;
constexpr std::uint32_t kBatch = 64;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Xsk {
  void* area = nullptr;
  xsk_umem* umem = nullptr;
  xsk_socket* xsk = nullptr;
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
};

int open_xsk(Xsk& x, const char* dev, bool rx) {
  x.area = ::mmap(nullptr, std::size_t{kFrames} * kFrame, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (x.area == MAP_FAILED) return -errno;
  xsk_umem_config uc{kRing, kRing, kFrame, 0, 0};
  if (int rc =
          xsk_umem__create(&x.umem, x.area, std::size_t{kFrames} * kFrame, &x.fill, &x.comp, &uc))
    return rc;
  xsk_socket_config sc{};
  sc.rx_size = kRing;
  sc.tx_size = kRing;
  // rx: libxdp loads and attaches its default program (native mode where the driver has it);
  // tx: no program needed.
  sc.libxdp_flags = rx ? 0 : XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  sc.xdp_flags = std::getenv("PB_BARE_GENERIC") ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
  sc.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
  int rc =
      xsk_socket__create(&x.xsk, dev, 0, x.umem, rx ? &x.rx : nullptr, rx ? nullptr : &x.tx, &sc);
  if (rc == 0 || !rx) return rc;
  sc.xdp_flags = XDP_FLAGS_SKB_MODE;
  return xsk_socket__create(&x.xsk, dev, 0, x.umem, &x.rx, nullptr, &sc);
}

long receive(Xsk& x, double seconds, bool busy) {
  std::uint32_t idx = 0;
  xsk_ring_prod__reserve(&x.fill, kRing, &idx);
  for (std::uint32_t i = 0; i < kRing; ++i)
    *xsk_ring_prod__fill_addr(&x.fill, idx + i) = i * kFrame;
  xsk_ring_prod__submit(&x.fill, kRing);
  long frames = 0;
  pollfd pfd{xsk_socket__fd(x.xsk), POLLIN, 0};
  double end = now() + seconds;
  std::uint32_t spins = 0;
  while (true) {
    if ((++spins & 1023) == 0 && now() >= end) break;
    std::uint32_t n = xsk_ring_cons__peek(&x.rx, kBatch, &idx);
    if (n == 0) {
      if (!busy)
        ::poll(&pfd, 1, 10);
      else if (xsk_ring_prod__needs_wakeup(&x.fill))
        ::recvfrom(pfd.fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
      continue;
    }
    std::uint32_t fidx = 0;
    while (xsk_ring_prod__reserve(&x.fill, n, &fidx) != n) {
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      const xdp_desc* d = xsk_ring_cons__rx_desc(&x.rx, idx + i);
      *xsk_ring_prod__fill_addr(&x.fill, fidx + i) = d->addr & ~std::uint64_t{kFrame - 1};
    }
    xsk_ring_cons__release(&x.rx, n);
    xsk_ring_prod__submit(&x.fill, n);
    frames += n;
  }
  return frames;
}

long transmit(Xsk& x, double seconds) {
  // dst 02:00:00:77:00:02, src 02:00:00:77:00:01, EtherType 0x88b5, zero fill: 60 bytes.
  const unsigned char head[14] = {2, 0, 0, 0x77, 0, 2, 2, 0, 0, 0x77, 0, 1, 0x88, 0xb5};
  std::vector<std::uint64_t> free_frames;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    std::memcpy(static_cast<char*>(x.area) + std::size_t{i} * kFrame, head, sizeof head);
    free_frames.push_back(std::uint64_t{i} * kFrame);
  }
  long sent = 0;
  double end = now() + seconds;
  std::uint32_t spins = 0;
  while (true) {
    if ((++spins & 255) == 0 && now() >= end) break;
    std::uint32_t idx = 0;
    std::uint32_t done = xsk_ring_cons__peek(&x.comp, kRing, &idx);
    for (std::uint32_t i = 0; i < done; ++i)
      free_frames.push_back(*xsk_ring_cons__comp_addr(&x.comp, idx + i));
    if (done) xsk_ring_cons__release(&x.comp, done);
    std::uint32_t n =
        std::min<std::uint32_t>(kBatch, static_cast<std::uint32_t>(free_frames.size()));
    n = xsk_ring_prod__reserve(&x.tx, n, &idx);
    for (std::uint32_t i = 0; i < n; ++i) {
      xdp_desc* d = xsk_ring_prod__tx_desc(&x.tx, idx + i);
      d->addr = free_frames.back();
      d->len = 60;
      d->options = 0;
      free_frames.pop_back();
    }
    xsk_ring_prod__submit(&x.tx, n);
    sent += n;
    if (xsk_ring_prod__needs_wakeup(&x.tx))
      ::sendto(xsk_socket__fd(x.xsk), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
  }
  return sent;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bare_xdp rx|tx DEV SECONDS [busy|poll [RING]]\n");
    return 2;
  }
  if (argc > 5) {
    kRing = static_cast<std::uint32_t>(std::atoi(argv[5]));
    kFrames = 2 * kRing;
  }
  std::string mode = argv[1];
  double seconds = std::atof(argv[3]);
  Xsk x;
  if (int rc = open_xsk(x, argv[2], mode == "rx"); rc != 0) {
    std::fprintf(stderr, "bare_xdp: %s: %s\n", argv[2], std::strerror(-rc));
    return 1;
  }
  double t0 = now();
  long n = mode == "rx" ? receive(x, seconds, argc > 4 && std::string(argv[4]) == "busy")
                        : transmit(x, seconds);
  double t = now() - t0;
  xdp_statistics st{};
  socklen_t len = sizeof st;
  if (::getsockopt(xsk_socket__fd(x.xsk), SOL_XDP, XDP_STATISTICS, &st, &len) == 0 && mode == "rx")
    std::fprintf(stderr, "bare_xdp: dropped %llu, rx ring full %llu, fill empty %llu\n",
                 static_cast<unsigned long long>(st.rx_dropped),
                 static_cast<unsigned long long>(st.rx_ring_full),
                 static_cast<unsigned long long>(st.rx_fill_ring_empty_descs));
  xsk_socket__delete(x.xsk);
  xsk_umem__delete(x.umem);
  std::printf("%ld %.3f\n", n, t);
  return 0;
}
