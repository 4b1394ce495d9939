// Reading partial mappings for `erg map --fix` (parse_pins_yaml, load_pins_file).
//
// The layout is the mapping file's (mapping_yaml.cpp), so a mapping erg wrote is a valid pins file,
// but every level is optional and may come in any order. What each key pins is documented in
// erg/io.h and docs/model.md; whether the pins leave any mapping is the mapper's question.
#include <fmt/format.h>

#include "erg/io.h"
#include "io/yaml_reader.h"

namespace erg {

namespace {

using io::Field;
using io::MapView;

// A factor above this is refused: a product of two (X × Y) still fits in 64 bits, and no layer
// dimension comes anywhere near it.
constexpr std::int64_t kMaxPinFactor = std::int64_t{1} << 30;

// A `[DIM: factor, ...]` list in which each dimension appears once.
std::vector<Loop> read_pin_loops(const MapView& m, const Field& f) {
  std::vector<YAML::Mark> marks;
  std::vector<Loop> loops = io::read_loop_list(m, f, kMaxPinFactor, &marks);
  std::array<int, kNumDims> seen_line{};
  for (std::size_t k = 0; k < loops.size(); ++k) {
    int& first = seen_line[static_cast<std::size_t>(loops[k].dim)];
    if (first != 0) {
      m.fail(marks[k], fmt::format("dimension {} appears twice in {} (first on line {}); a pin "
                                   "gives each dimension's product once",
                                   dim_name(loops[k].dim), m.quoted(f), first));
    }
    first = marks[k].line + 1;
  }
  return loops;
}

MappingPins::Level read_level(const MapView& lm, const Arch& arch, int index) {
  const StorageLevel& arch_level = arch.levels[static_cast<std::size_t>(index)];
  MappingPins::Level out;
  if (const Field* f = lm.find("temporal")) {
    for (const Loop& l : read_pin_loops(lm, *f)) {
      out.temporal[static_cast<std::size_t>(l.dim)] = l.factor;
      out.order.push_back(l.dim);
    }
    if (out.order.size() < 2) out.order.clear();  // one loop has no order to keep
  }
  const Field* spatial = lm.find("spatial");
  for (const char* key : {"spatial_x", "spatial_y"}) {
    const Field* f = lm.find(key);
    if (f == nullptr) continue;
    if (spatial != nullptr) {
      lm.fail_field(*f, fmt::format("give either 'spatial' (the product of X and Y, line {}) or "
                                    "'spatial_x'/'spatial_y', not both",
                                    spatial->key_node.Mark().line + 1));
    }
    for (const Loop& l : read_pin_loops(lm, *f)) {
      auto& p = out.spatial[static_cast<std::size_t>(l.dim)];
      p = (p == 0 ? 1 : p) * l.factor;
    }
  }
  if (spatial != nullptr) {
    for (const Loop& l : read_pin_loops(lm, *spatial))
      out.spatial[static_cast<std::size_t>(l.dim)] = l.factor;
  }
  if (const Field* f = lm.find("keep")) {
    const auto keeps = io::read_tensor_set(lm, *f);
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      if (keeps[ti] && !arch_level.keeps[ti])
        lm.fail_field(*f, fmt::format("the arch level does not keep {} (it keeps {})",
                                      tensor_name(t), io::yaml_tensor_list(arch_level.keeps)));
      if (index == 0 && !keeps[ti])
        lm.fail_field(*f, fmt::format("the outermost level keeps every tensor; {} is missing",
                                      tensor_name(t)));
    }
    out.keeps = keeps;
  }
  return out;
}

MappingPins read_pins(const io::Source& src, const Arch& arch) {
  const YAML::Node root = io::load_document(src);
  MapView top(src, root, "");
  top.allow({"version", "mapping"});
  io::check_version(top);
  const Field& list = top.require("mapping");
  const std::vector<YAML::Node> nodes = io::read_list(top, list);

  MappingPins pins;
  pins.levels.resize(arch.levels.size());
  std::vector<int> first_line(arch.levels.size(), 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::string owner = io::entry_owner(nodes[i], "level", "level", i);
    if (owner.find('\'') == std::string::npos) owner = fmt::format("mapping entry {}", i + 1);
    MapView lm(src, nodes[i], owner);
    const Field& name_field = lm.require("level");
    const std::string name = io::read_name(lm, name_field);
    lm.set_owner("level '" + name + "'");
    lm.allow({"level", "temporal", "spatial", "spatial_x", "spatial_y", "keep"});
    auto index = arch.level_index(name);
    if (!index) src.fail(name_field.mark(), index.error().message);
    int& first = first_line[static_cast<std::size_t>(*index)];
    if (first != 0) {
      src.fail(name_field.mark(),
               fmt::format("level '{}' is listed twice (first on line {}); give each level's pins "
                           "in one entry",
                           name, first));
    }
    first = name_field.key_node.Mark().line + 1;
    pins.levels[static_cast<std::size_t>(*index)] = read_level(lm, arch, *index);
  }
  return pins;
}

}  // namespace

Result<MappingPins> parse_pins_yaml(const std::string& text, const std::string& origin,
                                    const Arch& arch) {
  const io::Source src(text, origin);
  try {
    return read_pins(src, arch);
  } catch (const io::ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, e.msg);
  }
}

Result<MappingPins> load_pins_file(const std::string& path, const Arch& arch) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_pins_yaml(*text, path, arch);
}

}  // namespace erg
