// PaintSwitch([ANNO]) — sends each packet out of the output its paint annotation names.
//
// Arguments:
//   ANNO  which one-byte annotation to read: PAINT (default) or an offset 0-63 into the user
//         annotation area.
// Ports: one push input, any number of push outputs (up to 255). A packet painted K leaves on
//   output K; one painted 255 is cloned to every output; one with no output K is dropped. A
//   batch whose packets all share one colour moves to its output whole.
// Handlers: none of its own.
#pragma once

#include <vector>

#include "elements/standard/paint_anno.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class PaintSwitch final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "PaintSwitch",
                                    .ports = "1/-",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "sends each packet out of the output its paint names"};

  Status configure(Args& args) override {
    return args.optional("ANNO", anno_, PaintAnno::parser()).done();
  }
  Status initialize() override;
  void push(int, Batch&& b) override;

 private:
  PaintAnno anno_;
  std::vector<Batch> outs_;  // one per output, reused so a push allocates nothing
};

}  // namespace pb::elements
