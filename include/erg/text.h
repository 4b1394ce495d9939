// erg/text.h — small text helpers shared by the library and the front ends.
#pragma once

#include <string>
#include <string_view>

namespace erg {

// ASCII lower case, for case-insensitive names (zoo networks, presets, dims, keys).
std::string ascii_lower(std::string_view s);

}  // namespace erg
