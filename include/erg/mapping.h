// erg/mapping.h — how a layer's loop nest is scheduled on an architecture.
//
// A mapping gives, for every storage level of the arch (outermost first):
//   - temporal loops, outer to inner: the level's buffer is reused across their iterations;
//   - spatial loops onto the X and Y axes of the level's children (the next level's instances,
//     or the MAC units below the innermost level);
//   - which tensors the level keeps (a subset of what the arch allows; the rest bypass it).
// The full nest, outermost first, is: level 0's temporal loops, level 0's spatial loops (X then
// Y), level 1's temporal loops, ... down to the innermost level's spatial loops. A dimension may
// be split over several loops; the product of its factors must cover its bound. Products larger
// than the bound (imperfect factors, e.g. 55 ofmap rows as 4 × 14) are allowed: the positions past
// the bound are idle work, which shows up as lower utilisation, never as data or MACs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/layer.h"

namespace erg {

struct Loop {
  Dim dim = Dim::N;
  std::int64_t factor = 1;
  friend bool operator==(const Loop&, const Loop&) = default;
};

struct LevelMapping {
  std::vector<Loop> temporal;   // outer to inner
  std::vector<Loop> spatial_x;  // onto the children's X axis
  std::vector<Loop> spatial_y;  // onto the children's Y axis
  std::array<bool, kNumTensors> keeps{true, true, true};
  friend bool operator==(const LevelMapping&, const LevelMapping&) = default;
};

struct Mapping {
  std::vector<LevelMapping> levels;  // one per arch level
  friend bool operator==(const Mapping&, const Mapping&) = default;
};

// Checks a mapping against a layer and an arch: one entry per level, factors ≥ 1, products cover
// every bound, spatial products fit the child meshes, kept tensors allowed by the arch, level 0
// keeps everything, and every level's tiles fit its capacity. Messages name the level and loop.
Status validate_mapping(const Layer& layer, const Arch& arch, const Mapping& mapping);

// Words each kept tensor's tile occupies at a level (the largest tile over the whole nest;
// padding ignored, so it is a safe upper bound), for capacity checks and reports.
std::array<std::uint64_t, kNumTensors> tile_words(const Layer& layer, const Arch& arch,
                                                  const Mapping& mapping, int level);

// The mapping as a loop nest, the way people draw one:
//   DRAM    for M in [0:2)
//   GLB       for Q in [0:55)
//             spatial-x P in [0:14) ...
// The same, from the product of the factors of each dimension over the levels at or below `level`.
std::array<std::uint64_t, kNumTensors> tile_words_for_extents(
    const Layer& layer, const Arch& arch, std::array<std::int64_t, kNumDims> extents, int level);

std::string loop_nest_string(const Layer& layer, const Arch& arch, const Mapping& mapping);

// Compact per-level text used in reports: "DRAM[M2 C3] GLB[Q55 | x:P14 y:R11] RF[M4 S11]".
std::string mapping_summary(const Arch& arch, const Mapping& mapping);

}  // namespace erg
