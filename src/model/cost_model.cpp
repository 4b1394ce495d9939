// The analytical model. docs/model.md states the counting rules; cost_model.h summarises them.
//
// How the sums are computed without walking the nest. A tile (the data a buffer instance holds,
// or the union over a parent's children) is a product over the tensor's dimensions of one set
// each: a range of positions for N, G, M, C; for inputs the rows {p·U + r·D − pad} and columns
// {q·U + s·D − pad} that the P×R (Q×S) ranges touch, clipped to the ifmap; and for a dimension the
// tensor does not depend on, only whether its range is non-empty (an idle instance holds nothing).
// Each of these "groups" depends only on the indices of the loops over its own dimensions, and the
// loops are independent, so a sum over all loop indices of a product over groups is the product of
// per-group sums. Fills are Σ|tile_t| − Σ|tile_t ∩ tile_{t−1}|; every step t−1 → t is a step of
// one time loop k with all time loops inside k wrapping from their last index to 0, so the second
// sum is a sum over k of a product of per-group sums. Each per-group sum enumerates only the
// indices of that group's loops: cheap, and exact, including clipping at the edges, padding,
// strides, dilation and imperfect factors.
#include "erg/cost_model.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>

#include "model/nest.h"
#include "model/sums.h"

namespace erg {

using detail::FlatLoop;
using detail::Group;
using detail::GroupKind;
using detail::i128;
using detail::Nest;
using detail::PosSet;
using detail::u128;

namespace {

std::uint64_t narrow(u128 v) {
  // Counts are bounded by the (validated) size of the padded nest times a small factor; a value
  // past 64 bits cannot arise from a validated mapping.
  assert(v <= static_cast<u128>(~std::uint64_t{0}));
  return static_cast<std::uint64_t>(v);
}

// The relative positions a box of loops covers in one dimension.
struct Pattern {
  bool contiguous = true;
  std::int64_t len = 1;            // contiguous: offsets 0 .. len-1
  std::vector<std::int64_t> offs;  // otherwise: sorted offsets
};

Pattern make_pattern(const Nest& nest, Dim d, const std::vector<char>& in_box) {
  std::vector<std::pair<std::int64_t, std::int64_t>> sf;  // (stride, factor)
  for (std::size_t i = 0; i < nest.loops.size(); ++i) {
    const FlatLoop& l = nest.loops[i];
    if (in_box[i] && l.dim == d && l.factor > 1) sf.emplace_back(l.stride, l.factor);
  }
  std::sort(sf.begin(), sf.end());
  Pattern p;
  std::int64_t expect = 1;
  bool contiguous = true;
  for (auto [s, f] : sf) {
    if (s != expect) contiguous = false;
    expect = s * f;
  }
  if (contiguous) {
    p.len = expect;
    return p;
  }
  p.contiguous = false;
  p.offs = {0};
  for (auto [s, f] : sf) {
    std::vector<std::int64_t> next;
    next.reserve(p.offs.size() * static_cast<std::size_t>(f));
    for (std::int64_t k = 0; k < f; ++k)
      for (auto o : p.offs) next.push_back(o + k * s);
    p.offs.swap(next);
  }
  std::sort(p.offs.begin(), p.offs.end());
  p.offs.erase(std::unique(p.offs.begin(), p.offs.end()), p.offs.end());
  return p;
}

// Positions {o + pattern} clipped to [0, bound).
void positions(const Pattern& pat, std::int64_t o, std::int64_t bound, PosSet& out) {
  if (pat.contiguous) {
    out.interval = true;
    out.lo = std::max<std::int64_t>(o, 0);
    out.hi = std::min<std::int64_t>(o + pat.len, bound);
    if (out.hi < out.lo) out.hi = out.lo;
    return;
  }
  out.interval = false;
  out.v.clear();
  for (auto off : pat.offs) {
    const std::int64_t x = o + off;
    if (x >= 0 && x < bound) out.v.push_back(x);
  }
}

bool in_group(const Group& g, Dim d) { return d == g.d0 || d == g.d1; }

// How one loop of a group is enumerated in a per-group sum.
struct Choice {
  int loop = 0;
  std::int64_t count = 1;  // number of choices
  int mode = 0;            // 0: after=before=c; 1: after=c+1, before=c; 2: after=0, before=f-1;
                           // 3: after=c, before in box
};

class Summer {
 public:
  Summer(const Layer& layer, const Nest& nest, Tensor t)
      : layer_(layer), nest_(nest), groups_(detail::groups_for(layer, t)) {}

