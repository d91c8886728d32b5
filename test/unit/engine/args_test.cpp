#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "runtime/element/args.hpp"

using namespace pb;
using namespace pb::literals;

TEST_CASE("Args reads positional and keyword arguments", "[args]") {
  std::string data;
  std::int64_t limit = -1;
  std::uint32_t burst = 1;
  bool stop = false;
  Args a("\"hello, world\", 10, STOP true");
  Status st = a.optional("DATA", data)
                  .optional("LIMIT", limit)
                  .optional("BURST", burst)
                  .optional_keyword("STOP", stop)
                  .done();
  REQUIRE(st.is_ok());
  CHECK(data == "hello, world");
  CHECK(limit == 10);
  CHECK(burst == 1);  // absent: unchanged
  CHECK(stop);
}

TEST_CASE("Args: a bare upper-case word is positional, as in Click", "[args]") {
  std::string file, encap = "ETHER";
  std::uint32_t snaplen = 0;
  Args a("f.pcap, 2000, IP");  // ToDump(f.pcap, 2000, IP)
  REQUIRE(a.required("FILENAME", file)
              .optional("SNAPLEN", snaplen)
              .optional("ENCAP", encap)
              .done()
              .is_ok());
  CHECK(file == "f.pcap");
  CHECK(snaplen == 2000);
  CHECK(encap == "IP");
  // With a value it is a keyword again.
  Args b("f.pcap, ENCAP IP");
  REQUIRE(b.required("FILENAME", file)
              .optional("SNAPLEN", snaplen)
              .optional("ENCAP", encap)
              .done()
              .is_ok());
  CHECK(encap == "IP");
}

TEST_CASE("Args: keyword arguments in any order; the last repeat wins", "[args]") {
  std::uint32_t a = 0, b = 0;
  Args args("B 2, A 1, B 3");
  REQUIRE(args.required("A", a).required("B", b).done().is_ok());
  CHECK(a == 1);
  CHECK(b == 3);
}

TEST_CASE("Args is transactional: a failed parse changes nothing", "[args]") {
  std::uint32_t limit = 5;
  std::string name = "old";
  Args a("NAME new, LIMIT ten");
  Status st = a.optional("NAME", name).optional("LIMIT", limit).done();
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message() == "LIMIT: expected unsigned integer, got 'ten'");
  CHECK(name == "old");
  CHECK(limit == 5);
}

TEST_CASE("Args reports missing, unknown and extra arguments, all at once", "[args]") {
  std::uint32_t x = 0;
  Args a("FOO 1");
  Status st = a.required_keyword("X", x).done();
  CHECK(st.message() == "missing mandatory X argument\nunknown keyword FOO");
  Args b("1, 2");
  CHECK(b.optional("X", x).done().message() == "too many arguments");
  Args c("1, X 2");
  CHECK(c.optional("X", x).done().message() == "X: given both by position and as keyword");
}

TEST_CASE("Args: integers never narrow silently", "[args]") {
  std::uint16_t port = 0;
  std::int8_t small = 0;
  std::uint64_t big = 0;
  CHECK(Args("70000").required("PORT", port).done().message() ==
        "PORT: expected unsigned integer between 0 and 65535, got '70000'");
  CHECK(Args("-129").required("S", small).done().message() ==
        "S: expected integer between -128 and 127, got '-129'");
  CHECK(Args("-1").required("P", port).done().message() ==
        "P: expected unsigned integer, got '-1'");
  REQUIRE(Args("-128").required("S", small).done().is_ok());
  CHECK(small == -128);
  REQUIRE(Args("0xffffffffffffffff").required("B", big).done().is_ok());
  CHECK(big == UINT64_MAX);
  CHECK(Args("18446744073709551616").required("B", big).done().message() ==
        "B: expected unsigned integer between 0 and 18446744073709551615, got "
        "'18446744073709551616'");
}

TEST_CASE("Args: range checks name the bound", "[args]") {
  std::uint32_t burst = 1;
  CHECK(Args("0").required("BURST", burst, in_range(1u, 256u)).done().message() ==
        "BURST: must be between 1 and 256");
  CHECK(Args("300").required("BURST", burst, at_most(256u)).done().message() ==
        "BURST: must be at most 256");
  Bandwidth rate;
  CHECK(Args("0bps").required("RATE", rate, at_least(1_bps)).done().message() ==
        "RATE: must be at least 1bps");
}

