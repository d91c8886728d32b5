// Unit tests of elements/net/ (TCPServer, TCPClient) and elements/iscsi/ (ISCSIFramer,
// ISCSITarget), one TEST_CASE tag per class. Sockets are real loopback sockets driven from the
// test; PDUs are built and parsed with pb_iscsi_core, so the elements are checked against the
// library's encoders, and the whole chain against a scripted initiator.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "elements/iscsi/core/target.hpp"
#include "elements/iscsi/iscsi_framer.hpp"
#include "elements/iscsi/iscsi_target.hpp"
#include "elements/iscsi/pdu_anno.hpp"
#include "elements/net/stream_anno.hpp"
#include "elements/net/tcp_client.hpp"
#include "elements/net/tcp_server.hpp"
#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::net::StreamEvent;
using pb::test::ConfigRun;
using pb::test::contents;
using pb::test::ElementHarness;

namespace {

constexpr const char* kIqn = "iqn.2026-01.org.patchbay:test";

// ---- sockets -----------------------------------------------------------------------------------

// Runs `step` until `done` holds; gives up after about two seconds (a liveness bound, not a
// timing assertion: loopback delivers within microseconds).
bool eventually(const std::function<void()>& step, const std::function<bool()>& done) {
  for (int i = 0; i < 2000; ++i) {
    step();
    if (done()) return true;
    ::usleep(1000);
  }
  return false;
}

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

void send_all(int fd, const std::string& s) {
  REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()));
}

