#include "elements/control/control.hpp"

#include "elements/control/control_socket.hpp"

namespace pb::elements {

void register_control_elements(Registry& r) {
  r.set_family("control");
  r.add<ControlSocket>();
}

}  // namespace pb::elements
