#include <CLI/CLI.hpp>

#include "tools/patchbay/commands.hpp"

namespace pb::tools {

void add_zerocopy_commands(CLI::App& /*app*/) {}

}  // namespace pb::tools
