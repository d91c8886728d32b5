// RAII owners for libpcap handles, and the link types FromDump and ToDump name (not element
// classes).
#pragma once

#include <pcap/pcap.h>

#include <memory>
#include <string>
#include <string_view>

#include "runtime/core/diag.hpp"

namespace pb::elements::pcap {

struct PcapClose {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperClose {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapClose>;
using DumperHandle = std::unique_ptr<pcap_dumper_t, DumperClose>;

// Link types by Click's ENCAP names: ETHER, IP (raw IPv4/IPv6), SLL, NULL, PPP …; also any
// name libpcap knows (pcap_datalink_name_to_val). -1 when unknown.
int linktype_from_name(std::string_view name);
// Click's name for a link type (ETHER, IP …), else libpcap's.
std::string linktype_name(int linktype);

}  // namespace pb::elements::pcap
