// Bodies to a flat configuration: compounds expanded with click-flatten's names, parameters
// substituted, overloads chosen, and connections through compound ports and groups spliced out.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/lang/detail/model.hpp"
#include "runtime/lang/flat_config.hpp"
#include "runtime/lang/loader.hpp"

namespace pb::lang::detail {

// Appends errors to `diags`. `port_errors` off skips the unused-port checks, which only repeat
// earlier errors when elements were dropped.
FlatConfig flatten(const Body& top, const std::vector<std::string>& requirements,
                   const LoadOptions& options, bool port_errors, Diagnostics& diags);

}  // namespace pb::lang::detail
