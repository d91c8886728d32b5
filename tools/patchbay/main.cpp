// patchbay — a Click-style modular packet router.
#include <CLI/CLI.hpp>

#include "tools/patchbay/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"patchbay: a Click-style modular packet router"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  pb::tools::add_lang_commands(app);
  pb::tools::add_engine_commands(app);
  pb::tools::add_ctl_commands(app);
  pb::tools::add_zerocopy_commands(app);
  pb::tools::add_ebd_commands(app);

  // Subcommands report failure by throwing CLI::RuntimeError(exit code) after printing their own
  // diagnostics; app.exit() turns that into the exit status without another message.
  CLI11_PARSE(app, argc, argv);
  return 0;
}
