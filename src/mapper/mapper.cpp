// The mapper: an exhaustive branch-and-bound search over a dataflow's mapspace (mapspace.h).
//
// Enumeration. A mapping is one inner option (PE, Y, X factors) per dimension, then one buffer
// factor per dimension, then one buffer and one off-chip loop order among those allowed. The
// canonical enumeration order (which breaks exact ties, and which for_each_mapping follows) takes
// the dimensions with the most inner options first, then the buffer factors, then the orders.
// Hardware limits cut whole subtrees, and the mappings in a cut subtree are counted exactly (not
// enumerated) so that the statistics add up to the mapspace: the number of orders of a mapping
// depends only on how many buffer and off-chip loops are non-unit (and only for the levels whose
// order is permuted), so per-dimension histograms of (buffer loop > 1, off-chip loop > 1)
// convolve into exact subtree sizes.
//
// Search. The search visits the same mappings in another order, best first:
//   1. the frontier: every choice of inner options for all dimensions but the last of the search
//      order (for rs: all but M; fewer dimensions if that would make over 2^22 nodes), each with a
//      lower bound on the objective of every mapping below it (Bound, below);
//   2. the frontier nodes sorted by (bound, enumeration position), then searched in fixed chunks
//      (2, 4, 8, ... up to 128 nodes, whatever the thread count); the chunk's threads share the
//      best objective known when the chunk starts, and each node's search also uses the best it
//      found itself. A node whose bound exceeds that is pruned whole; below a node, each inner
//      tuple (every dimension's inner option, replicas placed) gets its own bound before its
//      buffer factors are enumerated, and each buffer tuple with several loop orders (or a delay
//      or edp objective) gets one before its orders are.
// What a node's search does depends only on the node and the chunk's starting best, never on
// which thread ran it or when, so every statistic and the result are the same for any thread
// count. Without bounds (SearchTuning, or --fix pins) the search is a plain depth-first pass in
// canonical order, the top-level options dealt round-robin to the threads.
//
// Evaluation. A mapping's energy is the sum of its tensors' energies, and each tensor's counts
// depend only on the nest as that tensor sees it (fast_counts.h); EvalCache keeps each tensor's
// energy by a key that determines that view, so a mapping whose three views were seen before is
// evaluated without building its nest.
//
// Cuts, and why each is safe:
//   - array: spatial products only grow as dimensions are added, so a partial product above the
//     mesh rules out every completion;
//   - capacity: tiles grow monotonically with every factor (tile_words is monotone in each
//     dimension's extent), so a partial tile computed with the unchosen factors at their minimum
//     is a lower bound on every completion's tile;
//   - bound: a subtree (or a mapping) is pruned only if a lower bound on the objective of each of
//     its mappings is strictly above the best objective of a mapping already found, so every
//     mapping that ties the optimum is evaluated and the tie-break (active PEs, then cycles, then
//     enumeration position) is never lost. A pruned subtree counts whole in pruned_by_bound,
//     including mappings in it that the hardware would have rejected. With --fix pins nothing is
//     pruned by a bound (a pin rejects a mapping only once it is built), so the statistics of a
//     pinned search count exactly the mappings that fail the pins.
//
// Bound (class Bound): the energy of a mapping is a sum over (level, tensor) of non-negative
// energies per word times counts (docs/model.md §5.8), so a sum of lower bounds on the counts is
// a lower bound on the energy (every coefficient is ≥ 0: Arch::validate). For each tensor and
// each pair (parent a, child i) of adjacent keeping levels, with "entries" of a box = the elements
// that enter an instance's tile when it was not there at the previous step (fast_counts.h):
//   child fills / psums sent up (CE, child entries) and parent reads / updates (UE, union
//   entries) are each ≥ the distinct-data sums below, and equal the box sizes when (T0) holds:
//   (SD) Σ over the instances of a level of the distinct elements that instance ever holds.
//        Every element an instance ever holds enters it at least once (at step 0 the whole tile
//        enters), so CE ≥ SD(i) and UE ≥ SD(a). SD is a product over the tensor's groups
//        (cost_model.cpp): a Single dimension contributes its bound D (the instances' ranges
//        partition it); an Indicator dimension the number of spatial index values whose
//        positions start below D, min(n, ⌈D/pe⌉) for n spatial instances above pe positions; a
//        Sliding group the sum over the (row, filter-row) spatial instances of the distinct input
//        rows they touch (enumerated). Only the spatial loops and the loops inside them matter:
//        the outer (buffer and off-chip) factors just extend each instance's positions up to the
//        bound whatever their split, so SD is known once the inner options are.
//   (T0) If, whatever the remaining choices, the innermost non-unit time loop of the pair
//        (temporal loops above the child level, innermost first: buffer b_inner, b_permuted,
//        then off-chip; a permuted level counts as "any of its possibly non-unit loops") is over
//        a Single dimension of the tensor, then every step changes that loop's digit, so the
//        tile's range in that dimension moves to a disjoint one (distinct digit vectors give
//        distinct positions): consecutive tiles share nothing, and CE and UE equal the size sums
//        of the child box and of the union box (Σ over every index outside the box of the tile
//        size). A loop over a Sliding group's ofmap dimension does the same when the filter
//        dimension never changes and (span − 1)·dilation < stride (Bound::walk has the proof).
//        More generally (runs): with L* the innermost loop that surely does so, the steps split
//        into runs separated by steps of L* or of a loop outside it, consecutive runs' tiles are
//        disjoint, and within a run every element of the union of its tiles enters at least once:
//        CE and UE are at least the size sums of the boxes extended by the loops inside L*. The
//        size sum is a product over groups: Single D; Indicator the tiles whose start is below D,
//        exactly ⌈D / len⌉ for the boxes here (each dimension's box loops are its innermost, len
//        their product) and ≥ ⌈D / len_max⌉ in general (the tiles partition the positions, len
//        each); Sliding the enumerated sum over tile starts (exact lengths) or ≥ the distinct rows
//        (the tiles cover them all). For the off-chip pair, len is the buffer extent PE·Y·X·B, and
//        len_max the largest extent of that dimension that fits the buffer's capacity with every
//        other dimension at its smallest extent (the capacity check is monotone, so no feasible
//        completion has a larger one).
//   Counts per pair: weights and inputs: parent reads = UE, child writes = CE, hops ≥ 0; outputs:
//   parent updates = UE, parent reads = child writes = UE − served (served = SD(a), exactly),
//   child reads = CE, child hops = CE − UE (used only when both are exact, else ≥ 0).
//   MAC level (docs/model.md §5.5): under the innermost keeping level, per-step operand reads =
//   the size sum of the box of the spatial loops below it: exactly the valid points' elements
//   when that box is empty (one MAC per PE), else ≥ the Indicator/Sliding lower bounds above
//   over that box; outputs also update as many, and reduce macs − that (exact only for the empty
//   box, else ≥ 0).
//   Unchosen dimensions: each term is a product of per-group factors, each group depending on
//   its own dimensions, so the minimum of a term over the unchosen options is at least the
//   product of the per-group minima, and a sum of per-term minima is at most the minimum sum.
//   Cycles (delay, edp): compute cycles = Π over dimensions of PE·B·⌈D/(PE·Y·X·B)⌉ ≥ Π of
//   PE·⌈D/(PE·Y·X)⌉, and cycles ≥ compute cycles; edp bound = energy bound × cycles bound.
//   Rounding: the bound is a double sum in another order than the energy's, so it is shrunk by a
//   relative 1e-9 (far above the ~1e-15 relative error of either sum) before comparing.
// tests/mapper/mapper_bound_test.cpp checks every bound against the exact objective on every
// mapping of several real layers (check_bounds in search.h).
#include "erg/mapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include "erg/dataflow.h"
#include "erg/text.h"
#include "mapper/mapspace.h"
#include "mapper/search.h"
#include "model/fast_counts.h"
#include "model/nest.h"
#include "model/sums.h"

