// ISCSITarget(NAME, *, LUN0, …) — an iSCSI target (RFC 7143) serving SCSI disks, on PDU packets
//
// Arguments:
//   NAME            string; the target's iSCSI name (iqn.… or eui.…).
//   LUNn            string; logical unit n (0-31): a back end then options, space separated:
//                     memory[:SIZE]  RAM (default 64M)
//                     null[:SIZE]    drops writes, reads zeros (the protocol alone)
//                     file:PATH      a file (created with size=SIZE when missing); what the
//                                    page cache holds is read, and small plain writes are
//                                    written, on the packet thread; the rest on worker threads;
//                                    FUA = RWF_DSYNC, SYNCHRONIZE CACHE = fdatasync, UNMAP =
//                                    hole punching
//                   options: read-only, removable, thin (UNMAP, WRITE SAME with UNMAP, GET LBA
//                   STATUS), block-size=512|1024|2048|4096 (default 512),
//                   physical-block-size=N (default 4096, or the block size if larger; put
//                   block-size first), size=SIZE, serial=TEXT, sanitize-rate=SIZE (bytes per
//                   second a SANITIZE OVERWRITE writes; default: as fast as the back end).
//                   E.g. LUN0 "file:/var/lib/disk.img size=1G thin". At least one LUN.
//   ALIAS           string; TargetAlias sent at login.
//   PORTAL          string; "ADDR:PORT …" reported by SendTargets (default: the address each
//                   connection came in on).
//   TPGT            integer; target portal group tag (default 1).
//   CHAP_USER, CHAP_SECRET      strings; initiators must authenticate with CHAP (MD5) as this.
//   MUTUAL_USER, MUTUAL_SECRET  strings; the target's own name and secret when an initiator asks
//                   for mutual CHAP.
//   DISCOVERY_AUTH  boolean; discovery sessions need CHAP too (default false).
//   QUEUE_DEPTH     integer 1-65536; commands in flight per session (the CmdSN window, default
//                   128).
//   MAX_SESSIONS    integer; default 64.
//   MAX_CONNECTIONS integer 1-65535; connections per session (default 4).
//   IMMEDIATE_DATA, INITIAL_R2T    booleans; our side of the negotiation (default true, false).
//   MAX_RECV_DATA_SEGMENT_LENGTH   byte count 512-16MiB; declared (default 256KiB).
//   MAX_BURST_LENGTH, FIRST_BURST_LENGTH  byte counts (default 1MiB, 256KiB).
//   MAX_OUTSTANDING_R2T  integer 1-65535 (default 16).
//   FILE_THREADS    integer 1-64; worker threads per file back end (default 4).
// Ports: input 0 takes PDU packets (elements/iscsi/pdu_anno.hpp) with open/close events; output 0
//   emits PDU packets (Data-In segments reference the back end's buffers), a close event when a
//   connection must end (logout, failed login, protocol error), and flags the final Login
//   Response with kPduSetDigests. Both push. Back-end completions wake the element's task
//   through a pollable completion queue, on the same thread as the packets. The element never
//   sees bytes, so any transport that produces PDU packets (TCP through ISCSIFramer, or iSER)
//   can drive it. Hot-swap (take_state) keeps the old target: its sessions, connections, tasks
//   in flight and LUs; LUNs that only the new configuration has are added.
// Handlers:
//   sessions (read)        sessions (normal and discovery)
//   connections (read)     connections
//   session_list (read)    one line per session: "TSIH INITIATOR connections=N"
//   luns (read)            one line per LUN: "N BACKEND BLOCKS x BLOCKSIZE [options]"
//   commands (read)        SCSI commands received
//   in_flight (read)       SCSI tasks not completed
//   bytes_read (read)      Data-In bytes sent
//   bytes_written (read)   write data received (immediate and Data-Out)
//   pdus_in, pdus_out, rejects, logins, login_failures (read)   counters
//   dropped (read)         connections closed because of a protocol error
//   unknown (read)         PDU packets for connections without an open event: discarded
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "elements/iscsi/core/target.hpp"
#include "elements/net/outbox.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ISCSITarget final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ISCSITarget",
                                    .ports = "1/1",
                                    .processing = "h/h",
                                    .flow = "x/x",
                                    .doc = "iSCSI target with SCSI block devices, on PDU packets"};
  static constexpr int kMaxLuns = 32;

  ISCSITarget();
  ~ISCSITarget() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(ISCSITarget& old);

  iscsi::Target* target() const { return target_.get(); }

  // One LUNn argument, parsed.
  struct LunSpec {
    std::string backend;  // "memory:64M", "file:/x"…
    iscsi::LuConfig lu;
    std::optional<std::uint64_t> size;
  };
  static Result<LunSpec> parse_lun(std::string_view text);

 private:
  struct Conn {
    std::unique_ptr<iscsi::Connection> conn;
  };
  Conn& open(std::uint32_t id, std::string_view portal);
  void receive(std::uint32_t id, const Packet& p);
  void mark_dirty(std::uint32_t id);
  void flush();
  bool run_task();
  void emit(std::uint32_t id, iscsi::Connection& c, iscsi::OutPdu&& pdu);

  // Configuration.
  iscsi::TargetConfig config_;
  std::array<std::string, kMaxLuns> lun_text_;
  std::vector<std::pair<std::uint64_t, LunSpec>> luns_;
  std::uint32_t file_threads_ = 4;

  // State (moved by take_state).
  std::shared_ptr<iscsi::CompletionQueue> cq_;
  std::unique_ptr<iscsi::Target> target_;
  std::unordered_map<std::uint32_t, Conn> conns_;
  std::vector<std::uint32_t> dirty_;
  bool in_push_ = false;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t unknown_ = 0;

  net::Outbox out_;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
