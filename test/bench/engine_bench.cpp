// Packet-engine throughput on one core: the [engine] issue's pipelines a-c, median of 7 runs,
// printed beside Click 2.1's figures on this machine kind and the goals.
//
//   pb_bench_engine [LIMIT]      (default 20000000 packets per run)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"

namespace {

struct Pipeline {
  const char* label;
  const char* text;
  std::vector<std::pair<std::string, std::string>> elements;  // name, Class(config)
  double click_mpps;
  double goal_mpps;
};

pb::lang::FlatConfig chain(const std::vector<std::pair<std::string, std::string>>& els) {
  pb::lang::FlatConfig fc;
  auto file = std::make_shared<const std::string>("<bench>");
  for (std::size_t i = 0; i < els.size(); ++i) {
    const std::string& decl = els[i].second;
    auto paren = decl.find('(');
    std::string cls = decl.substr(0, paren);
    std::string conf =
        paren == std::string::npos ? "" : decl.substr(paren + 1, decl.size() - paren - 2);
    fc.elements.push_back({els[i].first, cls, conf, pb::SourceLoc{file, 1, 1}});
    if (i) fc.connections.push_back({static_cast<int>(i - 1), 0, static_cast<int>(i), 0, {}});
  }
  return fc;
}

double run_once(const pb::Registry& reg, const Pipeline& p, std::uint64_t& packets) {
  pb::Diagnostics diags;
  auto router = pb::Router::build(chain(p.elements), reg, diags);
  if (!router || !router->initialize(diags)) {
    std::fprintf(stderr, "%s", diags.str().c_str());
    std::exit(1);
  }
  auto t0 = std::chrono::steady_clock::now();
  router->run();
  auto t1 = std::chrono::steady_clock::now();
  packets = std::stoull(router->read("d.count").value());
  return std::chrono::duration<double>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string limit = argc > 1 ? argv[1] : "20000000";
  std::string src = "InfiniteSource(LENGTH 64, LIMIT " + limit + ", BURST 32, STOP true)";
  std::vector<Pipeline> pipelines = {
      {"a", "InfiniteSource -> Discard", {{"s", src}, {"d", "Discard"}}, 25.3, 100},
      {"b",
       "InfiniteSource -> Counter -> Discard",
       {{"s", src}, {"c", "Counter"}, {"d", "Discard"}},
       9.0,
       60},
      {"c",
       "InfiniteSource -> Queue(1024) -> Unqueue(BURST 32) -> Discard",
       {{"s", src}, {"q", "Queue(1024)"}, {"u", "Unqueue(BURST 32)"}, {"d", "Discard"}},
       20.4,
       60},
  };
  pb::Registry reg;
  pb::elements::register_all_elements(reg);
  std::printf("patchbay engine, one thread, %s packets of 64 bytes per run, median of 7\n",
              limit.c_str());
  std::printf("%-3s %-62s %10s %10s %10s\n", "", "pipeline", "patchbay", "Click", "goal");
  bool all_met = true;
  for (const auto& p : pipelines) {
    std::vector<double> mpps;
    for (int i = 0; i < 7; ++i) {
      std::uint64_t n = 0;
      double secs = run_once(reg, p, n);
      mpps.push_back(static_cast<double>(n) / secs / 1e6);
    }
    std::sort(mpps.begin(), mpps.end());
    double med = mpps[3];
    all_met &= med >= p.goal_mpps;
    std::printf("%-3s %-62s %6.1f Mpps %5.1f Mpps %5.0f Mpps %s\n", p.label, p.text, med,
                p.click_mpps, p.goal_mpps, med >= p.goal_mpps ? "" : "(below goal)");
  }
  std::printf("%s\n", all_met ? "all goals met" : "some goals not met");
  return 0;  // benchmarks measure; they do not fail
}
