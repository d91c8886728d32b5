// Classifier(PATTERN, ...) — classifies packets by byte patterns, one output per pattern.
//
// Each packet leaves on the output of the first pattern it matches; packets that match none are
// dropped (and counted).
//
// Arguments:
//   PATTERN  one per output, in order (pattern i sends to output i). A pattern is clauses
//            OFFSET/VALUE[%MASK] separated by spaces, all of which must hold. OFFSET is decimal,
//            in bytes from the start of the packet data; VALUE and MASK are hex with an even
//            number of digits, '?' matching any nibble; a MASK has as many digits as its VALUE
//            and only its 1 bits are compared. A clause spanning several words is allowed.
//            '!' before a clause negates it. A pattern of just '-' matches every packet. A packet
//            too short for a clause (it ends before OFFSET + the VALUE's length) does not match
//            the clause — and so does match its negation '!clause'.
//            Example: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -) sends ARP requests
//            to output 0, ARP replies to 1, IPv4 to 2 and everything else to 3.
// Ports: one push input; push outputs, exactly one per pattern.
// Handlers:
//   program (read)        the compiled decision program, one step per line:
//                         "STEP  OFFSET/VALUE%MASK  yes->TARGET  no->TARGET" where the 4 bytes
//                         at OFFSET ANDed with MASK are compared with VALUE (hex, 4 bytes each)
//                         and TARGET is "step N", "[OUTPUT]" or "drop"; "short->yes" marks a
//                         step that packets too short for it pass. Then "safe length N": shorter
//                         packets take the length-checked path.
//   counts (read)         packets sent to each output, space-separated, output 0 first
//   drops (read)          packets that matched no pattern
//   reset_counts (write)  sets counts and drops to 0
//
// The patterns are compiled once, when the element is configured, into a decision program
// (shared tests merged, tests whose outcome is already known skipped); each packet walks it
// with no parsing, allocation or virtual call. Each output's packets leave as one batch.
#pragma once

#include "elements/classify/classifier_base.hpp"

namespace pb::elements {

class Classifier final : public ClassifierBase {
 public:
  static constexpr ElementSpec spec{.name = "Classifier",
                                    .ports = "1/-",
                                    .processing = "h/h",
                                    .flow = "x/x",
                                    .doc = "classifies packets by byte patterns"};

  Status configure(Args& args) override {
    std::vector<std::string> patterns;
    if (Status st = read_patterns(args, patterns); !st) return st;
    return compile(classify::parse_classifier(patterns));
  }
  Status initialize() override { return initialize_outputs(true); }
  void push(int, Batch&& b) override {
    dispatch(std::move(b),
             [this](const Packet& p) { return program_.match(classify::data_view(p)); });
  }
  void take_state(Classifier& old) { take_counts(old); }
};

}  // namespace pb::elements
