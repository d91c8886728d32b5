#include "elements/standard/static_thread_sched.hpp"

#include "elements/standard/raw_args.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/config_string.hpp"

namespace pb::elements {

Status StaticThreadSched::configure(Args& args) {
  std::deque<RawArg> raw;
  Status st = rest_positional(args, raw).done();
  if (!st) return st;
  std::vector<std::pair<std::string, int>> pins;
  std::string errors;
  for (const RawArg& a : raw) {
    auto [name, rest] = lang::split_first_word(a.text);
    auto thread = parse_value<int>(rest, at_least(-1));
    if (name.empty() || rest.empty() || !thread) {
      if (!errors.empty()) errors += '\n';
      errors += "expected 'ELEMENT THREAD', got '" + a.text + "'";
      continue;
    }
    pins.emplace_back(std::move(name), *thread);
  }
  if (!errors.empty()) return Status::error(std::move(errors));
  pins_ = std::move(pins);
  return {};
}

Status StaticThreadSched::initialize() {
  for (const auto& [name, thread] : pins_) {
    bool found = false;
    if (Element* e = router().find(name)) {
      scheduler().pin(*e, thread);
      found = true;
    } else {
      // A compound's name: its elements are named "name/…" after flattening.
      std::string prefix = name + "/";
      for (const auto& inner : router().elements())
        if (inner->name().compare(0, prefix.size(), prefix) == 0) {
          scheduler().pin(*inner, thread);
          found = true;
        }
    }
    if (!found) return Status::error("no element named '" + name + "'");
  }
  return {};
}

}  // namespace pb::elements
