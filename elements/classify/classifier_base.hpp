// ClassifierBase: what Classifier, IPClassifier and IPFilter share — reading the patterns,
// compiling them once into a classify::DecisionProgram, the per-batch dispatch to outputs, the
// output checks and the program / counts / drops handlers. Not an element class itself.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "elements/classify/decision_program.hpp"
#include "elements/classify/patterns.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ClassifierBase : public Element {
 public:
  void add_handlers(Handlers& h) override;

 protected:
  // Every positional argument is one pattern (commas separate them, as in Click).
  Status read_patterns(Args& args, std::vector<std::string>& patterns) const;
  // Compiles a parsed pattern set; changes nothing when `set` is an error.
  Status compile(Result<classify::PatternSet> set);
  // After the ports are connected: one output per pattern (Classifier, IPClassifier), or every
  // output a pattern names must exist (IPFilter).
  Status initialize_outputs(bool one_per_pattern);
  // Hot-swap: keeps the counters when the output count did not change.
  void take_counts(const ClassifierBase& old);

  // Sends each packet of `b` to output match(packet) (-1 drops it), each output's packets as one
  // batch, in arrival order. A batch that goes to one output whole is passed on as it is.
  template <typename Match>
  void dispatch(Batch&& b, const Match& match) {
    const std::uint32_t n = b.size();
    if (n == 0) return;
    const int fixed = program_.fixed_output();
    if (fixed >= -1) return send_all(std::move(b), fixed);
    std::int32_t out[Batch::kCapacity];
    bool uniform = true;
    for (std::uint32_t i = 0; i < n; ++i) {
      out[i] = match(b[i]);
      uniform = uniform && out[i] == out[0];
    }
    if (uniform) return send_all(std::move(b), out[0]);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (out[i] < 0)
        ++drops_;
      else
        ++counts_[static_cast<std::size_t>(out[i])];
    }
    if (busy_) return send_split_reentrant(std::move(b), out);
    busy_ = true;
    std::uint32_t next = 0;
    b.classify([&](Packet&) { return static_cast<int>(out[next++]); }, std::span<Batch>(outs_));
    for (std::size_t k = 0; k < outs_.size(); ++k) {
      if (outs_[k].empty()) continue;
      output(static_cast<int>(k)).push(std::move(outs_[k]));
      outs_[k].clear();  // whatever downstream left behind
    }
    busy_ = false;
  }

  classify::DecisionProgram program_;
  std::vector<int> pattern_outputs_;  // the output of each pattern (-1: drop)

 private:
  void send_all(Batch&& b, int port);
  void send_split_reentrant(Batch&& b, std::int32_t* out);

  std::vector<Batch> outs_;  // per-output batches, reused for every input batch
  std::vector<std::uint64_t> counts_;
  std::uint64_t drops_ = 0;
  bool busy_ = false;  // dispatching into outs_ (a push loop may re-enter)
};

}  // namespace pb::elements
