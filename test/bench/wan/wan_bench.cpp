// LossDelayReorder throughput in memory with every impairment on: an InfiniteSource pushes 64-byte
// frames (Ethernet/IPv4/UDP) through LossDelayReorder into Discard on one worker thread of the
// oneTBB runtime (what `patchbay run -j 1` uses); median of 5 runs, printed beside the
// [netem-multipath] issue's goal. The figure is packets into the element per second (each is
// impaired, queued for its delay and released by the timer).
//
//   pb_bench_wan [LIMIT]      (default 10000000 packets per run)
//
// Benchmarks measure; they never fail because of a figure.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/tbb_scheduler.hpp"

namespace {

const pb::Registry& registry() {
  static pb::Registry* r = [] {
    auto* reg = new pb::Registry();
    pb::elements::register_all_elements(*reg);
    return reg;
  }();
  return *r;
}

// User + system CPU seconds of this process (all threads).
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

struct Result {
  double mpps_in = 0, mpps_out = 0, mpps_cpu = 0;
  std::string counters;
};

Result run_once(const std::string& config) {
  pb::Diagnostics diags;
  pb::lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = pb::lang::load_string(config, "<bench>", opts, diags);
  std::unique_ptr<pb::Router> router;
  if (flat) router = pb::Router::build(*flat, registry(), diags);
  if (router) router->set_scheduler(std::make_unique<pb::TbbScheduler>(1));
  if (!router || !router->initialize(diags)) {
    std::fprintf(stderr, "%s", diags.str().c_str());
    std::exit(1);
  }
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds();
  router->run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - c0;
  auto value = [&](const char* h) {
    return std::stod(router->read(std::string("w.") + h).value());
  };
  Result r;
  r.mpps_in = value("received") / secs / 1e6;
  r.mpps_out = value("sent") / secs / 1e6;
  r.mpps_cpu = value("received") / cpu / 1e6;
  for (const char* h : {"received", "sent", "dropped", "corrupted", "duplicated", "reordered",
                        "overlimit", "out_of_order"})
    r.counters += std::string(" ") + h + "=" + router->read(std::string("w.") + h).value();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  long limit = argc > 1 ? std::atol(argv[1]) : 10000000;
  // 14 bytes Ethernet, 20 IPv4, 8 UDP, 22 payload: a 64-byte frame corruption can parse.
  const std::string frame =
      "\\<000000000002 000000000001 0800 4500 0032 0000 0000 4011 0000 0a4d0001 0a4d0002"
      " 03e8 07d0 001e 0000 41414141414141414141414141414141414141414141>";
  const std::string impair =
      "LOSS 2.7%, CORRUPT 0.02%, DUPLICATE 1%, REORDER 2%, DELAY 1ms, JITTER 100us, "
      "DISTRIBUTION normal, RATE 100Gbps, LIMIT 1000000, SEED 1";
  const std::string config = "InfiniteSource(DATA " + frame + ", LIMIT " + std::to_string(limit) +
                             ", BURST 32, STOP true) -> w :: LossDelayReorder(" + impair +
                             ") -> Discard;";
  std::printf("LossDelayReorder(%s)\n%ld packets of 64 bytes per run, tbb -j1, median of 5\n",
              impair.c_str(), limit);
  std::vector<Result> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(run_once(config));
  std::sort(runs.begin(), runs.end(),
            [](const Result& a, const Result& b) { return a.mpps_in < b.mpps_in; });
  const Result& m = runs[runs.size() / 2];
  std::printf("%-44s %8.2f Mpps   goal >= 5 Mpps\n", "every impairment on, packets in", m.mpps_in);
  std::printf("%-44s %8.2f Mpps\n", "packets out (after loss/dup, in the run)", m.mpps_out);
  // On a shared machine the wall-clock figure drops with the load; per CPU second it does not.
  std::printf("%-44s %8.2f Mpps\n", "packets in per CPU second (load-independent)", m.mpps_cpu);
  std::printf("counters of the median run:%s\n", m.counters.c_str());
  return 0;
}
