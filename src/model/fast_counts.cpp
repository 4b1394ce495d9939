// The fast counter. It computes the same sums as analytical_counts (cost_model.cpp: read its header
// comment first), specialised to nests whose boxes are suffixes of the non-unit loop list, and
// memoises them at three levels. Every memoised value is exact and keyed by everything it depends
// on, so results never depend on the memo's state.
//
// Notation. Loops are the nest's non-unit loops, outermost first, at positions 0..n−1. A box is a
// set of loops; a tile of a tensor is spanned by a box's loops. For a box that is a suffix [β, n)
// every dimension's loops inside it are that dimension's innermost loops (its fast digits), so the
// tile covers a contiguous range of len_d(β) = Π factors of d in [β, n) positions of each
// dimension d, starting at a multiple of len_d(β). The fast path handles nests where the child box
// (levels ≥ i) and the union box (child + spatial loops of levels a..i−1) of every keeping pair
// are suffixes: always true of the child box, and of the union box unless a non-unit temporal loop
// of a bypassed level sits between the union's spatial loops. The "served" and MAC boxes only need
// size sums, which are computed for any box (sliding_mask_size enumerates a Sliding group whose
// box loops are not its dimensions' fast digits). Other nests go to the general model
// (nest_counts).
//
// Size sums. Σ over all indices outside the box of |tile| is a product over the tensor's groups
// (cost_model.cpp): a Single dimension sums to its bound (its tiles partition it); an Indicator
// dimension counts the tiles that start below the bound: ⌈bound / len⌉ when contiguous, else a
// digit count; a Sliding group (ifmap rows from P×R, or columns from Q×S) sums over tile starts
// that are multiples of (len_P, len_R) below the bounds, so its sum depends only on the two
// lengths (clamped to the bounds): memoised.
//
// Transition sums T(A, B) = Σ over temporal loops k outside B of Π over groups, with A = [α, n)
// the after box and B = [β, n) ⊇ A the before box (B \ A: spatial sibling loops). For a given k a
// group is "affected" if one of its dimensions has a loop at k or a temporal loop between k and β
// (those wrap). Let D_k be the dimensions of the temporal loops in [k, β):
//   - an unaffected group's after-tile lies inside its before-tile, so it contributes its size sum
//     over A;
//   - an affected Single dimension contributes 0: its before and after tiles start at different
//     multiples of len(B) (the outer digits differ), so they are disjoint;
//   - since D_k only grows as k moves out, once D_k meets a Single dimension every outer k
//     contributes 0 too: the walk over k stops there. Typically only one to three k survive;
//   - an affected Indicator dimension d: tile starts are mixed-radix numbers, non-empty iff below
//     the bound. If k steps d, after = before + s_k − Σ wrapped digits > before, so the pair is
//     non-empty iff the after tile is: count digit vectors (k in [1, f−1], inner wraps at 0, the
//     rest free, the R = len_d(B)/len_d(A) sibling offsets free) below the bound. Otherwise the
//     wrapped digits make before > after by at least len_d(B), so the pair is non-empty iff the
//     before tile is, and then all R sibling after-tiles are too: R × (count with wraps at f − 1).
//   - an affected Sliding group is enumerated exactly as group_sum does.
//
// Memo levels (one fixed-capacity open-addressing table with a key arena, emptied when full):
//   1. per Sliding group and step: the enumerated sum, keyed by the group, the four lengths and the
//      (dimension, factor, mode) list of its loops outside B (the strides follow from those); and
//      the Sliding size sums, keyed by the two clamped lengths;
//   2. per keeping pair: the per-k products of the affected Sliding groups' sums (pair_key says
//      what they depend on); Indicator sums and size sums are recomputed, they are cheap;
//   3. per tensor: its whole share of the Counts, keyed by the nest as that tensor sees it
//      (tensor_key), plus the previous nest's key per tensor. A search varies most factors without
//      changing a given tensor's view; a tensor whose view changes with almost every nest is not
//      looked up for a while.
//
// Arithmetic is 64-bit: every sum here is at most the padded nest (≤ 2^60, validate_mapping), e.g.
// a size sum counts at most Π(box factors) elements per index outside the box, and a product of
// group sums is bounded by the product of the groups' loop factors.
#include "model/fast_counts.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <memory>
#include <vector>

#include "model/sums.h"

