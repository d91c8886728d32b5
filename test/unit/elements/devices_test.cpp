// Unit tests of elements/devices/ (FromDevice, ToDevice, ARPResponder, ICMPPingResponder,
// EtherMirror), one TEST_CASE tag per class. The device tests that need real interfaces run
// only as root (creating a TAP, binding AF_PACKET); the namespace tests in test/net/ cover the
// rest with real peers.
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <string>
#include <vector>

#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"
#include "test/unit/harness/private_netns.hpp"

using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::inject;
using pb::test::make_packet;
using pb::test::poll_until;
using pb::test::PrivateNetns;

namespace {

std::string hex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

pb::Batch one(std::string_view bytes) {
  pb::Batch b;
  b.append(make_packet(bytes));
  return b;
}

// Sends `frame` out of `dev` through a plain AF_PACKET socket; false if that is impossible.

// This process's source MAC: tests in other processes (another build's run, say) inject on the
// same `lo`, and must not be counted here.
std::string own_source_mac() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "02%08x0a", static_cast<unsigned>(::getpid()));
  return hex(buf);
}

// A frame of the local experimental EtherType 0x88b5 from this process's source MAC, so nothing
// else on the link looks like it.
std::string test_frame(char fill) {
  return hex("02000000000b") + own_source_mac() + hex("88b5") + std::string(50, fill);
}

// An IPv4/UDP frame from source port `port` (valid enough for the kernel's flow hash).
std::string udp_frame(std::uint16_t port) {
  char ports[9];
  std::snprintf(ports, sizeof ports, "%04x2328", port);
  return hex("02000000000b") + own_source_mac() + hex("0800") +
         hex("4500002e000040004011000a0a4d00010a4d0002") + hex(ports) + hex("001a0000") +
         std::string(18, 'u');
}

// The interface's promiscuity count (SIOCGIFFLAGS shows only the flag a user set, not the
// count packet sockets raise), from `ip -d link` run in this thread's namespace.
int promiscuity(const std::string& dev) {
  std::string cmd = "ip -d link show " + dev + " | grep -o 'promiscuity [0-9]*'";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return -1;
  int n = -1;
  if (std::fscanf(f, "promiscuity %d", &n) != 1) n = -1;
  ::pclose(f);
  return n;
}

std::vector<std::string> frames_of_test_type(const std::vector<pb::PacketPtr>& ps) {
  std::vector<std::string> out;
  const std::string header = own_source_mac() + hex("88b5");
  for (const auto& p : ps) {
    std::string c = contents(*p);
    if (c.size() >= 14 && c.substr(6, 8) == header) out.push_back(c);
  }
  return out;
}

// A fanout group id of this process's own: groups are shared across processes.
std::string own_fanout_group() {
  return std::to_string(::getpid() % 60000 + 1);
}

}  // namespace

TEST_CASE("ARPResponder answers requests for its address only", "[ARPResponder]") {
  ElementHarness h("ARPResponder", "10.77.0.1 02:00:00:00:00:01", 1, 2);
  REQUIRE(h.ok());
  // who-has 10.77.0.1 tell 10.77.0.2 (from 02:..:02)
  std::string req =
      hex("ffffffffffff020000000002"
          "0806"
          "0001080006040001"
          "020000000002"
          "0a4d0002"
          "000000000000"
          "0a4d0001");
  std::string other = req;
  other[41] = 9;  // asks for 10.77.0.9
  pb::Batch b;
  b.append(make_packet(req));
  b.append(make_packet(other));
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == hex("020000000002020000000001"
                                           "0806"
                                           "0001080006040002"
                                           "020000000001"
                                           "0a4d0001"
                                           "020000000002"
                                           "0a4d0002"));
  REQUIRE(h.output_count(1) == 1);
  CHECK(contents(*h.captured(1)[0]) == other);
  CHECK(h.read("count") == "1");
}

