// Unit tests of the zerocopy elements (tagged with each class name, as the registry test requires).
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "drivers/zcring/zcring.hpp"
#include "elements/zerocopy/zero_copy_ring.hpp"
#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"
#include "test/unit/harness/private_netns.hpp"

namespace {

using pb::elements::ZeroCopyRing;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_batch;

// Rings of these tests are published in a private folder, not /dev/shm.
std::string ring_name(const std::string& base) {
  // Removed at exit (empty by then: every ring unpublishes its name when cleaned up).
  static const struct Dir {
    std::string path = "/tmp/pb-zc-unit-" + std::to_string(getpid());
    Dir() {
      mkdir(path.c_str(), 0700);
      setenv("PB_ZC_DIR", path.c_str(), 1);
    }
    ~Dir() { rmdir(path.c_str()); }
  } dir;
  return base + "-" + std::to_string(getpid());
}

std::string unit_bytes(const zc_unit_view& v) {
  return std::string(reinterpret_cast<const char*>(v.data), v.length);
}

std::unique_ptr<pb::zc::Consumer> attach(const std::string& name) {
  int err = 0;
  auto c = pb::zc::Consumer::attach(name, err);
  REQUIRE(err == 0);
  REQUIRE(c);
  return c;
}

}  // namespace

TEST_CASE("ZeroCopyRing moves units through the seven states", "[ZeroCopyRing]") {
  std::string name = ring_name("states");
  ElementHarness h("ZeroCopyRing", name + ", UNITS 8, UNIT_SIZE 128, SCAN_INTERVAL 10s", 1, 1);
  REQUIRE(h.ok());
  CHECK(h.read("n") == "8");
  CHECK(h.read("free") == "8");

  h.push(0, make_batch(3, 60, 10));  // packets filled with 10, 11, 12
  CHECK(h.read("stored") == "3");
  CHECK(h.read("received") == "3");
  CHECK(h.read("free") == "5");

  auto c = attach(name);
  CHECK(h.read("consumer_pid") == std::to_string(getpid()));
  std::vector<zc_unit_view> v(8);
  REQUIRE(c->poll(v) == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(v[i].length == 60);
    CHECK(v[i].seq == std::uint64_t(i));
    CHECK(unit_bytes(v[i]) == std::string(60, char(10 + i)));
    CHECK(c->state(v[i].index) == ZC_READ);
  }
  CHECK(h.read("read") == "3");
  CHECK(c->poll(v) == 0);  // nothing new
  CHECK(zc_ring_header(c->get())->stored == 3);

  // The consumer edits unit 0 in place before sending it: the output sees the edit, no copy.
  v[0].data[0] = 'Z';
  REQUIRE(c->mark_send(v[0].index) == 0);
  REQUIRE(c->mark_drop(v[1].index) == 0);
  REQUIRE(c->mark_send(v[2].index) == 0);
  CHECK(h.read("send") == "2");
  CHECK(h.read("drop") == "1");
  CHECK(zc_mark(c->get(), v[0].index, ZC_FREE) == -EINVAL);
  CHECK(zc_mark(c->get(), 99, ZC_DROP) == -EINVAL);
  CHECK(c->mark_drop(v[0].index) == -ESTALE);  // already decided

  REQUIRE(h.write("scan").is_ok());
  CHECK(h.read("scans") == "1");
  CHECK(h.read("sent") == "2");
  CHECK(h.read("consumer_drops") == "1");
  REQUIRE(h.output_count(0) == 2);
  CHECK(contents(*h.captured(0)[0]) == "Z" + std::string(59, char(10)));
  CHECK(contents(*h.captured(0)[1]) == std::string(60, char(12)));
  // The sent packets still wrap their units: in-send until they are freed.
  CHECK(h.read("in_send") == "2");
  CHECK(h.read("free") == "6");
  CHECK(c->state(v[0].index) == ZC_IN_SEND);
  h.take_output(0);  // drops the packets
  CHECK(h.read("in_send") == "0");
  CHECK(h.read("free") == "8");

  // Freed units are used again, round the ring.
  h.push(0, make_batch(2, 30, 50));
  REQUIRE(c->poll(v) == 2);
  CHECK(unit_bytes(v[0]) == std::string(30, char(50)));
  CHECK(v[0].seq == 3);
  CHECK(v[0].index == 3);
  REQUIRE(c->mark_drop(v[0].index) == 0);
  REQUIRE(c->mark_drop(v[1].index) == 0);
  REQUIRE(h.write("scan").is_ok());
  CHECK(h.read("free") == "8");
  CHECK(h.read("consumer_drops") == "3");
}