  // Σ over all enumerated indices of |tile| for the box.
  u128 size_sum(const std::vector<char>& box) {
    u128 total = 1;
    for (const Group& g : groups_) {
      // Every loop over the dimension is either in the box or enumerated, so the tiles partition
      // the padded range of positions: single dimensions sum to their bound, and a contiguous
      // box of length len has ceil(bound / len) non-empty tiles.
      if (g.kind != GroupKind::Sliding) {
        const Pattern pat = make_pattern(nest_, g.d0, box);
        const std::int64_t b = nest_.bound[static_cast<int>(g.d0)];
        if (g.kind == GroupKind::Single) {
          total *= static_cast<u128>(b);
          continue;
        }
        if (pat.contiguous) {
          total *= static_cast<u128>((b + pat.len - 1) / pat.len);
          continue;
        }
      }
      std::vector<Choice> ch;
      for (int i = 0; i < static_cast<int>(nest_.loops.size()); ++i)
        if (!box[i] && in_group(g, nest_.loops[i].dim)) ch.push_back({i, nest_.loops[i].factor, 3});
      total *= group_sum(g, ch, box, box, /*intersect=*/false);
      if (total == 0) return 0;
    }
    return total;
  }

  // Σ over all steps t−1 → t of |tile_after(t) ∩ tile_before(t−1)|. Loops outside box_after are
  // enumerated for the after-side tile; loops also outside box_before are shared (temporal ones
  // are the time loops). A loop in box_before but not box_after must be spatial (a sibling index).
  u128 transition_sum(const std::vector<char>& box_after, const std::vector<char>& box_before) {
    u128 total = 0;
    const int n = static_cast<int>(nest_.loops.size());
    std::map<std::pair<std::size_t, int>, u128> memo;
    for (int k = 0; k < n; ++k) {
      const FlatLoop& lk = nest_.loops[k];
      if (lk.spatial || box_after[k] || box_before[k] || lk.factor < 2) continue;
      u128 prod = 1;
      for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        const Group& g = groups_[gi];
        // A group's sum depends on k only through whether k is one of its loops and which of its
        // loops lie inside k; steps of other loops with the same answer share one computation.
        int key = -1;
        if (in_group(g, lk.dim)) {
          key = k;
        } else {
          key = n + n;  // no loop of the group inside k
          for (int i = k + 1; i < n; ++i)
            if (in_group(g, nest_.loops[i].dim) && !nest_.loops[i].spatial && !box_after[i] &&
                !box_before[i]) {
              key = n + i;
              break;
            }
        }
        auto cached = memo.find({gi, key});
        if (cached != memo.end()) {
          prod *= cached->second;
          if (prod == 0) break;
          continue;
        }
        std::vector<Choice> ch;
        for (int i = 0; i < n; ++i) {
          const FlatLoop& l = nest_.loops[i];
          if (!in_group(g, l.dim) || box_after[i]) continue;
          if (box_before[i]) {
            ch.push_back({i, l.factor, 3});
          } else if (i == k) {
            ch.push_back({i, l.factor - 1, 1});
          } else if (!l.spatial && i > k) {
            ch.push_back({i, 1, 2});
          } else {
            ch.push_back({i, l.factor, 0});
          }
        }
        u128 v;
        if (!disjoint_tiles(g, ch, box_after, box_before))
          v = group_sum(g, ch, box_after, box_before, /*intersect=*/true);
        else if (g.kind == GroupKind::Single)
          v = single_transition(g, ch);
        else
          v = indicator_transition(g, ch);
        memo.emplace(std::make_pair(gi, key), v);
        prod *= v;
        if (prod == 0) break;
      }
      total += prod;
    }
    return total;
  }

