#include "runtime/element/docs.hpp"

#include <fstream>
#include <sstream>

namespace pb {

Result<std::string> element_doc_block(const ElementSpec& spec, std::string_view source_dir) {
  std::string path = spec.header ? spec.header : "";
  std::ifstream f(path);
  if (!f && !source_dir.empty() && !path.empty() && path[0] != '/') {
    // A relative name is relative to wherever the compiler ran (a build directory, when a
    // compiler cache rewrites paths): the header lives in the source tree, so drop the leading
    // ./ and ../ steps and look there.
    std::string_view rel(path);
    while (rel.starts_with("./") || rel.starts_with("../"))
      rel.remove_prefix(rel.starts_with("./") ? 2 : 3);
    path = std::string(source_dir) + "/" + std::string(rel);
    f.open(path);
  }
  if (!f) return Status::error(std::string(spec.name) + ": cannot read header '" + path + "'");
  std::string block, line;
  while (std::getline(f, line)) {
    if (line.rfind("//", 0) != 0) break;
    std::string_view text(line);
    text.remove_prefix(2);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    block += text;
    block += '\n';
  }
  if (block.empty())
    return Status::error(std::string(spec.name) + ": header '" + path +
                         "' does not start with a doc block");
  return block;
}

Status check_doc_block(const ElementSpec& spec, std::string_view block) {
  std::string name(spec.name);
  if (block.rfind(name, 0) != 0 || (block.size() > name.size() && block[name.size()] != '(' &&
                                    block[name.size()] != ' ' && block[name.size()] != '\n'))
    return Status::error(name + ": the doc block must start with the class name");
  for (const char* section : {"Arguments:", "Ports:", "Handlers:"})
    if (block.find(section) == std::string_view::npos)
      return Status::error(name + ": the doc block has no " + section + " section");
  return {};
}

std::string element_doc_markdown(const ElementClass& cls, std::string_view block) {
  const ElementSpec& s = *cls.spec;
  std::string first(block.substr(0, block.find('\n')));
  std::string rest(block.substr(std::min(block.size(), first.size() + 1)));
  std::ostringstream out;
  out << "# " << s.name << "\n\n";
  out << "`" << first << "`\n\n";
  out << "| ports | processing | flow | thread safe | family |\n|---|---|---|---|---|\n";
  out << "| `" << s.ports << "` | `" << s.processing << "` | `" << s.flow << "` | "
      << (s.thread_safe ? "yes" : "no") << " | " << cls.family << " |\n\n";
  out << "```\n" << rest;
  if (!rest.empty() && rest.back() != '\n') out << '\n';
  out << "```\n";
  return out.str();
}

}  // namespace pb
