// pb_bench_zerocopy [--quick] — SEPCOM figures (docs/zerocopy.md).
//
// Figure 4 (no privileges needed): added latency vs the unit count n for several scan intervals
// α. patchbay runs RatedSource -> ZeroCopyRing(UNITS n, SCAN_INTERVAL α) -> Discard on one thread
// while this program is the consumer and flags every unit send as soon as it sees it; the ring's
// latency_ns handler gives the mean time from a packet's arrival to its transmission. Beside it:
// the paper's model T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C (ρ = 1, C_scan and C measured by the
// ring's handlers), and the wait a packet has for the next scan in this design, α/2 +
// C_scan·(n+1)/2 + C.
//
// Figure 3 (root, network namespaces, trafgen): capture rate of zc-monitor vs a libpcap program
// doing the same per-flow work on the same veth traffic — delegated to fig3.sh.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drivers/zcring/zcring.hpp"

namespace {

std::map<std::string, double> run_point(const std::string& name, std::uint32_t n,
                                        const std::string& alpha, int rate, double seconds,
                                        const std::string& dir) {
  std::ostringstream cfg;
  cfg << "RatedSource(LENGTH 64, RATE " << rate << ") -> zc :: ZeroCopyRing(" << name << ", UNITS "
      << n << ", UNIT_SIZE 128, SCAN_INTERVAL " << alpha << ") -> Discard; Script(wait " << seconds
      << "s, stop);";
  std::string out = dir + "/" + name + ".log";
  const char* handlers[] = {"zc.latency_ns", "zc.per_packet_ns", "zc.c_scan_ns", "zc.stored",
                            "zc.sent",       "zc.no_unit_drops", "zc.alpha_ns"};
  std::vector<std::string> args = {PB_PATCHBAY, "run", "-j", "1", "-e", cfg.str()};
  for (const char* h : handlers) {
    args.push_back("-H");
    args.push_back(h);
  }
  std::fflush(stdout);  // or the child would print our buffered lines again
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!freopen(out.c_str(), "w", stdout)) _exit(127);
    dup2(1, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // The consumer: flags each unit send as soon as it is seen (sleeping on the ring's futex).
  std::atomic<bool> done{false};
  std::thread consumer([&] {
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
      for (std::size_t i = 0; i < got; ++i) c->mark_send(v[i].index);
      if (got == 0 && c->wait(20) < 0) break;
    }
  });
  int status = 0;
  waitpid(pid, &status, 0);
  done = true;
  consumer.join();
  std::map<std::string, double> r;
  std::ifstream in(out);
  std::string line, key;
  while (std::getline(in, line)) {
    if (!key.empty()) {
      r[key] = std::atof(line.c_str());
      key.clear();
    } else if (!line.empty() && line.back() == ':') {
      key = line.substr(0, line.size() - 1);
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "patchbay failed for %s; its output:\n", name.c_str());
    std::ifstream again(out);
    std::fprintf(stderr, "%s\n", std::string(std::istreambuf_iterator<char>(again), {}).c_str());
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  char tmpl[] = "/tmp/pb-zc-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl;
  setenv("PB_ZC_DIR", dir.c_str(), 1);

  const int rate = 20000;
  const double seconds = quick ? 0.3 : 1.0;
  std::printf("== Figure 4: added latency vs n (RatedSource %d pps, 64 B; consumer flags send)\n",
              rate);
  std::printf(
      "model T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C with ρ = 1 and the measured C_scan, C;\n"
      "scan-wait = α/2 + C_scan·(n+1)/2 + C (a packet waits for the next scan here)\n");
  std::printf("%8s %9s %7s %12s %12s %12s %9s %9s %8s %8s\n", "alpha", "alpha_meas", "n",
              "measured_us", "model_us", "scanwait_us", "C_scan_ns", "C_ns", "stored", "cond2");
  struct Alpha {
    const char* text;
    double ns;
  };
  std::vector<Alpha> alphas = {{"100us", 1e5}, {"1ms", 1e6}, {"10ms", 1e7}};
  std::vector<std::uint32_t> ns = {64, 256, 1024, 4096, 16384, 65536};
  if (quick) ns = {256, 4096};
  int k = 0;
  for (const Alpha& a : alphas) {
    for (std::uint32_t n : ns) {
      std::string name = "bench" + std::to_string(getpid()) + "_" + std::to_string(k++);
      auto r = run_point(name, n, a.text, rate, seconds, dir);
      // The model takes the measured α (the timer's real period), C_scan and C.
      double c_scan = r["zc.c_scan_ns"], c = r["zc.per_packet_ns"];
      double am = r["zc.alpha_ns"] > 0 ? r["zc.alpha_ns"] : a.ns;
      double model = (am / (2.0 * n) + c_scan * (n + 1) / 2 + c) / 1e3;
      double wait = (am / 2 + c_scan * (n + 1) / 2 + c) / 1e3;
      std::printf("%8s %7.0fus %7u %12.1f %12.2f %12.1f %9.2f %9.1f %8.0f %8.0f\n", a.text,
                  am / 1e3, n, r["zc.latency_ns"] / 1e3, model, wait, c_scan, c, r["zc.stored"],
                  r["zc.no_unit_drops"]);
      std::fflush(stdout);
    }
  }
  std::printf(
      "reference (issue): T(n) is least at n = sqrt(α/C_scan), ≈1000 for α = 1 ms, "
      "C_scan = 1 ns\n\n");

  std::printf("== Figure 3: capture rate, zc-monitor vs libpcap on the same veth traffic\n");
  std::fflush(stdout);
  std::string cmd = std::string("'") + PB_FIG3 + "' '" + PB_PATCHBAY + "' '" + PB_PCAP_CAPTURE +
                    "' '" + PB_NETLAB + "' '" + PB_CAPTURE_CONFIG + "'" + (quick ? " 2" : " 5");
  int rc = std::system(cmd.c_str());
  std::string rm = "rm -rf '" + dir + "'";
  if (std::system(rm.c_str()) != 0) return 1;
  return rc == 0 || (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) ? 0 : 1;
}
