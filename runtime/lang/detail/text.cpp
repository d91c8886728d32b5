#include "runtime/lang/detail/text.hpp"

#include <algorithm>

namespace pb::lang::detail {

const char* skip_comment(const char* s, const char* end) {
  if (s[1] == '/') {
    for (s += 2; s < end && *s != '\n' && *s != '\r'; ++s) {
    }
    if (s + 1 < end && *s == '\r' && s[1] == '\n') ++s;
    return std::min(s + 1, end);
  }
  for (s += 2; s + 1 < end && !(*s == '*' && s[1] == '/'); ++s) {
  }
  return std::min(s + 2, end);
}

const char* skip_backslash(const char* s, const char* end) {
  if (s + 1 >= end) return end;
  if (s[1] == '<') {
    for (s += 2; s < end;) {
      if (*s == '>') return s + 1;
      if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*'))
        s = skip_comment(s, end);
      else
        ++s;
    }
    return end;
  }
  if (s[1] == '\r' && s + 2 < end && s[2] == '\n') return s + 3;
  return s + 2;
}

const char* skip_double_quote(const char* s, const char* end) {
  for (++s; s < end;) {
    if (*s == '\\')
      s = skip_backslash(s, end);
    else if (*s == '"')
      return s + 1;
    else
      ++s;
  }
  return end;
}

const char* skip_single_quote(const char* s, const char* end) {
  for (++s; s < end; ++s)
    if (*s == '\'') return s + 1;
  return end;
}

const char* skip_comment_space(const char* s, const char* end) {
  while (s < end) {
    if (is_space(*s))
      ++s;
    else if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*'))
      s = skip_comment(s, end);
    else
      break;
  }
  return s;
}

const char* skip_spacevec_item(const char* s, const char* end) {
  while (s < end) {
    switch (*s) {
      case '/':
        if (s + 1 < end && (s[1] == '/' || s[1] == '*')) return s;
        ++s;
        break;
      case '"':
        s = skip_double_quote(s, end);
        break;
      case '\'':
        s = skip_single_quote(s, end);
        break;
      case '\\':
        if (s + 1 < end && s[1] == '<')
          s = skip_backslash(s, end);
        else
          ++s;
        break;
      default:
        if (is_space(*s)) return s;
        ++s;
        break;
    }
  }
  return s;
}

std::string uncomment(const char* begin, const char* end, bool stop_at_comma, const char** stop,
                      bool nest) {
  const char* s = skip_comment_space(begin, end);
  std::string out;
  const char* left = s;
  const char* right = s;
  bool closed = false;
  int depth = 0;
  while (s < end) {
    if (is_space(*s)) {
      ++s;
    } else if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
      s = skip_comment(s, end);
      closed = true;
    } else if (*s == ',' && stop_at_comma && depth == 0) {
      break;
    } else {
      if (nest) {
        if (*s == '(' || *s == '[' || *s == '{')
          ++depth;
        else if ((*s == ')' || *s == ']' || *s == '}') && depth > 0)
          --depth;
      }
      if (closed) {
        out.append(left, right);
        out += ' ';
        left = s;
        closed = false;
      }
      if (*s == '\'')
        s = skip_single_quote(s, end);
      else if (*s == '"')
        s = skip_double_quote(s, end);
      else if (*s == '\\' && s + 1 < end && s[1] == '<')
        s = skip_backslash(s, end);
      else
        ++s;
      right = s;
    }
  }
  if (stop) *stop = s;
  out.append(left, right);
  return out;
}

bool brackets_balanced(std::string_view str) {
  const char* s = str.data();
  const char* end = s + str.size();
  int depth = 0;
  while (s < end) {
    if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
      s = skip_comment(s, end);
    } else if (*s == '"') {
      s = skip_double_quote(s, end);
    } else if (*s == '\'') {
      s = skip_single_quote(s, end);
    } else if (*s == '\\' && s + 1 < end && s[1] == '<') {
      s = skip_backslash(s, end);
    } else {
      if (*s == '(' || *s == '[' || *s == '{') ++depth;
      if ((*s == ')' || *s == ']' || *s == '}') && --depth < 0) return false;
      ++s;
    }
  }
  return depth == 0;
}

std::vector<std::string> split_spaces(std::string_view str) {
  std::vector<std::string> out;
  const char* s = str.data();
  const char* end = s + str.size();
  while ((s = skip_comment_space(s, end)) < end) {
    const char* t = skip_spacevec_item(s, end);
    out.emplace_back(s, t);
    s = t;
  }
  return out;
}

std::string quote(std::string_view str) {
  std::string out = "\"";
  for (char c : str) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
      case '"':
      case '$':
        out += '\\';
        out += c;
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (u < 32 || u >= 127) {
          out += '\\';
          out += static_cast<char>('0' + (u >> 6));
          out += static_cast<char>('0' + ((u >> 3) & 7));
          out += static_cast<char>('0' + (u & 7));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

bool leading_keyword(std::string_view arg, std::string* keyword, std::string* rest) {
  std::size_t i = 0;
  for (; i < arg.size() && !is_space(arg[i]); ++i) {
    char c = arg[i];
    if (!(is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '?' || c == '!')) return false;
  }
  if (i == 0) return false;
  *keyword = std::string(arg.substr(0, i));
  while (i < arg.size() && is_space(arg[i])) ++i;
  *rest = std::string(arg.substr(i));
  return true;
}

bool ends_in_line_comment(std::string_view str) {
  const char* s = str.data();
  const char* end = s + str.size();
  while (s < end) {
    if (*s == '/' && s + 1 < end && s[1] == '/') {
      const char* e = skip_comment(s, end);
      if (e == end && end[-1] != '\n' && end[-1] != '\r') return true;
      s = e;
    } else if (*s == '/' && s + 1 < end && s[1] == '*') {
      s = skip_comment(s, end);
    } else if (*s == '"') {
      s = skip_double_quote(s, end);
    } else if (*s == '\'') {
      s = skip_single_quote(s, end);
    } else if (*s == '\\' && s + 1 < end && s[1] == '<') {
      s = skip_backslash(s, end);
    } else {
      ++s;
    }
  }
  return false;
}

std::string_view trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace pb::lang::detail
