// Element documentation: each element header starts with a comment block (first line
// "// Name(ARGS) — what it does", then "Arguments:", "Ports:", "Handlers:" sections). These
// functions read it through the header path the ElementSpec records, for `patchbay list --docs`
// (which generates docs/elements/) and for the test that fails when a class lacks documentation.
#pragma once

#include <string>
#include <string_view>

#include "runtime/core/diag.hpp"
#include "runtime/element/registry.hpp"

namespace pb {

// The leading comment block of the class's header, without the "// " prefixes. `source_dir` is
// tried as a prefix when the recorded path is relative. Errors name the header.
Result<std::string> element_doc_block(const ElementSpec& spec, std::string_view source_dir = {});

// Checks the block's shape; returns what is missing ("no Ports: section", …) or ok.
Status check_doc_block(const ElementSpec& spec, std::string_view block);

// A Markdown page for docs/elements/<Name>.md.
std::string element_doc_markdown(const ElementClass& cls, std::string_view block);

}  // namespace pb
