// Internal: hooks into the mapper's search (src/mapper/mapper.cpp) for tests and benchmarks.
#pragma once

#include <cstdint>
#include <string>

#include "erg/mapper.h"

namespace erg::detail {

struct SearchTuning {
  // Lower bounds (and the pruning they allow). Off: every mapping that fits the hardware is
  // evaluated, as for_each_mapping visits it (benchmarks measure evaluations per second so).
  bool bounds = true;
};

// map_layer with tuning knobs. map_layer(l, a, o) == map_layer_tuned(l, a, o, SearchTuning{}).
Result<MapperResult> map_layer_tuned(const Layer& layer, const Arch& arch,
                                     const MapperOptions& options, const SearchTuning& tuning);

// Every lower bound the search computes on the path to a mapping (the frontier node, the inner
// tuple, the buffer tuple), compared with the mapping's exact energy and cycles.
struct BoundCheck {
  std::uint64_t mappings = 0;    // mappings evaluated exactly and checked
  std::uint64_t checks = 0;      // bound ≤ exact comparisons made
  std::uint64_t violations = 0;  // comparisons where the bound exceeded the exact value
  std::string first_violation;   // what and where, for the first one
  // Tightness: the largest bound / exact ratio seen per stage (energy), 1 = exact.
  double tightest_frontier = 0, tightest_inner = 0, tightest_tuple = 0;
};

// Visits the dataflow's mapspace in enumeration order and, for every `every`-th mapping that fits
// the hardware (at most `max_mappings` of them), checks the bounds above: energy bound ≤ energy
// and cycles bound ≤ cycles at every stage (frontier node, inner tuple, the inner tuple's class of
// buffer factors, buffer tuple).
Result<BoundCheck> check_bounds(const Layer& layer, const Arch& arch, Dataflow dataflow,
                                std::uint64_t max_mappings, std::uint64_t every = 1);

}  // namespace erg::detail
