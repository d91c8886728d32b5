// Configuration strings split and unquoted Click's way. The engine's argument parser, write
// handlers and the flattener all go through these, so "a, b" means the same thing everywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pb::lang {

// Splits at top-level commas (not inside quotes, parentheses, brackets or braces) and trims
// whitespace and comments from each piece. An empty last argument is dropped (Click's rule), so
// "a, b," has two arguments and "" has none.
std::vector<std::string> split_args(std::string_view config);

// Removes one level of quoting: "double quotes" with C escapes (\n, \t, \\, \", \x41, \101, …),
// 'single quotes' literally, and \<hex digits> byte strings (`\<0a 0b>`). Unquoted text is kept.
// Adjacent pieces are concatenated ("a"'b' -> ab).
std::string unquote(std::string_view arg);

// Splits a keyword argument: "LIMIT 1000" -> {"LIMIT", "1000"}. A keyword is an upper-case word
// ([A-Z][A-Z0-9_]*) followed by whitespace or the end of the argument; anything else is
// positional (std::nullopt).
struct KeywordArg {
  std::string keyword;
  std::string value;
};
std::optional<KeywordArg> split_keyword(std::string_view arg);

// The first whitespace-separated word and the rest: "udp port 9000" -> {"udp", "port 9000"}.
std::pair<std::string, std::string> split_first_word(std::string_view s);

}  // namespace pb::lang
