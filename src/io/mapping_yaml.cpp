// Reading and writing mapping files (parse_mapping_yaml, mapping_to_yaml).
//
// Only syntax and names are checked here (dimensions, level names and order, tensor names, factors
// ≥ 1); whether the factors fit a layer and the arch is validate_mapping's job (mapping.h).
#include <fmt/format.h>

#include <limits>

#include "erg/io.h"
#include "io/yaml_reader.h"

namespace erg {

namespace {

using io::Field;
using io::MapView;

LevelMapping read_level(const MapView& lm, const StorageLevel& arch_level) {
  LevelMapping out;
  out.keeps = arch_level.keeps;
  if (const Field* f = lm.find("temporal"))
    out.temporal = io::read_loop_list(lm, *f, std::numeric_limits<std::int64_t>::max());
  if (const Field* f = lm.find("spatial_x"))
    out.spatial_x = io::read_loop_list(lm, *f, std::numeric_limits<std::int64_t>::max());
  if (const Field* f = lm.find("spatial_y"))
    out.spatial_y = io::read_loop_list(lm, *f, std::numeric_limits<std::int64_t>::max());
  if (const Field* f = lm.find("keep")) {
    out.keeps = io::read_tensor_set(lm, *f);
    for (Tensor t : kAllTensors) {
      if (out.keeps[static_cast<int>(t)] && !arch_level.keeps[static_cast<int>(t)])
        lm.fail_field(*f, fmt::format("the arch level does not keep {} (it keeps {})",
                                      tensor_name(t), io::yaml_tensor_list(arch_level.keeps)));
    }
  }
  return out;
}

Mapping read_mapping(const io::Source& src, const Arch& arch) {
  const YAML::Node root = io::load_document(src);
  MapView top(src, root, "");
  top.allow({"version", "mapping"});
  io::check_version(top);
  const Field& list = top.require("mapping");
  const std::vector<YAML::Node> nodes = io::read_list(top, list);

  Mapping mapping;
  mapping.levels.resize(arch.levels.size());
  int next = 0;  // the arch level the next entry must name
  std::vector<int> first_line(arch.levels.size(), 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // Named "level 'GLB'" as soon as the entry says which level it is.
    std::string owner = io::entry_owner(nodes[i], "level", "level", i);
    if (owner.find('\'') == std::string::npos) owner = fmt::format("mapping entry {}", i + 1);
    MapView lm(src, nodes[i], owner);
    const Field& name_field = lm.require("level");
    const std::string name = io::read_name(lm, name_field);
    lm.set_owner("level '" + name + "'");
    lm.allow({"level", "temporal", "spatial_x", "spatial_y", "keep"});
    auto index = arch.level_index(name);
    if (!index) src.fail(name_field.mark(), index.error().message);
    if (*index < next) {  // levels before `next` are all taken: this one is a repeat
      src.fail(name_field.mark(),
               fmt::format("level '{}' is listed twice (first on line {}); list each arch level "
                           "once, outermost first",
                           name, first_line[static_cast<std::size_t>(*index)]));
    }
    if (*index > next) {
      src.fail(name_field.mark(),
               fmt::format("the mapping has no entry for level '{}', which comes before '{}' "
                           "(list each arch level once, outermost first)",
                           arch.levels[next].name, arch.levels[*index].name));
    }
    mapping.levels[*index] = read_level(lm, arch.levels[*index]);
    first_line[static_cast<std::size_t>(*index)] = name_field.key_node.Mark().line + 1;
    ++next;
  }
  if (next < arch.num_levels()) {
    top.fail(next == 0 ? list.mark() : nodes.back().Mark(),
             fmt::format("the mapping has no entry for level '{}' (every arch level needs one)",
                         arch.levels[next].name));
  }
  return mapping;
}

std::string loops_yaml(const std::vector<Loop>& loops) {
  std::string out = "[";
  for (const Loop& l : loops) {
    if (out.size() > 1) out += ", ";
    out += fmt::format("{}: {}", dim_name(l.dim), l.factor);
  }
  return out + "]";
}

}  // namespace

Result<Mapping> parse_mapping_yaml(const std::string& text, const std::string& origin,
                                   const Arch& arch) {
  const io::Source src(text, origin);
  try {
    return read_mapping(src, arch);
  } catch (const io::ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, e.msg);
  }
}

std::string mapping_to_yaml(const Arch& arch, const Mapping& mapping) {
  std::string out = "version: 1\n";
  std::string arch_name = arch.name;
  for (char& c : arch_name)
    if (c == '\n' || c == '\r') c = ' ';  // keep the comment on one line
  out += "# arch: " + arch_name + "\n";
  out += "mapping:\n";
  for (std::size_t i = 0; i < mapping.levels.size(); ++i) {
    const LevelMapping& lm = mapping.levels[i];
    const std::string name =
        i < arch.levels.size() ? arch.levels[i].name : fmt::format("level{}", i + 1);
    out += "  - level: " + io::yaml_string(name) + "\n";
    if (!lm.temporal.empty()) out += "    temporal: " + loops_yaml(lm.temporal) + "\n";
    if (!lm.spatial_x.empty()) out += "    spatial_x: " + loops_yaml(lm.spatial_x) + "\n";
    if (!lm.spatial_y.empty()) out += "    spatial_y: " + loops_yaml(lm.spatial_y) + "\n";
    out += "    keep: " + io::yaml_tensor_list(lm.keeps) + "\n";
  }
  return out;
}

}  // namespace erg
