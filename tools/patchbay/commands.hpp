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

// ctl: the ControlSocket client (ctl_commands.cpp).
void add_ctl_commands(CLI::App& app);

// zc-monitor: the SEPCOM zero-copy ring's monitoring consumer (zc_commands.cpp).
void add_zerocopy_commands(CLI::App& app);

// ebd: block reads and writes over the storage personality (ebd_commands.cpp).
void add_ebd_commands(CLI::App& app);

}  // namespace pb::tools
