// Diagnostics shared by every layer: where in a config something happened, and errors as values.
//
// Library code never prints or exits; it returns a Status / Result<T> or appends to a Diagnostics
// list so that one run can report every error it found. Tools decide how to show them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pb {

// A position in a config source. `file` is shared because thousands of AST nodes point into the
// same file; line and column are 1-based, 0 means "unknown".
struct SourceLoc {
  std::shared_ptr<const std::string> file;
  std::uint32_t line = 0;
  std::uint32_t col = 0;

  std::string file_name() const { return file ? *file : std::string("<unknown>"); }
  // "file:line:col" (or "file:line" when the column is unknown).
  std::string str() const;
};

struct Diagnostic {
  enum class Severity : std::uint8_t { error, warning, note };
  Severity severity = Severity::error;
  SourceLoc loc;
  std::string message;
  // The source line and caret, when the source text is known; printed under the message.
  std::string excerpt;
};

// An ordered list of diagnostics. Components append; callers check `has_errors()`.
class Diagnostics {
 public:
  void error(SourceLoc loc, std::string message, std::string excerpt = {});
  void warning(SourceLoc loc, std::string message, std::string excerpt = {});
  void note(SourceLoc loc, std::string message, std::string excerpt = {});
  void add(Diagnostic d) { list_.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  bool empty() const { return list_.empty(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  void clear() { list_.clear(); }

  // "file:line:col: error: message\n<excerpt>" for each, in order.
  std::string str() const;

 private:
  std::vector<Diagnostic> list_;
};

// The outcome of an operation that either works or fails with one message. The message carries
// what went wrong ("KEY: expected bandwidth, got 'fast'"); callers higher up add context such as
// the config location and "While configuring 'q :: Queue'".
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool is_ok() const { return !message_; }
  explicit operator bool() const { return is_ok(); }
  const std::string& message() const;  // empty string when ok

 private:
  explicit Status(std::string m) : message_(std::make_shared<std::string>(std::move(m))) {}
  std::shared_ptr<const std::string> message_;
};

// A value or an error message.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Status error) : v_(std::move(error)) {}  // must not be ok

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }
  const std::string& message() const { return std::get<1>(v_).message(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pb
