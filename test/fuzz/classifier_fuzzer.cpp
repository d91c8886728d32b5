// Fuzzes the classify family's pattern compiler (elements/classify/) and its decision programs.
// Input: one mode byte (Classifier, IPClassifier or IPFilter syntax), the patterns one per line,
// a NUL byte, then packet bytes. Any pattern text must parse or fail with a message, never crash
// or hang; whatever compiles is run on the packet — and on every truncation of it, with the IP
// header marked at several offsets — and the optimised program must give the same output as
// interpreting the patterns' expressions directly (first match wins), without reading past the
// end of the packet (ASan checks that: the packet buffer is exactly as long as the data).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "elements/classify/decision_program.hpp"
#include "elements/classify/patterns.hpp"
#include "runtime/packet/packet.hpp"

namespace {

using pb::classify::DecisionProgram;
using pb::classify::PatternSet;
using pb::classify::View;

int reference(const PatternSet& set, const View& v) {
  for (std::size_t i = 0; i < set.patterns.size(); ++i)
    if (set.patterns[i].eval(v)) return set.outputs[i];
  return -1;
}

void check(const PatternSet& set, const DecisionProgram& prog, const View& v,
           std::string_view what) {
  const int got = prog.match(v);
  const int want = reference(set, v);
  if (got == want) return;
  std::fprintf(stderr, "%.*s: program says %d, the patterns say %d\n--- program:\n%s",
               static_cast<int>(what.size()), what.data(), got, want, prog.unparse().c_str());
  for (const auto& p : set.patterns) std::fprintf(stderr, "--- pattern: %s\n", p.str().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 3;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t nul = rest.find('\0');
  std::string_view text = rest.substr(0, nul);
  std::string_view bytes =
      nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  if (bytes.size() > 256) bytes = bytes.substr(0, 256);  // truncations are tried one by one

  std::vector<std::string> patterns;
  while (!text.empty() && patterns.size() < 64) {
    const std::size_t nl = text.find('\n');
    patterns.emplace_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }

  pb::Result<PatternSet> set = mode == 0   ? pb::classify::parse_classifier(patterns)
                               : mode == 1 ? pb::classify::parse_ip_classifier(patterns)
                                           : pb::classify::parse_ip_filter(patterns);
  if (!set) {
    if (set.message().empty()) std::abort();  // an error always says what is wrong
    return 0;
  }
  for (const auto& p : set->patterns) (void)p.str();
  const DecisionProgram prog = DecisionProgram::build(set->patterns, set->outputs);
  (void)prog.unparse();

  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    // An exact-size frame per length (pool buffers have slack), so reading past the end of the
    // packet is an ASan error.
    const auto n = static_cast<std::uint32_t>(len);
    std::unique_ptr<std::uint8_t[]> frame(new std::uint8_t[len]);
    if (len) std::memcpy(frame.get(), bytes.data(), len);
    pb::PacketPtr p = pb::Packet::wrap(frame.get(), n, 0, n, pb::ExternalRelease{}, true);
    if (mode == 0) {
      check(*set, prog, pb::classify::data_view(*p), "data");
      continue;
    }
    check(*set, prog, pb::classify::ip_view(*p, true), "unmarked");
    for (std::uint32_t off : {0u, 1u, 14u}) {
      if (off > n) break;
      p->set_network_header(p->data() + off, 20);
      check(*set, prog, pb::classify::ip_view(*p, true), "marked");
    }
    // Marked, then bytes pulled off the front: the header now lies before data().
    p->set_network_header(p->data(), 20);
    p->pull(n < 20 ? n : 20);
    check(*set, prog, pb::classify::ip_view(*p, true), "marked before the data");
  }
  return 0;
}
