#include "drivers/packet/packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "runtime/packet/packet.hpp"

namespace pb::drivers {

struct RxRing {
  std::uint8_t* map = nullptr;
  std::size_t map_len = 0;
  std::uint32_t block_size = 0;
  std::uint32_t block_count = 0;
  int fd = -1;
  // One for the socket, one per block the reader handed out and not yet returned.
  std::atomic<std::uint32_t> refs{1};
  // Per block: packets still alive + 1 while the reader is walking the block.
  std::unique_ptr<std::atomic<std::uint32_t>[]> block_refs;
  // Reader position (reader thread only).
  std::uint32_t cur_block = 0;
  std::uint32_t left_in_block = 0;  // packets of cur_block not handed out yet; 0 = not opened
  std::uint8_t* next_pkt = nullptr;

  tpacket_block_desc* block(std::uint32_t i) const {
    return reinterpret_cast<tpacket_block_desc*>(map + std::size_t{i} * block_size);
  }
  void unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    ::munmap(map, map_len);
    ::close(fd);
    delete this;
  }
  // The last reference to block i is gone: hand it back to the kernel.
  void put_block(std::uint32_t i) {
    if (block_refs[i].fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    __atomic_store_n(&block(i)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    unref();
  }
  static void release(void* ctx, std::uint8_t*, std::uint64_t cookie) noexcept {
    static_cast<RxRing*>(ctx)->put_block(static_cast<std::uint32_t>(cookie));
  }
};

namespace {

std::string cause(const std::string& dev, const char* what, int err) {
  if (err == ENODEV) return dev + ": no such device";
  if (err == EPERM || err == EACCES)
    return dev + ": " + what + ": " + std::strerror(err) + " (needs CAP_NET_RAW)";
  return dev + ": " + what + ": " + std::strerror(err);
}

}  // namespace

Result<std::unique_ptr<PacketSocket>> PacketSocket::open(const PacketSocketOptions& o) {
  const std::string& dev = o.device;
  if (dev.empty() || dev.size() >= IFNAMSIZ) return Status::error("'" + dev + "': bad device name");
  unsigned idx = ::if_nametoindex(dev.c_str());
  if (idx == 0) return Status::error(cause(dev, "if_nametoindex", errno));

  std::unique_ptr<PacketSocket> s(new PacketSocket());
  s->device_ = dev;
  s->ifindex_ = static_cast<int>(idx);
  // Protocol 0 until bound: a socket created with ETH_P_ALL would receive from every device
  // between socket() and bind().
  s->fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd_ < 0) return Status::error(cause(dev, "socket(AF_PACKET)", errno));
  int fd = s->fd_;

  if (o.receive) {
    if (o.block_size == 0 || o.block_size % static_cast<std::uint32_t>(::getpagesize()) != 0 ||
        o.frame_size < TPACKET_ALIGNMENT || o.block_size % o.frame_size != 0)
      return Status::error(dev + ": bad ring geometry");
    int v = TPACKET_V3;
    if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
      return Status::error(cause(dev, "PACKET_VERSION V3", errno));
    if (!o.outbound) {
      // Without it a bridge's FromDevice(b) would see what ToDevice(b) sends and loop it back.
      int one = 1;
      if (::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
        return Status::error(cause(dev, "PACKET_IGNORE_OUTGOING", errno));
    }
    tpacket_req3 req{};
    req.tp_block_size = o.block_size;
    req.tp_block_nr = o.block_count;
    req.tp_frame_size = o.frame_size;
    req.tp_frame_nr = o.block_size / o.frame_size * o.block_count;
    req.tp_retire_blk_tov = o.block_timeout_ms;
    if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
      return Status::error(cause(dev, "PACKET_RX_RING", errno));
    std::size_t len = std::size_t{o.block_size} * o.block_count;
    void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
    if (m == MAP_FAILED) m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return Status::error(cause(dev, "mmap ring", errno));
    auto* r = new RxRing();
    r->map = static_cast<std::uint8_t*>(m);
    r->map_len = len;
    r->block_size = o.block_size;
    r->block_count = o.block_count;
    r->fd = fd;
    r->block_refs = std::make_unique<std::atomic<std::uint32_t>[]>(o.block_count);
    s->ring_ = r;  // from here the ring owns the fd
  }

  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = o.receive ? htons(ETH_P_ALL) : 0;
  sll.sll_ifindex = s->ifindex_;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0)
    return Status::error(cause(dev, "bind", errno));

  if (o.promisc) {  // also without receiving: FromDevice holds promiscuity this way for XDP and TAP
    packet_mreq mr{};
    mr.mr_ifindex = s->ifindex_;
    mr.mr_type = PACKET_MR_PROMISC;
    if (::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
      return Status::error(cause(dev, "promiscuous mode", errno));
    s->promisc_ = true;
  }
  if (o.receive && o.fanout_group >= 0) {
    if (o.fanout_group > 0xffff) return Status::error(dev + ": fanout group above 65535");
    // PACKET_IGNORE_OUTGOING does not reach a fanout group: the group has its own flag
    // (Linux 6.5; missing from older headers). Older kernels refuse it, and then receive()
    // drops the outgoing copies itself.
    constexpr std::uint32_t kFanoutIgnoreOutgoing = 0x4000;
    std::uint32_t mode = o.fanout_mode | (o.outbound ? 0 : kFanoutIgnoreOutgoing);
    int arg = static_cast<int>((mode << 16) | static_cast<std::uint32_t>(o.fanout_group));
    int rc = ::setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg);
    if (rc < 0 && errno == EINVAL && !o.outbound) {
      arg = static_cast<int>((o.fanout_mode << 16) | static_cast<std::uint32_t>(o.fanout_group));
      rc = ::setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg);
      s->skip_outgoing_ = true;
    }
    if (rc < 0) return Status::error(cause(dev, "PACKET_FANOUT", errno));
  }
  return s;
}

