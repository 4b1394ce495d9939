// erg/counts.h — the access counts of one layer under one mapping.
//
// Both the analytical model (cost_model.h) and the literal reference evaluator
// (reference_evaluator.h) produce this structure; the test suite checks they are equal. Counts are
// of words (dense data); compression and bitwidths are applied later, when counts become energy.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "erg/layer.h"

namespace erg {

// The kinds of access a level counts for a tensor (the fields of TensorAccess).
enum class AccessKind { Read, Write, Update, Hop };
inline constexpr int kNumAccessKinds = 4;

struct TensorAccess {
  std::uint64_t reads = 0;    // words read out of this level (to children, MACs, or the parent)
  std::uint64_t writes = 0;   // words filled into this level from its parent
  std::uint64_t updates = 0;  // partial sums written into this level by children or MACs
  std::uint64_t hops = 0;     // words moved between sibling instances of this level
  friend bool operator==(const TensorAccess&, const TensorAccess&) = default;
};

struct LevelCounts {
  std::array<TensorAccess, kNumTensors> tensor{};
  friend bool operator==(const LevelCounts&, const LevelCounts&) = default;
};

struct Counts {
  std::vector<LevelCounts> levels;   // one per arch level
  std::uint64_t macs = 0;            // valid (dense) MACs executed
  std::uint64_t mac_hops = 0;        // partial sums reduced between MAC units of one instance
  std::uint64_t compute_cycles = 0;  // product of all temporal factors (one MAC per unit per cycle)
  friend bool operator==(const Counts&, const Counts&) = default;
};

}  // namespace erg
