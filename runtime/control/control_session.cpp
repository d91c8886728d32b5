#include "runtime/control/control_session.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pb::control {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

// From the first byte of words[k] to the last byte of the last word (Click's "rest of line").
std::string_view rest_from(std::string_view line, const std::vector<std::string_view>& words,
                           std::size_t k) {
  if (words.size() <= k) return {};
  const char* b = words[k].data();
  const char* e = words.back().data() + words.back().size();
  return line.substr(static_cast<std::size_t>(b - line.data()), static_cast<std::size_t>(e - b));
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reply text must stay on one line and printable: control bytes become \xNN.
std::string printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view l = text.substr(i, j - i);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!l.empty() || j < text.size()) out.emplace_back(l);
    i = j + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

bool parse_length(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string quoted(std::string_view s) {
  // Appended piecewise: g++ 12 warns (-Wrestrict, a false positive) on "'" + std::string.
  std::string q;
  q.reserve(s.size() + 2);
  q += '\'';
  q += s;
  q += '\'';
  return q;
}

}  // namespace

std::string_view canonical_handler_name(std::string_view name) {
  if (!name.empty() && name.front() == '.') return name.substr(1);
  if (name.size() >= 2 && name[0] == '0' && name[1] == '.') return name.substr(2);
  return name;
}

ControlSession::ControlSession(HandlerAccess& access, SessionLimits limits)
    : access_(&access), limits_(limits) {
  out_.append(kProtocolGreeting);
  out_.append("\r\n");
}

void ControlSession::feed(std::string_view bytes) {
  if (state_ == State::closed || eof_) return;
  // Bytes the session is discarding never enter the buffer: a hostile client cannot make it
  // grow beyond max_line + max_data.
  in_.append(bytes);
  run();
}

void ControlSession::feed_eof() {
  if (eof_) return;
  eof_ = true;
  run();
  if (state_ != State::closed) {
    state_ = State::closed;
    finished_ = true;
  }
  in_.clear();
  in_pos_ = scan_ = lf_at_ = 0;
  pending_lf_ = false;
}

void ControlSession::process() {
  run();
}

void ControlSession::consume_output(std::size_t n) {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ > (1u << 16) && out_pos_ > out_.size() / 2) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
  run();
}

void ControlSession::run() {
  while (state_ != State::closed && output().size() < limits_.max_output && step()) {
  }
  compact();
}

void ControlSession::compact() {
  if (in_pos_ == 0) return;
  if (in_pos_ == in_.size() || (in_pos_ > 4096 && in_pos_ > in_.size() / 2)) {
    in_.erase(0, in_pos_);
    scan_ = scan_ > in_pos_ ? scan_ - in_pos_ : 0;
    probe_ = probe_ > in_pos_ ? probe_ - in_pos_ : 0;
    lf_at_ = lf_at_ > in_pos_ ? lf_at_ - in_pos_ : 0;
    in_pos_ = 0;
  }
}

std::size_t ControlSession::find_line_end(std::size_t from) const {
  for (std::size_t i = std::max(from, in_pos_); i < in_.size(); ++i)
    if (in_[i] == '\r' || in_[i] == '\n') return i;
  return std::string::npos;
}

std::size_t ControlSession::past_terminator(std::size_t eol) {
  if (in_[eol] == '\r') {
    if (eol + 1 < in_.size()) return in_[eol + 1] == '\n' ? eol + 2 : eol + 1;
    // A CR at the end of what arrived so far: if the next byte is its LF, it belongs here (and
    // must not become the first byte of a DATA body).
    pending_lf_ = true;
    lf_at_ = eol + 1;
    return eol + 1;
  }
  return eol + 1;
}