 private:
  // True when a one-dimension group's tiles at different positions cannot overlap: both sides
  // use the same contiguous box, and every enumerated loop steps by at least the box length (so
  // positions are distinct multiples of it). Then a step either keeps the tile or replaces it.
  bool disjoint_tiles(const Group& g, const std::vector<Choice>& ch, const std::vector<char>& box_a,
                      const std::vector<char>& box_b) const {
    if (g.kind == GroupKind::Sliding) return false;
    // The after-side tile (a child's) lies inside the before-side one (the same, or the union of
    // the siblings'); the loops in between are the sibling digits (mode 3).
    for (std::size_t i = 0; i < nest_.loops.size(); ++i)
      if (nest_.loops[i].dim == g.d0 && box_a[i] && !box_b[i]) return false;
    const Pattern pat_a = make_pattern(nest_, g.d0, box_a);
    const Pattern pat_b = make_pattern(nest_, g.d0, box_b);
    if (!pat_a.contiguous || !pat_b.contiguous) return false;
    bool siblings = false;
    for (const Choice& c : ch) {
      if (c.mode == 3) {
        siblings = true;
        continue;
      }
      if (nest_.loops[c.loop].factor > 1 && nest_.loops[c.loop].stride < pat_b.len) return false;
    }
    return !siblings || g.kind == GroupKind::Single;
  }

  // Σ |tile_after ∩ tile_before| for such a group: zero when the step moves the (union) tile (the
  // stepping loop is the group's, or one of its loops wraps); otherwise each after-side tile lies
  // inside its before-side tile, and the after-side tiles partition the dimension, so the sum is
  // the bound.
  u128 single_transition(const Group& g, const std::vector<Choice>& ch) const {
    for (const Choice& c : ch) {
      if (c.mode == 1) return 0;
      if (c.mode == 2 && nest_.loops[c.loop].factor > 1) return 0;
    }
    return static_cast<u128>(nest_.bound[static_cast<int>(g.d0)]);
  }

  // Σ [tile_after non-empty]·[tile_before non-empty] for an indicator group whose tiles are
  // disjoint: tile starts are distinct multiples of the box length L, and a tile is non-empty iff
  // it starts below the bound. The enumerated loops are the mixed-radix digits of the start above
  // L. If the stepping loop k is the group's, after = before + s_k − Σ(wrapping digits) > before;
  // otherwise only wrapping digits differ and before > after. So the pair is non-empty iff the
  // later start is below the bound: a count of digit vectors, with the stepping digit in
  // [1, f_k − 1] and wrapping digits fixed (0 after, f − 1 before), whose weighted sum is below
  // the bound. No enumeration: one pass over the digits.
  u128 indicator_transition(const Group& g, const std::vector<Choice>& ch) const {
    bool stepping = false;
    for (const Choice& c : ch) stepping = stepping || c.mode == 1;
    struct Digit {
      std::int64_t stride, lo, hi;
    };
    std::vector<Digit> digits;
    for (const Choice& c : ch) {
      const FlatLoop& l = nest_.loops[c.loop];
      Digit d{l.stride, 0, l.factor - 1};
      if (c.mode == 1) d = {l.stride, 1, l.factor - 1};
      if (c.mode == 2)
        d = stepping ? Digit{l.stride, 0, 0} : Digit{l.stride, l.factor - 1, l.factor - 1};
      if (d.hi < d.lo) return 0;
      digits.push_back(d);
    }
    std::sort(digits.begin(), digits.end(),
              [](const Digit& a, const Digit& b) { return a.stride > b.stride; });
    return count_starts_below(digits, nest_.bound[static_cast<int>(g.d0)]);
  }

