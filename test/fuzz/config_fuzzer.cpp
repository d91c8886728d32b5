// Fuzzes the config language front end: any bytes must load or fail with diagnostics, never
// crash, hang or grow without bound; and whatever loads must flatten idempotently (the flat text
// reads back to exactly itself).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/lang/config_string.hpp"
#include "runtime/lang/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (const std::string& arg : pb::lang::split_args(text)) {
    (void)pb::lang::unquote(arg);
    (void)pb::lang::split_keyword(arg);
    (void)pb::lang::split_first_word(arg);
  }

  pb::lang::LoadOptions options;
  options.max_elements = 20000;  // keep each input well inside the fuzzer's time limit
  options.max_connections = 100000;
  options.max_substitution_bytes = 1u << 20;
  options.defines = {{"fuzz", "1"}};
  pb::Diagnostics diags;
  auto config = pb::lang::load_string(text, "fuzz.click", options, diags);
  (void)diags.str();
  if (!config) return 0;

  const std::string once = config->unparse();
  (void)pb::lang::to_dot(*config);
  pb::Diagnostics again_diags;
  // The flat text is read back as it stands: without the NAME=value definitions, which flattening
  // has already applied.
  options.defines.clear();
  auto again = pb::lang::load_string(once, "flat.click", options, again_diags);
  if (!again || again->unparse() != once) {
    std::fprintf(stderr, "flat configuration does not read back to itself\n--- flat:\n%s\n",
                 once.c_str());
    if (again) std::fprintf(stderr, "--- again:\n%s\n", again->unparse().c_str());
    std::fprintf(stderr, "--- diagnostics:\n%s\n", again_diags.str().c_str());
    std::abort();
  }
  return 0;
}
