// Builds FlatConfig values directly (the engine's tests do not depend on the parser).
#pragma once

#include <memory>
#include <string>

#include "runtime/lang/flat_config.hpp"

namespace pb::test {

// Element i is declared at "test.click:<i+1>:1"; connection k at "test.click:<100+k>:1".
struct FlatBuilder {
  lang::FlatConfig fc;
  std::shared_ptr<const std::string> file = std::make_shared<const std::string>("test.click");

  int el(const std::string& name, const std::string& cls, const std::string& config = "") {
    auto line = static_cast<std::uint32_t>(fc.elements.size() + 1);
    fc.elements.push_back({name, cls, config, SourceLoc{file, line, 1}});
    return static_cast<int>(fc.elements.size() - 1);
  }
  FlatBuilder& conn(int from, int from_port, int to, int to_port) {
    auto line = static_cast<std::uint32_t>(100 + fc.connections.size());
    fc.connections.push_back({from, from_port, to, to_port, SourceLoc{file, line, 1}});
    return *this;
  }
  FlatBuilder& conn(int from, int to) { return conn(from, 0, to, 0); }
  // a -> b -> c ... on ports 0
  FlatBuilder& chain(std::initializer_list<int> ids) {
    const int* prev = nullptr;
    for (const int& i : ids) {
      if (prev) conn(*prev, i);
      prev = &i;
    }
    return *this;
  }
};

}  // namespace pb::test
