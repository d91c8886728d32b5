// Registry: the element classes a router can instantiate. Registration is explicit: each family
// has one function listing its classes,
//
//   void register_standard_elements(pb::Registry& r) {
//     r.add<InfiniteSource>();
//     r.add<Discard>();
//     ...
//   }
//
// and Registry::add<T>() checks T's spec at compile time (port counts, processing and flow codes,
// class name) and records its factory and typed take_state hooks. The registry is also the front
// end's ClassCatalog, so unknown classes are reported while parsing.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/element/element.hpp"
#include "runtime/element/spec.hpp"
#include "runtime/lang/class_catalog.hpp"

namespace pb {

struct ElementClass {
  const ElementSpec* spec = nullptr;
  PortCounts ports;
  std::string family;  // "standard", "ip", … (from the register_* function)
  std::unique_ptr<Element> (*make)() = nullptr;
  // Typed hot-swap: copies state from `old` into `self` when the classes allow it; false when
  // they do not (no take_state for that pair).
  bool (*take_state)(Element& self, Element& old) = nullptr;
  bool can_take_state_from(const ElementClass& old) const;
  std::vector<std::string_view> state_sources;  // class names take_state accepts
};

namespace registry_detail {
template <typename T, typename Old>
concept TakesStateFrom = requires(T& t, Old& o) {
  t.take_state(o);
};

template <typename T>
struct SourcesOf {
  using type = StateSources<>;
};
template <typename T>
requires requires {
  typename T::state_sources;
}
struct SourcesOf<T> {
  using type = typename T::state_sources;
};

template <typename T, typename Old>
bool try_take(T& self, Element& old) {
  if constexpr (TakesStateFrom<T, Old>) {
    if (auto* o = dynamic_cast<Old*>(&old)) {
      self.take_state(*o);
      return true;
    }
  }
  return false;
}

template <typename T, typename... Olds>
bool take_state_impl(Element& self, Element& old, StateSources<Olds...>*) {
  auto& s = static_cast<T&>(self);
  return try_take<T, T>(s, old) || (try_take<T, Olds>(s, old) || ...);
}

template <typename... Olds>
void source_names(std::vector<std::string_view>& out, StateSources<Olds...>*) {
  (out.push_back(Olds::spec.name), ...);
}
}  // namespace registry_detail

class Registry : public lang::ClassCatalog {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers T (a final class deriving from pb::Element with `static constexpr ElementSpec
  // spec`). The family is set by set_family() (register_* functions call it first).
  template <typename T>
  void add() {
    static_assert(std::is_base_of_v<Element, T>, "element classes derive from pb::Element");
    static_assert(std::is_default_constructible_v<T>, "element classes are default constructible");
    static_assert(valid_class_name(T::spec.name), "ElementSpec: bad class name");
    static_assert(parse_port_counts(T::spec.ports).ok, "ElementSpec: bad port count code");
    static_assert(valid_processing(T::spec.processing), "ElementSpec: bad processing code");
    static_assert(valid_flow(T::spec.flow), "ElementSpec: bad flow code");
    static_assert(!T::spec.doc.empty(), "ElementSpec: .doc (one line) is required");
    using Sources = typename registry_detail::SourcesOf<T>::type;
    ElementClass c;
    c.spec = &T::spec;
    c.ports = parse_port_counts(T::spec.ports);
    c.family = family_;
    c.make = []() -> std::unique_ptr<Element> { return std::make_unique<T>(); };
    if constexpr (registry_detail::TakesStateFrom<T, T>) c.state_sources.push_back(T::spec.name);
    registry_detail::source_names(c.state_sources, static_cast<Sources*>(nullptr));
    if (!c.state_sources.empty())
      c.take_state = [](Element& self, Element& old) {
        return registry_detail::take_state_impl<T>(self, old, static_cast<Sources*>(nullptr));
      };
    insert(std::move(c));
  }

  // Family name recorded for the following add<T>() calls.
  void set_family(std::string family) { family_ = std::move(family); }

  const ElementClass* find(std::string_view name) const;
  // Every class, sorted by name.
  std::vector<const ElementClass*> classes() const;
  // Names registered twice (a registration error; tests assert it is empty).
  const std::vector<std::string>& duplicates() const { return duplicates_; }

  // lang::ClassCatalog
  bool has_class(std::string_view name) const override { return find(name) != nullptr; }
  std::vector<std::string> class_names() const override;

 private:
  void insert(ElementClass c);
  std::map<std::string, ElementClass, std::less<>> classes_;
  std::vector<std::string> duplicates_;
  std::string family_;
};

}  // namespace pb
