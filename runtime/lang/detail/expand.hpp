// $parameter substitution in configuration strings (Click's cp_expand): `$x`, `${x}`,
// `${x-default}`, `${x[2]}` (the third space-separated word); nothing inside single quotes; values
// substituted inside double quotes are escaped. Unknown variables are left as written, since some
// elements interpret `$x` themselves at run time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pb::lang::detail {

// A lexical variable scope: the file, or one expansion of a compound.
struct Env {
  const Env* parent = nullptr;
  int depth = 0;
  std::vector<std::pair<std::string, std::string>> vars;

  const std::string* lookup(std::string_view name) const;
  // Sets or replaces.
  void set(std::string name, std::string value);
  // The innermost enclosing scope whose depth is below `d` (where a class defined at depth d
  // finds its free variables).
  const Env* parent_of(int d) const;
};

class Expander {
 public:
  // `budget` bounds the total number of bytes all expansions may produce.
  explicit Expander(std::size_t budget) : budget_(budget) {}

  std::string expand(std::string_view text, const Env& env) { return expand(text, env, 0); }
  // True once an expansion was cut short because the budget ran out.
  bool exhausted() const { return exhausted_; }
  // The variable found still unexpanded at the depth limit (it refers to itself), or "".
  // Cleared by the caller after reporting.
  std::string& self_reference() { return self_reference_; }

 private:
  std::string expand(std::string_view text, const Env& env, int depth);
  bool lookup(std::string_view var, char type, const Env& env, int depth, std::string& out);
  void charge(std::size_t n);

  std::size_t budget_;
  bool exhausted_ = false;
  std::string self_reference_;
};

}  // namespace pb::lang::detail
