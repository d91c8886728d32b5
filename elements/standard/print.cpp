#include "elements/standard/print.hpp"

#include <cstdio>

namespace pb::elements {

namespace {

struct ContentsParser {
  Result<Print::Contents> parse(std::string_view s) const {
    std::string u(s);
    for (char& c : u) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (u == "NONE" || u == "FALSE") return Print::Contents::none;
    if (u == "HEX" || u == "TRUE") return Print::Contents::hex;
    if (u == "ASCII") return Print::Contents::ascii;
    return Status::error("expected NONE, HEX or ASCII, got '" + std::string(s) + "'");
  }
  std::string format(Print::Contents c) const {
    return c == Print::Contents::none ? "NONE" : c == Print::Contents::hex ? "HEX" : "ASCII";
  }
};

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, std::uint8_t v) {
  out += kHex[v >> 4];
  out += kHex[v & 15];
}

}  // namespace

Status Print::configure(Args& args) {
  return args.optional("LABEL", label_)
      .optional("MAXLENGTH", max_length_)
      .optional_keyword("CONTENTS", contents_, ContentsParser{})
      .optional_keyword("TIMESTAMP", timestamp_)
      .optional_keyword("PRINTANNO", print_anno_)
      .optional_keyword("HEADROOM", headroom_)
      .optional_keyword("ACTIVE", active_)
      .done();
}

void Print::append_line(std::string& out, const Packet& p) const {
  const char* sep = "";
  if (!label_.empty()) {
    out += label_;
    sep = ": ";
  }
  char num[48];
  if (timestamp_) {
    std::uint64_t t = p.timestamp_ns();
    std::snprintf(num, sizeof num, "%s%llu.%09llu", sep,
                  static_cast<unsigned long long>(t / 1000000000u),
                  static_cast<unsigned long long>(t % 1000000000u));
    out += num;
    sep = ": ";
  }
  std::snprintf(num, sizeof num, "%s%4u", sep, p.length());
  out += num;
  if (headroom_) {
    std::snprintf(num, sizeof num, " (h%u t%u)", p.headroom(), p.tailroom());
    out += num;
  }
  if (print_anno_) {
    out += " | ";
    for (std::uint32_t i = 0; i < Packet::kUserAnnoSize; ++i)
      append_hex_byte(out, p.user_anno()[i]);
  }
  std::uint32_t n = contents_ == Contents::none ? 0 : p.length();
  if (contents_ != Contents::none && max_length_ >= 0 &&
      static_cast<std::uint32_t>(max_length_) < n)
    n = static_cast<std::uint32_t>(max_length_);
  if (n == 0) return;
  out += " | ";
  const std::uint8_t* d = p.data();
  for (std::uint32_t i = 0; i < n; ++i) {
    if (contents_ == Contents::hex) {
      if (i && i % 4 == 0) out += ' ';
      append_hex_byte(out, d[i]);
    } else {
      if (i % 8 == 0) out += ' ';
      out += d[i] < 32 || d[i] > 126 ? '.' : static_cast<char>(d[i]);
    }
  }
}

void Print::print(const Batch& b) {
  buf_.clear();
  b.for_each([this](const Packet& p) {
    append_line(buf_, p);
    buf_ += '\n';
  });
  // One write per batch keeps lines of concurrent Prints from interleaving mid-line.
  std::fwrite(buf_.data(), 1, buf_.size(), stderr);
}

}  // namespace pb::elements
