// What the front end needs to know about primitive element classes. The engine's element registry
// implements it; the front end itself knows no element.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pb::lang {

class ClassCatalog {
 public:
  virtual ~ClassCatalog() = default;
  virtual bool has_class(std::string_view name) const = 0;
  virtual std::vector<std::string> class_names() const = 0;
};

}  // namespace pb::lang
