// Print([LABEL, MAXLENGTH, *, CONTENTS, TIMESTAMP, PRINTANNO, HEADROOM, ACTIVE]) — prints one
// line per packet on standard error: its label, length and first bytes.
//
// Arguments:
//   LABEL      string; printed first, followed by ": " (default: none).
//   MAXLENGTH  integer; at most this many data bytes are printed, negative for all (default 24).
//   CONTENTS   NONE, HEX (groups of 4 bytes) or ASCII (non-printing bytes as '.'); true means
//              HEX, false NONE (default HEX).
//   TIMESTAMP  boolean; print the timestamp annotation as seconds.nanoseconds (default false).
//   PRINTANNO  boolean; print the user annotation area in hex (default false).
//   HEADROOM   boolean; print "(h<headroom> t<tailroom>)" (default false).
//   ACTIVE     boolean; whether to print at all (default true).
// Ports: one input, one output, agnostic; packets leave unchanged. A line looks like Click's:
//   "LABEL:   60 | 45000028 00000000 4011..." (length right-aligned in 4 columns).
// Handlers:
//   active (rw)  ACTIVE
#pragma once

#include <cstdint>
#include <string>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Print final : public SimpleAction<Print> {
 public:
  static constexpr ElementSpec spec{.name = "Print",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "prints each packet's length and first bytes"};
  enum class Contents { none, hex, ascii };

  Status configure(Args& args) override;
  void process(Batch& b) {
    if (active_) print(b);
  }
  void add_handlers(Handlers& h) override { h.read_write("active", active_); }

  // The line Print writes for `p` (without the newline); for tests and tools.
  std::string line(const Packet& p) const {
    std::string s;
    append_line(s, p);
    return s;
  }

 private:
  void print(const Batch& b);
  void append_line(std::string& out, const Packet& p) const;

  std::string label_;
  std::int32_t max_length_ = 24;
  Contents contents_ = Contents::hex;
  bool timestamp_ = false;
  bool print_anno_ = false;
  bool headroom_ = false;
  bool active_ = true;
  std::string buf_;  // reused between batches: one write per batch, no allocation once warm
};

}  // namespace pb::elements