TEST_CASE("ZeroCopyRing drops arrivals when no unit is free (Condition 2)", "[ZeroCopyRing]") {
  std::string name = ring_name("cond2");
  ElementHarness h("ZeroCopyRing", name + ", UNITS 4, UNIT_SIZE 64", 1, 1);
  REQUIRE(h.ok());
  h.push(0, make_batch(6, 40));
  CHECK(h.read("stored") == "4");
  CHECK(h.read("no_unit_drops") == "2");
  CHECK(h.read("received") == "4");
  h.push(0, make_batch(1, 65));  // longer than a unit
  CHECK(h.read("too_long_drops") == "1");
  CHECK(h.read("no_unit_drops") == "2");

  // Once the consumer gives units back, arrivals are stored again.
  auto c = attach(name);
  CHECK(zc_ring_header(c->get())->no_unit_drops == 2);  // the consumer sees Condition 2 too
  std::vector<zc_unit_view> v(4);
  REQUIRE(c->poll(v) == 4);
  CHECK(c->mark_drop(v[1].index) == 0);
  REQUIRE(h.write("scan").is_ok());
  h.push(0, make_batch(2, 40, 7));
  CHECK(h.read("stored") == "5");
  CHECK(h.read("no_unit_drops") == "3");
  REQUIRE(c->poll(v) == 1);
  CHECK(unit_bytes(v[0]) == std::string(40, char(7)));
}

TEST_CASE("ZeroCopyRing reclaims the units of a consumer that died", "[ZeroCopyRing]") {
  std::string name = ring_name("death");
  ElementHarness h("ZeroCopyRing", name + ", UNITS 8, UNIT_SIZE 128", 1, 1);
  REQUIRE(h.ok());
  h.push(0, make_batch(4, 60));

  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child consumer: claims three units, decides one (send), then hangs until killed.
    zc_ring* r = nullptr;
    if (zc_attach(name.c_str(), &r) != 0) _exit(1);
    zc_unit_view v[3];
    if (zc_poll(r, v, 3) != 3 || zc_mark(r, v[0].index, ZC_SEND) != 0) _exit(2);
    char ok = 'k';
    if (write(pipefd[1], &ok, 1) != 1) _exit(3);
    for (;;) pause();
  }
  close(pipefd[1]);
  char got = 0;
  REQUIRE(read(pipefd[0], &got, 1) == 1);
  close(pipefd[0]);
  CHECK(got == 'k');
  CHECK(h.read("consumer_pid") == std::to_string(child));
  CHECK(h.read("read") == "2");
  CHECK(h.read("send") == "1");
  CHECK(h.read("received") == "1");

  // While it lives, nobody else can attach and a scan leaves its units alone.
  zc_ring* other = nullptr;
  CHECK(zc_attach(name.c_str(), &other) == -EBUSY);
  REQUIRE(h.write("scan").is_ok());
  CHECK(h.read("consumer_deaths") == "0");
  CHECK(h.read("read") == "2");

  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));

  REQUIRE(h.write("scan").is_ok());
  CHECK(h.read("consumer_deaths") == "1");
  CHECK(h.read("consumer_pid") == "0");
  // Its two read units and the one it had not claimed come back; the send unit still leaves.
  CHECK(h.read("orphans_reclaimed") == "3");
  CHECK(h.read("sent") == "1");
  CHECK(h.output_count(0) == 1);
  h.take_output(0);
  CHECK(h.read("free") == "8");

  // A new consumer attaches and sees new traffic.
  auto c = attach(name);
  h.push(0, make_batch(1, 20, 9));
  std::vector<zc_unit_view> v(8);
  REQUIRE(c->poll(v) == 1);
  CHECK(unit_bytes(v[0]) == std::string(20, char(9)));
}

