// Internal: a dataflow's mapspace for one layer on one arch, as per-dimension factor choices and
// loop-order rules (docs/mapper.md states each one).
//
// A mapping in a mapspace is built from five "slots" per dimension:
//   PE  temporal loop at the PE level (L−1), the innermost;
//   Y,X spatial loops of the buffer level onto the PE array (or onto the MAC units with 2 levels);
//   B   temporal loop at the buffer level;
//   D   temporal loop at level 0 (off-chip), whose factor is whatever the inner slots leave:
//       ceil(bound / (PE·Y·X·B)).
// For each dimension the space lists "inner" options (PE, Y, X factors) and, for each of them, the
// buffer factors B it allows. A mapping is one option per dimension, then one buffer loop order and
// one off-chip loop order among those the dataflow allows.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg::detail {

struct InnerOption {
  std::int64_t pe = 1, y = 1, x = 1;
};

struct DimSpace {
  std::vector<InnerOption> inner;
  std::vector<std::vector<std::int64_t>> buffer;  // per inner option, ascending
};

struct Mapspace {
  Dataflow dataflow = Dataflow::RS;
  int levels = 0;
  int pe = -1;             // PE level, or −1 when the buffer's spatial loops feed MAC units
  int buf = 0;             // the buffer level (0 when the arch has one level)
  int rows = 1, cols = 1;  // the mesh the buffer's spatial loops place work on
  std::array<DimSpace, kNumDims> dims;
  std::vector<std::array<bool, kNumTensors>> keeps;  // per level
  std::vector<Dim> y_order, x_order;  // loop order on each spatial axis (outer to inner)
  std::vector<Dim> pe_order;          // PE temporal loop order (irrelevant to the counts)
  // Buffer temporal loops: those of `b_permuted` dims in every order (if `b_permute`, else in
  // the listed order), then those of `b_inner` dims innermost, in the listed order.
  std::vector<Dim> b_permuted, b_inner;
  bool b_permute = true;
  // Off-chip loops: every order of the non-unit ones if `d_permute`, else the listed order.
  std::vector<Dim> d_dims;
  bool d_permute = true;
  // Row stationary: M and C inner options carry the replica counts t and r in `x` (y = 1); the
  // search places them on the array by place_replicas() once both are chosen.
  bool rs_placement = false;
  // Set by the mapper when --fix pins change some level's kept tensors: its mappings must then be
  // checked against the dataflow's rules.
  bool keeps_pinned = false;
  std::string description;  // one line, for reports
};

// The mapspace of a dataflow on an arch, or why the arch does not suit it. `free` is not a single
// mapspace (it is the union of the others): callers ask for each dataflow in turn.
Result<Mapspace> make_mapspace(Dataflow df, const Layer& layer, const Arch& arch);

// Row-stationary placement of r channel and t filter replicas of a PE set `set_rows` tall: Y takes
// the divisor pair (ry | r, ty | t) that uses the most rows (ties: more channel replicas on Y), X
// the rest. It needs the fewest columns of any placement, so if any placement fits, it does.
struct Placement {
  std::int64_t ry = 1, ty = 1, rx = 1, tx = 1;
};
Placement place_replicas(std::int64_t r, std::int64_t t, std::int64_t set_rows, std::int64_t rows);

// Sorted distinct values ceil(n / j) for j = 1..n: the smallest tile for each tile count.
std::vector<std::int64_t> tile_sizes(std::int64_t n);

}  // namespace erg::detail
