// Internal: the page `erg serve` shows at /, embedded in the binary (src/server/page.cpp).
#pragma once

#include <string_view>

namespace erg {

std::string_view page_html();

}  // namespace erg
