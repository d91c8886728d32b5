// RandomSample([P, *, SAMPLE, DROP, ACTIVE, SEED]) — keeps each packet with probability P.
//
// Arguments:
//   P       real 0-1; the sampling probability. Give P, SAMPLE or DROP (exactly one).
//   SAMPLE  real 0-1; the same as P.
//   DROP    real 0-1; the drop probability (P = 1 - DROP).
//   ACTIVE  boolean; when false every packet is kept (default true).
//   SEED    integer; seeds the generator so runs repeat exactly (default: a random seed).
// Ports: one agnostic input; output 0 (agnostic) gets the sampled packets; the others go to
//   output 1 (push) if it exists, else are dropped. Each packet costs one draw of a per-element
//   xoshiro256** generator compared with a 32-bit threshold: no allocation, lock or virtual call.
// Handlers:
//   sampling_prob (rw)  P
//   drop_prob (rw)      1 - P
//   active (rw)         ACTIVE
//   drops (read)        packets not sampled (dropped or sent to output 1)
#pragma once

#include <cstdint>
#include <optional>

#include "elements/standard/filter_action.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

// xoshiro256** (Blackman and Vigna): a small, fast generator with 256 bits of state, seeded
// through splitmix64 so any 64-bit seed gives a well-mixed state.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed) {
    for (auto& w : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

class RandomSample final : public FilterAction<RandomSample> {
 public:
  static constexpr ElementSpec spec{.name = "RandomSample",
                                    .ports = "1/1-2",
                                    .processing = "a/ah",
                                    .flow = "x/x",
                                    .doc = "keeps each packet with a given probability"};

  Status configure(Args& args) override;
  // Keeps the sampled packets in `b`; the others go to output 1 or are dropped.
  void process(Batch& b) {
    Batch rest = sample(b);
    if (noutputs() > 1) output(1).push(std::move(rest));
  }
  void add_handlers(Handlers& h) override;
  void take_state(RandomSample& old) { drops_ = old.drops_; }

  double sampling_prob() const { return prob_; }

 private:
  // Splits `b`: the sampled packets stay, the others are returned.
  Batch sample(Batch& b) {
    if (!active_) return Batch();
    const std::uint64_t threshold = threshold_;
    Batch rest = b.extract_if([&](const Packet&) { return (rng_.next() >> 32) >= threshold; });
    drops_ += rest.size();
    return rest;
  }
  void set_prob(double p, double drop);

  double prob_ = 1;
  double drop_ = 0;  // kept as given so drop_prob reads back what was written
  std::uint64_t threshold_ = std::uint64_t{1} << 32;  // keep when a 32-bit draw is below it
  bool active_ = true;
  std::uint64_t drops_ = 0;
  Xoshiro256 rng_;
};

}  // namespace pb::elements