PacketSocket::~PacketSocket() {
  if (promisc_) {
    packet_mreq mr{};
    mr.mr_ifindex = ifindex_;
    mr.mr_type = PACKET_MR_PROMISC;
    ::setsockopt(fd_, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof mr);
  }
  if (ring_) {
    // Stop new frames arriving in a ring that may live on for held blocks.
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = 0;
    sll.sll_ifindex = ifindex_;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
    ring_->unref();
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::uint32_t PacketSocket::receive(Batch& out, std::uint32_t max) {
  RxRing* r = ring_;
  if (!r) return 0;
  std::uint32_t n = 0;
  max = std::min(max, out.room());
  while (n < max) {
    tpacket_block_desc* bd = r->block(r->cur_block);
    if (r->left_in_block == 0) {
      // A block still held by packets from the previous lap is user-owned but not new: the
      // kernel is stalled on it too, so wait for its release instead of walking it again.
      if (r->block_refs[r->cur_block].load(std::memory_order_acquire) != 0) break;
      if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0)
        break;
      std::uint32_t np = bd->hdr.bh1.num_pkts;
      if (np == 0) {  // a retired empty block: give it straight back
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        r->cur_block = (r->cur_block + 1) % r->block_count;
        continue;
      }
      // +1: the reader's own hold until it has walked the whole block.
      r->block_refs[r->cur_block].store(np + 1, std::memory_order_relaxed);
      r->refs.fetch_add(1, std::memory_order_relaxed);
      r->left_in_block = np;
      r->next_pkt = reinterpret_cast<std::uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
    }
    auto* h = reinterpret_cast<tpacket3_hdr*>(r->next_pkt);
    if (skip_outgoing_ &&
        reinterpret_cast<const sockaddr_ll*>(r->next_pkt + TPACKET_ALIGN(sizeof(tpacket3_hdr)))
                ->sll_pkttype == PACKET_OUTGOING) {
      r->next_pkt += h->tp_next_offset;
      std::uint32_t blk = r->cur_block;
      if (--r->left_in_block == 0) {
        r->cur_block = (r->cur_block + 1) % r->block_count;
        r->put_block(blk);  // the reader's hold
      }
      r->put_block(blk);  // this frame's share
      continue;
    }
    std::uint32_t room = h->tp_next_offset
                             ? h->tp_next_offset
                             : static_cast<std::uint32_t>(reinterpret_cast<std::uint8_t*>(bd) +
                                                          r->block_size - r->next_pkt);
    PacketPtr p = Packet::wrap(r->next_pkt, room, h->tp_mac, h->tp_snaplen,
                               ExternalRelease{&RxRing::release, r, r->cur_block});
    p->set_timestamp_ns(std::uint64_t{h->tp_sec} * 1000000000u + h->tp_nsec);
    out.append(std::move(p));
    ++n;
    r->next_pkt += h->tp_next_offset;
    if (--r->left_in_block == 0) {
      std::uint32_t done = r->cur_block;
      r->cur_block = (r->cur_block + 1) % r->block_count;
      r->put_block(done);  // drop the reader's hold
    }
  }
  return n;
}

std::uint32_t PacketSocket::send(const Batch& b) {
  constexpr std::uint32_t kChunk = 64;
  std::uint32_t sent = 0;
  while (sent < b.size()) {
    mmsghdr msgs[kChunk];
    iovec iov[kChunk];
    std::uint32_t n = std::min(kChunk, b.size() - sent);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Packet& p = b[sent + i];
      iov[i].iov_base = const_cast<std::uint8_t*>(p.data());
      iov[i].iov_len = p.length();
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int rc = ::sendmmsg(fd_, msgs, n, MSG_DONTWAIT);
    if (rc < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != ENOBUFS)
        last_error_ = device_ + ": send: " + std::strerror(errno);
      // A single malformed frame (EMSGSIZE, EINVAL) must not block the rest: skip it.
      if (errno == EMSGSIZE || errno == EINVAL) {
        ++sent;
        continue;
      }
      break;
    }
    sent += static_cast<std::uint32_t>(rc);
    if (static_cast<std::uint32_t>(rc) < n) break;
  }
  return sent;
}

std::uint64_t PacketSocket::kernel_drops() {
  if (ring_) {
    tpacket_stats_v3 st{};
    socklen_t len = sizeof st;
    if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) drops_ += st.tp_drops;
  }
  return drops_;
}

}  // namespace pb::drivers
