// The energy breakdowns of breakdown.h.
#include "report/breakdown.h"

#include "erg/text.h"

namespace erg::detail {
namespace {

bool has_network_energy(const Energy& e, int level) {
  return level < static_cast<int>(e.network.size()) && e.network_total(level) != 0.0;
}

}  // namespace

TypeSplit type_split(const Energy& e) {
  TypeSplit s;
  s.compute = e.compute;
  s.weights = e.tensor_total(Tensor::Weights);
  s.ifmap = e.tensor_total(Tensor::Inputs);
  s.ofmap = e.tensor_total(Tensor::Outputs);  // includes compute_network (psum reduction)
  s.total = s.compute + s.weights + s.ifmap + s.ofmap;
  return s;
}

void add_into(TypeSplit& a, const TypeSplit& b) {
  a.total += b.total;
  a.compute += b.compute;
  a.weights += b.weights;
  a.ifmap += b.ifmap;
  a.ofmap += b.ofmap;
}

double column_value(const LevelColumn& c, const Energy& e) {
  switch (c.kind) {
    case LevelColumn::Kind::Storage:
      return c.level < static_cast<int>(e.storage.size()) ? e.level_total(c.level) : 0.0;
    case LevelColumn::Kind::Network:  // level -1: a named network that carries no energy
      return c.level >= 0 && c.level < static_cast<int>(e.network.size()) ? e.network_total(c.level)
                                                                          : 0.0;
    case LevelColumn::Kind::Compute:
      return e.compute + e.compute_network;
  }
  return 0.0;
}

std::vector<LevelColumn> arch_columns(const Arch& arch, const Energy& e) {
  std::vector<LevelColumn> cols;
  for (int i = 0; i < arch.num_levels(); ++i) {
    cols.push_back({LevelColumn::Kind::Storage, i, arch.levels[i].name});
  }
  for (int i = 0; i < arch.num_levels(); ++i) {
    const StorageLevel& s = arch.levels[i];
    if (s.hop_energy > 0 || has_network_energy(e, i)) {
      cols.push_back({LevelColumn::Kind::Network, i,
                      s.network_name.empty() ? s.name + " network" : s.network_name});
    }
  }
  cols.push_back({LevelColumn::Kind::Compute, 0, arch.compute.name});
  return cols;
}

std::vector<LevelColumn> estimate_columns(const NetworkEstimate& est) {
  const Arch& arch = est.hardware;
  std::vector<LevelColumn> cols;
  for (int i = 0; i < arch.num_levels(); ++i)
    cols.push_back({LevelColumn::Kind::Storage, i, arch.levels[i].name});
  for (int i = 0; i < arch.num_levels(); ++i) {
    const StorageLevel& s = arch.levels[i];
    bool used = s.hop_energy > 0;
    for (const LayerResult& r : est.layers) used = used || has_network_energy(r.eval.energy, i);
    if (used)
      cols.push_back({LevelColumn::Kind::Network, i,
                      s.network_name.empty() ? s.name + " network" : s.network_name});
  }
  cols.push_back({LevelColumn::Kind::Compute, 0, arch.compute.name});
  return cols;
}

std::string unit_phrase(const std::string& unit) {
  if (ascii_lower(unit) == "mac") return "× MAC energy";
  return unit.empty() ? "arbitrary units" : unit;
}

}  // namespace erg::detail