// Reads what is available within ~2 s until `want` bytes (or EOF); returns what came.
std::string recv_some(int fd, std::size_t want, bool* eof = nullptr) {
  std::string out;
  for (int i = 0; i < 200 && out.size() < want; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (eof) *eof = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

net::StreamAnno anno(const Packet& p) {
  return net::stream_anno(p);
}

PacketPtr stream(std::uint32_t conn, StreamEvent ev, std::string_view text = {},
                 std::uint8_t flags = 0) {
  return net::make_stream_packet(conn, ev, text, flags);
}

Batch batch_of(std::vector<PacketPtr> ps) {
  Batch b;
  for (auto& p : ps) b.append(std::move(p));
  return b;
}

std::string concat(const std::vector<PacketPtr>& ps, std::size_t from = 0) {
  std::string s;
  for (std::size_t i = from; i < ps.size(); ++i) s += contents(*ps[i]);
  return s;
}

// ---- iSCSI helpers -----------------------------------------------------------------------------

std::string bytes_of(std::span<const std::uint8_t> s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

// A PDU on the wire, the way an initiator sends it.
std::string wire(const iscsi::Bhs& bhs, const std::vector<std::uint8_t>& data = {},
                 iscsi::DigestSettings digests = {}) {
  iscsi::OutPdu p;
  p.bhs = bhs;
  p.owned = data;
  iscsi::encode_pdu(p, digests);
  iscsi::TxQueue q;
  q.push(std::move(p));
  auto b = q.drain_bytes();
  return std::string(b.begin(), b.end());
}

// A PDU packet (pdu_anno.hpp) for connection `conn`.
PacketPtr pdu_packet(std::uint32_t conn, iscsi::Bhs bhs, const std::vector<std::uint8_t>& data = {},
                     iscsi::PduAnno pa = {}) {
  bhs.set_data_segment_length(static_cast<std::uint32_t>(data.size()));
  PacketPtr p = Packet::make(data.data(), static_cast<std::uint32_t>(data.size()), 0);
  iscsi::set_pdu_bhs(*p, bhs);
  net::set_stream_anno(*p, {conn, StreamEvent::kData, 0, 0});
  iscsi::set_pdu_anno(*p, pa);
  return p;
}

std::vector<std::uint8_t> login_text(std::string session = "Normal") {
  iscsi::KeyValues kv{{"InitiatorName", "iqn.2026-01.org.patchbay:initiator"},
                      {"SessionType", session},
                      {"HeaderDigest", "None"},
                      {"DataDigest", "None"}};
  if (session == "Normal") kv.push_back({"TargetName", kIqn});
  return iscsi::encode_text(kv);
}

// Same initiator name and ISID means the same session (a second login reinstates it).
iscsi::Bhs login_bhs(std::uint32_t itt = 1, std::uint8_t isid = 1) {
  iscsi::LoginRequest r;
  r.transit = true;
  r.csg = 1;
  r.nsg = 3;
  r.isid = {0x80, 0, 0, 0, 0, isid};
  r.itt = itt;
  r.cmd_sn = 1;
  return r.encode();
}

iscsi::Bhs command_bhs(std::vector<std::uint8_t> cdb, std::uint32_t edtl, std::uint32_t itt,
                       std::uint32_t cmd_sn, bool read = true) {
  iscsi::ScsiCommand c;
  c.read = read && edtl > 0;
  c.final = true;
  c.itt = itt;
  c.cmd_sn = cmd_sn;
  c.expected_data_length = edtl;
  std::copy(cdb.begin(), cdb.end(), c.cdb.begin());
  return c.encode();
}

// Cuts target PDUs out of a byte string (the initiator's view).
std::vector<iscsi::Pdu> parse_target_pdus(const std::string& bytes) {
  iscsi::Framer f(iscsi::FramerLimits{.max_recv_data_segment_length = 1 << 24,
                                      .accept_initiator_opcodes = false});
  std::span<const std::uint8_t> s(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                  bytes.size());
  std::vector<iscsi::Pdu> out;
  while (!s.empty()) {
    auto r = f.next(s);
    REQUIRE(r);
    if (r->has_value()) out.push_back(std::move((*r)->pdu));
  }
  return out;
}

}  // namespace

// ---- TCPServer ---------------------------------------------------------------------------------

TEST_CASE("TCPServer checks its arguments", "[TCPServer]") {
  ElementHarness bad("TCPServer", "", 1, 1);
  CHECK_THAT(bad.errors(), Catch::Contains("missing mandatory PORT argument"));
  ElementHarness words("TCPServer", "PORT 80x", 1, 1);
  CHECK_THAT(words.errors(), Catch::Contains("PORT: expected port numbers, got '80x'"));
  ElementHarness big("TCPServer", "PORT 70000", 1, 1);
  CHECK_THAT(big.errors(), Catch::Contains("PORT: expected port numbers"));
  ElementHarness read_size("TCPServer", "PORT 0, READ_SIZE 1KiB", 1, 1);
  CHECK_THAT(read_size.errors(), Catch::Contains("READ_SIZE: must be between"));
}

TEST_CASE("TCPServer turns a connection into open, data and close packets", "[TCPServer]") {
  ElementHarness h("TCPServer", "PORT 0", 1, 1);
  REQUIRE(h.ok());
  const auto port = static_cast<std::uint16_t>(std::stoi(h.read("ports")));
  REQUIRE(port != 0);
  const int fd = connect_to(port);
  auto step = [&] { h.run_tasks(); };
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 1; }));
  const Packet& open = *h.captured(0)[0];
  const std::uint32_t conn = anno(open).connection;
  CHECK(conn != 0);
  CHECK(anno(open).event == StreamEvent::kOpen);
  CHECK(contents(open) ==
        "127.0.0.1:" + std::to_string(port) + " 127.0.0.1:" + std::to_string(port_of(fd)));
  CHECK(h.read("connections") == "1");

  send_all(fd, "hello");
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 2; }));
  CHECK(anno(*h.captured(0)[1]).connection == conn);
  CHECK(anno(*h.captured(0)[1]).event == StreamEvent::kData);
  CHECK(contents(*h.captured(0)[1]) == "hello");

  // Scatter-gather: three packets, one of them wrapping memory the element does not own.
  static const std::string kForeign = "-foreign-memory-";
  PacketPtr wrapped =
      Packet::wrap(reinterpret_cast<std::uint8_t*>(const_cast<char*>(kForeign.data())),
                   static_cast<std::uint32_t>(kForeign.size()), 0,
                   static_cast<std::uint32_t>(kForeign.size()), {}, true);
  net::set_stream_anno(*wrapped, {conn, StreamEvent::kData, 0, 0});
  h.push(0, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(stream(conn, StreamEvent::kData, "one"));
           v.push_back(std::move(wrapped));
           v.push_back(stream(conn, StreamEvent::kData, "two"));
           v.push_back(stream(conn, StreamEvent::kClose));
           v.push_back(stream(conn + 1000, StreamEvent::kData, "nobody"));
           return v;
         }()));
  bool eof = false;
  CHECK(recv_some(fd, 100, &eof) == "one-foreign-memory-two");
  CHECK(eof);
  CHECK(h.read("connections") == "0");
  CHECK(h.read("dropped") == "1");
  CHECK(h.read("bytes_out") == "22");
  CHECK(h.read("bytes_in") == "5");
  // A close we asked for is not echoed upstream.
  h.run_tasks();
  CHECK(h.output_count(0) == 2);
  ::close(fd);
}