namespace erg {

namespace {

using detail::Mapspace;
__extension__ typedef unsigned __int128 u128;

constexpr int kPE = 0, kY = 1, kX = 2, kB = 3, kD = 4;
constexpr double kInf = std::numeric_limits<double>::infinity();

int di(Dim d) { return static_cast<int>(d); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::uint64_t saturate(u128 v) {
  return v > static_cast<u128>(~std::uint64_t{0}) ? ~std::uint64_t{0}
                                                  : static_cast<std::uint64_t>(v);
}

u128 factorial(int n) {
  u128 f = 1;
  for (int i = 2; i <= n; ++i) f *= static_cast<u128>(i);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Counting mappings.

// Counts of mappings by (non-unit loops of a permuted buffer order, non-unit loops of a permuted
// off-chip order). An axis whose order is fixed is not tracked (its loops add one order each).
// Only the cells [0, nb) × [0, nd) of the axes' tracked extents are meaningful (and initialised).
struct Hist {
  static constexpr int kMax = kNumDims + 1;
  std::array<u128, kMax * kMax> c;
  u128& at(int b, int d) { return c[static_cast<std::size_t>(b * kMax + d)]; }
  u128 at(int b, int d) const { return c[static_cast<std::size_t>(b * kMax + d)]; }
  static Hist unit() {
    Hist h;
    h.c.fill(0);
    h.at(0, 0) = 1;
    return h;
  }
};

// A per-option histogram only has the four corners (0/1, 0/1).
using Bits4 = std::array<u128, 4>;  // index b*2+d

// nb, nd: the tracked extent of each axis (1 when that order is fixed).
Hist convolve(const Hist& h, const Bits4& o, int nb, int nd) {
  Hist r;
  if (nb == 1 && nd == 1) {  // fixed orders: a plain count
    r.at(0, 0) = h.at(0, 0) * o[0];
    return r;
  }
  for (int b = 0; b < nb; ++b)
    for (int d = 0; d < nd; ++d) r.at(b, d) = 0;
  for (int b = 0; b < nb; ++b)
    for (int d = 0; d < nd; ++d) {
      const u128 v = h.at(b, d);
      if (v == 0) continue;
      for (int bb = 0; bb < 2; ++bb)
        for (int dd = 0; dd < 2; ++dd) {
          const u128 w = o[static_cast<std::size_t>(bb * 2 + dd)];
          if (w == 0) continue;
          if (b + bb < nb && d + dd < nd) r.at(b + bb, d + dd) += v * w;
        }
    }
  return r;
}

struct Tuple {
  std::array<int, kNumDims> inner{};
  std::array<int, kNumDims> buf{};
};

// The total order of candidate mappings: objective, then more active PEs, then fewer cycles, then
// enumeration position (tuple in canonical dimension order, then order index).
struct Key {
  double objective = kInf;
  std::uint64_t active = 0;
  std::uint64_t cycles = 0;
  std::array<int, 2 * kNumDims + 1> pos{};
  bool better_than(const Key& o) const {
    if (objective != o.objective) return objective < o.objective;
    if (active != o.active) return active > o.active;
    if (cycles != o.cycles) return cycles < o.cycles;
    return pos < o.pos;
  }
};

struct Best {
  bool found = false;
  Key key;
  Mapping mapping;
  void take(const Best& o) {
    if (o.found && (!found || o.key.better_than(key))) *this = o;
  }
};

void merge(MapperStats& into, const MapperStats& s) {
  into.evaluated += s.evaluated;
  into.pruned_by_bound += s.pruned_by_bound;
  into.rejected_array += s.rejected_array;
  into.rejected_capacity += s.rejected_capacity;
  into.rejected_dataflow += s.rejected_dataflow;
  into.rejected_pinned += s.rejected_pinned;
  into.optimal = into.optimal && s.optimal;
}

void add(std::uint64_t& counter, u128 v) { counter = saturate(static_cast<u128>(counter) + v); }

// ---------------------------------------------------------------------------------------------
// Capacity: tile_words_for_extents (mapping.cpp) and the mapper's fit rule, without allocation.

class Capacity {
 public:
  Capacity(const Layer& layer, const Arch& arch,
           const std::vector<std::array<bool, kNumTensors>>& keeps)
      : layer_(layer), bound_(layer.bounds()) {
    for (Tensor t : kAllTensors) bits_[static_cast<int>(t)] = layer.format(t).bits;
    // 64-bit arithmetic is exact when every tile's bits stay below 2^62: a tile is at most its
    // tensor (extents clipped to the bounds, rows and columns to the ifmap).
    {
      auto cap = [](u128 v) { return v < (u128{1} << 62); };
      u128 b[kNumDims];
      for (int d = 0; d < kNumDims; ++d) b[d] = static_cast<u128>(bound_[d]);
      auto B = [&](Dim d) { return b[di(d)]; };
      const u128 rows = static_cast<u128>(layer.in_h()), cols = static_cast<u128>(layer.in_w());
      const u128 e[kNumTensors] = {B(Dim::G) * B(Dim::M) * B(Dim::C) * B(Dim::R) * B(Dim::S),
                                   B(Dim::N) * B(Dim::G) * B(Dim::C) * rows * cols,
                                   B(Dim::N) * B(Dim::G) * B(Dim::M) * B(Dim::P) * B(Dim::Q)};
      small_ = true;
      for (int t = 0; t < kNumTensors; ++t) small_ = small_ && cap(e[t] * 64);
    }
    for (int lv = 0; lv < arch.num_levels() && lv < kMaxLevels; ++lv) {
      const StorageLevel& st = arch.levels[lv];
      Lv& l = lv_[lv];
      l.unbounded = st.capacity == 0 && !st.partitioned;
      l.partitioned = st.partitioned;
      l.capacity = st.capacity;
      l.per = st.capacity_per_tensor;
      l.word_bits = static_cast<std::uint64_t>(st.word_bits);
      l.shift = -1;
      for (int k = 0; k < 7; ++k)
        if (l.word_bits == (std::uint64_t{1} << k)) l.shift = k;
      l.keeps = keeps[static_cast<std::size_t>(lv)];
    }
  }

  bool fits(int level, const std::array<std::int64_t, kNumDims>& ext_in) const {
    const Lv& l = lv_[level];
    if (l.unbounded) return true;
    if (small_) return fits64(l, ext_in);
    std::array<std::int64_t, kNumDims> e;
    for (int d = 0; d < kNumDims; ++d) e[d] = std::min(ext_in[d], bound_[d]);
    auto x = [&](Dim d) { return static_cast<u128>(e[di(d)]); };
    const u128 rows = static_cast<u128>(std::min<std::int64_t>(
        layer_.in_h(), span(e[di(Dim::P)], e[di(Dim::R)], layer_.stride_h(), layer_.dilation_h())));
    const u128 cols = static_cast<u128>(std::min<std::int64_t>(
        layer_.in_w(), span(e[di(Dim::Q)], e[di(Dim::S)], layer_.stride_w(), layer_.dilation_w())));
    const u128 elems[kNumTensors] = {x(Dim::G) * x(Dim::M) * x(Dim::C) * x(Dim::R) * x(Dim::S),
                                     x(Dim::N) * x(Dim::G) * x(Dim::C) * rows * cols,
                                     x(Dim::N) * x(Dim::G) * x(Dim::M) * x(Dim::P) * x(Dim::Q)};
    u128 sum = 0;
    for (int t = 0; t < kNumTensors; ++t) {
      if (!l.keeps[t]) continue;
      const u128 words = (elems[t] * static_cast<u128>(bits_[t]) + l.word_bits - 1) / l.word_bits;
      if (l.partitioned) {
        if (l.per[t] > 0 && words > l.per[t]) return false;
      } else {
        sum += words;
      }
    }
    return l.partitioned || sum <= l.capacity;
  }

 private:
  static constexpr int kMaxLevels = kMaxArchLevels;  // Arch::validate() enforces it
  static std::int64_t span(std::int64_t lp, std::int64_t lr, std::int64_t u, std::int64_t d) {
    if (lp <= 0 || lr <= 0) return 0;
    if (d == 1) return lr >= u ? (lp - 1) * u + lr : lp * lr;
    if (u == 1 && lp >= d) return (lr - 1) * d + lp;
    return detail::strided_span_count(lp, lr, u, d);
  }
  struct Lv {
    bool unbounded = true, partitioned = false;
    std::uint64_t capacity = 0;
    std::array<std::uint64_t, kNumTensors> per{};
    std::uint64_t word_bits = 16;
    int shift = -1;  // log2(word_bits) when a power of two
    std::array<bool, kNumTensors> keeps{};
  };

  // fits() in 64 bits (small_: no product overflows).
  bool fits64(const Lv& l, const std::array<std::int64_t, kNumDims>& ext_in) const {
    using u64 = std::uint64_t;
    u64 e[kNumDims];
    for (int d = 0; d < kNumDims; ++d)
      e[d] = static_cast<u64>(ext_in[d] < bound_[d] ? ext_in[d] : bound_[d]);
    auto x = [&](Dim d) { return e[di(d)]; };
    u64 sum = 0;
    for (int t = 0; t < kNumTensors; ++t) {
      if (!l.keeps[t]) continue;
      u64 elems;
      if (t == 0) {
        elems = x(Dim::G) * x(Dim::M) * x(Dim::C) * x(Dim::R) * x(Dim::S);
      } else if (t == 1) {
        const u64 rows = static_cast<u64>(std::min<std::int64_t>(
            layer_.in_h(),
            span(static_cast<std::int64_t>(x(Dim::P)), static_cast<std::int64_t>(x(Dim::R)),
                 layer_.stride_h(), layer_.dilation_h())));
        const u64 cols = static_cast<u64>(std::min<std::int64_t>(
            layer_.in_w(),
            span(static_cast<std::int64_t>(x(Dim::Q)), static_cast<std::int64_t>(x(Dim::S)),
                 layer_.stride_w(), layer_.dilation_w())));
        elems = x(Dim::N) * x(Dim::G) * x(Dim::C) * rows * cols;
      } else {
        elems = x(Dim::N) * x(Dim::G) * x(Dim::M) * x(Dim::P) * x(Dim::Q);
      }
      const u64 bits = elems * static_cast<u64>(bits_[t]);
      const u64 words = l.shift >= 0 ? (bits + l.word_bits - 1) >> l.shift
                                     : (bits + l.word_bits - 1) / l.word_bits;
      if (l.partitioned) {
        if (l.per[t] > 0 && words > l.per[t]) return false;
      } else {
        sum += words;
      }
    }
    return l.partitioned || sum <= l.capacity;
  }
  bool small_ = false;
  const Layer& layer_;
  std::array<std::int64_t, kNumDims> bound_;
  std::array<int, kNumTensors> bits_{};
  std::array<Lv, kMaxLevels> lv_{};
};

// ---------------------------------------------------------------------------------------------
// The lower bound (see the top of the file for the proof).

// What the search knows of a dimension at a node: its inner option (or -1) and the range of its
// buffer factors (indices into the option's list, inclusive; -1: all of them).
struct DimKnow {
  int opt = -1;
  int b = -1, b_hi = -1;
};
using Know = std::array<DimKnow, kNumDims>;

class Bound {
 public:
  enum class Box : std::uint8_t { Dist, Split, PeBox, Array, BufBox, Spatial, Empty };

  struct Coef {
    double read = 0, write = 0, update = 0, hop = 0;
  };
  struct Val {
    double v;
    bool exact;
  };
  // A dimension at a node.
  struct Q {
    bool assigned = false;
    int opt = -1;
    std::int64_t pe = 1, n = 1;
    std::int64_t ext_lo = 1, ext_hi = 1;               // buffer extents PE·Y·X·B possible
    const std::vector<std::int64_t>* blist = nullptr;  // assigned: its buffer factors
    int b_lo = 0, b_hi = 0;                            // ... the possible ones
    bool ext_exact = false;
    bool b_may = false, b_must = false, d_may = false, d_must = false;
    double cyc = 1;
  };
  // Per tensor, what depends on the inner options only.
  struct TenPrep {
    Val split{1, true}, pebox{1, true}, array{1, true}, mac{1, true};
  };
  // A node's inner options, prepared once for the bounds of its buffer-factor classes.
  struct Prep {
    std::array<Q, kNumDims> q;
    std::array<TenPrep, kNumTensors> t;
  };

  Bound(const Layer& layer, const Arch& arch, const Mapspace& s, const Capacity& cap,
        const std::array<std::array<double, kNumTensors>, 16>& scale, double compute_energy,
        double mac_hop_energy)
      : s_(s), cap_(cap), compute_energy_(compute_energy) {
    bound_ = layer.bounds();
    const int L = s.levels;
    for (int lv = 0; lv < L; ++lv) {
      const StorageLevel& st = arch.levels[lv];
      for (int t = 0; t < kNumTensors; ++t) {
        const double k = scale[lv][t];
        coef_[lv][t] = {k * st.read_energy, k * st.write_energy, k * st.update_energy,
                        k * st.hop_energy};
      }
    }
    mac_hop_energy_ = mac_hop_energy;
    macs_ = static_cast<double>(layer.macs());
    // Per-dimension option values and summaries over all options.
    for (Dim dd : kAllDims) {
      const int d = di(dd);
      const std::int64_t D = bound_[d];
      const auto& ds = s.dims[d];
      Any& a = any_[d];
      a.ext_lo = std::numeric_limits<std::int64_t>::max();
      a.ext_hi = 0;
      a.b_may = a.d_may = false;
      a.b_must = a.d_must = true;
      a.min_split = a.min_pe = a.min_arr = a.min_spatial = a.min_cyc = kInf;
      opt_[d].resize(ds.inner.size());
      for (std::size_t o = 0; o < ds.inner.size(); ++o) {
        const auto& in = ds.inner[o];
        const std::int64_t n = in.y * in.x, bmin = ds.buffer[o].front(), bmax = ds.buffer[o].back();
        OptV& v = opt_[d][o];
        v.pe = in.pe;
        v.n = n;
        v.split = static_cast<double>(std::min(n, ceil_div(D, in.pe)));
        v.pe_ind = static_cast<double>(ceil_div(D, in.pe));
        v.arr_ind = static_cast<double>(ceil_div(D, in.pe * n));
        v.spatial_ind = static_cast<double>(ceil_div(D, n));
        v.cyc = static_cast<double>(in.pe * ceil_div(D, in.pe * n));
        a.ext_lo = std::min(a.ext_lo, in.pe * n * bmin);
        a.ext_hi = std::max(a.ext_hi, in.pe * n * bmax);
        a.b_may = a.b_may || bmax > 1;
        a.b_must = a.b_must && bmin > 1;
        a.min_split = std::min(a.min_split, v.split);
        a.min_pe = std::min(a.min_pe, v.pe_ind);
        a.min_arr = std::min(a.min_arr, v.arr_ind);
        a.min_spatial = std::min(a.min_spatial, v.spatial_ind);
        a.min_cyc = std::min(a.min_cyc, v.cyc);
      }
      a.d_may = a.ext_lo < D;
      a.d_must = a.ext_hi < D;
    }
    // Tensors: groups, keeping pairs, the innermost keeper, the constant sizes.
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      Ten& T = ten_[ti];
      T.outputs = t == Tensor::Outputs;
      for (const detail::Group& g : detail::groups_for(layer, t)) {
        Grp G;
        G.kind = g.kind;
        G.d0 = di(g.d0);
        G.d1 = di(g.d1);
        G.g = g;
        if (g.kind == detail::GroupKind::Single)
          T.single[G.d0] = true;
        else
          T.nonsingle_mask |= (1u << G.d0) | (1u << G.d1);
        T.groups.push_back(G);
      }
      int a = 0;
      for (int i = 1; i < L; ++i) {
        if (!s.keeps[static_cast<std::size_t>(i)][ti]) continue;
        T.pairs.push_back({a, i});
        a = i;
      }
      T.kj = a;
      for (Grp& G : T.groups)
        if (G.kind == detail::GroupKind::Sliding) build_sliding(G);
      T.dist = T.empty = 1;
      for (const Grp& G : T.groups) {
        if (G.kind == detail::GroupKind::Single) {
          T.dist *= static_cast<double>(bound_[G.d0]);
          T.empty *= static_cast<double>(bound_[G.d0]);
        } else if (G.kind == detail::GroupKind::Indicator) {
          T.empty *= static_cast<double>(bound_[G.d0]);
        } else {
          T.dist *= G.dist;
          T.empty *= G.empty;
        }
      }
    }
  }

  // The part of the bounds that depends on the inner options only (buffer factors: all).
  void prepare(const Know& k, Prep& p) const {
    for (int d = 0; d < kNumDims; ++d) fill(d, k[d].opt, p.q[d]);
    for (int t = 0; t < kNumTensors; ++t) {
      const Ten& T = ten_[t];
      TenPrep& tp = p.t[t];
      tp.split = product(T, Box::Split, p.q.data());
      tp.pebox = product(T, Box::PeBox, p.q.data());
      tp.array = product(T, Box::Array, p.q.data());
      tp.mac = T.kj == s_.pe ? Val{T.empty, true} : product(T, Box::Spatial, p.q.data());
    }
  }

  // Lower bounds on the energy and compute cycles of every mapping below a node (k: the same
  // inner options as p, with buffer-factor ranges). Energy is shrunk for rounding (see the top).
  void bounds(const Prep& p, const Know& k, double& energy, double& cycles) const {
    std::array<Q, kNumDims> q = p.q;
    for (int d = 0; d < kNumDims; ++d)
      if (q[d].assigned && k[d].b >= 0) narrow(d, k[d], q[d]);
    CapCache cc;
    double e = compute_energy_;
    for (int t = 0; t < kNumTensors; ++t) e += tensor(t, q.data(), p.t[t], cc);
    energy = e * (1 - 1e-9);
    double c = 1;
    for (int d = 0; d < kNumDims; ++d) c *= q[d].cyc;
    cycles = c * (1 - 1e-9);
  }

  double objective(const Prep& p, const Know& k, Objective o) const {
    double e, c;
    bounds(p, k, e, c);
    if (o == Objective::Delay) return c;
    if (o == Objective::EDP) return e * c;
    return e;
  }

  void bounds(const Know& k, double& energy, double& cycles) const {
    Prep p;
    prepare(k, p);
    bounds(p, k, energy, cycles);
  }

  double objective(const Know& k, Objective o) const {
    Prep p;
    prepare(k, p);
    return objective(p, k, o);
  }

 private:
  struct Any {
    std::int64_t ext_lo, ext_hi;
    bool b_may, b_must, d_may, d_must;
    double min_split, min_pe, min_arr, min_spatial, min_cyc;
  };
  struct OptV {
    std::int64_t pe = 1, n = 1;
    double split = 1, pe_ind = 1, arr_ind = 1, spatial_ind = 1, cyc = 1;
  };
  struct Grp {
    detail::GroupKind kind;
    int d0, d1;
    detail::Group g;
    // Sliding: per (option of d0, option of d1) sums for Split, PeBox, Array; and minima.
    int n1 = 0;
    std::array<std::vector<double>, 3> table;
    std::array<std::vector<double>, 3> row_min, col_min;
    std::array<double, 3> min{};
    double dist = 0, empty = 0;
    bool tabled = false;
    std::vector<std::uint64_t> sizes;  // sliding_size by (len0 − 1)·bound1 + len1 − 1, or empty
  };
  struct Pair {
    int a, i;
  };
  struct Ten {
    bool outputs = false;
    std::array<bool, kNumDims> single{};
    unsigned nonsingle_mask = 0;
    std::vector<Grp> groups;
    std::vector<Pair> pairs;
    int kj = 0;
    double dist = 1, empty = 1;  // size sums of the box of every loop, and of the empty box
  };
  struct CapCache {
    std::array<std::int64_t, kNumDims> ext{};  // 0 = not computed
  };

  void fill(int d, int opt, Q& q) const {
    const std::int64_t D = bound_[d];
    if (opt < 0) {
      const Any& a = any_[d];
      q = Q{};
      q.ext_lo = a.ext_lo;
      q.ext_hi = a.ext_hi;
      q.b_may = a.b_may;
      q.b_must = a.b_must;
      q.d_may = a.d_may;
      q.d_must = a.d_must;
      q.cyc = a.min_cyc;
      return;
    }
    const OptV& v = opt_[d][static_cast<std::size_t>(opt)];
    const auto& bl = s_.dims[d].buffer[static_cast<std::size_t>(opt)];
    q.assigned = true;
    q.opt = opt;
    q.pe = v.pe;
    q.n = v.n;
    q.blist = &bl;
    q.b_lo = 0;
    q.b_hi = static_cast<int>(bl.size()) - 1;
    const std::int64_t bmin = bl.front(), bmax = bl.back();
    set_buffer_range(D, bmin, bmax, q);
    // Compute cycles: PE·B·⌈D/(PE·Y·X·B)⌉ ≥ PE·⌈D/(PE·Y·X)⌉.
    q.cyc = bmin == bmax ? static_cast<double>(q.pe * bmin * ceil_div(D, q.ext_lo)) : v.cyc;
  }

  // The buffer extents and loop presence of an assigned dimension whose buffer factor lies in
  // [bmin, bmax].
  static void set_buffer_range(std::int64_t D, std::int64_t bmin, std::int64_t bmax, Q& q) {
    const std::int64_t inner = q.pe * q.n;
    q.ext_lo = inner * bmin;
    q.ext_hi = inner * bmax;
    q.ext_exact = bmin == bmax;
    q.b_may = bmax > 1;
    q.b_must = bmin > 1;
    q.d_may = q.ext_lo < D;
    q.d_must = q.ext_hi < D;
  }

  // Restricts an assigned dimension to the buffer factors k.b … k.b_hi.
  void narrow(int d, const DimKnow& k, Q& q) const {
    const std::int64_t D = bound_[d];
    const auto& bl = *q.blist;
    q.b_lo = k.b;
    q.b_hi = k.b_hi >= 0 ? k.b_hi : k.b;
    const std::int64_t bmin = bl[static_cast<std::size_t>(q.b_lo)];
    const std::int64_t bmax = bl[static_cast<std::size_t>(q.b_hi)];
    set_buffer_range(D, bmin, bmax, q);
    if (bmin == bmax) q.cyc = static_cast<double>(q.pe * bmin * ceil_div(D, q.ext_lo));
  }

  // The time loops above child level i (temporal loops of the levels above it), innermost first:
  // the buffer's b_inner and b_permuted loops (when i is below the buffer), then the off-chip
  // loops. L* = the innermost loop that is surely non-unit and over a Single dimension of the
  // tensor (on a permuted level: any such loop of that level). Every step of L* or of a loop
  // outside it moves the tile to a disjoint one, so time splits into runs of disjoint tiles and
  // the entries are at least the size sum of the box extended by the loops inside L*. Those are
  // non-Single loops only (a non-unit Single loop inside L* would itself end the run); `in`
  // marks them (bit 2: the buffer loop, bit 3: the off-chip loop, per dimension). Returns true
  // when no loop that may be non-unit is inside L* (then the entries equal the box's size sum).
  //
  // Besides a Single dimension's loop, a loop over the output dimension d0 (P or Q) of a Sliding
  // group ends runs too when its filter dimension d1 (R or S) never changes over time (its loops
  // above the child level are surely unit) and spans fewer positions than the stride allows to
  // meet: (span − 1)·dilation < stride, span = d1's extent in the union box (which contains the
  // child's). Then two tiles whose d0 ranges differ (every step of such a loop moves the range by
  // a non-zero multiple of its length: d0's box loops are its innermost) touch disjoint input
  // rows: p·u + r·dil = p'·u + r'·dil with p ≠ p' needs |r − r'|·dil ≥ u.
  bool walk(const Ten& T, int i, const Q* q, std::array<unsigned, kNumDims>& in) const {
    in.fill(0);
    bool exact = true;
    std::array<bool, kNumDims> stop = T.single;
    for (const Grp& G : T.groups) {
      if (G.kind != detail::GroupKind::Sliding) continue;
      const Q& x1 = q[G.d1];
      if (!x1.assigned || x1.d_may || (i > s_.buf && x1.b_may)) continue;
      const std::int64_t len1 =
          i == s_.pe ? x1.pe * x1.n : x1.ext_hi;  // union box: Array (PE level) or BufBox
      const std::int64_t span = std::min(len1, bound_[G.d1]);
      if ((span - 1) * G.g.dil < G.g.u) stop[G.d0] = true;
    }
    // 1: L* found here; 0: continue outward.
    auto seq = [&](const std::vector<Dim>& dims, bool buffer, bool permuted) {
      const unsigned bit = buffer ? 4u : 8u;
      if (permuted) {
        bool found = false;
        for (Dim dd : dims) {
          const Q& x = q[di(dd)];
          if (stop[di(dd)] && (buffer ? x.b_must : x.d_must)) found = true;
        }
        for (Dim dd : dims) {
          const Q& x = q[di(dd)];
          if (!stop[di(dd)] && (buffer ? x.b_may : x.d_may)) {
            in[di(dd)] |= bit;
            exact = false;
          }
        }
        return found ? 1 : 0;
      }
      for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
        const Q& x = q[di(*it)];
        if (stop[di(*it)]) {
          if (buffer ? x.b_must : x.d_must) return 1;
          continue;
        }
        if (buffer ? x.b_may : x.d_may) {
          in[di(*it)] |= bit;
          exact = false;
        }
      }
      return 0;
    };
    if (i > s_.buf && s_.buf > 0) {
      if (seq(s_.b_inner, true, false)) return exact;
      if (seq(s_.b_permuted, true, s_.b_permute)) return exact;
    }
    seq(s_.d_dims, false, s_.d_permute);
    return exact;
  }

  // The largest buffer extent of dimension d that fits the buffer with every other dimension at
  // its smallest extent (≥ the extent of every feasible completion).
  std::int64_t ext_cap(int d, const Q* q, CapCache& cc) const {
    if (cc.ext[d] != 0) return cc.ext[d];
    std::array<std::int64_t, kNumDims> ext;
    for (int e = 0; e < kNumDims; ++e) ext[e] = q[e].ext_lo;
    std::int64_t best = q[d].ext_lo;
    if (q[d].ext_hi > best) {
      if (q[d].assigned) {
        // Binary search over the option's buffer factors (ascending). The smallest possible is
        // kept even if it does not fit: this is a bound, not a test.
        const auto& bl = *q[d].blist;
        const std::int64_t inner = q[d].pe * q[d].n;
        std::size_t lo = static_cast<std::size_t>(q[d].b_lo);
        std::size_t hi = static_cast<std::size_t>(q[d].b_hi);
        while (lo < hi) {
          const std::size_t mid = (lo + hi + 1) / 2;
          ext[d] = inner * bl[mid];
          if (cap_.fits(s_.buf, ext))
            lo = mid;
          else
            hi = mid - 1;
        }
        best = inner * bl[lo];
      } else {
        std::int64_t lo = q[d].ext_lo, hi = q[d].ext_hi;
        while (lo < hi) {
          const std::int64_t mid = lo + (hi - lo + 1) / 2;
          ext[d] = mid;
          if (cap_.fits(s_.buf, ext))
            lo = mid;
          else
            hi = mid - 1;
        }
        best = lo;
      }
    }
    cc.ext[d] = best;
    return best;
  }

  // One group's factor of a box's size sum (or a lower bound on it), for the boxes that depend
  // on the inner options only (not BufBox).
  Val factor(const Grp& G, Box box, const Q* q) const {
    using detail::GroupKind;
    const int d = G.d0;
    if (G.kind == GroupKind::Single) return {static_cast<double>(bound_[d]), true};
    if (G.kind == GroupKind::Indicator) {
      const Q& x = q[d];
      const Any& a = any_[d];
      const OptV* v = x.assigned ? &opt_[d][static_cast<std::size_t>(x.opt)] : nullptr;
      switch (box) {
        case Box::Split:
          return v ? Val{v->split, true} : Val{a.min_split, false};
        case Box::PeBox:
          return v ? Val{v->pe_ind, true} : Val{a.min_pe, false};
        case Box::Array:
          return v ? Val{v->arr_ind, true} : Val{a.min_arr, false};
        case Box::Spatial:
          return {v ? v->spatial_ind : a.min_spatial, false};
        default:
          return {1, false};
      }
    }
    // Sliding.
    if (box == Box::Spatial) return {G.dist, false};
    const int k = box == Box::Split ? 0 : box == Box::PeBox ? 1 : 2;
    if (!G.tabled) return {G.dist, false};
    const Q& x0 = q[G.d0];
    const Q& x1 = q[G.d1];
    if (x0.assigned && x1.assigned)
      return {G.table[k][static_cast<std::size_t>(x0.opt) * static_cast<std::size_t>(G.n1) +
                         static_cast<std::size_t>(x1.opt)],
              true};
    if (x0.assigned) return {G.row_min[k][static_cast<std::size_t>(x0.opt)], false};
    if (x1.assigned) return {G.col_min[k][static_cast<std::size_t>(x1.opt)], false};
    return {G.min[k], false};
  }

  Val product(const Ten& T, Box box, const Q* q) const {
    Val r{1, true};
    for (const Grp& G : T.groups) {
      const Val f = factor(G, box, q);
      r.v *= f.v;
      r.exact = r.exact && f.exact;
    }
    return r;
  }

  // A group's factor of the size sum of a box (PeBox, Array or BufBox) extended by the time
  // loops marked in `in` (walk). Each dimension's box loops are its innermost ones; an extension
  // adds its buffer loop (bit 2) and/or off-chip loop (bit 3).
  Val factor_in(const Grp& G, Box box, const std::array<unsigned, kNumDims>& in, const Q* q,
                CapCache& cc) const {
    using detail::GroupKind;
    if (G.kind == GroupKind::Single) return {static_cast<double>(bound_[G.d0]), true};
    const unsigned base = box == Box::PeBox ? 1u : box == Box::Array ? 3u : 7u;
    // All of a dimension's loops inside the box: one tile (non-empty).
    auto all_in = [&](int d) {
      const unsigned m = base | in[d];
      const Q& x = q[d];
      return ((m & 8u) || !x.d_may) && ((m & 4u) || !x.b_may) &&
             ((m & 2u) || (x.assigned && x.n == 1));
    };
    if (G.kind == GroupKind::Indicator) {
      const int d = G.d0;
      const Q& x = q[d];
      if (all_in(d)) return {1, true};
      const unsigned m = base | in[d];
      if (m & 8u) return {1, false};  // some tile is non-empty
      if (m & 4u) {
        // The box spans at most PE·Y·X·B ≤ ext_cap positions of d: at least ⌈D / ext_cap⌉ tiles
        // (the tiles partition the positions), exactly ⌈D / ext⌉ when contiguous and known.
        if (x.assigned && x.ext_exact && (m & 2u))
          return {static_cast<double>(ceil_div(bound_[d], x.ext_lo)), true};
        return {static_cast<double>(ceil_div(bound_[d], ext_cap(d, q, cc))), false};
      }
      return factor(G, box, q);
    }
    const bool in0 = all_in(G.d0), in1 = all_in(G.d1);
    if (in0 && in1) return {G.dist, true};
    const unsigned m0 = base | in[G.d0], m1 = base | in[G.d1];
    if (!((m0 | m1) & 12u)) return factor(G, box, q);
    const Q& x0 = q[G.d0];
    const Q& x1 = q[G.d1];
    // Contiguous boxes of exactly known lengths: the enumerated size sum.
    if (!(m0 & 8u) && !(m1 & 8u) && (m0 & 2u) && (m1 & 2u) && x0.assigned && x1.assigned &&
        x0.ext_exact && x1.ext_exact) {
      const std::int64_t l0 = (m0 & 4u) ? x0.ext_lo : x0.pe * x0.n;
      const std::int64_t l1 = (m1 & 4u) ? x1.ext_lo : x1.pe * x1.n;
      return {static_cast<double>(sliding_size(G, l0, l1)), true};
    }
    return {G.dist, false};  // the tiles cover every row
  }

  Val size_in(const Ten& T, Box box, const std::array<unsigned, kNumDims>& in, const Q* q,
              CapCache& cc) const {
    Val r{1, true};
    for (const Grp& G : T.groups) {
      const Val f = factor_in(G, box, in, q, cc);
      r.v *= f.v;
      r.exact = r.exact && f.exact;
    }
    return r;
  }

  double tensor(int t, const Q* q, const TenPrep& tp, CapCache& cc) const {
    const Ten& T = ten_[t];
    double e = 0;
    for (const Pair& p : T.pairs) {
      const Coef& ca = coef_[p.a][t];
      const Coef& ci = coef_[p.i][t];
      // SD: Split below the buffer (PE instances), else the whole tensor's distinct data.
      const double sda = p.a > s_.buf ? tp.split.v : T.dist;
      const double sdi = p.i > s_.buf ? tp.split.v : T.dist;
      std::array<unsigned, kNumDims> in;
      const bool t0 = walk(T, p.i, q, in);
      bool extended = false;
      for (int d = 0; d < kNumDims; ++d)
        extended = extended || ((T.nonsingle_mask >> d & 1) && in[d]);
      Val u, c;
      if (p.i == s_.pe) {
        u = extended ? size_in(T, Box::Array, in, q, cc) : tp.array;
        c = extended ? size_in(T, Box::PeBox, in, q, cc) : tp.pebox;
      } else {
        u = c = size_in(T, Box::BufBox, in, q, cc);
      }
      const double ue = std::max(sda, u.v), ce = std::max(sdi, c.v);
      const bool exact = t0 && u.exact && c.exact;
      if (!T.outputs) {
        e += ca.read * ue + ci.write * ce;
      } else {
        const double served = sda;  // the parent is at or above the buffer: exact
        e += ca.update * ue + (ca.read + ci.write) * std::max(0.0, ue - served) + ci.read * ce;
        if (exact) e += ci.hop * std::max(0.0, ce - ue);
      }
    }
    // Operands of the MACs under the innermost keeping level.
    const int kj = T.kj;
    const Coef& ck = coef_[kj][t];
    e += ck.read * tp.mac.v;
    if (T.outputs) {
      e += ck.update * tp.mac.v;
      if (tp.mac.exact) {
        const double hop = kj + 1 < s_.levels ? coef_[kj + 1][t].hop : mac_hop_energy_;
        e += hop * std::max(0.0, macs_ - tp.mac.v);
      }
    }
    return e;
  }

  // --- Sliding groups -----------------------------------------------------------------------

  // Σ over tile starts (multiples of len0, len1 below the bounds) of the rows they touch.
  std::uint64_t sliding_size(const Grp& G, std::int64_t len0, std::int64_t len1) const {
    const std::int64_t b0 = bound_[G.d0], b1 = bound_[G.d1];
    len0 = std::min(len0, b0);
    len1 = std::min(len1, b1);
    if (!G.sizes.empty()) return G.sizes[static_cast<std::size_t>((len0 - 1) * b1 + (len1 - 1))];
    return sliding_size_raw(G, len0, len1);
  }

  std::uint64_t sliding_size_raw(const Grp& G, std::int64_t len0, std::int64_t len1) const {
    const std::int64_t b0 = bound_[G.d0], b1 = bound_[G.d1];
    detail::PosSet pa, ra, ha;
    std::uint64_t v = 0;
    for (std::int64_t o0 = 0; o0 < b0; o0 += len0) {
      pa = {true, o0, std::min(o0 + len0, b0), {}};
      for (std::int64_t o1 = 0; o1 < b1; o1 += len1) {
        ra = {true, o1, std::min(o1 + len1, b1), {}};
        detail::sliding(pa, ra, G.g.u, G.g.dil, G.g.pad, G.g.extent, ha);
        v += static_cast<std::uint64_t>(ha.size());
      }
    }
    return v;
  }

  // Σ over the spatial instances (n0 × n1, above pe0 × pe1 positions) of the distinct rows each
  // ever touches: instance j of a dimension holds the positions x with ⌊x / pe⌋ mod n = j.
  std::uint64_t split_size(const Grp& G, std::int64_t pe0, std::int64_t n0, std::int64_t pe1,
                           std::int64_t n1) const {
    const std::int64_t b0 = bound_[G.d0], b1 = bound_[G.d1];
    std::vector<std::int64_t> rows;
    std::uint64_t total = 0;
    for (std::int64_t j0 = 0; j0 < n0; ++j0)
      for (std::int64_t j1 = 0; j1 < n1; ++j1) {
        rows.clear();
        for (std::int64_t p = 0; p < b0; ++p) {
          if ((p / pe0) % n0 != j0) continue;
          for (std::int64_t r = 0; r < b1; ++r) {
            if ((r / pe1) % n1 != j1) continue;
            const std::int64_t h = p * G.g.u + r * G.g.dil - G.g.pad;
            if (h >= 0 && h < G.g.extent) rows.push_back(h);
          }
        }
        std::sort(rows.begin(), rows.end());
        total += static_cast<std::uint64_t>(std::unique(rows.begin(), rows.end()) - rows.begin());
      }
    return total;
  }

  void build_sliding(Grp& G) {
    {
      // Every (clamped) pair of lengths, when that is cheap enough.
      const std::int64_t b0 = bound_[G.d0], b1 = bound_[G.d1];
      double work = 0;
      for (std::int64_t l0 = 1; l0 <= b0 && work <= 2e7; ++l0)
        work += static_cast<double>(ceil_div(b0, l0)) * static_cast<double>(b1) *
                std::log(static_cast<double>(b1) + 1);
      if (work <= 2e7 && static_cast<double>(b0) * static_cast<double>(b1) <= 4e6) {
        std::vector<std::uint64_t> t(static_cast<std::size_t>(b0 * b1));
        for (std::int64_t l0 = 1; l0 <= b0; ++l0)
          for (std::int64_t l1 = 1; l1 <= b1; ++l1)
            t[static_cast<std::size_t>((l0 - 1) * b1 + (l1 - 1))] = sliding_size_raw(G, l0, l1);
        G.sizes = std::move(t);
      }
    }
    G.dist = static_cast<double>(sliding_size(G, bound_[G.d0], bound_[G.d1]));
    G.empty = static_cast<double>(sliding_size(G, 1, 1));
    const auto& o0 = s_.dims[G.d0].inner;
    const auto& o1 = s_.dims[G.d1].inner;
    const std::size_t n0 = o0.size(), n1 = o1.size();
    // Too costly to tabulate (huge layers with many options): the distinct rows bound them.
    const double work = static_cast<double>(n0) * static_cast<double>(n1) *
                        static_cast<double>(bound_[G.d0]) * static_cast<double>(bound_[G.d1]);
    if (work > 5e7) return;
    G.tabled = true;
    G.n1 = static_cast<int>(n1);
    std::map<std::array<std::int64_t, 4>, std::uint64_t> split_memo;
    for (int k = 0; k < 3; ++k) {
      G.table[k].assign(n0 * n1, 0);
      G.row_min[k].assign(n0, kInf);
      G.col_min[k].assign(n1, kInf);
      G.min[k] = kInf;
    }
    for (std::size_t i = 0; i < n0; ++i)
      for (std::size_t j = 0; j < n1; ++j) {
        const auto& a = o0[i];
        const auto& b = o1[j];
        const std::int64_t na = a.y * a.x, nb = b.y * b.x;
        auto [it, fresh] = split_memo.try_emplace({a.pe, na, b.pe, nb}, 0);
        if (fresh) it->second = split_size(G, a.pe, na, b.pe, nb);
        const double v[3] = {static_cast<double>(it->second),
                             static_cast<double>(sliding_size(G, a.pe, b.pe)),
                             static_cast<double>(sliding_size(G, a.pe * na, b.pe * nb))};
        for (int k = 0; k < 3; ++k) {
          G.table[k][i * n1 + j] = v[k];
          G.row_min[k][i] = std::min(G.row_min[k][i], v[k]);
          G.col_min[k][j] = std::min(G.col_min[k][j], v[k]);
          G.min[k] = std::min(G.min[k], v[k]);
        }
      }
  }

  const Mapspace& s_;
  const Capacity& cap_;
  std::array<std::int64_t, kNumDims> bound_{};
  double compute_energy_ = 0, mac_hop_energy_ = 0, macs_ = 0;
  std::array<std::array<Coef, kNumTensors>, 16> coef_{};
  std::array<Any, kNumDims> any_{};
  std::array<std::vector<OptV>, kNumDims> opt_;
  std::array<Ten, kNumTensors> ten_{};
};

// ---------------------------------------------------------------------------------------------
// What every thread of one search shares (read-only once built).

struct Plan {
  std::vector<Dim> order;
  std::array<Hist, kNumDims + 1> suffix;
  // suffix_weight[j][a]: mappings below a node at depth j whose prefix histogram is the unit at a.
  std::array<std::array<u128, Hist::kMax * Hist::kMax>, kNumDims + 1> suffix_weight{};
};

class Shared {
 public:
  Shared(const Layer& layer, const Arch& arch, const Mapspace& space, const MapperOptions& opt,
         bool bounds)
      : layer(layer),
        arch(arch),
        s(space),
        opt(opt),
        cap(layer, arch, space.keeps),
        pinned(!opt.pins.empty()),
        keeps_pinned(false) {
    nb = s.b_permute ? Hist::kMax : 1;
    nd = s.d_permute ? Hist::kMax : 1;
    for (Dim d : kAllDims) {
      const auto& ds = s.dims[di(d)];
      inner_bits[di(d)].resize(ds.inner.size());
      for (std::size_t i = 0; i < ds.inner.size(); ++i) {
        Bits4 acc{};
        for (std::int64_t b : ds.buffer[i]) acc[bits_index(d, ds.inner[i], b)] += 1;
        inner_bits[di(d)][i] = acc;
        for (int k = 0; k < 4; ++k) full_bits[di(d)][k] += acc[k];
      }
      auto& cum = cum_bits[di(d)];
      cum.assign(inner_bits[di(d)].size() + 1, Bits4{});
      for (std::size_t i = 0; i < inner_bits[di(d)].size(); ++i)
        for (int k = 0; k < 4; ++k) cum[i + 1][k] = cum[i][k] + inner_bits[di(d)][i][k];
    }
    for (int b = 0; b < Hist::kMax; ++b)
      for (int d = 0; d < Hist::kMax; ++d)
        weight[b][d] = (s.b_permute ? factorial(b) : 1) * (s.d_permute ? factorial(d) : 1);
    // Canonical order: the dimensions with the most inner options first.
    std::vector<Dim> canon(kAllDims.begin(), kAllDims.end());
    std::stable_sort(canon.begin(), canon.end(), [&](Dim a, Dim b) {
      return s.dims[di(a)].inner.size() > s.dims[di(b)].inner.size();
    });
    make_plan(canon, canon_plan);
    // Plain (unbounded) order: the canonical first dimension (its options are dealt to the
    // threads), then those with one inner option (their PE factors then count in every capacity
    // check), then the others in canonical order (the most options outermost: consecutive
    // mappings then share most tensors' views).
    {
      std::vector<Dim> plain = canon;
      std::stable_partition(plain.begin() + 1, plain.end(),
                            [&](Dim d) { return s.dims[di(d)].inner.size() == 1; });
      make_plan(plain, plain_plan);
    }
    // Search order: fewest options first, so that the frontier (all but the last) is small; for
    // rs, M last: its options change only the inputs' bound terms, while C's fix the outputs'
    // (psum passes) exactly, so the frontier's bound is tightest without M.
    std::vector<Dim> search(canon.rbegin(), canon.rend());
    if (s.rs_placement) {
      std::stable_partition(search.begin(), search.end(), [](Dim d) { return d != Dim::M; });
    }
    make_plan(search, search_plan);
    // The frontier: the first dimensions of the search order but the last, fewer if their
    // options could make more than 2^22 nodes (memory).
    frontier_depth = kNumDims - 1;
    while (frontier_depth > 1) {
      double nodes = 1;
      for (int j = 0; j < frontier_depth; ++j)
        nodes *= static_cast<double>(s.dims[di(search[static_cast<std::size_t>(j)])].inner.size());
      if (nodes <= static_cast<double>(1 << 22)) break;
      --frontier_depth;
    }
    mapspace = saturate(weigh(canon_plan.suffix[0]));
    const double ref = arch.compute.reference_bits;
    compute_energy = layer.nonzero_macs() * arch.compute.mac_energy *
                     (layer.format(Tensor::Weights).bits * layer.format(Tensor::Inputs).bits) /
                     (ref * ref);
    for (int lv = 0; lv < arch.num_levels(); ++lv) {
      const StorageLevel& st = arch.levels[lv];
      for (Tensor t : kAllTensors) {
        const int ti = static_cast<int>(t);
        const TensorFormat& f = layer.format(t);
        scale[lv][ti] =
            bits_per_element(st.compression[ti], f.bits, f.density, st.rle_run_bits) / st.word_bits;
      }
    }
    mac_hop_energy = arch.compute.hop_energy * layer.format(Tensor::Outputs).bits / ref;
    keeps_pinned = s.keeps_pinned;
    for (Tensor t : kAllTensors)
      for (const detail::Group& g : detail::groups_for(layer, t))
        if (g.kind == detail::GroupKind::Single) single[static_cast<int>(t)][di(g.d0)] = true;
    for (int lv = 0; lv < s.levels; ++lv) {
      has_bandwidth = has_bandwidth || arch.levels[lv].bandwidth > 0;
      instances[static_cast<std::size_t>(lv)] = static_cast<double>(arch.instances(lv));
    }
    for (Dim d : kAllDims) {
      const auto& ds = s.dims[di(d)];
      auto& v = dfac[di(d)];
      v.resize(ds.inner.size());
      for (std::size_t o = 0; o < ds.inner.size(); ++o) {
        const auto& in = ds.inner[o];
        for (std::int64_t b : ds.buffer[o])
          v[o].push_back(ceil_div(layer.dim(d), in.pe * in.y * in.x * b));
      }
    }
    // The evaluation cache packs (inner option, buffer factor index, Y factor) in 64 bits.
    cache_ok = s.levels <= 16 && s.rows < (1 << 24);
    for (Dim d : kAllDims) {
      const auto& ds = s.dims[di(d)];
      if (ds.inner.size() >= (std::size_t{1} << 28)) cache_ok = false;
      for (const auto& b : ds.buffer)
        if (b.size() >= (std::size_t{1} << 12)) cache_ok = false;
    }
    use_bounds = bounds && !pinned && arch.num_levels() <= 16;
    if (use_bounds)
      bound = std::make_unique<Bound>(layer, arch, s, cap, scale, compute_energy, mac_hop_energy);
  }

