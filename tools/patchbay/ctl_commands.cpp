// `patchbay ctl`: a client of Click's ControlSocket protocol (a patchbay ControlSocket, or a Click
// router's). ADDR is a TCP port on this host (`7777`), HOST:PORT, or a Unix socket path.
//
//   patchbay ctl ADDR read HANDLER…             print handler values ("elt.h" or a global name)
//   patchbay ctl ADDR write HANDLER [VALUE…]    call a write handler (value sent with WRITEDATA)
//   patchbay ctl ADDR list [ELEMENT]            elements (name and class), or an element's handlers
//   patchbay ctl ADDR hotswap FILE              install FILE's configuration (the hotconfig
//   handler) patchbay ctl ADDR replace NAME 'Class(args)'
//        swap one element for another class/configuration, keeping its connections: reads
//        flatconfig, edits that element, and writes the result to hotconfig
//
// Exit status: 0 on success, 1 when the router refused (its reply is printed on stderr), 2 for
// usage errors or a connection that fails.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/control/control_session.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/poller.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {

namespace {

struct CtlOptions {
  std::string addr;
  double timeout_s = 60;
  std::vector<std::string> args;
};

class CtlClient {
 public:
  Status connect(const std::string& addr, double timeout_s) {
    const bool is_path = addr.find('/') != std::string::npos;
    if (is_path) {
      sockaddr_un a{};
      if (addr.size() >= sizeof a.sun_path) return Status::error("socket path too long: " + addr);
      a.sun_family = AF_UNIX;
      std::memcpy(a.sun_path, addr.data(), addr.size());
      fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        return Status::error("cannot connect to " + addr + ": " + std::strerror(errno));
    } else {
      std::string host = "127.0.0.1";
      std::string port = addr;
      if (auto colon = addr.rfind(':'); colon != std::string::npos) {
        host = addr.substr(0, colon);
        port = addr.substr(colon + 1);
      }
      if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
        return Status::error("ADDR: expected PORT, HOST:PORT or a socket path, got '" + addr + "'");
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      if (int e = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); e != 0)
        return Status::error("cannot resolve " + host + ": " + ::gai_strerror(e));
      std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
      std::string why = "no address";
      for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (fd.get() < 0) continue;
        if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
          fd_ = std::move(fd);
          break;
        }
        why = std::strerror(errno);
      }
      if (fd_.get() < 0) return Status::error("cannot connect to " + addr + ": " + why);
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_s);
    tv.tv_usec = static_cast<suseconds_t>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (;;) {
      auto g = parser_.greeting();
      if (!g) return g.status();
      if (*g) return {};
      if (auto st = receive(); !st) return st;
    }
  }

  // Sends `line` (and `body`, if any) and returns the reply.
  Result<control::Reply> call(const std::string& line, std::string_view body, bool expect_data) {
    std::string msg = line + "\r\n";
    msg.append(body);
    std::size_t sent = 0;
    while (sent < msg.size()) {
      ssize_t n = ::send(fd_.get(), msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::error(std::string("send: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
    for (;;) {
      control::Reply r;
      auto done = parser_.next(expect_data, r);
      if (!done) return done.status();
      if (*done) return r;
      if (auto st = receive(); !st) return st;
    }
  }

  Result<std::string> read(const std::string& handler) {
    auto r = call("READ " + handler, {}, true);
    if (!r) return r.status();
    if (!r->ok()) return Status::error(std::to_string(r->code) + " " + r->message());
    return r->data;
  }

  void quit() { (void)call("QUIT", {}, false); }

 private:
  Status receive() {
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n > 0) {
        parser_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        return {};
      }
      if (n == 0) return Status::error("the router closed the connection");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::error("no reply from the router (timeout)");
      return Status::error(std::string("recv: ") + std::strerror(errno));
    }
  }

  UniqueFd fd_;
  control::ReplyParser parser_;
};

// A handler name must be one word: the protocol separates words by spaces.
bool valid_handler_name(const std::string& h) {
  if (h.empty()) return false;
  for (char c : h)
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  return true;
}

int usage(const std::string& what) {
  std::fprintf(stderr, "patchbay ctl: %s\n", what.c_str());
  return 2;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "patchbay ctl: %s\n", what.c_str());
  return 1;
}

// Prints a reply's text on stderr (warnings, errors) and turns its code into an exit status.
int report(const control::Reply& r, bool quiet_ok) {
  if (r.ok()) {
    if (r.code != 200 || !quiet_ok)
      for (const auto& l : r.lines) std::fprintf(stderr, "%d %s\n", r.code, l.c_str());
    return 0;
  }
  for (const auto& l : r.lines) std::fprintf(stderr, "%d %s\n", r.code, l.c_str());
  return 1;
}

int write_data(CtlClient& c, const std::string& handler, const std::string& value) {
  auto r = c.call("WRITEDATA " + handler + " " + std::to_string(value.size()), value, false);
  if (!r) return fail(r.message());
  return report(*r, true);
}

