// ConfigRun: a whole configuration for element tests that need more than one element around the
// one under test (a puller behind a scheduler, a queue in front of ToDump …). The harness
// classes HarnessIn/HarnessOut are available, so packets can be captured at any point.
//
//   pb::test::ConfigRun r("Idle -> q :: SimpleQueue -> u :: Unqueue -> out :: HarnessOut;");
//   REQUIRE(r.errors() == "");
//   r.element("q").push(0, make_batch(3, 10));
//   CHECK(r.run() < 100);                          // passes until every task parked
//   CHECK(r.out("out").packets.size() == 3);
#pragma once

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/simple_scheduler.hpp"
#include "test/unit/harness/element_harness.hpp"

namespace pb::test {

class ConfigRun {
 public:
  explicit ConfigRun(std::string_view text) {
    lang::LoadOptions opts;
    opts.catalog = &harness_registry();
    auto flat = lang::load_string(text, "test.click", opts, diags_);
    if (!flat) return;
    router_ = Router::build(*flat, harness_registry(), diags_);
    if (router_ && !router_->initialize(diags_)) router_.reset();
  }
  bool ok() const { return router_ != nullptr; }
  std::string errors() const { return diags_.str(); }
  Router& router() const { return *router_; }
  Element& element(std::string_view name) const { return *router_->find(name); }
  HarnessOut& out(std::string_view name) const {
    return dynamic_cast<HarnessOut&>(*router_->find(name));
  }
  std::string read(std::string_view handler) const {
    auto r = router_->read(handler);
    return r ? *r : "<error: " + r.message() + ">";
  }
  // Scheduler passes until kIdlePasses in a row did no work, or max_passes; returns the passes
  // that did work. (A pass can do no work and still leave tasks queued: one that relays a
  // wake-up, or a puller whose packets were all dropped on the way and that was woken to try
  // again.) A puller that polls instead of parking keeps it at max_passes.
  static constexpr int kIdlePasses = 64;
  int run(int max_passes = 10000) {
    auto* s = dynamic_cast<SimpleScheduler*>(&router_->scheduler());
    int worked = 0, idle = 0;
    for (int i = 0; i < max_passes && s && !s->stop_requested() && idle < kIdlePasses; ++i) {
      if (s->run_once()) {
        ++worked;
        idle = 0;
      } else {
        ++idle;
      }
    }
    return worked;
  }

 private:
  Diagnostics diags_;
  std::unique_ptr<Router> router_;
};

// Captures what is written to standard error (file descriptor 2) while it lives.
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Everything written so far.
  std::string text();

 private:
  int saved_ = -1;
  std::FILE* file_ = nullptr;
};

inline StderrCapture::StderrCapture() {
  std::fflush(stderr);
  saved_ = ::dup(2);
  file_ = std::tmpfile();
  ::dup2(::fileno(file_), 2);
}

inline StderrCapture::~StderrCapture() {
  std::fflush(stderr);
  ::dup2(saved_, 2);
  ::close(saved_);
  std::fclose(file_);
}

inline std::string StderrCapture::text() {
  std::fflush(stderr);
  std::string s;
  std::rewind(file_);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) s.append(buf, n);
  std::fseek(file_, 0, SEEK_END);
  return s;
}

}  // namespace pb::test
