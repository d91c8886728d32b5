#include "elements/net/stream_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace pb::net {

PacketPtr make_stream_packet(std::uint32_t conn, StreamEvent event, std::string_view text,
                             std::uint8_t flags) {
  PacketPtr p = Packet::make(text.data(), static_cast<std::uint32_t>(text.size()), 0);
  set_stream_anno(*p, {conn, event, flags, 0});
  return p;
}

std::uint32_t next_connection_id() {
  static std::atomic<std::uint32_t> next{1};
  std::uint32_t id = next.fetch_add(1, std::memory_order_relaxed);
  while (id == 0) id = next.fetch_add(1, std::memory_order_relaxed);
  return id;
}

std::string socket_address(int fd, bool peer) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (r != 0 || a.sin_family != AF_INET) return "?";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

Status StreamSockets::init() {
  if (ep_.get() >= 0) return {};
  ep_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (ep_.get() < 0) return Status::error(std::string("epoll_create1: ") + std::strerror(errno));
  return {};
}

Status StreamSockets::watch_other(int fd, std::uint32_t events, std::uint32_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = kOtherBit | tag;
  if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    return Status::error(std::string("epoll_ctl: ") + std::strerror(errno));
  return {};
}

void StreamSockets::unwatch_other(int fd) {
  ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

std::uint32_t StreamSockets::adopt(UniqueFd fd, Outbox& out) {
  const std::uint32_t id = next_connection_id();
  if (limits.nodelay) {
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Conn c;
  c.local = socket_address(fd.get(), false);
  c.peer = socket_address(fd.get(), true);
  c.fd = std::move(fd);
  auto [it, fresh] = conns_.emplace(id, std::move(c));
  (void)fresh;
  Conn& conn = it->second;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = id;
  conn.events = ev.events;
  if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, conn.fd.get(), &ev) != 0) {
    // Without a watch the connection would hang silently: report it closed instead.
    out.add(make_stream_packet(id, StreamEvent::kOpen, conn.local + " " + conn.peer));
    out.add(make_stream_packet(id, StreamEvent::kClose, std::strerror(errno)));
    conns_.erase(it);
    ++stats_.opened;
    ++stats_.closed;
    return id;
  }
  ++stats_.opened;
  out.add(make_stream_packet(id, StreamEvent::kOpen, conn.local + " " + conn.peer));
  return id;
}

void StreamSockets::erase(std::uint32_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, it->second.fd.get(), nullptr);
  conns_.erase(it);  // closes the fd
  ++stats_.closed;
}

