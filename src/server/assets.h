// Internal: the page's files (web/), embedded in the binary at build time by
// cmake/embed_assets.cmake. `erg serve` answers a GET for "/" + a file's name with it and nothing
// else: no path from a request ever reaches the file system.
#pragma once

#include <span>
#include <string_view>

namespace erg {

struct Asset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

std::span<const Asset> assets();

// The asset served at `path` ("/" is /index.html), or null.
const Asset* find_asset(std::string_view path);

}  // namespace erg
