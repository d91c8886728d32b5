// `patchbay ebd read|write IFACE …`: block I/O against an EBDServer over the storage personality
// (EtherType 0x667). The command builds a small router — FromDevice -> PersonalityClassifier ->
// EBDClient -> PersonalityQueue -> ToDevice — hands the client the request (the file's bytes for
// a write; the output buffer for a read, which replies fill in place) and runs until it is done.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "elements/personality/ebd_client.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {

namespace {

struct EbdOptions {
  std::string op;
  std::string iface;
  std::string file;
  std::string peer = "ff:ff:ff:ff:ff:ff";
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  unsigned device = 0;
  unsigned mtu = 1500;
  unsigned timeout_ms = 20;
  unsigned retries = 200;
  unsigned window = 64;
  bool quiet = false;
};

std::string own_mac(const std::string& iface) {
  std::ifstream in("/sys/class/net/" + iface + "/address");
  std::string mac;
  in >> mac;
  return mac.empty() ? "02:00:00:00:06:67" : mac;
}

int run_ebd(const EbdOptions& o) {
  std::vector<std::uint8_t> buf;
  if (o.op == "write") {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "patchbay ebd: cannot read %s\n", o.file.c_str());
      return 1;
    }
    buf.assign(std::istreambuf_iterator<char>(in), {});
    if (o.length > 0 && o.length < buf.size()) buf.resize(o.length);
  } else {
    buf.resize(o.length);
  }
  if (buf.empty()) {
    std::fprintf(stderr, "patchbay ebd: nothing to %s (give --length, or a non-empty file)\n",
                 o.op.c_str());
    return 2;
  }
  const std::string config =
      "FromDevice(" + o.iface +
      ") -> cl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667, "
      "QUEUE 1024);\ncl[0] -> Discard; cl[1] -> Discard;\ncl[2] -> client :: EBDClient(DST " +
      o.peer + ", SRC " + own_mac(o.iface) + ", DEV " + std::to_string(o.device) + ", MTU " +
      std::to_string(o.mtu) + ", TIMEOUT " + std::to_string(o.timeout_ms) + "ms, RETRIES " +
      std::to_string(o.retries) + ", WINDOW " + std::to_string(o.window) +
      ") -> PersonalityQueue(256) -> ToDevice(" + o.iface + ");\n";
  pb::lang::LoadOptions lo;
  lo.catalog = element_catalog();
  pb::Diagnostics diags;
  auto flat = pb::lang::load_string(config, "<ebd>", lo, diags);
  std::unique_ptr<pb::Router> router;
  if (flat) router = pb::Router::build(*flat, element_registry(), diags);
  if (router && !router->initialize(diags)) router.reset();
  if (!router) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }
  auto* client = dynamic_cast<pb::elements::EBDClient*>(router->find("client"));
  // Requests of at most 32 MiB (the fragment count fits 16 bits), all outstanding together.
  const std::uint64_t chunk = std::uint64_t{client->fragment_size()} * 16384;
  std::size_t pending = 0;
  pb::Status failure;
  pb::Router* r = router.get();
  auto done = [&pending, &failure, r](pb::Status st) {
    if (!st && failure) failure = st;
    if (--pending == 0 || !st) r->please_stop();
  };
  for (std::uint64_t at = 0; at < buf.size(); at += chunk) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, buf.size() - at));
    auto id = o.op == "write"
                  ? client->write(o.offset + at, std::span<const std::uint8_t>(&buf[at], n), done)
                  : client->read(o.offset + at, std::span<std::uint8_t>(&buf[at], n), done);
    if (!id) {
      std::fprintf(stderr, "patchbay ebd: %s\n", id.message().c_str());
      return 1;
    }
    ++pending;
  }
  const auto t0 = std::chrono::steady_clock::now();
  router->run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!failure || pending != 0) {
    std::fprintf(stderr, "patchbay ebd: %s failed: %s\n", o.op.c_str(),
                 failure ? "interrupted" : failure.message().c_str());
    return 1;
  }
  if (o.op == "read") {
    std::ofstream out(o.file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    if (!out) {
      std::fprintf(stderr, "patchbay ebd: cannot write %s\n", o.file.c_str());
      return 1;
    }
  }
  if (!o.quiet)
    std::printf("%s %zu bytes at offset %llu in %.3f s: frames %s, retransmits %s, duplicates %s\n",
                o.op == "write" ? "wrote" : "read", buf.size(),
                static_cast<unsigned long long>(o.offset), secs,
                router->read("client.frames_sent").value().c_str(),
                router->read("client.retransmits").value().c_str(),
                router->read("client.duplicates").value().c_str());
  return 0;
}

}  // namespace

void add_ebd_commands(CLI::App& app) {
  CLI::App* ebd =
      app.add_subcommand("ebd", "Block reads and writes against an EBDServer over EtherType 0x667");
  ebd->require_subcommand(1);
  for (const char* op : {"read", "write"}) {
    auto o = std::make_shared<EbdOptions>();
    o->op = op;
    const bool is_read = o->op == "read";
    CLI::App* sub = ebd->add_subcommand(
        op, is_read ? "Read LENGTH bytes at OFFSET into FILE" : "Write FILE's bytes at OFFSET");
    sub->add_option("iface", o->iface, "Network interface the server is reachable on")->required();
    sub->add_option("--file,-f", o->file, is_read ? "Where to store the data" : "Data to write")
        ->required();
    sub->add_option("--offset", o->offset, "Byte offset on the device (default 0)");
    sub->add_option("--length", o->length,
                    is_read ? "Bytes to read" : "Bytes of FILE to write (default all)");
    sub->add_option("--peer", o->peer, "The server's Ethernet address (default broadcast)");
    sub->add_option("--device", o->device, "The server's DEV (default 0)")
        ->check(CLI::Range(0, 65535));
    sub->add_option("--mtu", o->mtu, "Ethernet payload bytes per frame (default 1500)")
        ->check(CLI::Range(64, 9000));
    sub->add_option("--timeout-ms", o->timeout_ms, "Resend after this many ms (default 20)")
        ->check(CLI::Range(1, 60000));
    sub->add_option("--retries", o->retries, "Resends of a fragment before failing (default 200)");
    sub->add_option("--window", o->window, "Fragments in flight (default 64)")
        ->check(CLI::Range(1, 4096));
    sub->add_flag("--quiet,-q", o->quiet, "Print nothing on success");
    sub->callback([o] {
      if (int rc = run_ebd(*o)) throw CLI::RuntimeError(rc);
    });
  }
}

}  // namespace pb::tools