void StreamSockets::update_events(std::uint32_t id, Conn& c) {
  if (c.reading && c.unsent > limits.tx_high) c.reading = false;
  if (!c.reading && c.unsent <= limits.tx_low) c.reading = true;
  // A paused connection is not asked for EPOLLRDHUP either: level-triggered, a half-closed peer
  // would report it on every poll until the queue drains.
  std::uint32_t want = c.reading ? EPOLLIN | EPOLLRDHUP : 0;
  if (!c.txq.empty()) want |= EPOLLOUT;
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = id;
  ::epoll_ctl(ep_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  c.events = want;
}

bool StreamSockets::receive(std::uint32_t id, Conn& c, Outbox& out, std::string& why) {
  std::uint64_t budget = limits.read_budget;
  while (budget > 0) {
    // Sized to what is waiting: small PDUs do not pin large buffers, and a large data segment
    // that already arrived comes in one packet, starting at its BHS, so the framer can pass it
    // on without a copy.
    int avail = 0;
    if (::ioctl(c.fd.get(), FIONREAD, &avail) != 0) avail = 0;
    const std::uint32_t size = std::clamp<std::uint32_t>(static_cast<std::uint32_t>(avail),
                                                         Packet::kBufferSize, limits.read_size);
    PacketPtr p = Packet::make(size, 0);
    const ssize_t n = ::recv(c.fd.get(), p->writable_data(), size, MSG_DONTWAIT);
    if (n > 0) {
      p->take(size - static_cast<std::uint32_t>(n));
      set_stream_anno(*p, {id, StreamEvent::kData, 0, 0});
      out.add(std::move(p));
      stats_.bytes_in += static_cast<std::uint64_t>(n);
      budget -= std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(n));
      if (static_cast<std::uint32_t>(n) < size) return true;  // drained (level-triggered: fine)
      continue;
    }
    if (n == 0) {
      why = "peer closed";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    why = std::strerror(errno);
    return false;
  }
  return true;
}

bool StreamSockets::flush(Conn& c, std::string& why) {
  // Empty packets never enter txq, so every queued packet contributes one iovec.
  constexpr std::size_t kMaxIov = 128;
  iovec iov[kMaxIov];
  while (!c.txq.empty()) {
    std::size_t n = 0;
    for (const PacketPtr& p : c.txq) {
      if (n == kMaxIov) break;
      const std::size_t skip = n == 0 ? c.front_sent : 0;
      iov[n].iov_base = const_cast<std::uint8_t*>(p->data()) + skip;
      iov[n].iov_len = p->length() - skip;
      ++n;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    const ssize_t w = ::sendmsg(c.fd.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      why = std::strerror(errno);
      return false;
    }
    auto left = static_cast<std::size_t>(w);
    stats_.bytes_out += left;
    c.unsent -= left;
    while (left > 0) {
      const std::size_t rest = c.txq.front()->length() - c.front_sent;
      if (left < rest) {
        c.front_sent += left;
        break;
      }
      left -= rest;
      c.txq.pop_front();
      c.front_sent = 0;
    }
  }
  return true;
}

int StreamSockets::poll(Outbox& out, const std::function<void(std::uint32_t, std::uint32_t)>& other,
                        int max_events) {
  int handled = 0;
  // Failures seen while sending (inside a push) are reported now, from the task.
  for (auto& [id, why] : std::exchange(failed_, {})) {
    if (!conns_.count(id)) continue;
    erase(id);
    out.add(make_stream_packet(id, StreamEvent::kClose, why));
    ++handled;
  }
  epoll_event evs[64];
  const int n = ::epoll_wait(ep_.get(), evs, std::min(max_events, 64), 0);
  for (int i = 0; i < n; ++i) {
    const std::uint64_t key = evs[i].data.u64;
    ++handled;
    if (key & kOtherBit) {
      other(static_cast<std::uint32_t>(key & 0xFFFFFFFFu), evs[i].events);
      continue;
    }
    const auto id = static_cast<std::uint32_t>(key);
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    Conn& c = it->second;
    std::string why;
    bool alive = true;
    if (evs[i].events & EPOLLOUT) alive = flush(c, why);
    if (alive && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && c.reading)
      alive = receive(id, c, out, why);
    if (alive && (evs[i].events & (EPOLLHUP | EPOLLERR)) && !(evs[i].events & EPOLLIN)) {
      alive = false;
      why = "connection reset";
    }
    if (!alive) {
      erase(id);
      out.add(make_stream_packet(id, StreamEvent::kClose, why));
      continue;
    }
    if (c.close_after_tx && c.txq.empty()) {
      erase(id);
      continue;
    }
    update_events(id, c);
  }
  return handled;
}

void StreamSockets::send(Batch&& b) {
  // Packets of one connection are consecutive in practice; flush once per run of them.
  std::uint32_t pending = 0;
  auto finish = [&](std::uint32_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    std::string why;
    if (!flush(c, why)) {
      failed_.emplace_back(id, why);
      // Nothing more goes out on it; the close event is emitted by the next poll().
      c.txq.clear();
      c.unsent = 0;
      c.front_sent = 0;
      c.close_after_tx = false;
      return;
    }
    if (c.close_after_tx && c.txq.empty()) {
      erase(id);
      return;
    }
    update_events(id, c);
  };
  Packet* raw[Batch::kCapacity];
  const std::uint32_t count = b.release_to(raw);
  for (std::uint32_t i = 0; i < count; ++i) {
    PacketPtr p(raw[i]);  // owns it from here: queued below or released at the end of the turn
    const StreamAnno a = stream_anno(*p);
    if (pending != 0 && a.connection != pending) {
      finish(pending);
      pending = 0;
    }
    auto it = conns_.find(a.connection);
    if (it == conns_.end() || it->second.close_after_tx) {
      ++stats_.dropped;
      continue;
    }
    Conn& c = it->second;
    switch (a.event) {
      case StreamEvent::kData:
        if (p->length() == 0) break;
        c.unsent += p->length();
        c.txq.push_back(std::move(p));
        pending = a.connection;
        break;
      case StreamEvent::kClose:
        if (a.flags & kStreamAbort) {
          // An RST instead of a FIN: linger 0, drop what is queued.
          linger l{1, 0};
          ::setsockopt(c.fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
          erase(a.connection);
          if (pending == a.connection) pending = 0;
          break;
        }
        c.close_after_tx = true;
        pending = a.connection;
        break;
      case StreamEvent::kOpen:
        ++stats_.dropped;  // meaningless downstream
        break;
    }
  }
  if (pending != 0) finish(pending);
}

void StreamSockets::close_all() {
  std::vector<std::uint32_t> ids;
  for (auto& [id, c] : conns_) ids.push_back(id);
  for (auto id : ids) erase(id);
  failed_.clear();
}

void StreamSockets::take_connections(StreamSockets& old) {
  for (auto& [id, c] : old.conns_) {
    ::epoll_ctl(old.ep_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    epoll_event ev{};
    ev.events = c.events;
    ev.data.u64 = id;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev);
    conns_.emplace(id, std::move(c));
  }
  old.conns_.clear();
  for (auto& f : old.failed_) failed_.push_back(std::move(f));
  old.failed_.clear();
}

std::string StreamSockets::describe() const {
  std::vector<std::uint32_t> ids;
  for (const auto& [id, c] : conns_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  std::string s;
  for (auto id : ids) {
    const Conn& c = conns_.at(id);
    s += std::to_string(id) + " " + c.local + " " + c.peer + " unsent=" + std::to_string(c.unsent) +
         "\n";
  }
  return s;
}

}  // namespace pb::net
