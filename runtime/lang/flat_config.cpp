#include "runtime/lang/flat_config.hpp"

#include "runtime/lang/detail/text.hpp"

namespace pb::lang {

int FlatConfig::find(std::string_view name) const {
  for (std::size_t i = 0; i < elements.size(); ++i)
    if (elements[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

bool plain_word(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(detail::is_ident_char(c) || c == '.' || c == '-' || c == '/' || c == ':')) return false;
  return true;
}

}  // namespace

std::string FlatConfig::unparse() const {
  std::string out;
  for (const auto& r : requirements) {
    out += "require(package ";
    out += plain_word(r) ? r : detail::quote(r);
    out += ");\n";
  }
  if (!requirements.empty() && !elements.empty()) out += '\n';
  for (const auto& e : elements) {
    out += e.name;
    out += " :: ";
    out += e.class_name;
    if (!e.config.empty()) {
      out += '(';
      out += e.config;
      // A trailing // comment would swallow the ')'.
      if (detail::ends_in_line_comment(e.config)) out += '\n';
      out += ')';
    }
    out += ";\n";
  }
  if (!connections.empty() && (!elements.empty() || !requirements.empty())) out += '\n';
  for (const auto& c : connections) {
    out += elements[static_cast<std::size_t>(c.from)].name;
    if (c.from_port) {
      out += " [";
      out += std::to_string(c.from_port);
      out += ']';
    }
    out += " -> ";
    if (c.to_port) {
      out += '[';
      out += std::to_string(c.to_port);
      out += "] ";
    }
    out += elements[static_cast<std::size_t>(c.to)].name;
    out += ";\n";
  }
  return out;
}

}  // namespace pb::lang