TEST_CASE("ZeroCopyRing consumer API: attach errors, detach, wait", "[ZeroCopyRing]") {
  std::string name = ring_name("api");
  zc_ring* r = nullptr;
  CHECK(zc_attach(name.c_str(), &r) == -ENOENT);
  CHECK(zc_attach("bad/name", &r) == -EINVAL);
  CHECK(zc_attach("", &r) == -EINVAL);
  {
    // Something that is not a ring under a ring's name.
    char path[512];
    REQUIRE(zc_name_path("bogus", path, sizeof path) == 0);
    std::ofstream(path) << std::string(4096, 'x');
    CHECK(zc_attach("bogus", &r) == -EPROTO);
    unlink(path);
  }

  ElementHarness h("ZeroCopyRing", name + ", UNITS 4, UNIT_SIZE 64", 1, 1);
  REQUIRE(h.ok());
  {
    // The same name twice in one live process is refused with a clear error.
    ElementHarness dup("ZeroCopyRing", name + ", UNITS 4", 1, 1);
    CHECK_FALSE(dup.ok());
    CHECK_THAT(dup.errors(), Catch::Contains("another live process publishes this name"));
  }
  auto c = attach(name);
  CHECK(c->units() == 4);
  CHECK(c->unit_size() == 64);
  CHECK(c->producer_alive());
  std::vector<zc_unit_view> v(4);
  CHECK(c->poll(v) == 0);
  CHECK(c->wait(0) == 0);  // nothing published since the poll
  h.push(0, make_batch(2, 10));
  CHECK(c->wait(0) == 1);
  REQUIRE(c->poll(v) == 2);
  // Detaching turns undecided (read) units into drop, so they are reclaimed at the next scan.
  c.reset();
  CHECK(h.read("consumer_pid") == "0");
  CHECK(h.read("drop") == "2");
  REQUIRE(h.write("scan").is_ok());
  CHECK(h.read("free") == "4");
  CHECK(h.read("consumer_deaths") == "0");
  CHECK(std::string(zc_state_name(ZC_IN_SEND)) == "in-send");
  CHECK(std::string(zc_state_name(42)) == "?");
}

TEST_CASE("ZeroCopyRing UNITS AUTO follows the SEPCOM model", "[ZeroCopyRing]") {
  // n = sqrt(α / C_scan): α = 1 ms, C_scan = 1 ns -> 1000 (the paper's example).
  CHECK(ZeroCopyRing::auto_units(1e6, 1.0, 0) == 1000);
  CHECK(ZeroCopyRing::auto_units(1e6, 4.0, 0) == 500);
  // Bounded by n > p·α: 2 Mpps over 1 ms needs more than 2000 units.
  CHECK(ZeroCopyRing::auto_units(1e6, 1.0, 2e6) == 2001);
  CHECK(ZeroCopyRing::auto_units(100, 1000, 0) == ZeroCopyRing::kMinUnits);
  CHECK(ZeroCopyRing::auto_units(1e10, 1e-3, 0) == ZeroCopyRing::kMaxUnits);
  // T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C is least at that n.
  double best = ZeroCopyRing::model_time_ns(1, 1e6, 1, 100, 1000);
  CHECK(best == Approx(500 + 500.5 + 100));
  CHECK(ZeroCopyRing::model_time_ns(1, 1e6, 1, 100, 900) > best);
  CHECK(ZeroCopyRing::model_time_ns(1, 1e6, 1, 100, 1100) > best);

  ElementHarness a("ZeroCopyRing",
                   ring_name("auto1") + ", UNITS AUTO, SCAN_INTERVAL 1ms, C_SCAN 1ns", 1, 1);
  REQUIRE(a.ok());
  CHECK(a.read("n") == "1000");
  CHECK(a.read("free") == "1000");
  ElementHarness b("ZeroCopyRing",
                   ring_name("auto2") + ", UNITS AUTO, SCAN_INTERVAL 1ms, C_SCAN 4ns, RATE 3000000",
                   1, 1);
  REQUIRE(b.ok());
  CHECK(b.read("n") == "3001");
  CHECK(std::stod(b.read("c_scan_ns")) == Approx(4.0));
  // Measured C_scan: some positive figure (its size is the bench's business).
  CHECK(ZeroCopyRing::measure_c_scan_ns(1024) > 0);
}

