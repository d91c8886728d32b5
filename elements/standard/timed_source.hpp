// TimedSource([INTERVAL, DATA, *, LIMIT, STOP, ACTIVE]) — pushes a copy of one packet every
// INTERVAL.
//
// Arguments:
//   INTERVAL  time; between packets, microsecond precision (default 500ms).
//   DATA      string; the packet contents (default: 64 zero bytes).
//   LIMIT     integer; total packets to emit, -1 for no limit (default -1).
//   STOP      boolean; stop the router (a driver stop event) at the first tick after LIMIT
//             packets were emitted (default false).
//   ACTIVE    boolean; emit from the start (default true).
// Ports: no inputs; one push output. Driven by a timer on the element's thread; ticks keep
//   their cadence (each is INTERVAL after the previous one was due, not after it ran).
// Handlers:
//   count (read)      packets emitted so far
//   reset (write)     sets count to 0 and resumes
//   data (rw)         DATA
//   interval (rw)     INTERVAL; takes effect at the next tick
//   limit (rw)        LIMIT; writing resumes a finished source
//   active (rw)       whether it emits
#pragma once

#include <cstdint>
#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class TimedSource final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "TimedSource",
                                    .ports = "0/1",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "pushes a copy of one packet every INTERVAL"};

  TimedSource();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  void take_state(TimedSource& old) { count_ = old.count_; }

  std::uint64_t count() const { return count_; }

 private:
  void tick();
  void restart();

  Duration interval_{500'000'000};
  std::string data_ = std::string(64, '\0');
  std::int64_t limit_ = -1;
  bool stop_ = false;
  bool active_ = true;
  std::uint64_t count_ = 0;
  PacketPtr proto_;
  Timer timer_;
};

}  // namespace pb::elements
