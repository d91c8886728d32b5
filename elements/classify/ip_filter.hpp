// IPFilter(ACTION PATTERN, ...) — filters IP packets by tcpdump-like rules.
//
// The first rule whose pattern matches decides what happens to a packet; packets that match no
// rule are dropped.
//
// Arguments:
//   ACTION PATTERN  rules, tried in order. ACTION is `allow` (output 0), `deny` or `drop`, or
//                   an output number. PATTERN is IPClassifier's language; a rule with no
//                   pattern, or with -, all or any, matches every packet.
//                   Example: IPFilter(allow src 10.0.0.0/8 && dst tcp port 22, 1 icmp,
//                   deny all).
// Ports: one push input; any number of push outputs (every output a rule names must exist).
//   Packets need their IP header marked (CheckIPHeader, MarkIPHeader), as for IPClassifier.
// Handlers:
//   program (read)        the compiled decision program, one step per line (as IPClassifier's)
//   counts (read)         packets sent to each output, space-separated, output 0 first
//   drops (read)          packets denied or matching no rule
//   reset_counts (write)  sets counts and drops to 0
#pragma once

#include "elements/classify/classifier_base.hpp"

namespace pb::elements {

class IPFilter final : public ClassifierBase {
 public:
  static constexpr ElementSpec spec{.name = "IPFilter",
                                    .ports = "1/-",
                                    .processing = "h/h",
                                    .flow = "x/x",
                                    .doc = "filters IP packets by tcpdump-like rules"};

  Status configure(Args& args) override {
    std::vector<std::string> rules;
    if (Status st = read_patterns(args, rules); !st) return st;
    if (Status st = compile(classify::parse_ip_filter(rules)); !st) return st;
    transport_ = program_.uses(classify::Space::transport);
    return {};
  }
  Status initialize() override { return initialize_outputs(false); }
  void push(int, Batch&& b) override {
    dispatch(std::move(b),
             [this](const Packet& p) { return program_.match(classify::ip_view(p, transport_)); });
  }
  void take_state(IPFilter& old) { take_counts(old); }

 private:
  bool transport_ = false;
};

}  // namespace pb::elements
