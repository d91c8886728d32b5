// iscsi-harness — a TEST-ONLY stand-in that serves pb_iscsi_core over plain TCP on 127.0.0.1, so
// real initiators (libiscsi's iscsi-inq, iscsi-ls, iscsi-test-cu, iscsi-perf) can exercise the
// target before the TCPServer -> ISCSIFramer -> ISCSITarget elements exist. It is not part of the
// product: one thread, epoll, no configuration language.
//
//   iscsi-harness [--port N]... [--name IQN] [--lun SPEC]... [--chap USER:SECRET]
//                 [--mutual-chap USER:SECRET] [--discovery-chap USER:SECRET] [--queue-depth N]
//
//   SPEC = BACKEND[,ro][,removable][,thin][,bs=512]   BACKEND = memory[:SIZE] | null[:SIZE] |
//   file:PATH
//
// Every --port is another portal of the same target (multipath tests). Only 127.0.0.1 is bound.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "elements/iscsi/core/target.hpp"

using namespace pb::iscsi;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

struct Client {
  int fd = -1;
  std::unique_ptr<Connection> conn;
  bool want_out = false;
};

int fail(const std::string& msg) {
  std::fprintf(stderr, "iscsi-harness: %s\n", msg.c_str());
  return 1;
}

bool split_cred(const std::string& s, ChapCredentials& out) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) return false;
  out.user = s.substr(0, colon);
  out.secret = s.substr(colon + 1);
  return true;
}