TEST_CASE("Args: typed values with units", "[args]") {
  bool b = false;
  double d = 0;
  Bytes bytes;
  Bandwidth bw;
  Duration t;
  IPv4Address ip;
  EtherAddress eth;
  REQUIRE(Args("yes, 2.5, 1KiB, 10Mbps, 1.5ms, 10.0.0.1, 00:1a:2B:3c:4d:5e")
              .required("B", b)
              .required("D", d)
              .required("BYTES", bytes)
              .required("BW", bw)
              .required("T", t)
              .required("IP", ip)
              .required("ETH", eth)
              .done()
              .is_ok());
  CHECK(b);
  CHECK(d == 2.5);
  CHECK(bytes.value == 1024);
  CHECK(bw.bits_per_second == 10'000'000);
  CHECK(t.ns == 1'500'000);
  CHECK(format_value(ip) == "10.0.0.1");
  const auto* ipb = reinterpret_cast<const std::uint8_t*>(&ip.addr);
  CHECK(ipb[0] == 10);  // network byte order
  CHECK(ipb[3] == 1);
  CHECK(format_value(eth) == "00:1a:2b:3c:4d:5e");
}

TEST_CASE("Byte counts, bandwidths and durations accept Click's units", "[args]") {
  auto bytes = [](const char* s) { return parse_value<Bytes>(s).value().value; };
  CHECK(bytes("64") == 64);
  CHECK(bytes("64B") == 64);
  CHECK(bytes("2MB") == 2'000'000);
  CHECK(bytes("2MiB") == 2u << 20);
  CHECK(bytes("1kB") == 1000);
  CHECK(bytes("1K") == 1024);
  CHECK(bytes("1.5KiB") == 1536);
  auto bw = [](const char* s) { return parse_value<Bandwidth>(s).value().bits_per_second; };
  CHECK(bw("1000") == 8000);  // plain number: bytes per second
  CHECK(bw("100bps") == 100);
  CHECK(bw("1Kbps") == 1000);
  CHECK(bw("1.5Gbps") == 1'500'000'000);
  CHECK(bw("2MBps") == 16'000'000);
  CHECK(bw("1kBps") == 8000);
  auto dur = [](const char* s) { return parse_value<Duration>(s).value().ns; };
  CHECK(dur("2") == 2'000'000'000);  // plain number: seconds
  CHECK(dur("0.001") == 1'000'000);
  CHECK(dur("250ms") == 250'000'000);
  CHECK(dur("10us") == 10'000);
  CHECK(dur("7ns") == 7);
  CHECK(dur("1min") == 60'000'000'000);
  CHECK(parse_value<Bytes>("12 apples").message() == "expected byte count, got '12 apples'");
  CHECK(parse_value<Bandwidth>("fast").message() == "expected bandwidth, got 'fast'");
  CHECK(parse_value<Duration>("-1s").message() == "expected time, got '-1s'");
  CHECK(parse_value<IPv4Address>("10.0.0.256").message() ==
        "expected IP address, got '10.0.0.256'");
  CHECK(parse_value<EtherAddress>("00:11:22:33:44").message() ==
        "expected Ethernet address, got '00:11:22:33:44'");
  CHECK(parse_value<bool>("maybe").message() == "expected boolean, got 'maybe'");
}

TEST_CASE("Formatting round-trips through parsing", "[args]") {
  CHECK(format_value(Bytes{2048}) == "2KiB");
  CHECK(format_value(Bytes{1000}) == "1000");
  CHECK(format_value(Bandwidth{10'000'000}) == "10Mbps");
  CHECK(format_value(Duration{1'500'000}) == "1500us");
  CHECK(parse_value<Duration>(format_value(Duration{1'500'000})).value().ns == 1'500'000);
  CHECK(format_value(2.5) == "2.5");
  CHECK(format_value(true) == "true");
}

TEST_CASE("Args: enumerations and optional values", "[args]") {
  enum class Method { automatic, xdp, packet };
  Method m = Method::automatic;
  auto methods = choices<Method>(
      {{"AUTO", Method::automatic}, {"XDP", Method::xdp}, {"PACKET", Method::packet}});
  REQUIRE(Args("METHOD XDP").optional_keyword("METHOD", m, methods).done().is_ok());
  CHECK(m == Method::xdp);
  CHECK(Args("METHOD DPDK").optional_keyword("METHOD", m, methods).done().message() ==
        "METHOD: expected one of AUTO, XDP, PACKET, got 'DPDK'");
  std::optional<Bytes> len;
  Args a("");
  REQUIRE(a.optional_keyword("LENGTH", len).done().is_ok());
  CHECK_FALSE(len);
  Args b("LENGTH 60");
  REQUIRE(b.optional_keyword("LENGTH", len).done().is_ok());
  CHECK(b.given("LENGTH"));
  REQUIRE(len);
  CHECK(len->value == 60);
}
