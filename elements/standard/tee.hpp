// Tee([N]) — sends a copy of each packet out of every output.
//
// Arguments:
//   N  integer; the number of outputs expected (default: as many as are connected). An N that
//      differs from the connected outputs is an error, as in Click.
// Ports: one push input, one or more push outputs. Outputs 0..N-2 get clones (sharing the
//   data buffer, so a writer downstream copies first), output N-1 gets the original batch.
// Handlers: none of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Tee final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Tee",
                                    .ports = "1/1-",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "sends a copy of each packet out of every output"};

  Status configure(Args& args) override { return args.optional("N", n_).done(); }
  Status initialize() override {
    // Port counts are only known once connected, so N is checked here rather than in configure.
    if (n_ && *n_ != static_cast<std::uint32_t>(noutputs()))
      return Status::error("N: " + std::to_string(*n_) + " arms, but " +
                           std::to_string(noutputs()) + " outputs are connected");
    return {};
  }
  void push(int, Batch&& b) override {
    const int last = noutputs() - 1;
    for (int i = 0; i < last; ++i) {
      Batch copy;
      b.for_each([&copy](const Packet& p) { copy.append(p.clone()); });
      output(i).push(std::move(copy));
    }
    output(last).push(std::move(b));
  }

 private:
  std::optional<std::uint32_t> n_;
};

}  // namespace pb::elements
