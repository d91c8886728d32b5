// Syntax tree to bodies, in source order and with Click's rules: which identifiers are classes and
// which are elements, anonymous numbering (`Class@N`), implicit `input`/`output`, port lists and
// `=>` expansion, groups, lexically scoped element classes, define(), require().
#pragma once

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/lang/detail/ast.hpp"
#include "runtime/lang/detail/model.hpp"
#include "runtime/lang/detail/source.hpp"
#include "runtime/lang/loader.hpp"

namespace pb::lang::detail {

class Builder {
 public:
  Builder(const LoadOptions& options, Diagnostics& diags);
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  // Parses and builds the main configuration. `canonical_path`, when the text came from a file,
  // keeps a library from including it again.
  void build_main(std::shared_ptr<Source> src, const std::string& canonical_path);

  const Body& top() const { return *top_; }
  const std::vector<std::string>& requirements() const { return requirements_; }

 private:
  struct Scope;
  struct StatementList;
  struct ElemPorts;

  void build_statements(const ast::Body& body, Scope& sc, StatementList& sl);
  void build_statement(const ast::Statement& st, Scope& sc, StatementList& sl);
  void build_elementclass(const ast::Statement& st, Scope& sc);
  void build_define(const ast::Config& config, Scope& sc);
  void build_require(const ast::Config& config, Scope& sc);
  void include_library(const std::string& name, ast::Offset pos, Scope& sc);
  void build_connection(const ast::Connection& conn, Scope& sc, StatementList& sl);
  void build_list(const ast::Connection& conn, std::size_t li, Scope& sc, StatementList& sl,
                  std::vector<ElemPorts>& out);
  int build_group(const ast::Element& e, Scope& sc, int& ninputs, int& noutputs);
  ClassPtr build_compound(const ast::CompoundClass& cc, const std::string& name, Scope& sc);
  std::shared_ptr<Body> build_overload(const ast::Overload& ov, const std::string& name,
                                       Scope& parent);
  void connect_all(const std::vector<ElemPorts>& outputs, const std::vector<ElemPorts>& inputs,
                   const ast::Arrow& arrow, Scope& sc);
  void connect(Scope& sc, int from, int from_port, int to, int to_port, const SourceLoc& loc);
  int check_pseudo(Scope& sc, int idx, bool output_pseudo, const std::string& owner,
                   const SourceLoc& loc, const Where& where);
  void finish_scope(Scope& sc);

  // Name resolution.
  ClassPtr lookup_class(const std::string& name, const Scope& sc) const;
  ClassPtr primitive(const std::string& name);
  bool is_class_name(const std::string& name, const Scope& sc) const;
  // A class after `::`, an `elementclass A B` target or an extension base; null after an error.
  ClassPtr resolve_class(const ast::Ident& id, Scope& sc);
  std::string suggestion(const std::string& name, const Scope& sc);
  bool being_defined(const std::string& name) const;

  int add_element(Scope& sc, BodyElement e, const std::string& anon_prefix);
  int anonymous_number(const Scope& sc) const;

  SourceLoc loc(ast::Offset off) const { return src_->loc(off); }
  Where where(ast::Offset off) const { return Where{src_.get(), off}; }
  void error(ast::Offset off, std::string message);
  void note(const SourceLoc& at, std::string message);
  bool reported_at(const SourceLoc& at) const;
  std::string describe_at(ast::Offset off) const;

  LoadOptions options_;
  Diagnostics& diags_;
  std::shared_ptr<Source> src_;
  std::vector<std::shared_ptr<Source>> sources_;  // every file read, kept for excerpts
  std::set<std::string> libraries_;               // canonical paths already included
  int library_depth_ = 0;
  std::shared_ptr<Body> top_;
  std::unique_ptr<Scope> top_scope_;
  std::vector<std::string> requirements_;
  std::unordered_map<std::string, ClassPtr> primitives_;
  std::vector<std::string> defining_;  // element classes whose bodies are being built
  std::vector<std::string> catalog_names_;
  bool catalog_names_loaded_ = false;
  int suggestions_ = 0;
  std::size_t connections_ = 0;
  bool connection_limit_reported_ = false;
};

}  // namespace pb::lang::detail
