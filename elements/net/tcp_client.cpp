#include "elements/net/tcp_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace pb::elements {

TCPClient::TCPClient() : task_(this, [this] { return run_task(); }) {}

Status TCPClient::configure(Args& args) {
  return args.required("ADDR", addr_)
      .required("PORT", port_, at_least<std::uint16_t>(1))
      .optional_keyword("ACTIVE", active_)
      .optional_keyword("NODELAY", nodelay_)
      .optional_keyword("READ_SIZE", read_size_, in_range(Bytes{2048}, Bytes{16u << 20}))
      .done();
}

Status TCPClient::initialize() {
  if (auto st = sockets_.init(); !st) return st;
  sockets_.limits.nodelay = nodelay_;
  sockets_.limits.read_size = static_cast<std::uint32_t>(read_size_.value);
  task_.attach(scheduler(), true);
  if (auto st = watch_.watch(scheduler(), sockets_.fd(), EPOLLIN, task_); !st) return st;
  if (active_) return start_connect();
  return {};
}

void TCPClient::cleanup() {
  watch_.unwatch();
  task_.detach();
  if (connecting_.get() >= 0) sockets_.unwatch_other(connecting_.get());
  connecting_.reset();
  sockets_.close_all();
  waiting_.clear();
}

Status TCPClient::start_connect() {
  if (connecting_.get() >= 0 || (conn_ != 0 && sockets_.has(conn_))) return {};
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port_);
  a.sin_addr.s_addr = addr_.addr;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    status_ = std::string("closed: ") + std::strerror(errno);
    return Status::error("cannot connect to " + format_value(addr_) + ":" + std::to_string(port_) +
                         ": " + std::strerror(errno));
  }
  // Writable means the connect finished, one way or the other.
  if (auto st = sockets_.watch_other(fd.get(), EPOLLOUT, kConnectTag); !st) return st;
  connecting_ = std::move(fd);
  conn_ = 0;
  status_ = "connecting";
  task_.wake();
  return {};
}

void TCPClient::connect_done(net::Outbox& out) {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(connecting_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  sockets_.unwatch_other(connecting_.get());
  if (err != 0) {
    connecting_.reset();
    status_ = std::string("closed: ") + std::strerror(err);
    return;
  }
  conn_ = sockets_.adopt(std::move(connecting_), out);
  status_ = sockets_.has(conn_) ? "connected" : "closed: cannot watch the socket";
  if (!waiting_.empty()) {
    Batch b;
    while (!waiting_.empty()) {
      PacketPtr p = std::move(waiting_.front());
      waiting_.pop_front();
      auto a = net::stream_anno(*p);
      a.connection = conn_;
      net::set_stream_anno(*p, a);
      b.append(std::move(p));
      if (b.full()) sockets_.send(std::move(b));
    }
    sockets_.send(std::move(b));
  }
}

bool TCPClient::run_task() {
  net::Outbox out;
  const int n = sockets_.poll(out, [&](std::uint32_t, std::uint32_t) { connect_done(out); });
  auto batches = out.take();
  for (Batch& b : batches) {
    // Track the end of our connection (the packets themselves go on).
    for (Packet& p : b) {
      const auto a = net::stream_anno(p);
      if (a.event == net::StreamEvent::kClose && a.connection == conn_)
        status_ = "closed: " + std::string(reinterpret_cast<const char*>(p.data()), p.length());
    }
    output(0).push(std::move(b));
  }
  return n > 0;
}

void TCPClient::push(int, Batch&& b) {
  if (conn_ == 0 || !sockets_.has(conn_)) {
    if (connecting_.get() >= 0) {
      Packet* raw[Batch::kCapacity];
      const std::uint32_t n = b.release_to(raw);
      for (std::uint32_t i = 0; i < n; ++i) waiting_.emplace_back(raw[i]);
    }
    return;  // no connection: dropped with the batch
  }
  for (Packet& p : b) {
    auto a = net::stream_anno(p);
    if (a.connection == 0) {
      a.connection = conn_;
      net::set_stream_anno(p, a);
    }
  }
  sockets_.send(std::move(b));
  if (sockets_.has_failures()) task_.wake();
}

void TCPClient::take_state(TCPClient& old) {
  sockets_.take_connections(old.sockets_);
  conn_ = old.conn_;
  status_ = old.status_;
  task_.wake();
}

void TCPClient::add_handlers(Handlers& h) {
  h.read("connected", [this] { return conn_ != 0 && sockets_.has(conn_); });
  h.read("connection", [this] { return conn_; });
  h.read("status", [this] { return status_; });
  h.read("bytes_in", [this] { return sockets_.stats().bytes_in; });
  h.read("bytes_out", [this] { return sockets_.stats().bytes_out; });
  h.write("connect", [this](std::string_view) { return start_connect(); });
}

}  // namespace pb::elements
