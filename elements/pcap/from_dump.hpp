// FromDump(FILENAME [, TIMING, *, STOP, ACTIVE, FORCE_IP, BURST]) — emits the packets of a pcap
// file (tcpdump -w, Wireshark, ToDump), then stops.
//
// Arguments:
//   FILENAME  string; the pcap file (microsecond or nanosecond format; read with libpcap).
//   TIMING    boolean; keep the original spacing: the first packet leaves at once, each later
//             one when as much time has passed as between the two timestamps (default false).
//   STOP      boolean; stop the router when the file is finished (default false).
//   ACTIVE    boolean; emit from the start (default true).
//   FORCE_IP  boolean; emit only IPv4 packets, with the network-header annotation set (on
//             Ethernet files after the 14-byte header); others go to output 1 if it exists, else
//             are dropped (default false).
//   BURST     integer 1-256; packets per task run in push context (default 32).
// Ports: no inputs; output 0 push or pull, optional output 1 (push) for non-IP packets with
//   FORCE_IP. In push context a task emits BURST packets per run; in pull context the output
//   has a notifier, so a puller parks while TIMING holds a packet back and after the end. Each
//   packet has the captured bytes and the file's timestamp (nanoseconds since 1970) as its
//   timestamp annotation.
// Handlers:
//   count (read)           packets emitted
//   reset_counts (write)   sets count to 0
//   active (rw)            ACTIVE; turning it on resumes
//   encap (read)           the file's link type (ETHER, IP …)
//   filename (read)        FILENAME
#pragma once

#include <cstdint>
#include <string>

#include "elements/pcap/pcap_file.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class FromDump final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "FromDump",
                                    .ports = "0/1-2",
                                    .processing = "a/ah",
                                    .flow = "x/x",
                                    .doc = "emits the packets of a pcap file"};

  FromDump();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  Batch pull(int port, std::uint32_t max) override;
  ActiveNotifier* output_notifier(int port) override { return port == 0 ? &notifier_ : nullptr; }
  void add_handlers(Handlers& h) override;

  std::uint64_t count() const { return count_; }

 private:
  bool run_task();
  // Up to `max` packets that are due; sets eof_ at the end of the file.
  Batch read(std::uint32_t max);
  // Reads the next record into pending_ (false at the end or on a read error).
  bool fetch();
  // True when the packet in pending_ may leave now (TIMING); else arms the timer.
  bool due();
  bool is_ip(Packet& p) const;
  void finish();
  void resume();

  std::string filename_;
  bool timing_ = false;
  bool stop_ = false;
  bool active_ = true;
  bool force_ip_ = false;
  std::uint32_t burst_ = 32;

  pcap::PcapHandle pcap_;
  int linktype_ = -1;
  PacketPtr pending_;  // read from the file, held back by TIMING
  bool eof_ = false;
  bool finished_ = false;
  bool have_base_ = false;
  std::uint64_t base_mono_ns_ = 0;  // when the first packet left
  std::uint64_t base_file_ns_ = 0;  // its timestamp in the file
  std::uint64_t count_ = 0;
  ActiveNotifier notifier_;
  Task task_;
  Timer timer_;
};

}  // namespace pb::elements