TEST_CASE("ARPResponder rejects a malformed entry", "[ARPResponder]") {
  ElementHarness h("ARPResponder", "10.77.0.1", 1, 1);
  CHECK_FALSE(h.ok());
  CHECK_THAT(h.errors(), Catch::Contains("ENTRY: expected 'IP ETH'"));
}

TEST_CASE("ICMPPingResponder turns echo requests into replies", "[ICMPPingResponder]") {
  ElementHarness h("ICMPPingResponder", "", 1, 2);
  REQUIRE(h.ok());
  // 10.77.0.2 -> 10.77.0.1 echo request id 0x1234 seq 1, payload "abcd"; checksums valid.
  std::string req =
      hex("4500002000004000400126410a4d00020a4d0001"
          "0800"
          "2104"
          "12340001"
          "61626364");
  std::string udp = req;
  udp[9] = 17;
  pb::Batch b;
  b.append(make_packet(req));
  b.append(make_packet(udp));
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == hex("4500002000004000400126410a4d00010a4d0002"
                                           "0000"
                                           "2904"
                                           "12340001"
                                           "61626364"));
  REQUIRE(h.output_count(1) == 1);
  CHECK(h.read("count") == "1");
}

TEST_CASE("EtherMirror swaps Ethernet addresses", "[EtherMirror]") {
  ElementHarness h("EtherMirror", "", 1, 1);
  REQUIRE(h.ok());
  h.push(0, one(hex("0a0a0a0a0a0a0b0b0b0b0b0b0800ff")));
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == hex("0b0b0b0b0b0b0a0a0a0a0a0a0800ff"));
}

TEST_CASE("FromDevice configuration errors name the device and cause", "[FromDevice]") {
  SECTION("XDP on a missing device") {
    ElementHarness h("FromDevice", "vx0, METHOD XDP", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("vx0: no such device"));
  }
  SECTION("SNIFFER false needs XDP") {
    ElementHarness h("FromDevice", "vx0, METHOD PACKET, SNIFFER false", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("SNIFFER: vx0: taking frames away from the kernel "
                                           "needs METHOD XDP"));
  }
  SECTION("SNIFFER true is not XDP") {
    ElementHarness h("FromDevice", "vx0, METHOD XDP, SNIFFER true", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("SNIFFER: vx0: true is PACKET's behaviour"));
  }
  SECTION("FILTER words") {
    ElementHarness h("FromDevice", "vx0, METHOD XDP, FILTER 'udp port x'", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("FILTER: bad port 'x'"));
    ElementHarness h2("FromDevice", "vx0, METHOD XDP, FILTER 'udp prot 9'", 0, 1);
    CHECK_THAT(h2.errors(), Catch::Contains("FILTER: unknown word 'prot'"));
    ElementHarness h3("FromDevice", "vx0, METHOD XDP, FILTER 'arp port 9'", 0, 1);
    CHECK_THAT(h3.errors(), Catch::Contains("FILTER: a protocol or port needs ip or ip6"));
    ElementHarness h4("FromDevice", "vx0, METHOD PACKET, FILTER 'udp'", 0, 1);
    CHECK_THAT(h4.errors(), Catch::Contains("FILTER: vx0: taking frames away"));
  }
  SECTION("RING is a power of two") {
    ElementHarness h("FromDevice", "vx0, METHOD XDP, RING 1000", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("RING"));
  }
  SECTION("a missing device") {
    ElementHarness h("FromDevice", "vx0", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("vx0: no such device"));
  }
  SECTION("BURST range") {
    ElementHarness h("FromDevice", "lo, BURST 0", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("BURST"));
  }
}