namespace erg::detail {

namespace {

constexpr int kMaxLoops = 64;
constexpr int kMaxGroups = 4;  // non-Single groups of a tensor (3 today)
constexpr int kMaxLevels = 16;

using u64 = std::uint64_t;

struct Digit {
  std::int64_t stride, lo, hi;
};

// Number of digit vectors (d_j in [lo_j, hi_j], strides descending, each stride larger than the
// largest sum the lower digits can make) with Σ d_j·stride_j < x. Same algorithm as
// count_starts_below in cost_model.cpp; every quantity is below the padded nest (≤ 2^60) or x, so
// 64 bits suffice.
u64 count_below(const Digit* dg, int n, std::int64_t x) {
  u64 lower_count[kMaxLoops + 2];
  std::int64_t lower_max[kMaxLoops + 2], lower_min[kMaxLoops + 2];
  lower_count[n] = 1;
  lower_max[n] = lower_min[n] = 0;
  for (int j = n - 1; j >= 0; --j) {
    lower_count[j] = lower_count[j + 1] * static_cast<u64>(dg[j].hi - dg[j].lo + 1);
    lower_max[j] = lower_max[j + 1] + dg[j].hi * dg[j].stride;
    lower_min[j] = lower_min[j + 1] + dg[j].lo * dg[j].stride;
  }
  u64 count = 0;
  std::int64_t rest = x;
  for (int j = 0; j < n; ++j) {
    const Digit& d = dg[j];
    const std::int64_t room = rest - lower_max[j + 1] - 1;
    std::int64_t full_hi = room < 0 ? -1 : room / d.stride;
    if (full_hi > d.hi) full_hi = d.hi;
    if (full_hi >= d.lo) count += static_cast<u64>(full_hi - d.lo + 1) * lower_count[j + 1];
    const std::int64_t partial = full_hi < d.lo ? d.lo : full_hi + 1;
    if (partial > d.hi) return count;
    const std::int64_t left = rest - partial * d.stride;
    if (left <= lower_min[j + 1]) return count;
    rest = left;
  }
  return count + (rest > 0 ? 1 : 0);
}

bool same_words(const u64* a, const u64* b, int len) {
  for (int i = 0; i < len; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Open-addressing hash table from word strings to a few u64 values, keys and values kept in a
// fixed arena. Emptied when half full or when the arena runs out; never grows, so lookups and
// inserts do not allocate.
class Memo {
 public:
  Memo(int log2_slots, std::size_t arena_words)
      : slots_(std::size_t{1} << log2_slots),
        arena_(new u64[arena_words]),  // uninitialised: pages are touched as it fills
        arena_size_(arena_words),
        mask_(slots_.size() - 1) {}

  // Products with per-position odd constants are independent of each other (cheap), then mixed.
  static u64 hash(const u64* key, int len) {
    static constexpr u64 kMul[8] = {
        0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0xD6E8FEB86659FD93ull,
        0xFF51AFD7ED558CCDull, 0xC4CEB9FE1A85EC53ull, 0x94D049BB133111EBull, 0xBF58476D1CE4E5B9ull};
    u64 h = static_cast<u64>(len) * 0x2545F4914F6CDD1Dull;
    for (int i = 0; i < len; ++i) {
      const u64 x = key[i] * kMul[i & 7];
      h += x ^ (x >> 31) ^ static_cast<u64>(i >> 3);
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 29;
    return h | 1;  // 0 marks an empty slot
  }

  // The values stored under the key, or nullptr.
  const u64* find(const u64* key, int len, u64 h) const {
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && s.len == static_cast<std::uint32_t>(len) &&
          same_words(&arena_[s.off], key, len))
        return &arena_[s.off + s.len];
    }
  }

  // Stores nv values under a key that is not in the table. Returns true if the table had to be
  // emptied first.
  bool insert(const u64* key, int len, u64 h, const u64* values, int nv) {
    const std::size_t words = static_cast<std::size_t>(len + nv);
    if (words > arena_size_) return false;  // too long to keep
    bool cleared = false;
    if (2 * (count_ + 1) > slots_.size() || used_ + words > arena_size_) {
      for (Slot& s : slots_) s.hash = 0;
      count_ = used_ = 0;
      cleared = true;
    }
    std::size_t i = h & mask_;
    while (slots_[i].hash != 0) i = (i + 1) & mask_;
    std::memcpy(&arena_[used_], key, sizeof(u64) * static_cast<std::size_t>(len));
    std::memcpy(&arena_[used_ + static_cast<std::size_t>(len)], values,
                sizeof(u64) * static_cast<std::size_t>(nv));
    slots_[i] = {h, static_cast<std::uint32_t>(used_), static_cast<std::uint32_t>(len)};
    used_ += words;
    ++count_;
    return cleared;
  }

 private:
  struct Slot {
    u64 hash = 0;
    std::uint32_t off = 0, len = 0;
  };
  std::vector<Slot> slots_;
  std::unique_ptr<u64[]> arena_;
  std::size_t arena_size_;
  std::size_t mask_;
  std::size_t count_ = 0, used_ = 0;
};

// A group that is not a Single dimension.
struct NsGroup {
  bool sliding = false;
  int d0 = 0, d1 = 0;  // Indicator: d0 == d1
  unsigned mask = 0;   // bits of its dimensions
  int id = 0;          // Sliding: 0 rows (P, R), 1 columns (Q, S)
  std::int64_t u = 1, dil = 1, pad = 0, extent = 0;
};

struct TensorInfo {
  unsigned single_mask = 0;
  u64 single_prod = 1;  // Π bounds of the Single dimensions
  int ng = 0;
  std::array<NsGroup, kMaxGroups> g{};
  u64 size_full = 0;   // size sum of the box of every loop (lengths cover the bounds)
  u64 size_empty = 0;  // size sum of the empty box (lengths 1)
};

// One tensor's share of the Counts: per level, and the MAC units' reduction hops.
struct TensorCounts {
  std::array<TensorAccess, kMaxLevels> level;  // levels [0, num_levels) are set
  u64 mac_hops;
};

}  // namespace

struct FastCounter::Impl {
  Layer layer;
  std::array<std::int64_t, kNumDims> bound{};
  std::array<TensorInfo, kNumTensors> tinfo{};
  Stats stats;
  Memo memo;

  // The current nest's non-unit loops.
  int n = 0;
  std::array<std::uint8_t, kMaxLoops> dim{};
  std::array<std::int64_t, kMaxLoops> fac{}, str{};
  std::array<int, kMaxLoops> lvl{};
  std::array<bool, kMaxLoops> sp{};
  // dpos[d][0 .. dcount[d]): the positions of dimension d's loops, outermost first.
  std::array<std::array<std::uint8_t, kMaxLoops>, kNumDims> dpos{};
  std::array<int, kNumDims> dcount{};
  // lens_[j][d]: Π factors of dimension d over loops [j, n), the tile length of the suffix box
  // [j, n); computed for every j at the start of each count.
  std::array<std::array<std::int64_t, kNumDims>, kMaxLoops + 1> lens_{};
  u64 stamp_ = 0;
  // A small direct-mapped cache of Sliding size sums in front of the memo, per group id.
  struct SizeEntry {
    std::int64_t len0 = 0, len1 = 0;
    u64 value = 0;
  };
  std::array<std::array<SizeEntry, 64>, 2> size_cache{};
  std::array<int, kMaxLevels + 1> lvstart{};  // first loop of each level
  TensorCounts tc_;                           // scratch
  // Whether the whole-tensor memo pays, per tensor (see count_fast).
  struct TensorMemoUse {
    int lookups = 0, hits = 0;
    u64 skip_until = 0;
  };
  static constexpr int kUseWindow = 256;
  static constexpr u64 kUsePause = 4096;
  std::array<TensorMemoUse, kNumTensors> tensor_use_{};
  u64 clock_ = 0;  // nests counted by the fast path
  // The previous nest's key and counts, per tensor.
  static constexpr int kTensorKeyWords = 2 + kMaxLoops;
  struct LastTensor {
    int len = -1;
    std::array<u64, kTensorKeyWords> key;
    std::array<u64, 4 * kMaxLevels + 1> vals;
  };
  std::array<LastTensor, kNumTensors> last_{};
  std::array<u64, 4 * kMaxLevels + 1> computed_{};
  // gsize_[t][j]: the non-Single groups' size sums of the suffix box [j, n), valid when
  // gsize_stamp_[t][j] == stamp_.
  std::array<std::array<std::array<u64, kMaxGroups>, kMaxLoops + 1>, kNumTensors> gsize_{};
  std::array<std::array<u64, kMaxLoops + 1>, kNumTensors> gsize_stamp_{};

