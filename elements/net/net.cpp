#include "elements/net/net.hpp"

#include "elements/net/tcp_client.hpp"
#include "elements/net/tcp_server.hpp"

namespace pb::elements {

void register_net_elements(Registry& r) {
  r.set_family("net");
  r.add<TCPServer>();
  r.add<TCPClient>();
}

}  // namespace pb::elements
