// IPClassifier(PATTERN, ...) — classifies IP packets by tcpdump-like patterns, one output each.
//
// Each packet leaves on the output of the first pattern it matches; packets that match none are
// dropped (and counted).
//
// Arguments:
//   PATTERN  one per output, in order (pattern i sends to output i). Tests:
//              ip proto PROTO        PROTO a number or icmp, igmp, ipip, tcp, udp, gre, esp,
//                                    ah, sctp; `tcp` alone means `ip proto tcp`
//              [SD] host ADDR        SD is src, dst, src or dst (the default), src and dst
//              [SD] net ADDR/BITS    also `net ADDR mask MASK`; a bare 10.0.0.0/8 or 1.2.3.4
//              [SD] [tcp|udp] port PORT   a number or a name (www, domain, ssh, ...); without
//                                    tcp/udp either protocol; a bare name (www) works too
//              tcp opt FLAG          FLAG syn, fin, ack, rst, psh, urg, ece, cwr: the flag is
//                                    set; a bare `syn` works too
//              icmp type TYPE        a number or echo, echo-reply, unreachable, redirect, ...
//              ip vers|hl|tos|dscp|len|id|ttl N,  tcp win N
//              ip frag, ip unfrag    fragmented (more-fragments or an offset) or not
//              ip ect, ip ce         ECN capable, congestion experienced
//              ip[POS], ip[POS:LEN]  LEN (1-4) bytes of the IP header at POS; transp[...],
//                                    tcp[...], udp[...], icmp[...] for the transport header
//              true, false, -, all, any, none
//            Most tests take a comparison (==, =, !=, <, >, <=, >=) before the value and a
//            mask (`& MASK`) before the comparison: `ip ttl < 5`, `tcp[13] & 0x12 == 0x12`,
//            `dst port >= 1024`. As in Click, `src or dst` tests with != < <= mean that neither
//            address or port compares equal/greater, and `port != 80` only matches TCP and UDP.
//            Combine with and, or, not (&&, ||, !), parentheses, `C ? A : B`; juxtaposition is
//            an and (`10.0.0.0/8 syn`). A bare number repeats the previous test: `src port 80
//            or 81`.
//            A packet too short for a field does not match a test of it. Port, TCP, ICMP and
//            transp[...] tests only match the first fragment of a fragmented packet.
// Ports: one push input; push outputs, exactly one per pattern. Packets need their IP header
//   marked (CheckIPHeader, MarkIPHeader); unmarked packets are read from their first byte. The
//   transport header starts IHL*4 bytes into the IP header.
// Handlers:
//   program (read)        the compiled decision program, one step per line (as Classifier's,
//                         offsets prefixed "ip " or "transp ")
//   counts (read)         packets sent to each output, space-separated, output 0 first
//   drops (read)          packets that matched no pattern
//   reset_counts (write)  sets counts and drops to 0
//   patternN (read)       pattern N as configured
//
// Example: IPClassifier(10.0.0.0/24 and syn, dst tcp port 80 or 443, udp, -).
// The patterns are compiled once into a decision program; packets only walk it.
#pragma once

#include "elements/classify/classifier_base.hpp"
#include "elements/classify/text.hpp"

namespace pb::elements {

class IPClassifier final : public ClassifierBase {
 public:
  static constexpr ElementSpec spec{.name = "IPClassifier",
                                    .ports = "1/-",
                                    .processing = "h/h",
                                    .flow = "x/x",
                                    .doc = "classifies IP packets by tcpdump-like patterns"};

  Status configure(Args& args) override {
    std::vector<std::string> patterns;
    if (Status st = read_patterns(args, patterns); !st) return st;
    if (Status st = compile(classify::parse_ip_classifier(patterns)); !st) return st;
    patterns_ = std::move(patterns);
    transport_ = program_.uses(classify::Space::transport);
    return {};
  }
  Status initialize() override { return initialize_outputs(true); }
  void push(int, Batch&& b) override {
    dispatch(std::move(b),
             [this](const Packet& p) { return program_.match(classify::ip_view(p, transport_)); });
  }
  void add_handlers(Handlers& h) override {
    ClassifierBase::add_handlers(h);
    for (std::size_t i = 0; i < patterns_.size(); ++i)
      h.read(classify::cat("pattern", std::to_string(i)), patterns_[i]);
  }
  void take_state(IPClassifier& old) { take_counts(old); }

 private:
  std::vector<std::string> patterns_;
  bool transport_ = false;
};

}  // namespace pb::elements
