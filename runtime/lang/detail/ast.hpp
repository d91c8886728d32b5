// The syntax tree the parser produces: statements as written, with byte offsets into their Source.
// No meaning is attached here (which identifiers are classes, implicit ports, numbering); the
// builder does that, in source order, the way Click's lexer does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/lang/detail/source.hpp"

namespace pb::lang::ast {

using detail::Offset;

struct Ident {
  std::string text;
  Offset pos = 0;
};

// `[0]`, `[0, 2]`, `[0-3]`, `[]`, `[1-]`. Ranges are already expanded; `expandable` marks a list
// that ended in an open slot (`[]`, `[1-]`, `[0,]`), which `=>` may grow.
struct PortSpec {
  bool present = false;
  Offset pos = 0;
  std::vector<int> ports;
  bool expandable = false;
};

// The raw text between `(` and the matching `)`, line directives removed.
struct Config {
  bool present = false;
  Offset pos = 0;  // of the '('
  std::string text;
};

struct Body;
struct CompoundClass;

struct Formal {
  std::string keyword;  // "" for positional, "__REST__" for the rest
  std::string name;     // without '$'
  Offset pos = 0;
};

struct Overload {
  Offset pos = 0;  // '{' or '||'
  std::vector<Formal> formals;
  std::shared_ptr<Body> body;
};

struct CompoundClass {
  Offset pos = 0;  // '{'
  std::vector<Overload> overloads;
  std::vector<Offset> bars;  // each "||"
  // `|| ...`: where it stood, and whether it was the last item (anything else is an error).
  bool extension = false;
  Offset extension_pos = 0;
  bool extension_misplaced = false;
  Offset end = 0;  // '}'
};

struct ElementRef {
  enum class Kind : std::uint8_t { none, named, compound, group };
  Kind kind = Kind::none;
  Ident ident;                              // named: element name or class
  bool has_decl = false;                    // named: `ident :: class`
  Offset decl_pos = 0;                      // the '::'
  Ident decl_class;                         // class after '::' (text empty when compound)
  std::shared_ptr<CompoundClass> compound;  // compound: the class; named: `x :: { ... }`
  std::shared_ptr<Body> group;              // group: `( ... )`
  Offset group_open = 0;                    // group: the '('
  Offset group_end = 0;                     // group: the ')'
  Config config;
};

struct Element {
  Offset pos = 0;
  PortSpec in;
  ElementRef ref;
  PortSpec out;
};

// Comma-separated elements between arrows. Empty when an arrow starts or ends the connection.
struct ElementList {
  Offset pos = 0;
  std::vector<Element> elements;
};

struct Arrow {
  bool many = false;  // '=>'
  Offset pos = 0;
};

struct Connection {
  std::vector<ElementList> lists;  // lists.size() == arrows.size() + 1
  std::vector<Arrow> arrows;
};

struct Statement {
  enum class Kind : std::uint8_t { empty, connection, elementclass, require, define };
  Kind kind = Kind::empty;
  Offset pos = 0;
  Connection connection;
  // elementclass NAME { ... } | elementclass NAME SYNONYM
  Ident class_name;
  Ident synonym;
  std::shared_ptr<CompoundClass> compound;
  // require(...) / define(...)
  Config config;
};

struct Body {
  std::vector<Statement> statements;
  Offset end = 0;
};

}  // namespace pb::lang::ast