// On a private `lo` (PrivateNetns): only the injected frames reach the ring.
TEST_CASE("FromDevice PACKET receives ring frames that outlive the element",
          "[FromDevice][lo-ring]") {
  if (::geteuid() != 0) {
    WARN("not root: AF_PACKET receive not tested here (test/net covers it)");
    return;
  }
  PrivateNetns netns;
  REQUIRE(netns.ok());
  std::vector<pb::PacketPtr> kept;
  {
    ElementHarness h("FromDevice", "lo, METHOD PACKET, BURST 8", 0, 1);
    REQUIRE(h.ok());
    CHECK(h.read("method") == "PACKET");
    for (char c : {'x', 'y', 'z'}) REQUIRE(inject("lo", test_frame(c)));
    // The kernel retires a block after its 1 ms timeout; poll a bounded number of times.
    poll_until([&] { return frames_of_test_type(h.captured(0)).size() >= 3; },
               [&] { h.run_tasks(); }, 2000, 1000);
    auto got = frames_of_test_type(h.captured(0));
    REQUIRE(got.size() == 3);  // once each: the outgoing copy on lo is ignored
    CHECK(got[0] == test_frame('x'));
    CHECK(got[2] == test_frame('z'));
    kept = h.take_output(0);
  }
  // The router is gone; the ring stays mapped until these packets die.
  CHECK(frames_of_test_type(kept).at(1) == test_frame('y'));
}

TEST_CASE("FromDevice FANOUT shares a device's frames within a group", "[FromDevice][lo-ring]") {
  if (::geteuid() != 0) return;
  PrivateNetns netns;
  REQUIRE(netns.ok());
  const std::string config = "lo, METHOD PACKET, FANOUT " + own_fanout_group();
  ElementHarness a("FromDevice", config, 0, 1);
  ElementHarness b("FromDevice", config, 0, 1);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(inject("lo", test_frame('f')));
  auto total = [&] {
    return frames_of_test_type(a.captured(0)).size() + frames_of_test_type(b.captured(0)).size();
  };
  poll_until([&] { return total() != 0; },
             [&] {
               a.run_tasks();
               b.run_tasks();
             },
             2000, 1000);
  // A few more rounds: a frame delivered to both would show up here.
  for (int i = 0; i < 20; ++i) {
    a.run_tasks();
    b.run_tasks();
    ::usleep(1000);
  }
  CHECK(total() == 1);  // exactly one member of the group got it
}

TEST_CASE("FromDevice and ToDevice share a TAP interface", "[FromDevice][ToDevice]") {
  if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) {
    WARN("not root or no /dev/net/tun: TAP not tested here");
    return;
  }
  std::string dev = "pbu" + std::to_string(::getpid());
  ElementHarness from("FromDevice", dev + ", METHOD TAP", 0, 1);
  REQUIRE(from.ok());
  CHECK(::if_nametoindex(dev.c_str()) != 0);
  CHECK(from.read("method") == "TAP");
  REQUIRE(inject(dev, test_frame('t')));  // host -> TAP: patchbay receives it
  for (int i = 0; i < 1000 && frames_of_test_type(from.captured(0)).empty(); ++i) {
    from.run_tasks();
    ::usleep(1000);
  }
  auto got = frames_of_test_type(from.captured(0));
  REQUIRE(got.size() == 1);
  CHECK(got[0] == test_frame('t'));

  ElementHarness to("ToDevice", dev, 1, 0);  // AUTO finds the TAP and shares its fd
  REQUIRE(to.ok());
  CHECK(to.read("method") == "TAP");
  to.push(0, one(test_frame('u')));
  CHECK(to.read("count") == "1");
  CHECK(to.read("drops") == "0");
}

