// What the builder makes of the syntax tree: element classes (lexically resolved) and compound
// bodies with named elements and port-numbered connections. The flattener expands these.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/lang/detail/source.hpp"

namespace pb::lang::detail {

struct Body;

// A position in a Source, for the source line and caret under later diagnostics. The builder
// keeps every Source alive until flattening is done.
struct Where {
  const Source* src = nullptr;
  Offset off = 0;
  std::string excerpt() const { return src ? src->excerpt(off) : std::string(); }
};

struct ClassInfo {
  enum class Kind : std::uint8_t { primitive, compound, synonym };
  Kind kind = Kind::primitive;
  std::string name;  // primitive: the class; compound: as declared ("" when anonymous)
  SourceLoc loc;
  std::vector<std::shared_ptr<const Body>> overloads;  // compound, first match wins
  // compound: the class `|| ...` extends (tried after the overloads); synonym: the target.
  std::shared_ptr<const ClassInfo> next;
};
using ClassPtr = std::shared_ptr<const ClassInfo>;

struct BodyElement {
  enum class Kind : std::uint8_t { element, input, output, group, group_input, group_output };
  Kind kind = Kind::element;
  std::string name;
  ClassPtr cls;  // Kind::element; null after an error (the element is then dropped)
  std::string config;
  SourceLoc loc;
  Where where;
  int group = -1;  // group_input / group_output: index of their group
  int nin = 0;     // input ports used by this body's connections (highest + 1)
  int nout = 0;
  std::vector<bool> used;  // pseudo-elements: which of their ports the body uses
};

struct BodyConnection {
  int from = 0;
  int from_port = 0;
  int to = 0;
  int to_port = 0;
  SourceLoc loc;
};

struct Formal {
  std::string keyword;  // "" positional, "__REST__" rest
  std::string name;
};

// One compound overload, or the file. Compound bodies start with `input` and `output`.
struct Body {
  std::string class_name;  // for messages; "<anonymous>" for anonymous compounds
  SourceLoc loc;
  Where where;
  int depth = 0;  // lexical nesting: 0 file, 1 a class at file scope, ...
  std::vector<Formal> formals;
  std::vector<std::pair<std::string, std::string>> defines;
  std::vector<BodyElement> elements;
  std::vector<BodyConnection> connections;
  int ninputs = 0;
  int noutputs = 0;
};

}  // namespace pb::lang::detail