TEST_CASE("TCPServer reports a peer that goes away", "[TCPServer]") {
  ElementHarness h("TCPServer", "PORT 0, ADDR 127.0.0.1", 1, 1);
  REQUIRE(h.ok());
  const auto port = static_cast<std::uint16_t>(std::stoi(h.read("ports")));
  const int fd = connect_to(port);
  auto step = [&] { h.run_tasks(); };
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 1; }));
  ::close(fd);
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 2; }));
  const Packet& close = *h.captured(0)[1];
  CHECK(anno(close).event == StreamEvent::kClose);
  CHECK(anno(close).connection == anno(*h.captured(0)[0]).connection);
  CHECK(contents(close) == "peer closed");
  CHECK(h.read("accepted") == "1");
  CHECK(h.read("closed") == "1");
}

TEST_CASE("TCPServer listens on several ports and refuses a port twice", "[TCPServer]") {
  ElementHarness h("TCPServer", "PORT \"0 0\"", 1, 1);
  REQUIRE(h.ok());
  const std::string ports = h.read("ports");
  REQUIRE(ports.find(' ') != std::string::npos);
  const auto p1 = static_cast<std::uint16_t>(std::stoi(ports.substr(0, ports.find(' '))));
  const auto p2 = static_cast<std::uint16_t>(std::stoi(ports.substr(ports.find(' ') + 1)));
  CHECK(p1 != p2);
  const int a = connect_to(p1);
  const int b = connect_to(p2);
  REQUIRE(eventually([&] { h.run_tasks(); }, [&] { return h.output_count(0) == 2; }));
  CHECK(anno(*h.captured(0)[0]).connection != anno(*h.captured(0)[1]).connection);
  ::close(a);
  ::close(b);

  const std::string p = std::to_string(p1);
  ConfigRun twice("a :: TCPServer(PORT " + p + ") -> Discard; b :: TCPServer(PORT " + p +
                  ") -> Discard;");
  CHECK_THAT(twice.errors(),
             Catch::Contains("PORT: " + p + " is already used by 'a :: TCPServer'"));
}

// ---- TCPClient ---------------------------------------------------------------------------------

TEST_CASE("TCPClient connects and exchanges bytes", "[TCPClient]") {
  const int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(ls, 4) == 0);
  const std::uint16_t port = port_of(ls);

  ElementHarness h("TCPClient", "127.0.0.1, " + std::to_string(port), 1, 1);
  REQUIRE(h.ok());
  // Pushed before the connection is up: waits for it.
  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(stream(0, StreamEvent::kData, "early "));
           return v;
         }()));
  auto step = [&] { h.run_tasks(); };
  REQUIRE(eventually(step, [&] { return h.read("connected") == "true"; }));
  const int peer = ::accept(ls, nullptr, nullptr);
  REQUIRE(peer >= 0);
  REQUIRE(h.output_count(0) == 1);
  CHECK(anno(*h.captured(0)[0]).event == StreamEvent::kOpen);
  const std::uint32_t conn = anno(*h.captured(0)[0]).connection;
  CHECK(h.read("connection") == std::to_string(conn));

  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(stream(0, StreamEvent::kData, "bird"));
           return v;
         }()));
  CHECK(recv_some(peer, 10) == "early bird");
  send_all(peer, "ping");
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 2; }));
  CHECK(contents(*h.captured(0)[1]) == "ping");
  ::close(peer);
  REQUIRE(eventually(step, [&] { return h.output_count(0) == 3; }));
  CHECK(anno(*h.captured(0)[2]).event == StreamEvent::kClose);
  CHECK(h.read("status") == "closed: peer closed");
  ::close(ls);
}

TEST_CASE("TCPClient reports a refused connection", "[TCPClient]") {
  // A port nobody listens on: bind one and close it again.
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  const std::uint16_t port = port_of(s);
  ::close(s);
  ElementHarness h("TCPClient", "ADDR 127.0.0.1, PORT " + std::to_string(port), 1, 1);
  REQUIRE(h.ok());
  REQUIRE(eventually([&] { h.run_tasks(); }, [&] { return h.read("status") != "connecting"; }));
  CHECK(h.read("status") == "closed: Connection refused");
  CHECK(h.output_count(0) == 0);
  ElementHarness missing("TCPClient", "127.0.0.1", 1, 1);
  CHECK_THAT(missing.errors(), Catch::Contains("missing mandatory PORT argument"));
}

// ---- ISCSIFramer -------------------------------------------------------------------------------

