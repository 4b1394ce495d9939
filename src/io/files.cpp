// File access for the io module: size-limited reads, the load_* wrappers, and the embedded
// architecture presets.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "erg/io.h"
#include "io/presets.h"

namespace erg {

Result<std::string> read_text_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return make_error(fmt::format("cannot read '{}': no such file", path));
  if (fs::is_directory(st))
    return make_error(fmt::format("cannot read '{}': it is a directory", path));
  // Sizes are checked before reading (when the file system knows them) and again while reading,
  // so a pipe or a file that grows cannot slip past the limit.
  if (fs::is_regular_file(st)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > kMaxInputBytes)
      return make_error(fmt::format("'{}' is {} bytes, more than the {} MiB input limit", path,
                                    size, kMaxInputBytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxInputBytes)
      return make_error(
          fmt::format("'{}' is more than the {} MiB input limit", path, kMaxInputBytes >> 20));
  }
  if (in.bad()) return make_error(fmt::format("error while reading '{}'", path));
  return text;
}

Result<Arch> load_arch_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_arch_yaml(*text, path);
}

Result<Network> load_network_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_network_yaml(*text, path);
}

Result<Mapping> load_mapping_file(const std::string& path, const Arch& arch) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_mapping_yaml(*text, path, arch);
}

const std::vector<std::string>& arch_preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, text] : detail::embedded_presets()) n.push_back(name);
    return n;
  }();
  return names;
}

Result<Arch> load_arch(const std::string& name_or_path) {
  for (const auto& [name, text] : detail::embedded_presets()) {
    if (name == name_or_path) return parse_arch_yaml(text, "<preset " + name + ">");
  }
  std::error_code ec;
  if (std::filesystem::exists(name_or_path, ec)) return load_arch_file(name_or_path);
  // Preset names are matched exactly first, so a file called like a preset in another case wins.
  for (const auto& [name, text] : detail::embedded_presets()) {
    if (name.size() == name_or_path.size() &&
        std::equal(name.begin(), name.end(), name_or_path.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      return parse_arch_yaml(text, "<preset " + name + ">");
  }
  const auto& names = arch_preset_names();
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return make_error(fmt::format("no architecture preset or file named '{}'{}; presets: {}",
                                name_or_path, did_you_mean(name_or_path, names), list));
}

}  // namespace erg
