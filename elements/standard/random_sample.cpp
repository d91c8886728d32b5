#include "elements/standard/random_sample.hpp"

#include <cmath>
#include <random>

namespace pb::elements {

Status RandomSample::configure(Args& args) {
  std::optional<double> p, sample, drop;
  std::optional<std::uint64_t> seed;
  auto prob = in_range(0.0, 1.0);
  Status st = args.optional("P", p, prob)
                  .optional_keyword("SAMPLE", sample, prob)
                  .optional_keyword("DROP", drop, prob)
                  .optional_keyword("ACTIVE", active_)
                  .optional_keyword("SEED", seed)
                  .done();
  if (!st) return st;
  int given = (p ? 1 : 0) + (sample ? 1 : 0) + (drop ? 1 : 0);
  if (given != 1) return Status::error("give exactly one of P, SAMPLE and DROP");
  if (drop)
    set_prob(1 - *drop, *drop);
  else
    set_prob(p ? *p : *sample, 1 - (p ? *p : *sample));
  rng_.reseed(seed ? *seed
                   : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
  return {};
}

void RandomSample::set_prob(double p, double drop) {
  prob_ = p;
  drop_ = drop;
  threshold_ = static_cast<std::uint64_t>(std::llround(p * 4294967296.0));
}

void RandomSample::add_handlers(Handlers& h) {
  auto prob = in_range(0.0, 1.0);
  h.read("sampling_prob", [this] { return prob_; });
  h.write("sampling_prob", [this, prob](std::string_view v) -> Status {
    auto r = parse_value<double>(handler_detail::trim(v), prob);
    if (!r) return r.status();
    set_prob(*r, 1 - *r);
    return {};
  });
  h.read("drop_prob", [this] { return drop_; });
  h.write("drop_prob", [this, prob](std::string_view v) -> Status {
    auto r = parse_value<double>(handler_detail::trim(v), prob);
    if (!r) return r.status();
    set_prob(1 - *r, *r);
    return {};
  });
  h.read_write("active", active_);
  h.read("drops", drops_);
}

}  // namespace pb::elements