TEST_CASE("ISCSIFramer cuts a byte stream into PDU packets", "[ISCSIFramer]") {
  ElementHarness h("ISCSIFramer", "", 2, 2);
  REQUIRE(h.ok());
  const auto text = login_text();
  const std::string bytes = wire(login_bhs(7), text);
  REQUIRE(bytes.size() == iscsi::kBhsSize + iscsi::pad4(text.size()));
  // Any split: an open event, then the PDU in three pieces.
  std::vector<PacketPtr> in;
  in.push_back(stream(5, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:4000"));
  in.push_back(stream(5, StreamEvent::kData, bytes.substr(0, 20)));
  in.push_back(stream(5, StreamEvent::kData, bytes.substr(20, 40)));
  in.push_back(stream(5, StreamEvent::kData, bytes.substr(60)));
  h.push(0, batch_of(std::move(in)));
  REQUIRE(h.output_count(0) == 2);
  CHECK(anno(*h.captured(0)[0]).event == StreamEvent::kOpen);
  const Packet& pdu = *h.captured(0)[1];
  CHECK(anno(pdu).connection == 5);
  CHECK(bytes_of(iscsi::pdu_bhs(pdu).b) == bytes.substr(0, 48));
  const auto req = iscsi::LoginRequest::decode(iscsi::pdu_bhs(pdu));
  CHECK(req.itt == 7);
  CHECK(iscsi::pdu_bhs(pdu).data_segment_length() == text.size());
  CHECK(contents(pdu) == bytes_of(text));  // no padding
  CHECK(iscsi::pdu_anno(pdu).flags == 0);
  CHECK(h.read("pdus_in") == "1");
  CHECK(h.read("connections") == "1");
  CHECK(h.output_count(1) == 0);
}

TEST_CASE("ISCSIFramer passes large received data segments on without copying", "[ISCSIFramer]") {
  ElementHarness h("ISCSIFramer", "", 2, 2);
  REQUIRE(h.ok());
  // Login limits allow 8 KiB: a 6000-byte NOP-Out ping, whole in one packet, then split.
  std::vector<std::uint8_t> payload(6000);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 13);
  iscsi::NopOut ping;
  ping.itt = 1;
  const std::string bytes = wire(ping.encode(), payload);
  PacketPtr whole = stream(8, StreamEvent::kData, bytes);
  PacketPtr keep = whole->clone();  // shares the buffer, so the test can see where data lives
  std::vector<PacketPtr> in;
  in.push_back(stream(8, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:4000"));
  in.push_back(std::move(whole));
  in.push_back(stream(8, StreamEvent::kData, bytes.substr(0, 3000)));
  in.push_back(stream(8, StreamEvent::kData, bytes.substr(3000)));
  h.push(0, batch_of(std::move(in)));
  REQUIRE(h.output_count(0) == 3);
  const Packet& a = *h.captured(0)[1];
  const Packet& b = *h.captured(0)[2];
  CHECK(a.data() == keep->data() + 48);  // inside the received packet
  CHECK(contents(a) == bytes_of(payload));
  CHECK(anno(a).connection == 8);
  CHECK(iscsi::pdu_bhs(a).data_segment_length() == 6000);
  CHECK(contents(b) == bytes_of(payload));  // gathered from two packets
}

TEST_CASE("ISCSIFramer flags PDUs the target must reject", "[ISCSIFramer]") {
  ElementHarness h("ISCSIFramer", "", 2, 2);
  REQUIRE(h.ok());
  iscsi::Bhs odd;
  odd.b[0] = 0x1c;  // not an opcode
  odd.b[16] = 9;
  std::vector<PacketPtr> in;
  in.push_back(stream(3, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:4000"));
  in.push_back(stream(3, StreamEvent::kData, wire(odd, {1, 2, 3})));
  // A target opcode arriving at a target is just as unsupported.
  iscsi::NopIn nop;
  in.push_back(stream(3, StreamEvent::kData, wire(nop.encode())));
  // Bytes of a connection that was never opened cannot be framed: discarded.
  in.push_back(stream(77, StreamEvent::kData, wire(nop.encode())));
  h.push(0, batch_of(std::move(in)));
  REQUIRE(h.output_count(0) == 3);
  CHECK(anno(*h.captured(0)[0]).event == StreamEvent::kOpen);
  CHECK(h.read("unknown") == "1");
  for (int i = 1; i < 3; ++i) {
    const Packet& p = *h.captured(0)[static_cast<std::size_t>(i)];
    CHECK(iscsi::pdu_anno(p).flags == iscsi::kPduReject);
    CHECK(iscsi::pdu_anno(p).reject_reason ==
          static_cast<std::uint8_t>(iscsi::RejectReason::command_not_supported));
    CHECK(p.length() == 0);
  }
  CHECK(h.read("rejects") == "2");
  CHECK(h.read("last_error") == "unsupported opcode 0x20");

  // During login the limit is 8 KiB: a larger segment is rejected, the stream stays usable.
  std::vector<std::uint8_t> big(9000, 'k');
  h.push(0, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(stream(3, StreamEvent::kData, wire(login_bhs(), big) + wire(login_bhs(2))));
           return v;
         }()));
  REQUIRE(h.output_count(0) == 5);
  CHECK(iscsi::pdu_anno(*h.captured(0)[3]).reject_reason ==
        static_cast<std::uint8_t>(iscsi::RejectReason::protocol_error));
  CHECK(iscsi::pdu_anno(*h.captured(0)[4]).flags == 0);
  CHECK(iscsi::LoginRequest::decode(iscsi::pdu_bhs(*h.captured(0)[4])).itt == 2);
}

TEST_CASE("ISCSIFramer encodes PDU packets, with digests once negotiated", "[ISCSIFramer]") {
  ElementHarness h("ISCSIFramer", "", 2, 2);
  REQUIRE(h.ok());
  iscsi::LoginResponse lr;
  lr.transit = true;
  lr.csg = 1;
  lr.nsg = 3;
  lr.itt = 1;
  std::vector<std::uint8_t> five = {'a', 'b', 'c', 'd', 'e'};
  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(stream(9, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:4000"));
           return v;
         }()));
  h.take_output(0);
  h.push(1, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(
               pdu_packet(9, lr.encode(), five,
                          {iscsi::kPduSetDigests | iscsi::kPduHeaderDigest | iscsi::kPduDataDigest,
                           0, 0, 65536}));
           return v;
         }()));
  REQUIRE(h.output_count(1) == 1);
  // The login response itself has no digests: BHS, 5 bytes, 3 of padding.
  const std::string first = contents(*h.captured(1)[0]);
  CHECK(first == wire(lr.encode(), five));
  CHECK(first.size() == 48 + 8);

  iscsi::NopIn nop;
  nop.itt = 4;
  h.push(1, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(pdu_packet(9, nop.encode(), five));
           return v;
         }()));
  REQUIRE(h.output_count(1) == 2);
  CHECK(contents(*h.captured(1)[1]) == wire(nop.encode(), five, {true, true}));
  CHECK(contents(*h.captured(1)[1]).size() == 48 + 4 + 8 + 4);
  CHECK(anno(*h.captured(1)[1]).connection == 9);

  // Received PDUs now need digests too: a good one passes, a bad header digest drops the
  // connection on both sides (the PDU boundary cannot be trusted any more).
  iscsi::NopOut ping;
  ping.itt = 5;
  ping.immediate = true;
  std::string good = wire(ping.encode(), {}, {true, true});
  std::string bad = good;
  bad[49] = static_cast<char>(bad[49] ^ 1);
  h.push(0, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(stream(9, StreamEvent::kData, good));
           v.push_back(stream(9, StreamEvent::kData, bad));
           return v;
         }()));
  REQUIRE(h.output_count(0) == 2);
  CHECK(iscsi::NopOut::decode(iscsi::pdu_bhs(*h.captured(0)[0])).itt == 5);
  CHECK(anno(*h.captured(0)[1]).event == StreamEvent::kClose);
  CHECK(contents(*h.captured(0)[1]) == "header digest mismatch");
  REQUIRE(h.output_count(1) == 3);
  CHECK(anno(*h.captured(1)[2]).event == StreamEvent::kClose);
  CHECK(anno(*h.captured(1)[2]).flags == net::kStreamAbort);
  CHECK(h.read("drops") == "1");
  CHECK(h.read("connections") == "0");
}

