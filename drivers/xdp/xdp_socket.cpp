#include "drivers/xdp/xdp_socket.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "drivers/xdp/redirect_object.hpp"
#include "runtime/packet/packet.hpp"

namespace pb::drivers {

// One slice's frames released by the graph, on any thread, waiting for its socket's fill ring. A
// bounded MPSC ring: producers claim a slot with `tail`, publish addr+1 in it; the consumer
// (receive) takes slots in order until an empty one. It cannot overflow: at most `capacity` frames
// of a slice are ever out.
struct UmemSlice {
  UmemArea* area = nullptr;
  std::uint32_t capacity = 0;
  std::unique_ptr<std::atomic<std::uint64_t>[]> slots;
  std::atomic<std::uint64_t> tail{0};
  std::uint64_t head = 0;  // consumer only

  static void release(void* ctx, std::uint8_t*, std::uint64_t addr) noexcept;
};

// The UMEM memory outlives the registration while packets point into it.
struct UmemArea {
  ShareableMemory shared;  // fd, base, size: what ZeroCopyRing's consumer maps
  std::uint8_t* base = nullptr;
  std::uint64_t size = 0;
  std::uint32_t frame_size = 0;
  // One for the XdpUmem, one per frame handed out and not yet released.
  std::atomic<std::uint64_t> refs{1};
  std::uint32_t n_slices = 0;
  std::unique_ptr<UmemSlice[]> slices;

  void unref(std::uint64_t n = 1) {
    if (refs.fetch_sub(n, std::memory_order_acq_rel) != n) return;
    if (base) ::munmap(base, size);
    if (shared.fd >= 0) ::close(shared.fd);
    delete this;
  }
};

void UmemSlice::release(void* ctx, std::uint8_t*, std::uint64_t addr) noexcept {
  auto* s = static_cast<UmemSlice*>(ctx);
  std::uint64_t t = s->tail.fetch_add(1, std::memory_order_relaxed);
  s->slots[t % s->capacity].store(addr + 1, std::memory_order_release);
  s->area->unref();
}

struct XdpUmem::Kernel {
  xsk_umem* umem = nullptr;
  // The rings xsk_umem__create sets up: the first socket must be created with these very
  // structs (libxdp compares the pointers), and then takes a copy; later sockets get new rings.
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  bool rings_taken = false;
};

struct XdpSocket::Rings {
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
  xsk_socket* xsk = nullptr;
};

namespace {

std::string cause(const std::string& dev, const char* what, int err) {
  if (err == ENODEV) return dev + ": no such device";
  if (err == EPERM || err == EACCES)
    return dev + ": " + what + ": " + std::strerror(err) + " (needs CAP_NET_ADMIN and CAP_BPF)";
  return dev + ": " + what + ": " + std::strerror(err);
}

bool power_of_two(std::uint32_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

Result<std::uint32_t> filter_number(std::string_view w, std::uint32_t max, const char* what) {
  int base = 10;
  if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
    w.remove_prefix(2);
    base = 16;
  }
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v, base);
  if (ec != std::errc() || p != w.data() + w.size() || v > max)
    return Status::error(std::string("FILTER: bad ") + what + " '" + std::string(w) + "'");
  return v;
}

}  // namespace