  // Scratch for enumerations (their vectors keep their capacity).
  PosSet pa, ra, ha, pb, rb, hb;

  Impl(const Layer& l, int memo_log2_slots)
      : layer(l), bound(l.bounds()), memo(memo_log2_slots, std::size_t{32} << memo_log2_slots) {
    for (Tensor t : kAllTensors) {
      TensorInfo& ti = tinfo[static_cast<int>(t)];
      for (const Group& g : groups_for(layer, t)) {
        const int d0 = static_cast<int>(g.d0), d1 = static_cast<int>(g.d1);
        if (g.kind == GroupKind::Single) {
          ti.single_mask |= 1u << d0;
          ti.single_prod *= static_cast<u64>(bound[d0]);
          continue;
        }
        assert(ti.ng < kMaxGroups);
        NsGroup& ng = ti.g[ti.ng++];
        ng.sliding = g.kind == GroupKind::Sliding;
        ng.d0 = d0;
        ng.d1 = d1;
        ng.mask = (1u << d0) | (1u << d1);
        ng.id = g.d0 == Dim::P ? 0 : 1;
        ng.u = g.u;
        ng.dil = g.dil;
        ng.pad = g.pad;
        ng.extent = g.extent;
      }
      ti.size_full = ti.size_empty = ti.single_prod;
      for (int gi = 0; gi < ti.ng; ++gi) {
        const NsGroup& g = ti.g[gi];
        ti.size_full *= g.sliding ? sliding_size(g, bound[g.d0], bound[g.d1]) : 1;
        ti.size_empty *= g.sliding ? sliding_size(g, 1, 1) : static_cast<u64>(bound[g.d0]);
      }
    }
  }

  const std::int64_t* lens(int j) const { return lens_[j].data(); }
  std::int64_t tile_len(int j, int d) { return lens(j)[d]; }

  // --- Sliding groups ------------------------------------------------------------------------

  static void range(std::int64_t o, std::int64_t len, std::int64_t b, PosSet& out) {
    out.interval = true;
    out.lo = std::max<std::int64_t>(o, 0);
    out.hi = std::min<std::int64_t>(o + len, b);
    if (out.hi < out.lo) out.hi = out.lo;
  }

  // Σ over tile starts (multiples of len0, len1 below the bounds) of |rows|.
  u64 sliding_size(const NsGroup& g, std::int64_t len0, std::int64_t len1) {
    // Tiles longer than the bound all clip to it: only the clamped lengths matter.
    len0 = std::min(len0, bound[g.d0]);
    len1 = std::min(len1, bound[g.d1]);
    // The hash wraps: it is computed in unsigned arithmetic (len1 * 0x3C6E… in int64 overflowed,
    // which is undefined behaviour; UBSan found it).
    const u64 h = static_cast<u64>(len0) * 0x9E3779B97F4A7C15ull +
                  static_cast<u64>(len1) * 0x3C6EF372FE94F82Aull;
    SizeEntry& e = size_cache[g.id][h >> 58];
    if (e.len0 == len0 && e.len1 == len1) return e.value;
    e.value = sliding_size_memo(g, len0, len1);
    e.len0 = len0;
    e.len1 = len1;
    return e.value;
  }

  u64 sliding_size_memo(const NsGroup& g, std::int64_t len0, std::int64_t len1) {
    const u64 key[3] = {1u | static_cast<unsigned>(g.id) << 8, static_cast<u64>(len0),
                        static_cast<u64>(len1)};
    const u64 h = Memo::hash(key, 3);
    if (const u64* hit = memo.find(key, 3, h)) {
      ++stats.memo_hits;
      return *hit;
    }
    ++stats.memo_misses;
    u64 v = 0;
    const std::int64_t b0 = bound[g.d0], b1 = bound[g.d1];
    for (std::int64_t o0 = 0; o0 < b0; o0 += len0) {
      range(o0, len0, b0, pa);
      for (std::int64_t o1 = 0; o1 < b1; o1 += len1) {
        range(o1, len1, b1, ra);
        sliding(pa, ra, g.u, g.dil, g.pad, g.extent, ha);
        v += static_cast<u64>(ha.size());
      }
    }
    if (memo.insert(key, 3, h, &v, 1)) ++stats.memo_clears;
    return v;
  }

  // Mode of loop p (< β) in the step of loop k: 0 same index, 1 the stepping loop, 2 wraps.
  int mode(int p, int k) const { return p == k ? 1 : (!sp[p] && p > k) ? 2 : 0; }

