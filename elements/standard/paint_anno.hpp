// PaintAnno: the ANNO argument of Paint and PaintSwitch (not an element class by itself): which
// one-byte annotation they use — the paint annotation, or a byte of the user annotation area.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/core/diag.hpp"
#include "runtime/element/values.hpp"
#include "runtime/packet/packet.hpp"

namespace pb::elements {

struct PaintAnno {
  static constexpr int kPaint = -1;
  int offset = kPaint;  // kPaint, or a byte offset into Packet::user_anno()

  bool is_paint() const { return offset == kPaint; }
  std::uint8_t get(const Packet& p) const {
    return is_paint() ? p.paint() : p.user_anno()[static_cast<std::size_t>(offset)];
  }

  // Parser modifier for Args and handlers: "PAINT" or 0..kUserAnnoSize-1.
  struct Parser {
    Result<PaintAnno> parse(std::string_view s) const {
      if (s == "PAINT" || s == "paint") return PaintAnno{};
      auto r = ArgTraits<std::uint32_t>::parse(s);
      if (!r || *r >= Packet::kUserAnnoSize)
        return Status::error("expected PAINT or a user annotation offset 0-" +
                             std::to_string(Packet::kUserAnnoSize - 1) + ", got '" +
                             std::string(s) + "'");
      return PaintAnno{static_cast<int>(*r)};
    }
    std::string format(const PaintAnno& a) const {
      return a.is_paint() ? std::string("PAINT") : std::to_string(a.offset);
    }
  };
  static Parser parser() { return {}; }
};

}  // namespace pb::elements
