// pb_bench_zerocopy [--quick] [--fig 3|4] [--router-cpu N] [--consumer-cpu M] [--seconds S]
// — SEPCOM figures (docs/zerocopy.md, "Benchmarks").
//
// Figure 4 (no privileges needed; SCHED_FIFO when allowed): added latency vs the unit count n
// for several scan intervals α. patchbay runs RatedSource -> ZeroCopyRing(UNITS n, SCAN_INTERVAL
// α) -> Discard pinned to one CPU, while a thread of this program, pinned to another, is the
// consumer and flags every unit send as soon as it sees it (it sleeps on the ring's futex). After
// a warm-up the ring's counters are reset, and after the measuring time its handlers are read
// over a control socket. Printed beside the measured latency (`latency_ns`: a unit's fill to the
// start of the scan that sends it):
//   D        the consumer's reaction: fill to its send mark (measured here);
//   design   this design's model for that same quantity, α/2 + D (docs/zerocopy.md derives it);
//   full     the whole added latency in this design, α/2 + D + C_scan·(n+1)/2 + C;
//   paper    the paper's T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C with ρ = 1, taken literally;
//   scan%    the CPU the scans take, n·C_scan/α — what grows with n here.
// α, C_scan and C are the ring's measured values (alpha_ns, c_scan_ns, per_packet_ns).
//
// Figure 3 (root, network namespaces, trafgen): capture rate of zc-monitor vs a libpcap program
// doing the same per-flow work on the same veth traffic — delegated to fig3.sh.
//
// The load average is printed beside each row: figures taken while others use the CPUs are
// distorted (the scan timer fires late: compare alpha_meas with alpha).
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drivers/zcring/zcring.hpp"

namespace {

struct Options {
  bool quick = false;
  int fig = 0;  // 0: both
  int router_cpu = 1;
  int consumer_cpu = 0;
  double seconds = 1.0;
};

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

// SCHED_FIFO at a modest priority, when allowed (root or CAP_SYS_NICE). The kernel's RT
// throttling (sched_rt_runtime_us) still leaves others a share of the CPU.
bool make_fifo() {
  sched_param p{};
  p.sched_priority = 10;
  return sched_setscheduler(0, SCHED_FIFO, &p) == 0;
}

// Runs `patchbay ctl SOCK ARGS…` and parses its "NAME:\nVALUE" lines.
std::map<std::string, double> ctl(const std::string& sock, const std::string& args) {
  std::map<std::string, double> r;
  std::string cmd = std::string("'") + PB_PATCHBAY + "' ctl '" + sock + "' " + args + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[512];
  std::string key;
  while (std::fgets(buf, sizeof buf, f)) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!key.empty()) {
      r[key] = std::atof(line.c_str());
      key.clear();
    } else if (!line.empty() && line.back() == ':') {
      key = line.substr(0, line.size() - 1);
    }
  }
  pclose(f);
  return r;
}

struct Point {
  std::map<std::string, double> h;
  double d_ns = 0;  // the consumer's mean reaction
  bool fifo = false;
  bool ok = false;
};