TEST_CASE("ISCSIFramer sends large data segments without copying them", "[ISCSIFramer]") {
  ElementHarness h("ISCSIFramer", "", 2, 2);
  REQUIRE(h.ok());
  std::vector<std::uint8_t> block(65537);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(i * 7);
  iscsi::DataIn d;
  d.itt = 3;
  d.final = true;
  PacketPtr p = Packet::wrap(block.data(), static_cast<std::uint32_t>(block.size()), 0,
                             static_cast<std::uint32_t>(block.size()), {}, true);
  iscsi::Bhs bhs = d.encode();
  bhs.set_data_segment_length(static_cast<std::uint32_t>(block.size()));
  iscsi::set_pdu_bhs(*p, bhs);
  net::set_stream_anno(*p, {2, StreamEvent::kData, 0, 0});
  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(stream(2, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:4000"));
           return v;
         }()));
  h.push(1, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(std::move(p));
           v.push_back(stream(2, StreamEvent::kClose));
           return v;
         }()));
  REQUIRE(h.output_count(1) == 4);  // header, the segment itself, padding, close
  CHECK(h.captured(1)[1]->data() == block.data());
  CHECK(concat(h.captured(1), 0).size() == 48 + 65537 + 3);
  CHECK(concat(h.captured(1), 0) == wire(d.encode(), block));
  CHECK(anno(*h.captured(1)[3]).event == StreamEvent::kClose);
}

