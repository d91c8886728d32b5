#include "runtime/lang/detail/source.hpp"

#include <algorithm>

namespace pb::lang::detail {

Source::Source(std::string text, std::string file_name)
    : text_(std::move(text)), file_(std::make_shared<const std::string>(std::move(file_name))) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      line_starts_.push_back(static_cast<Offset>(i + 1));
    } else if (text_[i] == '\r') {
      if (i + 1 < text_.size() && text_[i + 1] == '\n') ++i;
      line_starts_.push_back(static_cast<Offset>(i + 1));
    }
  }
}

std::uint32_t Source::physical_line(Offset offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<std::uint32_t>(it - line_starts_.begin());
}

void Source::add_line_directive(Offset next_line, std::uint32_t line, const std::string* file) {
  if (directives_.count(next_line)) return;
  std::shared_ptr<const std::string> name;
  if (file && file->empty()) {
    name = file_;
  } else if (file) {
    name = std::make_shared<const std::string>(*file);
  } else {
    auto prev = directives_.lower_bound(next_line);
    name = prev == directives_.begin() ? file_ : std::prev(prev)->second.file;
  }
  directives_.emplace(next_line, Directive{line, physical_line(next_line), std::move(name)});
}

SourceLoc Source::loc(Offset offset) const {
  offset = std::min<Offset>(offset, static_cast<Offset>(text_.size()));
  std::uint32_t pline = physical_line(offset);
  SourceLoc l;
  l.col = offset - line_starts_[pline - 1] + 1;
  auto it = directives_.upper_bound(offset);
  if (it == directives_.begin()) {
    l.file = file_;
    l.line = pline;
  } else {
    --it;
    l.file = it->second.file;
    l.line = it->second.line + (pline - it->second.phys_line);
  }
  return l;
}

std::string Source::excerpt(Offset offset) const {
  offset = std::min<Offset>(offset, static_cast<Offset>(text_.size()));
  std::uint32_t pline = physical_line(offset);
  Offset b = line_starts_[pline - 1];
  Offset e = b;
  while (e < text_.size() && text_[e] != '\n' && text_[e] != '\r') ++e;
  // Long lines are cut around the column so one diagnostic stays readable.
  constexpr Offset kWindow = 120;
  Offset from = b;
  Offset to = e;
  std::string prefix;
  std::string suffix;
  if (offset - b > kWindow) {
    from = offset - kWindow / 2;
    prefix = "...";
  }
  if (to - from > 2 * kWindow) {
    to = from + 2 * kWindow;
    suffix = "...";
  }
  std::string line = prefix + text_.substr(from, to - from) + suffix;
  std::string caret(prefix.size(), ' ');
  for (Offset i = from; i < offset && i < to; ++i) caret += text_[i] == '\t' ? '\t' : ' ';
  caret += '^';
  return "    " + line + "\n    " + caret;
}

}  // namespace pb::lang::detail
