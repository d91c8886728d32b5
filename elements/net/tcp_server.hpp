// TCPServer(PORT [, ADDR, *, BACKLOG, MAX_CONNECTIONS, NODELAY, READ_SIZE]) — accepts TCP
// connections and turns each into a stream of packets; packets pushed back are written to them.
//
// Arguments:
//   PORT             one or more port numbers separated by spaces ("3260 3261"); every port is
//                    another listening socket of the same element. 0 picks a free port (see the
//                    `ports` handler).
//   ADDR             IPv4 address to bind (default 127.0.0.1: nothing else unless asked).
//   BACKLOG          integer; listen() backlog (default 128).
//   MAX_CONNECTIONS  integer; further connections are refused (closed at once) (default 1024).
//   NODELAY          boolean; TCP_NODELAY on connections (default true).
//   READ_SIZE        byte count 2KiB-16MiB; largest receive packet (default 1MiB).
// Ports: output 0 (push) emits stream packets (elements/net/stream_anno.hpp): an open event per
//   accepted connection (data "LOCAL PEER"), its bytes as they arrive, a close event when the
//   peer goes away. Optional input 0 (push) takes packets for connections: data is sent with
//   sendmsg scatter-gather (queued packets are never copied, so they may reference other memory),
//   a close event closes after the data queued before it (kStreamAbort: reset at once).
//   Sockets are non-blocking and woken by the scheduler's fd watch. A connection with more than
//   64 MiB unsent is not read until it drains. Hot-swap (take_state) keeps the listening sockets
//   and every connection: a TCPServer of the same ADDR and PORT in the same process shares the
//   listening socket instead of failing with "address in use".
// Handlers:
//   ports (read)        the bound ports, space separated
//   connections (read)  open connections
//   accepted (read)     connections accepted
//   closed (read)       connections closed
//   bytes_in (read)     bytes received
//   bytes_out (read)    bytes sent
//   dropped (read)      packets for unknown connections
//   refused (read)      connections closed at once because of MAX_CONNECTIONS
//   list (read)         one line per connection: "ID LOCAL PEER unsent=N"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elements/net/stream_sockets.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

// A list of port numbers, "3260" or "3260 3261".
struct PortList {
  Result<std::vector<std::uint16_t>> parse(std::string_view s) const;
  std::string format(const std::vector<std::uint16_t>& v) const;
};

class TCPServer final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "TCPServer",
                                    .ports = "0-1/1",
                                    .processing = "h/h",
                                    .flow = "x/y",
                                    .doc = "accepts TCP connections as packet streams"};

  TCPServer();
  ~TCPServer() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(TCPServer& old);

  const std::vector<std::uint16_t>& bound_ports() const { return bound_; }

 private:
  struct Listener {
    UniqueFd fd;
    std::uint16_t port = 0;
  };
  bool run_task();
  void accept_on(std::size_t index, net::Outbox& out);

  std::vector<std::uint16_t> ports_;
  IPv4Address addr_{};
  std::uint32_t backlog_ = 128;
  std::uint32_t max_connections_ = 1024;
  bool nodelay_ = true;
  Bytes read_size_{1u << 20};

  std::vector<Listener> listeners_;
  std::vector<std::uint16_t> bound_;
  std::uint64_t refused_ = 0;
  net::StreamSockets sockets_;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
