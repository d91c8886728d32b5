#include "runtime/lang/loader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/lang/detail/builder.hpp"
#include "runtime/lang/detail/flatten.hpp"

namespace pb::lang {

namespace {

// Compound bodies expanded several times repeat the same error; show it once.
void append_unique(const Diagnostics& from, Diagnostics& to) {
  std::set<std::tuple<std::string, int, std::string>> seen;
  bool skip_notes = false;
  for (const auto& d : from.list()) {
    if (d.severity == Diagnostic::Severity::note) {
      if (!skip_notes) to.add(d);
      continue;
    }
    skip_notes = !seen.emplace(d.loc.str(), static_cast<int>(d.severity), d.message).second;
    if (!skip_notes) to.add(d);
  }
}

std::optional<FlatConfig> load(std::shared_ptr<detail::Source> src, const std::string& canonical,
                               const LoadOptions& options, Diagnostics& diags) {
  Diagnostics local;
  detail::Builder builder(options, local);
  builder.build_main(std::move(src), canonical);
  const bool build_errors = local.has_errors();
  FlatConfig flat =
      detail::flatten(builder.top(), builder.requirements(), options, !build_errors, local);
  append_unique(local, diags);
  if (local.has_errors()) return std::nullopt;
  return flat;
}

}  // namespace

std::optional<FlatConfig> load_string(std::string_view text, const std::string& file_name,
                                      const LoadOptions& options, Diagnostics& diags) {
  auto src = std::make_shared<detail::Source>(std::string(text), file_name);
  return load(std::move(src), std::string(), options, diags);
}

std::optional<FlatConfig> load_file(const std::string& path, const LoadOptions& options,
                                    Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path, ec)) {
    SourceLoc at;
    at.file = std::make_shared<const std::string>(path);
    diags.error(at, std::string("cannot read configuration: ") +
                        (fs::is_directory(path, ec) ? "is a directory" : std::strerror(errno)));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto src = std::make_shared<detail::Source>(text.str(), path);
  fs::path canonical = fs::weakly_canonical(path, ec);
  return load(std::move(src), ec ? path : canonical.string(), options, diags);
}

namespace {

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 32) continue;
    out += c;
  }
  return out;
}

}  // namespace

std::string to_dot(const FlatConfig& config) {
  std::string out =
      "digraph patchbay {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  out += "  edge [fontname=\"monospace\", fontsize=10];\n";
  for (std::size_t i = 0; i < config.elements.size(); ++i) {
    const auto& e = config.elements[i];
    std::string label = e.name + "\n:: " + e.class_name;
    if (!e.config.empty()) {
      std::string c = e.config;
      for (auto& ch : c)
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
      if (c.size() > 40) c = c.substr(0, 37) + "...";
      label += "(" + c + ")";
    }
    out += "  n" + std::to_string(i) + " [label=\"" + dot_escape(label) + "\"];\n";
  }
  for (const auto& c : config.connections) {
    out += "  n" + std::to_string(c.from) + " -> n" + std::to_string(c.to) + " [taillabel=\"" +
           std::to_string(c.from_port) + "\", headlabel=\"" + std::to_string(c.to_port) + "\"];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace pb::lang
