// patchbay zc-monitor NAME — the SEPCOM paper's monitoring application: attaches to a
// ZeroCopyRing as its consumer, reads each received unit in place, counts packets and bytes per
// flow (IPv4 5-tuple; other frames by EtherType), flags the unit drop (or send with --send), and
// prints a summary periodically (--interval) and when it stops: SIGINT/SIGTERM, --count packets,
// --duration seconds, or the producer exiting.
#include <errno.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "drivers/zcring/flow_key.hpp"
#include "drivers/zcring/zcring.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {
namespace {

volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

struct MonitorOptions {
  std::string name;
  bool send = false;
  std::uint64_t count = 0;  // 0: unlimited
  double duration = 0;      // seconds; 0: unlimited
  double interval = 0;      // seconds between summaries; 0: only at the end
  double attach_wait = 5;   // seconds to retry attaching
  std::size_t top = 0;      // flows listed; 0: all
  bool busy = false;        // poll without sleeping
  bool stats = false;       // also print the ring's own counters
};

struct FlowStats {
  std::uint64_t packets = 0, bytes = 0;
};

class Monitor {
 public:
  explicit Monitor(const MonitorOptions& o) : opts_(o) {}

  void account(const zc_unit_view& v) {
    FlowStats& f = flows_[zc::flow_key(v.data, v.length)];
    ++f.packets;
    f.bytes += v.length;
    ++packets_;
    bytes_ += v.length;
  }
  void decided(bool ok) { (ok ? decided_ : mark_errors_) += 1; }
  std::uint64_t packets() const { return packets_; }

  void print(const char* when) const {
    std::vector<std::pair<std::string, FlowStats>> v(flows_.begin(), flows_.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      if (a.second.packets != b.second.packets) return a.second.packets > b.second.packets;
      if (a.second.bytes != b.second.bytes) return a.second.bytes > b.second.bytes;
      return a.first < b.first;
    });
    std::printf("zc-monitor %s (%s): %llu packets, %llu bytes, %zu flows, %llu marked %s",
                opts_.name.c_str(), when, static_cast<unsigned long long>(packets_),
                static_cast<unsigned long long>(bytes_), v.size(),
                static_cast<unsigned long long>(decided_), opts_.send ? "send" : "drop");
    if (mark_errors_) std::printf(", %llu lost", static_cast<unsigned long long>(mark_errors_));
    std::printf("\n");
    std::size_t shown = opts_.top ? std::min(opts_.top, v.size()) : v.size();
    for (std::size_t i = 0; i < shown; ++i)
      std::printf("  %-48s packets %llu bytes %llu\n", v[i].first.c_str(),
                  static_cast<unsigned long long>(v[i].second.packets),
                  static_cast<unsigned long long>(v[i].second.bytes));
    std::fflush(stdout);
  }

 private:
  const MonitorOptions& opts_;
  std::unordered_map<std::string, FlowStats> flows_;
  std::uint64_t packets_ = 0, bytes_ = 0, decided_ = 0, mark_errors_ = 0;
};