  // Σ over steps of loop k of |rows_after ∩ rows_before| for after box [α, n), before box [β, n).
  u64 sliding_transition(const NsGroup& g, int k, int alpha, int beta) {
    u64 key[5 + kMaxLoops];
    int len = 5;
    key[0] = 2u | static_cast<unsigned>(g.id) << 8;
    key[1] = static_cast<u64>(tile_len(alpha, g.d0));
    key[2] = static_cast<u64>(tile_len(beta, g.d0));
    key[3] = static_cast<u64>(tile_len(alpha, g.d1));
    key[4] = static_cast<u64>(tile_len(beta, g.d1));
    for (int p = 0; p < beta; ++p) {
      if (dim[p] != g.d0 && dim[p] != g.d1) continue;
      key[len++] = static_cast<u64>(fac[p]) | static_cast<u64>(mode(p, k)) << 61 |
                   static_cast<u64>(dim[p] == g.d1) << 63;
    }
    const u64 h = Memo::hash(key, len);
    if (const u64* hit = memo.find(key, len, h)) {
      ++stats.memo_hits;
      return *hit;
    }
    ++stats.memo_misses;
    const u64 v = enumerate_transition(g, k, alpha, beta);
    if (memo.insert(key, len, h, &v, 1)) ++stats.memo_clears;
    return v;
  }

  // group_sum of cost_model.cpp for a Sliding group with suffix boxes: the loops outside B are
  // enumerated with their modes, the sibling loops (in B, not in A) as the after-tile offsets
  // j·len(A) below len(B), which are exactly the values of those digits.
  u64 enumerate_transition(const NsGroup& g, int k, int alpha, int beta) {
    struct E {
      int w;
      std::int64_t f, s, count;
      int mode;
    };
    std::array<E, kMaxLoops> e;
    int ne = 0;
    for (int p = 0; p < beta; ++p) {
      if (dim[p] != g.d0 && dim[p] != g.d1) continue;
      const int m = mode(p, k);
      e[ne++] = {dim[p] == g.d0 ? 0 : 1, fac[p], str[p],
                 m == 0   ? fac[p]
                 : m == 1 ? fac[p] - 1
                          : 1,
                 m};
    }
    const std::int64_t la0 = tile_len(alpha, g.d0), lb0 = tile_len(beta, g.d0);
    const std::int64_t la1 = tile_len(alpha, g.d1), lb1 = tile_len(beta, g.d1);
    const std::int64_t b0 = bound[g.d0], b1 = bound[g.d1];
    std::array<std::int64_t, kMaxLoops> idx{};
    u64 sum = 0;
    while (true) {
      std::int64_t oa[2] = {0, 0}, ob[2] = {0, 0};
      for (int j = 0; j < ne; ++j) {
        std::int64_t ia = idx[j], ib = idx[j];
        if (e[j].mode == 1) {
          ia = idx[j] + 1;
        } else if (e[j].mode == 2) {
          ia = 0;
          ib = e[j].f - 1;
        }
        oa[e[j].w] += ia * e[j].s;
        ob[e[j].w] += ib * e[j].s;
      }
      range(ob[0], lb0, b0, pb);
      range(ob[1], lb1, b1, rb);
      sliding(pb, rb, g.u, g.dil, g.pad, g.extent, hb);
      if (!hb.empty()) {
        for (std::int64_t s0 = 0; s0 < lb0; s0 += la0) {
          range(oa[0] + s0, la0, b0, pa);
          if (pa.empty()) break;
          for (std::int64_t s1 = 0; s1 < lb1; s1 += la1) {
            range(oa[1] + s1, la1, b1, ra);
            if (ra.empty()) break;
            sliding(pa, ra, g.u, g.dil, g.pad, g.extent, ha);
            sum += static_cast<u64>(intersect_count(ha, hb));
          }
        }
      }
      int j = ne;
      while (j > 0) {
        --j;
        if (++idx[j] < e[j].count) break;
        idx[j] = 0;
        if (j == 0) return sum;
      }
      if (ne == 0) return sum;
    }
  }

  // --- Indicator groups -----------------------------------------------------------------------

  // Σ [after tile non-empty]·[before tile non-empty] over the steps of loop k (see the top).
  u64 indicator_transition(int d, int k, int alpha, int beta) {
    std::array<Digit, kMaxLoops + 1> dg;
    int nd = 0;
    const bool stepping = dim[k] == d;
    for (int p = 0; p < beta; ++p) {
      if (dim[p] != d) continue;
      const std::int64_t f = fac[p];
      switch (mode(p, k)) {
        case 1:
          dg[nd++] = {str[p], 1, f - 1};
          break;
        case 2:
          dg[nd++] = stepping ? Digit{str[p], 0, 0} : Digit{str[p], f - 1, f - 1};
          break;
        default:
          dg[nd++] = {str[p], 0, f - 1};
          break;
      }
    }
    const std::int64_t la = tile_len(alpha, d);
    const std::int64_t siblings = tile_len(beta, d) / la;
    if (stepping) {
      if (siblings > 1) dg[nd++] = {la, 0, siblings - 1};
      return count_below(dg.data(), nd, bound[d]);
    }
    return (count_below(dg.data(), nd, bound[d])) * static_cast<u64>(siblings);
  }

  // --- Boxes ----------------------------------------------------------------------------------

  // Per non-Single group size sums of the suffix box [j, n), cached per count.
  const u64* sizes_at(int tix, int j) {
    u64* f = gsize_[tix][j].data();
    if (gsize_stamp_[tix][j] == stamp_) return f;
    gsize_stamp_[tix][j] = stamp_;
    const TensorInfo& ti = tinfo[tix];
    const std::int64_t* l = lens(j);
    for (int gi = 0; gi < ti.ng; ++gi) {
      const NsGroup& g = ti.g[gi];
      if (g.sliding) {
        f[gi] = sliding_size(g, l[g.d0], l[g.d1]);
      } else {
        const std::int64_t b = bound[g.d0], len0 = l[g.d0];
        // b < 2^31: 32-bit division.
        f[gi] = len0 >= b
                    ? 1
                    : static_cast<std::uint32_t>(b + len0 - 1) / static_cast<std::uint32_t>(len0);
      }
    }
    return f;
  }