  u128 weigh(const Hist& h) const {
    u128 total = 0;
    for (int b = 0; b < nb; ++b)
      for (int d = 0; d < nd; ++d)
        if (h.at(b, d)) total += h.at(b, d) * weight[b][d];
    return total;
  }

  // Mappings below a node at depth j of the plan with prefix histogram h.
  u128 below(const Plan& p, int j, const Hist& h) const {
    u128 total = 0;
    for (int b = 0; b < nb; ++b)
      for (int d = 0; d < nd; ++d)
        if (h.at(b, d)) total += h.at(b, d) * p.suffix_weight[j][b * Hist::kMax + d];
    return total;
  }

  const Layer& layer;
  const Arch& arch;
  const Mapspace& s;
  const MapperOptions& opt;
  Capacity cap;
  bool pinned, keeps_pinned;
  bool use_bounds = false;
  int nb = 1, nd = 1;
  std::array<std::vector<Bits4>, kNumDims> inner_bits, cum_bits;
  std::array<Bits4, kNumDims> full_bits{};
  std::array<std::array<u128, Hist::kMax>, Hist::kMax> weight{};
  Plan canon_plan, search_plan, plain_plan;
  int frontier_depth = kNumDims - 1;  // frontier nodes fix the first this many of search_plan
  std::uint64_t mapspace = 0;
  double compute_energy = 0, mac_hop_energy = 0;
  std::array<std::array<double, kNumTensors>, 16> scale{};
  std::unique_ptr<Bound> bound;
  std::array<std::array<bool, kNumDims>, kNumTensors> single{};  // Single groups per tensor
  // dfac[d][o][k]: the off-chip factor ⌈D / (PE·Y·X·B)⌉ of option o with its k-th buffer factor.
  std::array<std::vector<std::vector<std::int64_t>>, kNumDims> dfac;
  bool cache_ok = false, has_bandwidth = false;
  std::array<double, 16> instances{};

