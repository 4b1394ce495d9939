// Internal: a fast, allocation-free counter that returns exactly analytical_counts' Counts.
//
// analytical_counts builds general per-group sums for every mapping. The mapper evaluates millions
// of mappings of one layer, whose boxes (the loops spanning a child tile, a union tile, the MACs
// of one step, the data a parent serves) are suffixes of the nest's non-unit loops. For those the
// sums collapse (fast_counts.cpp explains how): most terms are closed forms, and the rest are
// memoised per counter (per sliding-window sum, per keeping pair, per tensor), keyed by everything
// they depend on. A nest outside that shape goes to the general model, so the result is always
// exact, whatever the memo holds.
#pragma once

#include <cstdint>
#include <memory>

#include "erg/arch.h"
#include "erg/counts.h"
#include "erg/layer.h"
#include "nest.h"  // relative: also included from bench/, which has no src/ include path

namespace erg::detail {

// One per thread per (layer, arch). Holds per-layer tables and memo caches; not thread-safe.
class FastCounter {
 public:
  // The memo has 2^memo_log2_slots slots (~272 bytes each, key arena included) and is emptied
  // when half full; tests shrink it to exercise that.
  FastCounter(const Layer& layer, const Arch& arch, int memo_log2_slots = 14);
  ~FastCounter();
  FastCounter(const FastCounter&) = delete;
  FastCounter& operator=(const FastCounter&) = delete;

  // REQUIRES: nest describes a mapping of this layer on this arch that passes validate_mapping
  // (loops of factor 1 may be absent), with strides and level starts set (flatten or
  // finish_nest). `out` is overwritten (its vector reused: no allocation once sized, except for
  // nests of another shape, which go to the general model).
  // Result == analytical_counts(layer, arch, mapping) exactly, every field.
  void count(const Nest& nest, Counts& out);

  // count, for the tensors t with bit t of `tensors` set, without the whole-tensor memo (for a
  // caller that keeps its own per-tensor cache): their TensorAccess fields equal
  // analytical_counts' exactly, as do macs and compute_cycles, and mac_hops when the outputs are
  // counted; the other tensors' fields are unspecified.
  void count_tensors(const Nest& nest, Counts& out, unsigned tensors);

  struct Stats {
    std::uint64_t fast = 0;           // nests counted by the fast path
    std::uint64_t general = 0;        // nests handed to the general model
    std::uint64_t tensor_hits = 0;    // tensors whose counts were found in the memo
    std::uint64_t tensor_misses = 0;  // tensors whose counts were computed (and stored)
    std::uint64_t pair_hits = 0;      // keeping pairs whose sums were found in the memo
    std::uint64_t pair_misses = 0;    // keeping pairs whose sums were computed (and stored)
    std::uint64_t memo_hits = 0;      // enumerated sums found in the memo
    std::uint64_t memo_misses = 0;    // enumerated sums computed (and stored)
    std::uint64_t memo_clears = 0;    // times the memo was full and emptied
  };
  const Stats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace erg::detail