  static u64 product(const TensorInfo& ti, const u64* f) {
    u64 p = ti.single_prod;
    for (int gi = 0; gi < ti.ng; ++gi) p *= f[gi];
    return p;
  }

  // Size sum of an arbitrary box (bit p set: loop p inside). False when a Sliding group's box
  // loops are not the fast digits of its dimensions (left to the general model).
  bool size_of_mask(int tix, u64 box, u64& out) {
    const TensorInfo& ti = tinfo[tix];
    const u64 all = n == 64 ? ~u64{0} : (u64{1} << n) - 1;
    if (box == all) {
      out = ti.size_full;
      return true;
    }
    if (box == 0) {
      out = ti.size_empty;
      return true;
    }
    const int j = __builtin_ctzll(box);
    if (box == (all & (~u64{0} << (j & 63)))) {  // the suffix [j, n)
      out = product(ti, sizes_at(tix, j));
      return true;
    }
    std::array<std::int64_t, kNumDims> len;
    len.fill(1);
    for (int p = 0; p < n; ++p)
      if (box >> p & 1) len[dim[p]] *= fac[p];
    auto contiguous = [&](int d) {
      for (int p = 0; p < n; ++p)
        if (dim[p] == d && !(box >> p & 1) && str[p] < len[d]) return false;
      return true;
    };
    u64 prod = ti.single_prod;
    for (int gi = 0; gi < ti.ng; ++gi) {
      const NsGroup& g = ti.g[gi];
      if (g.sliding) {
        if (contiguous(g.d0) && contiguous(g.d1)) {
          prod *= sliding_size(g, len[g.d0], len[g.d1]);
        } else {
          u64 v;
          if (!sliding_mask_size(g, box, v)) return false;
          prod *= v;
        }
      } else if (contiguous(g.d0)) {
        prod *= static_cast<u64>((bound[g.d0] + len[g.d0] - 1) / len[g.d0]);
      } else {
        // A tile is non-empty iff its start (the digits outside the box) is below the bound.
        std::array<Digit, kMaxLoops> dg;
        int nd = 0;
        for (int p = 0; p < n; ++p)
          if (dim[p] == g.d0 && !(box >> p & 1)) dg[nd++] = {str[p], 0, fac[p] - 1};
        prod *= (count_below(dg.data(), nd, bound[g.d0]));
      }
    }
    out = prod;
    return true;
  }

  // A Sliding group's size sum for a box whose loops are not its dimensions' fastest digits:
  // Σ over the digits outside the box of both dimensions of the rows touched by the positions
  // their tile holds (group_sum of cost_model.cpp). The positions of one dimension for one choice
  // of its outside digits are {Σ digit·stride} over its box digits, below the bound; the rows of
  // a (P, R) pair of such sets are the sliding window of them. Memoised by the group and its
  // loops (factors, in the box or not, in nest order): the strides follow from those. False if a
  // factor is too large for the key's packing.
  bool sliding_mask_size(const NsGroup& g, u64 box, u64& out) {
    u64 key[2 + kMaxLoops];
    int len = 0;
    key[len++] = 5u | static_cast<unsigned>(g.id) << 8;
    for (int p = 0; p < n; ++p) {
      if (dim[p] != g.d0 && dim[p] != g.d1) continue;
      if (fac[p] >= (std::int64_t{1} << 58)) return false;
      key[len++] = static_cast<u64>(fac[p]) << 3 | (box >> p & 1) << 1 | (dim[p] == g.d1 ? 1u : 0u);
    }
    const u64 h = Memo::hash(key, len);
    if (const u64* hit = memo.find(key, len, h)) {
      ++stats.memo_hits;
      out = *hit;
      return true;
    }
    ++stats.memo_misses;
    std::vector<PosSet> s0, s1;
    position_sets(g.d0, box, s0);
    position_sets(g.d1, box, s1);
    u64 v = 0;
    for (const PosSet& a : s0)
      for (const PosSet& b : s1) {
        sliding(a, b, g.u, g.dil, g.pad, g.extent, ha);
        v += static_cast<u64>(ha.size());
      }
    if (memo.insert(key, len, h, &v, 1)) ++stats.memo_clears;
    out = v;
    return true;
  }

  // The non-empty position sets of dimension d's tiles for the box: one per choice of the digits
  // of d's loops outside the box.
  void position_sets(int d, u64 box, std::vector<PosSet>& out) const {
    std::array<std::int64_t, kMaxLoops> of, os, bf, bs;  // outside / box loops: factor, stride
    int no = 0, nb = 0;
    for (int c = 0; c < dcount[d]; ++c) {
      const int p = dpos[d][c];
      if (box >> p & 1) {
        bf[nb] = fac[p];
        bs[nb++] = str[p];
      } else {
        of[no] = fac[p];
        os[no++] = str[p];
      }
    }
    const std::int64_t b = bound[d];
    std::array<std::int64_t, kMaxLoops> oi{}, bi{};
    while (true) {
      std::int64_t base = 0;
      for (int k = 0; k < no; ++k) base += oi[k] * os[k];
      if (base < b) {
        PosSet ps;
        ps.interval = false;
        bi.fill(0);
        while (true) {
          std::int64_t x = base;
          for (int k = 0; k < nb; ++k) x += bi[k] * bs[k];
          if (x < b) ps.v.push_back(x);
          int k = nb;
          while (k > 0 && ++bi[k - 1] == bf[k - 1]) bi[--k] = 0;
          if (k == 0) break;
        }
        std::sort(ps.v.begin(), ps.v.end());
        if (!ps.v.empty() &&
            ps.v.back() - ps.v.front() + 1 == static_cast<std::int64_t>(ps.v.size())) {
          ps.interval = true;
          ps.lo = ps.v.front();
          ps.hi = ps.v.back() + 1;
          ps.v.clear();
        }
        if (!ps.empty()) out.push_back(std::move(ps));
      }
      int k = no;
      while (k > 0 && ++oi[k - 1] == of[k - 1]) oi[--k] = 0;
      if (k == 0) break;
    }
  }