Result<std::vector<XdpRule>> parse_xdp_filter(std::string_view text) {
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  std::vector<XdpRule> rules;
  if (words.empty() || (words.size() == 1 && words[0] == "all")) return rules;  // everything
  XdpRule r;
  bool empty = true;
  auto set_type = [&](std::uint16_t t) -> Status {
    if (r.ethertype && r.ethertype != t) return Status::error("FILTER: two EtherTypes in a term");
    r.ethertype = t;
    return Status::ok();
  };
  auto set_proto = [&](std::uint8_t p) -> Status {
    if (r.proto && r.proto != p) return Status::error("FILTER: two protocols in a term");
    r.proto = p;
    return Status::ok();
  };
  for (std::size_t i = 0; i <= words.size(); ++i) {
    if (i == words.size() || words[i] == "or") {
      if (empty) return Status::error("FILTER: empty term in '" + std::string(text) + "'");
      if (rules.size() == kXdpMaxRules)
        return Status::error("FILTER: more than " + std::to_string(kXdpMaxRules) + " terms");
      rules.push_back(r);
      r = XdpRule{};
      empty = true;
      continue;
    }
    std::string_view w = words[i];
    auto next = [&](const char* what) -> Result<std::string_view> {
      if (i + 1 >= words.size() || words[i + 1] == "or")
        return Status::error(std::string("FILTER: '") + std::string(w) + "' needs " + what);
      return words[++i];
    };
    Status st = Status::ok();
    if (w == "ip") {
      st = set_type(ETH_P_IP);
    } else if (w == "ip6") {
      st = set_type(ETH_P_IPV6);
    } else if (w == "arp") {
      st = set_type(ETH_P_ARP);
    } else if (w == "udp") {
      st = set_proto(IPPROTO_UDP);
    } else if (w == "tcp") {
      st = set_proto(IPPROTO_TCP);
    } else if (w == "icmp") {
      if (!(st = set_type(ETH_P_IP))) return st;
      st = set_proto(IPPROTO_ICMP);
    } else if (w == "icmp6") {
      if (!(st = set_type(ETH_P_IPV6))) return st;
      st = set_proto(IPPROTO_ICMPV6);
    } else if (w == "ether") {
      auto t = next("'type N'");
      if (!t) return t.status();
      if (*t != "type") return Status::error("FILTER: expected 'ether type N'");
      auto n = next("an EtherType");
      if (!n) return n.status();
      auto v = filter_number(*n, 0xffff, "EtherType");
      if (!v) return v.status();
      st = set_type(static_cast<std::uint16_t>(*v));
    } else if (w == "proto") {
      auto n = next("a protocol number");
      if (!n) return n.status();
      auto v = filter_number(*n, 255, "protocol");
      if (!v) return v.status();
      st = set_proto(static_cast<std::uint8_t>(*v));
    } else if (w == "port") {
      auto n = next("a port number");
      if (!n) return n.status();
      auto v = filter_number(*n, 65535, "port");
      if (!v) return v.status();
      if (*v == 0) return Status::error("FILTER: port 0");
      r.port = static_cast<std::uint16_t>(*v);
    } else {
      return Status::error("FILTER: unknown word '" + std::string(w) +
                           "' (ip, ip6, arp, ether type N, udp, tcp, icmp, icmp6, proto N, "
                           "port N, or)");
    }
    if (!st) return st;
    empty = false;
  }
  for (auto& rule : rules) {
    // A port means UDP or TCP; without a protocol the program checks both.
    if (rule.port && rule.proto && rule.proto != IPPROTO_UDP && rule.proto != IPPROTO_TCP)
      return Status::error("FILTER: 'port' needs udp or tcp");
    if ((rule.proto || rule.port) && rule.ethertype && rule.ethertype != ETH_P_IP &&
        rule.ethertype != ETH_P_IPV6)
      return Status::error("FILTER: a protocol or port needs ip or ip6");
  }
  return rules;
}

const char* xdp_mode_name(XdpMode m) {
  return m == XdpMode::native ? "native" : "generic";
}

// ---------------------------------------------------------------------------------------------
// XdpSocket

namespace {

Status check_socket_options(const XdpSocketOptions& o) {
  const std::string& dev = o.device;
  if (dev.empty() || dev.size() >= IFNAMSIZ) return Status::error("'" + dev + "': bad device name");
  if (::if_nametoindex(dev.c_str()) == 0) return Status::error(cause(dev, "if_nametoindex", errno));
  if (!power_of_two(o.ring_size) || o.ring_size < 64 || o.ring_size > 16384)
    return Status::error(dev + ": ring size must be a power of two in 64-16384");
  if (!power_of_two(o.frame_size) || o.frame_size < 2048 ||
      o.frame_size > static_cast<std::uint32_t>(::getpagesize()))
    return Status::error(dev + ": frame size must be a power of two in 2048-page size");
  return Status::ok();
}

}  // namespace