 private:
  std::size_t bits_index(Dim d, const detail::InnerOption& in, std::int64_t b) const {
    const std::int64_t D = layer.dim(d);
    const std::int64_t off = ceil_div(D, in.pe * in.y * in.x * b);
    const bool bperm = s.b_permute && b > 1 &&
                       std::find(s.b_permuted.begin(), s.b_permuted.end(), d) != s.b_permuted.end();
    const bool dperm = s.d_permute && off > 1;
    return static_cast<std::size_t>((bperm ? 2 : 0) + (dperm ? 1 : 0));
  }

  void make_plan(const std::vector<Dim>& order, Plan& p) const {
    p.order = order;
    p.suffix[kNumDims] = Hist::unit();
    for (int j = kNumDims - 1; j >= 0; --j)
      p.suffix[j] = convolve(p.suffix[j + 1], full_bits[di(order[j])], nb, nd);
    for (int j = 0; j <= kNumDims; ++j)
      for (int b0 = 0; b0 < nb; ++b0)
        for (int d0 = 0; d0 < nd; ++d0) {
          u128 w = 0;
          for (int b2 = 0; b0 + b2 < nb; ++b2)
            for (int d2 = 0; d0 + d2 < nd; ++d2)
              if (p.suffix[j].at(b2, d2)) w += p.suffix[j].at(b2, d2) * weight[b0 + b2][d0 + d2];
          p.suffix_weight[j][static_cast<std::size_t>(b0 * Hist::kMax + d0)] = w;
        }
  }
};

// A node of the search frontier: inner options of the first Shared::frontier_depth dimensions of
// the search order (all but the last, unless that would make too many nodes).
struct Node {
  std::array<int, kNumDims> inner{};  // by dimension; -1 past the frontier
  u128 count = 0;                     // mappings below
  double lb = 0;                      // bound on their objective
  std::uint32_t seq = 0;              // position in enumeration
};

// ---------------------------------------------------------------------------------------------
// Per-tensor evaluation cache. A tensor's counts depend on the mapping only through the nest as
// that tensor sees it (fast_counts.h, tensor_key): the levels and kinds of the non-unit loops, the
// factors of its non-Single dimensions' loops. Within one search the key below determines that:
// per dimension, for a non-Single one its inner option, buffer factor and Y factor (which give
// all five slot factors: the X factor is the option's replicas over Y for rs, the option's X
// otherwise), for a Single one which of its five slots are non-unit; plus the order index (which,
// with the non-unit loops, gives every loop's position). The value is the tensor's energy and its
// words per level (reads + writes + updates, for bandwidth-bound cycles).

class EvalCache {
 public:
  static constexpr int kKey = kNumDims + 1;

