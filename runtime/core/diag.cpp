#include "runtime/core/diag.hpp"

#include <algorithm>

namespace pb {

std::string SourceLoc::str() const {
  std::string s = file_name();
  if (line) {
    s += ':' + std::to_string(line);
    if (col) s += ':' + std::to_string(col);
  }
  return s;
}

void Diagnostics::error(SourceLoc loc, std::string message, std::string excerpt) {
  list_.push_back(
      {Diagnostic::Severity::error, std::move(loc), std::move(message), std::move(excerpt)});
}

void Diagnostics::warning(SourceLoc loc, std::string message, std::string excerpt) {
  list_.push_back(
      {Diagnostic::Severity::warning, std::move(loc), std::move(message), std::move(excerpt)});
}

void Diagnostics::note(SourceLoc loc, std::string message, std::string excerpt) {
  list_.push_back(
      {Diagnostic::Severity::note, std::move(loc), std::move(message), std::move(excerpt)});
}

void Diagnostics::append(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() != 0;
}

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(list_.begin(), list_.end(), [](const auto& d) {
    return d.severity == Diagnostic::Severity::error;
  }));
}

std::string Diagnostics::str() const {
  static constexpr const char* kSeverity[] = {"error", "warning", "note"};
  std::string out;
  for (const auto& d : list_) {
    out += d.loc.str();
    out += ": ";
    out += kSeverity[static_cast<int>(d.severity)];
    out += ": ";
    out += d.message;
    out += '\n';
    if (!d.excerpt.empty()) {
      out += d.excerpt;
      if (d.excerpt.back() != '\n') out += '\n';
    }
  }
  return out;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return message_ ? *message_ : kEmpty;
}

}  // namespace pb