int listen_on(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // never anything but 127.0.0.1
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint16_t> ports;
  TargetConfig cfg;
  cfg.name = "iqn.2026-01.org.patchbay:harness";
  std::vector<std::string> lun_specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "iscsi-harness: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") {
      ports.push_back(static_cast<std::uint16_t>(std::stoul(value())));
    } else if (a == "--name") {
      cfg.name = value();
    } else if (a == "--lun") {
      lun_specs.push_back(value());
    } else if (a == "--chap" || a == "--mutual-chap" || a == "--discovery-chap") {
      ChapCredentials c;
      if (!split_cred(value(), c)) return fail(a + ": expected USER:SECRET");
      if (a == "--chap")
        cfg.auth.chap = c;
      else if (a == "--mutual-chap")
        cfg.auth.mutual_chap = c;
      else
        cfg.discovery_auth.chap = c;
    } else if (a == "--queue-depth") {
      cfg.cmd_window = static_cast<std::uint32_t>(std::stoul(value()));
    } else {
      std::fprintf(stderr,
                   "usage: iscsi-harness [--port N]... [--name IQN] [--lun SPEC]... [--chap U:S]\n"
                   "       [--mutual-chap U:S] [--discovery-chap U:S] [--queue-depth N]\n"
                   "  SPEC = memory[:SIZE]|null[:SIZE]|file:PATH[,ro][,removable][,thin][,bs=N]\n");
      return 2;
    }
  }
  if (ports.empty()) ports.push_back(3260);
  if (lun_specs.empty()) lun_specs.push_back("memory:64M");
  for (auto p : ports) cfg.portals.push_back("127.0.0.1:" + std::to_string(p));

  auto cq = std::make_shared<CompletionQueue>();
  Target target(cfg, cq);
  for (std::size_t n = 0; n < lun_specs.size(); ++n) {
    std::string spec = lun_specs[n];
    LuConfig lc;
    std::string backend;
    std::size_t start = 0;
    bool firstpart = true;
    while (start <= spec.size()) {
      const auto comma = spec.find(',', start);
      const std::string part =
          spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (firstpart)
        backend = part;
      else if (part == "ro")
        lc.read_only = true;
      else if (part == "removable")
        lc.removable = true;
      else if (part == "thin")
        lc.thin = true;
      else if (part.rfind("bs=", 0) == 0)
        lc.block_size = static_cast<std::uint32_t>(std::stoul(part.substr(3)));
      else
        return fail("unknown LUN option '" + part + "'");
      firstpart = false;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    BackendOptions bo;
    bo.granularity = lc.block_size << lc.lbppbe;
    auto be = make_backend(backend, bo, cq);
    if (!be) return fail("LUN " + std::to_string(n) + ": " + be.message());
    lc.serial = "PB" + std::to_string(1000 + n);
    lc.naa = 0xB00B000000ull + n;
    lc.target_name = cfg.name;
    auto lu = std::make_shared<LogicalUnit>(lc, std::move(*be));
    if (auto st = target.add_lun(n, lu); !st) return fail(st.message());
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> listeners;
  for (auto p : ports) {
    const int fd = listen_on(p);
    if (fd < 0)
      return fail("cannot listen on 127.0.0.1:" + std::to_string(p) + ": " + std::strerror(errno));
    listeners.push_back(fd);
    epoll_event ev{EPOLLIN, {.fd = fd}};
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  epoll_event cev{EPOLLIN, {.fd = cq->fd()}};
  ::epoll_ctl(ep, EPOLL_CTL_ADD, cq->fd(), &cev);
  std::fprintf(stderr, "iscsi-harness: %s on", cfg.name.c_str());
  for (auto& p : cfg.portals) std::fprintf(stderr, " %s", p.c_str());
  std::fprintf(stderr, " with %zu LUN(s)\n", lun_specs.size());

  std::map<int, Client> clients;
  std::vector<int> dirty;

  auto close_client = [&](int fd) {
    auto it = clients.find(fd);
    if (it == clients.end()) return;
    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    it->second.conn->transport_closed();
    clients.erase(it);  // the Connection is destroyed before the fd number can be reused
    ::close(fd);
  };
  // Writes what the socket takes; returns false when the client is gone.
  auto flush = [&](Client& c) -> bool {
    std::vector<iovec> iov;
    while (!c.conn->tx().empty()) {
      iov.clear();
      c.conn->tx().fill_iovecs(iov, 64);
      const ssize_t n = ::writev(c.fd, iov.data(), static_cast<int>(iov.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return false;
      }
      c.conn->tx().consume(static_cast<std::size_t>(n));
    }
    const bool want = !c.conn->tx().empty();
    if (want != c.want_out) {
      const std::uint32_t mask = want ? (EPOLLIN | EPOLLOUT) : static_cast<std::uint32_t>(EPOLLIN);
      epoll_event ev{mask, {.fd = c.fd}};
      ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      c.want_out = want;
    }
    return !(c.conn->closing() && c.conn->tx().empty());
  };

  std::vector<std::uint8_t> buf(256 * 1024);
  epoll_event events[64];
  while (!g_stop) {
    const int n = ::epoll_wait(ep, events, 64, 1000);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (std::find(listeners.begin(), listeners.end(), fd) != listeners.end()) {
        sockaddr_in local{};
        socklen_t len = sizeof local;
        const int cfd = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) continue;
        const int one = 1;
        ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::getsockname(cfd, reinterpret_cast<sockaddr*>(&local), &len);
        char addr[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &local.sin_addr, addr, sizeof addr);
        Client c;
        c.fd = cfd;
        c.conn = std::make_unique<Connection>(
            target, std::string(addr) + ":" + std::to_string(ntohs(local.sin_port)));
        c.conn->set_wakeup([&dirty, cfd] { dirty.push_back(cfd); });
        clients.emplace(cfd, std::move(c));
        epoll_event ev{EPOLLIN, {.fd = cfd}};
        ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
        continue;
      }
      if (fd == cq->fd()) {
        cq->run();
        continue;
      }
      auto it = clients.find(fd);
      if (it == clients.end()) continue;
      Client& c = it->second;
      bool alive = true;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
          alive = false;
        } else if (r > 0) {
          auto st = c.conn->receive(
              std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(r)));
          if (!st)
            std::fprintf(stderr, "iscsi-harness: dropping connection: %s\n", st.message().c_str());
        }
      }
      if (alive) alive = flush(c);
      if (!alive) close_client(fd);
    }
    // Connections that got PDUs from completions or from other connections.
    std::vector<int> todo;
    todo.swap(dirty);
    for (int fd : todo) {
      auto it = clients.find(fd);
      if (it != clients.end() && !flush(it->second)) close_client(fd);
    }
  }
  std::vector<int> fds;
  for (auto& [fd, c] : clients) fds.push_back(fd);
  for (int fd : fds) close_client(fd);
  for (int fd : listeners) ::close(fd);
  ::close(ep);
  // Drain completions of I/O still running so back ends shut down cleanly.
  while (cq->pending()) cq->run();
  return 0;
}