TEST_CASE("ToDevice errors and PACKET transmit", "[ToDevice]") {
  {
    ElementHarness h("ToDevice", "vx0", 1, 0);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("vx0: no such device"));
  }
  {
    ElementHarness h("ToDevice", "vx0, METHOD XDP", 1, 0);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("vx0: no such device"));
  }
  if (::geteuid() != 0) return;
  PrivateNetns netns;
  REQUIRE(netns.ok());
  ElementHarness rx("FromDevice", "lo, METHOD PACKET", 0, 1);
  ElementHarness tx("ToDevice", "lo, METHOD PACKET", 1, 0);
  REQUIRE(rx.ok());
  REQUIRE(tx.ok());
  tx.push(0, one(test_frame('s')));
  CHECK(tx.read("count") == "1");
  poll_until([&] { return !frames_of_test_type(rx.captured(0)).empty(); }, [&] { rx.run_tasks(); },
             2000, 1000);
  auto got = frames_of_test_type(rx.captured(0));
  REQUIRE(got.size() == 1);
  CHECK(got[0] == test_frame('s'));
}

TEST_CASE("ToDevice pulls from a Queue and sends everything it holds", "[ToDevice]") {
  if (::geteuid() != 0) return;
  PrivateNetns netns;
  REQUIRE(netns.ok());
  pb::test::ConfigRun r(
      "Idle -> q :: SimpleQueue -> t :: ToDevice(lo, METHOD PACKET, BURST 2);"
      "FromDevice(lo, METHOD PACKET) -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  pb::Batch b;
  for (char c : {'1', '2', '3'}) b.append(make_packet(test_frame(c)));
  r.element("q").push(0, std::move(b));
  poll_until([&] { return frames_of_test_type(r.out("out").packets).size() >= 3; },
             [&] { r.run(200); }, 2000, 1000);
  auto got = frames_of_test_type(r.out("out").packets);
  REQUIRE(got.size() == 3);
  CHECK(got[0] == test_frame('1'));
  CHECK(got[2] == test_frame('3'));
  CHECK(r.read("t.count") == "3");
  CHECK(r.read("t.method") == "PACKET");
}

// AF_XDP on a private `lo` (generic mode: lo has no native XDP). The program takes the frames
// FILTER selects and leaves the rest to the kernel; ToDevice transmits on the same socket.
TEST_CASE("FromDevice XDP takes the selected frames; ToDevice XDP sends",
          "[FromDevice][ToDevice]") {
  if (::geteuid() != 0) {
    WARN("not root: AF_XDP not tested here (test/net covers it)");
    return;
  }
  PrivateNetns netns;
  REQUIRE(netns.ok());
  std::vector<pb::PacketPtr> kept;
  {
    ElementHarness from("FromDevice", "lo, METHOD XDP, FILTER 'ether type 0x88b5', BURST 64", 0, 1);
    REQUIRE(from.ok());
    CHECK(from.read("method") == "XDP");
    CHECK(from.read("xdp_mode") == "generic");
    CHECK(from.read("zerocopy") == "false");
    CHECK_THAT(from.read("note"), Catch::Contains("lo: XDP native mode refused by the driver") &&
                                      Catch::Contains("using generic"));
    ElementHarness to("ToDevice", "lo, METHOD XDP", 1, 0);
    REQUIRE(to.ok());
    CHECK(to.read("method") == "XDP");
    // An IPv4 frame (not selected) and two test frames, one of them sent through ToDevice XDP.
    REQUIRE(
        inject("lo", hex("02000000000b") + own_source_mac() + hex("0800") + std::string(46, '\0')));
    REQUIRE(inject("lo", test_frame('a')));
    to.push(0, one(test_frame('b')));
    CHECK(to.read("count") == "1");
    CHECK(to.read("error") == "");
    // Copy mode delivers in the sender's softirq: everything is in the ring already; the bound
    // only covers scheduling.
    poll_until([&] { return frames_of_test_type(from.captured(0)).size() >= 2; },
               [&] { from.run_tasks(); });
    auto got = frames_of_test_type(from.captured(0));
    REQUIRE(got.size() == 2);
    CHECK(got[0] == test_frame('a'));
    CHECK(got[1] == test_frame('b'));
    CHECK(from.read("count") == "2");  // the IPv4 frame went to the kernel
    CHECK(std::stoul(from.read("passed")) >= 1);
    kept = from.take_output(0);
  }
  // The socket and program are gone; the UMEM stays mapped until these packets die.
  CHECK(frames_of_test_type(kept).at(0) == test_frame('a'));
  // Teardown left the interface as found: no XDP program in any mode.
  __u32 prog_id = 1;
  REQUIRE(bpf_xdp_query_id(static_cast<int>(::if_nametoindex("lo")), 0, &prog_id) == 0);
  CHECK(prog_id == 0);
}

// Several queues: one AF_XDP socket per queue of a two-queue veth (made with `ip` inside the
// private namespace: a child of this thread inherits its namespace), and a queue the device does
// not have is refused with the device and queue named.
TEST_CASE("FromDevice XDP binds one socket per queue", "[FromDevice]") {
  if (::geteuid() != 0) return;
  PrivateNetns netns;
  REQUIRE(netns.ok());
  // IPv6 off, so that only the test's frames cross the link (no router solicitations).
  REQUIRE(std::system("ip link add pbq0 numtxqueues 2 numrxqueues 2 type veth peer name pbq1 "
                      "numtxqueues 2 numrxqueues 2 && "
                      "sysctl -q -w net.ipv6.conf.pbq0.disable_ipv6=1 "
                      "net.ipv6.conf.pbq1.disable_ipv6=1 && "
                      "ip link set pbq0 up && ip link set pbq1 up") == 0);
  {
    ElementHarness h("FromDevice", "pbq0, METHOD XDP, QUEUES 2, RING 256, PROMISC true", 0, 1);
    REQUIRE(h.ok());
    CHECK(h.read("method") == "XDP");
    CHECK(h.read("xdp_mode") == "native");  // veth has native XDP
    CHECK(h.read("zerocopy") == "false");   // and refuses zero-copy
    CHECK(promiscuity("pbq0") == 1);
    // 64 UDP flows from the peer: the kernel hashes them over pbq1's two transmit queues, which
    // veth maps to pbq0's receive queues. Both sockets share the device's one UMEM, each with
    // its own fill ring: every frame must arrive, on both queues.
    for (std::uint16_t port = 1000; port < 1064; ++port) REQUIRE(inject("pbq1", udp_frame(port)));
    poll_until([&] { return h.read("count") == "64"; }, [&] { h.run_tasks(); });
    CHECK(h.read("count") == "64");
    CHECK(h.read("drops") == "0");
    unsigned q0 = 0, q1 = 0;
    REQUIRE(std::sscanf(h.read("queue_counts").c_str(), "0:%u 1:%u", &q0, &q1) == 2);
    CHECK(q0 + q1 == 64);
    CHECK(q0 > 0);
    CHECK(q1 > 0);
  }
  CHECK(promiscuity("pbq0") == 0);  // undone with the element
  {
    ElementHarness h("FromDevice", "pbq0, METHOD XDP, QUEUE 5", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("pbq0: AF_XDP bind to queue 5 refused"));
  }
  {
    // A fresh pair: the kernel releases the sockets closed above asynchronously, and a queue
    // still taken would fail with another error.
    REQUIRE(std::system("ip link add pbq2 type veth peer name pbq3 && ip link set pbq2 up && "
                        "ip link set pbq3 up") == 0);
    ElementHarness h("FromDevice", "pbq2, METHOD XDP, ZEROCOPY true", 0, 1);
    CHECK_FALSE(h.ok());
    CHECK_THAT(h.errors(), Catch::Contains("pbq2: zero-copy refused by the driver"));
  }
  for (const char* dev : {"pbq0", "pbq2"}) {
    __u32 prog_id = 1;
    REQUIRE(bpf_xdp_query_id(static_cast<int>(::if_nametoindex(dev)), 0, &prog_id) == 0);
    CHECK(prog_id == 0);  // a failed start left the interface as found too
  }
  CHECK(std::system("ip link del pbq0 && ip link del pbq2") == 0);
}
