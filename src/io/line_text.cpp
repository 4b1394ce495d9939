// Helpers for the line-oriented readers (src/io/line_text.h).
#include "io/line_text.h"

#include <charconv>

namespace erg::io {

std::vector<TextLine> split_lines(const std::string& text) {
  std::vector<TextLine> lines;
  std::size_t start = 0;
  int number = 1;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const std::size_t next = end == std::string::npos ? text.size() : end + 1;
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number++, line});
    start = next;
  }
  return lines;
}

Error line_error(const std::string& origin, const TextLine& line, int column, std::string message) {
  Error e;
  e.message = std::move(message);
  e.file = origin;
  e.line = line.number;
  e.column = column < 1 ? 1 : column;
  e.source_line = std::string(line.text);
  return e;
}

bool looks_like_integer(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

template <class T>
static std::optional<T> parse_whole(std::string_view s) {
  if (!looks_like_integer(s)) return std::nullopt;
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int64(std::string_view s) { return parse_whole<std::int64_t>(s); }

std::optional<std::uint64_t> parse_uint64(std::string_view s) {
  if (!s.empty() && s.front() == '-') return std::nullopt;
  return parse_whole<std::uint64_t>(s);
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace erg::io
