#include "elements/iscsi/iscsi.hpp"

#include "elements/iscsi/iscsi_framer.hpp"
#include "elements/iscsi/iscsi_target.hpp"

namespace pb::elements {

void register_iscsi_elements(Registry& r) {
  r.set_family("iscsi");
  r.add<ISCSIFramer>();
  r.add<ISCSITarget>();
}

}  // namespace pb::elements
