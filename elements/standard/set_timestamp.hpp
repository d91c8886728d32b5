// SetTimestamp([TIMESTAMP]) — stores the current time, or a given time, in each packet's
// timestamp annotation.
//
// Arguments:
//   TIMESTAMP  seconds since 1970, with up to 9 decimals ("1700000000.5"); when given, every
//              packet gets this time instead of the current one. (Click's FIRST keyword is not
//              supported: there is no "first timestamp" annotation.)
// Ports: one input, one output, agnostic. The annotation is nanoseconds since 1970 (the system
//   clock, what ToDump writes); the clock is read once per batch, so a batch shares one time.
// Handlers:
//   timestamp (rw)  TIMESTAMP, empty when the current time is used
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/element/element.hpp"

namespace pb::elements {

// Seconds since 1970 as text ("1700000000.000001") <-> nanoseconds, exactly (a double would lose
// the nanoseconds of today's dates).
struct EpochTime {
  std::uint64_t ns = 0;
  auto operator<=>(const EpochTime&) const = default;

  struct Parser {
    Result<EpochTime> parse(std::string_view s) const;
    std::string format(const EpochTime& t) const;
  };
};

class SetTimestamp final : public SimpleAction<SetTimestamp> {
 public:
  static constexpr ElementSpec spec{.name = "SetTimestamp",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "stores the time in each packet's timestamp"};

  Status configure(Args& args) override;
  void process(Batch& b) {
    const std::uint64_t t = fixed_ ? fixed_->ns : realtime_ns();
    b.for_each([t](Packet& p) { p.set_timestamp_ns(t); });
  }
  void add_handlers(Handlers& h) override;

  static std::uint64_t realtime_ns();

 private:
  std::optional<EpochTime> fixed_;
};

}  // namespace pb::elements
