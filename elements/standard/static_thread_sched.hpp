// StaticThreadSched(ELEMENT THREAD, ...) — pins elements' tasks and timers to worker threads.
//
// Arguments:
//   ELEMENT THREAD  repeated; an element's name (a compound's name pins every element inside it)
//                   and a worker thread number. Numbers wrap modulo the number of threads
//                   (`patchbay run -j N`), so a configuration written for more threads still
//                   runs; -1 leaves the element to automatic placement. Several
//                   StaticThreadSched elements may be given; for the same element the later
//                   one wins.
// Ports: none.
// Handlers: none of its own. The placement takes effect when the router initializes; elements
//   whose work meets a pinned element's at a non-thread-safe element join its thread, and a
//   non-thread-safe element reached from two pinned threads is an error (docs/runtime.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/element/element.hpp"

namespace pb::elements {

class StaticThreadSched final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "StaticThreadSched",
                                    .ports = "0/0",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "pins elements' tasks and timers to worker threads"};

  Status configure(Args& args) override;
  Status initialize() override;

 private:
  std::vector<std::pair<std::string, int>> pins_;
};

}  // namespace pb::elements
