// Low-level text scanning shared by the config-string functions, the parser, parameter substitution
// and the unparser. Every function takes [begin, end) and never reads outside it, so malformed
// input (an unterminated quote or comment) simply runs to the end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pb::lang::detail {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
// Characters of a Click identifier word (identifiers are words joined by single slashes).
inline bool is_ident_char(char c) {
  return is_alnum(c) || c == '_' || c == '@';
}
// Characters of a $variable name.
inline bool is_var_char(char c) {
  return is_alnum(c) || c == '_';
}

// `s` points at "//" or "/*"; returns the first character after the comment. A line comment
// includes its newline.
const char* skip_comment(const char* s, const char* end);
// `s` points at a backslash; skips the escape (`\<...>` up to '>', otherwise two characters).
const char* skip_backslash(const char* s, const char* end);
// `s` points at '"'; returns the character after the closing quote (or end).
const char* skip_double_quote(const char* s, const char* end);
// `s` points at '\''; returns the character after the closing quote (or end).
const char* skip_single_quote(const char* s, const char* end);
// Skips whitespace and comments.
const char* skip_comment_space(const char* s, const char* end);
// Skips one space-separated item (quotes, `\<...>` respected; a comment ends the item).
const char* skip_spacevec_item(const char* s, const char* end);

// Click's cp_uncomment on [begin, end): leading/trailing space and comments removed, each comment
// (with the space around it) replaced by one space. Stops at a comma when `stop_at_comma` (with
// `nest`, only at a comma outside parentheses, brackets and braces), returning the stop position
// in *stop.
std::string uncomment(const char* begin, const char* end, bool stop_at_comma = false,
                      const char** stop = nullptr, bool nest = false);

// True when (), [] and {} outside quotes and comments never close more than they opened and all
// are closed at the end.
bool brackets_balanced(std::string_view s);

// Space-separated items (Click's cp_spacevec).
std::vector<std::string> split_spaces(std::string_view s);

// Click's cp_quote: a double-quoted string that unquote() turns back into `s`.
std::string quote(std::string_view s);

// Click's cp_keyword: a leading word of [A-Za-z0-9_.:?!] followed by space or the end; on success
// sets *keyword and *rest (leading space removed) and returns true.
bool leading_keyword(std::string_view arg, std::string* keyword, std::string* rest);

// True when the text ends inside a `//` comment, i.e. appending ")" would comment it out.
bool ends_in_line_comment(std::string_view s);

// Removes leading and trailing whitespace.
std::string_view trim(std::string_view s);

}  // namespace pb::lang::detail
