// `patchbay run` and `patchbay list`: the packet engine's commands.
//
//   patchbay run FILE [NAME=value …]       run a configuration until its sources stop it
//   patchbay run -e EXPR [NAME=value …]    the same, configuration given inline
//        -j N                               worker threads (default: the number of cores)
//        -H ELEMENT.HANDLER                 print a handler's value after the run (repeatable)
//        -p PORT | -u PATH                  serve handlers on a ControlSocket (docs/control.md)
//   patchbay list [--docs DIR]             every element class: ports, processing, one line
//
// `run` executes on the oneTBB scheduler (runtime/sched/tbb_scheduler.hpp, docs/runtime.md).
// SIGINT/SIGTERM stop it cleanly (a second one kills the process, in case shutdown hangs).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/control/command_line_socket.hpp"
#include "runtime/element/docs.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/tbb_scheduler.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {
const pb::Registry& element_registry();  // catalog.cpp
}  // namespace pb::tools

namespace {

std::atomic<pb::Scheduler*> g_running{nullptr};

extern "C" void on_stop_signal(int) {
  // stop_now() stores a flag and writes an eventfd: async-signal-safe. A signal stops the router
  // whatever a DriverManager's script says (it is not a driver stop event).
  if (pb::Scheduler* s = g_running.load()) s->stop_now();
}

const pb::Registry& engine_registry() {
  return pb::tools::element_registry();
}

struct RunOptions {
  std::string expr;
  int threads = 0;                    // -j; 0: the number of cores
  std::vector<std::string> handlers;  // read and printed after the run, Click's `-h`
  std::vector<std::string> args;      // FILE (unless -e) then NAME=value …
  std::vector<std::string> cs_ports;  // -p: ControlSocket(TCP, PORT), Click's `click -p`
  std::vector<std::string> cs_paths;  // -u: ControlSocket(UNIX, PATH)
};

int run_command(const RunOptions& o) {
  pb::lang::LoadOptions lo;
  lo.catalog = &engine_registry();
  std::vector<std::string> rest = o.args;
  std::optional<std::string> file;
  if (o.expr.empty()) {
    if (rest.empty() || rest.front().find('=') != std::string::npos) {
      std::fprintf(stderr, "patchbay run: give a configuration FILE or -e EXPR\n");
      return 2;
    }
    file = rest.front();
    rest.erase(rest.begin());
  }
  for (const auto& d : rest) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "patchbay run: '%s' is not NAME=value\n", d.c_str());
      return 2;
    }
    lo.defines.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  pb::Diagnostics diags;
  std::optional<pb::lang::FlatConfig> flat =
      file ? pb::lang::load_file(*file, lo, diags)
           : pb::lang::load_string(o.expr, "<expr>", lo, diags);
  std::vector<pb::control::CommandLineSocket> sockets;
  for (const auto& p : o.cs_ports) sockets.push_back({false, p});
  for (const auto& p : o.cs_paths) sockets.push_back({true, p});
  if (flat) pb::control::add_command_line_sockets(*flat, sockets);
  std::unique_ptr<pb::Router> router;
  if (flat) router = pb::Router::build(*flat, engine_registry(), diags);
  if (router && !sockets.empty()) {
    // Configurations installed by hot-swap get the same sockets, so the client that sent one
    // keeps its connection (the new ControlSocket takes the old one's state).
    router->set_hotswap_filter(
        [sockets](pb::lang::FlatConfig& c) { pb::control::add_command_line_sockets(c, sockets); });
  }
  if (router) {
    int threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
    router->set_scheduler(std::make_unique<pb::TbbScheduler>(std::max(threads, 1)));
    if (file) {
      std::ifstream in(*file);
      router->set_config_text(std::string(std::istreambuf_iterator<char>(in), {}));
    } else {
      router->set_config_text(o.expr);
    }
    if (!router->initialize(diags)) router.reset();
  }
  if (!diags.empty()) std::fputs(diags.str().c_str(), stderr);
  if (!router) return 1;

  g_running = &router->scheduler();
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;  // the next signal takes the default action
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  router->run();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  g_running = nullptr;
  // Handlers are read after every worker finished (run() waited for them).
  int rc = 0;
  for (const auto& h : o.handlers) {
    auto v = router->read(h);
    if (!v) {
      std::fprintf(stderr, "%s\n", v.message().c_str());
      rc = 1;
      continue;
    }
    // Click's format: "name.handler:" then the value, ending with a newline.
    std::string value = *v;
    if (value.empty() || value.back() != '\n') value += '\n';
    std::printf("%s:\n%s", h.c_str(), value.c_str());
  }
  return rc;
}

int list_command(const std::string& docs_dir) {
  const auto classes = engine_registry().classes();
  if (!docs_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(docs_dir, ec);
    std::string index =
        "# Elements\n\nGenerated by `patchbay list --docs` from each element's "
        "header.\n\n| class | ports | description |\n|---|---|---|\n";
    int failures = 0;
    for (const auto* c : classes) {
      std::string name(c->spec->name);
      auto block = pb::element_doc_block(*c->spec, PB_SOURCE_DIR);
      if (!block) {
        std::fprintf(stderr, "%s\n", block.message().c_str());
        ++failures;
        continue;
      }
      std::ofstream(docs_dir + "/" + name + ".md") << pb::element_doc_markdown(*c, *block);
      index += "| [" + name + "](" + name + ".md) | `" + std::string(c->spec->ports) + "` | " +
               std::string(c->spec->doc) + " |\n";
    }
    std::ofstream(docs_dir + "/README.md") << index;
    std::printf("wrote %zu pages to %s\n", classes.size() - static_cast<std::size_t>(failures),
                docs_dir.c_str());
    return failures ? 1 : 0;
  }
  for (const auto* c : classes) {
    std::printf("%-22s %-7s %-5s %s\n", std::string(c->spec->name).c_str(),
                std::string(c->spec->ports).c_str(), std::string(c->spec->processing).c_str(),
                std::string(c->spec->doc).c_str());
  }
  return 0;
}

}  // namespace

namespace pb::tools {

void add_engine_commands(CLI::App& app) {
  auto run_opts = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a configuration until its sources stop it (STOP true) or SIGINT/SIGTERM");
  run->add_option("-e,--expression", run_opts->expr, "Configuration text instead of a FILE");
  run->add_option("-j,--threads", run_opts->threads,
                  "Worker threads (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  run->add_option("-H,--handler", run_opts->handlers,
                  "Print this handler's value (ELEMENT.HANDLER) after the run; repeatable");
  run->add_option("-p,--port", run_opts->cs_ports,
                  "Serve handlers on TCP PORT of 127.0.0.1 (a ControlSocket); repeatable")
      ->allow_extra_args(false);  // one value per -p: `-p 7777 FILE` leaves FILE alone
  run->add_option("-u,--unix-socket", run_opts->cs_paths,
                  "Serve handlers on a Unix socket at PATH (mode 0600); repeatable")
      ->allow_extra_args(false);
  run->add_option("args", run_opts->args, "FILE (unless -e), then NAME=value overrides");
  run->callback([run_opts] {
    if (int rc = run_command(*run_opts)) throw CLI::RuntimeError(rc);
  });

  auto docs_dir = std::make_shared<std::string>();
  CLI::App* list = app.add_subcommand("list", "List element classes: ports, processing, purpose");
  list->add_option("--docs", *docs_dir, "Write one Markdown page per class into this folder");
  list->callback([docs_dir] {
    if (int rc = list_command(*docs_dir)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace pb::tools
