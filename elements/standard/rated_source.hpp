// RatedSource([DATA, RATE, LIMIT, ACTIVE, *, LENGTH, BANDWIDTH, STOP]) — emits copies of one
// packet at RATE packets per second.
//
// Arguments:
//   DATA       string; the packet contents (default: 64 zero bytes).
//   RATE       integer >= 1; packets per second (default 10).
//   LIMIT      integer; total packets to emit, -1 for no limit (default -1).
//   ACTIVE     boolean; emit from the start (default true).
//   LENGTH     byte count; packet length, DATA repeated or cut to fit (also DATASIZE).
//   BANDWIDTH  bandwidth; sets RATE to BANDWIDTH divided by the packet length.
//   STOP       boolean; stop the router (a driver stop event) once LIMIT packets were emitted.
// Ports: no inputs; one output, push or pull. A token bucket of RATE per second holds up to
//   RATE/100 packets (at least 2), as Click's; in push context a task sends what the bucket
//   allows (at most 32 per burst) and sleeps on a timer until the next packet is due. Packets
//   carry a timestamp annotation (wall clock) and share one buffer (writers uniqueify first).
// Handlers:
//   count (read)     packets emitted so far
//   reset (write)    sets count to 0 and resumes
//   active (rw)      whether it emits
//   rate (rw)        RATE
//   limit (rw)       LIMIT; writing resumes a finished source
//   data (rw), length (rw)  the packet contents and length (`datasize` is the old name)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class RatedSource final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "RatedSource",
                                    .ports = "0/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "emits copies of one packet at RATE packets per second"};

  RatedSource();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  Batch pull(int port, std::uint32_t max) override;
  void take_state(RatedSource& old) { count_ = old.count_; }

  std::uint64_t count() const { return count_; }

 private:
  static constexpr std::uint32_t kMaxBurst = 32;
  bool run_task();
  void rebuild_packet();
  void set_rate(std::uint32_t rate);
  void refill(std::uint64_t now);
  std::uint32_t allowance(std::uint32_t want);
  Batch emit(std::uint32_t n);
  void resume();

  std::string data_ = std::string(64, '\0');
  std::optional<Bytes> length_;
  std::uint32_t rate_ = 10;
  std::int64_t limit_ = -1;
  bool active_ = true;
  bool stop_ = false;
  std::uint64_t count_ = 0;
  // Token bucket, in packets.
  double tokens_ = 1;
  double capacity_ = 2;
  std::uint64_t last_refill_ns_ = 0;
  PacketPtr proto_;
  Task task_;
  Timer timer_;
};

}  // namespace pb::elements
