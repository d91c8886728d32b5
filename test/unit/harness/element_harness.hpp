// ElementHarness: unit-test one element. It builds a real router around the element under test:
// every input is fed by a HarnessIn and every output ends in a HarnessOut, so port resolution,
// configure errors, initialize and handlers all run exactly as in a real graph.
//
//   pb::test::ElementHarness h("Counter", "", 1, 1);
//   REQUIRE(h.ok());                               // or check h.errors() for configure errors
//   h.push(0, pb::test::make_batch(3, 60));        // into input 0 (a push input)
//   REQUIRE(h.output_count(0) == 3);               // exactly what left output 0
//   CHECK(h.read("count") == "3");
//
// - Push outputs are captured (captured(port), output_count(port), take_output(port)).
// - Pull outputs: pull(port, max) pulls through the element.
// - Pull inputs: feed(port, batch) queues packets the element will pull from that input.
// - Sources and pullers run through run_tasks(), a deterministic single-threaded pass loop.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/registry.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/packet/batch.hpp"

namespace pb::test {

// Feeds an input of the element under test: pushes what the test gives it (push context) or
// hands out queued packets when pulled (pull context).
class HarnessIn final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "HarnessIn", .ports = "0/1", .processing = "a", .doc = "test harness feeder"};
  Batch pull(int, std::uint32_t max) override;
  void feed(Batch&& b);
  std::size_t queued() const { return queue_.size(); }
  ActiveNotifier* output_notifier(int) override { return &notifier_; }

 private:
  std::deque<PacketPtr> queue_;
  ActiveNotifier notifier_;
};

// Captures what leaves an output of the element under test (push context), or lets the test pull
// through it (pull context).
class HarnessOut final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "HarnessOut", .ports = "1/0", .processing = "a", .doc = "test harness capture"};
  void push(int, Batch&& b) override;
  std::vector<PacketPtr> packets;
  std::size_t batches = 0;  // push calls received
};

// The registry of all element families plus the two harness classes.
const Registry& harness_registry();

class ElementHarness {
 public:
  ElementHarness(std::string_view class_name, std::string_view config, int ninputs, int noutputs);

  // True when the router was built and initialized.
  bool ok() const { return router_ != nullptr && router_->initialized(); }
  // Every diagnostic of build/initialize, as "file:line:col: error: message" lines.
  std::string errors() const { return diags_.str(); }
  const Diagnostics& diagnostics() const { return diags_; }

  Element& element() const { return *element_; }
  template <typename T>
  T& as() const {
    return dynamic_cast<T&>(*element_);
  }
  Router& router() const { return *router_; }

  // Push into the element's input `port` (must be a push input).
  void push(int port, Batch&& b);
  // Queue packets for the element to pull from input `port` (must be a pull input); wakes it.
  void feed(int port, Batch&& b);
  // Pull from the element's output `port` (must be a pull output).
  Batch pull(int port, std::uint32_t max = Batch::kCapacity);

  // Packets captured on push output `port`, in arrival order.
  const std::vector<PacketPtr>& captured(int port) const;
  std::size_t output_count(int port) const { return captured(port).size(); }
  std::size_t output_batches(int port) const;
  // Moves the captured packets out (the capture starts empty again).
  std::vector<PacketPtr> take_output(int port);

  // Runs scheduler passes until no task does work (or max_passes); returns the passes that did
  // work. Deterministic: single thread, round-robin.
  int run_tasks(int max_passes = 100000);

  // Handlers of the element under test ("count") — or of the router ("version", "x.y").
  std::string read(std::string_view handler) const;
  Status write(std::string_view handler, std::string_view value = {}) const;

 private:
  std::string full(std::string_view handler) const;
  Diagnostics diags_;
  std::unique_ptr<Router> router_;
  Element* element_ = nullptr;
  std::vector<HarnessIn*> ins_;
  std::vector<HarnessOut*> outs_;
};

// ---- packet helpers ----
// A packet holding `bytes`.
PacketPtr make_packet(std::string_view bytes);
// A batch of n packets of `length` bytes; packet i is filled with byte (first + i).
Batch make_batch(std::uint32_t n, std::uint32_t length, std::uint8_t first = 0);
// A packet's data as a string (for exact comparisons).
std::string contents(const Packet& p);

}  // namespace pb::test