// ---- ISCSITarget -------------------------------------------------------------------------------

TEST_CASE("ISCSITarget checks its arguments", "[ISCSITarget]") {
  ElementHarness none("ISCSITarget", std::string(kIqn), 1, 1);
  CHECK_THAT(none.errors(), Catch::Contains("LUN0: at least one logical unit is needed"));
  ElementHarness name("ISCSITarget", "disk, LUN0 memory", 1, 1);
  CHECK_THAT(name.errors(), Catch::Contains("NAME: expected an iSCSI name"));
  ElementHarness opt("ISCSITarget", std::string(kIqn) + ", LUN3 \"memory:1M fast\"", 1, 1);
  CHECK_THAT(opt.errors(), Catch::Contains("LUN3: unknown LUN option 'fast'"));
  ElementHarness kind("ISCSITarget", std::string(kIqn) + ", LUN0 tape:1", 1, 1);
  CHECK_THAT(kind.errors(), Catch::Contains("LUN0: unknown back end 'tape'"));
  ElementHarness chap("ISCSITarget", std::string(kIqn) + ", LUN0 memory, CHAP_USER u", 1, 1);
  CHECK_THAT(chap.errors(), Catch::Contains("CHAP_SECRET: needed with CHAP_USER"));
  ElementHarness file("ISCSITarget", std::string(kIqn) + ", LUN0 file:/nonexistent/dir/x.img", 1,
                      1);
  CHECK_THAT(file.errors(), Catch::Contains("While initializing"));
  CHECK_THAT(file.errors(), Catch::Contains("LUN0: "));

  auto spec = elements::ISCSITarget::parse_lun(
      "file:/tmp/x.img size=2G thin removable "
      "block-size=4096 serial=ABC read-only");
  REQUIRE(spec);
  CHECK(spec->backend == "file:/tmp/x.img");
  CHECK(*spec->size == (2ull << 30));
  CHECK(spec->lu.thin);
  CHECK(spec->lu.removable);
  CHECK(spec->lu.read_only);
  CHECK(spec->lu.block_size == 4096);
  CHECK(spec->lu.serial == "ABC");
  CHECK(elements::ISCSITarget::parse_lun("memory:12Q").message() == "bad size '12Q'");
}