int monitor_command(const MonitorOptions& o) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a signal ends zc_wait's sleep at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::uint64_t start = zc_now_ns();
  std::unique_ptr<zc::Consumer> c;
  int err = 0;
  // The ring may not exist yet (the router is starting), or a dead consumer may still hold it
  // until the producer's next scan: retry for a while.
  for (;;) {
    c = zc::Consumer::attach(o.name, err);
    if (c || g_stop || (err != -ENOENT && err != -EBUSY && err != -ESRCH) ||
        double(zc_now_ns() - start) / 1e9 >= o.attach_wait)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!c) {
    std::fprintf(stderr, "zc-monitor: cannot attach to ring '%s': %s\n", o.name.c_str(),
                 err == -EBUSY    ? "another consumer is attached"
                 : err == -EPROTO ? "not a patchbay ring (or another version)"
                 : err == -EINVAL ? "bad name (1-63 characters of [A-Za-z0-9_.-])"
                                  : std::strerror(-err));
    return 1;
  }
  Monitor m(o);
  // A large batch per zc_poll: each call also stamps the heartbeat (a clock read and a store to
  // a shared line), and under a backlog those costs are per call, not per unit.
  std::vector<zc_unit_view> views(1024);
  const zc_header* hdr = zc_ring_header(c->get());
  auto published = [hdr] {
    return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(hdr->publish_seq))
        .load(std::memory_order_acquire);
  };
  start = zc_now_ns();
  std::uint64_t next_report = o.interval > 0 ? start + std::uint64_t(o.interval * 1e9) : 0;
  std::uint64_t last_poll = 0, last_alive_check = start;
  std::uint32_t seen = published() - 1;  // poll at once
  bool more = true;                      // the last poll filled `views`: units may be waiting
  bool producer_gone = false;
  while (!g_stop) {
    std::uint64_t now = zc_now_ns();
    // A busy-polling consumer on its own CPU must not read every unit's state word between
    // arrivals: those lines are the producer's, and each read pulls them across CPUs while the
    // producer writes them. It watches the one publish counter instead, and scans the units
    // when it moved (or the last poll was cut short by `views`' size, or 10 ms passed, to keep
    // the heartbeat fresh).
    std::size_t got = 0;
    const std::uint32_t seq = published();
    if (more || seq != seen || now - last_poll > 10'000'000) {
      seen = seq;
      last_poll = now;
      std::size_t want = views.size();
      if (o.count) want = std::min<std::uint64_t>(want, o.count - m.packets());
      got = c->poll(std::span(views.data(), want));
      more = got == want;
      for (std::size_t i = 0; i < got; ++i) {
        m.account(views[i]);
        m.decided((o.send ? c->mark_send(views[i].index) : c->mark_drop(views[i].index)) == 0);
      }
    }
    if (o.count && m.packets() >= o.count) break;
    if (got > 0) now = zc_now_ns();
    if (o.duration > 0 && double(now - start) / 1e9 >= o.duration) break;
    if (next_report && now >= next_report) {
      m.print("so far");
      next_report += std::uint64_t(o.interval * 1e9);
    }
    if (got == 0 && !o.busy && c->wait(50) < 0) {
      producer_gone = true;
      break;
    }
    if (got == 0 && o.busy) {
      // kill(pid, 0) is a system call: look at most every 10 ms.
      if (now - last_alive_check > 10'000'000) {
        last_alive_check = now;
        if (!c->producer_alive() && published() == seen) {
          producer_gone = true;
          break;
        }
      }
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  const double elapsed = double(zc_now_ns() - start) / 1e9;
  m.print(producer_gone ? "producer gone" : "final");
  if (o.stats) {
    const zc_header* h = hdr;
    auto load = [](const std::uint64_t& v) {
      return static_cast<unsigned long long>(
          std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(v)).load());
    };
    std::printf(
        "ring %s: n %u, unit_size %u, stored %llu, no_unit_drops %llu, scans %llu; monitored "
        "%.3f s\n",
        o.name.c_str(), h->n_units, h->unit_size, load(h->stored), load(h->no_unit_drops),
        load(h->scans), elapsed);
  }
  return 0;
}

}  // namespace

void add_zerocopy_commands(CLI::App& app) {
  auto o = std::make_shared<MonitorOptions>();
  CLI::App* mon = app.add_subcommand(
      "zc-monitor", "Attach to ZeroCopyRing NAME as its consumer and summarise flows in place");
  mon->add_option("name", o->name, "The ring's NAME (ZeroCopyRing's first argument)")->required();
  mon->add_flag("--send", o->send,
                "Flag units send (they leave the ring's output) instead of drop");
  mon->add_option("-c,--count", o->count, "Stop after this many packets");
  mon->add_option("-d,--duration", o->duration, "Stop after this many seconds")
      ->check(CLI::NonNegativeNumber);
  mon->add_option("-i,--interval", o->interval, "Print a summary every this many seconds")
      ->check(CLI::NonNegativeNumber);
  mon->add_option("--attach-wait", o->attach_wait,
                  "Seconds to keep retrying while the ring does not exist yet (default 5)")
      ->check(CLI::NonNegativeNumber);
  mon->add_option("--top", o->top, "List only the N largest flows");
  mon->add_flag("--busy-poll", o->busy, "Poll without sleeping between empty polls");
  mon->add_flag("--stats", o->stats,
                "At the end, also print the ring's counters (n, stored, Condition 2 drops)");
  mon->callback([o] {
    if (int rc = monitor_command(*o)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace pb::tools
