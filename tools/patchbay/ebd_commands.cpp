#include <CLI/CLI.hpp>

#include "tools/patchbay/commands.hpp"

namespace pb::tools {

void add_ebd_commands(CLI::App& /*app*/) {}

}  // namespace pb::tools
