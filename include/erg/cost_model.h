// erg/cost_model.h — the analytical model: (layer, arch, mapping) → counts → energy and cycles.
//
// A pure function: no globals, no I/O. The counting rules are in docs/model.md; in short, for each
// tensor and each pair of adjacent levels that keep it (parent a above child i):
//   - a child instance holds exactly its current tile; when the tile changes only the elements it
//     does not already hold are filled (so sliding windows are reused);
//   - an element newly needed by a child comes from a sibling (one hop) if some sibling under the
//     same parent held it in the previous step, else it is read once from the parent and
//     multicast to every child that needs it;
//   - partial sums: when an output element leaves the children's tiles it is reduced across the
//     siblings that hold it (one hop per extra holder) and written to the parent once (an update);
//     when it re-enters after having been started, the parent's partial is read once.
//   - under the innermost level that keeps a tensor, every MAC step reads each distinct operand
//     once and updates each distinct output once (a read and an update).
// The analytical counts equal those of the literal reference evaluator exactly.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/counts.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

// REQUIRES: validate_mapping(layer, arch, mapping).ok()
Counts analytical_counts(const Layer& layer, const Arch& arch, const Mapping& mapping);

// Energy breakdown of one layer. Every total is a view of `storage` and `network`.
struct Energy {
  // storage[level][tensor]: accesses of that tensor at that level.
  std::vector<std::array<double, kNumTensors>> storage;
  // network[level][tensor]: sibling hops at that level (the level's network).
  std::vector<std::array<double, kNumTensors>> network;
  double compute = 0;          // non-skipped MACs × MAC energy × bitwidth scaling
  double compute_network = 0;  // psum reduction among the MAC units of one instance (ofmap)

  double tensor_total(Tensor t) const;  // data energy of one data type, all levels and networks
  double level_total(int level) const;  // storage energy of one level
  double network_total(int level) const;
  double data_total() const;
  double total() const { return compute + data_total(); }
};

struct Performance {
  std::uint64_t cycles = 0;  // max(compute cycles, each level's bandwidth-bound cycles)
  std::uint64_t compute_cycles = 0;
  double utilization = 0;        // valid MACs / (cycles × MAC units)
  std::uint64_t active_pes = 0;  // spatial fan-out actually used (product of spatial factors)
};

// Bits moved per element of a tensor stored with a compression scheme at a density
// (significance map: 1 + d·bits; run-length: expected code words × (run bits + bits)).
double bits_per_element(Compression c, int bits, double density, int rle_run_bits);

Energy energy_from_counts(const Layer& layer, const Arch& arch, const Counts& counts);
Performance performance_from_counts(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                    const Counts& counts);

// Everything about one layer under one mapping.
struct LayerEvaluation {
  Counts counts;
  Energy energy;
  Performance perf;
};

// Validates, then evaluates.
Result<LayerEvaluation> evaluate(const Layer& layer, const Arch& arch, const Mapping& mapping);

}  // namespace erg
