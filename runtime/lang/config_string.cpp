#include "runtime/lang/config_string.hpp"

#include "runtime/lang/detail/text.hpp"

namespace pb::lang {

namespace {

using detail::is_space;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Expands one backslash escape at `s` (inside double quotes, or `\<...>` anywhere unquoted) and
// returns the first character after it.
const char* process_backslash(const char* s, const char* end, std::string& out) {
  if (s + 1 >= end) {
    out += '\\';
    return end;
  }
  switch (s[1]) {
    case '\r':
      return (s + 2 < end && s[2] == '\n') ? s + 3 : s + 2;
    case '\n':
      return s + 2;
    case 'a':
      out += '\a';
      return s + 2;
    case 'b':
      out += '\b';
      return s + 2;
    case 'f':
      out += '\f';
      return s + 2;
    case 'n':
      out += '\n';
      return s + 2;
    case 'r':
      out += '\r';
      return s + 2;
    case 't':
      out += '\t';
      return s + 2;
    case 'v':
      out += '\v';
      return s + 2;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      int c = 0;
      int digits = 0;
      for (++s; s < end && *s >= '0' && *s <= '7' && digits < 3; ++s, ++digits)
        c = c * 8 + *s - '0';
      out += static_cast<char>(c & 0xff);
      return s;
    }
    case 'x': {
      // Any number of hex digits; the byte is the last two.
      int c = 0;
      for (s += 2; s < end && hex_value(*s) >= 0; ++s) c = ((c << 4) | hex_value(*s)) & 0xff;
      out += static_cast<char>(c);
      return s;
    }
    case '<': {
      int c = 0;
      int digits = 0;
      for (s += 2; s < end;) {
        if (*s == '>') return s + 1;
        if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
          s = detail::skip_comment(s, end);
          continue;
        }
        int v = hex_value(*s);
        ++s;
        if (v < 0) continue;  // spaces (and stray characters) are ignored
        c = c * 16 + v;
        if (++digits == 2) {
          out += static_cast<char>(c);
          c = digits = 0;
        }
      }
      return end;
    }
    default:
      out += s[1];
      return s + 2;
  }
}

}  // namespace

std::vector<std::string> split_args(std::string_view config) {
  std::vector<std::string> args;
  if (config.empty()) return args;
  // Commas inside brackets separate nothing, unless the brackets do not balance (a stray '[' in
  // some element's free-form text): then fall back to Click's quote-only rule.
  const bool nest = detail::brackets_balanced(config);
  const char* s = config.data();
  const char* end = s + config.size();
  while (s < end) {
    const char* stop = end;
    std::string arg = detail::uncomment(s, end, true, &stop, nest);
    if (!arg.empty() || stop < end) args.push_back(std::move(arg));
    s = stop + 1;
  }
  return args;
}

std::string unquote(std::string_view arg) {
  std::string text = detail::uncomment(arg.data(), arg.data() + arg.size());
  const char* s = text.data();
  const char* end = s + text.size();
  std::string out;
  const char* start = s;
  char quote = 0;
  while (s < end) {
    char c = *s;
    if (c == '"' || c == '\'') {
      if (quote == 0) {
        out.append(start, s);
        start = s + 1;
        quote = c;
      } else if (quote == c) {
        out.append(start, s);
        start = s + 1;
        quote = 0;
      }
      ++s;
    } else if (c == '\\' && s + 1 < end && (quote == '"' || (quote == 0 && s[1] == '<'))) {
      out.append(start, s);
      s = start = process_backslash(s, end, out);
    } else {
      ++s;
    }
  }
  out.append(start, end);
  return out;
}

std::optional<KeywordArg> split_keyword(std::string_view arg) {
  std::string_view a = detail::trim(arg);
  std::size_t i = 0;
  if (a.empty() || !detail::is_upper(a[0])) return std::nullopt;
  while (i < a.size() && (detail::is_upper(a[i]) || detail::is_digit(a[i]) || a[i] == '_')) ++i;
  if (i < a.size() && !is_space(a[i])) return std::nullopt;
  return KeywordArg{std::string(a.substr(0, i)), std::string(detail::trim(a.substr(i)))};
}

std::pair<std::string, std::string> split_first_word(std::string_view str) {
  const char* s = str.data();
  const char* end = s + str.size();
  s = detail::skip_comment_space(s, end);
  const char* t = detail::skip_spacevec_item(s, end);
  std::string word(s, t);
  t = detail::skip_comment_space(t, end);
  std::string rest(detail::trim(std::string_view(t, static_cast<std::size_t>(end - t))));
  return {std::move(word), std::move(rest)};
}

}  // namespace pb::lang
