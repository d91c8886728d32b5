// Fuzzes the login/text key parser and negotiation (elements/iscsi/core/text.hpp,
// negotiation.hpp) and, through them, a target Connection (what ISCSITarget runs per
// connection):
//   1. parse_text on the input; what parses must encode and parse back to the same keys;
//   2. a Negotiator (with and without CHAP required) processes the keys in the security, then
//      the operational stage;
//   3. a Connection of a Target with a small memory LU receives a Login Request (CSG 1 -> FFP)
//      whose data segment is the input up to its first 0xFF byte; the bytes after it follow as
//      raw stream (full feature PDUs when the login succeeded). Any input: answers or a clean
//      error, never a crash.
// Byte 0 chooses the variant (bit 0: CHAP required, bit 1: discovery first login).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "elements/iscsi/core/target.hpp"

using namespace pb::iscsi;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t variant = data[0];
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  const auto split = std::find(rest.begin(), rest.end(), std::uint8_t{0xFF});
  const std::span<const std::uint8_t> text(rest.begin(), split);
  const std::span<const std::uint8_t> stream(split == rest.end() ? rest.end() : split + 1,
                                             rest.end());

  AuthConfig auth;
  if (variant & 1) auth.chap = ChapCredentials{"user", "secret-secret"};

  // 1. The parser, and its round trip.
  auto kv = parse_text(text);
  if (kv) {
    auto again = parse_text(encode_text(*kv));
    check(again && *again == *kv);
    for (const auto& e : *kv) {
      (void)parse_number(e.value);
      (void)parse_bool(e.value);
      (void)parse_binary(e.value);
      (void)split_list(e.value);
    }
    // 2. Negotiation of whatever parsed.
    Negotiator n(NegotiationPolicy{}, true);
    n.set_auth(auth);
    n.set_discovery(variant & 2);
    auto s1 = n.process(*kv, Stage::security);
    (void)encode_text(s1.response);
    if (s1.status.ok() && n.may_leave_security()) {
      auto s2 = n.process(*kv, Stage::operational);
      (void)encode_text(s2.response);
      n.finish();
      check(n.params().first_burst_length <= n.params().max_burst_length);
    }
  }

  // 3. A target connection.
  auto cq = std::make_shared<CompletionQueue>();
  TargetConfig cfg;
  cfg.name = "iqn.2026-01.org.patchbay:fuzz";
  cfg.auth = auth;
  Target target(cfg, cq);
  auto lu = std::make_shared<LogicalUnit>(LuConfig{}, make_memory_backend(1 << 16, 4096));
  check(target.add_lun(0, lu).is_ok());
  Connection conn(target, "127.0.0.1:3260");
  LoginRequest req;
  req.transit = true;
  req.csg = 1;
  req.nsg = 3;
  req.isid = {0x80, 0, 0, 0, 0, 1};
  req.itt = 1;
  req.cmd_sn = 1;
  OutPdu login;
  login.bhs = req.encode();
  login.owned.assign(text.begin(), text.end());
  if (login.owned.size() > 8192) login.owned.resize(8192);
  encode_pdu(login, {});
  TxQueue q;
  q.push(std::move(login));
  const auto bytes = q.drain_bytes();
  if (conn.receive(bytes) && !conn.closing() && !stream.empty()) (void)conn.receive(stream);
  while (cq->pending()) cq->run();
  (void)conn.tx().drain_bytes();
  return 0;
}
