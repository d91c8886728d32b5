#include "elements/pcap/pcap_file.hpp"

namespace pb::elements::pcap {

namespace {
struct Named {
  const char* name;
  int linktype;
};
// Click's spellings first (what its `encap` handlers print).
constexpr Named kNames[] = {
    {"ETHER", DLT_EN10MB},
    {"IP", DLT_RAW},
    {"SLL", DLT_LINUX_SLL},
    {"NULL", DLT_NULL},
    {"PPP", DLT_PPP},
    {"PPP_HDLC", DLT_PPP_SERIAL},
    {"HDLC", DLT_C_HDLC},
    {"FDDI", DLT_FDDI},
    {"802_11", DLT_IEEE802_11},
    {"ATM", DLT_ATM_RFC1483},
    {"SUNATM", DLT_SUNATM},
    {"PRISM", DLT_PRISM_HEADER},
    {"AIRONET", DLT_AIRONET_HEADER},
};
}  // namespace

int linktype_from_name(std::string_view name) {
  for (const Named& n : kNames)
    if (name == n.name) return n.linktype;
  std::string s(name);
  return pcap_datalink_name_to_val(s.c_str());
}

std::string linktype_name(int linktype) {
  for (const Named& n : kNames)
    if (n.linktype == linktype) return n.name;
  if (linktype == DLT_IPV4) return "IP";
  const char* s = pcap_datalink_val_to_name(linktype);
  return s ? s : std::to_string(linktype);
}

}  // namespace pb::elements::pcap
