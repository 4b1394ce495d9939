// find_asset (src/server/assets.h); the table itself is generated (cmake/embed_assets.cmake).
#include "server/assets.h"

namespace erg {

const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const Asset& a : assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace erg
