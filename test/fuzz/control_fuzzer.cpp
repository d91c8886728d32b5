// Fuzzes the ControlSocket protocol parser (runtime/control/control_session.hpp) and the client's
// reply parser. Input: a byte of limits (line, data and output bounds, read-only), a byte that
// seeds the chunk sizes, then the client's bytes. The session runs twice — all bytes at once, and
// in pseudo-random chunks (single bytes included) with output drained as it goes — and both runs
// must give the same replies and the same handler calls: splitting never changes meaning. After
// each drained chunk the buffered input must stay within its bound (max_line + max_data + one
// chunk). The same bytes are also fed to ReplyParser, which must not crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "runtime/control/control_session.hpp"

namespace {

using pb::control::ControlSession;
using pb::control::HandlerInfo;
using pb::control::SessionLimits;

class FuzzAccess final : public pb::control::HandlerAccess {
 public:
  bool router_installed() const override { return installed_; }
  HandlerInfo find(std::string_view name) const override {
    HandlerInfo info;
    if (name == "gone.x") installed_ = false;  // a handler call can uninstall the router
    static const std::map<std::string_view, int> kinds = {
        {"a.x", 0}, {"a.r", 1}, {"a.w", 2}, {"a.f", 3}, {"a.b", 4}, {"g", 0}, {"a.s", 5}};
    auto it = kinds.find(name);
    if (it == kinds.end()) {
      if (name.rfind("a.", 0) != 0 && name.find('.') != std::string_view::npos)
        info.found = HandlerInfo::Found::no_element;
      return info;
    }
    info.found = HandlerInfo::Found::yes;
    info.readable = it->second != 2 && it->second != 3;
    info.writable = it->second != 1;
    info.socket_writable = it->second != 5;
    return info;
  }
  pb::Result<std::string> read(std::string_view name, std::string_view params) override {
    log += "R " + std::string(name) + " " + std::to_string(params.size()) + "\n";
    if (!params.empty() && params[0] == 'E') return pb::Status::error("bad\nparams\x01");
    return value_ + std::string(params.substr(0, 8));
  }
  pb::control::WriteOutcome write(std::string_view name, std::string_view value) override {
    log += "W " + std::string(name) + " " + std::string(value) + "\n";
    pb::control::WriteOutcome o;
    if (name == "a.f") o.status = pb::Status::error("failed:\n" + std::string(value.substr(0, 4)));
    if (name == "a.b") o.warnings.push_back("warned\n\rtwice");
    if (name == "a.x") value_ = std::string(value.substr(0, 16));
    return o;
  }
  std::string log;

 private:
  mutable bool installed_ = true;
  std::string value_ = "v";
};

void drain(ControlSession& s, std::string& out) {
  for (int guard = 0; guard < 1'000'000 && !s.output().empty(); ++guard) {
    out.append(s.output());
    s.consume_output(s.output().size());
  }
}

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "%s\n--- whole:\n%s\n--- chunked:\n%s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t lim = data[0];
  std::uint32_t seed = data[1] | 0x100u;
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

  SessionLimits l;
  static constexpr std::size_t kLines[] = {4, 16, 64, 64u << 10};
  static constexpr std::size_t kData[] = {0, 8, 100, 16u << 20};
  static constexpr std::size_t kOut[] = {1, 40, 4096, 32u << 20};
  l.max_line = kLines[lim & 3];
  l.max_data = kData[(lim >> 2) & 3];
  l.max_output = kOut[(lim >> 4) & 3];
  l.read_only = (lim & 0x40) != 0;
  const bool eof = (lim & 0x80) == 0;

  FuzzAccess wa;
  ControlSession whole(wa, l);
  std::string wout;
  whole.feed(in);
  drain(whole, wout);
  if (eof) whole.feed_eof();
  drain(whole, wout);

  FuzzAccess ca;
  ControlSession chunked(ca, l);
  std::string cout;
  std::size_t i = 0;
  while (i < in.size()) {
    seed = seed * 1103515245u + 12345u;
    std::size_t n = 1 + ((seed >> 16) % 7 == 0 ? (seed >> 8) % 300 : (seed >> 8) % 4);
    n = std::min(n, in.size() - i);
    chunked.feed(in.substr(i, n));
    i += n;
    drain(chunked, cout);
    if (chunked.buffered_input() > l.max_line + l.max_data + n + 2)
      fail("buffered input over its bound", wout, cout);
  }
  if (eof) chunked.feed_eof();
  drain(chunked, cout);

  if (wout != cout) fail("replies differ", wout, cout);
  if (wa.log != ca.log) fail("handler calls differ", wa.log, ca.log);
  if (whole.commands() != chunked.commands()) fail("command counts differ", wout, cout);

  // The client side: arbitrary bytes as a server's replies.
  pb::control::ReplyParser p;
  p.feed(in);
  auto g = p.greeting();
  if (g.is_ok() && *g) {
    for (int k = 0; k < 64; ++k) {
      pb::control::Reply r;
      auto got = p.next((lim >> k % 8) & 1, r);
      if (!got.is_ok() || !*got) break;
    }
  }
  return 0;
}
