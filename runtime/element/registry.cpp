#include "runtime/element/registry.hpp"

#include <algorithm>

namespace pb {

bool ElementClass::can_take_state_from(const ElementClass& old) const {
  return std::find(state_sources.begin(), state_sources.end(), old.spec->name) !=
         state_sources.end();
}

void Registry::insert(ElementClass c) {
  std::string name(c.spec->name);
  if (classes_.count(name)) {
    duplicates_.push_back(name);
    return;
  }
  classes_.emplace(std::move(name), std::move(c));
}

const ElementClass* Registry::find(std::string_view name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : &it->second;
}

std::vector<const ElementClass*> Registry::classes() const {
  std::vector<const ElementClass*> out;
  for (auto& [n, c] : classes_) out.push_back(&c);
  return out;
}

std::vector<std::string> Registry::class_names() const {
  std::vector<std::string> out;
  for (auto& [n, c] : classes_) out.push_back(n);
  return out;
}

}  // namespace pb
