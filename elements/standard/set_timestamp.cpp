#include "elements/standard/set_timestamp.hpp"

#include <time.h>

namespace pb::elements {

Result<EpochTime> EpochTime::Parser::parse(std::string_view s) const {
  auto bad = [&] {
    return Status::error("expected seconds since 1970 (up to 9 decimals), got '" + std::string(s) +
                         "'");
  };
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || frac.size() > 9) return bad();
  std::uint64_t sec = 0, sub = 0;
  for (char c : whole) {
    if (c < '0' || c > '9' || sec > 18'000'000'000ull) return bad();  // stays inside 64-bit ns
    sec = sec * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (sec > 18'000'000'000ull) return bad();
  for (std::size_t i = 0; i < 9; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return bad();
    sub = sub * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return EpochTime{sec * 1'000'000'000ull + sub};
}

std::string EpochTime::Parser::format(const EpochTime& t) const {
  std::string frac = std::to_string(t.ns % 1'000'000'000ull);
  return std::to_string(t.ns / 1'000'000'000ull) + "." + std::string(9 - frac.size(), '0') + frac;
}

Status SetTimestamp::configure(Args& args) {
  EpochTime t;
  Status st = args.optional("TIMESTAMP", t, EpochTime::Parser{}).done();
  if (!st) return st;
  fixed_.reset();
  if (args.given("TIMESTAMP")) fixed_ = t;
  return {};
}

std::uint64_t SetTimestamp::realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void SetTimestamp::add_handlers(Handlers& h) {
  h.read("timestamp", [this] { return fixed_ ? EpochTime::Parser{}.format(*fixed_) : ""; });
  h.write("timestamp", [this](std::string_view v) -> Status {
    v = handler_detail::trim(v);
    if (v.empty()) {
      fixed_.reset();
      return {};
    }
    auto r = EpochTime::Parser{}.parse(v);
    if (!r) return r.status();
    fixed_ = *r;
    return {};
  });
}

}  // namespace pb::elements
