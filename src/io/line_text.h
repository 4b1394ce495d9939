// src/io/line_text.h — private helpers for erg's line-oriented readers (the online tool's
// per-layer configuration and SCALE-Sim's topology CSV): lines with their numbers, located errors
// and strict integer parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erg/error.h"

namespace erg::io {

// One line of a text, without its end of line ("\n" or "\r\n"); `number` is 1-based.
struct TextLine {
  int number = 0;
  std::string_view text;
};

// The lines of `text` (which must outlive the result). A final line without "\n" is included; an
// empty text has no lines.
std::vector<TextLine> split_lines(const std::string& text);

// An Error at a 1-based column of a line of `origin`, quoting the line.
Error line_error(const std::string& origin, const TextLine& line, int column, std::string message);

// A whole token as a decimal integer: an optional '-' and digits only (no '+', spaces, decimals
// or exponents). nullopt when the text is not one or is out of range.
std::optional<std::int64_t> parse_int64(std::string_view s);
std::optional<std::uint64_t> parse_uint64(std::string_view s);

// True for an optional '-' followed by at least one digit and nothing else (in range or not).
bool looks_like_integer(std::string_view s);

// Leading and trailing spaces, tabs and carriage returns removed.
std::string_view trim(std::string_view s);

}  // namespace erg::io
