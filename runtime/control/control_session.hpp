// ControlSession: one client's side of Click's ControlSocket protocol, version 1.3, as a pure
// state machine — bytes in, reply bytes out — with the router behind a HandlerAccess interface.
// It knows nothing of sockets, so the same code serves the ControlSocket element
// (elements/control/), the unit tests and the fuzzer (test/fuzz/control_fuzzer.cpp).
//
//   struct MyAccess : pb::control::HandlerAccess { ... };    // find / read / write handlers
//   pb::control::ControlSession s(access);                   // output() holds the greeting
//   s.feed("READ c.count\r\n");                              // any split: byte by byte works
//   send(s.output()); s.consume_output(n);                   // what the socket took
//   if (s.finished() && s.output().empty()) close();         // after QUIT or end of input
//
// The protocol (docs/control.md has a transcript): the server greets with
// "Click::ControlSocket/1.3"; each command is one line (ended by CR, LF or CRLF) of
// space-separated words; each reply is one or more lines "CODE-text" (more follow) ending with
// "CODE text", CRLF-terminated; a read's value follows as "DATA n" CRLF and n bytes. Commands:
// READ/GET, READDATA, READUNTIL, WRITE/SET, WRITEDATA/SETDATA, WRITEUNTIL, CHECKREAD, CHECKWRITE,
// HELP, QUIT/CLOSE (LLRPC is answered 501). Codes: 200 OK, 220 OK with warnings, 500 syntax
// error, 501 unimplemented command, 510 no such element, 511 no such handler, 520 handler error,
// 521 data too large, 530 permission denied, 540 no router installed.
//
// Bounds: a line longer than `max_line` gets "500 Line too long" and is skipped up to its end; a
// READDATA/WRITEDATA body or an UNTIL body larger than `max_data` gets 521 and is skipped (the
// connection stays in sync and usable). While more than `max_output` reply bytes wait, no further
// command runs (wants_input() is false), so a client that does not read cannot make the server
// buffer without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::control {

inline constexpr std::string_view kProtocolGreeting = "Click::ControlSocket/1.3";

// Click's reply codes (elements/userlevel/controlsocket.hh in Click documents the same numbers).
enum ReplyCode : int {
  kCodeOk = 200,
  kCodeOkWarning = 220,
  kCodeSyntax = 500,
  kCodeUnimplemented = 501,
  kCodeNoElement = 510,
  kCodeNoHandler = 511,
  kCodeHandlerError = 520,
  kCodeDataTooBig = 521,
  kCodePermission = 530,
  kCodeNoRouter = 540,
};

// What the session needs to know about a handler before calling it.
struct HandlerInfo {
  enum class Found { yes, no_element, no_handler };
  Found found = Found::no_handler;
  bool readable = false;
  bool writable = false;
  bool socket_writable = true;  // false: the handler is read-only to the socket
};

// A write's outcome: an error (520), or success with optional warnings (220).
struct WriteOutcome {
  Status status;
  std::vector<std::string> warnings;
};

// The router side. Names are "element.handler" or a global handler's name, already stripped of a
// leading "." or "0." (Click's spellings of a global handler).
class HandlerAccess {
 public:
  virtual ~HandlerAccess() = default;
  // False while no router is there to serve (shutting down): handler commands get 540.
  virtual bool router_installed() const { return true; }
  // True when this socket refuses every write (530), like SessionLimits::read_only but able to
  // change while sessions run.
  virtual bool read_only() const { return false; }
  virtual HandlerInfo find(std::string_view name) const = 0;
  // `params`: what followed the handler name (READ) or the data (READDATA/READUNTIL).
  virtual Result<std::string> read(std::string_view name, std::string_view params) = 0;
  virtual WriteOutcome write(std::string_view name, std::string_view value) = 0;
};

struct SessionLimits {
  std::size_t max_line = 64u << 10;    // longest command line
  std::size_t max_data = 16u << 20;    // largest DATA / UNTIL body
  std::size_t max_output = 32u << 20;  // reply bytes waiting before commands pause
  bool read_only = false;              // every write refused (530), ControlSocket's READONLY
};

class ControlSession {
 public:
  explicit ControlSession(HandlerAccess& access, SessionLimits limits = {});