bool ControlSession::step() {
  if (pending_lf_ && lf_at_ < in_.size()) {
    // The LF completes a CRLF: the position just past the terminator moves past it too (inside
    // an UNTIL body it stays part of the body's bytes).
    if (in_[lf_at_] == '\n') {
      if (in_pos_ == lf_at_) ++in_pos_;
      if (scan_ == lf_at_) ++scan_;
      if (probe_ == lf_at_) ++probe_;
    }
    pending_lf_ = false;
  }
  const std::size_t avail = in_.size() - in_pos_;
  switch (state_) {
    case State::line: {
      std::size_t eol = find_line_end(scan_);
      if (eol == std::string::npos) {
        scan_ = in_.size();
        if (avail > limits_.max_line) {
          reply(kCodeSyntax, "Line too long (limit " + std::to_string(limits_.max_line) +
                                 " bytes); skipped to its end");
          state_ = State::discard_line;
          in_pos_ = scan_ = in_.size();
          return true;
        }
        if (eof_ && avail > 0) {
          // Click runs a last line without terminator when the peer closed.
          std::string line = in_.substr(in_pos_);
          in_pos_ = scan_ = in_.size();
          execute(line);
          return true;
        }
        return false;
      }
      if (eol - in_pos_ > limits_.max_line) {
        reply(kCodeSyntax, "Line too long (limit " + std::to_string(limits_.max_line) +
                               " bytes); skipped to its end");
        in_pos_ = scan_ = past_terminator(eol);
        return true;
      }
      std::string line = in_.substr(in_pos_, eol - in_pos_);
      in_pos_ = scan_ = past_terminator(eol);
      execute(line);
      return true;
    }
    case State::discard_line: {
      std::size_t eol = find_line_end(in_pos_);
      if (eol == std::string::npos) {
        in_pos_ = scan_ = in_.size();
        return false;
      }
      in_pos_ = scan_ = past_terminator(eol);
      state_ = State::line;
      return true;
    }
    case State::data: {
      if (avail < pending_.length) {
        if (eof_) {
          reply(kCodeSyntax, "Not enough data: " + pending_.command + " expected " +
                                 std::to_string(pending_.length) + " bytes, got " +
                                 std::to_string(avail));
          in_pos_ = scan_ = in_.size();
          state_ = State::line;
          return true;
        }
        return false;
      }
      std::string body = in_.substr(in_pos_, pending_.length);
      in_pos_ = scan_ = in_pos_ + pending_.length;
      state_ = State::line;
      if (pending_.verb == Verb::read)
        run_read(pending_.handler, body);
      else
        run_write(pending_.handler, body);
      return true;
    }
    case State::skip_data: {
      std::size_t n = std::min(avail, skip_left_);
      in_pos_ += n;
      scan_ = in_pos_;
      skip_left_ -= n;
      if (skip_left_ > 0) return false;
      state_ = State::line;
      return true;
    }
    case State::until:
    case State::discard_until: {
      // Lines from in_pos_ up to (not including) the terminator line form the body. scan_ is
      // where the current line starts, probe_ where the search for its end resumes, and
      // long_line_ says it is longer than max_line: never the terminator, whatever it ends with
      // (so a long line is judged alike whether it arrives whole or in pieces).
      auto too_big = [this] {
        reply(kCodeDataTooBig, "Data too large for " + pending_.command + " (limit " +
                                   std::to_string(limits_.max_data) + " bytes); skipped");
        state_ = State::discard_until;
      };
      std::size_t line_start = std::max(scan_, in_pos_);
      for (;;) {
        if (state_ == State::until && line_start - in_pos_ > limits_.max_data) {
          too_big();
          in_pos_ = line_start;
        }
        const std::size_t eol = find_line_end(std::max(line_start, probe_));
        if (eol == std::string::npos) {
          probe_ = in_.size();
          if (in_.size() - line_start > limits_.max_line) long_line_ = true;
          if (state_ == State::until && long_line_ && in_.size() - in_pos_ > limits_.max_data)
            too_big();
          if (state_ == State::discard_until) {
            if (long_line_) line_start = in_.size();  // its bytes need not be kept
            in_pos_ = line_start;
          }
          scan_ = line_start;
          if (eof_) {
            if (state_ == State::until)
              reply(kCodeSyntax, "Connection closed before the " + pending_.command +
                                     " terminator " + quoted(pending_.terminator));
            in_pos_ = scan_ = probe_ = in_.size();
            long_line_ = false;
            state_ = State::line;
            return true;
          }
          return false;
        }
        const bool match = !long_line_ && eol - line_start <= limits_.max_line &&
                           rtrim(std::string_view(in_).substr(line_start, eol - line_start)) ==
                               pending_.terminator;
        long_line_ = false;
        const std::size_t next = past_terminator(eol);
        probe_ = next;
        if (match) {
          const std::size_t body_start = in_pos_;
          const bool discarding = state_ == State::discard_until;
          in_pos_ = scan_ = next;
          state_ = State::line;
          if (discarding) return true;
          std::string body = in_.substr(body_start, line_start - body_start);
          if (pending_.verb == Verb::read)
            run_read(pending_.handler, body);
          else
            run_write(pending_.handler, body);
          return true;
        }
        if (pending_lf_) {
          // The CR ended the input: the next line cannot be looked at yet. The line it ends is
          // complete, though, so its size counts now — as it would on the next call, which must
          // not change anything when no input arrived (whole and chunked input agree).
          scan_ = next;
          if (state_ == State::until && next - in_pos_ > limits_.max_data) too_big();
          if (state_ == State::discard_until) in_pos_ = next;
          return false;
        }
        line_start = next;
        if (state_ == State::discard_until) in_pos_ = line_start;
      }
    }
    case State::closed:
      return false;
  }
  return false;
}