  // --- Keeping pairs --------------------------------------------------------------------------

  // The transition walk of a keeping pair with union box B = [beta, n): the temporal loops k above
  // beta, inner first, up to the innermost temporal loop of a Single dimension (there and beyond
  // every term is 0); for each k, D_k = the dimensions of the temporal loops in [k, beta).
  struct Walk {
    int nk = 0;
    int stop = 0;           // the walk covers positions [stop, beta)
    unsigned affected = 0;  // D_k of the outermost k
    std::array<int, kMaxLoops> k{};
    std::array<unsigned, kMaxLoops> dk{};
  };
  Walk walk_;

  void walk(const TensorInfo& ti, int beta, Walk& w) const {
    w.nk = 0;
    w.stop = 0;
    unsigned dk = 0;
    for (int p = beta - 1; p >= 0; --p) {
      if (sp[p]) continue;
      if (ti.single_mask >> dim[p] & 1) {
        w.stop = p + 1;
        break;
      }
      dk |= 1u << dim[p];
      w.k[w.nk] = p;
      w.dk[w.nk] = dk;
      ++w.nk;
    }
    w.affected = dk;
  }

  // Π over the groups of one kind (Sliding or Indicator) affected at step k (a dimension in D_k)
  // of their transition sums, for after box [alpha, n) and before box [beta, n).
  u64 affected_product(const TensorInfo& ti, bool sliding, int k, unsigned dk, int alpha,
                       int beta) {
    u64 prod = 1;
    for (int gi = 0; gi < ti.ng && prod != 0; ++gi) {
      const NsGroup& g = ti.g[gi];
      if (g.sliding != sliding || !(g.mask & dk)) continue;
      prod *= sliding ? sliding_transition(g, k, alpha, beta)
                      : indicator_transition(g.d0, k, alpha, beta);
    }
    return prod;
  }

  // A transition sum T = Σ_k single_prod · Π_{unaffected g} f_g · Π_{affected g} v_g(k) splits into
  // the size sums f_g of the after box, the Indicator groups' v_g(k) (closed forms, computed
  // each time) and the Sliding groups' (enumerated). The per-k products of the affected Sliding
  // groups' sums are memoised per pair, keyed by what they depend on: the tile lengths at alpha
  // and beta of those groups' dimensions; the walk range [stop, beta) in order: its temporal loops
  // (just their dimension for the other dimensions: where the steps are) and those dimensions'
  // spatial loops; and their loops above `stop` (always "same index" digits), per dimension in
  // order. False if a factor is too large for the key's packing.
  bool pair_key(int tix, int alpha, int beta, bool cross, const Walk& w, unsigned sdims, u64* key,
                int& len) {
    len = 0;
    key[len++] = 3u | static_cast<unsigned>(tix) << 8 | static_cast<unsigned>(beta == alpha) << 12 |
                 static_cast<unsigned>(cross) << 13;
    const std::int64_t* la = lens(alpha);
    const std::int64_t* lb = lens(beta);
    for (int d = 0; d < kNumDims; ++d) {
      if (!(sdims >> d & 1)) continue;
      key[len++] = static_cast<u64>(la[d]);
      if (beta != alpha) key[len++] = static_cast<u64>(lb[d]);
    }
    // Words: a loop of those dimensions (odd), a step of another dimension (even), the end of the
    // walk range (0).
    constexpr std::int64_t kMaxPacked = std::int64_t{1} << 58;
    auto digit = [&](int p) {
      key[len++] =
          static_cast<u64>(fac[p]) << 5 | static_cast<u64>(dim[p]) << 2 | (sp[p] ? 2u : 0u) | 1u;
    };
    for (int p = w.stop; p < beta; ++p) {
      if (sdims >> dim[p] & 1) {
        if (fac[p] >= kMaxPacked) return false;
        digit(p);
      } else if (!sp[p]) {
        key[len++] = static_cast<u64>(dim[p]) << 2 | 2u;
      }
    }
    key[len++] = 0;
    for (int d = 0; d < kNumDims; ++d) {
      if (!(sdims >> d & 1)) continue;
      for (int c = 0; c < dcount[d] && dpos[d][c] < w.stop; ++c) {
        if (fac[dpos[d][c]] >= kMaxPacked) return false;
        digit(dpos[d][c]);
      }
    }
    return true;
  }

  // Per k of the walk: the affected Sliding products for (A, A), then (B, B) and (A, B) when
  // they differ.
  static int pair_stride(int alpha, int beta, bool cross) {
    return beta == alpha ? 1 : cross ? 3 : 2;
  }

  void sliding_products(const TensorInfo& ti, int alpha, int beta, bool cross, const Walk& w,
                        u64* v) {
    const int stride = pair_stride(alpha, beta, cross);
    for (int i = 0; i < w.nk; ++i) {
      u64* vi = v + i * stride;
      vi[0] = affected_product(ti, true, w.k[i], w.dk[i], alpha, alpha);
      if (stride > 1) vi[1] = affected_product(ti, true, w.k[i], w.dk[i], beta, beta);
      if (stride > 2) vi[2] = affected_product(ti, true, w.k[i], w.dk[i], alpha, beta);
    }
  }

  // The sums of one keeping pair: child box A = [alpha, n), union box B = [beta, n).
  struct PairSums {
    u64 child_size = 0, child_self = 0, uni_size = 0, uni_self = 0, cross = 0;
  };

