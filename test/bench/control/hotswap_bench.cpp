// pb_bench_hotswap: how long a hot-swap of a 100-element graph stops the packet path.
//
// Traffic runs on two workers (-j 2): a source, 96 elements in a chain, a queue, a puller and a
// sink. The bench writes `hotconfig` 50 times (the puller's BURST alternates, so every element is
// re-created and takes its predecessor's state) and prints, per swap:
//   - the pause: from asking every worker to stop between bursts until they run again (the
//     router's own measurement: the workers are held at most this long);
//   - the longest gap between two batches at the sink during the swap, against the longest gap
//     in a window of the same length without a swap (the packet path's view);
//   - the time to build and initialize the new graph beside the running one (not a pause).
// Figures only; the goal from the issue is printed beside them, nothing is asserted.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/tbb_scheduler.hpp"

using namespace pb;

namespace {

// The sink: drops packets and keeps the longest gap between two batches since the last take.
class GapSink final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "GapSink", .ports = "1/0", .processing = "h", .doc = "bench sink measuring gaps"};
  void push(int, Batch&& b) override {
    b.clear();
    std::uint64_t now = monotonic_ns();
    std::uint64_t last = last_->exchange(now, std::memory_order_relaxed);
    if (last && now - last > max_gap_->load(std::memory_order_relaxed))
      max_gap_->store(now - last, std::memory_order_relaxed);
  }
  void take_state(GapSink& old) {
    last_ = old.last_;
    max_gap_ = old.max_gap_;
  }
  std::uint64_t take_max_gap() { return max_gap_->exchange(0, std::memory_order_relaxed); }

 private:
  // Shared with the successor after a swap, so a gap that spans the swap is seen.
  std::shared_ptr<std::atomic<std::uint64_t>> last_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  std::shared_ptr<std::atomic<std::uint64_t>> max_gap_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    reg->set_family("bench");
    reg->add<GapSink>();
    return reg;
  }();
  return *r;
}

std::string graph(int burst) {
  std::string s = "src :: InfiniteSource(BURST 32, LENGTH 64) -> seq :: SetSequence";
  for (int i = 1; i <= 94; ++i) s += " -> c" + std::to_string(i) + " :: Counter";
  s += " -> q :: Queue(4096) -> u :: Unqueue(BURST " + std::to_string(burst) +
       ") -> chk :: CheckSequence -> sink :: GapSink;";
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double maximum(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

}  // namespace

int main() {
  Diagnostics diags;
  lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = lang::load_string(graph(32), "bench.click", opts, diags);
  std::unique_ptr<Router> r;
  if (flat) r = Router::build(*flat, registry(), diags);
  if (r) {
    r->set_scheduler(std::make_unique<TbbScheduler>(2));
    if (!r->initialize(diags)) r.reset();
  }
  if (!r) {
    std::fprintf(stderr, "%s", diags.str().c_str());
    return 1;
  }
  std::printf("patchbay hot-swap: %zu-element graph, -j 2, traffic flowing\n",
              r->elements().size());
  std::thread runner([&] { r->run(); });
  auto sink = [&] { return dynamic_cast<GapSink*>(r->find("sink")); };
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  constexpr int kSwaps = 50;
  std::vector<double> pause_us, commit_us, gap_swap_us, gap_idle_us, build_us;
  int failed = 0;
  for (int i = 0; i < kSwaps; ++i) {
    // A window of the same length without a swap: the baseline gap.
    sink()->take_max_gap();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    gap_idle_us.push_back(static_cast<double>(sink()->take_max_gap()) / 1e3);

    sink()->take_max_gap();
    std::uint64_t t0 = monotonic_ns();
    Status st = r->write("hotconfig", graph(i % 2 ? 32 : 31));
    std::uint64_t t1 = monotonic_ns();
    if (!st) {
      std::fprintf(stderr, "swap %d: %s\n", i, st.message().c_str());
      ++failed;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the sink sees the gap end
    gap_swap_us.push_back(static_cast<double>(sink()->take_max_gap()) / 1e3);
    Router::SwapStats s = r->swap_stats();
    pause_us.push_back(static_cast<double>(s.hold_ns + s.commit_ns) / 1e3);
    commit_us.push_back(static_cast<double>(s.commit_ns) / 1e3);
    build_us.push_back(static_cast<double>(t1 - t0 - s.hold_ns - s.commit_ns) / 1e3);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  r->please_stop();
  runner.join();

  std::printf("%-58s %10s %10s %10s\n", "", "median", "max", "goal");
  std::printf("%-58s %7.0f us %7.0f us %10s\n", "pause: workers held (hold + commit)",
              median(pause_us), maximum(pause_us), "< 1000 us");
  std::printf("%-58s %7.0f us %7.0f us\n",
              "  of which commit (retire, take_state, exchange, place)", median(commit_us),
              maximum(commit_us));
  std::printf("%-58s %7.0f us %7.0f us\n", "longest gap between batches at the sink, during a swap",
              median(gap_swap_us), maximum(gap_swap_us));
  std::printf("%-58s %7.0f us %7.0f us\n", "  the same over 3 ms without a swap (baseline)",
              median(gap_idle_us), maximum(gap_idle_us));
  std::printf("%-58s %7.0f us %7.0f us\n", "build + initialize beside the running graph (no pause)",
              median(build_us), maximum(build_us));
  // The source outruns the puller: the queue drops what does not fit (those numbers are the
  // missing ones); a swap adds none.
  std::printf(
      "swaps: %zu done, %d failed; sequence check: missing %s (queue-full drops %s), "
      "duplicates %s, reordered %s\n",
      pause_us.size(), failed, r->read("chk.missing").value().c_str(),
      r->read("q.drops").value().c_str(), r->read("chk.duplicates").value().c_str(),
      r->read("chk.reordered").value().c_str());
  return failed ? 1 : 0;
}