// "Class(args)" or "Class" -> class and configuration.
Result<std::pair<std::string, std::string>> split_declaration(const std::string& text) {
  std::string s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  auto open = s.find('(');
  std::string cls = s.substr(0, open);
  while (!cls.empty() && std::isspace(static_cast<unsigned char>(cls.back()))) cls.pop_back();
  bool ok = !cls.empty() && (std::isalpha(static_cast<unsigned char>(cls[0])) || cls[0] == '_');
  for (char c : cls)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '@' && c != '/')
      ok = false;
  if (!ok) return Status::error("expected 'Class(arguments)', got '" + text + "'");
  if (open == std::string::npos) return std::make_pair(cls, std::string());
  if (s.back() != ')') return Status::error("missing ')' in '" + text + "'");
  return std::make_pair(cls, s.substr(open + 1, s.size() - open - 2));
}

int run_ctl(const CtlOptions& o) {
  if (o.args.empty()) return usage("give a command: read, write, list, hotswap or replace");
  const std::string& cmd = o.args[0];
  const std::vector<std::string> rest(o.args.begin() + 1, o.args.end());
  // Check usage before connecting.
  if (cmd == "read" && rest.empty()) return usage("read: give one or more HANDLERs");
  if (cmd == "write" && rest.empty()) return usage("write: give a HANDLER and a VALUE");
  if (cmd == "hotswap" && rest.size() != 1) return usage("hotswap: give one configuration FILE");
  if (cmd == "replace" && rest.size() != 2) return usage("replace: give NAME and 'Class(args)'");
  if (cmd == "list" && rest.size() > 1) return usage("list: at most one ELEMENT");
  if (cmd != "read" && cmd != "write" && cmd != "list" && cmd != "hotswap" && cmd != "replace")
    return usage("unknown command '" + cmd + "' (read, write, list, hotswap, replace)");
  if (cmd == "read" || cmd == "write")
    for (std::size_t i = 0; i < (cmd == "read" ? rest.size() : 1); ++i)
      if (!valid_handler_name(rest[i])) return usage("bad handler name '" + rest[i] + "'");

  CtlClient c;
  if (auto st = c.connect(o.addr, o.timeout_s); !st) {
    std::fprintf(stderr, "patchbay ctl: %s\n", st.message().c_str());
    return 2;
  }
  int rc = 0;
  if (cmd == "read") {
    for (const auto& h : rest) {
      auto r = c.call("READ " + h, {}, true);
      if (!r) return fail(r.message());
      if (!r->ok()) {
        rc = report(*r, true);
        continue;
      }
      std::string v = r->data;
      if (v.empty() || v.back() != '\n') v += '\n';
      if (rest.size() > 1)
        std::printf("%s:\n%s", h.c_str(), v.c_str());
      else
        std::fputs(v.c_str(), stdout);
    }
  } else if (cmd == "write") {
    std::string value;
    for (std::size_t i = 1; i < rest.size(); ++i) value += (i > 1 ? " " : "") + rest[i];
    rc = write_data(c, rest[0], value);
  } else if (cmd == "list") {
    if (rest.empty()) {
      auto list = c.read("list");
      if (!list) return fail(list.message());
      std::istringstream in(*list);
      std::string line;
      std::getline(in, line);  // the count
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto cls = c.read(line + ".class");
        std::printf("%s :: %s\n", line.c_str(), cls ? cls->c_str() : "?");
      }
    } else {
      auto hs = c.read(rest[0] + ".handlers");
      if (!hs) return fail(hs.message());
      std::fputs(hs->c_str(), stdout);
    }
  } else if (cmd == "hotswap") {
    std::ifstream f(rest[0], std::ios::binary);
    if (!f) return usage("cannot read " + rest[0]);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    rc = write_data(c, "hotconfig", text);
    if (rc == 0) std::printf("installed %s\n", rest[0].c_str());
  } else if (cmd == "replace") {
    auto decl = split_declaration(rest[1]);
    if (!decl) return usage("replace: " + decl.message());
    auto flat_text = c.read("flatconfig");
    if (!flat_text) return fail(flat_text.message());
    Diagnostics diags;
    lang::LoadOptions lo;  // no catalog: the running router already accepted these classes
    auto flat = lang::load_string(*flat_text, "<flatconfig>", lo, diags);
    if (!flat) return fail("cannot parse the router's flatconfig:\n" + diags.str());
    const int i = flat->find(rest[0]);
    if (i < 0) return fail("replace: no element named '" + rest[0] + "'");
    auto& e = flat->elements[static_cast<std::size_t>(i)];
    e.class_name = decl->first;
    e.config = decl->second;
    rc = write_data(c, "hotconfig", flat->unparse());
    if (rc == 0) std::printf("replaced %s with %s\n", rest[0].c_str(), rest[1].c_str());
  }
  c.quit();
  return rc;
}

}  // namespace

void add_ctl_commands(CLI::App& app) {
  auto o = std::make_shared<CtlOptions>();
  CLI::App* ctl = app.add_subcommand(
      "ctl", "Talk to a running router's ControlSocket: read|write|list|hotswap|replace");
  ctl->add_option("addr", o->addr, "PORT, HOST:PORT or a Unix socket path")->required();
  ctl->add_option("--timeout", o->timeout_s, "Seconds to wait for a reply (default 60)")
      ->check(CLI::Range(0.1, 86400.0));
  ctl->add_option("args", o->args,
                  "read HANDLER… | write HANDLER [VALUE…] | list [ELEMENT] | hotswap FILE | "
                  "replace NAME 'Class(args)'");
  ctl->callback([o] {
    if (int rc = run_ctl(*o)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace pb::tools
