// Text to syntax tree. Errors are reported with their location and parsing resumes at the next
// statement, so one run reports every syntax error.
#pragma once

#include <cstddef>

#include "runtime/core/diag.hpp"
#include "runtime/lang/detail/ast.hpp"
#include "runtime/lang/detail/source.hpp"

namespace pb::lang::detail {

struct ParseLimits {
  int max_depth = 50;                // nested compounds and groups (Click's limit)
  std::size_t max_ports = 1u << 20;  // port numbers written or produced by ranges
  std::size_t max_errors = 100;      // then parsing stops
};

inline constexpr int kMaxPort = 65535;

// Parses a whole source. Always returns the statements that parsed; every error is in `diags`.
// `src` gains the line directives found.
ast::Body parse_config(Source& src, Diagnostics& diags, const ParseLimits& limits = {});

}  // namespace pb::lang::detail
