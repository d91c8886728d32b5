// The patchbay command line is assembled from subcommand families; main.cpp calls each add_*.
#pragma once

#include "runtime/lang/class_catalog.hpp"

namespace CLI {
class App;
}

namespace pb {
class Registry;
}

namespace pb::tools {

// check, flatten, dot.
void add_lang_commands(CLI::App& app);

// Every element class the tools know (catalog.cpp), and the same as the front end's catalog.
const pb::Registry& element_registry();
const pb::lang::ClassCatalog* element_catalog();

// run, list (engine_commands.cpp).
void add_engine_commands(CLI::App& app);

}  // namespace pb::tools
