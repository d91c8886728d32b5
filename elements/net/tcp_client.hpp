// TCPClient(ADDR, PORT [, *, ACTIVE, NODELAY, READ_SIZE]) — opens a TCP connection and turns it
// into a stream of packets; packets pushed in are written to it.
//
// Arguments:
//   ADDR       IPv4 address to connect to.
//   PORT       port number to connect to.
//   ACTIVE     boolean; connect at initialization (default true). Otherwise, or to connect
//              again after the connection ended, write the `connect` handler.
//   NODELAY    boolean; TCP_NODELAY (default true).
//   READ_SIZE  byte count 2KiB-16MiB; largest receive packet (default 1MiB).
// Ports: output 0 (push) emits stream packets (elements/net/stream_anno.hpp): an open event once
//   connected (data "LOCAL PEER"), the bytes received, a close event when the connection ends or
//   fails (data: why). Optional input 0 (push) takes packets to send: connection id 0 (or the
//   current connection's id) means this client's connection; packets pushed before the connection
//   is established wait for it. A close event closes after the data queued before it. The connect
//   is non-blocking; the socket is woken by the scheduler's fd watch.
// Handlers:
//   connected (read)    whether the connection is established
//   connection (read)   its connection id (0: none)
//   status (read)       "connecting", "connected", "closed: WHY" or "idle"
//   bytes_in (read)     bytes received
//   bytes_out (read)    bytes sent
//   connect (write)     starts a new connection if none is open or in progress
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "elements/net/stream_sockets.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class TCPClient final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "TCPClient",
                                    .ports = "0-1/1",
                                    .processing = "h/h",
                                    .flow = "x/y",
                                    .doc = "opens a TCP connection as a packet stream"};

  TCPClient();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(TCPClient& old);

  std::uint32_t connection() const { return conn_; }

 private:
  static constexpr std::uint32_t kConnectTag = 0;
  Status start_connect();
  void connect_done(net::Outbox& out);
  bool run_task();

  IPv4Address addr_{};
  std::uint16_t port_ = 0;
  bool active_ = true;
  bool nodelay_ = true;
  Bytes read_size_{1u << 20};

  UniqueFd connecting_;
  std::uint32_t conn_ = 0;
  std::string status_ = "idle";
  std::deque<PacketPtr> waiting_;  // pushed before the connection was up
  net::StreamSockets sockets_;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
