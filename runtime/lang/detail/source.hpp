// One config text and the mapping from byte offsets to what users see: file:line:col (after
// `#line` directives) and the source line with a caret under the column.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::lang::detail {

using Offset = std::uint32_t;

class Source {
 public:
  Source(std::string text, std::string file_name);

  const std::string& text() const { return text_; }
  const char* begin() const { return text_.data(); }
  const char* end() const { return text_.data() + text_.size(); }
  // The name the file was opened under (not changed by #line); libraries resolve against it.
  const std::string& physical_name() const { return *file_; }

  // Records `# LINE "FILE"` / `#line LINE` whose text ends at `next_line` (the offset where the
  // following line starts). `file` empty means "keep the current file name"; `reset_file` means
  // the directive named "" (back to the original name). Idempotent: the parser may see the same
  // directive more than once while backtracking.
  void add_line_directive(Offset next_line, std::uint32_t line, const std::string* file);

  SourceLoc loc(Offset offset) const;
  // The physical source line holding `offset` and a caret under its column.
  std::string excerpt(Offset offset) const;

 private:
  struct Directive {
    std::uint32_t line;       // logical number of the line starting at the key offset
    std::uint32_t phys_line;  // physical number of that line
    std::shared_ptr<const std::string> file;
  };
  std::uint32_t physical_line(Offset offset) const;  // 1-based

  std::string text_;
  std::shared_ptr<const std::string> file_;
  std::vector<Offset> line_starts_;
  std::map<Offset, Directive> directives_;
};

}  // namespace pb::lang::detail
