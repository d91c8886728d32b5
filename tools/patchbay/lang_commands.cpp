// patchbay check | flatten | dot: the configuration front end on the command line.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {

namespace {

struct ConfigArgs {
  std::string file;
  std::string expression;
  std::vector<std::string> positional;  // FILE and NAME=value
  std::string output;
  bool any_class = false;  // --any-class: no catalog, like click-flatten
};

bool is_definition(const std::string& arg, std::string* name, std::string* value) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (std::size_t i = 0; i < eq; ++i) {
    char c = arg[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  *name = arg.substr(0, eq);
  *value = arg.substr(eq + 1);
  return true;
}

void add_config_options(CLI::App& cmd, ConfigArgs& args) {
  cmd.add_option("-f,--file", args.file, "Read the configuration from FILE");
  cmd.add_option("-e,--expression", args.expression, "Use EXPR as the configuration")
      ->type_name("EXPR");
  cmd.add_option("args", args.positional,
                 "The configuration FILE, then NAME=value parameter definitions (they override "
                 "the configuration's define())")
      ->type_name("FILE [NAME=value...]");
  cmd.add_flag("--any-class", args.any_class,
               "Accept any element class name: check the language only, as click-flatten does");
}

// Loads the configuration the arguments name; prints diagnostics to stderr.
std::optional<lang::FlatConfig> load(const ConfigArgs& args, const lang::ClassCatalog* catalog) {
  lang::LoadOptions options;
  options.catalog = args.any_class ? nullptr : catalog;
  std::string file = args.file;
  for (const auto& a : args.positional) {
    std::string name;
    std::string value;
    if (is_definition(a, &name, &value)) {
      options.defines.emplace_back(name, value);
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "patchbay: more than one configuration file ('" << file << "' and '" << a
                << "')\n";
      throw CLI::RuntimeError(1);
    }
  }
  if (file.empty() == args.expression.empty()) {
    std::cerr << "patchbay: give exactly one configuration: FILE or -e EXPR\n";
    throw CLI::RuntimeError(1);
  }
  Diagnostics diags;
  std::optional<lang::FlatConfig> flat =
      args.expression.empty() ? lang::load_file(file, options, diags)
                              : lang::load_string(args.expression, "<expr>", options, diags);
  std::cerr << diags.str();
  return flat;
}

void write_output(const ConfigArgs& args, const std::string& text) {
  if (args.output.empty() || args.output == "-") {
    std::cout << text << std::flush;
    return;
  }
  std::ofstream out(args.output, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "patchbay: cannot write '" << args.output << "'\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_lang_commands(CLI::App& app) {
  auto check_args = std::make_shared<ConfigArgs>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Parse, flatten and validate a configuration. Exit status 0 when it is sound, 1 when not; "
      "every problem is reported on stderr as file:line:col.");
  add_config_options(*check, *check_args);
  check->callback([check_args] {
    auto flat = load(*check_args, element_catalog());
    if (!flat) throw CLI::RuntimeError(1);
    // With known classes, validate what the router would: every element's configuration, port
    // counts and push/pull agreement. Nothing is initialized, so no file or device is touched.
    if (!check_args->any_class) {
      Diagnostics diags;
      bool built = Router::build(*flat, element_registry(), diags) != nullptr;
      std::cerr << diags.str();
      if (!built) throw CLI::RuntimeError(1);
    }
    std::cout << (check_args->expression.empty() ? "configuration" : "<expr>") << ": ok, "
              << flat->elements.size() << " elements, " << flat->connections.size()
              << " connections\n";
  });

  auto flatten_args = std::make_shared<ConfigArgs>();
  CLI::App* flatten = app.add_subcommand(
      "flatten",
      "Print the configuration with every compound expanded and every element named, in Click "
      "syntax (patchbay reads it back unchanged).");
  add_config_options(*flatten, *flatten_args);
  flatten->add_option("-o,--output", flatten_args->output, "Write to FILE instead of stdout");
  flatten->callback([flatten_args] {
    auto flat = load(*flatten_args, element_catalog());
    if (!flat) throw CLI::RuntimeError(1);
    write_output(*flatten_args, flat->unparse());
  });

  auto dot_args = std::make_shared<ConfigArgs>();
  CLI::App* dot =
      app.add_subcommand("dot",
                         "Print the flattened element graph in Graphviz DOT, ports labelled "
                         "(patchbay dot FILE | dot -Tsvg > graph.svg).");
  add_config_options(*dot, *dot_args);
  dot->add_option("-o,--output", dot_args->output, "Write to FILE instead of stdout");
  dot->callback([dot_args] {
    auto flat = load(*dot_args, element_catalog());
    if (!flat) throw CLI::RuntimeError(1);
    write_output(*dot_args, lang::to_dot(*flat));
  });
}

}  // namespace pb::tools