Point run_point(const Options& o, const std::string& name, std::uint32_t n,
                const std::string& alpha, int rate, const std::string& dir) {
  std::ostringstream cfg;
  cfg << "RatedSource(LENGTH 64, RATE " << rate << ") -> zc :: ZeroCopyRing(" << name << ", UNITS "
      << n << ", UNIT_SIZE 128, SCAN_INTERVAL " << alpha << ") -> Discard;";
  const std::string sock = dir + "/" + name + ".sock", log = dir + "/" + name + ".log";
  Point pt;
  std::fflush(stdout);  // or the child would print our buffered lines again
  pid_t pid = fork();
  if (pid == 0) {
    // The router alone on its CPU, at real-time priority when allowed. (It is stopped with
    // SIGKILL after its handlers are read: a router pinned to one CPU does not always finish
    // its own stop — see the report in docs/zerocopy.md.)
    pin_to(o.router_cpu);
    make_fifo();
    std::vector<std::string> args = {PB_PATCHBAY, "run", "-j", "1", "-u", sock, "-e", cfg.str()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!freopen(log.c_str(), "w", stdout)) _exit(127);
    dup2(1, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // The consumer: flags each unit send as soon as it is seen (sleeping on the ring's futex),
  // and measures its reaction D for units filled after `from_ns`.
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> from_ns{~std::uint64_t{0}};
  std::atomic<bool> fifo{false};
  double d_sum = 0;
  std::uint64_t d_n = 0;
  std::thread consumer([&] {
    pin_to(o.consumer_cpu);
    sched_param p{};
    p.sched_priority = 10;
    fifo = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) == 0;
    int err = 0;
    std::unique_ptr<pb::zc::Consumer> c;
    for (int i = 0; i < 500 && !c && !done; ++i) {
      c = pb::zc::Consumer::attach(name, err);
      if (!c) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!c) return;
    std::vector<zc_unit_view> v(256);
    while (!done) {
      std::size_t got = c->poll(v);
      for (std::size_t i = 0; i < got; ++i) {
        c->mark_send(v[i].index);
        if (v[i].timestamp_ns >= from_ns.load(std::memory_order_relaxed)) {
          d_sum += double(zc_now_ns() - v[i].timestamp_ns);
          ++d_n;
        }
      }
      if (got == 0 && c->wait(20) < 0) break;
    }
  });
  // Warm up (attach, first scans), then measure from a clean slate.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    up = access(sock.c_str(), F_OK) == 0;
  }
  if (up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ctl(sock, "write zc.reset_counts");
    from_ns = zc_now_ns();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    pt.h = ctl(sock,
               "read zc.latency_ns zc.per_packet_ns zc.c_scan_ns zc.stored zc.sent "
               "zc.no_unit_drops zc.alpha_ns zc.scans");
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  done = true;
  consumer.join();
  pt.d_ns = d_n ? d_sum / double(d_n) : 0;
  pt.fifo = fifo;
  pt.ok = pt.h.count("zc.alpha_ns") != 0;
  if (!pt.ok) {
    std::fprintf(stderr, "patchbay failed for %s; its output:\n", name.c_str());
    std::ifstream again(log);
    std::fprintf(stderr, "%s\n", std::string(std::istreambuf_iterator<char>(again), {}).c_str());
  }
  return pt;
}

void figure4(const Options& o, const std::string& dir) {
  const int rate = 20000;
  std::printf(
      "== Figure 4: added latency vs n (RatedSource %d pps, 64 B; router on CPU %d, consumer "
      "on CPU %d; %.1f s per point after a 0.2 s warm-up)\n",
      rate, o.router_cpu, o.consumer_cpu, o.seconds);
  std::printf(
      "measured = fill -> start of the sending scan (latency_ns); D = fill -> consumer's mark;\n"
      "design = α/2 + D (the same quantity, this design's model); full = design + "
      "C_scan·(n+1)/2 + C;\npaper = ρα/2n + ρ·C_scan·(n+1)/2 + C, ρ = 1; α, C_scan, C measured\n");
  std::printf("%6s %8s %6s %9s %7s %9s %9s %8s %7s %6s %6s %6s %5s %s\n", "alpha", "alpha_ms", "n",
              "measured", "D", "design", "full", "paper", "C_scan", "C", "scan%", "cond2", "p·α",
              "load avg / sched");
  std::printf("%6s %8s %6s %9s %7s %9s %9s %8s %7s %6s %6s %6s %5s\n", "", "us", "", "us", "us",
              "us", "us", "us", "ns", "ns", "", "", "");
  struct Alpha {
    const char* text;
    double ns;
  };
  std::vector<Alpha> alphas = {{"100us", 1e5}, {"1ms", 1e6}, {"10ms", 1e7}};
  std::vector<std::uint32_t> ns = {64, 256, 1024, 4096, 16384, 65536};
  if (o.quick) ns = {256, 4096};
  int k = 0;
  for (const Alpha& a : alphas) {
    for (std::uint32_t n : ns) {
      std::string name = "bench" + std::to_string(getpid()) + "_" + std::to_string(k++);
      Point pt = run_point(o, name, n, a.text, rate, dir);
      auto& r = pt.h;
      double c_scan = r["zc.c_scan_ns"], c = r["zc.per_packet_ns"];
      double am = r["zc.alpha_ns"] > 0 ? r["zc.alpha_ns"] : a.ns;
      double design = am / 2 + pt.d_ns;
      double full = design + c_scan * (n + 1) / 2 + c;
      double paper = am / (2.0 * n) + c_scan * (n + 1) / 2 + c;
      std::printf(
          "%6s %8.1f %6u %9.1f %7.1f %9.1f %9.1f %8.2f %7.2f %6.0f %6.2f %6.0f %5.0f %s %s\n",
          a.text, am / 1e3, n, r["zc.latency_ns"] / 1e3, pt.d_ns / 1e3, design / 1e3, full / 1e3,
          paper / 1e3, c_scan, c, 100.0 * n * c_scan / am, r["zc.no_unit_drops"],
          std::floor(rate * am / 1e9), loadavg().c_str(), pt.fifo ? "FIFO" : "OTHER");
      std::fflush(stdout);
    }
  }
  std::printf(
      "reference (issue): T(n) is least at n = sqrt(α/C_scan), ≈1000 for α = 1 ms, "
      "C_scan = 1 ns; no loss needs n > p·α\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : "0"; };
    if (a == "--quick") {
      o.quick = true;
      o.seconds = 0.3;
    } else if (a == "--fig") {
      o.fig = std::atoi(next());
    } else if (a == "--router-cpu") {
      o.router_cpu = std::atoi(next());
    } else if (a == "--consumer-cpu") {
      o.consumer_cpu = std::atoi(next());
    } else if (a == "--seconds") {
      o.seconds = std::atof(next());
    } else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--fig 3|4] [--router-cpu N] [--consumer-cpu M] "
                   "[--seconds S]\n",
                   argv[0]);
      return 2;
    }
  }
  char tmpl[] = "/tmp/pb-zc-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl;
  setenv("PB_ZC_DIR", dir.c_str(), 1);
  std::printf("load average at start: %s\n", loadavg().c_str());
  if (o.fig == 0 || o.fig == 4) figure4(o, dir);

  int rc = 0;
  if (o.fig == 0 || o.fig == 3) {
    std::printf("== Figure 3: capture rate, zc-monitor vs libpcap on the same veth traffic\n");
    std::fflush(stdout);
    std::string cmd = std::string("'") + PB_FIG3 + "' '" + PB_PATCHBAY + "' '" + PB_PCAP_CAPTURE +
                      "' '" + PB_NETLAB + "' '" + PB_CAPTURE_CONFIG + "'" +
                      (o.quick ? " 2 quick" : " 5");
    rc = std::system(cmd.c_str());
  }
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::string rm = "rm -rf '" + dir + "'";
  if (std::system(rm.c_str()) != 0) return 1;
  return rc == 0 || (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) ? 0 : 1;
}
