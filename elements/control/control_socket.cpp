#include "elements/control/control_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "runtime/control/control_session.hpp"
#include "runtime/graph/router.hpp"

namespace pb::elements {

namespace control_detail {

// One client connection and its protocol state.
struct Client {
  UniqueFd fd;
  std::unique_ptr<control::ControlSession> session;
  std::string peer;
  bool want_out = false;  // EPOLLOUT is in the epoll set
};

// The listening socket, the clients and their epoll set. It outlives a hot-swap: the new
// ControlSocket of the same name and address takes the hub over (take_state), and every
// session then calls handlers through the new owner's router.
struct Hub final : control::HandlerAccess {
  std::mutex mu;  // held by the task processing clients (try_lock: never waits)
  std::atomic<ControlSocket*> owner{nullptr};
  std::string key;
  std::string unix_path;  // removed when the hub closes
  UniqueFd listener;
  UniqueFd ep;
  std::uint16_t port = 0;
  std::unordered_map<std::uint32_t, std::unique_ptr<Client>> clients;
  std::uint32_t next_id = 1;
  // Read by handlers, which may run on another thread than the task that counts.
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> commands{0};
  control::SessionLimits limits;
  std::atomic<std::size_t> nclients{0};
  std::atomic<bool> read_only_now{false};  // READONLY, changeable through the `readonly` handler

  ~Hub() override { close_all(); }

  Router* router() const {
    ControlSocket* o = owner.load(std::memory_order_acquire);
    return o ? &o->router() : nullptr;
  }

  // Click's element numbers: "3.count" is the third element's count when no element is named 3.
  std::string resolve(std::string_view name) const {
    Router* r = router();
    auto dot = name.rfind('.');
    if (!r || dot == std::string_view::npos || dot == 0) return std::string(name);
    std::string_view elt = name.substr(0, dot);
    if (r->find(elt)) return std::string(name);
    std::size_t n = 0;
    for (char c : elt) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1'000'000'000)
        return std::string(name);
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n == 0 || n > r->elements().size()) return std::string(name);
    return r->elements()[n - 1]->name() + std::string(name.substr(dot));
  }

  bool read_only() const override { return read_only_flag(); }
  bool read_only_flag() const { return read_only_now.load(std::memory_order_relaxed); }

  bool router_installed() const override {
    Router* r = router();
    return r && r->initialized() && !r->stop_requested();
  }

  control::HandlerInfo find(std::string_view name) const override {
    control::HandlerInfo info;
    Router* r = router();
    if (!r) return info;
    const std::string full = resolve(name);
    const Handler* h = r->handler(full);
    if (!h) {
      auto dot = full.rfind('.');
      if (dot != std::string::npos && !r->find(std::string_view(full).substr(0, dot)))
        info.found = control::HandlerInfo::Found::no_element;
      return info;
    }
    info.found = control::HandlerInfo::Found::yes;
    info.readable = h->readable();
    info.writable = h->writable();
    info.socket_writable = (h->flags & kReadOnlyToSocket) == 0;
    return info;
  }

  Result<std::string> read(std::string_view name, std::string_view params) override {
    Router* r = router();
    if (!r) return Status::error("no router installed");
    const std::string full = resolve(name);
    bool blank = true;
    for (char c : params)
      if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
    if (!blank)
      return Status::error("handler '" + full + "' takes no parameters (got '" +
                           std::string(params.substr(0, 64)) + "')");
    return r->read(full);
  }

  control::WriteOutcome write(std::string_view name, std::string_view value) override {
    control::WriteOutcome o;
    Router* r = router();
    if (!r) {
      o.status = Status::error("no router installed");
      return o;
    }
    const std::string full = resolve(name);
    const Handler* h = r->handler(full);
    o.status = r->write(full, value);
    // A button ignores its value: say so rather than let the client believe it was used.
    if (o.status && h && (h->flags & kHandlerButton) && !handler_detail::trim(value).empty())
      o.warnings.push_back("'" + full + "' takes no value; '" +
                           std::string(handler_detail::trim(value).substr(0, 64)) +
                           "' was ignored");
    return o;
  }

