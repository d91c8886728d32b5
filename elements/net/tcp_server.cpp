#include "elements/net/tcp_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace pb::elements {

namespace {

// Listening sockets owned by live TCPServers of this process, by (address, port). A hot-swap
// builds the new router while the old one still holds its sockets; the new TCPServer then shares
// the old socket (dup) instead of failing to bind, and take_state() moves the connections.
// Every live holder of the socket is listed (the old and the new server during a swap; a failed
// swap's server leaves again), so any of them can be dup'd and the entry lives while one does.
struct ListenerHolder {
  int fd = -1;
  const TCPServer* owner = nullptr;
};
using ListenerEntry = std::vector<ListenerHolder>;
std::mutex g_listeners_mu;
std::map<std::pair<std::uint32_t, std::uint16_t>, ListenerEntry>& listeners_registry() {
  static std::map<std::pair<std::uint32_t, std::uint16_t>, ListenerEntry> m;
  return m;
}

Result<UniqueFd> listen_on(IPv4Address addr, std::uint16_t port, std::uint32_t backlog) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = addr.addr;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return Status::error("cannot bind " + format_value(addr) + ":" + std::to_string(port) + ": " +
                         std::strerror(errno));
  if (::listen(fd.get(), static_cast<int>(backlog)) != 0)
    return Status::error(std::string("listen: ") + std::strerror(errno));
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  return ntohs(a.sin_port);
}

}  // namespace

Result<std::vector<std::uint16_t>> PortList::parse(std::string_view text) const {
  auto unquoted = parse_value<std::string>(text);  // "3260 3261" may come quoted
  if (!unquoted) return unquoted.status();
  const std::string_view s = *unquoted;
  std::vector<std::uint16_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    if (i == s.size()) break;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    auto r = parse_value<std::uint16_t>(s.substr(i, j - i));
    if (!r) return Status::error("expected port numbers, got '" + std::string(s) + "'");
    out.push_back(*r);
    i = j;
  }
  if (out.empty()) return Status::error("expected port numbers, got '" + std::string(s) + "'");
  return out;
}

std::string PortList::format(const std::vector<std::uint16_t>& v) const {
  std::string s;
  for (auto p : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(p);
  }
  return s;
}

TCPServer::TCPServer() : task_(this, [this] { return run_task(); }) {
  addr_.addr = htonl(INADDR_LOOPBACK);
}

TCPServer::~TCPServer() {
  // A failed initialize() is not cleaned up by the router: leave the listener registry anyway.
  std::lock_guard lock(g_listeners_mu);
  for (auto& [key, holders] : listeners_registry())
    std::erase_if(holders, [this](const ListenerHolder& h) { return h.owner == this; });
}

Status TCPServer::configure(Args& args) {
  return args.required("PORT", ports_, PortList{})
      .optional("ADDR", addr_)
      .optional_keyword("BACKLOG", backlog_, in_range<std::uint32_t>(1, 65535))
      .optional_keyword("MAX_CONNECTIONS", max_connections_, at_least<std::uint32_t>(1))
      .optional_keyword("NODELAY", nodelay_)
      .optional_keyword("READ_SIZE", read_size_, in_range(Bytes{2048}, Bytes{16u << 20}))
      .done();
}

Status TCPServer::initialize() {
  if (auto st = sockets_.init(); !st) return st;
  sockets_.limits.nodelay = nodelay_;
  sockets_.limits.read_size = static_cast<std::uint32_t>(read_size_.value);
  {
    std::lock_guard lock(g_listeners_mu);
    auto& reg = listeners_registry();
    for (std::uint16_t port : ports_) {
      Listener l;
      auto key = std::make_pair(addr_.addr, port);
      auto it = port != 0 ? reg.find(key) : reg.end();
      if (it != reg.end() && !it->second.empty()) {
        // The owners' current router: a hot-swap moves elements between Router objects.
        for (const ListenerHolder& h : it->second)
          if (&h.owner->router() == &router())
            return Status::error("PORT: " + std::to_string(port) + " is already used by '" +
                                 h.owner->declaration() + "'");
        l.fd = UniqueFd(::fcntl(it->second.front().fd, F_DUPFD_CLOEXEC, 0));
        if (l.fd.get() < 0) return Status::error(std::string("dup: ") + std::strerror(errno));
      } else {
        auto fd = listen_on(addr_, port, backlog_);
        if (!fd) return Status::error("PORT: " + fd.message());
        l.fd = std::move(*fd);
      }
      l.port = local_port(l.fd.get());
      bound_.push_back(l.port);
      if (auto st = sockets_.watch_other(l.fd.get(), EPOLLIN,
                                         static_cast<std::uint32_t>(listeners_.size()));
          !st)
        return st;
      reg[std::make_pair(addr_.addr, l.port)].push_back({l.fd.get(), this});
      listeners_.push_back(std::move(l));
    }
  }
  task_.attach(scheduler(), true);
  return watch_.watch(scheduler(), sockets_.fd(), EPOLLIN, task_);
}

void TCPServer::cleanup() {
  watch_.unwatch();
  task_.detach();
  {
    std::lock_guard lock(g_listeners_mu);
    auto& reg = listeners_registry();
    for (const Listener& l : listeners_) {
      auto it = reg.find(std::make_pair(addr_.addr, l.port));
      if (it == reg.end()) continue;
      std::erase_if(it->second, [this](const ListenerHolder& h) { return h.owner == this; });
      if (it->second.empty()) reg.erase(it);
    }
  }
  listeners_.clear();
  sockets_.close_all();
}

void TCPServer::accept_on(std::size_t index, net::Outbox& out) {
  if (index >= listeners_.size()) return;
  // A bounded number per round keeps one busy listener from starving the connections.
  for (int i = 0; i < 16; ++i) {
    UniqueFd fd(
        ::accept4(listeners_[index].fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        std::fprintf(stderr, "%s: accept: %s\n", declaration().c_str(), std::strerror(errno));
      return;
    }
    if (sockets_.size() >= max_connections_) {
      ++refused_;
      continue;  // closing the fd refuses the peer
    }
    sockets_.adopt(std::move(fd), out);
  }
}

bool TCPServer::run_task() {
  net::Outbox out;
  const int n = sockets_.poll(out, [&](std::uint32_t tag, std::uint32_t) { accept_on(tag, out); });
  out.flush(output(0));
  // The watch is edge-triggered on our epoll set: park only once it reported nothing.
  return n > 0;
}

void TCPServer::push(int, Batch&& b) {
  sockets_.send(std::move(b));
  if (sockets_.has_failures()) task_.wake();
}

void TCPServer::take_state(TCPServer& old) {
  sockets_.take_connections(old.sockets_);
  refused_ = old.refused_;
  task_.wake();
}

void TCPServer::add_handlers(Handlers& h) {
  h.read("ports", [this] { return PortList{}.format(bound_); });
  h.read("connections", [this] { return static_cast<std::uint64_t>(sockets_.size()); });
  h.read("accepted", [this] { return sockets_.stats().opened; });
  h.read("closed", [this] { return sockets_.stats().closed; });
  h.read("bytes_in", [this] { return sockets_.stats().bytes_in; });
  h.read("bytes_out", [this] { return sockets_.stats().bytes_out; });
  h.read("dropped", [this] { return sockets_.stats().dropped; });
  h.read("refused", [this] { return refused_; });
  h.read("list", [this] { return sockets_.describe(); });
}

}  // namespace pb::elements
