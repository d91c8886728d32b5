#include "elements/multipath/smooth_wrr.hpp"

#include <algorithm>
#include <charconv>

namespace pb::elements::multipath {

void SmoothWrr::set(std::vector<std::uint32_t> w) {
  if (w == w_) return;  // the same weights: the sequence goes on where it was
  const bool carry = w.size() == w_.size();
  w_ = std::move(w);
  total_ = 0;
  for (std::uint32_t x : w_) total_ += x;
  if (!carry || total_ == 0) {
    cur_.assign(w_.size(), 0);
    return;
  }
  // Carry each path's credit (how far it is ahead of or behind its share) over to the new
  // weights. Restarting instead hands the first paths one extra turn at every change; with
  // ADAPTIVE re-setting the weights every interval, that bias gave the first of four equal paths
  // a longer queue than the others, and the reordering cost a fifth of the throughput. A path at
  // weight 0 loses its credit (it must never be picked); the others are bounded by the new total
  // and re-centred on zero, the invariant that keeps next() exact.
  const auto total = static_cast<std::int64_t>(total_);
  std::int64_t sum = 0, live = 0;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    if (w_[i] == 0) {
      cur_[i] = 0;
      continue;
    }
    cur_[i] = std::clamp(cur_[i], -total, total);
    sum += cur_[i];
    ++live;
  }
  const std::int64_t share = sum / live;
  std::int64_t rest = sum - share * live;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    if (w_[i] == 0) continue;
    cur_[i] -= share;
    if (rest != 0) {
      const std::int64_t unit = rest > 0 ? 1 : -1;
      cur_[i] -= unit;
      rest -= unit;
    }
  }
}

int SmoothWrr::slot(std::uint64_t h) const {
  std::uint64_t s = h % total_;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    if (s < w_[i]) return static_cast<int>(i);
    s -= w_[i];
  }
  return 0;  // unreachable: s < total_
}

Result<std::vector<std::uint32_t>> parse_weights(std::string_view text) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  std::uint64_t total = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t') ++j;
    std::string_view word = text.substr(i, j - i);
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
    if (ec != std::errc() || p != word.data() + word.size() || v > 1'000'000)
      return Status::error("expected weights 0-1000000 separated by spaces, got '" +
                           std::string(word) + "'");
    out.push_back(v);
    total += v;
    i = j;
  }
  if (out.empty()) return Status::error("expected at least one weight");
  if (total == 0) return Status::error("at least one weight must be positive");
  return out;
}

std::string format_weights(const std::vector<std::uint32_t>& w) {
  return format_list(std::vector<std::uint64_t>(w.begin(), w.end()));
}

std::string format_list(const std::vector<std::uint64_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s.push_back(' ');
    s.append(std::to_string(v[i]));
  }
  return s;
}

}  // namespace pb::elements::multipath
