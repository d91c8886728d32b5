#include "runtime/element/handlers.hpp"

namespace pb {

namespace handler_detail {
std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}
}  // namespace handler_detail

Handler& Handlers::entry(std::string name) {
  for (auto& h : list_)
    if (h.name == name) return h;
  list_.push_back(Handler{std::move(name), {}, {}, kHandlerNone});
  return list_.back();
}

void Handlers::add_read(std::string name, std::function<std::string()> fn, std::uint32_t flags) {
  Handler& h = entry(std::move(name));
  h.read = std::move(fn);
  h.flags |= flags;
}

void Handlers::add_write(std::string name, std::function<Status(std::string_view)> fn,
                         std::uint32_t flags) {
  Handler& h = entry(std::move(name));
  h.write = std::move(fn);
  h.flags |= flags;
}

void Handlers::set_flags(std::string_view name, std::uint32_t flags) {
  for (auto& h : list_)
    if (h.name == name) h.flags |= flags;
}

const Handler* Handlers::find(std::string_view name) const {
  for (auto& h : list_)
    if (h.name == name) return &h;
  return nullptr;
}

}  // namespace pb