  // Number of digit vectors (d_j in [lo_j, hi_j], strides descending, each stride larger than the
  // largest sum the lower digits can make) with Σ d_j·stride_j < x.
  template <class Digit>
  static u128 count_starts_below(const std::vector<Digit>& digits, std::int64_t x) {
    const std::size_t n = digits.size();
    std::vector<u128> lower_count(n + 1, 1);  // combinations of digits j.. n-1
    std::vector<i128> lower_max(n + 1, 0), lower_min(n + 1, 0);
    for (std::size_t j = n; j-- > 0;) {
      const Digit& d = digits[j];
      lower_count[j] = lower_count[j + 1] * static_cast<u128>(d.hi - d.lo + 1);
      lower_max[j] = lower_max[j + 1] + static_cast<i128>(d.hi) * d.stride;
      lower_min[j] = lower_min[j + 1] + static_cast<i128>(d.lo) * d.stride;
    }
    u128 count = 0;
    i128 rest = x;
    for (std::size_t j = 0; j < n; ++j) {
      const Digit& d = digits[j];
      // Digit values for which every lower combination stays below `rest`: d·s + max < rest.
      const i128 room = rest - lower_max[j + 1] - 1;
      i128 full_hi = room < 0 ? -1 : room / d.stride;
      if (full_hi > d.hi) full_hi = d.hi;
      if (full_hi >= d.lo) count += static_cast<u128>(full_hi - d.lo + 1) * lower_count[j + 1];
      // At most one digit value leaves some lower combinations below and some not.
      const i128 partial = full_hi < d.lo ? d.lo : full_hi + 1;
      if (partial > d.hi) return count;
      const i128 left = rest - partial * d.stride;
      if (left <= lower_min[j + 1]) return count;
      rest = left;
    }
    return count + (rest > 0 ? 1 : 0);
  }

  u128 group_sum(const Group& g, const std::vector<Choice>& ch, const std::vector<char>& box_a,
                 const std::vector<char>& box_b, bool intersect) {
    const Pattern pa0 = make_pattern(nest_, g.d0, box_a);
    const Pattern pb0 = make_pattern(nest_, g.d0, box_b);
    Pattern pa1, pb1;
    if (g.kind == GroupKind::Sliding) {
      pa1 = make_pattern(nest_, g.d1, box_a);
      pb1 = make_pattern(nest_, g.d1, box_b);
    }
    for (const Choice& c : ch)
      if (c.count <= 0) return 0;
    std::vector<std::int64_t> idx(ch.size(), 0);
    const std::int64_t b0 = nest_.bound[static_cast<int>(g.d0)];
    const std::int64_t b1 = nest_.bound[static_cast<int>(g.d1)];
    u128 sum = 0;
    PosSet a0, a1, b0s, b1s, ha, hb;
    while (true) {
      std::int64_t oa0 = 0, oa1 = 0, ob0 = 0, ob1 = 0;
      for (std::size_t j = 0; j < ch.size(); ++j) {
        const FlatLoop& l = nest_.loops[ch[j].loop];
        std::int64_t ia = idx[j], ib = idx[j];
        switch (ch[j].mode) {
          case 1:
            ia = idx[j] + 1;
            break;
          case 2:
            ia = 0;
            ib = l.factor - 1;
            break;
          case 3:
            ib = 0;
            break;  // before side: in box (no offset)
          default:
            break;
        }
        const bool first = l.dim == g.d0;
        (first ? oa0 : oa1) += ia * l.stride;
        if (ch[j].mode != 3) (first ? ob0 : ob1) += ib * l.stride;
      }
      std::int64_t value = 0;
      positions(pa0, oa0, b0, a0);
      if (g.kind == GroupKind::Sliding) {
        positions(pa1, oa1, b1, a1);
        detail::sliding(a0, a1, g.u, g.dil, g.pad, g.extent, ha);
      }
      if (!intersect) {
        value = g.kind == GroupKind::Single    ? a0.size()
                : g.kind == GroupKind::Sliding ? ha.size()
                                               : (a0.empty() ? 0 : 1);
      } else {
        positions(pb0, ob0, b0, b0s);
        switch (g.kind) {
          case GroupKind::Single:
            value = detail::intersect_count(a0, b0s);
            break;
          case GroupKind::Indicator:
            value = (!a0.empty() && !b0s.empty()) ? 1 : 0;
            break;
          case GroupKind::Sliding:
            positions(pb1, ob1, b1, b1s);
            detail::sliding(b0s, b1s, g.u, g.dil, g.pad, g.extent, hb);
            value = detail::intersect_count(ha, hb);
            break;
        }
      }
      sum += static_cast<u128>(value);
      // Odometer.
      std::size_t j = ch.size();
      while (j > 0) {
        --j;
        if (++idx[j] < ch[j].count) break;
        idx[j] = 0;
        if (j == 0) return sum;
      }
      if (ch.empty()) return sum;
    }
  }

