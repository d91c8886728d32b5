#include "runtime/lang/detail/expand.hpp"

#include "runtime/lang/detail/text.hpp"

namespace pb::lang::detail {

namespace {
constexpr int kMaxDepth = 10;  // Click's limit on variables that expand to variables
}

const std::string* Env::lookup(std::string_view name) const {
  for (const Env* e = this; e; e = e->parent)
    for (const auto& [n, v] : e->vars)
      if (n == name) return &v;
  return nullptr;
}

void Env::set(std::string name, std::string value) {
  for (auto& [n, v] : vars) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(std::move(name), std::move(value));
}

const Env* Env::parent_of(int d) const {
  const Env* e = this;
  while (e && e->depth >= d) e = e->parent;
  return e;
}

void Expander::charge(std::size_t n) {
  if (n > budget_) {
    budget_ = 0;
    exhausted_ = true;
  } else {
    budget_ -= n;
  }
}

bool Expander::lookup(std::string_view var, char type, const Env& env, int depth,
                      std::string& out) {
  std::string_view name = var;
  std::string_view fallback;
  bool has_fallback = false;
  int word = -1;
  if (type == '{') {
    std::size_t i = 0;
    while (i < var.size() && is_space(var[i])) ++i;
    std::size_t b = i;
    while (i < var.size() && is_var_char(var[i])) ++i;
    name = var.substr(b, i - b);
    while (i < var.size() && is_space(var[i])) ++i;
    if (i < var.size() && var[i] == '[') {
      std::size_t j = i + 1;
      while (j < var.size() && is_space(var[j])) ++j;
      int n = 0;
      std::size_t digits = j;
      while (j < var.size() && is_digit(var[j]) && n < 100000) n = n * 10 + (var[j++] - '0');
      if (j > digits && j < var.size() && var[j] == ']') {
        word = n;
        i = j + 1;
        while (i < var.size() && is_space(var[i])) ++i;
      }
    }
    if (i < var.size() && var[i] == '-') {
      has_fallback = true;
      fallback = var.substr(i + 1);
    }
  }
  if (const std::string* value = env.lookup(name)) {
    std::string v = expand(*value, env, depth + 1);
    if (word >= 0) {
      std::vector<std::string> words = split_spaces(v);
      out = static_cast<std::size_t>(word) < words.size() ? words[static_cast<std::size_t>(word)]
                                                          : "";
    } else {
      out = std::move(v);
    }
    return true;
  }
  if (has_fallback) {
    out = expand(fallback, env, depth + 1);
    return true;
  }
  return false;
}

std::string Expander::expand(std::string_view text, const Env& env, int depth) {
  if (text.find('$') == std::string_view::npos || exhausted_) return std::string(text);
  const char* s = text.data();
  const char* end = s + text.size();
  const char* pending = s;  // start of text not yet copied
  char quote = 0;
  std::string out;
  while (s < end) {
    char c = *s;
    if (c == '\\') {
      s += (s + 1 < end && quote == '"') ? 2 : 1;
    } else if (c == '\'' || c == '"') {
      if (quote == 0)
        quote = c;
      else if (quote == c)
        quote = 0;
      ++s;
    } else if (c == '/' && quote == 0 && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
      s = skip_comment_space(s, end);
    } else if (c == '$' && s + 1 < end && quote != '\'' && depth > kMaxDepth) {
      // Ten levels of variables inside variables: a definition that refers to itself.
      const char* b = s + (s[1] == '{' ? 2 : 1);
      const char* e = b;
      while (e < end && is_var_char(*e)) ++e;
      if (e > b && env.lookup(std::string_view(b, static_cast<std::size_t>(e - b))) &&
          self_reference_.empty())
        self_reference_.assign(b, e);
      ++s;
    } else if (c == '$' && s + 1 < end && quote != '\'' && depth <= kMaxDepth) {
      const char* dollar = s;
      std::string_view var;
      char type = 'a';
      if (s[1] == '{') {
        const char* b = s + 2;
        const char* e = b;
        int level = 1;
        // Nested ${...} in a default value: find the matching brace.
        while (e < end && level) {
          if (*e == '{')
            ++level;
          else if (*e == '}')
            --level;
          if (level) ++e;
        }
        if (e >= end) break;
        var = std::string_view(b, static_cast<std::size_t>(e - b));
        type = '{';
        s = e + 1;
      } else if (is_var_char(s[1])) {
        const char* b = s + 1;
        const char* e = b;
        while (e < end && is_var_char(*e)) ++e;
        var = std::string_view(b, static_cast<std::size_t>(e - b));
        s = e;
      } else {
        ++s;
        continue;
      }
      std::string value;
      if (!lookup(var, type, env, depth, value)) continue;  // unknown: keep as written
      out.append(pending, dollar);
      if (quote == '"') {
        std::string q = detail::quote(value);
        out.append(q, 1, q.size() - 2);
      } else {
        out += value;
      }
      charge(static_cast<std::size_t>(dollar - pending) + value.size());
      pending = s;
      if (exhausted_) return out;
    } else {
      ++s;
    }
  }
  if (pending == text.data()) return std::string(text);
  out.append(pending, end);
  charge(static_cast<std::size_t>(end - pending));
  return out;
}

}  // namespace pb::lang::detail
