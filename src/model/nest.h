// Internal: a mapping flattened into one ordered list of loops, shared by the analytical model,
// the reference evaluator and the mapping checks.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "erg/arch.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg::detail {

struct FlatLoop {
  Dim dim = Dim::N;
  std::int64_t factor = 1;
  int level = 0;
  bool spatial = false;
  int axis = 0;             // spatial: 0 = X, 1 = Y
  std::int64_t stride = 1;  // position step of this loop's index in its dimension
};

struct Nest {
  std::vector<FlatLoop> loops;   // outermost first: per level, temporal loops then spatial X, Y
  std::vector<int> level_begin;  // first loop of each level; level_begin[L] = loops.size()
  std::vector<int> level_spatial_begin;  // first spatial loop of each level
  std::array<std::int64_t, kNumDims> bound{};
  std::vector<std::array<bool, kNumTensors>> keeps;  // per level
  int num_levels = 0;
};

Nest flatten(const Layer& layer, const Mapping& mapping);

// (Re)computes `level_begin`, `level_spatial_begin` and every loop's `stride` for a Nest whose
// `loops` (ordered as flatten orders them: by level, temporal before spatial), `keeps`,
// `num_levels` and `bound` were filled directly. Loops of factor 1 may be absent. Reuses the
// vectors' capacity.
void finish_nest(Nest& nest);

// Levels that keep a tensor, outermost first (level 0 always).
std::vector<int> keeping_levels(const Nest& nest, Tensor t);

// Number of distinct values of {p*u + r*d : 0 <= p < lp, 0 <= r < lr}.
std::int64_t strided_span_count(std::int64_t lp, std::int64_t lr, std::int64_t u, std::int64_t d);

}  // namespace erg::detail
