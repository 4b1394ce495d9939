#include "erg/text.h"

#include <algorithm>
#include <cctype>

namespace erg {

std::string ascii_lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r;
}

}  // namespace erg