void ControlSession::execute(std::string_view line) {
  const auto words = split_words(line);
  if (words.empty()) return;  // blank lines are ignored
  ++commands_;
  const std::string cmd = upper(words[0]);
  if (cmd == "READ" || cmd == "GET" || cmd == "WRITE" || cmd == "SET") {
    if (words.size() < 2) return reply(kCodeSyntax, "Wrong number of arguments to " + cmd);
    const std::string_view rest = rest_from(line, words, 2);
    if (cmd[0] == 'R' || cmd[0] == 'G') return run_read(words[1], rest);
    return run_write(words[1], rest);
  }
  if (cmd == "READDATA" || cmd == "WRITEDATA" || cmd == "SETDATA") {
    if (words.size() != 3) return reply(kCodeSyntax, "Wrong number of arguments to " + cmd);
    std::size_t n = 0;
    if (!parse_length(words[2], n))
      return reply(kCodeSyntax, "Syntax error in " + cmd + ": bad length " + quoted(words[2]));
    if (n > limits_.max_data) {
      // The body is on its way: skip it so the next command is read in sync.
      reply(kCodeDataTooBig, "Data too large for " + cmd + " (" + std::to_string(n) +
                                 " bytes, limit " + std::to_string(limits_.max_data) + ")");
      skip_left_ = n;
      state_ = State::skip_data;
      return;
    }
    pending_ = {};
    pending_.verb = cmd[0] == 'R' ? Verb::read : Verb::write;
    pending_.command = cmd;
    pending_.handler = std::string(words[1]);
    pending_.length = n;
    state_ = State::data;
    return;
  }
  if (cmd == "READUNTIL" || cmd == "WRITEUNTIL") {
    if (words.size() < 2) return reply(kCodeSyntax, "Wrong number of arguments to " + cmd);
    pending_ = {};
    pending_.verb = cmd[0] == 'R' ? Verb::read : Verb::write;
    pending_.command = cmd;
    pending_.handler = std::string(words[1]);
    pending_.terminator = std::string(rest_from(line, words, 2));  // empty: a blank line ends
    state_ = State::until;
    scan_ = probe_ = in_pos_;
    long_line_ = false;
    return;
  }
  if (cmd == "CHECKREAD" || cmd == "CHECKWRITE") {
    if (words.size() != 2) return reply(kCodeSyntax, "Wrong number of arguments to " + cmd);
    return run_check(words[1], cmd == "CHECKWRITE");
  }
  if (cmd == "QUIT" || cmd == "CLOSE") {
    reply(kCodeOk, "Goodbye!");
    state_ = State::closed;
    finished_ = true;
    in_.clear();
    in_pos_ = scan_ = 0;
    return;
  }
  if (cmd == "HELP") {
    static constexpr std::string_view kHelp[] = {
        "Commands supported:",
        "READ handler [params...]  call a read handler, return DATA",
        "READDATA handler n        call a read handler with the next n bytes, return DATA",
        "READUNTIL handler [term]  call a read handler with the lines up to term, return DATA",
        "WRITE handler [value...]  call a write handler",
        "WRITEDATA handler n       call a write handler with the next n bytes",
        "WRITEUNTIL handler [term] call a write handler with the lines up to term",
        "CHECKREAD handler         is the handler readable?",
        "CHECKWRITE handler        is the handler writable (by this socket)?",
        "HELP                      this list",
        "QUIT                      close the connection",
    };
    for (std::size_t i = 0; i < std::size(kHelp); ++i)
      reply(kCodeOk, kHelp[i], i + 1 < std::size(kHelp));
    return;
  }
  if (cmd == "LLRPC") {
    // Click's binary calls have no patchbay counterpart; skip the body so the stream stays in
    // sync.
    std::size_t n = 0;
    if (words.size() == 3 && parse_length(words[2], n) && n > 0) {
      skip_left_ = n;
      state_ = State::skip_data;
    }
    return reply(kCodeUnimplemented, "Command 'LLRPC' unimplemented: patchbay has no LLRPCs");
  }
  reply(kCodeUnimplemented, "Command " + quoted(printable(words[0])) + " unimplemented");
}

