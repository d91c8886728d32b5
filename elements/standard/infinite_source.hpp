// InfiniteSource([DATA, LIMIT, BURST, ACTIVE, *, LENGTH, STOP]) — emits copies of one packet as
// fast as it is allowed to.
//
// Arguments:
//   DATA    string; the packet contents (default: 64 zero bytes).
//   LIMIT   integer; total packets to emit, -1 for no limit (default -1).
//   BURST   integer 1-256; packets per task run (push) (default 1).
//   ACTIVE  boolean; emit from the start (default true).
//   LENGTH  byte count; packet length, DATA repeated or cut to fit (default: DATA's length).
//   STOP    boolean; stop the router once LIMIT packets were emitted (default false).
// Ports: no inputs; one output, push or pull. Pushed packets are clones of one prototype, so
//   they share its buffer (writers uniqueify first, as in Click).
// Handlers:
//   count (read)       packets emitted so far
//   reset (write)      sets count to 0 and resumes
//   active (rw)        whether it emits
//   limit (rw)         LIMIT; writing resumes a finished source
//   burst (rw)         BURST
//   data (rw), length (rw)  the packet contents and length
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class InfiniteSource final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "InfiniteSource",
                                    .ports = "0/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "emits copies of one packet as fast as allowed"};

  InfiniteSource();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  Batch pull(int port, std::uint32_t max) override;
  void take_state(InfiniteSource& old);

  std::uint64_t count() const { return count_; }

 private:
  bool run_task();
  void rebuild_packet();
  void finish();
  std::uint32_t allowance(std::uint32_t want) const;

  std::string data_ = std::string(64, '\0');
  std::optional<Bytes> length_;
  std::int64_t limit_ = -1;
  std::uint32_t burst_ = 1;
  bool active_ = true;
  bool stop_ = false;
  std::uint64_t count_ = 0;
  PacketPtr proto_;
  Task task_;
};

}  // namespace pb::elements
