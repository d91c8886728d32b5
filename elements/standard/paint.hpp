// Paint(COLOR [, ANNO]) — sets each packet's paint annotation to COLOR.
//
// Arguments:
//   COLOR  integer 0-255; the colour.
//   ANNO   which one-byte annotation to set: PAINT (the paint annotation, default) or an offset
//          0-63 into the user annotation area.
// Ports: one input, one output, agnostic; packets leave with the annotation set.
// Handlers:
//   color (rw)  COLOR
#pragma once

#include <cstdint>

#include "elements/standard/paint_anno.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class Paint final : public SimpleAction<Paint> {
 public:
  static constexpr ElementSpec spec{.name = "Paint",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "sets the paint annotation"};

  Status configure(Args& args) override {
    return args.required("COLOR", color_).optional("ANNO", anno_, PaintAnno::parser()).done();
  }
  void process(Batch& b) {
    const std::uint8_t c = color_;
    if (anno_.is_paint())
      b.for_each([c](Packet& p) { p.set_paint(c); });
    else
      b.for_each(
          [c, at = static_cast<std::size_t>(anno_.offset)](Packet& p) { p.set_user_anno(at, c); });
  }
  void add_handlers(Handlers& h) override { h.read_write("color", color_); }
  void take_state(Paint& old) { color_ = old.color_; }

 private:
  std::uint8_t color_ = 0;
  PaintAnno anno_;
};

}  // namespace pb::elements