  // Starts with 2^10 slots and doubles when 3/4 full, up to 2^max_log2 (then it is emptied).
  // A cache emptied kClearsToGrow times since its last growth (a long search whose keys recur
  // beyond its capacity) may double again, up to 2^cap_log2: larger tables cost cache misses, so
  // they only pay when they save recounts.
  static constexpr int kClearsToGrow = 8;
  EvalCache(int max_log2, int cap_log2, int levels)
      : mask_((std::size_t{1} << 10) - 1),
        max_slots_(std::size_t{1} << std::max(max_log2, 10)),
        cap_slots_(std::max(max_slots_, std::size_t{1} << std::max(cap_log2, 10))),
        levels_(levels),
        hashes_(mask_ + 1),
        slots_(mask_ + 1),
        words_((mask_ + 1) * static_cast<std::size_t>(levels)) {}

  // Products with per-position odd constants are independent of each other (cheap), then mixed.
  static std::uint64_t hash(const std::uint64_t* key) {
    static constexpr std::uint64_t kMul[kKey] = {
        0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
        0xD6E8FEB86659FD93ull, 0xFF51AFD7ED558CCDull, 0xC4CEB9FE1A85EC53ull,
        0x94D049BB133111EBull, 0xBF58476D1CE4E5B9ull, 0x632BE59BD9B4E019ull};
    std::uint64_t h = 0;
    for (int i = 0; i < kKey; ++i) {
      const std::uint64_t x = key[i] * kMul[i];
      h += x ^ (x >> 31);
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 29;
    return h | 1;
  }

  // The slot holding the key, or -1. The previous key found is checked first: a search often
  // looks a tensor up with the same key many times in a row.
  long find(const std::uint64_t* key) {
    if (last_ >= 0 && same(key, slots_[static_cast<std::size_t>(last_)].key.data())) return last_;
    const std::uint64_t h = hash(key);
    hash_ = h;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (hashes_[i] == 0) return -1;
      if (hashes_[i] == h && same(key, slots_[i].key.data())) return last_ = static_cast<long>(i);
    }
  }

  // A slot for the key of the last find that failed (the cache is emptied first when 3/4 full).
  long insert(const std::uint64_t* key) {
    if (4 * (count_ + 1) > 3 * hashes_.size()) {
      if (hashes_.size() == max_slots_ && max_slots_ < cap_slots_ && ++clears_ >= kClearsToGrow) {
        max_slots_ *= 2;
        clears_ = 0;
      }
      if (hashes_.size() < max_slots_) {
        grow();
      } else {
        std::fill(hashes_.begin(), hashes_.end(), 0);
        count_ = 0;
      }
      last_ = -1;
    }
    std::size_t i = hash_ & mask_;
    while (hashes_[i] != 0) i = (i + 1) & mask_;
    hashes_[i] = hash_;
    std::copy(key, key + kKey, slots_[i].key.begin());
    ++count_;
    return last_ = static_cast<long>(i);
  }

  static bool same(const std::uint64_t* a, const std::uint64_t* b) {
    std::uint64_t diff = 0;
    for (int i = 0; i < kKey; ++i) diff |= a[i] ^ b[i];
    return diff == 0;
  }

  void grow() {
    const std::size_t n = 2 * hashes_.size(), L = static_cast<std::size_t>(levels_);
    std::vector<std::uint64_t> hashes(n, 0);
    std::vector<Slot> slots(n);
    std::vector<std::uint64_t> words(n * L);
    const std::size_t mask = n - 1;
    for (std::size_t i = 0; i < hashes_.size(); ++i) {
      if (hashes_[i] == 0) continue;
      std::size_t j = hashes_[i] & mask;
      while (hashes[j] != 0) j = (j + 1) & mask;
      hashes[j] = hashes_[i];
      slots[j] = slots_[i];
      std::copy(&words_[i * L], &words_[i * L] + L, &words[j * L]);
    }
    hashes_ = std::move(hashes);
    slots_ = std::move(slots);
    words_ = std::move(words);
    mask_ = mask;
  }

  double& energy(long slot) { return slots_[static_cast<std::size_t>(slot)].energy; }
  std::uint64_t* words(long slot) {
    return &words_[static_cast<std::size_t>(slot) * static_cast<std::size_t>(levels_)];
  }

 private:
  struct Slot {
    std::array<std::uint64_t, kKey> key{};
    double energy = 0;
  };
  std::size_t mask_, max_slots_, cap_slots_;
  int clears_ = 0;  // times emptied at max_slots_
  int levels_;
  std::vector<std::uint64_t> hashes_;  // 0 = empty
  std::vector<Slot> slots_;
  std::vector<std::uint64_t> words_;
  std::size_t count_ = 0;
  long last_ = -1;
  std::uint64_t hash_ = 0;
};

// ---------------------------------------------------------------------------------------------
// One thread's search machinery.

class Worker {
 public:
  // Visit: for_each_mapping. Search: the frontier and its nodes (search order). Plain: every
  // mapping that fits, evaluated, in canonical order (no bounds). Check: check_bounds.
  enum class Mode { Visit, Search, Plain, Check };

  Worker(const Shared& sh, Mode mode)
      : sh_(sh),
        s_(sh.s),
        mode_(mode),
        plan_(mode == Mode::Search  ? sh.search_plan
              : mode == Mode::Plain ? sh.plain_plan
                                    : sh.canon_plan) {
    if (mode != Mode::Visit) counter_ = std::make_unique<detail::FastCounter>(sh.layer, sh.arch);
    use_cache_ = (mode == Mode::Search || mode == Mode::Plain) && sh.cache_ok && !sh.pinned;
    if (use_cache_)
      for (int t = 0; t < kNumTensors; ++t)
        cache_[static_cast<std::size_t>(t)] = std::make_unique<EvalCache>(
            mode == Mode::Plain ? 14 : 12, mode == Mode::Plain ? 16 : 12, sh.s.levels);
  }

  // Every mapping, in canonical order (visit, or check the bounds).
  void run_all(MapperStats& st) {
    st_ = &st;
    stop_depth_ = kNumDims;
    threshold_ = kInf;
    enumerate_inner(0, Hist::unit());
  }

  // Plain mode: the mappings under the top-level options i with i % stride == offset.
  void run_plain(int offset, int stride, Best& best, MapperStats& st,
                 std::atomic<std::uint64_t>& done, const std::function<void()>& tick) {
    st_ = &st;
    best_ = &best;
    stop_depth_ = kNumDims;
    threshold_ = kInf;
    const std::size_t n = s_.dims[di(plan_.order[0])].inner.size();
    for (std::size_t i = static_cast<std::size_t>(offset); i < n;
         i += static_cast<std::size_t>(stride)) {
      if (stop) break;
      top_lo_ = i;
      top_hi_ = i + 1;
      enumerate_inner(0, Hist::unit());
      done.fetch_add(1, std::memory_order_relaxed);
      if (tick) tick();
    }
    best_ = nullptr;
  }

  // The frontier nodes, in enumeration order, with their bounds.
  void frontier(std::vector<Node>& out, MapperStats& st) {
    st_ = &st;
    nodes_ = &out;
    stop_depth_ = sh_.frontier_depth;
    enumerate_inner(0, Hist::unit());
    nodes_ = nullptr;
  }

  // The mappings below one frontier node; prunes what cannot beat `threshold` (or the node's own
  // best so far).
  void process(const Node& node, double threshold, Best& best, MapperStats& st) {
    st_ = &st;
    best_ = &best;
    threshold_ = threshold;
    stop_depth_ = kNumDims;
    Hist prefix = Hist::unit();
    const int F = sh_.frontier_depth;
    for (int j = 0; j < F; ++j) {
      const Dim d = plan_.order[j];
      const int i = node.inner[di(d)];
      const auto& in = s_.dims[di(d)].inner[static_cast<std::size_t>(i)];
      tuple_.inner[di(d)] = i;
      pe_ext_[di(d)] = in.pe;
      const bool deferred = s_.rs_placement && (d == Dim::M || d == Dim::C);
      ys_[j + 1] = ys_[j] * in.y;
      xs_[j + 1] = xs_[j] * (deferred ? 1 : in.x);
      area_[j + 1] = area_[j] * in.y * in.x;
      prefix = convolve(prefix, sh_.inner_bits[di(d)][static_cast<std::size_t>(i)], sh_.nb, sh_.nd);
    }
    enumerate_inner(F, prefix);
    pe_ext_.fill(1);
    best_ = nullptr;
  }

  const std::function<bool(const Mapping&)>* visit = nullptr;
  detail::BoundCheck* check = nullptr;
  std::uint64_t check_limit = 0, check_every = 1;
  bool stop = false;

 private:
  bool cancelled() const {
    return sh_.opt.cancel != nullptr && sh_.opt.cancel->load(std::memory_order_relaxed);
  }

  // Mappings under the options [lo, hi) of dimension order[j], given the earlier choices.
  u128 completions(int j, const Hist& prefix, std::size_t lo, std::size_t hi) const {
    const Dim d = plan_.order[j];
    const auto& cum = sh_.cum_bits[di(d)];
    Bits4 range{};
    for (int k = 0; k < 4; ++k) range[k] = cum[hi][k] - cum[lo][k];
    return sh_.below(plan_, j + 1, convolve(prefix, range, sh_.nb, sh_.nd));
  }

  // Inner options of dimension order[j]. Options are sorted by PE factor, then grouped by
  // (PE, Y) with X ascending, so a capacity failure rules out the rest of the list and an array
  // failure the rest of the group.
  void enumerate_inner(int j, const Hist& prefix) {
    if (stop) return;
    if (j == stop_depth_) {
      if (j == kNumDims)
        inner_leaf(prefix);
      else
        add_node(prefix);
      return;
    }
    const Dim d = plan_.order[j];
    const auto& opts = s_.dims[di(d)].inner;
    const std::size_t n = j == 0 ? std::min(top_hi_, opts.size()) : opts.size();
    std::size_t i = j == 0 ? top_lo_ : 0;
    const std::int64_t rows = s_.rows, cols = s_.cols;
    while (i < n) {
      const auto& in = opts[i];
      pe_ext_[di(d)] = in.pe;
      if (s_.pe >= 0 && in.pe > 1 && !sh_.cap.fits(s_.pe, pe_ext_)) {
        add(st_->rejected_capacity, completions(j, prefix, i, n));
        break;
      }
      const bool deferred = s_.rs_placement && (d == Dim::M || d == Dim::C);
      const std::int64_t ny = ys_[j] * in.y, nx = xs_[j] * (deferred ? 1 : in.x);
      const std::int64_t area = area_[j] * in.y * in.x;
      if (ny > rows || nx > cols || area > rows * cols) {
        std::size_t g = i + 1;
        while (g < n && opts[g].pe == in.pe && opts[g].y == in.y) ++g;
        add(st_->rejected_array, completions(j, prefix, i, g));
        i = g;
        continue;
      }
      tuple_.inner[di(d)] = static_cast<int>(i);
      ys_[j + 1] = ny;
      xs_[j + 1] = nx;
      area_[j + 1] = area;
      enumerate_inner(j + 1, convolve(prefix, sh_.inner_bits[di(d)][i], sh_.nb, sh_.nd));
      if (stop) break;
      ++i;
    }
    pe_ext_[di(d)] = 1;
  }

