// The receive loop the personality endpoints share (EBDClient, ConsolePTY): pull every frame
// waiting on a pull input, parse each, count the ones that fail the format checks, and hand the
// rest to the element. A frame that fails to parse is never trusted and never reaches `on_frame`.
#pragma once

#include <cstdint>
#include <utility>

#include "runtime/element/element.hpp"

namespace pb::elements {

// Pulls from `in` until it is empty. For each frame, `parse(const Packet&)` returns a Result;
// failures add one to `bad`, successes go to `on_frame(const Parsed&)`. Returns true if any frame
// was pulled (the caller's task did work). The frames are freed when their batch ends, so
// `on_frame` copies what it keeps.
template <typename Parse, typename OnFrame>
bool pull_parsed_frames(const Input& in, Parse&& parse, std::uint64_t& bad, OnFrame&& on_frame) {
  bool did = false;
  for (;;) {
    Batch batch = in.pull(Batch::kCapacity);
    if (batch.empty()) break;
    did = true;
    for (Packet& p : batch) {
      auto parsed = parse(p);
      if (!parsed) {
        ++bad;
        continue;
      }
      on_frame(std::as_const(parsed.value()));
    }
  }
  return did;
}

}  // namespace pb::elements
