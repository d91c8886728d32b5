// Helpers for the config-language tests: load text, get the flat text or the diagnostics.
#pragma once

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/lang/loader.hpp"

namespace pb::lang::test {

// A catalog of known primitive classes.
class SetCatalog : public ClassCatalog {
 public:
  SetCatalog(std::initializer_list<const char*> names) : names_(names.begin(), names.end()) {}
  bool has_class(std::string_view name) const override {
    return names_.count(std::string(name)) != 0;
  }
  std::vector<std::string> class_names() const override { return {names_.begin(), names_.end()}; }

 private:
  std::set<std::string> names_;
};

// The flat text of a configuration that must load without any diagnostic. Also checks that the
// flat text reads back to itself (flatten(flatten(x)) == flatten(x)).
inline std::string flat(std::string_view text, const LoadOptions& options = {}) {
  Diagnostics diags;
  auto config = load_string(text, "test.click", options, diags);
  INFO(diags.str());
  REQUIRE(config);
  REQUIRE(diags.empty());
  std::string once = config->unparse();
  Diagnostics again_diags;
  LoadOptions plain;
  plain.catalog = options.catalog;
  auto again = load_string(once, "flat.click", plain, again_diags);
  INFO("flat text:\n" << once << again_diags.str());
  REQUIRE(again);
  CHECK(again->unparse() == once);
  return once;
}

// The diagnostics of a configuration that must fail to load.
inline std::string errors(std::string_view text, const LoadOptions& options = {}) {
  Diagnostics diags;
  auto config = load_string(text, "test.click", options, diags);
  std::string loaded = config ? config->unparse() : std::string();
  INFO("unexpectedly loaded:\n" << loaded);
  CHECK_FALSE(config);
  return diags.str();
}

// Diagnostics without the source excerpts: "file:line:col: error: message" lines.
inline std::string messages(std::string_view text, const LoadOptions& options = {}) {
  Diagnostics diags;
  auto config = load_string(text, "test.click", options, diags);
  CHECK_FALSE(config);
  std::string out;
  for (const auto& d : diags.list()) {
    static constexpr const char* kSeverity[] = {"error", "warning", "note"};
    out += d.loc.str() + ": " + kSeverity[static_cast<int>(d.severity)] + ": " + d.message + "\n";
  }
  return out;
}

}  // namespace pb::lang::test
