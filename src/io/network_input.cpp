// load_network_input (erg/network_input.h): picks a network reader by extension, else by
// content.
#include "erg/network_input.h"

#include <filesystem>
#include <string_view>

#include "erg/io.h"
#include "erg/scalesim.h"
#include "erg/text.h"
#include "erg/tool_format.h"
#include "io/line_text.h"

namespace erg {

namespace {

enum class Format { Yaml, ScaleSim, Tool, Unknown };

Format format_of_extension(const std::string& ext) {
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return Format::Yaml;
  if (ext == ".csv") return Format::ScaleSim;
  if (ext == ".txt" || ext == ".cfg" || ext == ".tool") return Format::Tool;
  return Format::Unknown;
}

// The format the first meaningful line suggests.
Format sniff(const std::string& text) {
  for (const io::TextLine& line : io::split_lines(text)) {
    const std::string_view t = io::trim(line.text);
    if (t.empty() || t.front() == '#') continue;
    if (t.front() == '{' || t.substr(0, 8) == "version:" || t.substr(0, 3) == "---")
      return Format::Yaml;
    const std::size_t end = t.find_first_of(" \t,");
    if (io::looks_like_integer(t.substr(0, end))) return Format::Tool;
    const std::size_t comma = t.find(',');
    if (comma != std::string_view::npos) {
      std::string_view second = t.substr(comma + 1);
      second = io::trim(second.substr(0, second.find(',')));
      const std::string s = ascii_lower(second);
      if (s.rfind("ifmap", 0) == 0 || s == "m") return Format::ScaleSim;
    }
    return Format::Unknown;
  }
  return Format::Unknown;
}

}  // namespace

const std::vector<std::string>& network_input_extensions() {
  static const std::vector<std::string> exts = {".yaml", ".yml", ".json", ".csv",
                                                ".txt",  ".cfg", ".tool"};
  return exts;
}

namespace {

Error unknown_format(const std::string& name) {
  std::string list;
  for (const auto& e : network_input_extensions()) list += (list.empty() ? "" : ", ") + e;
  Error e = make_error(
      "cannot tell the format of this network file from its extension or its first line; "
      "accepted extensions: " +
      list + " (erg YAML/JSON, SCALE-Sim CSV, the online tool's per-layer text; docs/formats.md)");
  e.file = name;
  return e;
}

// Text in a known format (or the error listing the formats).
Result<Network> parse_as(Format f, const std::string& text, const std::string& name) {
  switch (f) {
    case Format::Yaml:
      return parse_network_yaml(text, name);
    case Format::ScaleSim:
      return parse_scalesim_csv(text, name);
    case Format::Tool:
      return parse_tool_config(text, name);
    case Format::Unknown:
      break;
  }
  return unknown_format(name);
}

std::string extension_of(const std::string& name) {
  return ascii_lower(std::filesystem::path(name).extension().string());
}

}  // namespace

Result<Network> load_network_input(const std::string& path) {
  switch (format_of_extension(extension_of(path))) {
    case Format::Yaml:
      return load_network_file(path);
    case Format::ScaleSim:
      return load_scalesim_csv_file(path);
    case Format::Tool:
      return load_tool_config_file(path);
    case Format::Unknown:
      break;
  }
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_as(sniff(*text), *text, path);
}

Result<Network> parse_network_input(const std::string& text, const std::string& name,
                                    std::string* format) {
  Format f = format_of_extension(extension_of(name));
  if (f == Format::Unknown) f = sniff(text);
  static constexpr const char* kNames[] = {"erg", "scalesim", "tool", ""};
  if (format) *format = kNames[static_cast<int>(f)];
  return parse_as(f, text, name);
}

}  // namespace erg