  // Appends received bytes and runs every complete command (as far as output room allows).
  void feed(std::string_view bytes);
  // The peer will send nothing more: a last unterminated line still runs; an incomplete DATA or
  // UNTIL body is a 500. Then the session is finished.
  void feed_eof();
  // Runs commands that were waiting for output room (call after consume_output).
  void process();

  // Reply bytes not yet sent.
  std::string_view output() const { return std::string_view(out_).substr(out_pos_); }
  void consume_output(std::size_t n);

  // True while the session would accept more input now (not finished, output under its bound).
  bool wants_input() const { return !finished_ && output().size() < limits_.max_output; }
  // After QUIT/CLOSE or end of input: close the connection once output() is empty.
  bool finished() const { return finished_; }
  std::uint64_t commands() const { return commands_; }
  // Bytes received and not yet consumed by a command (bounded by max_line + max_data).
  std::size_t buffered_input() const { return in_.size() - in_pos_; }

  // Swaps the handler access (hot-swap: the session continues against the new router).
  void set_access(HandlerAccess& access) { access_ = &access; }

 private:
  enum class State { line, discard_line, data, skip_data, until, discard_until, closed };
  enum class Verb { read, write };

  // One pending command that waits for its body.
  struct Pending {
    Verb verb = Verb::read;
    std::string command;  // as the client spelled it, upper-cased
    std::string handler;
    std::size_t length = 0;  // data: bytes to take
    std::string terminator;  // until: the line that ends the body
  };

  void run();
  bool step();  // one unit of progress; false when waiting for input
  void execute(std::string_view line);
  void run_read(std::string_view handler, std::string_view params);
  void run_write(std::string_view handler, std::string_view value);
  void run_check(std::string_view handler, bool write);
  // Looks the handler up and emits 540/510/511 when it cannot be used; true when found.
  bool lookup(std::string_view handler, HandlerInfo& info);
  // One reply line; `more` makes it a continuation ("CODE-text").
  void reply(int code, std::string_view text, bool more = false);
  // A header line followed by the lines of `detail` (multi-line messages become continuations).
  void reply_with_detail(int code, std::string_view head, const std::vector<std::string>& detail);
  // Finds the end of the line starting at in_pos_; npos when there is none yet.
  std::size_t find_line_end(std::size_t from) const;
  // Index just past the terminator at `eol` (CR, LF or CRLF).
  std::size_t past_terminator(std::size_t eol);
  void compact();

  HandlerAccess* access_;
  SessionLimits limits_;
  std::string in_;
  std::size_t in_pos_ = 0;
  std::size_t scan_ = 0;    // where the search for a line end resumes (avoids rescanning)
  std::size_t probe_ = 0;   // UNTIL bodies: where the search for the current line's end resumes
  bool long_line_ = false;  // UNTIL bodies: the current line is longer than max_line
  std::string out_;
  std::size_t out_pos_ = 0;
  State state_ = State::line;
  Pending pending_;
  std::size_t skip_left_ = 0;
  bool pending_lf_ = false;  // a line ended with a CR at the end of the input so far…
  std::size_t lf_at_ = 0;    // … so an LF arriving at this index belongs to it
  bool eof_ = false;
  bool finished_ = false;
  std::uint64_t commands_ = 0;
};

// Splits a handler name into element and handler parts at the last '.'; element empty for a
// global handler. Strips Click's global spellings ".h" and "0.h".
std::string_view canonical_handler_name(std::string_view name);

// Client side: one parsed reply (all its lines) and, for reads, the DATA payload.
struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // the text of each line, without code and separator
  bool has_data = false;
  std::string data;
  bool ok() const { return code >= 200 && code < 300; }
  // The lines joined by newlines.
  std::string message() const;
};

// Incremental reply parser for clients (patchbay ctl, tests). feed() bytes as they arrive; next()
// returns a complete reply when there is one. `expect_data` says whether the reply to the command
// sent carries "DATA n" after a 2xx (reads do).
class ReplyParser {
 public:
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // Consumes the greeting line; false until it has arrived, error if it is not Click's.
  Result<bool> greeting();
  // A complete reply, or nullopt-like false in `done` when more bytes are needed. Errors for
  // malformed replies.
  Result<bool> next(bool expect_data, Reply& out);

 private:
  bool take_line(std::string& line);
  std::string buf_;
  std::size_t pos_ = 0;
  Reply partial_;
  bool in_data_ = false;
  std::size_t data_len_ = 0;
};

}  // namespace pb::control
