#include "test/unit/harness/element_harness.hpp"

#include <memory>

#include "elements/all.hpp"
#include "runtime/sched/simple_scheduler.hpp"

namespace pb::test {

Batch HarnessIn::pull(int, std::uint32_t max) {
  Batch b;
  while (max-- > 0 && !queue_.empty() && !b.full()) {
    b.append(std::move(queue_.front()));
    queue_.pop_front();
  }
  return b;
}

void HarnessIn::feed(Batch&& b) {
  while (!b.empty()) {
    PacketPtr p = b.take(0);
    queue_.push_back(std::move(p));
  }
  notifier_.wake();
}

void HarnessOut::push(int, Batch&& b) {
  ++batches;
  Packet* raw[Batch::kCapacity];
  std::uint32_t n = b.release_to(raw);
  for (std::uint32_t i = 0; i < n; ++i) packets.emplace_back(raw[i]);
}

const Registry& harness_registry() {
  static const Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    reg->set_family("test");
    reg->add<HarnessIn>();
    reg->add<HarnessOut>();
    return reg;
  }();
  return *r;
}

ElementHarness::ElementHarness(std::string_view class_name, std::string_view config, int ninputs,
                               int noutputs) {
  lang::FlatConfig fc;
  auto file = std::make_shared<const std::string>("<harness>");
  auto add = [&](std::string name, std::string cls, std::string conf) {
    fc.elements.push_back({std::move(name), std::move(cls), std::move(conf),
                           SourceLoc{file, 1, static_cast<std::uint32_t>(fc.elements.size() + 1)}});
    return static_cast<int>(fc.elements.size() - 1);
  };
  int e = add("e", std::string(class_name), std::string(config));
  for (int i = 0; i < ninputs; ++i) {
    int in = add("in" + std::to_string(i), "HarnessIn", "");
    fc.connections.push_back({in, 0, e, i, SourceLoc{file, 2, 1}});
  }
  for (int j = 0; j < noutputs; ++j) {
    int out = add("out" + std::to_string(j), "HarnessOut", "");
    fc.connections.push_back({e, j, out, 0, SourceLoc{file, 3, 1}});
  }
  router_ = Router::build(fc, harness_registry(), diags_);
  if (!router_) return;
  element_ = router_->find("e");
  for (int i = 0; i < ninputs; ++i)
    ins_.push_back(dynamic_cast<HarnessIn*>(router_->find("in" + std::to_string(i))));
  for (int j = 0; j < noutputs; ++j)
    outs_.push_back(dynamic_cast<HarnessOut*>(router_->find("out" + std::to_string(j))));
  if (!router_->initialize(diags_)) return;
}

void ElementHarness::push(int port, Batch&& b) {
  ins_.at(static_cast<std::size_t>(port))->output(0).push(std::move(b));
}

void ElementHarness::feed(int port, Batch&& b) {
  ins_.at(static_cast<std::size_t>(port))->feed(std::move(b));
}

Batch ElementHarness::pull(int port, std::uint32_t max) {
  return outs_.at(static_cast<std::size_t>(port))->input(0).pull(max);
}

const std::vector<PacketPtr>& ElementHarness::captured(int port) const {
  return outs_.at(static_cast<std::size_t>(port))->packets;
}

std::size_t ElementHarness::output_batches(int port) const {
  return outs_.at(static_cast<std::size_t>(port))->batches;
}

std::vector<PacketPtr> ElementHarness::take_output(int port) {
  return std::move(outs_.at(static_cast<std::size_t>(port))->packets);
}

int ElementHarness::run_tasks(int max_passes) {
  auto* s = dynamic_cast<SimpleScheduler*>(&router_->scheduler());
  if (!s) return 0;
  int worked = 0;
  for (int i = 0; i < max_passes && !s->stop_requested(); ++i) {
    if (!s->run_once()) break;
    ++worked;
  }
  return worked;
}

std::string ElementHarness::full(std::string_view handler) const {
  if (handler.find('.') != std::string_view::npos) return std::string(handler);
  if (router_->global_handlers().find(handler) && !router_->handlers(*element_).find(handler))
    return std::string(handler);
  return "e." + std::string(handler);
}

std::string ElementHarness::read(std::string_view handler) const {
  auto r = router_->read(full(handler));
  return r ? *r : "<error: " + r.message() + ">";
}

Status ElementHarness::write(std::string_view handler, std::string_view value) const {
  return router_->write(full(handler), value);
}

PacketPtr make_packet(std::string_view bytes) {
  return Packet::make(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
}

Batch make_batch(std::uint32_t n, std::uint32_t length, std::uint8_t first) {
  Batch b;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string data(length, static_cast<char>(first + i));
    b.append(make_packet(data));
  }
  return b;
}

std::string contents(const Packet& p) {
  return std::string(reinterpret_cast<const char*>(p.data()), p.length());
}

}  // namespace pb::test
