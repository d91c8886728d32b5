// ToDump(FILENAME [, SNAPLEN, ENCAP, *, NANO, UNBUFFERED, BURST]) — writes packets to a pcap
// file that tcpdump, Wireshark and FromDump read.
//
// Arguments:
//   FILENAME    string; the file to create (truncated), or "-" for standard output.
//   SNAPLEN     integer; at most this many bytes of each packet are stored, 0 for all (default
//               2000, as in Click).
//   ENCAP       the link type recorded in the file, which tells readers what the first header
//               is: ETHER (default) or IP (raw IP), also SLL, NULL, PPP … or a libpcap DLT name.
//   NANO        boolean; nanosecond timestamps (pcap's nanosecond format) instead of
//               microseconds (default false: the classic format every reader knows).
//   UNBUFFERED  boolean; flush after every batch, so the file can be read while running
//               (default false; the file is complete once the router stops).
//   BURST       integer 1-256; packets per pull when ToDump pulls by itself (default 32).
// Ports: one input; an optional output, through which packets continue unchanged. Push or pull
//   (agnostic, like Click's): pushed packets are written and passed on (dropped without an
//   output); pulled through, it writes what it hands downstream; with a pull input and no
//   output a task pulls, parking on the upstream notifier while nothing is available. Each
//   record has the packet's timestamp annotation, or the current time when it is 0.
// Handlers:
//   count (read)          packets written
//   reset_counts (write)  sets count to 0
//   filename (read)       FILENAME
//   encap (read)          ENCAP
#pragma once

#include <cstdint>
#include <string>

#include "elements/pcap/pcap_file.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ToDump final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ToDump",
                                    .ports = "1/0-1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "writes packets to a pcap file"};

  ToDump() : task_(this, [this] { return run_task(); }) {}
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  Batch pull(int port, std::uint32_t max) override;
  void add_handlers(Handlers& h) override;

  std::uint64_t count() const { return count_; }

 private:
  bool run_task();
  void write(const Batch& b);

  std::string filename_;
  std::uint32_t snaplen_ = 2000;
  std::uint32_t snap_ = 2000;  // SNAPLEN as written to the file (0 and huge values capped)
  std::string encap_ = "ETHER";
  int linktype_ = -1;
  bool nano_ = false;
  bool unbuffered_ = false;
  std::uint32_t burst_ = 32;

  pcap::PcapHandle pcap_;  // a "dead" handle: only describes the file for the dumper
  pcap::DumperHandle dumper_;
  std::uint64_t count_ = 0;
  ActiveNotifier* notifier_ = nullptr;
  Task task_;
};

}  // namespace pb::elements
