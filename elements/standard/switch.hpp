// Switch([OUTPUT]) — sends every packet out of one settable output.
//
// Arguments:
//   OUTPUT  integer; the output to use (default 0); negative drops every packet. Must be less
//           than the number of outputs.
// Ports: one push input, any number of push outputs. The whole batch moves to the chosen
//   output: nothing is done per packet.
// Handlers:
//   switch (rw)  OUTPUT; writing -1 (or any negative number) drops from then on
#pragma once

#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Switch final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Switch",
                                    .ports = "1/-",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "sends every packet out of one settable output"};

  Status configure(Args& args) override { return args.optional("OUTPUT", output_).done(); }
  Status initialize() override {
    // Port counts are only known once connected, so OUTPUT is checked here.
    Status st = check(output_);
    return st ? st : Status::error("OUTPUT: " + st.message());
  }
  void push(int, Batch&& b) override {
    int k = output_;
    if (k >= 0)
      output(k).push(std::move(b));
    else
      b.clear();
  }
  void add_handlers(Handlers& h) override {
    h.read_write("switch", output_, [this](const int& v) { return check(v); });
  }
  void take_state(Switch& old) {
    if (old.output_ < noutputs()) output_ = old.output_;
  }

 private:
  Status check(int v) const {
    if (v >= noutputs())
      return Status::error("must be less than " + std::to_string(noutputs()) +
                           " (the number of outputs)");
    return {};
  }

  int output_ = 0;
};

}  // namespace pb::elements