  void add_node(const Hist& prefix) {
    Node nd;
    nd.inner.fill(-1);
    const int F = sh_.frontier_depth;
    Know k;
    for (int j = 0; j < F; ++j) {
      const Dim d = plan_.order[j];
      nd.inner[di(d)] = tuple_.inner[di(d)];
      k[di(d)].opt = tuple_.inner[di(d)];
    }
    nd.count = sh_.below(plan_, F, prefix);
    nd.lb = sh_.use_bounds ? class_bound(k, -kInf, prep_) : 0;
    nd.seq = static_cast<std::uint32_t>(nodes_->size());
    nodes_->push_back(nd);
  }

  void inner_leaf(const Hist& here) {
    for (Dim e : kAllDims) {
      const auto& o = s_.dims[di(e)].inner[static_cast<std::size_t>(tuple_.inner[di(e)])];
      placed_[di(e)] = {o.y, o.x};
      buf_ext_[di(e)] = o.pe * o.y * o.x;
    }
    const u128 total = sh_.below(plan_, kNumDims, here);
    if (s_.rs_placement) {
      const std::int64_t r = placed_[di(Dim::C)][1], t = placed_[di(Dim::M)][1];
      const std::int64_t set_rows = placed_[di(Dim::R)][0];
      PlaceEntry& pe = place_memo_[static_cast<std::size_t>(
          (static_cast<std::uint64_t>(r) * 0x9E3779B1u +
           static_cast<std::uint64_t>(t) * 0x85EBCA77u + static_cast<std::uint64_t>(set_rows)) >>
              7 &
          511)];
      if (pe.r != r || pe.t != t || pe.h != set_rows)
        pe = {r, t, set_rows, detail::place_replicas(r, t, set_rows, s_.rows)};
      const detail::Placement pl = pe.p;
      placed_[di(Dim::C)] = {pl.ry, pl.rx};
      placed_[di(Dim::M)] = {pl.ty, pl.tx};
      std::int64_t cols = 1, rows = 1;
      for (Dim e : kAllDims) {
        rows *= placed_[di(e)][0];
        cols *= placed_[di(e)][1];
      }
      if (rows > s_.rows || cols > s_.cols) {
        add(st_->rejected_array, total);
        return;
      }
    }
    if (mode_ == Mode::Search || mode_ == Mode::Plain) {
      if (cancelled()) {
        stop = true;
        st_->optimal = false;
        return;
      }
      prep_valid_ = false;
      if (sh_.use_bounds && threshold_ < kInf && inner_bound() > threshold_) {
        add(st_->pruned_by_bound, total);
        return;
      }
    }
    // Every tuple below either reaches leaf() (which accounts for its orders) or fails the buffer
    // capacity: the latter are the difference.
    reached_ = 0;
    f_buf_.fill(-1);  // a new inner tuple: leaf() recomputes every dimension's factors
    if (mode_ == Mode::Visit || mode_ == Mode::Check) {
      choose_buffer(0);  // canonical order (for_each_mapping's order)
    } else if (s_.buf <= 0 || sh_.cap.fits(s_.buf, buf_ext_)) {
      // Any order visits the same tuples (each is keyed by its indices). Dimensions with one
      // buffer factor first, the one with the most last.
      int m = 0;
      for (int d = 0; d < kNumDims; ++d) buf_order_[m++] = d;
      std::stable_sort(buf_order_.begin(), buf_order_.end(), [&](int a, int b) {
        return s_.dims[a].buffer[static_cast<std::size_t>(tuple_.inner[a])].size() <
               s_.dims[b].buffer[static_cast<std::size_t>(tuple_.inner[b])].size();
      });
      choose_buffer_fast(0);
    }
    add(st_->rejected_capacity, total - reached_);
  }

  // REQUIRES: the buffer tile with the factors chosen so far (the others at 1) fits.
  void choose_buffer_fast(int j) {
    if (j == kNumDims) {
      leaf();
      return;
    }
    const int d = buf_order_[static_cast<std::size_t>(j)];
    const auto& opts = s_.dims[d].buffer[static_cast<std::size_t>(tuple_.inner[d])];
    const std::int64_t base = buf_ext_[d];
    std::size_t n = opts.size();
    if (s_.buf > 0) {
      // The factors that fit form a prefix of the (ascending) list: find its end. A factor of 1
      // leaves the tile as it is, which fits.
      std::size_t lo = 0, hi = n;  // opts[0, lo) fit; opts[hi, n) do not
      if (opts[0] == 1) lo = 1;
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        buf_ext_[d] = base * opts[mid];
        if (sh_.cap.fits(s_.buf, buf_ext_))
          lo = mid + 1;
        else
          hi = mid;
      }
      n = lo;
    }
    for (std::size_t k = 0; k < n; ++k) {
      tuple_.buf[d] = static_cast<int>(k);
      buf_ext_[d] = base * opts[k];
      choose_buffer_fast(j + 1);
      if (stop) break;
    }
    buf_ext_[d] = base;
  }

  // The classes of dimension d's buffer factors under inner option o: the runs of its (ascending)
  // list with the same "buffer loop > 1" and "off-chip loop > 1" (at most three). Returns how
  // many.
  int classes(int d, int o, std::array<std::array<int, 2>, 4>& cls) const {
    const auto& in = s_.dims[d].inner[static_cast<std::size_t>(o)];
    const auto& bl = s_.dims[d].buffer[static_cast<std::size_t>(o)];
    const std::int64_t inner = in.pe * in.y * in.x, D = sh_.layer.dim(kAllDims[d]);
    auto key = [&](int i) { return (bl[i] > 1 ? 2 : 0) + (inner * bl[i] < D ? 1 : 0); };
    int n = 0;
    for (int i = 0; i < static_cast<int>(bl.size()); ++i) {
      if (n > 0 && key(cls[n - 1][0]) == key(i))
        cls[n - 1][1] = i;
      else if (n < 4)
        cls[n++] = {i, i};
      else
        cls[n - 1][1] = i;  // (cannot happen) merged: still a superset
    }
    return n;
  }

  // A bound on every mapping below a node whose assigned dimensions are those of k: the minimum,
  // over the combinations of the assigned dimensions' buffer-factor classes, of the bound of the
  // combination. The classes partition the completions, so the minimum bounds them all; within a
  // class the loops' presence is known, which is what the bound's walks need. Stops early (with
  // a value ≤ stop, not the minimum) once the minimum cannot exceed `stop`.
  double class_bound(Know k, double stop, Bound::Prep& prep) const {
    std::array<std::array<std::array<int, 2>, 4>, kNumDims> cls;
    std::array<int, kNumDims> ncls;
    int combos = 1;
    for (int d = 0; d < kNumDims; ++d) {
      ncls[d] = k[d].opt >= 0 ? classes(d, k[d].opt, cls[d]) : 1;
      combos *= ncls[d];
    }
    sh_.bound->prepare(k, prep);
    if (combos > 64) return sh_.bound->objective(prep, k, sh_.opt.objective);
    double best = kInf;
    std::array<int, kNumDims> idx{};
    while (true) {
      for (int d = 0; d < kNumDims; ++d)
        if (k[d].opt >= 0) {
          k[d].b = cls[d][idx[d]][0];
          k[d].b_hi = cls[d][idx[d]][1];
        }
      best = std::min(best, sh_.bound->objective(prep, k, sh_.opt.objective));
      if (best <= stop) return best;
      int d = 0;
      while (d < kNumDims && ++idx[d] == ncls[d]) idx[d++] = 0;
      if (d == kNumDims) break;
    }
    return best;
  }

  // The bound of the current inner tuple (prepares prep_ for its buffer tuples).
  double inner_bound() {
    Know k;
    for (int d = 0; d < kNumDims; ++d) k[d].opt = tuple_.inner[d];
    const double b = class_bound(k, threshold_, prep_);
    prep_valid_ = true;
    return b;
  }

  void choose_buffer(int j) {
    if (j == kNumDims) {
      leaf();
      return;
    }
    const Dim d = plan_.order[j];
    const auto& opts = s_.dims[di(d)].buffer[static_cast<std::size_t>(tuple_.inner[di(d)])];
    const std::int64_t base = buf_ext_[di(d)];
    for (std::size_t k = 0; k < opts.size(); ++k) {
      tuple_.buf[di(d)] = static_cast<int>(k);
      buf_ext_[di(d)] = base * opts[k];
      // Larger buffer factors only grow the tile: the rest of this list fails too.
      if (s_.buf > 0 && !sh_.cap.fits(s_.buf, buf_ext_)) break;
      choose_buffer(j + 1);
      if (stop) break;
    }
    buf_ext_[di(d)] = base;
  }

  void leaf() {
    if (stop) return;
    // Factors per dimension and slot, and the cache's key words (see below), recomputed for the
    // dimensions whose buffer factor changed since the last leaf of this inner tuple.
    auto& f = f_;
    u128 cycles = 1;
    for (int d = 0; d < kNumDims; ++d) {
      auto& x = f[static_cast<std::size_t>(d)];
      if (f_buf_[d] != tuple_.buf[d]) {
        f_buf_[d] = tuple_.buf[d];
        const auto o = static_cast<std::size_t>(tuple_.inner[d]);
        const auto k = static_cast<std::size_t>(tuple_.buf[d]);
        x[kPE] = s_.dims[d].inner[o].pe;
        x[kY] = placed_[d][0];
        x[kX] = placed_[d][1];
        x[kB] = s_.dims[d].buffer[o][k];
        x[kD] = sh_.dfac[d][o][k];
        // Per dimension: the key word when the dimension is Single for a tensor (which slots are
        // non-unit), and when it is not (inner option, buffer factor index, Y factor).
        key_single_[d] = (x[kPE] > 1 ? 1u : 0u) | (x[kY] > 1 ? 2u : 0u) | (x[kX] > 1 ? 4u : 0u) |
                         (x[kB] > 1 ? 8u : 0u) | (x[kD] > 1 ? 16u : 0u);
        key_other_[d] = static_cast<std::uint64_t>(tuple_.inner[d]) << 36 |
                        static_cast<std::uint64_t>(tuple_.buf[d]) << 24 |
                        static_cast<std::uint64_t>(x[kY]);
      }
      cycles *= static_cast<u128>(x[kPE] * x[kB] * x[kD]);
    }
    // Loop lists.
    bperm_.clear();
    for (Dim d : s_.b_permuted)
      if (f[di(d)][kB] > 1) bperm_.push_back(d);
    dlist_.clear();
    for (Dim d : s_.d_dims)
      if (f[di(d)][kD] > 1) dlist_.push_back(d);
    const u128 orders = (s_.b_permute ? factorial(static_cast<int>(bperm_.size())) : 1) *
                        (s_.d_permute ? factorial(static_cast<int>(dlist_.size())) : 1);
    reached_ += orders;
    std::uint64_t active = 1;
    for (Dim d : kAllDims) active *= static_cast<std::uint64_t>(f[di(d)][kY] * f[di(d)][kX]);
    // Bound for the whole tuple, when it covers several orders or cycles matter (its compute
    // cycles are exact here and never exceed the cycles). A single order's energy is as cheap
    // to evaluate as to bound.
    if (mode_ == Mode::Search && sh_.use_bounds && threshold_ < kInf &&
        (orders > 1 || sh_.opt.objective != Objective::Energy)) {
      Know k;
      for (int d = 0; d < kNumDims; ++d) k[d] = {tuple_.inner[d], tuple_.buf[d], tuple_.buf[d]};
      if (!prep_valid_) {
        sh_.bound->prepare(k, prep_);
        prep_valid_ = true;
      }
      double e, c;
      sh_.bound->bounds(prep_, k, e, c);
      const double cyc = static_cast<double>(cycles) * (1 - 1e-9);
      c = std::max(c, cyc);
      const double lb = sh_.opt.objective == Objective::Energy  ? e
                        : sh_.opt.objective == Objective::Delay ? c
                                                                : e * c;
      if (lb > threshold_) {
        add(st_->pruned_by_bound, orders);
        return;
      }
    }
    // The lists were built in their listed order: the first permutation of each.
    int order_index = 0;
    std::vector<Dim>& bp = bperm_;
    do {
      std::vector<Dim>& dp = dlist_;
      do {
        evaluate_order(f, bp, dp, active, order_index++, cycles);
        if (stop) return;
      } while (s_.d_permute && std::next_permutation(dp.begin(), dp.end(), [&](Dim a, Dim b) {
                 return index_in(s_.d_dims, a) < index_in(s_.d_dims, b);
               }));
    } while (s_.b_permute && std::next_permutation(bp.begin(), bp.end(), [&](Dim a, Dim b) {
               return index_in(s_.b_permuted, a) < index_in(s_.b_permuted, b);
             }));
  }

  static int index_in(const std::vector<Dim>& v, Dim d) {
    return static_cast<int>(std::find(v.begin(), v.end(), d) - v.begin());
  }

  void build_nest(const std::array<std::array<std::int64_t, 5>, kNumDims>& f,
                  const std::vector<Dim>& bp, const std::vector<Dim>& dp) {
    detail::Nest& n = nest_;
    n.loops.clear();
    if (!nest_init_) {  // the same for every nest of this worker
      n.num_levels = s_.levels;
      n.bound = sh_.layer.bounds();
      n.keeps.assign(s_.keeps.begin(), s_.keeps.end());
      nest_init_ = true;
    }
    auto push = [&](Dim d, std::int64_t factor, int level, bool spatial, int axis) {
      if (factor > 1) n.loops.push_back({d, factor, level, spatial, axis, 1});
    };
    for (Dim d : dp) push(d, f[di(d)][kD], 0, false, 0);
    if (s_.buf > 0) {
      for (Dim d : bp) push(d, f[di(d)][kB], s_.buf, false, 0);
      for (Dim d : s_.b_inner) push(d, f[di(d)][kB], s_.buf, false, 0);
    }
    for (Dim d : s_.x_order) push(d, f[di(d)][kX], s_.buf, true, 0);
    for (Dim d : s_.y_order) push(d, f[di(d)][kY], s_.buf, true, 1);
    if (s_.pe >= 0)
      for (Dim d : s_.pe_order) push(d, f[di(d)][kPE], s_.pe, false, 0);
    detail::finish_nest(n);
  }

