// Reading and writing architecture files (parse_arch_yaml, arch_to_yaml). The schema is documented
// at the top of archs/eyeriss.yaml and in docs/model.md.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "erg/io.h"
#include "erg/text.h"
#include "io/yaml_reader.h"

namespace erg {

namespace {

using io::Field;
using io::MapView;

// Mesh sides are ints in StorageLevel; anything near this is absurd for a chip anyway.
constexpr std::int64_t kMaxMeshSide = std::int64_t{1} << 24;

Compression read_compression(const MapView& m, const YAML::Node& node, const YAML::Mark& where,
                             const std::string& what) {
  static const std::vector<std::string> names = {"none", "sigmap", "rle"};
  if (!node.IsScalar())
    m.fail(where, "expected none, sigmap or rle for " + what + ", got " + io::describe(node));
  const std::string s = ascii_lower(node.Scalar());
  if (s == "none") return Compression::None;
  if (s == "sigmap" || s == "significance-map") return Compression::SigMap;
  if (s == "rle" || s == "run-length") return Compression::RunLength;
  m.fail(where, "unknown compression '" + node.Scalar() + "' for " + what +
                    did_you_mean(node.Scalar(), names) + "; expected none, sigmap or rle");
}

void read_mesh(const MapView& owner, const Field& f, const std::string& owner_name, int* x,
               int* y) {
  MapView mesh = io::sub_map(owner, f, owner_name, "mesh.");
  mesh.allow({"x", "y"});
  if (const Field* fx = mesh.find("x"))
    *x = static_cast<int>(io::read_int(mesh, *fx, 1, kMaxMeshSide));
  if (const Field* fy = mesh.find("y"))
    *y = static_cast<int>(io::read_int(mesh, *fy, 1, kMaxMeshSide));
}

void read_energy(const MapView& lv, const Field& f, StorageLevel* level) {
  struct Action {
    const char* name;
    double StorageLevel::*energy;
  };
  static constexpr Action kActions[] = {{"read", &StorageLevel::read_energy},
                                        {"write", &StorageLevel::write_energy},
                                        {"update", &StorageLevel::update_energy}};
  MapView e = io::sub_map(lv, f, lv.owner(), "energy.");
  e.allow({"read", "write", "update"});
  // Updates are partial sums written back; a level that never holds outputs has none.
  const bool keeps_outputs = level->keeps[static_cast<int>(Tensor::Outputs)];
  for (const Action& action : kActions) {
    const bool is_update = action.energy == &StorageLevel::update_energy;
    const Field* a = e.find(action.name);
    if (a == nullptr) {
      if (is_update && !keeps_outputs) continue;
      lv.fail(f.mark(), fmt::format("energy has no '{}' entry{}", action.name,
                                    is_update ? " (the level keeps outputs)" : ""));
    }
    level->*action.energy = io::read_number(e, *a);
  }
}

void read_capacity(const MapView& lv, const Field& f, StorageLevel* level) {
  if (!f.value.IsMap()) {  // one number: the kept tensors share it
    level->partitioned = false;
    level->capacity = io::read_uint64(lv, f);
    return;
  }
  // A map: each kept tensor has its own partition.
  MapView cap = io::sub_map(lv, f, lv.owner(), "capacity.");
  level->partitioned = true;
  std::array<bool, kNumTensors> seen{false, false, false};
  for (const Field& entry : cap.fields()) {
    const Tensor t = io::read_tensor(cap, entry.key_node, entry.key_node.Mark(), "'capacity'");
    const int ti = static_cast<int>(t);
    if (seen[ti])
      cap.fail(entry.key_node.Mark(), fmt::format("'capacity' lists {} twice", tensor_name(t)));
    if (!level->keeps[ti])
      cap.fail(entry.key_node.Mark(),
               fmt::format("'capacity' has an entry for {}, which the level does not keep",
                           tensor_name(t)));
    seen[ti] = true;
    level->capacity_per_tensor[ti] = io::read_uint64(cap, entry);
  }
  for (Tensor t : kAllTensors) {
    const int ti = static_cast<int>(t);
    if (level->keeps[ti] && !seen[ti])
      lv.fail(f.mark(), fmt::format("capacity has no '{}' entry (the level keeps {}; a partitioned "
                                    "capacity needs one per kept tensor)",
                                    tensor_name(t), tensor_name(t)));
  }
  level->capacity = 0;  // unused when partitioned (see StorageLevel)
}

void read_compressions(const MapView& lv, const Field& f, StorageLevel* level) {
  if (f.value.IsScalar()) {  // `compression: sigmap` applies to all three tensors
    const Compression c = read_compression(lv, f.value, f.mark(), "'compression'");
    level->compression = {c, c, c};
    return;
  }
  MapView cm = io::sub_map(lv, f, lv.owner(), "compression.");
  std::array<bool, kNumTensors> seen{false, false, false};
  for (const Field& entry : cm.fields()) {
    const Tensor t = io::read_tensor(cm, entry.key_node, entry.key_node.Mark(), "'compression'");
    const int ti = static_cast<int>(t);
    if (seen[ti])
      cm.fail(entry.key_node.Mark(), fmt::format("'compression' lists {} twice", tensor_name(t)));
    seen[ti] = true;
    level->compression[ti] =
        read_compression(cm, entry.value, entry.mark(), "'compression." + entry.key + "'");
  }
}

StorageLevel read_level(const io::Source& src, const YAML::Node& node, std::size_t index) {
  MapView lv(src, node, io::entry_owner(node, "name", "level", index));
  StorageLevel level;
  level.name = io::read_name(lv, lv.require("name"));
  lv.set_owner("level '" + level.name + "'");
  lv.allow({"name", "keeps", "capacity", "word_bits", "energy", "compression", "rle_run_bits",
            "bandwidth", "mesh", "network"});

  // `keeps` first: whether `update` energy and capacity partitions are required depends on it.
  if (const Field* f = lv.find("keeps")) level.keeps = io::read_tensor_set(lv, *f);
  if (const Field* f = lv.find("word_bits"))
    level.word_bits = static_cast<int>(io::read_int(lv, *f, 1, 64));
  read_energy(lv, lv.require("energy"), &level);
  if (const Field* f = lv.find("capacity")) read_capacity(lv, *f, &level);
  if (const Field* f = lv.find("compression")) read_compressions(lv, *f, &level);
  if (const Field* f = lv.find("rle_run_bits"))
    level.rle_run_bits = static_cast<int>(io::read_int(lv, *f, 1, 32));
  if (const Field* f = lv.find("bandwidth")) level.bandwidth = io::read_number(lv, *f);
  const Field* mesh = lv.find("mesh");
  if (mesh != nullptr) read_mesh(lv, *mesh, lv.owner(), &level.mesh_x, &level.mesh_y);

  if (const Field* f = lv.find("network")) {
    MapView net = io::sub_map(lv, *f, lv.owner(), "network.");
    net.allow({"name", "hop"});
    level.network_name = level.name + " network";
    if (const Field* n = net.find("name")) level.network_name = io::read_name(net, *n);
    level.hop_energy = io::read_number(net, net.require("hop"));
  } else if (level.instances_per_parent() > 1) {
    lv.fail(mesh->mark(),
            fmt::format("mesh {}x{} has more than one instance per parent but there is no "
                        "'network' (the energy of one word moved between siblings, e.g. "
                        "network: {{name: array, hop: 2}})",
                        level.mesh_x, level.mesh_y));
  }
  return level;
}

ComputeUnit read_compute(const MapView& top, const Field& f) {
  MapView cm = io::sub_map(top, f, "compute", "");
  cm.allow({"name", "energy", "reference_bits", "mesh", "hop"});
  ComputeUnit c;
  if (const Field* n = cm.find("name")) c.name = io::read_name(cm, *n);
  c.mac_energy = io::read_number(cm, cm.require("energy"));
  if (const Field* b = cm.find("reference_bits"))
    c.reference_bits = static_cast<int>(io::read_int(cm, *b, 1, 64));
  const Field* mesh = cm.find("mesh");
  if (mesh != nullptr) read_mesh(cm, *mesh, "compute", &c.mesh_x, &c.mesh_y);
  if (const Field* h = cm.find("hop")) {
    c.hop_energy = io::read_number(cm, *h);
  } else if (c.mesh_x * static_cast<std::int64_t>(c.mesh_y) > 1) {
    cm.fail(mesh->mark(), fmt::format("mesh {}x{} has more than one MAC per instance but there "
                                      "is no 'hop' (the energy of reducing a partial sum "
                                      "between neighbouring MACs)",
                                      c.mesh_x, c.mesh_y));
  }
  return c;
}

Arch read_arch(const io::Source& src) {
  const YAML::Node root = io::load_document(src);
  MapView top(src, root, "");
  top.allow({"version", "name", "unit", "description", "levels", "compute"});
  io::check_version(top);
  Arch arch;
  arch.name = io::read_name(top, top.require("name"));
  if (const Field* f = top.find("unit")) arch.unit = io::read_name(top, *f);
  if (const Field* f = top.find("description")) (void)io::read_string(top, *f);

  const Field& levels = top.require("levels");
  const std::vector<YAML::Node> nodes = io::read_list(top, levels);
  if (nodes.empty()) top.fail_field(levels, "an arch needs at least one storage level");
  if (nodes.size() > static_cast<std::size_t>(kMaxArchLevels))
    top.fail_field(levels, fmt::format("{} storage levels; erg handles at most {}", nodes.size(),
                                       kMaxArchLevels));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    StorageLevel level = read_level(src, nodes[i], i);
    for (const StorageLevel& prev : arch.levels) {
      if (ascii_lower(prev.name) == ascii_lower(level.name))
        src.fail(nodes[i].Mark(), fmt::format("level name '{}' is used twice (names are "
                                              "case-insensitive)",
                                              level.name));
    }
    if (i == 0 && !std::all_of(level.keeps.begin(), level.keeps.end(), [](bool k) { return k; }))
      src.fail(nodes[i].Mark(),
               fmt::format("level '{}': the outermost level must keep all three tensors (it "
                           "keeps {})",
                           level.name, io::yaml_tensor_list(level.keeps)));
    arch.levels.push_back(std::move(level));
  }
  arch.compute = read_compute(top, top.require("compute"));