  void close_all() {
    for (auto& [id, c] : clients) {
      // One last try to deliver what is queued (e.g. the reply to a `stop` write).
      auto out = c->session->output();
      if (!out.empty()) {
        ssize_t n = ::send(c->fd.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)n;
      }
    }
    clients.clear();
    nclients = 0;
    listener.reset();
    ep.reset();
    if (!unix_path.empty()) {
      ::unlink(unix_path.c_str());
      unix_path.clear();
    }
  }
};

namespace {

// Hubs of live ControlSockets by address, so that the ControlSocket of a configuration being
// hot-swapped in shares the socket instead of failing with "address in use".
std::mutex g_hubs_mu;
std::map<std::string, std::weak_ptr<Hub>>& hubs() {
  static std::map<std::string, std::weak_ptr<Hub>> m;
  return m;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void set_events(Hub& hub, std::uint32_t id, Client& c, bool want_out, bool rearm) {
  if (c.want_out == want_out && !rearm) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (want_out ? EPOLLOUT : 0u);
  ev.data.u64 = id;
  ::epoll_ctl(hub.ep.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  c.want_out = want_out;
}

}  // namespace

}  // namespace control_detail

using control_detail::Client;
using control_detail::errno_text;
using control_detail::Hub;

ControlSocket::ControlSocket() : task_(this, [this] { return run_task(); }) {
  addr_.addr = htonl(INADDR_LOOPBACK);
}

ControlSocket::~ControlSocket() = default;

Status ControlSocket::configure(Args& args) {
  std::string type;
  std::string where;
  std::optional<IPv4Address> addr;
  bool read_only = false;
  bool localhost = false;
  bool verbose = false;
  std::uint32_t max_clients = 64;
  Bytes max_data{16u << 20};
  Status st = args.required("TYPE", type)
                  .required("PORT", where)
                  .optional("ADDR", addr)
                  .optional_keyword("READONLY", read_only)
                  .optional_keyword("LOCALHOST", localhost)
                  .optional_keyword("VERBOSE", verbose)
                  .optional_keyword("MAX_CLIENTS", max_clients, in_range<std::uint32_t>(1, 65536))
                  .optional_keyword("MAX_DATA", max_data, in_range(Bytes{1024}, Bytes{1u << 30}))
                  .done();
  if (!st) return st;
  std::string t;
  for (char c : type) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "TCP") {
    auto p = parse_value<std::uint16_t>(where);
    if (!p) return Status::error("PORT: expected a TCP port number, got '" + where + "'");
    port_ = *p;
    if (addr) addr_ = *addr;
  } else if (t == "UNIX") {
    if (addr) return Status::error("ADDR: only for TCP sockets");
    if (where.empty()) return Status::error("PORT: expected a socket path");
    if (where.size() >= sizeof(sockaddr_un{}.sun_path))
      return Status::error("PORT: socket path longer than " +
                           std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    unix_ = true;
  } else {
    return Status::error("TYPE: expected TCP or UNIX, got '" + type + "'");
  }
  where_ = where;
  read_only_ = read_only;
  localhost_ = localhost;
  verbose_ = verbose;
  max_clients_ = max_clients;
  max_data_ = max_data;
  return {};
}

std::string ControlSocket::key() const {
  return unix_ ? "unix:" + where_ : "tcp:" + format_value(addr_) + ":" + std::to_string(port_);
}

Status ControlSocket::open_socket(Hub& hub) {
  if (unix_) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, where_.data(), where_.size());
    struct stat sb {};
    if (::lstat(where_.c_str(), &sb) == 0) {
      if (!S_ISSOCK(sb.st_mode))
        return Status::error("PORT: '" + where_ + "' exists and is not a socket");
      // A socket file nobody listens on is a leftover of a dead process: replace it. One that
      // answers belongs to a live process: leave it alone.
      UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (probe.get() >= 0 &&
          ::connect(probe.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
        return Status::error("PORT: '" + where_ + "' is in use by another process");
      ::unlink(where_.c_str());
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return Status::error(errno_text("socket"));
    // The file gets the socket inode's mode (less the umask) at bind: 0600 from the start, so
    // there is no moment where others could connect.
    ::fchmod(fd.get(), 0600);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return Status::error("PORT: cannot bind '" + where_ + "': " + std::strerror(errno));
    ::chmod(where_.c_str(), 0600);
    hub.unix_path = where_;
    if (::listen(fd.get(), 64) != 0) return Status::error(errno_text("listen"));
    hub.listener = std::move(fd);
  } else {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return Status::error(errno_text("socket"));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = addr_.addr;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return Status::error("PORT: cannot bind " + format_value(addr_) + ":" +
                           std::to_string(port_) + ": " + std::strerror(errno));
    if (::listen(fd.get(), 64) != 0) return Status::error(errno_text("listen"));
    socklen_t len = sizeof a;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0)
      hub.port = ntohs(a.sin_port);
    hub.listener = std::move(fd);
  }
  hub.ep = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (hub.ep.get() < 0) return Status::error(errno_text("epoll_create1"));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // client ids start at 1
  if (::epoll_ctl(hub.ep.get(), EPOLL_CTL_ADD, hub.listener.get(), &ev) != 0)
    return Status::error(errno_text("epoll_ctl"));
  return {};
}

Status ControlSocket::initialize() {
  const std::string k = key();
  std::lock_guard lock(control_detail::g_hubs_mu);
  auto& reg = control_detail::hubs();
  if (port_ != 0 || unix_) {
    auto it = reg.find(k);
    if (it != reg.end()) {
      auto live = it->second.lock();
      if (ControlSocket* o = live ? live->owner.load() : nullptr) {
        if (o && &o->router() == &router())
          return Status::error("PORT: " + where_ + " is already served by '" + o->declaration() +
                               "'");
        // A router being hot-swapped in: share the live socket; take_state() takes it over.
        hub_ = std::move(live);
        task_.attach(scheduler(), false);
        return {};
      }
    }
  }
  auto hub = std::make_shared<Hub>();
  hub->limits.max_data = static_cast<std::size_t>(max_data_.value);
  hub->read_only_now = read_only_;
  if (auto st = open_socket(*hub); !st) {
    hub->close_all();
    return st;
  }
  // Registered under the bound port (PORT 0 picked one), which a successor names explicitly.
  hub->key = unix_ ? k : "tcp:" + format_value(addr_) + ":" + std::to_string(hub->port);
  hub->owner = this;
  hub_ = std::move(hub);
  reg[hub_->key] = hub_;
  task_.attach(scheduler(), true);
  return watch_.watch(scheduler(), hub_->ep.get(), EPOLLIN, task_);
}

void ControlSocket::take_state(ControlSocket& old) {
  if (!old.hub_ || hub_ != old.hub_) return;  // another address: nothing to share
  std::lock_guard lock(control_detail::g_hubs_mu);
  old.watch_.unwatch();
  hub_->limits.max_data = static_cast<std::size_t>(max_data_.value);
  hub_->read_only_now = read_only_;
  hub_->owner.store(this, std::memory_order_release);
  if (auto st = watch_.watch(scheduler(), hub_->ep.get(), EPOLLIN, task_); !st)
    std::fprintf(stderr, "%s: %s\n", declaration().c_str(), st.message().c_str());
  task_.wake();
}

void ControlSocket::cleanup() {
  watch_.unwatch();
  task_.detach();
  if (!hub_) return;
  std::lock_guard lock(control_detail::g_hubs_mu);
  if (hub_->owner.load() == this) {
    auto& reg = control_detail::hubs();
    auto it = reg.find(hub_->key);
    if (it != reg.end() && it->second.lock() == hub_) reg.erase(it);
    std::lock_guard hub_lock(hub_->mu);
    hub_->owner = nullptr;
    hub_->close_all();
  }
  hub_.reset();
}

std::uint16_t ControlSocket::bound_port() const {
  return hub_ ? hub_->port : 0;
}

bool ControlSocket::run_task() {
  std::shared_ptr<Hub> hub = hub_;
  if (!hub || hub->owner.load(std::memory_order_acquire) != this) return false;
  std::unique_lock lock(hub->mu, std::try_to_lock);
  if (!lock) return true;  // the previous owner is finishing a command; look again soon
  bool did = false;
  epoll_event evs[32];
  const int n = ::epoll_wait(hub->ep.get(), evs, 32, 0);
  for (int i = 0; i < n; ++i) {
    did = true;
    const std::uint64_t id = evs[i].data.u64;
    if (id == 0) {
      // Accept a bounded number per round so a connection storm cannot starve the clients.
      for (int k = 0; k < 16; ++k) {
        sockaddr_storage sa{};
        socklen_t len = sizeof sa;
        UniqueFd fd(::accept4(hub->listener.get(), reinterpret_cast<sockaddr*>(&sa), &len,
                              SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd.get() < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            std::fprintf(stderr, "%s: accept: %s\n", declaration().c_str(), std::strerror(errno));
          break;
        }
        std::string peer = "unix";
        if (sa.ss_family == AF_INET) {
          auto* in = reinterpret_cast<sockaddr_in*>(&sa);
          IPv4Address a;
          a.addr = in->sin_addr.s_addr;
          peer = format_value(a) + ":" + std::to_string(ntohs(in->sin_port));
          if (localhost_ && (ntohl(in->sin_addr.s_addr) >> 24) != 127) {
            ++hub->refused;
            continue;
          }
        }
        if (hub->clients.size() >= max_clients_) {
          ++hub->refused;
          continue;  // closing refuses the peer
        }
        auto c = std::make_unique<Client>();
        c->fd = std::move(fd);
        c->peer = std::move(peer);
        c->session = std::make_unique<control::ControlSession>(*hub, hub->limits);
        const std::uint32_t cid = hub->next_id++;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLOUT;
        ev.data.u64 = cid;
        c->want_out = true;
        if (::epoll_ctl(hub->ep.get(), EPOLL_CTL_ADD, c->fd.get(), &ev) != 0) continue;
        ++hub->accepted;
        if (verbose_)
          std::fprintf(stderr, "%s: connection %u from %s\n", declaration().c_str(), cid,
                       c->peer.c_str());
        hub->clients.emplace(cid, std::move(c));
      }
      continue;
    }
    auto it = hub->clients.find(static_cast<std::uint32_t>(id));
    if (it == hub->clients.end()) continue;
    Client& c = *it->second;
    control::ControlSession& s = *c.session;
    bool dead = (evs[i].events & EPOLLERR) != 0;
    // Write what the socket takes (what remains waits for the EPOLLOUT edge); sending may free
    // room for commands that waited, which run inside consume_output().
    auto flush = [&] {
      while (!dead && !s.output().empty()) {
        auto out = s.output();
        ssize_t w = ::send(c.fd.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
          const std::uint64_t before = s.commands();
          s.consume_output(static_cast<std::size_t>(w));
          hub->commands += s.commands() - before;
        } else if (w < 0 && errno == EINTR) {
          continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          return;
        } else {
          dead = true;
        }
      }
    };
    // Read while the session takes input, up to a budget per round so one busy client cannot
    // starve the others. A client whose replies pile up (it does not read) is not read either:
    // its commands wait, and the EPOLLOUT edge brings us back when it reads.
    std::size_t budget = 256u << 10;
    char buf[16384];
    bool drained = false;  // recv said EAGAIN or end of input: the next edge brings us back
    bool swapped = false;
    for (;;) {
      flush();
      if (dead || drained || swapped || !s.wants_input() || budget == 0) break;
      while (!dead && s.wants_input() && budget > 0) {
        ssize_t r = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (r > 0) {
          budget -= std::min<std::size_t>(budget, static_cast<std::size_t>(r));
          const std::uint64_t before = s.commands();
          s.feed(std::string_view(buf, static_cast<std::size_t>(r)));
          hub->commands += s.commands() - before;
          // A command may have swapped the router: the new owner serves from here on.
          if (hub->owner.load(std::memory_order_acquire) != this) {
            swapped = true;
            break;
          }
        } else if (r == 0) {
          s.feed_eof();
          drained = true;
          break;
        } else if (errno == EINTR) {
          continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
          drained = true;
          break;
        } else {
          dead = true;
        }
      }
    }
    if (dead || (s.finished() && s.output().empty())) {
      if (verbose_)
        std::fprintf(stderr, "%s: connection %llu closed\n", declaration().c_str(),
                     static_cast<unsigned long long>(id));
      hub->clients.erase(it);
      continue;
    }
    // Stopped reading with input wanted and maybe waiting in the socket (budget spent, or a
    // swap): no new edge would come for it, so re-arm — MOD reports a ready fd again.
    control_detail::set_events(*hub, static_cast<std::uint32_t>(id), c, !s.output().empty(),
                               !dead && !drained && s.wants_input());
  }
  hub->nclients = hub->clients.size();
  lock.unlock();
  if (ControlSocket* o = hub->owner.load(std::memory_order_acquire); o != this) {
    // Swapped out while serving: the new owner carries on (it may have missed the edge).
    if (o) o->task_.wake();
    return false;
  }
  return did;
}

void ControlSocket::add_handlers(Handlers& h) {
  h.read("port", [this] { return static_cast<std::uint32_t>(hub_ ? hub_->port : 0); });
  h.read("path", [this] { return unix_ ? where_ : std::string(); });
  h.read("clients",
         [this] { return static_cast<std::uint64_t>(hub_ ? hub_->nclients.load() : 0); });
  h.read("accepted", [this] { return hub_ ? hub_->accepted.load() : std::uint64_t{0}; });
  h.read("refused", [this] { return hub_ ? hub_->refused.load() : std::uint64_t{0}; });
  h.read("commands", [this] { return hub_ ? hub_->commands.load() : std::uint64_t{0}; });
  // A client must not be able to lift READONLY through the socket it restricts; a Script or the
  // command line may.
  h.read_write("readonly", read_only_, after([this] {
                 if (hub_ && hub_->owner.load() == this) hub_->read_only_now = read_only_;
               }));
  h.set_flags("readonly", kReadOnlyToSocket);
}

}  // namespace pb::elements