TEST_CASE("ISCSITarget logs in, reads and logs out on PDU packets", "[ISCSITarget]") {
  ElementHarness h("ISCSITarget", std::string(kIqn) + ", LUN0 memory:1M, LUN2 \"null:4M thin\"", 1,
                   1);
  REQUIRE(h.ok());
  CHECK(h.read("luns") == "0 memory:1048576 2048 x 512\n2 null:4194304 8192 x 512 thin\n");
  std::vector<PacketPtr> in;
  in.push_back(stream(11, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:5555"));
  in.push_back(pdu_packet(11, login_bhs(), login_text()));
  h.push(0, batch_of(std::move(in)));
  REQUIRE(h.output_count(0) == 1);
  const Packet& lr = *h.captured(0)[0];
  const auto rsp = iscsi::LoginResponse::decode(iscsi::pdu_bhs(lr));
  CHECK(rsp.status_class == 0);
  CHECK(rsp.transit);
  CHECK(rsp.nsg == 3);
  CHECK(anno(lr).connection == 11);
  // The framer learns the negotiated settings from this flag.
  CHECK(iscsi::pdu_anno(lr).flags == iscsi::kPduSetDigests);
  CHECK(iscsi::pdu_anno(lr).max_recv_data_segment_length == 256 * 1024);
  CHECK(h.read("sessions") == "1");
  CHECK(h.read("session_list") == "1 iqn.2026-01.org.patchbay:initiator connections=1\n");

  // The first command after login reports the power-on unit attention.
  h.take_output(0);
  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(pdu_packet(11, command_bhs({0x00, 0, 0, 0, 0, 0}, 0, 5, 1)));
           return v;
         }()));
  REQUIRE(h.output_count(0) == 1);
  auto tur = iscsi::ScsiResponse::decode(iscsi::pdu_bhs(*h.captured(0)[0]));
  CHECK(tur.status == iscsi::scsi_status::kCheckCondition);
  CHECK(tur.itt == 5);

  // WRITE(10) of 4 KiB as immediate data, then READ(10) of 64 KiB: eight Data-In PDUs of the
  // initiator's default 8 KiB, each referencing the LU's read buffer (read-only packets).
  std::vector<std::uint8_t> pattern(4096);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(i % 251);
  iscsi::Bhs write = command_bhs({0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0}, 4096, 6, 2, false);
  write.b[1] |= 0x20;  // W
  h.take_output(0);
  h.push(
      0, batch_of([&] {
        std::vector<PacketPtr> v;
        v.push_back(pdu_packet(11, write, pattern));
        v.push_back(pdu_packet(11, command_bhs({0x28, 0, 0, 0, 0, 0, 0, 0, 128, 0}, 65536, 7, 3)));
        return v;
      }()));
  const auto& out = h.captured(0);
  REQUIRE(out.size() == 9);
  const auto wr = iscsi::ScsiResponse::decode(iscsi::pdu_bhs(*out[0]));
  CHECK(wr.itt == 6);
  CHECK(wr.status == iscsi::scsi_status::kGood);
  std::string read;
  for (std::size_t i = 1; i < 9; ++i) {
    const auto d = iscsi::DataIn::decode(iscsi::pdu_bhs(*out[i]));
    CHECK(d.itt == 7);
    CHECK(d.data_sn == i - 1);
    CHECK(d.buffer_offset == (i - 1) * 8192);
    CHECK(d.has_status == (i == 8));
    CHECK(out[i]->length() == 8192);
    CHECK(out[i]->shared());  // wraps the back end's buffer
    read += contents(*out[i]);
  }
  CHECK(read.substr(0, 4096) == bytes_of(pattern));
  CHECK(read.substr(4096) == std::string(65536 - 4096, '\0'));
  CHECK(h.read("bytes_read") == "65536");
  CHECK(h.read("bytes_written") == "4096");
  CHECK(h.read("commands") == "3");

  // Logout: the response, then a close event for the transport.
  iscsi::LogoutRequest lo;
  lo.itt = 8;
  lo.cmd_sn = 4;
  h.take_output(0);
  h.push(0, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(pdu_packet(11, lo.encode()));
           return v;
         }()));
  REQUIRE(h.output_count(0) == 2);
  CHECK(iscsi::pdu_bhs(*h.captured(0)[0]).opcode() ==
        static_cast<std::uint8_t>(iscsi::Opcode::logout_response));
  CHECK(anno(*h.captured(0)[1]).event == StreamEvent::kClose);
  CHECK(anno(*h.captured(0)[1]).connection == 11);
  CHECK(h.read("sessions") == "0");
  CHECK(h.read("connections") == "0");
}

