#include "runtime/element/args.hpp"

#include "runtime/lang/config_string.hpp"

namespace pb {

namespace args_detail {
std::string got(std::string_view text) {
  return ", got '" + std::string(text) + "'";
}
}  // namespace args_detail

Args::Args(std::string_view config) : Args(lang::split_args(config)) {}

Args::Args(std::vector<std::string> args) {
  for (auto& a : args) {
    // Click's rule: a keyword needs a value, so a bare upper-case word (`ToDump(f, 2000, IP)`)
    // is a positional argument.
    auto kw = lang::split_keyword(a);
    if (kw && !kw->value.empty()) {
      items_.push_back({std::move(kw->keyword), std::move(kw->value)});
    } else {
      positional_.push_back(items_.size());
      items_.push_back({{}, std::move(a)});
    }
  }
}

const std::string* Args::lookup(std::string_view key, bool positional) {
  const std::string* found = nullptr;
  // A repeated keyword: the last one wins (Click's rule); all are consumed.
  for (auto& it : items_) {
    if (!it.keyword.empty() && it.keyword == key) {
      it.used = true;
      found = &it.value;
    }
  }
  if (positional && next_positional_ < positional_.size()) {
    Item& it = items_[positional_[next_positional_++]];
    it.used = true;
    if (found) {
      errors_.push_back(std::string(key) + ": given both by position and as keyword");
      return nullptr;
    }
    return &it.value;
  }
  return found;
}

bool Args::given(std::string_view key) const {
  for (auto& g : given_)
    if (g == key) return true;
  return false;
}

Status Args::done() {
  if (finished_) return result_;
  finished_ = true;
  std::size_t extra = 0;
  for (auto& it : items_) {
    if (it.used) continue;
    if (it.keyword.empty())
      ++extra;
    else
      errors_.push_back("unknown keyword " + it.keyword);
  }
  if (extra) errors_.push_back("too many arguments");
  if (!errors_.empty()) {
    std::string msg;
    for (auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
    result_ = Status::error(std::move(msg));
    return result_;
  }
  for (auto& c : commits_) c();
  commits_.clear();
  return result_;
}

}  // namespace pb