  const Layer& layer_;
  const Nest& nest_;
  std::vector<Group> groups_;
};

std::vector<char> mask_levels_from(const Nest& nest, int level) {
  std::vector<char> m(nest.loops.size(), 0);
  for (std::size_t i = 0; i < nest.loops.size(); ++i) m[i] = nest.loops[i].level >= level;
  return m;
}

}  // namespace

Counts analytical_counts(const Layer& layer, const Arch& arch, const Mapping& mapping) {
  (void)arch;
  return detail::nest_counts(layer, detail::flatten(layer, mapping));
}

Counts detail::nest_counts(const Layer& layer, const Nest& nest) {
  const int L = nest.num_levels;
  Counts c;
  c.levels.resize(static_cast<std::size_t>(L));
  c.macs = layer.macs();
  u128 cycles = 1;
  for (const auto& l : nest.loops)
    if (!l.spatial) cycles *= static_cast<u128>(l.factor);
  c.compute_cycles = narrow(cycles);

  for (Tensor t : kAllTensors) {
    const int ti = static_cast<int>(t);
    Summer sum(layer, nest, t);
    const std::vector<int> keep = detail::keeping_levels(nest, t);
    for (std::size_t k = 1; k < keep.size(); ++k) {
      const int a = keep[k - 1], i = keep[k];
      const std::vector<char> child = mask_levels_from(nest, i);
      std::vector<char> uni = child;
      for (std::size_t j = 0; j < nest.loops.size(); ++j)
        if (nest.loops[j].spatial && nest.loops[j].level >= a && nest.loops[j].level < i)
          uni[j] = 1;
      const u128 child_size = sum.size_sum(child);
      const u128 child_self = sum.transition_sum(child, child);
      const u128 child_entries = child_size - child_self;
      const u128 uni_entries = sum.size_sum(uni) - sum.transition_sum(uni, uni);
      TensorAccess& pa = c.levels[a].tensor[ti];
      TensorAccess& ch = c.levels[i].tensor[ti];
      if (t != Tensor::Outputs) {
        const u128 cross = sum.transition_sum(child, uni);
        ch.writes += narrow(child_entries);
        pa.reads += narrow(uni_entries);
        ch.hops += narrow(cross - child_self);
      } else {
        // Per parent instance, an element's first entry starts from zero; later entries fetch the
        // parent's partial. Σ over parent instances of the elements each ever serves is the
        // footprint of every loop except the spatial loops that select the parent instance.
        std::vector<char> served(nest.loops.size(), 1);
        for (std::size_t j = 0; j < nest.loops.size(); ++j)
          if (nest.loops[j].spatial && nest.loops[j].level < a) served[j] = 0;
        const u128 refetch = uni_entries - sum.size_sum(served);
        pa.reads += narrow(refetch);
        pa.updates += narrow(uni_entries);
        ch.writes += narrow(refetch);
        ch.reads += narrow(child_entries);
        ch.hops += narrow(child_entries - uni_entries);
      }
    }
    // Operands of the MACs under the innermost keeping level.
    const int kj = keep.back();
    std::vector<char> mac_box(nest.loops.size(), 0);
    for (std::size_t j = 0; j < nest.loops.size(); ++j)
      mac_box[j] = nest.loops[j].spatial && nest.loops[j].level >= kj;
    const std::uint64_t per_step = narrow(sum.size_sum(mac_box));
    TensorAccess& acc = c.levels[kj].tensor[ti];
    acc.reads += per_step;
    if (t == Tensor::Outputs) {
      acc.updates += per_step;
      const std::uint64_t reduced = c.macs - per_step;
      if (kj + 1 < L)
        c.levels[kj + 1].tensor[ti].hops += reduced;
      else
        c.mac_hops += reduced;
    }
  }
  return c;
}

}  // namespace erg
