// DriverManager(INSTRUCTIONS...) — a Script that decides when the router stops (Click's
// DriverManager).
//
// Arguments:
//   INSTRUCTIONS  Script's instructions (see Script). Without a DriverManager a driver stop
//                 event — a source with STOP true, a Script's `stop`, the global `stop`
//                 handler — stops the router. With one, each event steps the DriverManager's
//                 script instead: `pause` / `wait` (no time) wait for the next event, `wait
//                 TIME` ends early on one. The router stops when the script executes `stop` or
//                 runs off its end. No instructions means `pause, stop`: stop at the first event.
//                 Example: DriverManager(wait, read c.count, stop) waits until the sources
//                 finish, prints "c.count:" and the count, and stops. At most one per router.
//                 SIGINT and SIGTERM stop the router whatever the script says.
// Ports: none.
// Handlers: those of Script (step, goto, run).
#pragma once

#include "elements/standard/script.hpp"

namespace pb::elements {

class DriverManager final : public ScriptElement {
 public:
  static constexpr ElementSpec spec{.name = "DriverManager",
                                    .ports = "0/0",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "a Script that decides when the router stops"};
  DriverManager() : ScriptElement(Type::driver) {}
};

}  // namespace pb::elements