TEST_CASE("ISCSITarget refuses a login without CHAP when CHAP is required", "[ISCSITarget]") {
  ElementHarness h("ISCSITarget",
                   std::string(kIqn) + ", LUN0 memory:1M, CHAP_USER alice, CHAP_SECRET s3cret", 1,
                   1);
  REQUIRE(h.ok());
  h.push(0, batch_of([] {
           std::vector<PacketPtr> v;
           v.push_back(stream(4, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:5555"));
           v.push_back(pdu_packet(4, login_bhs(), login_text()));
           v.push_back(pdu_packet(5, login_bhs(), login_text()));  // never opened: discarded
           return v;
         }()));
  REQUIRE(h.output_count(0) == 2);
  CHECK(h.read("unknown") == "1");
  const auto rsp = iscsi::LoginResponse::decode(iscsi::pdu_bhs(*h.captured(0)[0]));
  CHECK(rsp.status_class == 2);  // initiator error: authentication failure
  CHECK(rsp.status_detail == 1);
  CHECK(anno(*h.captured(0)[1]).event == StreamEvent::kClose);
  CHECK(h.read("login_failures") == "1");
}

TEST_CASE("ISCSITarget answers a Reject for a PDU the framer flagged", "[ISCSITarget]") {
  ElementHarness h("ISCSITarget", std::string(kIqn) + ", LUN0 memory:1M", 1, 1);
  REQUIRE(h.ok());
  iscsi::Bhs odd;
  odd.b[0] = 0x1c;
  h.push(0, batch_of([&] {
           std::vector<PacketPtr> v;
           v.push_back(stream(4, StreamEvent::kOpen, "127.0.0.1:3260 127.0.0.1:5555"));
           v.push_back(pdu_packet(4, login_bhs(), login_text()));
           v.push_back(pdu_packet(
               4, odd, {},
               {iscsi::kPduReject,
                static_cast<std::uint8_t>(iscsi::RejectReason::command_not_supported), 0, 0}));
           return v;
         }()));
  REQUIRE(h.output_count(0) == 2);
  const Packet& rj = *h.captured(0)[1];
  CHECK(iscsi::pdu_bhs(rj).opcode() == static_cast<std::uint8_t>(iscsi::Opcode::reject));
  CHECK(iscsi::Reject::decode(iscsi::pdu_bhs(rj)).reason ==
        static_cast<std::uint8_t>(iscsi::RejectReason::command_not_supported));
  CHECK(contents(rj) == bytes_of(odd.b));  // the offending header comes back
  CHECK(h.read("rejects") == "1");
}

// ---- the whole chain over TCP, and hot-swap -----------------------------------------------------

namespace {

std::string chain(const std::string& port) {
  return "tcp :: TCPServer(PORT " + port +
         ");\n"
         "framer :: ISCSIFramer;\n"
         "tgt :: ISCSITarget(" +
         kIqn +
         ", LUN0 memory:1M);\n"
         "tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;\n";
}

// Sends one PDU and collects the target's answers until `count` PDUs arrived.
std::vector<iscsi::Pdu> exchange(ConfigRun& r, int fd, const std::string& bytes,
                                 std::size_t count) {
  send_all(fd, bytes);
  std::string got;
  std::vector<iscsi::Pdu> pdus;
  eventually(
      [&] {
        r.run();
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) {
          char buf[65536];
          const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n > 0) got.append(buf, static_cast<std::size_t>(n));
        }
      },
      [&] {
        pdus = parse_target_pdus(got);
        return pdus.size() >= count;
      });
  return pdus;
}

}  // namespace

TEST_CASE("ISCSITarget behind TCPServer and ISCSIFramer keeps sessions across a hot-swap",
          "[ISCSITarget][ISCSIFramer][TCPServer]") {
  auto old_router = std::make_unique<ConfigRun>(chain("0"));
  REQUIRE(old_router->errors() == "");
  const std::string port = old_router->read("tcp.ports");
  const int fd = connect_to(static_cast<std::uint16_t>(std::stoi(port)));

  auto login = exchange(*old_router, fd, wire(login_bhs(), login_text()), 1);
  REQUIRE(login.size() == 1);
  CHECK(iscsi::LoginResponse::decode(login[0].bhs).status_class == 0);
  auto tur = exchange(*old_router, fd, wire(command_bhs({0, 0, 0, 0, 0, 0}, 0, 2, 1)), 1);
  REQUIRE(tur.size() == 1);
  CHECK(iscsi::ScsiResponse::decode(tur[0].bhs).status == iscsi::scsi_status::kCheckCondition);
  CHECK(old_router->read("tgt.sessions") == "1");

  // A new router with the same configuration (the same port, shared while both exist) takes the
  // listening socket, the connection, the framing state and the session.
  auto new_router = std::make_unique<ConfigRun>(chain(port));
  REQUIRE(new_router->errors() == "");
  CHECK(new_router->router().take_state_from(old_router->router()) == 3);
  old_router.reset();
  CHECK(new_router->read("tgt.sessions") == "1");
  CHECK(new_router->read("tcp.connections") == "1");

  // The session goes on: CmdSN 2 follows, and READ CAPACITY(10) answers 2048 blocks of 512.
  auto cap =
      exchange(*new_router, fd, wire(command_bhs({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 8, 3, 2)), 1);
  REQUIRE(cap.size() == 1);
  const auto d = iscsi::DataIn::decode(cap[0].bhs);
  CHECK(d.itt == 3);
  CHECK(d.has_status);
  REQUIRE(cap[0].data.size() == 8);
  CHECK(iscsi::load_be32(cap[0].data.data()) == 2047);
  CHECK(iscsi::load_be32(cap[0].data.data() + 4) == 512);

  // New connections reach the new router through the shared listening socket.
  const int fd2 = connect_to(static_cast<std::uint16_t>(std::stoi(port)));
  auto disc = exchange(*new_router, fd2, wire(login_bhs(1, 2), login_text("Discovery")), 1);
  REQUIRE(disc.size() == 1);
  CHECK(iscsi::LoginResponse::decode(disc[0].bhs).status_class == 0);
  CHECK(new_router->read("tgt.sessions") == "2");
  ::close(fd);
  ::close(fd2);
}
