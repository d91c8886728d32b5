// EBDServer(DEV, BACKEND [, *, SIZE, BURST]) — the storage personality's server: serves block
// reads and writes arriving as EBD frames (EtherType 0x667) from a block back end.
//
// Arguments:
//   DEV      integer 0-65535; the device number this server answers for (frames for other
//            devices are dropped and counted).
//   BACKEND  memory, memory:SIZE, null, null:SIZE or file:PATH (the iSCSI back ends of
//            elements/iscsi/core: RAM, a file on a worker pool, or a sink reading zeros).
//   SIZE     bytes; device size for memory and null, and for a file that does not exist
//            (default 64MiB).
//   BURST    integer 1-256; request frames pulled per task run (default 32).
// Ports: one pull input (the storage output of a PersonalityClassifier), one push output
//   (replies, towards the storage personality's PersonalityQueue). Each request frame (READ or
//   WRITE fragment) gets one reply (READ_REPLY with the data, or WRITE_ACK), addressed to the
//   request's source MAC. Read data goes from the back end straight into the reply frame. The
//   task pulls no more requests than the transmit queue has room for: when it is full it parks
//   on the queue's space notification, and requests wait (or overflow) in the classifier.
//   Malformed frames (see ebd_frame.hpp) are dropped and counted.
// Handlers:
//   reads, writes (read)        fragments served
//   bytes_read, bytes_written (read)
//   bad_frames (read)           frames that failed the format checks
//   other_device (read)         well-formed frames for another DEV
//   errors (read)               requests answered with an error status
//   size (read)                 device size in bytes
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "elements/iscsi/core/block_backend.hpp"
#include "elements/personality/ebd_frame.hpp"
#include "elements/personality/personality_queue.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class EBDServer final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "EBDServer",
                                    .ports = "1/1",
                                    .processing = "l/h",
                                    .flow = "x/x",
                                    .doc = "serves block reads and writes over EtherType 0x667"};

  EBDServer() : task_(this, [this] { return run_task(); }) {}
  ~EBDServer() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;

 private:
  bool run_task();
  void serve(PacketPtr req);
  void reply(const ebd::Parsed& r, ebd::Stat st);
  void flush();

  std::uint16_t dev_ = 0;
  std::string backend_spec_;
  Bytes size_{64u << 20};
  std::uint32_t burst_ = 32;

  std::shared_ptr<iscsi::CompletionQueue> cq_;
  std::unique_ptr<iscsi::BlockBackend> backend_;
  ActiveNotifier* notifier_ = nullptr;
  SpaceGate gate_;
  Batch out_;  // replies completed during this run, pushed at its end
  std::uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0;
  std::uint64_t bad_ = 0, other_dev_ = 0, errors_ = 0;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
