// The patchbay command line is assembled from subcommand families; main.cpp calls each add_*.
#pragma once

#include "runtime/lang/class_catalog.hpp"

namespace CLI {
class App;
}

namespace pb::tools {

// check, flatten, dot.
void add_lang_commands(CLI::App& app);

// The element classes `patchbay check` accepts; null accepts any class name. catalog.cpp returns
// null until the engine's element registry provides one.
const pb::lang::ClassCatalog* element_catalog();

// run, list (engine_commands.cpp).
void add_engine_commands(CLI::App& app);

}  // namespace pb::tools
