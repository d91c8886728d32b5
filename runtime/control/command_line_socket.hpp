// The control sockets that `patchbay run -p PORT | -u PATH` adds to a configuration (Click's
// `click -p/-u`): ControlSocket elements named "patchbay@ctl", "patchbay@ctl2", … appended to
// the flat configuration. A hot-swap path that builds the new router from user text should call
// add_command_line_sockets() on it too, so the socket the client is talking through survives the
// swap (same name and address: the new ControlSocket takes the old one's state).
#pragma once

#include <string>
#include <vector>

#include "runtime/lang/flat_config.hpp"

namespace pb::control {

struct CommandLineSocket {
  bool unix_socket = false;
  std::string where;  // TCP port or Unix socket path
};

// Appends one ControlSocket per entry (skipping names the configuration already has).
void add_command_line_sockets(lang::FlatConfig& config, const std::vector<CommandLineSocket>& s);

}  // namespace pb::control
