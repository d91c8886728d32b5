// cat(): builds a message by appending its pieces. Messages are not built with
// `"literal" + std::string` because GCC 12 at -O3 reports a false -Wrestrict on that form.
#pragma once

#include <string>
#include <string_view>

namespace pb::classify {

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

// 'word'
inline std::string quote(std::string_view word) {
  return cat("'", word, "'");
}

}  // namespace pb::classify
