// ControlSocket(TYPE, PORT [, ADDR, *, KEYWORDS]) — serves handlers over Click's control protocol.
//
// Speaks Click's ControlSocket protocol on a TCP port or a Unix socket, so Click's clients work.
//
// Arguments:
//   TYPE         TCP or UNIX (case-insensitive).
//   PORT         TCP: port number (0 picks a free one, see the `port` handler). UNIX: the socket's
//                path; created mode 0600 (only the router's user may connect), a stale socket
//                file left by a dead process is replaced, the file is removed at cleanup.
//   ADDR         TCP only: IPv4 address to bind (default 127.0.0.1: nothing but this host).
//   READONLY     boolean; every write is refused with 530 (default false).
//   LOCALHOST    boolean; TCP connections from other than 127.0.0.0/8 are closed at once
//                (default false; with the default ADDR only local peers can connect anyway).
//   VERBOSE      boolean; print a line on stderr per connection opened and closed.
//   MAX_CLIENTS  integer; further connections are closed at once (default 64).
//   MAX_DATA     byte count; largest WRITEDATA/READDATA/UNTIL body (default 16MiB); larger ones get
//                521 and are skipped, the connection stays usable.
// Ports: none. Sockets are non-blocking and woken by the scheduler's fd watch; each client has a
//   bounded reply buffer (a client that stops reading stops being read, it never stalls the
//   router). The protocol is runtime/control/control_session.hpp; docs/control.md has a
//   transcript. Handlers flagged kReadOnlyToSocket are refused for writing (530). Hot-swap: a
//   ControlSocket of the same name and address (TYPE, PORT — a port number, not 0 — and ADDR)
//   in the new configuration shares the listening socket while the new graph is built and then
//   takes it over with every client connection; the client that wrote `hotconfig` gets its
//   reply on the same connection.
// Handlers:
//   port (read)      the bound TCP port (0 for UNIX)
//   path (read)      the Unix socket path (empty for TCP)
//   clients (read)   connections open now
//   accepted (read)  connections accepted
//   refused (read)   connections closed at once (MAX_CLIENTS, LOCALHOST)
//   commands (read)  commands served
//   readonly (rw)    READONLY; read-only to the socket itself (a client cannot lift it)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/element/element.hpp"
#include "runtime/sched/poller.hpp"

namespace pb::elements {

namespace control_detail {
struct Hub;
}

class ControlSocket final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ControlSocket",
                                    .ports = "0/0",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "serves handlers over Click's ControlSocket protocol"};

  ControlSocket();
  ~ControlSocket() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  void take_state(ControlSocket& old);

  // The bound TCP port (after initialize), 0 for a Unix socket.
  std::uint16_t bound_port() const;

 private:
  friend struct control_detail::Hub;
  bool run_task();
  Status open_socket(control_detail::Hub& hub);
  std::string key() const;

  bool unix_ = false;
  std::string where_;  // the port text or the path
  std::uint16_t port_ = 0;
  IPv4Address addr_{};
  bool read_only_ = false;
  bool localhost_ = false;
  bool verbose_ = false;
  std::uint32_t max_clients_ = 64;
  Bytes max_data_{16u << 20};

  std::shared_ptr<control_detail::Hub> hub_;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
