// The front end's product and the engine's input: a configuration with every compound expanded,
// every parameter substituted and every element named, exactly as click-flatten would print it.
#pragma once

#include <string>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::lang {

struct FlatElement {
  std::string name;        // "outer/inner", "Class@3", "@2/inner" — click-flatten's names
  std::string class_name;  // a primitive class (compounds are gone)
  std::string config;      // the configuration string, after $parameter substitution
  SourceLoc loc;           // where the declaration stands (inside the compound for inner elements)
};

struct FlatConnection {
  int from = 0;  // index into FlatConfig::elements
  int from_port = 0;
  int to = 0;
  int to_port = 0;
  SourceLoc loc;
};

struct FlatConfig {
  std::vector<FlatElement> elements;
  std::vector<FlatConnection> connections;  // in source order, duplicates removed
  std::vector<std::string> requirements;    // `require(P)` / `require(package P)` names

  int find(std::string_view name) const;  // index or -1
  // The flat configuration in Click syntax; parsing and flattening it again gives the same text.
  std::string unparse() const;
};

}  // namespace pb::lang
