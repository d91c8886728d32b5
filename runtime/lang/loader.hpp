// The front end's entry points: text in, flat configuration (or diagnostics) out. Every tool and
// the engine load configurations through here, so there is one parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/lang/class_catalog.hpp"
#include "runtime/lang/flat_config.hpp"

namespace pb::lang {

struct LoadOptions {
  // Known primitive classes. Null accepts any class name (click-flatten's tolerance); with a
  // catalog, unknown classes are errors that name the nearest known ones.
  const ClassCatalog* catalog = nullptr;
  // NAME=value overrides from the command line; they win over the config's define().
  std::vector<std::pair<std::string, std::string>> defines;
  // Bounds that turn hostile or runaway input (compounds that multiply, huge port ranges) into an
  // error instead of unbounded memory and time.
  std::size_t max_elements = 1'000'000;            // elements after expansion
  std::size_t max_connections = 4'000'000;         // connections before and after expansion
  std::size_t max_substitution_bytes = 64u << 20;  // text $parameter substitution may produce
};

// Parses, resolves require(library ...) relative to the including file, and flattens. On any
// error returns nullopt; every error found is appended to `diags` (errors never stop at the first).
std::optional<FlatConfig> load_file(const std::string& path, const LoadOptions& options,
                                    Diagnostics& diags);
std::optional<FlatConfig> load_string(std::string_view text, const std::string& file_name,
                                      const LoadOptions& options, Diagnostics& diags);

// Graphviz DOT of the element graph with ports labelled.
std::string to_dot(const FlatConfig& config);

}  // namespace pb::lang
