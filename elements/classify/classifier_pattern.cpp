// Classifier's byte patterns: "12/0800 !20/0001%00ff", "-".
#include <cctype>
#include <string>

#include "elements/classify/patterns.hpp"
#include "elements/classify/text.hpp"

namespace pb::classify {

namespace {

constexpr std::uint32_t kMaxOffset = 65535;  // no packet is longer

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Hex digits or '?' up to the end or a '%'. Returns the digits, or an error.
Result<std::string_view> hex_run(std::string_view& rest, std::string_view clause,
                                 const char* what) {
  std::size_t i = 0;
  while (i < rest.size() && rest[i] != '%') {
    char c = rest[i];
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '?')
      return Status::error(
          cat("bad hex digit '", std::string(1, c), "' in ", what, " of ", quote(clause)));
    ++i;
  }
  std::string_view digits = rest.substr(0, i);
  rest.remove_prefix(i);
  if (digits.empty()) return Status::error(cat("missing ", what, " in ", quote(clause)));
  if (digits.size() % 2)
    return Status::error(cat(what, " of ", quote(clause), " has an odd number of hex digits"));
  return digits;
}

// Value and significant bits of one nibble.
void nibble(char c, std::uint32_t& value, std::uint32_t& mask) {
  if (c == '?') {
    value = mask = 0;
    return;
  }
  value = static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                         ? c - '0'
                                         : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  mask = 0xF;
}

Result<Expr> parse_clause(std::string_view clause) {
  std::string_view rest = clause;
  std::size_t i = 0;
  std::uint64_t offset = 0;
  while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
    offset = offset * 10 + static_cast<std::uint64_t>(rest[i] - '0');
    if (offset > kMaxOffset)
      return Status::error(cat("offset of ", quote(clause), " too large (at most ",
                               std::to_string(kMaxOffset), ")"));
    ++i;
  }
  if (i == 0) return Status::error(cat("expected OFFSET/VALUE, got ", quote(clause)));
  if (i == rest.size() || rest[i] != '/')
    return Status::error(cat("expected '/' after the offset in ", quote(clause)));
  rest.remove_prefix(i + 1);
  auto value = hex_run(rest, clause, "value");
  if (!value) return value.status();
  std::string_view mask;
  if (!rest.empty()) {  // rest starts with '%'
    rest.remove_prefix(1);
    auto m = hex_run(rest, clause, "mask");
    if (!m) return m.status();
    if (!rest.empty()) return Status::error(cat("unexpected '%' in ", quote(clause)));
    mask = *m;
    if (mask.size() != value->size())
      return Status::error(cat("mask of ", quote(clause), " has ", std::to_string(mask.size()),
                               " hex digits, its value ", std::to_string(value->size())));
  }

  // One test per 4-byte aligned word the clause touches; all must hold.
  const auto first = static_cast<std::uint32_t>(offset);
  const auto nbytes = static_cast<std::uint32_t>(value->size() / 2);
  const std::uint32_t end = first + nbytes;
  std::vector<Expr> words;
  Test t;
  t.space = Space::data;
  t.off = first & ~3u;
  for (std::uint32_t k = 0; k < nbytes; ++k) {
    const std::uint32_t pos = first + k;
    if ((pos & ~3u) != t.off) {
      t.need = t.off + 4;
      words.push_back(Expr::atom(t));
      t = Test{Space::data, pos & ~3u, 0, 0, 0};
    }
    std::uint32_t v = 0, m = 0;
    for (int half = 0; half < 2; ++half) {
      std::uint32_t nv, nm;
      nibble((*value)[2 * k + static_cast<std::size_t>(half)], nv, nm);
      if (!mask.empty()) {
        std::uint32_t mv, mm;
        nibble(mask[2 * k + static_cast<std::size_t>(half)], mv, mm);
        nm &= mv & mm;
      }
      v = (v << 4) | (nv & nm);
      m = (m << 4) | nm;
    }
    const std::uint32_t shift = (3 - (pos & 3)) * 8;
    t.mask |= m << shift;
    t.value |= v << shift;
  }
  t.need = std::min(end, t.off + 4);
  words.push_back(Expr::atom(t));
  return Expr::all(std::move(words));
}

}  // namespace

Result<Expr> parse_classifier_pattern(std::string_view text) {
  text = trim(text);
  if (text.empty()) return Status::error("empty pattern (use '-' to match every packet)");
  if (text == "-") return Expr::constant(true);
  std::vector<Expr> clauses;
  bool negate = false;
  while (!text.empty()) {
    std::size_t n = 0;
    while (n < text.size() && !std::isspace(static_cast<unsigned char>(text[n]))) ++n;
    std::string_view word = text.substr(0, n);
    text = trim(text.substr(n));
    // '!' negates the next clause, attached ("!12/0800") or not ("! 12/0800").
    while (!word.empty() && word.front() == '!') {
      negate = !negate;
      word.remove_prefix(1);
    }
    if (word.empty()) continue;
    auto clause = parse_clause(word);
    if (!clause) return clause.status();
    clauses.push_back(negate ? Expr::negation(std::move(*clause)) : std::move(*clause));
    negate = false;
  }
  if (negate) return Status::error("expected a clause after '!'");
  return Expr::all(std::move(clauses));
}

Result<PatternSet> detail::parse_each(const std::vector<std::string>& patterns,
                                      Result<Expr> (*parse)(std::string_view)) {
  PatternSet set;
  std::string errors;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    auto e = parse(patterns[i]);
    if (!e) {
      errors += cat(errors.empty() ? "" : "\n", "pattern ", std::to_string(i), ": ", e.message());
      continue;
    }
    set.patterns.push_back(std::move(*e));
    set.outputs.push_back(static_cast<int>(i));
  }
  if (!errors.empty()) return Status::error(std::move(errors));
  return set;
}

Result<PatternSet> parse_classifier(const std::vector<std::string>& patterns) {
  return detail::parse_each(patterns, parse_classifier_pattern);
}

}  // namespace pb::classify
