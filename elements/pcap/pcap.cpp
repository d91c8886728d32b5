#include "elements/pcap/pcap.hpp"

#include "elements/pcap/from_dump.hpp"
#include "elements/pcap/to_dump.hpp"

namespace pb::elements {

void register_pcap_elements(Registry& r) {
  r.set_family("pcap");
  r.add<FromDump>();
  r.add<ToDump>();
}

}  // namespace pb::elements