bool ControlSession::lookup(std::string_view handler, HandlerInfo& info) {
  if (!access_->router_installed()) {
    reply(kCodeNoRouter, "No router installed");
    return false;
  }
  const std::string_view name = canonical_handler_name(handler);
  info = access_->find(name);
  switch (info.found) {
    case HandlerInfo::Found::yes:
      return true;
    case HandlerInfo::Found::no_element: {
      const auto dot = name.rfind('.');
      const std::string_view elt = dot == std::string_view::npos ? name : name.substr(0, dot);
      reply(kCodeNoElement, "No element named " + quoted(printable(elt)));
      return false;
    }
    case HandlerInfo::Found::no_handler:
      break;
  }
  reply(kCodeNoHandler, "No handler named " + quoted(printable(handler)));
  return false;
}

void ControlSession::run_read(std::string_view handler, std::string_view params) {
  HandlerInfo info;
  if (!lookup(handler, info)) return;
  const std::string h = printable(handler);
  if (!info.readable) return reply(kCodePermission, "Handler " + quoted(h) + " write-only");
  auto r = access_->read(canonical_handler_name(handler), params);
  if (!r)
    return reply_with_detail(kCodeHandlerError, "Read handler " + quoted(h) + " error",
                             lines_of(r.message()));
  reply(kCodeOk, "Read handler " + quoted(h) + " OK");
  out_ += "DATA " + std::to_string(r->size()) + "\r\n";
  out_ += *r;
}

void ControlSession::run_write(std::string_view handler, std::string_view value) {
  HandlerInfo info;
  if (!lookup(handler, info)) return;
  const std::string h = printable(handler);
  if (!info.writable) return reply(kCodePermission, "Handler " + quoted(h) + " read-only");
  const bool socket_read_only = limits_.read_only || access_->read_only();
  if (socket_read_only || !info.socket_writable)
    return reply(kCodePermission, "Permission denied for " + quoted(h) +
                                      (socket_read_only ? " (read-only control socket)"
                                                        : " (read-only to the control socket)"));
  if (value.size() > limits_.max_data)
    return reply(kCodeDataTooBig, "Data too large for write handler " + quoted(h));
  WriteOutcome o = access_->write(canonical_handler_name(handler), value);
  if (!o.status)
    return reply_with_detail(kCodeHandlerError, "Write handler " + quoted(h) + " error",
                             lines_of(o.status.message()));
  if (!o.warnings.empty()) {
    std::vector<std::string> detail;
    for (const auto& w : o.warnings)
      for (auto& l : lines_of(w)) detail.push_back(std::move(l));
    return reply_with_detail(kCodeOkWarning, "Write handler " + quoted(h) + " OK with warnings",
                             detail);
  }
  reply(kCodeOk, "Write handler " + quoted(h) + " OK");
}