Result<std::shared_ptr<XdpUmem>> XdpUmem::create(const std::string& dev, std::uint32_t slices,
                                                 std::uint32_t ring_size,
                                                 std::uint32_t frame_size) {
  // The device and geometry are checked before anything is allocated or pinned.
  if (Status st =
          check_socket_options({.device = dev, .ring_size = ring_size, .frame_size = frame_size});
      !st)
    return st;
  if (slices == 0 || slices > kXdpMaxQueues) return Status::error(dev + ": bad UMEM slice count");
  std::shared_ptr<XdpUmem> u(new XdpUmem());
  u->device_ = dev;
  u->ring_size_ = ring_size;
  u->slice_used_.assign(slices, false);
  u->kernel_ = std::make_unique<Kernel>();

  auto* a = new UmemArea();
  a->frame_size = frame_size;
  a->size = std::uint64_t{slices} * 2 * ring_size * frame_size;
  a->n_slices = slices;
  a->slices = std::make_unique<UmemSlice[]>(slices);
  for (std::uint32_t i = 0; i < slices; ++i) {
    a->slices[i].area = a;
    a->slices[i].capacity = ring_size;
    a->slices[i].slots = std::make_unique<std::atomic<std::uint64_t>[]>(ring_size);
  }
  u->area_ = a;  // from here ~XdpUmem releases it
  // A memfd rather than anonymous memory: ZeroCopyRing's consumer maps the same pages by opening
  // /proc/<pid>/fd/<fd>. The kernel pins shmem pages for the UMEM as it does anonymous ones.
  std::string mname = "patchbay-umem:" + dev;
  a->shared.fd = ::memfd_create(mname.c_str(), MFD_CLOEXEC);
  if (a->shared.fd < 0) return Status::error(cause(dev, "memfd for the UMEM", errno));
  if (::ftruncate(a->shared.fd, static_cast<off_t>(a->size)) != 0)
    return Status::error(cause(dev, "size the UMEM", errno));
  void* m = ::mmap(nullptr, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, a->shared.fd, 0);
  if (m == MAP_FAILED) return Status::error(cause(dev, "mmap UMEM", errno));
  a->base = static_cast<std::uint8_t*>(m);
  a->shared.base = a->base;
  a->shared.size = a->size;
  static std::atomic<std::uint64_t> next_id{1};
  a->shared.id = next_id.fetch_add(1, std::memory_order_relaxed);

  xsk_umem_config uc{};
  uc.fill_size = ring_size;
  uc.comp_size = ring_size;
  uc.frame_size = frame_size;
  uc.frame_headroom = 0;
  uc.flags = 0;
  Kernel& k = *u->kernel_;
  int rc = xsk_umem__create(&k.umem, a->base, a->size, &k.fill, &k.comp, &uc);
  if (rc != 0) return Status::error(cause(dev, "UMEM registration", -rc));
  return u;
}

XdpUmem::~XdpUmem() {
  if (kernel_ && kernel_->umem) xsk_umem__delete(kernel_->umem);
  if (area_) area_->unref();
}

std::uint32_t XdpUmem::slices() const {
  return area_->n_slices;
}
std::uint32_t XdpUmem::frame_size() const {
  return area_->frame_size;
}
const ShareableMemory& XdpUmem::memory() const {
  return area_->shared;
}

int XdpUmem::take_slice() {
  for (std::size_t i = 0; i < slice_used_.size(); ++i)
    if (!slice_used_[i]) {
      slice_used_[i] = true;
      return static_cast<int>(i);
    }
  return -1;
}

void XdpUmem::give_back_slice(int slice) {
  if (slice >= 0 && static_cast<std::size_t>(slice) < slice_used_.size())
    slice_used_[static_cast<std::size_t>(slice)] = false;
}

