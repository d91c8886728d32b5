// Script(INSTRUCTIONS..., *, TYPE) — runs a small script that waits, reads and writes handlers,
// prints, and stops the router (Click's Script).
//
// Arguments:
//   INSTRUCTIONS  one per argument, executed in order:
//     set VAR TEXT / setq VAR TEXT     $VAR = TEXT (setq removes a layer of quotes)
//     init VAR TEXT / initq VAR TEXT   the same, once, when the router initializes
//     print [>FILE | >>FILE] TEXT|H    prints TEXT (quotes removed) or, when the argument starts
//                                      with a letter, '@' or '_', handler H's value; newline added
//     printn …                         the same without the newline
//     read H / readq H                 prints "H:" and H's value on the next line, to standard
//                                      error (as Click does)
//     write H [VALUE] / writeq …       calls write handler H; $? is 0, or negative on error
//     wait TIME                        waits TIME (microsecond precision) or until a step
//     pause [N] / wait                 waits for N steps (default 1); for a DriverManager a step
//                                      is a driver stop event, e.g. a source with STOP true
//     label L / goto L [COND] / loop   jumps (COND: a boolean after substitution; labels begin,
//                                      end, exit and error are built in); 1000 jumps without
//                                      blocking disable the script
//     stop                             stops the router (a driver stop event; in a
//                                      DriverManager: stops for good)
//     end / exit / return [V] / error [MSG]   ends the script (return: V is `run`'s value)
//   Text undergoes substitution: $VAR, ${VAR}, $? $args $1…$9 $#, and $(H) by handler H's value;
//   $(add …), sub, mul, div, idiv, eq, ne, lt, gt, le, ge, not, first compute on their
//   arguments. Single quotes protect text from substitution.
//   TYPE  ACTIVE (default: starts when the router runs), PASSIVE (runs through its `run`
//         handler) or DRIVER (a DriverManager).
// Ports: none.
// Handlers:
//   step (write)   steps past the current blocking instruction (a number: that many; "router":
//                  a driver stop event)
//   goto (write)   continues at the label given
//   run (rw)       runs the script from the start (write: with $args set to the value); read
//                  returns the value of its `return`
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/element/element.hpp"

namespace pb::elements {

// What Script and DriverManager share (not an element class by itself).
class ScriptElement : public Element {
 public:
  enum class Type { active, passive, driver };

  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;

  // Where print (out) and read (err) write; stdout and stderr by default. Tests redirect them.
  void set_output(std::FILE* out, std::FILE* err) {
    out_ = out;
    err_ = err;
  }
  Type type() const { return type_; }
  // The instruction index the script is at (past the end when it finished).
  std::size_t position() const { return pc_; }

 protected:
  explicit ScriptElement(Type default_type);

 private:
  // clang-format off
  enum class Op {
    set, setq, init, initq, print, printn, read, readq, write, writeq, pause, wait_time,
    label, go_to, stop, end, exit, ret, retq, error, errorq
  };
  // clang-format on
  struct Insn {
    explicit Insn(Op o, std::string t = {}) : op(o), text(std::move(t)) {}
    Op op;
    std::string text;        // the rest of the instruction after its name (and VAR for set…)
    std::string var;         // set/init/return: the variable
    std::int64_t count = 1;  // pause: steps needed; wait_time: nanoseconds
    std::int64_t done = 0;   // pause: steps received so far
    int target = -1;         // goto: instruction index, or a kLabel* value
  };
  static constexpr int kLabelExit = -1, kLabelEnd = -2, kLabelError = -3, kLabelBegin = -4;

  Status parse(const std::string& line, std::vector<Insn>& out) const;
  int find_label(std::string_view name) const;

  // Delivers `nsteps` steps and runs until the script blocks or ends. Reentrant calls (a
  // script writing its own `step`) add their steps to the running one.
  void step(std::int64_t nsteps);
  void execute(std::int64_t steps);
  void finish(Op how);
  void on_timer();
  bool on_stop_events();

  std::string expand(std::string_view text);
  std::string call_read(std::string_view call);
  Result<std::string> read_handler(std::string_view name);
  Status write_handler(std::string_view name, std::string_view value);
  // $(add …) and friends; nullopt when `op` is not one of them.
  std::optional<Result<std::string>> arithmetic(std::string_view op, std::string_view args);
  void report(const std::string& msg);
  std::string* variable(std::string_view name);

  Type type_;
  std::vector<Insn> insns_;
  std::vector<std::pair<std::string, std::string>> vars_;
  std::string run_args_;
  std::string return_value_;
  int write_status_ = 0;
  std::size_t pc_ = 0;
  bool started_ = false;
  bool executing_ = false;
  bool is_driver_ = false;
  std::int64_t pending_steps_ = 0;
  std::FILE* out_ = stdout;
  std::FILE* err_ = stderr;
  std::recursive_mutex mu_;  // timer (element thread), stop events, handlers (control thread)
  Timer timer_;
  Task task_;  // DriverManager: takes driver stop events
};

class Script final : public ScriptElement {
 public:
  static constexpr ElementSpec spec{
      .name = "Script",
      .ports = "0/0",
      .processing = "a",
      .flow = "x/x",
      .doc = "runs a script: waits, handler reads/writes, prints, stop"};
  Script() : ScriptElement(Type::active) {}
};

}  // namespace pb::elements