  Mapping to_mapping() const {
    Mapping m;
    m.levels.resize(static_cast<std::size_t>(s_.levels));
    for (int lv = 0; lv < s_.levels; ++lv) m.levels[lv].keeps = s_.keeps[lv];
    for (const auto& l : nest_.loops) {
      LevelMapping& lm = m.levels[l.level];
      (l.spatial ? (l.axis == 0 ? lm.spatial_x : lm.spatial_y) : lm.temporal)
          .push_back({l.dim, l.factor});
    }
    return m;
  }

  // Energy and cycles from the per-tensor cache; false (nothing computed) on a miss, with
  // missed_ the tensors missed (bit t) and slots_ set for the others.
  bool cached(int order_index, u128 compute_cycles, double& energy, std::uint64_t& cycles) {
    std::array<std::uint64_t, kNumDims + 1> key;
    key[kNumDims] = static_cast<std::uint64_t>(order_index);
    unsigned missed = 0;
    for (int t = 0; t < kNumTensors; ++t) {
      for (int d = 0; d < kNumDims; ++d)
        key[static_cast<std::size_t>(d)] = sh_.single[t][d] ? key_single_[d] : key_other_[d];
      const long slot = cache_[static_cast<std::size_t>(t)]->find(key.data());
      if (slot < 0)
        missed |= 1u << t;
      else
        slots_[t] = slot;
    }
    missed_ = missed;
    if (missed != 0) return false;
    double e = sh_.compute_energy;
    for (int t = 0; t < kNumTensors; ++t)
      e += cache_[static_cast<std::size_t>(t)]->energy(slots_[t]);
    energy = e;
    cycles = cycles_from(compute_cycles);
    return true;
  }

  // cycles_of, from the cached words (the same sums in the same order).
  std::uint64_t cycles_from(u128 compute_cycles) {
    std::uint64_t cycles = saturate(compute_cycles);
    if (!sh_.has_bandwidth) return cycles;
    for (int lv = 0; lv < s_.levels; ++lv) {
      const StorageLevel& st = sh_.arch.levels[lv];
      if (st.bandwidth <= 0) continue;
      double words = 0;
      for (int t = 0; t < kNumTensors; ++t)
        words += static_cast<double>(cache_[static_cast<std::size_t>(t)]->words(slots_[t])[lv]);
      const double per = words / sh_.instances[static_cast<std::size_t>(lv)];
      cycles = std::max<std::uint64_t>(cycles,
                                       static_cast<std::uint64_t>(std::ceil(per / st.bandwidth)));
    }
    return cycles;
  }

  // Stores the counts just computed for the tensors that missed (their caches' last finds).
  void fill_cache(int order_index) {
    std::array<std::uint64_t, kNumDims + 1> key;
    key[kNumDims] = static_cast<std::uint64_t>(order_index);
    for (int t = 0; t < kNumTensors; ++t) {
      if (!(missed_ >> t & 1)) continue;
      EvalCache& c = *cache_[static_cast<std::size_t>(t)];
      for (int d = 0; d < kNumDims; ++d)
        key[static_cast<std::size_t>(d)] = sh_.single[t][d] ? key_single_[d] : key_other_[d];
      const long slot = c.insert(key.data());
      slots_[t] = slot;
      double e = 0;
      std::uint64_t* w = c.words(slot);
      for (int lv = 0; lv < s_.levels; ++lv) {
        const StorageLevel& st = sh_.arch.levels[lv];
        const TensorAccess& a = counts_.levels[lv].tensor[t];
        e += sh_.scale[lv][t] * (static_cast<double>(a.reads) * st.read_energy +
                                 static_cast<double>(a.writes) * st.write_energy +
                                 static_cast<double>(a.updates) * st.update_energy +
                                 static_cast<double>(a.hops) * st.hop_energy);
        w[lv] = a.reads + a.writes + a.updates;
      }
      // Only the outputs reduce psums between MAC units (fast_counts.cpp).
      if (kAllTensors[t] == Tensor::Outputs)
        e += static_cast<double>(counts_.mac_hops) * sh_.mac_hop_energy;
      c.energy(slot) = e;
    }
  }

  void make_nest(const std::array<std::array<std::int64_t, 5>, kNumDims>& f,
                 const std::vector<Dim>& bp, const std::vector<Dim>& dp) {
    if (s_.buf > 0 && !s_.b_permute) {
      // Fixed buffer order: the non-unit loops of b_permuted in the listed order.
      fixed_b_.clear();
      for (Dim d : s_.b_permuted)
        if (f[di(d)][kB] > 1) fixed_b_.push_back(d);
      build_nest(f, fixed_b_, dp);
    } else {
      build_nest(f, bp, dp);
    }
  }

  void evaluate_order(const std::array<std::array<std::int64_t, 5>, kNumDims>& f,
                      const std::vector<Dim>& bp, const std::vector<Dim>& dp, std::uint64_t active,
                      int order_index, u128 compute_cycles) {
    if (use_cache_) {
      double energy;
      std::uint64_t cycles;
      bool nest_built = false;
      if (!cached(order_index, compute_cycles, energy, cycles)) {
        make_nest(f, bp, dp);
        nest_built = true;
        counter_->count_tensors(nest_, counts_, missed_);
        fill_cache(order_index);
        energy = sh_.compute_energy;
        for (int t = 0; t < kNumTensors; ++t)
          energy += cache_[static_cast<std::size_t>(t)]->energy(slots_[t]);
        cycles = cycles_from(compute_cycles);
      }
      ++st_->evaluated;
      consider(energy, cycles, active, order_index, [&] {
        if (!nest_built) make_nest(f, bp, dp);
      });
      return;
    }
    make_nest(f, bp, dp);
    if (sh_.pinned) {
      const Mapping m = to_mapping();
      if (!check_pins(sh_.opt.pins, sh_.arch, m).ok()) {
        add(st_->rejected_pinned, 1);
        return;
      }
      // Keep pins may contradict the dataflow's rules (e.g. ws PEs keeping inputs).
      if (sh_.keeps_pinned && !check_dataflow(s_.dataflow, sh_.layer, sh_.arch, m).ok()) {
        add(st_->rejected_dataflow, 1);
        return;
      }
    }
    if (mode_ == Mode::Visit) {
      ++st_->evaluated;
      if (!(*visit)(to_mapping())) stop = true;
      return;
    }
    if (mode_ == Mode::Check && check_seen_++ % check_every != 0) return;
    counter_->count(nest_, counts_);
    ++st_->evaluated;
    const double energy = energy_of(counts_);
    const std::uint64_t cycles = cycles_of(counts_);
    if (mode_ == Mode::Check) {
      check_mapping(energy, cycles);
      return;
    }
    consider(energy, cycles, active, order_index, [] {});
  }

  // A mapping evaluated: the best so far? `nest` builds nest_ if it is not this mapping's yet.
  template <class F>
  void consider(double energy, std::uint64_t cycles, std::uint64_t active, int order_index,
                const F& nest) {
    double obj = energy;
    if (sh_.opt.objective == Objective::Delay) obj = static_cast<double>(cycles);
    if (sh_.opt.objective == Objective::EDP) obj = energy * static_cast<double>(cycles);
    if (obj > threshold_) return;  // cannot be the best: skip building the key
    Key k;
    k.objective = obj;
    k.active = active;
    k.cycles = cycles;
    for (int j = 0; j < kNumDims; ++j) {
      const Dim d = sh_.canon_plan.order[j];
      k.pos[static_cast<std::size_t>(j)] = tuple_.inner[di(d)];
      k.pos[static_cast<std::size_t>(kNumDims + j)] = tuple_.buf[di(d)];
    }
    k.pos[2 * kNumDims] = order_index;
    if (!best_->found || k.better_than(best_->key)) {
      nest();
      best_->found = true;
      best_->key = k;
      best_->mapping = to_mapping();
      threshold_ = std::min(threshold_, obj);
    }
  }

  // Check mode: every bound on this mapping's path against its exact energy and cycles.
  void check_mapping(double energy, std::uint64_t cycles) {
    detail::BoundCheck& c = *check;
    ++c.mappings;
    const Plan& sp = sh_.search_plan;
    Know frontier, fklass, inner, klass, tuple;
    for (int j = 0; j < sh_.frontier_depth; ++j) {
      const int d = di(sp.order[j]);
      frontier[d].opt = tuple_.inner[d];
    }
    fklass = frontier;
    for (int d = 0; d < kNumDims; ++d) {
      inner[d].opt = tuple_.inner[d];
      tuple[d] = {tuple_.inner[d], tuple_.buf[d], tuple_.buf[d]};
      // The buffer-factor class of this mapping (inner_bound).
      const auto& in = s_.dims[d].inner[static_cast<std::size_t>(tuple_.inner[d])];
      const auto& bl = s_.dims[d].buffer[static_cast<std::size_t>(tuple_.inner[d])];
      const std::int64_t inr = in.pe * in.y * in.x, D = sh_.layer.dim(kAllDims[d]);
      auto key = [&](int i) { return (bl[i] > 1 ? 2 : 0) + (inr * bl[i] < D ? 1 : 0); };
      int lo = tuple_.buf[d], hi = tuple_.buf[d];
      while (lo > 0 && key(lo - 1) == key(tuple_.buf[d])) --lo;
      while (hi + 1 < static_cast<int>(bl.size()) && key(hi + 1) == key(tuple_.buf[d])) ++hi;
      klass[d] = {tuple_.inner[d], lo, hi};
      if (fklass[d].opt >= 0) fklass[d] = klass[d];
    }
    const char* names[5] = {"frontier", "frontier class", "inner tuple", "inner tuple class",
                            "buffer tuple"};
    double* tight[5] = {&c.tightest_frontier, &c.tightest_frontier, &c.tightest_inner,
                        &c.tightest_inner, &c.tightest_tuple};
    const Know* ks[5] = {&frontier, &fklass, &inner, &klass, &tuple};
    for (int s = 0; s < 5; ++s) {
      double e, cy;
      sh_.bound->bounds(*ks[s], e, cy);
      c.checks += 2;
      if (energy > 0) *tight[s] = std::max(*tight[s], e / energy);
      const bool bad_e = e > energy, bad_c = cy > static_cast<double>(cycles);
      if ((bad_e || bad_c) && c.violations++ == 0)
        c.first_violation = fmt::format("{} bound {} {:.17g} > exact {:.17g} on {}", names[s],
                                        bad_e ? "energy" : "cycles", bad_e ? e : cy,
                                        bad_e ? energy : static_cast<double>(cycles),
                                        mapping_summary(sh_.arch, to_mapping()));
    }
    if (c.mappings >= check_limit) stop = true;
  }

  double energy_of(const Counts& c) const {
    double e = sh_.compute_energy;
    for (int lv = 0; lv < s_.levels; ++lv) {
      const StorageLevel& st = sh_.arch.levels[lv];
      for (int t = 0; t < kNumTensors; ++t) {
        const TensorAccess& a = c.levels[lv].tensor[t];
        e += sh_.scale[lv][t] * (static_cast<double>(a.reads) * st.read_energy +
                                 static_cast<double>(a.writes) * st.write_energy +
                                 static_cast<double>(a.updates) * st.update_energy +
                                 static_cast<double>(a.hops) * st.hop_energy);
      }
    }
    return e + static_cast<double>(c.mac_hops) * sh_.mac_hop_energy;
  }

  std::uint64_t cycles_of(const Counts& c) const {
    std::uint64_t cycles = c.compute_cycles;
    for (int lv = 0; lv < s_.levels; ++lv) {
      const StorageLevel& st = sh_.arch.levels[lv];
      if (st.bandwidth <= 0) continue;
      double words = 0;
      for (const auto& a : c.levels[lv].tensor)
        words += static_cast<double>(a.reads + a.writes + a.updates);
      const double per = words / static_cast<double>(sh_.arch.instances(lv));
      cycles = std::max<std::uint64_t>(cycles,
                                       static_cast<std::uint64_t>(std::ceil(per / st.bandwidth)));
    }
    return cycles;
  }

  const Shared& sh_;
  const Mapspace& s_;
  Mode mode_;
  const Plan& plan_;
  int stop_depth_ = kNumDims;
  std::vector<Node>* nodes_ = nullptr;
  Best* best_ = nullptr;
  MapperStats* st_ = nullptr;
  double threshold_ = kInf;
  u128 reached_ = 0;
  std::size_t top_lo_ = 0, top_hi_ = ~std::size_t{0};  // the top-level options to enumerate
  std::array<int, kNumDims> buf_order_{};
  // place_replicas, memoised by (r, t, set rows).
  struct PlaceEntry {
    std::int64_t r = -1, t = -1, h = -1;
    detail::Placement p;
  };
  std::array<PlaceEntry, 512> place_memo_{};
  std::uint64_t check_seen_ = 0;