Result<std::unique_ptr<XdpSocket>> XdpSocket::open(const XdpSocketOptions& o,
                                                   std::shared_ptr<XdpUmem> umem) {
  if (Status st = check_socket_options(o); !st) return st;
  const std::string& dev = o.device;
  if (umem->device() != dev) return Status::error(dev + ": UMEM of another device");
  if (umem->ring_size() != o.ring_size || umem->frame_size() != o.frame_size)
    return Status::error(dev + ": RING " + std::to_string(o.ring_size) +
                         " differs from the device's other AF_XDP sockets (RING " +
                         std::to_string(umem->ring_size()) + ")");
  int slice = umem->take_slice();
  if (slice < 0)
    return Status::error(dev + ": the device's UMEM has no frames left for queue " +
                         std::to_string(o.queue) + " (it was made for " +
                         std::to_string(umem->slices()) +
                         " queue(s): give the FromDevice with QUEUES first)");

  std::unique_ptr<XdpSocket> s(new XdpSocket());
  s->device_ = dev;
  s->queue_ = o.queue;
  s->umem_ = std::move(umem);
  s->slice_index_ = slice;
  s->slice_ = &s->umem_->area_->slices[static_cast<std::size_t>(slice)];
  s->area_ = s->umem_->area_->base;
  s->frame_size_ = o.frame_size;
  s->rings_ = std::make_unique<Rings>();
  Rings& r = *s->rings_;

  xsk_socket_config sc{};
  sc.rx_size = o.ring_size;
  sc.tx_size = o.ring_size;
  sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // our own program (XdpProgram)
  sc.xdp_flags = 0;
  XdpUmem::Kernel& k = *s->umem_->kernel_;
  xsk_ring_prod* fill = k.rings_taken ? &r.fill : &k.fill;
  xsk_ring_cons* comp = k.rings_taken ? &r.comp : &k.comp;
  int rc = -EOPNOTSUPP;
  if (o.copy != XdpCopyWanted::copy) {
    sc.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
    rc = xsk_socket__create_shared(&r.xsk, dev.c_str(), o.queue, k.umem, &r.rx, &r.tx, fill, comp,
                                   &sc);
    if (rc == 0) s->zerocopy_ = true;
    if (rc != 0 && o.copy == XdpCopyWanted::zerocopy)
      return Status::error(cause(dev, "zero-copy refused by the driver", -rc));
  }
  if (rc != 0) {
    sc.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
    rc = xsk_socket__create_shared(&r.xsk, dev.c_str(), o.queue, k.umem, &r.rx, &r.tx, fill, comp,
                                   &sc);
  }
  if (rc == 0 && !k.rings_taken) {
    r.fill = k.fill;
    r.comp = k.comp;
    k.rings_taken = true;
  }
  if (rc != 0) {
    if (rc == -EINVAL)
      return Status::error(dev + ": AF_XDP bind to queue " + std::to_string(o.queue) +
                           " refused (no such queue?)");
    if (rc == -EBUSY)
      return Status::error(dev + ": queue " + std::to_string(o.queue) +
                           " already has an AF_XDP socket");
    return Status::error(cause(dev, "AF_XDP socket", -rc));
  }

  // Every rx frame of the slice starts in the fill ring; the tx half is the transmit pool.
  const std::uint64_t first = std::uint64_t(slice) * 2 * o.ring_size;
  std::uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&r.fill, o.ring_size, &idx) != o.ring_size)
    return Status::error(dev + ": cannot fill the fill ring");
  for (std::uint32_t i = 0; i < o.ring_size; ++i)
    *xsk_ring_prod__fill_addr(&r.fill, idx + i) = (first + i) * o.frame_size;
  xsk_ring_prod__submit(&r.fill, o.ring_size);
  s->tx_free_.reserve(o.ring_size);
  for (std::uint32_t i = 2 * o.ring_size; i-- > o.ring_size;)
    s->tx_free_.push_back((first + i) * o.frame_size);
  return s;
}

XdpSocket::~XdpSocket() {
  // The socket goes before the UMEM it shares (libxdp refuses to delete a UMEM in use).
  if (rings_ && rings_->xsk) xsk_socket__delete(rings_->xsk);
  if (umem_) umem_->give_back_slice(slice_index_);
}

int XdpSocket::fd() const {
  return xsk_socket__fd(rings_->xsk);
}

void XdpSocket::refill() {
  UmemSlice& u = *slice_;
  Rings& r = *rings_;
  std::uint32_t ready = 0;
  while (ready < u.capacity &&
         u.slots[(u.head + ready) % u.capacity].load(std::memory_order_acquire) != 0)
    ++ready;
  if (ready == 0) return;
  std::uint32_t idx = 0;
  std::uint32_t n = xsk_ring_prod__reserve(&r.fill, ready, &idx);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto& slot = u.slots[(u.head + i) % u.capacity];
    *xsk_ring_prod__fill_addr(&r.fill, idx + i) = slot.load(std::memory_order_relaxed) - 1;
    slot.store(0, std::memory_order_relaxed);
  }
  u.head += n;
  xsk_ring_prod__submit(&r.fill, n);
}

