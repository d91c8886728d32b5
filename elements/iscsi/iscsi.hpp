// The iSCSI element family: ISCSIFramer (byte streams <-> PDU packets) and ISCSITarget (the target,
// on PDU packets), over the transport-independent library in core/ (pb_iscsi_core).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/iscsi/ (the list is in iscsi.cpp).
void register_iscsi_elements(Registry& registry);

}  // namespace pb::elements