void ControlSession::run_check(std::string_view handler, bool write) {
  HandlerInfo info;
  if (!lookup(handler, info)) return;
  const std::string h = printable(handler);
  if (write) {
    if (!info.writable) return reply(kCodeNoHandler, "Handler " + quoted(h) + " not writable");
    if (limits_.read_only || access_->read_only() || !info.socket_writable)
      return reply(kCodePermission, "Permission denied for " + quoted(h));
    return reply(kCodeOk, "Write handler " + quoted(h) + " OK");
  }
  if (!info.readable) return reply(kCodeNoHandler, "Handler " + quoted(h) + " not readable");
  reply(kCodeOk, "Read handler " + quoted(h) + " OK");
}

void ControlSession::reply(int code, std::string_view text, bool more) {
  out_ += std::to_string(code);
  out_ += more ? '-' : ' ';
  out_ += printable(text);
  out_ += "\r\n";
}

void ControlSession::reply_with_detail(int code, std::string_view head,
                                       const std::vector<std::string>& detail) {
  if (detail.empty()) return reply(code, head);
  reply(code, std::string(head) + ":", true);
  for (std::size_t i = 0; i < detail.size(); ++i) reply(code, detail[i], i + 1 < detail.size());
}

// ---- client side ----

std::string Reply::message() const {
  std::string s;
  for (const auto& l : lines) {
    if (!s.empty()) s += '\n';
    s += l;
  }
  return s;
}

bool ReplyParser::take_line(std::string& line) {
  std::size_t i = pos_;
  while (i < buf_.size() && buf_[i] != '\n' && buf_[i] != '\r') ++i;
  if (i == buf_.size()) return false;
  std::size_t next = i + 1;
  if (buf_[i] == '\r') {
    if (next == buf_.size()) return false;  // wait: the LF may follow
    if (buf_[next] == '\n') ++next;
  }
  line.assign(buf_, pos_, i - pos_);
  pos_ = next;
  if (pos_ > 4096 && pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return true;
}

Result<bool> ReplyParser::greeting() {
  std::string line;
  if (!take_line(line)) return false;
  if (line.rfind("Click::ControlSocket/", 0) != 0)
    return Status::error("not a Click control socket (greeting '" + line + "')");
  return true;
}

Result<bool> ReplyParser::next(bool expect_data, Reply& out) {
  std::string line;
  while (!in_data_) {
    if (!take_line(line)) return false;
    if (line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2])) || (line[3] != ' ' && line[3] != '-'))
      return Status::error("malformed reply line '" + line + "'");
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    partial_.code = code;
    partial_.lines.push_back(line.substr(4));
    if (line[3] == '-') continue;
    if (!(expect_data && partial_.ok())) {
      out = std::move(partial_);
      partial_ = {};
      return true;
    }
    in_data_ = true;
    data_len_ = SIZE_MAX;
  }
  if (data_len_ == SIZE_MAX) {
    if (!take_line(line)) return false;
    if (line.rfind("DATA ", 0) != 0 || !parse_length(line.substr(5), data_len_))
      return Status::error("expected 'DATA n', got '" + line + "'");
  }
  if (buf_.size() - pos_ < data_len_) return false;
  partial_.has_data = true;
  partial_.data = buf_.substr(pos_, data_len_);
  pos_ += data_len_;
  in_data_ = false;
  out = std::move(partial_);
  partial_ = {};
  return true;
}

}  // namespace pb::control