  void pair_sums(int tix, int alpha, int beta, bool cross, PairSums& r) {
    const TensorInfo& ti = tinfo[tix];
    Walk& w = walk_;
    walk(ti, beta, w);
    const int stride = pair_stride(alpha, beta, cross);
    unsigned sdims = 0;  // dimensions of the Sliding groups affected somewhere in the walk
    for (int gi = 0; gi < ti.ng; ++gi)
      if (ti.g[gi].sliding && (ti.g[gi].mask & w.affected)) sdims |= ti.g[gi].mask;
    u64 vals[3 * kMaxLoops];  // per k: the affected Sliding products
    u64 key[4 + 2 * kNumDims + 2 * kMaxLoops];
    int len;
    if (sdims == 0) {
      for (int i = 0; i < w.nk * stride; ++i) vals[i] = 1;
    } else if (!pair_key(tix, alpha, beta, cross, w, sdims, key, len)) {
      sliding_products(ti, alpha, beta, cross, w, vals);
    } else {
      const u64 h = Memo::hash(key, len);
      if (const u64* hit = memo.find(key, len, h)) {
        ++stats.pair_hits;
        // Copied: the size sums below may insert into the memo, which may empty it.
        std::memcpy(vals, hit, sizeof(u64) * static_cast<std::size_t>(w.nk * stride));
      } else {
        ++stats.pair_misses;
        sliding_products(ti, alpha, beta, cross, w, vals);
        if (memo.insert(key, len, h, vals, w.nk * stride)) ++stats.memo_clears;
      }
    }
    const u64* fa = sizes_at(tix, alpha);
    const u64* fb = beta != alpha ? sizes_at(tix, beta) : fa;
    r.child_size = product(ti, fa);
    r.uni_size = beta != alpha ? product(ti, fb) : r.child_size;
    u64 aa = 0, bb = 0, ab = 0;
    for (int i = 0; i < w.nk; ++i) {
      const unsigned dk = w.dk[i];
      const int k = w.k[i];
      const u64* vi = vals + i * stride;
      u64 ta = vi[0], tb = stride > 1 ? vi[1] : 0, tab = stride > 2 ? vi[2] : 0;
      for (int gi = 0; gi < ti.ng; ++gi) {
        const NsGroup& g = ti.g[gi];
        if (!(g.mask & dk)) {
          ta *= fa[gi];
          tb *= fb[gi];
          tab *= fa[gi];
        } else if (!g.sliding) {
          if (ta != 0) ta *= indicator_transition(g.d0, k, alpha, alpha);
          if (tb != 0) tb *= indicator_transition(g.d0, k, beta, beta);
          if (tab != 0) tab *= indicator_transition(g.d0, k, alpha, beta);
        }
      }
      aa += ta;
      bb += tb;
      ab += tab;
    }
    r.child_self = ti.single_prod * aa;
    r.uni_self = stride > 1 ? ti.single_prod * bb : r.child_self;
    r.cross = stride > 2 ? ti.single_prod * ab : r.child_self;
  }

  // --- One nest -------------------------------------------------------------------------------

  static constexpr int kTensorValues = 4 * kMaxLevels + 1;
  static_assert(sizeof(TensorAccess) == 4 * sizeof(u64), "TensorAccess is stored as 4 words");

  // The counts of one tensor, as analytical_counts computes them. False if a union box is not a
  // suffix, or a size sum is not of the fast shape.
  bool count_tensor(const Nest& nest, int tix, TensorCounts& tc) {
    const int L = nest.num_levels;
    const Tensor t = kAllTensors[tix];
    for (int lv = 0; lv < L; ++lv) tc.level[lv] = TensorAccess{};
    tc.mac_hops = 0;
    const u64 all = n == 64 ? ~u64{0} : (u64{1} << n) - 1;
    int a = 0;
    for (int i = 1; i < L; ++i) {
      if (!nest.keeps[i][tix]) continue;
      const int alpha = lvstart[i];
      int beta = alpha;
      while (beta > 0 && sp[beta - 1] && lvl[beta - 1] >= a) --beta;
      for (int p = lvstart[a]; p < beta; ++p)
        if (sp[p]) return false;  // the union box is not a suffix
      PairSums v;
      pair_sums(tix, alpha, beta, t != Tensor::Outputs, v);
      const u64 child_entries = v.child_size - v.child_self;
      const u64 uni_entries = v.uni_size - v.uni_self;
      TensorAccess& pa = tc.level[a];
      TensorAccess& ch = tc.level[i];
      if (t != Tensor::Outputs) {
        ch.writes += child_entries;
        pa.reads += uni_entries;
        ch.hops += v.cross - v.child_self;
      } else {
        // Per parent instance, the elements it ever serves: every loop but the spatial loops
        // that select the parent instance.
        u64 served = all;
        for (int p = 0; p < lvstart[a]; ++p)
          if (sp[p]) served &= ~(u64{1} << p);
        u64 served_size;
        if (!size_of_mask(tix, served, served_size)) return false;
        const u64 refetch = uni_entries - served_size;
        pa.reads += refetch;
        pa.updates += uni_entries;
        ch.writes += refetch;
        ch.reads += child_entries;
        ch.hops += child_entries - uni_entries;
      }
      a = i;
    }
    // Operands of the MACs under the innermost keeping level a.
    u64 mac_box = 0;
    for (int p = lvstart[a]; p < n; ++p)
      if (sp[p]) mac_box |= u64{1} << p;
    u64 per_step;
    if (!size_of_mask(tix, mac_box, per_step)) return false;
    TensorAccess& acc = tc.level[a];
    acc.reads += per_step;
    if (t == Tensor::Outputs) {
      acc.updates += per_step;
      const u64 reduced = layer.macs() - per_step;
      if (a + 1 < L)
        tc.level[a + 1].hops += reduced;
      else
        tc.mac_hops += reduced;
    }
    return true;
  }