  Tuple tuple_;
  std::array<std::array<std::int64_t, 2>, kNumDims> placed_{};  // spatial (Y, X) per dimension
  std::array<std::int64_t, kNumDims + 1> ys_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims + 1> xs_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims + 1> area_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims> pe_ext_{1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims> buf_ext_{1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<Dim> bperm_, dlist_, fixed_b_;
  detail::Nest nest_;
  bool nest_init_ = false;  // nest_'s num_levels, bound and keeps are set
  Counts counts_;
  std::unique_ptr<detail::FastCounter> counter_;
  bool use_cache_ = false;
  std::array<std::unique_ptr<EvalCache>, kNumTensors> cache_;
  std::array<std::uint64_t, kNumDims> key_single_{}, key_other_{};
  // The current leaf's factors per dimension and slot; f_buf_[d]: the buffer index f_[d] and
  // d's key words were computed for (-1: recompute), reset at each inner tuple.
  std::array<std::array<std::int64_t, 5>, kNumDims> f_{};
  std::array<int, kNumDims> f_buf_{-1, -1, -1, -1, -1, -1, -1, -1};
  std::array<long, kNumTensors> slots_{};
  unsigned missed_ = 0;      // the tensors the cache missed (bit t)
  Bound::Prep prep_;         // the current inner tuple's, when prep_valid_
  bool prep_valid_ = false;  // reset at each inner tuple
};

// ---------------------------------------------------------------------------------------------
// Threads: the caller plus `extra` workers run a job together, as often as asked.

class Pool {
 public:
  explicit Pool(int extra) {
    for (int t = 1; t <= extra; ++t) threads_.emplace_back([this, t] { loop(t); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  // Runs job(thread index) on every thread (the caller is thread 0) and waits for all of them.
  void run(const std::function<void(int)>& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      pending_ = static_cast<int>(threads_.size());
      ++generation_;
    }
    cv_.notify_all();
    job(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int index) {
    std::uint64_t seen = 0;
    while (true) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (quit_) return;
        job = job_;
      }
      (*job)(index);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_cv_.notify_one();
      }
    }
  }
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  std::uint64_t generation_ = 0;
  int pending_ = 0;
  bool quit_ = false;
};

// ---------------------------------------------------------------------------------------------

Result<Mapspace> pinned_space(const Layer& layer, const Arch& arch, Dataflow df,
                              const MapperOptions& opt) {
  auto space = detail::make_mapspace(df, layer, arch);
  if (!space.ok()) return space.error();
  Mapspace& s = space.value();
  if (!opt.pins.empty()) {
    for (int lv = 0; lv < s.levels && lv < static_cast<int>(opt.pins.levels.size()); ++lv) {
      const auto& k = opt.pins.levels[lv].keeps;
      if (!k) continue;
      for (Tensor t : kAllTensors)
        if ((*k)[static_cast<int>(t)] && !arch.levels[lv].keeps[static_cast<int>(t)])
          return make_error(fmt::format("--fix: level '{}' cannot keep {}", arch.levels[lv].name,
                                        tensor_name(t)));
      if (s.keeps[lv] != *k) s.keeps_pinned = true;
      s.keeps[lv] = *k;
    }
  }
  return space;
}

Status search_one(const Layer& layer, const Arch& arch, Dataflow df, const MapperOptions& opt,
                  const detail::SearchTuning& tuning, MapperStats& total, Best& best) {
  auto space = pinned_space(layer, arch, df, opt);
  if (!space.ok()) return space.error();
  const Shared sh(layer, arch, space.value(), opt, tuning.bounds);
  total.mapspace += sh.mapspace;
  int threads = opt.threads > 0
                    ? opt.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::clamp(threads, 1, 64);

  if (!sh.use_bounds) {
    // No bounds: every mapping that fits is evaluated, in canonical order, the top-level options
    // dealt round-robin to the threads; nothing depends on timing.
    const std::size_t top = sh.s.dims[di(sh.plain_plan.order[0])].inner.size();
    threads = std::min<int>(threads, static_cast<int>(std::max<std::size_t>(1, top)));
    std::vector<Best> bests(static_cast<std::size_t>(threads));
    std::vector<MapperStats> stats(static_cast<std::size_t>(threads));
    std::atomic<std::uint64_t> done{0};
    std::function<void()> tick;
    if (opt.progress)
      tick = [&] { opt.progress(static_cast<double>(done.load()) / static_cast<double>(top)); };
    std::vector<std::unique_ptr<Worker>> ws;
    for (int t = 0; t < threads; ++t)
      ws.push_back(std::make_unique<Worker>(sh, Worker::Mode::Plain));
    {
      std::vector<std::thread> pool;
      for (int t = 1; t < threads; ++t)
        pool.emplace_back([&, t] {
          const auto k = static_cast<std::size_t>(t);
          ws[k]->run_plain(t, threads, bests[k], stats[k], done, {});
        });
      ws[0]->run_plain(0, threads, bests[0], stats[0], done, tick);
      for (auto& th : pool) th.join();
    }
    for (int t = 0; t < threads; ++t) {
      merge(total, stats[static_cast<std::size_t>(t)]);
      best.take(bests[static_cast<std::size_t>(t)]);
    }
    return Ok{};
  }

  // 1. The frontier.
  std::vector<Node> nodes;
  std::vector<std::unique_ptr<Worker>> workers;
  workers.push_back(std::make_unique<Worker>(sh, Worker::Mode::Search));
  MapperStats st;
  workers[0]->frontier(nodes, st);
  merge(total, st);
  u128 accounted = static_cast<u128>(st.rejected_array) + st.rejected_capacity;
  auto report = [&] {
    if (opt.progress)
      opt.progress(sh.mapspace == 0 ? 1.0
                                    : std::min(1.0, static_cast<double>(accounted) /
                                                        static_cast<double>(sh.mapspace)));
  };
  report();
  threads = std::min<int>(threads, static_cast<int>(std::max<std::size_t>(1, nodes.size())));
  for (int t = 1; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(sh, Worker::Mode::Search));
  Pool pool(threads - 1);

  // 2. Best first, in chunks.
  std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    return a.lb != b.lb ? a.lb < b.lb : a.seq < b.seq;
  });
  // Chunk boundaries do not depend on the thread count, so neither does any pruning decision.
  std::size_t pos = 0, chunk = 2;
  const std::size_t max_chunk = 128;
  struct Out {
    Best best;
    MapperStats st;
  };
  std::vector<Out> outs;
  while (pos < nodes.size()) {
    if (opt.cancel != nullptr && opt.cancel->load(std::memory_order_relaxed)) {
      total.optimal = false;
      return Ok{};
    }
    const double bar = best.found ? best.key.objective : kInf;
    if (nodes[pos].lb > bar) {
      u128 rest = 0;
      for (std::size_t k = pos; k < nodes.size(); ++k) rest += nodes[k].count;
      add(total.pruned_by_bound, rest);
      break;
    }
    const std::size_t end = std::min(nodes.size(), pos + chunk);
    outs.assign(end - pos, Out{});
    std::atomic<std::size_t> next{pos};
    pool.run([&](int t) {
      Worker& w = *workers[static_cast<std::size_t>(t)];
      for (std::size_t k = next++; k < end; k = next++) {
        Out& o = outs[k - pos];
        if (nodes[k].lb > bar) {
          add(o.st.pruned_by_bound, nodes[k].count);
          continue;
        }
        w.stop = false;
        w.process(nodes[k], bar, o.best, o.st);
      }
    });
    for (Out& o : outs) {
      merge(total, o.st);
      accounted += static_cast<u128>(o.st.evaluated) + o.st.pruned_by_bound + o.st.rejected_array +
                   o.st.rejected_capacity + o.st.rejected_dataflow + o.st.rejected_pinned;
      best.take(o.best);
    }
    if (!total.optimal) return Ok{};
    pos = end;
    chunk = std::min(chunk * 2, max_chunk);
    report();
  }
  return Ok{};
}

std::string reasons(const MapperStats& s) {
  std::vector<std::string> parts;
  if (s.rejected_array) parts.push_back(fmt::format("{} exceed the PE array", s.rejected_array));
  if (s.rejected_capacity)
    parts.push_back(fmt::format("{} do not fit a level's capacity", s.rejected_capacity));
  if (s.rejected_pinned) parts.push_back(fmt::format("{} contradict --fix", s.rejected_pinned));
  if (s.rejected_dataflow)
    parts.push_back(fmt::format("{} break the dataflow's rules", s.rejected_dataflow));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

}  // namespace

std::string_view objective_name(Objective o) {
  switch (o) {
    case Objective::Energy:
      return "energy";
    case Objective::Delay:
      return "delay";
    case Objective::EDP:
      return "edp";
  }
  return "energy";
}

Result<Objective> parse_objective(const std::string& s) {
  const std::string l = ascii_lower(s);
  for (Objective o : {Objective::Energy, Objective::Delay, Objective::EDP})
    if (l == objective_name(o)) return o;
  return make_error(fmt::format("unknown objective '{}'{}; choose one of energy, delay, edp", s,
                                did_you_mean(l, {"energy", "delay", "edp"})));
}

bool MappingPins::empty() const {
  for (const Level& l : levels) {
    if (l.keeps || !l.order.empty()) return false;
    for (int d = 0; d < kNumDims; ++d)
      if (l.temporal[static_cast<std::size_t>(d)] || l.spatial[static_cast<std::size_t>(d)])
        return false;
  }
  return true;
}

Status check_pins(const MappingPins& pins, const Arch& arch, const Mapping& m) {
  for (std::size_t lv = 0; lv < pins.levels.size() && lv < m.levels.size(); ++lv) {
    const auto& p = pins.levels[lv];
    const auto& lm = m.levels[lv];
    const std::string& name = arch.levels[lv].name;
    for (Dim d : kAllDims) {
      std::int64_t t = 1, sp = 1;
      for (const Loop& l : lm.temporal)
        if (l.dim == d) t *= l.factor;
      for (const auto* v : {&lm.spatial_x, &lm.spatial_y})
        for (const Loop& l : *v)
          if (l.dim == d) sp *= l.factor;
      const auto pt = p.temporal[static_cast<std::size_t>(di(d))];
      const auto ps = p.spatial[static_cast<std::size_t>(di(d))];
      if (pt && pt != t)
        return make_error(
            fmt::format("level '{}': temporal {} is {}, pinned to {}", name, dim_name(d), t, pt));
      if (ps && ps != sp)
        return make_error(
            fmt::format("level '{}': spatial {} is {}, pinned to {}", name, dim_name(d), sp, ps));
    }
    if (!p.order.empty()) {
      int last = -1;
      for (const Loop& l : lm.temporal) {
        if (l.factor <= 1) continue;
        const auto it = std::find(p.order.begin(), p.order.end(), l.dim);
        if (it == p.order.end()) continue;
        const int pos = static_cast<int>(it - p.order.begin());
        if (pos < last)
          return make_error(
              fmt::format("level '{}': loop order differs from the pinned order", name));
        last = pos;
      }
    }
    if (p.keeps && *p.keeps != lm.keeps)
      return make_error(fmt::format("level '{}': kept tensors differ from the pinned ones", name));
  }
  return Ok{};
}

namespace {

Result<MapperResult> map_layer_impl(const Layer& layer, const Arch& arch, const MapperOptions& opt,
                                    const detail::SearchTuning& tuning) {
  const auto start = std::chrono::steady_clock::now();
  if (auto st = arch.validate(); !st.ok()) return st.error();
  if (!opt.pins.empty() && static_cast<int>(opt.pins.levels.size()) != arch.num_levels())
    return make_error(fmt::format("--fix has {} levels but arch '{}' has {}",
                                  opt.pins.levels.size(), arch.name, arch.num_levels()));
  MapperStats stats;
  Best best;
  std::vector<Dataflow> dfs = {opt.dataflow};
  if (opt.dataflow == Dataflow::Free)
    dfs = {Dataflow::RS,   Dataflow::WS,   Dataflow::OS_A,
           Dataflow::OS_B, Dataflow::OS_C, Dataflow::NLR};
  std::string first_error;
  int usable = 0;
  std::size_t best_df = 0;
  for (std::size_t i = 0; i < dfs.size(); ++i) {
    Best b;
    auto r = search_one(layer, arch, dfs[i], opt, tuning, stats, b);
    if (!r.ok()) {
      if (first_error.empty()) first_error = r.error().message;
      continue;
    }
    ++usable;
    if (b.found) {
      // Across dataflows (free), earlier dataflows win exact ties.
      b.key.pos.fill(0);
      b.key.pos[0] = static_cast<int>(i);
      if (!best.found || b.key.better_than(best.key)) {
        best = b;
        best_df = i;
      }
    }
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (usable == 0) return make_error(first_error);
  if (!best.found)
    return make_error(fmt::format(
        "no {} mapping of layer '{}' fits arch '{}': of {} mappings in the mapspace, {}",
        dataflow_name(opt.dataflow), layer.name(), arch.name, stats.mapspace, reasons(stats)));
  MapperResult r;
  r.mapping = best.mapping;
  auto ev = evaluate(layer, arch, r.mapping);
  if (!ev.ok())
    return make_error("internal: the mapper's best mapping is invalid: " + ev.error().message);
  r.eval = std::move(ev.value());
  r.objective = best.key.objective;
  r.stats = stats;
  r.dataflow = dfs[best_df];
  return r;
}

}  // namespace

Result<MapperResult> map_layer(const Layer& layer, const Arch& arch, const MapperOptions& opt) {
  return map_layer_impl(layer, arch, opt, detail::SearchTuning{});
}

Result<MapperStats> for_each_mapping(const Layer& layer, const Arch& arch, Dataflow dataflow,
                                     const std::function<bool(const Mapping&)>& visit) {
  if (dataflow == Dataflow::Free)
    return make_error("'free' is the union of the other mapspaces: visit each of them");
  auto space = detail::make_mapspace(dataflow, layer, arch);
  if (!space.ok()) return space.error();
  MapperOptions opt;
  opt.dataflow = dataflow;
  const Shared sh(layer, arch, space.value(), opt, false);
  Worker w(sh, Worker::Mode::Visit);
  w.visit = &visit;
  MapperStats stats;
  stats.mapspace = sh.mapspace;
  w.run_all(stats);
  return stats;
}

namespace detail {

Result<MapperResult> map_layer_tuned(const Layer& layer, const Arch& arch,
                                     const MapperOptions& options, const SearchTuning& tuning) {
  return map_layer_impl(layer, arch, options, tuning);
}

Result<BoundCheck> check_bounds(const Layer& layer, const Arch& arch, Dataflow dataflow,
                                std::uint64_t max_mappings, std::uint64_t every) {
  if (dataflow == Dataflow::Free)
    return make_error("'free' is the union of the other mapspaces: check each of them");
  if (auto st = arch.validate(); !st.ok()) return st.error();
  auto space = make_mapspace(dataflow, layer, arch);
  if (!space.ok()) return space.error();
  MapperOptions opt;
  opt.dataflow = dataflow;
  const Shared sh(layer, arch, space.value(), opt, true);
  if (!sh.use_bounds) return make_error("internal: bounds are off for this search");
  Worker w(sh, Worker::Mode::Check);
  BoundCheck c;
  w.check = &c;
  w.check_limit = max_mappings;
  w.check_every = std::max<std::uint64_t>(1, every);
  MapperStats stats;
  w.run_all(stats);
  return c;
}

}  // namespace detail

}  // namespace erg