std::uint32_t XdpSocket::receive(Batch& out, std::uint32_t max) {
  Rings& r = *rings_;
  refill();
  if (xsk_ring_prod__needs_wakeup(&r.fill))
    ::recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
  max = std::min(max, out.room());
  std::uint32_t idx = 0;
  std::uint32_t n = xsk_ring_cons__peek(&r.rx, max, &idx);
  if (n == 0) return 0;
  UmemSlice& sl = *slice_;
  sl.area->refs.fetch_add(n, std::memory_order_relaxed);
  const std::uint64_t mask = ~std::uint64_t{frame_size_ - 1};
  const ExternalRelease rel{&UmemSlice::release, &sl, 0, &sl.area->shared};
  for (std::uint32_t i = 0; i < n; ++i) {
    const xdp_desc* d = xsk_ring_cons__rx_desc(&r.rx, idx + i);
    std::uint64_t base = d->addr & mask;
    ExternalRelease fr = rel;
    fr.cookie = base;
    out.append(Packet::wrap(area_ + base, frame_size_, static_cast<std::uint32_t>(d->addr - base),
                            d->len, fr));
  }
  xsk_ring_cons__release(&r.rx, n);
  received_ += n;
  return n;
}

void XdpSocket::reclaim() {
  Rings& r = *rings_;
  std::uint32_t idx = 0;
  std::uint32_t n = xsk_ring_cons__peek(&r.comp, rings_->comp.size, &idx);
  for (std::uint32_t i = 0; i < n; ++i)
    tx_free_.push_back(*xsk_ring_cons__comp_addr(&r.comp, idx + i));
  if (n) xsk_ring_cons__release(&r.comp, n);
  tx_outstanding_ -= n;
}

void XdpSocket::kick_tx() {
  if (!xsk_ring_prod__needs_wakeup(&rings_->tx)) return;
  if (::sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && errno != EAGAIN &&
      errno != EBUSY && errno != ENOBUFS && errno != EINTR)
    last_error_ = device_ + ": AF_XDP transmit: " + std::strerror(errno);
}

std::uint32_t XdpSocket::send(const Batch& b) {
  Rings& r = *rings_;
  reclaim();
  if (tx_free_.size() < b.size() && tx_outstanding_ > 0) {
    kick_tx();  // copy mode transmits inside sendto: completions are there right after
    reclaim();
  }
  std::uint32_t want =
      std::min<std::uint32_t>(b.size(), static_cast<std::uint32_t>(tx_free_.size()));
  std::uint32_t idx = 0;
  std::uint32_t n = xsk_ring_prod__reserve(&r.tx, want, &idx);
  std::uint32_t queued = 0;
  const std::uint32_t fs = frame_size_;
  for (std::uint32_t i = 0; i < b.size() && queued < n; ++i) {
    const Packet& p = b[i];
    if (p.length() > fs) {  // cannot be sent; counted as not sent by the caller
      last_error_ = device_ + ": frame of " + std::to_string(p.length()) + " bytes above " +
                    std::to_string(fs);
      break;
    }
    std::uint64_t addr = tx_free_.back();
    tx_free_.pop_back();
    std::memcpy(area_ + addr, p.data(), p.length());
    xdp_desc* d = xsk_ring_prod__tx_desc(&r.tx, idx + queued);
    d->addr = addr;
    d->len = p.length();
    d->options = 0;
    ++queued;
  }
  if (queued < n) {
    // Give back the slots we reserved but did not use: rewrite them as zero-length is not
    // allowed, so submit only `queued` (the producer index only moves by what we submit).
    r.tx.cached_prod -= n - queued;
  }
  if (queued) {
    xsk_ring_prod__submit(&r.tx, queued);
    tx_outstanding_ += queued;
    kick_tx();
  }
  return queued;
}

std::uint64_t XdpSocket::kernel_drops() const {
  xdp_statistics st{};
  socklen_t len = sizeof st;
  if (::getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &st, &len) != 0) return 0;
  // A frame lost for want of a fill frame counts in rx_dropped (and again, as an attempt, in
  // rx_fill_ring_empty_descs); one lost to a full rx ring only in rx_ring_full.
  return st.rx_dropped + st.rx_ring_full;
}

// ---------------------------------------------------------------------------------------------
// XdpProgram