  // A tensor's counts depend on the nest only through: which levels keep it; the factors,
  // levels and kinds of its non-Single dimensions' loops; and where the other loops are (a
  // temporal loop of a Single dimension ends every transition walk that reaches it; spatial loops
  // shape the boxes), not their factors (Single dimensions always sum to their bounds). Keyed by
  // that, whole tensors are memoised: a search varies most factors without changing it.
  // False if the nest does not fit the key's packing.
  bool tensor_key(const Nest& nest, int tix, u64* key, int& len) const {
    const int L = nest.num_levels;
    const unsigned single = tinfo[tix].single_mask;
    len = 0;
    key[len++] = 4u | static_cast<u64>(tix) << 8 | static_cast<u64>(L) << 12;
    u64 keeps = 0;
    for (int lv = 0; lv < L; ++lv)
      if (nest.keeps[lv][tix]) keeps |= u64{1} << lv;
    key[len++] = keeps;
    for (int p = 0; p < n; ++p) {
      const u64 base = static_cast<u64>(lvl[p]) << 5 | (sp[p] ? 2u : 0u);
      if (single >> dim[p] & 1) {
        key[len++] = base;  // even: a Single dimension's loop, factor irrelevant
      } else {
        if (fac[p] >= (std::int64_t{1} << 52)) return false;
        key[len++] = static_cast<u64>(fac[p]) << 12 | base | static_cast<u64>(dim[p]) << 2 | 1u;
      }
    }
    return true;
  }

  // False if the nest is not of the fast shape (then `out` is partially written).
  // mask: the tensors to count (bit t); use_memo: whether to use the whole-tensor memo.
  bool count_fast(const Nest& nest, Counts& out, unsigned mask, bool use_memo) {
    const int L = nest.num_levels;
    if (L > kMaxLevels) return false;
    n = 0;
    dcount.fill(0);
    lvstart.fill(-1);
    u64 cycles = 1;  // ≤ the padded nest ≤ 2^60
    for (const FlatLoop& l : nest.loops) {
      if (!l.spatial) cycles *= static_cast<u64>(l.factor);
      if (l.factor == 1) continue;
      if (n == kMaxLoops) return false;
      dim[n] = static_cast<std::uint8_t>(l.dim);
      fac[n] = l.factor;
      str[n] = l.stride;
      lvl[n] = l.level;
      sp[n] = l.spatial;
      if (lvstart[l.level] < 0) lvstart[l.level] = n;
      const int d = static_cast<int>(l.dim);
      dpos[d][dcount[d]++] = static_cast<std::uint8_t>(n);
      ++n;
    }
    lvstart[L] = n;
    for (int lv = L - 1; lv >= 0; --lv)
      if (lvstart[lv] < 0) lvstart[lv] = lvstart[lv + 1];
    lens_[n].fill(1);
    for (int j = n - 1; j >= 0; --j) {
      lens_[j] = lens_[j + 1];
      lens_[j][dim[j]] *= fac[j];
    }
    ++stamp_;
    ++clock_;

    out.levels.resize(static_cast<std::size_t>(L));
    out.macs = layer.macs();
    out.mac_hops = 0;
    out.compute_cycles = cycles;
    for (int tix = 0; tix < kNumTensors; ++tix) {
      if (!(mask >> tix & 1)) continue;
      LastTensor& last = last_[tix];
      u64 key[kTensorKeyWords];
      int len = 0;
      const u64* src = nullptr;  // the tensor's counts: 4 words per level, then mac_hops
      u64 h = 0;
      TensorMemoUse& use = tensor_use_[tix];
      const bool keyed = use_memo && clock_ >= use.skip_until && tensor_key(nest, tix, key, len);
      if (keyed) {
        if (len == last.len && same_words(key, last.key.data(), len)) {
          src = last.vals.data();  // as the previous nest: the common case in a search
        } else {
          h = Memo::hash(key, len);
          src = memo.find(key, len, h);
        }
        // A tensor whose counts change with almost every nest (e.g. the inputs when the search
        // varies the output-channel tiling) is not worth looking up and storing: pause it.
        use.hits += src != nullptr ? 1 : 0;
        if (++use.lookups == kUseWindow) {
          if (use.hits < kUseWindow / 4) use.skip_until = clock_ + kUsePause;
          use.lookups = use.hits = 0;
        }
      }
      const int words = 4 * L + 1;
      if (src != nullptr) {
        ++stats.tensor_hits;
      } else {
        TensorCounts& tc = tc_;
        if (!count_tensor(nest, tix, tc)) return false;
        u64* buf = computed_.data();
        std::memcpy(buf, static_cast<const void*>(tc.level.data()),
                    sizeof(TensorAccess) * static_cast<std::size_t>(L));
        buf[4 * L] = tc.mac_hops;
        src = buf;
        if (keyed) {
          ++stats.tensor_misses;
          if (memo.insert(key, len, h, buf, words)) ++stats.memo_clears;
        }
      }
      if (keyed && src != last.vals.data()) {
        last.len = len;
        std::memcpy(last.key.data(), key, sizeof(u64) * static_cast<std::size_t>(len));
        std::memcpy(last.vals.data(), src, sizeof(u64) * static_cast<std::size_t>(words));
      }
      for (int lv = 0; lv < L; ++lv) {
        TensorAccess& acc = out.levels[lv].tensor[tix];
        const u64* w = src + 4 * lv;
        acc.reads = w[0];
        acc.writes = w[1];
        acc.updates = w[2];
        acc.hops = w[3];
      }
      out.mac_hops += src[4 * L];
    }
    return true;
  }
};

FastCounter::FastCounter(const Layer& layer, const Arch& arch, int memo_log2_slots)
    : impl_(std::make_unique<Impl>(layer, std::clamp(memo_log2_slots, 1, 24))) {
  (void)arch;  // the counts depend on the arch only through the mapping
}

FastCounter::~FastCounter() = default;

const FastCounter::Stats& FastCounter::stats() const { return impl_->stats; }

void FastCounter::count(const Nest& nest, Counts& out) {
  if (impl_->count_fast(nest, out, (1u << kNumTensors) - 1, true)) {
    ++impl_->stats.fast;
    return;
  }
  ++impl_->stats.general;
  out = nest_counts(impl_->layer, nest);
}

void FastCounter::count_tensors(const Nest& nest, Counts& out, unsigned tensors) {
  if (impl_->count_fast(nest, out, tensors, false)) {
    ++impl_->stats.fast;
    return;
  }
  ++impl_->stats.general;
  out = nest_counts(impl_->layer, nest);
}

}  // namespace erg::detail