TEST_CASE("ZeroCopyRing rejects bad arguments with their keyword", "[ZeroCopyRing]") {
  ElementHarness a("ZeroCopyRing", "x, UNITS 1", 1, 1);
  CHECK_FALSE(a.ok());
  CHECK_THAT(a.errors(), Catch::Contains("UNITS") && Catch::Contains("AUTO"));
  ElementHarness b("ZeroCopyRing", "a/b", 1, 1);
  CHECK_FALSE(b.ok());
  CHECK_THAT(b.errors(), Catch::Contains("NAME"));
  ElementHarness c("ZeroCopyRing", "x, UNIT_SIZE 10", 1, 1);
  CHECK_FALSE(c.ok());
  CHECK_THAT(c.errors(), Catch::Contains("UNIT_SIZE"));
  ElementHarness d("ZeroCopyRing", "x, C_SCAN 3", 1, 1);
  CHECK_FALSE(d.ok());
  CHECK_THAT(d.errors(), Catch::Contains("C_SCAN"));
  ElementHarness e("ZeroCopyRing", "x, SCAN_INTERVAL 1ns", 1, 1);
  CHECK_FALSE(e.ok());
  CHECK_THAT(e.errors(), Catch::Contains("SCAN_INTERVAL"));
}

TEST_CASE("ZeroCopyRing survives a consumer that scribbles on the unit states", "[ZeroCopyRing]") {
  std::string name = ring_name("scribble");
  ElementHarness h("ZeroCopyRing", name + ", UNITS 4, UNIT_SIZE 64", 1, 1);
  REQUIRE(h.ok());
  auto c = attach(name);
  // The consumer's mapping is writable: it overwrites every free unit's state and claims a
  // length beyond the unit.
  auto* base = reinterpret_cast<std::uint8_t*>(const_cast<zc_header*>(zc_ring_header(c->get())));
  auto* units = reinterpret_cast<zc_unit*>(base + zc_ring_header(c->get())->desc_offset);
  for (int i = 0; i < 4; ++i) units[i].state = 77;
  h.push(0, make_batch(2, 40));  // must not hang looking for a free unit
  CHECK(h.read("stored") == "0");
  CHECK(h.read("no_unit_drops") == "2");
  units[1].state = ZC_SEND;
  units[1].length = 100000;
  REQUIRE(h.write("scan").is_ok());
  REQUIRE(h.output_count(0) == 1);
  CHECK(h.captured(0)[0]->length() == 64);  // clamped to the unit
  h.take_output(0);
  CHECK(h.read("free") == "1");
  h.push(0, make_batch(1, 40));  // the free count was resynchronised: stored again
  CHECK(h.read("stored") == "1");
}

