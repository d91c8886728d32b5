// StreamSockets: the connection table shared by TCPServer and TCPClient — non-blocking kernel
// sockets in a private epoll set (whose fd the element hands to the scheduler's fd watch), receive
// into packets, per-connection send queues written with sendmsg scatter-gather (one iovec per
// queued packet, so data segments that reference other memory are never copied here), and the
// open/data/close conventions of stream_anno.hpp.
//
// Flow control: a connection whose unsent bytes exceed `tx_high` is not read until they fall
// under `tx_low`, so a peer that does not read cannot make the target queue without bound.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "elements/net/outbox.hpp"
#include "elements/net/stream_anno.hpp"
#include "runtime/core/diag.hpp"
#include "runtime/packet/batch.hpp"
#include "runtime/sched/poller.hpp"

namespace pb::net {

struct StreamLimits {
  std::uint32_t read_size = 1u << 20;    // largest receive packet
  std::uint64_t read_budget = 1u << 20;  // per connection per poll: no peer starves the others
  std::uint64_t tx_high = 64ull << 20;   // stop reading a connection above this many unsent bytes
  std::uint64_t tx_low = 16ull << 20;    // … and resume below this
  bool nodelay = true;                   // TCP_NODELAY on every connection
};

struct StreamStats {
  std::uint64_t opened = 0;
  std::uint64_t closed = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t dropped = 0;  // packets for unknown connections
};

// "a.b.c.d:port" of a socket's local or peer address ("?" when unknown).
std::string socket_address(int fd, bool peer);

class StreamSockets {
 public:
  StreamSockets() = default;
  StreamSockets(const StreamSockets&) = delete;
  StreamSockets& operator=(const StreamSockets&) = delete;
  ~StreamSockets() { close_all(); }

  Status init();
  // The epoll fd: readable while any socket has an event. Watch it with FdWatch.
  int fd() const { return ep_.get(); }

  // Non-connection fds (listeners, a connect in progress), reported to poll()'s `other`.
  Status watch_other(int fd, std::uint32_t events, std::uint32_t tag);
  void unwatch_other(int fd);

  // A connected socket joins; its open event goes to `out`. Returns the connection id.
  std::uint32_t adopt(UniqueFd fd, Outbox& out);

  // Handles up to `max_events` ready sockets: received bytes and events go to `out`, other fds to
  // `other(tag, events)`. Returns how many events were handled (0: nothing was ready).
  int poll(Outbox& out, const std::function<void(std::uint32_t, std::uint32_t)>& other,
           int max_events = 64);

  // Downstream packets: data is queued and written at once as far as the socket takes it; a
  // close event closes after what was queued before it. Unknown connections: dropped.
  void send(Batch&& b);
  // Connections that failed while sending; their close events go out with the next poll().
  bool has_failures() const { return !failed_.empty(); }

  // Closes everything without events (cleanup).
  void close_all();
  // Hot-swap: takes over every connection of `old` (same ids, queued data kept).
  void take_connections(StreamSockets& old);

  std::size_t size() const { return conns_.size(); }
  bool has(std::uint32_t id) const { return conns_.count(id) != 0; }
  // One line per connection: "ID LOCAL PEER unsent=N".
  std::string describe() const;
  const StreamStats& stats() const { return stats_; }

  StreamLimits limits;

 private:
  struct Conn {
    UniqueFd fd;
    std::string local;
    std::string peer;
    std::deque<PacketPtr> txq;
    std::size_t front_sent = 0;  // bytes of txq.front() already written
    std::uint64_t unsent = 0;
    bool close_after_tx = false;
    bool reading = true;
    std::uint32_t events = 0;  // what the epoll set has for it
  };
  static constexpr std::uint64_t kOtherBit = 1ull << 63;

  // Reads what the budget allows; false when the connection ended (reason in `why`).
  bool receive(std::uint32_t id, Conn& c, Outbox& out, std::string& why);
  // Writes queued data; false on a socket error (reason in `why`).
  bool flush(Conn& c, std::string& why);
  void update_events(std::uint32_t id, Conn& c);
  void erase(std::uint32_t id);

  UniqueFd ep_;
  std::unordered_map<std::uint32_t, Conn> conns_;
  std::vector<std::pair<std::uint32_t, std::string>> failed_;  // id, reason
  StreamStats stats_;
};

}  // namespace pb::net
