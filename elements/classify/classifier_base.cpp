#include "elements/classify/classifier_base.hpp"

#include "elements/classify/text.hpp"
#include "runtime/lang/config_string.hpp"

namespace pb::elements {

Status ClassifierBase::read_patterns(Args& args, std::vector<std::string>& patterns) const {
  // Args has no "all the rest" form, so count the positional arguments first; keyword-looking
  // ones stay unread and done() reports them as unknown keywords.
  std::size_t n = 0;
  for (const auto& a : lang::split_args(config()))
    if (!lang::split_keyword(a)) ++n;
  patterns.assign(n, std::string());
  for (auto& p : patterns) args.optional("PATTERN", p);
  return args.done();
}

Status ClassifierBase::compile(Result<classify::PatternSet> set) {
  if (!set) return set.status();
  program_ = classify::DecisionProgram::build(set->patterns, set->outputs);
  pattern_outputs_ = std::move(set->outputs);
  return {};
}

Status ClassifierBase::initialize_outputs(bool one_per_pattern) {
  const int nout = noutputs();
  if (one_per_pattern && static_cast<std::size_t>(nout) != pattern_outputs_.size())
    return Status::error(classify::cat(std::to_string(pattern_outputs_.size()), " patterns need ",
                                       std::to_string(pattern_outputs_.size()),
                                       " outputs, one per pattern; the element has ",
                                       std::to_string(nout)));
  std::string errors;
  for (std::size_t i = 0; i < pattern_outputs_.size(); ++i) {
    const int k = pattern_outputs_[i];
    if (k >= nout)
      errors += classify::cat(errors.empty() ? "" : "\n", "pattern ", std::to_string(i),
                              ": output ", std::to_string(k), " out of range (the element has ",
                              std::to_string(nout), " outputs)");
  }
  if (!errors.empty()) return Status::error(errors);
  outs_.clear();
  outs_.resize(static_cast<std::size_t>(nout));
  counts_.assign(static_cast<std::size_t>(nout), 0);
  return {};
}

void ClassifierBase::take_counts(const ClassifierBase& old) {
  if (old.counts_.size() != counts_.size()) return;
  counts_ = old.counts_;
  drops_ = old.drops_;
}

void ClassifierBase::send_all(Batch&& b, int port) {
  if (port < 0) {
    drops_ += b.size();
    b.clear();
    return;
  }
  counts_[static_cast<std::size_t>(port)] += b.size();
  output(port).push(std::move(b));
}

void ClassifierBase::send_split_reentrant(Batch&& b, std::int32_t* out) {
  // Rare: a push loop brought a batch back while outs_ is in use. Extract one output at a time;
  // `out` is compacted alongside the packets that stay.
  for (int k = 0; k < noutputs() && !b.empty(); ++k) {
    std::uint32_t i = 0, keep = 0;
    Batch sel = b.extract_if([&](Packet&) {
      const bool take = out[i] == k;
      if (!take) out[keep++] = out[i];
      ++i;
      return take;
    });
    output(k).push(std::move(sel));
  }
  b.clear();  // the dropped ones
}

void ClassifierBase::add_handlers(Handlers& h) {
  h.read("program", [this] { return program_.unparse(); });
  h.read("drops", drops_);
  h.read("counts", [this] {
    std::string s;
    for (std::size_t k = 0; k < counts_.size(); ++k)
      s += classify::cat(k ? " " : "", std::to_string(counts_[k]));
    return s;
  });
  h.button("reset_counts", [this] {
    std::fill(counts_.begin(), counts_.end(), 0);
    drops_ = 0;
  });
}

}  // namespace pb::elements