Result<std::unique_ptr<XdpProgram>> XdpProgram::attach(const std::string& dev, XdpModeWanted mode,
                                                       const std::vector<XdpRule>& rules,
                                                       std::string* note) {
  unsigned ifindex = ::if_nametoindex(dev.c_str());
  if (ifindex == 0) return Status::error(cause(dev, "if_nametoindex", errno));
  if (rules.size() > kXdpMaxRules) return Status::error(dev + ": too many filter rules");
  std::unique_ptr<XdpProgram> p(new XdpProgram());
  p->device_ = dev;
  p->rules_ = rules;
  libbpf_set_print(nullptr);  // libbpf's own messages would bypass our diagnostics
  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "pb_redirect");
  p->obj_ = bpf_object__open_mem(kRedirectObject, kRedirectObjectSize, &oo);
  if (!p->obj_) return Status::error(cause(dev, "open BPF object", errno));
  if (int rc = bpf_object__load(p->obj_); rc != 0)
    return Status::error(cause(dev, "load the XDP redirect program", -rc));
  bpf_program* prog = bpf_object__find_program_by_name(p->obj_, "pb_redirect");
  if (!prog) return Status::error(dev + ": redirect program missing from the object");
  p->xsks_fd_ = bpf_object__find_map_fd_by_name(p->obj_, "xsks");
  p->stats_fd_ = bpf_object__find_map_fd_by_name(p->obj_, "stats");
  int rules_fd = bpf_object__find_map_fd_by_name(p->obj_, "rules");
  if (p->xsks_fd_ < 0 || p->stats_fd_ < 0 || rules_fd < 0)
    return Status::error(dev + ": redirect program maps missing");
  // No rule = everything: one rule whose fields are all "any".
  std::vector<XdpRule> slots = rules.empty() ? std::vector<XdpRule>{XdpRule{}} : rules;
  for (std::uint32_t i = 0; i < slots.size(); ++i)
    if (bpf_map_update_elem(rules_fd, &i, &slots[i], BPF_ANY) != 0)
      return Status::error(cause(dev, "set the filter", errno));

  auto link = [&](std::uint32_t flags) {
    LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
    int fd = bpf_link_create(bpf_program__fd(prog), static_cast<int>(ifindex), BPF_XDP, &lo);
    return fd < 0 ? -errno : fd;
  };
  int fd = -EOPNOTSUPP;
  if (mode != XdpModeWanted::generic) {
    fd = link(XDP_FLAGS_DRV_MODE);
    if (fd >= 0) p->mode_ = XdpMode::native;
    if (fd == -EBUSY || fd == -EEXIST)
      return Status::error(dev + ": another XDP program is already attached");
    if (fd < 0 && mode == XdpModeWanted::native)
      return Status::error(cause(dev, "XDP native mode refused by the driver", -fd));
    if (fd < 0 && note)
      *note = dev + ": XDP native mode refused by the driver (" + std::strerror(-fd) +
              "), using generic";
  }
  if (fd < 0) {
    fd = link(XDP_FLAGS_SKB_MODE);
    p->mode_ = XdpMode::generic;
  }
  if (fd == -EBUSY || fd == -EEXIST)
    return Status::error(dev + ": another XDP program is already attached");
  if (fd < 0) return Status::error(cause(dev, "attach the XDP program", -fd));
  p->link_fd_ = fd;
  return p;
}

XdpProgram::~XdpProgram() {
  if (link_fd_ >= 0) ::close(link_fd_);
  if (obj_) bpf_object__close(obj_);
}

Status XdpProgram::add_socket(std::uint32_t queue, int fd) {
  if (queue >= kXdpMaxQueues)
    return Status::error(device_ + ": queue " + std::to_string(queue) + " above " +
                         std::to_string(kXdpMaxQueues - 1));
  if (bpf_map_update_elem(xsks_fd_, &queue, &fd, BPF_ANY) != 0)
    return Status::error(cause(device_, "add the socket to the XSK map", errno));
  return Status::ok();
}

void XdpProgram::remove_socket(std::uint32_t queue) {
  bpf_map_delete_elem(xsks_fd_, &queue);
}

std::uint64_t XdpProgram::stat(std::uint32_t which) const {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return 0;
  std::vector<std::uint64_t> v(static_cast<std::size_t>(ncpu));
  if (bpf_map_lookup_elem(stats_fd_, &which, v.data()) != 0) return 0;
  std::uint64_t sum = 0;
  for (auto x : v) sum += x;
  return sum;
}

std::uint64_t XdpProgram::redirected() const {
  return stat(0);
}
std::uint64_t XdpProgram::passed() const {
  return stat(1);
}

}  // namespace pb::drivers
