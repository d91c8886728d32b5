// The net element family: kernel sockets as packet streams (TCPServer, TCPClient).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/net/ (the list is in net.cpp).
void register_net_elements(Registry& registry);

}  // namespace pb::elements
