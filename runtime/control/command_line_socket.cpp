#include "runtime/control/command_line_socket.hpp"

#include <memory>

namespace pb::control {

void add_command_line_sockets(lang::FlatConfig& config, const std::vector<CommandLineSocket>& s) {
  static const auto kFile = std::make_shared<const std::string>("<command line>");
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string name = "patchbay@ctl" + (i == 0 ? std::string() : std::to_string(i + 1));
    if (config.find(name) >= 0) continue;
    lang::FlatElement e;
    e.name = std::move(name);
    e.class_name = "ControlSocket";
    // Quoted: a path may hold commas or spaces.
    std::string where;
    for (char c : s[i].where) {
      if (c == '"' || c == '\\') where += '\\';
      where += c;
    }
    e.config = std::string(s[i].unix_socket ? "UNIX" : "TCP") + ", \"" + where + "\"";
    e.loc.file = kFile;
    config.elements.push_back(std::move(e));
  }
}

}  // namespace pb::control
