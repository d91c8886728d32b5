// Unit tests of elements/pcap/ (FromDump, ToDump), one TEST_CASE tag per class. Files are written
// and read back with libpcap directly, so each element is checked against the library, not
// against the other element.
#include <catch2/catch.hpp>

#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ConfigRun;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_packet;

namespace {

// A file name in the temporary directory, unique to this process; removed when it goes away.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_((std::filesystem::temp_directory_path() /
               ("pb_pcap_test_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {}
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Record {
  std::uint64_t ts_ns = 0;
  std::uint32_t len = 0;  // on the wire
  std::string data;       // captured bytes
};

struct PcapFile {
  int linktype = -1;
  int snaplen = 0;
  int precision = 0;
  std::vector<Record> records;
};

// Reads a whole file with libpcap (nanosecond timestamps whatever the file's precision).
PcapFile read_pcap(const std::string& path) {
  PcapFile f;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  REQUIRE(p != nullptr);
  f.linktype = pcap_datalink(p);
  f.snaplen = pcap_snapshot(p);
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1)
    f.records.push_back({static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ull +
                             static_cast<std::uint64_t>(h->ts.tv_usec),
                         h->len, std::string(reinterpret_cast<const char*>(d), h->caplen)});
  pcap_close(p);
  return f;
}

// Writes records with libpcap (microsecond precision unless nano).
void write_pcap(const std::string& path, int linktype, const std::vector<Record>& records,
                bool nano = false) {
  pcap_t* p = pcap_open_dead_with_tstamp_precision(
      linktype, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  REQUIRE(p != nullptr);
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  REQUIRE(d != nullptr);
  for (const Record& r : records) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(r.ts_ns / 1'000'000'000ull);
    h.ts.tv_usec = static_cast<suseconds_t>((r.ts_ns % 1'000'000'000ull) / (nano ? 1 : 1000));
    h.caplen = static_cast<bpf_u_int32>(r.data.size());
    h.len = r.len ? r.len : h.caplen;
    pcap_dump(reinterpret_cast<u_char*>(d), &h, reinterpret_cast<const u_char*>(r.data.data()));
  }
  pcap_dump_close(d);
  pcap_close(p);
}

// A 60-byte Ethernet/IPv4/UDP frame, 10.0.0.1:1234 -> 10.0.0.2:5678, 18 bytes of payload.
std::string udp_frame(std::uint8_t last_payload_byte = 0) {
  std::string f = {'\x02', '\x00', '\x00', '\x00', '\x00', '\x02',  // dst
                   '\x02', '\x00', '\x00', '\x00', '\x00', '\x01',  // src
                   '\x08', '\x00'};
  std::string ip = {'\x45', '\x00', '\x00', '\x2e', '\x00', '\x01', '\x00', '\x00', '\x40', '\x11',
                    '\x00', '\x00', '\x0a', '\x00', '\x00', '\x01', '\x0a', '\x00', '\x00', '\x02'};
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2)
    sum += static_cast<std::uint32_t>(static_cast<std::uint8_t>(ip[i]) << 8 |
                                      static_cast<std::uint8_t>(ip[i + 1]));
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = static_cast<char>(~sum >> 8);
  ip[11] = static_cast<char>(~sum);
  std::string udp = {'\x04', '\xd2', '\x16', '\x2e', '\x00', '\x1a', '\x00', '\x00'};
  std::string payload(18, 'p');
  payload.back() = static_cast<char>(last_payload_byte);
  return f + ip + udp + payload;
}

Batch batch_of(const std::vector<std::string>& data, std::uint64_t first_ts = 0) {
  Batch b;
  std::uint64_t ts = first_ts;
  for (const auto& d : data) {
    PacketPtr p = make_packet(d);
    p->set_timestamp_ns(ts);
    if (ts) ts += 1'000'000'001ull;
    b.append(std::move(p));
  }
  return b;
}

}  // namespace

// ---- ToDump ----

TEST_CASE("ToDump writes a pcap file libpcap reads back byte for byte", "[ToDump]") {
  TempFile file("todump.pcap");
  {
    ElementHarness h("ToDump", "\"" + file.path() + "\"", 1, 0);
    REQUIRE(h.errors() == "");
    h.push(0, batch_of({udp_frame(1), udp_frame(2), std::string(3000, 'x')},
                       1'700'000'000'123'456'789ull));
    CHECK(h.read("count") == "3");
    CHECK(h.read("filename") == file.path());
    CHECK(h.read("encap") == "ETHER");
  }  // the router's cleanup closes (flushes) the file
  PcapFile f = read_pcap(file.path());
  CHECK(f.linktype == DLT_EN10MB);
  CHECK(f.snaplen == 2000);  // Click's default SNAPLEN
  REQUIRE(f.records.size() == 3);
  CHECK(f.records[0].data == udp_frame(1));
  CHECK(f.records[1].data == udp_frame(2));
  CHECK(f.records[0].len == 60);
  // Microsecond file: the nanoseconds are cut.
  CHECK(f.records[0].ts_ns == 1'700'000'000'123'456'000ull);
  CHECK(f.records[1].ts_ns == 1'700'000'001'123'456'000ull);
  // Longer than SNAPLEN: 2000 bytes stored, the true length recorded.
  CHECK(f.records[2].data == std::string(2000, 'x'));
  CHECK(f.records[2].len == 3000);
}

TEST_CASE("ToDump ENCAP IP, SNAPLEN, NANO; passes packets on to its output", "[ToDump]") {
  TempFile file("todump_ip.pcap");
  std::string ip = udp_frame().substr(14);
  {
    ElementHarness h("ToDump", "\"" + file.path() + "\", 30, ENCAP IP, NANO true", 1, 1);
    REQUIRE(h.errors() == "");
    h.push(0, batch_of({ip}, 5'000'000'007ull));
    REQUIRE(h.output_count(0) == 1);
    CHECK(contents(*h.captured(0)[0]) == ip);  // unchanged
  }
  PcapFile f = read_pcap(file.path());
  CHECK(f.linktype == DLT_RAW);
  CHECK(f.snaplen == 30);
  REQUIRE(f.records.size() == 1);
  CHECK(f.records[0].data == ip.substr(0, 30));
  CHECK(f.records[0].len == 46);
  CHECK(f.records[0].ts_ns == 5'000'000'007ull);  // nanoseconds kept
}

TEST_CASE("ToDump without a timestamp annotation records the current time", "[ToDump]") {
  TempFile file("todump_now.pcap");
  std::uint64_t before = static_cast<std::uint64_t>(std::time(nullptr)) * 1'000'000'000ull;
  {
    ElementHarness h("ToDump", "\"" + file.path() + "\", SNAPLEN 0", 1, 0);
    REQUIRE(h.errors() == "");
    h.push(0, batch_of({"abc"}));
  }
  PcapFile f = read_pcap(file.path());
  REQUIRE(f.records.size() == 1);
  CHECK(f.records[0].ts_ns >= before);
  CHECK(f.records[0].ts_ns < before + 3600'000'000'000ull);
  CHECK(f.snaplen == 262144);
}

TEST_CASE("ToDump pulls by itself behind a queue and parks when it is empty", "[ToDump]") {
  TempFile file("todump_pull.pcap");
  {
    ConfigRun r("Idle -> q :: SimpleQueue -> t :: ToDump(\"" + file.path() + "\", BURST 2);");
    REQUIRE(r.errors() == "");
    CHECK(r.element("t").input(0).is_pull());
    CHECK(r.run() < 5);  // parked on the queue's notifier
    r.element("q").push(0, batch_of({"one", "two", "three"}, 1'000'000'000ull));
    r.run();
    CHECK(r.read("t.count") == "3");
    CHECK(r.read("q.length") == "0");
  }
  PcapFile f = read_pcap(file.path());
  REQUIRE(f.records.size() == 3);
  CHECK(f.records[2].data == "three");
}

TEST_CASE("ToDump reports bad arguments and unwritable files", "[ToDump]") {
  ElementHarness enc("ToDump", "/tmp/x.pcap, ENCAP CARRIER_PIGEON", 1, 0);
  CHECK(enc.errors() ==
        "<harness>:1:1: error: While configuring 'e :: ToDump': ENCAP: unknown encapsulation "
        "'CARRIER_PIGEON'\n");
  ElementHarness dir("ToDump", "/nonexistent-dir/x.pcap", 1, 0);
  CHECK(dir.errors().rfind("<harness>:1:1: error: While initializing 'e :: ToDump': FILENAME: "
                           "/nonexistent-dir/x.pcap: No such file or directory",
                           0) == 0);
}

TEST_CASE("ToDump output is readable by tcpdump", "[ToDump]") {
  if (access("/usr/bin/tcpdump", X_OK) != 0 && access("/usr/sbin/tcpdump", X_OK) != 0) {
    WARN("tcpdump is not installed; skipped");
    return;
  }
  TempFile file("todump_tcpdump.pcap");
  {
    ElementHarness h("ToDump", "\"" + file.path() + "\"", 1, 0);
    h.push(0, batch_of({udp_frame()}, 1'700'000'000'000'000'000ull));
  }
  std::string cmd = "tcpdump -r '" + file.path() + "' -nn -tt 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  CHECK(pclose(p) == 0);
  CHECK(out == "1700000000.000000 IP 10.0.0.1.1234 > 10.0.0.2.5678: UDP, length 18\n");
}

// ---- FromDump ----

TEST_CASE("FromDump emits a file's packets with their timestamps", "[FromDump]") {
  TempFile file("fromdump.pcap");
  write_pcap(file.path(), DLT_EN10MB,
             {{1'600'000'000'000'001'000ull, 0, udp_frame(1)},
              {1'600'000'000'500'000'000ull, 0, udp_frame(2)},
              {1'600'000'001'000'000'000ull, 1500, "short"}});
  ElementHarness h("FromDump", "\"" + file.path() + "\", STOP true", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  CHECK(h.router().stop_requested());  // STOP at the end of the file
  REQUIRE(h.output_count(0) == 3);
  CHECK(contents(*h.captured(0)[0]) == udp_frame(1));
  CHECK(contents(*h.captured(0)[1]) == udp_frame(2));
  CHECK(contents(*h.captured(0)[2]) == "short");  // the captured part
  CHECK(h.captured(0)[0]->timestamp_ns() == 1'600'000'000'000'001'000ull);
  CHECK(h.captured(0)[1]->timestamp_ns() == 1'600'000'000'500'000'000ull);
  CHECK(h.read("count") == "3");
  CHECK(h.read("encap") == "ETHER");
  CHECK(h.read("filename") == file.path());
}

TEST_CASE("FromDump reads nanosecond files; BURST packets per run", "[FromDump]") {
  TempFile file("fromdump_nano.pcap");
  std::vector<Record> recs;
  for (int i = 0; i < 10; ++i)
    recs.push_back({static_cast<std::uint64_t>(i) * 3 + 1, 0, std::string(1, char('a' + i))});
  write_pcap(file.path(), DLT_RAW, recs, true);
  ElementHarness h("FromDump", "\"" + file.path() + "\", BURST 4", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  REQUIRE(h.output_count(0) == 10);
  CHECK(h.output_batches(0) == 3);  // 4 + 4 + 2
  CHECK(h.captured(0)[9]->timestamp_ns() == 28);
  CHECK(contents(*h.captured(0)[9]) == "j");
  CHECK(h.read("encap") == "IP");
  CHECK_FALSE(h.router().stop_requested());  // no STOP
}

TEST_CASE("FromDump ACTIVE false waits for the active handler", "[FromDump]") {
  TempFile file("fromdump_active.pcap");
  write_pcap(file.path(), DLT_EN10MB, {{1000, 0, "a"}, {2000, 0, "b"}});
  ElementHarness h("FromDump", "\"" + file.path() + "\", ACTIVE false", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  CHECK(h.output_count(0) == 0);
  REQUIRE(h.write("active", "true").is_ok());
  h.run_tasks();
  CHECK(h.output_count(0) == 2);
  REQUIRE(h.write("reset_counts").is_ok());
  CHECK(h.read("count") == "0");
}

TEST_CASE("FromDump FORCE_IP marks IP headers and diverts other frames", "[FromDump]") {
  TempFile file("fromdump_forceip.pcap");
  std::string arp = udp_frame();
  arp[12] = '\x08';
  arp[13] = '\x06';
  write_pcap(file.path(), DLT_EN10MB, {{1, 0, udp_frame()}, {2, 0, arp}, {3, 0, udp_frame(9)}});
  ElementHarness h("FromDump", "\"" + file.path() + "\", FORCE_IP true", 0, 2);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  REQUIRE(h.output_count(0) == 2);
  REQUIRE(h.output_count(1) == 1);
  CHECK(h.captured(0)[0]->network_header_offset() == 14);
  CHECK(h.captured(0)[1]->transport_header_offset() == 34);
  CHECK(contents(*h.captured(1)[0]) == arp);
}

TEST_CASE("FromDump TIMING holds back a packet that is not due", "[FromDump]") {
  TempFile file("fromdump_timing.pcap");
  // The second packet is due an hour after the first: it must not leave during the test.
  write_pcap(file.path(), DLT_EN10MB,
             {{1'000'000'000ull, 0, "now"}, {3601'000'000'000ull, 0, "later"}});
  ElementHarness h("FromDump", "\"" + file.path() + "\", TIMING true", 0, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.run_tasks() < 5);  // the task parks while the timer holds the second packet
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == "now");
}

TEST_CASE("FromDump in pull context feeds a puller, which parks at the end", "[FromDump]") {
  TempFile file("fromdump_pull.pcap");
  write_pcap(file.path(), DLT_EN10MB, {{1, 0, "a"}, {2, 0, "b"}, {3, 0, "c"}});
  ConfigRun r("f :: FromDump(\"" + file.path() +
              "\", STOP true) -> u :: Unqueue(BURST 2) -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  CHECK(r.element("f").output(0).is_pull());
  CHECK(r.run() < 10);
  REQUIRE(r.out("out").packets.size() == 3);
  CHECK(contents(*r.out("out").packets[2]) == "c");
  CHECK(r.router().stop_requested());
}

TEST_CASE("FromDump reports a missing file", "[FromDump]") {
  ElementHarness h("FromDump", "/nonexistent-dir/none.pcap", 0, 1);
  CHECK(h.errors() ==
        "<harness>:1:1: error: While initializing 'e :: FromDump': FILENAME: "
        "/nonexistent-dir/none.pcap: No such file or directory\n");
}

TEST_CASE("ToDump then FromDump round-trips packets and timestamps", "[FromDump][ToDump]") {
  TempFile file("roundtrip.pcap");
  {
    ElementHarness w("ToDump", "\"" + file.path() + "\", NANO true", 1, 0);
    w.push(0, batch_of({udp_frame(1), udp_frame(2)}, 1'234'000'000'567ull));
  }
  ElementHarness r("FromDump", "\"" + file.path() + "\"", 0, 1);
  r.run_tasks();
  REQUIRE(r.output_count(0) == 2);
  CHECK(contents(*r.captured(0)[1]) == udp_frame(2));
  CHECK(r.captured(0)[1]->timestamp_ns() == 1'234'000'000'567ull + 1'000'000'001ull);
}