// The UMEM mode: FromDevice(METHOD XDP) on a veth in a private namespace feeds the ring; the
// frames the kernel wrote into the AF_XDP UMEM are lent to the consumer in place (it maps the
// UMEM's memfd), its edit reaches the output, and the packet that leaves is the UMEM frame
// itself — nothing was copied on the way.
TEST_CASE("ZeroCopyRing lends AF_XDP UMEM frames in place", "[ZeroCopyRing]") {
  if (::geteuid() != 0) {
    WARN("not root: the UMEM mode needs AF_XDP (not tested here)");
    return;
  }
  pb::test::PrivateNetns netns;
  REQUIRE(netns.ok());
  // One veth pair per run: the kernel releases a closed AF_XDP socket asynchronously, so the
  // second run could find queue 0 still taken on the first run's interface.
  REQUIRE(std::system("for p in 0 2; do q=$((p + 1)); "
                      "ip link add pbz$p type veth peer name pbz$q && "
                      "sysctl -q -w net.ipv6.conf.pbz$p.disable_ipv6=1 "
                      "net.ipv6.conf.pbz$q.disable_ipv6=1 && "
                      "ip link set pbz$p up && ip link set pbz$q up || exit 1; done") == 0);
  auto frame = [](char fill) {
    return std::string("\x02\0\0\0\0\x0b\x02\0\0\0\0\x0c\x88\xb5", 14) + std::string(50, fill);
  };
  for (bool umem : {true, false}) {
    std::string name = ring_name(umem ? "umem" : "copy");
    const std::string rx = umem ? "pbz0" : "pbz2", tx = umem ? "pbz1" : "pbz3";
    pb::test::ConfigRun r("FromDevice(" + rx + ", METHOD XDP, RING 256) -> z :: ZeroCopyRing(" +
                          name + ", UNITS 16, SCAN_INTERVAL 10s, UMEM " +
                          (umem ? "true" : "false") + ") -> out :: HarnessOut;");
    REQUIRE(r.errors() == "");
    REQUIRE(r.ok());
    for (char c : {'a', 'b', 'c'}) REQUIRE(pb::test::inject(tx, frame(c)));
    pb::test::poll_until([&] { return r.read("z.stored") == "3"; }, [&] { r.run(100); });
    REQUIRE(r.read("z.stored") == "3");
    CHECK(r.read("z.lent") == (umem ? "3" : "0"));

    auto c = attach(name);
    std::vector<zc_unit_view> v(16);
    REQUIRE(c->poll(v) == 3);
    const auto* hdr = zc_ring_header(c->get());
    for (int i = 0; i < 3; ++i) {
      CHECK(unit_bytes(v[i]) == frame(char('a' + i)));
      // Lent units point outside the ring's own region: into the mapped UMEM.
      auto* p = reinterpret_cast<const std::uint8_t*>(v[i].data);
      auto* base = reinterpret_cast<const std::uint8_t*>(hdr);
      CHECK((p < base || p >= base + hdr->region_size) == umem);
    }
    CHECK(c->bad_units() == 0);
    v[0].data[20] = 'Z';  // in place, in the UMEM frame
    REQUIRE(c->mark_send(v[0].index) == 0);
    REQUIRE(c->mark_drop(v[1].index) == 0);
    REQUIRE(c->mark_send(v[2].index) == 0);
    dynamic_cast<ZeroCopyRing&>(r.element("z")).scan();
    CHECK(r.read("z.sent") == "2");
    auto& got = r.out("out").packets;
    REQUIRE(got.size() == 2);
    std::string edited = frame('a');
    edited[20] = 'Z';
    CHECK(contents(*got[0]) == edited);
    CHECK(contents(*got[1]) == frame('c'));
    // The packets that left are the UMEM frames themselves (or the ring's units when copying).
    CHECK((got[0]->shareable_memory() != nullptr) == umem);
    CHECK(r.read("z.free") == (umem ? "16" : "14"));  // a copied unit stays in-send while out
    got.clear();
    CHECK(r.read("z.free") == "16");
  }
  CHECK(std::system("ip link del pbz0 && ip link del pbz2") == 0);
}