  // Whatever the per-field checks missed (e.g. instance counts overflowing) still fails here.
  Status st = arch.validate();
  if (!st) src.fail(root.Mark(), st.error().message);
  return arch;
}

}  // namespace

Result<Arch> parse_arch_yaml(const std::string& text, const std::string& origin) {
  const io::Source src(text, origin);
  try {
    return read_arch(src);
  } catch (const io::ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, e.msg);
  }
}

std::string arch_to_yaml(const Arch& arch) {
  using io::yaml_number;
  using io::yaml_string;
  std::string out;
  out += "# Written by erg; the schema is described in docs/model.md.\n";
  out += "version: 1\n";
  out += "name: " + yaml_string(arch.name) + "\n";
  out += "unit: " + yaml_string(arch.unit) + "\n";
  out += "levels:\n";
  for (const StorageLevel& l : arch.levels) {
    out += "  - name: " + yaml_string(l.name) + "\n";
    out += "    keeps: " + io::yaml_tensor_list(l.keeps) + "\n";
    if (l.mesh_x != 1 || l.mesh_y != 1)
      out += fmt::format("    mesh: {{x: {}, y: {}}}\n", l.mesh_x, l.mesh_y);
    if (l.partitioned) {
      std::string parts;
      for (Tensor t : kAllTensors) {
        if (!l.keeps[static_cast<int>(t)]) continue;
        parts += fmt::format("{}{}: {}", parts.empty() ? "" : ", ", tensor_name(t),
                             l.capacity_per_tensor[static_cast<int>(t)]);
      }
      out += "    capacity: {" + parts + "}\n";
    } else if (l.capacity != 0) {
      out += fmt::format("    capacity: {}\n", l.capacity);
    }
    out += fmt::format("    word_bits: {}\n", l.word_bits);
    out +=
        fmt::format("    energy: {{read: {}, write: {}, update: {}}}\n", yaml_number(l.read_energy),
                    yaml_number(l.write_energy), yaml_number(l.update_energy));
    if (std::any_of(l.compression.begin(), l.compression.end(),
                    [](Compression c) { return c != Compression::None; })) {
      out += fmt::format("    compression: {{weights: {}, inputs: {}, outputs: {}}}\n",
                         compression_name(l.compression[0]), compression_name(l.compression[1]),
                         compression_name(l.compression[2]));
    }
    const bool rle = std::find(l.compression.begin(), l.compression.end(),
                               Compression::RunLength) != l.compression.end();
    if (rle || l.rle_run_bits != StorageLevel{}.rle_run_bits)
      out += fmt::format("    rle_run_bits: {}\n", l.rle_run_bits);
    if (l.bandwidth != 0) out += "    bandwidth: " + yaml_number(l.bandwidth) + "\n";
    if (!l.network_name.empty() || l.hop_energy != 0 || l.instances_per_parent() > 1) {
      out += fmt::format("    network: {{name: {}, hop: {}}}\n",
                         yaml_string(l.network_name.empty() ? l.name + " network" : l.network_name),
                         yaml_number(l.hop_energy));
    }
  }
  const ComputeUnit& c = arch.compute;
  out += "compute:\n";
  out += "  name: " + yaml_string(c.name) + "\n";
  out += "  energy: " + yaml_number(c.mac_energy) + "\n";
  out += fmt::format("  reference_bits: {}\n", c.reference_bits);
  if (c.mesh_x != 1 || c.mesh_y != 1)
    out += fmt::format("  mesh: {{x: {}, y: {}}}\n", c.mesh_x, c.mesh_y);
  if (c.hop_energy != 0 || c.mesh_x != 1 || c.mesh_y != 1)
    out += "  hop: " + yaml_number(c.hop_energy) + "\n";
  return out;
}

}  // namespace erg
