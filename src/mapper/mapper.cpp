// The mapper: an exhaustive branch-and-bound search over a dataflow's mapspace (mapspace.h).
//
// Enumeration. Dimensions are taken one after another; for each, an inner option (PE, Y, X
// factors), then, once every dimension has one, a buffer factor per dimension, then every allowed
// buffer and off-chip loop order. Hardware limits cut whole subtrees, and the mappings in a cut
// subtree are counted exactly (not enumerated) so that the statistics add up to the mapspace:
// the number of orders of a mapping depends only on how many buffer and off-chip loops are
// non-unit, so per-dimension histograms of (buffer loop > 1, off-chip loop > 1) convolve into
// exact subtree sizes.
//
// Cuts, and why each is safe:
//   - array: spatial products only grow as dimensions are added, so a partial product above the
//     mesh rules out every completion;
//   - capacity: tiles grow monotonically with every factor (tile_words is monotone in each
//     dimension's extent), so a partial tile computed with the unchosen factors at their minimum
//     is a lower bound on every completion's tile;
//   - bound: see lower_bound() — a mapping is pruned only if its bound is strictly above the best
//     objective found, so ties (broken by active PEs, then cycles, then enumeration order) are
//     never lost.
#include "erg/mapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

#include "erg/text.h"
#include "mapper/mapspace.h"
#include "model/nest.h"
#if __has_include("model/fast_counts.h")
#include "model/fast_counts.h"
#define ERG_HAVE_FAST_COUNTS 1
#endif

namespace erg {

namespace {

using detail::Mapspace;
__extension__ typedef unsigned __int128 u128;

constexpr int kPE = 0, kY = 1, kX = 2, kB = 3, kD = 4;

int di(Dim d) { return static_cast<int>(d); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::uint64_t saturate(u128 v) {
  return v > static_cast<u128>(~std::uint64_t{0}) ? ~std::uint64_t{0}
                                                  : static_cast<std::uint64_t>(v);
}

// Counts of mappings by (non-unit permuted buffer loops, non-unit off-chip loops).
struct Hist {
  static constexpr int kMax = kNumDims + 1;
  std::array<u128, kMax * kMax> c{};
  u128& at(int b, int d) { return c[static_cast<std::size_t>(b * kMax + d)]; }
  u128 at(int b, int d) const { return c[static_cast<std::size_t>(b * kMax + d)]; }
  static Hist unit() {
    Hist h;
    h.at(0, 0) = 1;
    return h;
  }
};

// A per-option histogram only has the four corners (0/1, 0/1).
using Bits4 = std::array<u128, 4>;  // index b*2+d

Hist convolve(const Hist& h, const Bits4& o) {
  Hist r;
  for (int b = 0; b < Hist::kMax; ++b)
    for (int d = 0; d < Hist::kMax; ++d) {
      const u128 v = h.at(b, d);
      if (v == 0) continue;
      for (int bb = 0; bb < 2; ++bb)
        for (int dd = 0; dd < 2; ++dd) {
          const u128 w = o[static_cast<std::size_t>(bb * 2 + dd)];
          if (w == 0) continue;
          if (b + bb < Hist::kMax && d + dd < Hist::kMax) r.at(b + bb, d + dd) += v * w;
        }
    }
  return r;
}

u128 factorial(int n) {
  u128 f = 1;
  for (int i = 2; i <= n; ++i) f *= static_cast<u128>(i);
  return f;
}

struct Tuple {
  std::array<int, kNumDims> inner{};
  std::array<int, kNumDims> buf{};
};

// The total order of candidate mappings: objective, then more active PEs, then fewer cycles, then
// enumeration position (tuple, then order index).
struct Key {
  double objective = std::numeric_limits<double>::infinity();
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
};

class Search {
 public:
  Search(const Layer& layer, const Arch& arch, const Mapspace& space, const MapperOptions& opt)
      : layer_(layer), arch_(arch), s_(space), opt_(opt) {
    // Dimensions with the most inner options first (they split best across threads).
    order_.assign(kAllDims.begin(), kAllDims.end());
    std::stable_sort(order_.begin(), order_.end(), [&](Dim a, Dim b) {
      return s_.dims[di(a)].inner.size() > s_.dims[di(b)].inner.size();
    });
    for (Dim d : kAllDims) {
      const auto& ds = s_.dims[di(d)];
      inner_bits_[di(d)].resize(ds.inner.size());
      for (std::size_t i = 0; i < ds.inner.size(); ++i) {
        Bits4 acc{};
        for (std::int64_t b : ds.buffer[i]) acc[bits_index(d, ds.inner[i], b)] += 1;
        inner_bits_[di(d)][i] = acc;
        for (int k = 0; k < 4; ++k) full_bits_[di(d)][k] += acc[k];
      }
    }
    // suffix_[j]: histogram of the dimensions order_[j..] with every option.
    suffix_[kNumDims] = Hist::unit();
    for (int j = kNumDims - 1; j >= 0; --j)
      suffix_[j] = convolve(suffix_[j + 1], full_bits_[di(order_[j])]);
    for (int nb = 0; nb < Hist::kMax; ++nb)
      for (int nd = 0; nd < Hist::kMax; ++nd)
        weight_[nb][nd] = (s_.b_permute ? factorial(nb) : 1) * (s_.d_permute ? factorial(nd) : 1);
    mapspace_ = saturate(weigh(suffix_[0]));
    for (int j = 0; j <= kNumDims; ++j)
      for (int a = 0; a < Hist::kMax * Hist::kMax; ++a) {
        const int nb = a / Hist::kMax, nd = a % Hist::kMax;
        u128 w = 0;
        for (int b2 = 0; nb + b2 < Hist::kMax; ++b2)
          for (int d2 = 0; nd + d2 < Hist::kMax; ++d2)
            if (suffix_[j].at(b2, d2)) w += suffix_[j].at(b2, d2) * weight_[nb + b2][nd + d2];
        suffix_weight_[j][static_cast<std::size_t>(a)] = w;
      }
    for (Dim d : kAllDims) {
      auto& cum = cum_bits_[di(d)];
      cum.assign(inner_bits_[di(d)].size() + 1, Bits4{});
      for (std::size_t i = 0; i < inner_bits_[di(d)].size(); ++i)
        for (int k = 0; k < 4; ++k) cum[i + 1][k] = cum[i][k] + inner_bits_[di(d)][i][k];
    }
    const double ref = arch.compute.reference_bits;
    compute_energy_ = layer.nonzero_macs() * arch.compute.mac_energy *
                      (layer.format(Tensor::Weights).bits * layer.format(Tensor::Inputs).bits) /
                      (ref * ref);
    for (int lv = 0; lv < arch.num_levels(); ++lv) {
      const StorageLevel& st = arch.levels[lv];
      for (Tensor t : kAllTensors) {
        const int ti = static_cast<int>(t);
        const TensorFormat& f = layer.format(t);
        scale_[lv][ti] =
            bits_per_element(st.compression[ti], f.bits, f.density, st.rle_run_bits) / st.word_bits;
      }
    }
    mac_hop_energy_ = arch.compute.hop_energy * layer.format(Tensor::Outputs).bits / ref;
  }

  std::uint64_t mapspace() const { return mapspace_; }

  // Searches the top-level options i with i % stride == offset.
  void run(int offset, int stride, Best& best, MapperStats& st, std::atomic<std::uint64_t>& done,
           const std::function<void()>& tick) {
    best_ = &best;
    st_ = &st;
#ifdef ERG_HAVE_FAST_COUNTS
    counter_ = std::make_unique<detail::FastCounter>(layer_, arch_);
#endif
    const Dim d0 = order_[0];
    const auto& ds = s_.dims[di(d0)];
    for (std::size_t i = 0; i < ds.inner.size(); ++i) {
      if (static_cast<int>(i % static_cast<std::size_t>(stride)) != offset) continue;
      if (stop_) break;
      if (cancelled()) {
        st.optimal = false;
        break;
      }
      top_index_ = i;
      enumerate_inner(0, Hist::unit());
      done.fetch_add(1, std::memory_order_relaxed);
      if (tick) tick();
    }
  }

  std::size_t top_options() const { return s_.dims[di(order_[0])].inner.size(); }

 private:
  std::size_t bits_index(Dim d, const detail::InnerOption& in, std::int64_t b) const {
    const std::int64_t D = layer_.dim(d);
    const std::int64_t off = ceil_div(D, in.pe * in.y * in.x * b);
    const bool bperm =
        s_.b_permute && b > 1 &&
        std::find(s_.b_permuted.begin(), s_.b_permuted.end(), d) != s_.b_permuted.end();
    return static_cast<std::size_t>((bperm ? 2 : 0) + (off > 1 ? 1 : 0));
  }

  u128 weigh(const Hist& h) const {
    u128 total = 0;
    for (int nb = 0; nb < Hist::kMax; ++nb)
      for (int nd = 0; nd < Hist::kMax; ++nd)
        if (h.at(nb, nd)) total += h.at(nb, nd) * weight_[nb][nd];
    return total;
  }

  bool cancelled() const {
    return opt_.cancel != nullptr && opt_.cancel->load(std::memory_order_relaxed);
  }

  // Per-dimension extents of the tile at the PE level (slot PE) or the buffer (PE·Y·X·B), with
  // unchosen dimensions at their smallest option.
  bool fits(int level, const std::array<std::int64_t, kNumDims>& ext) const {
    const StorageLevel& st = arch_.levels[level];
    if (st.capacity == 0 && !st.partitioned) return true;
    const auto words = tile_words_for_extents(layer_, arch_, ext, level);
    const auto& keeps = s_.keeps[level];
    if (st.partitioned) {
      for (int t = 0; t < kNumTensors; ++t)
        if (keeps[t] && st.capacity_per_tensor[t] > 0 && words[t] > st.capacity_per_tensor[t])
          return false;
      return true;
    }
    std::uint64_t sum = 0;
    for (int t = 0; t < kNumTensors; ++t)
      if (keeps[t]) sum += words[t];
    return sum <= st.capacity;
  }

  void add(std::uint64_t& counter, u128 v) { counter = saturate(static_cast<u128>(counter) + v); }

  // Mappings under the options [lo, hi) of dimension order_[j], given the earlier choices.
  u128 completions(int j, const Hist& prefix, std::size_t lo, std::size_t hi) const {
    const Dim d = order_[j];
    const auto& cum = cum_bits_[di(d)];
    Bits4 range{};
    for (int k = 0; k < 4; ++k) range[k] = cum[hi][k] - cum[lo][k];
    const Hist h = convolve(prefix, range);
    u128 total = 0;
    for (std::size_t a = 0; a < h.c.size(); ++a)
      if (h.c[a]) total += h.c[a] * suffix_weight_[j + 1][a];
    return total;
  }

  // Inner options of dimension order_[j]. Options are sorted by PE factor, then grouped by
  // (PE, Y) with X ascending, so a capacity failure rules out the rest of the list and an array
  // failure the rest of the group.
  void enumerate_inner(int j, const Hist& prefix) {
    if (stop_) return;
    const Dim d = order_[j];
    const auto& opts = s_.dims[di(d)].inner;
    const std::size_t n = opts.size();
    std::size_t i = j == 0 ? top_index_ : 0;
    const std::size_t end = j == 0 ? top_index_ + 1 : n;
    while (i < end) {
      const auto& in = opts[i];
      pe_ext_[di(d)] = in.pe;
      if (s_.pe >= 0 && in.pe > 1 && !fits(s_.pe, pe_ext_)) {
        add(st_->rejected_capacity, completions(j, prefix, i, j == 0 ? i + 1 : n));
        break;
      }
      const bool deferred = s_.rs_placement && (d == Dim::M || d == Dim::C);
      const std::int64_t ny = ys_[j] * in.y, nx = xs_[j] * (deferred ? 1 : in.x);
      const std::int64_t area = area_[j] * in.y * in.x;
      if (ny > s_.rows || nx > s_.cols || area > static_cast<std::int64_t>(s_.rows) * s_.cols) {
        std::size_t g = i + 1;
        if (j != 0)
          while (g < n && opts[g].pe == in.pe && opts[g].y == in.y) ++g;
        add(st_->rejected_array, completions(j, prefix, i, g));
        i = g;
        continue;
      }
      tuple_.inner[di(d)] = static_cast<int>(i);
      ys_[j + 1] = ny;
      xs_[j + 1] = nx;
      area_[j + 1] = area;
      const Hist here = convolve(prefix, inner_bits_[di(d)][i]);
      if (j + 1 < kNumDims)
        enumerate_inner(j + 1, here);
      else
        inner_leaf(here);
      ++i;
    }
    pe_ext_[di(d)] = 1;
  }

  void inner_leaf(const Hist& here) {
    for (Dim e : kAllDims) {
      const auto& o = s_.dims[di(e)].inner[static_cast<std::size_t>(tuple_.inner[di(e)])];
      placed_[di(e)] = {o.y, o.x};
      buf_ext_[di(e)] = o.pe * o.y * o.x;
    }
    u128 total = 0;
    for (std::size_t a = 0; a < here.c.size(); ++a)
      if (here.c[a]) total += here.c[a] * suffix_weight_[kNumDims][a];
    if (s_.rs_placement) {
      const std::int64_t r = placed_[di(Dim::C)][1], t = placed_[di(Dim::M)][1];
      const std::int64_t set_rows = placed_[di(Dim::R)][0];
      const detail::Placement pl = detail::place_replicas(r, t, set_rows, s_.rows);
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
    // Every tuple below either reaches leaf() (which accounts for its orders) or fails the buffer
    // capacity: the latter are the difference.
    reached_ = 0;
    choose_buffer(0);
    add(st_->rejected_capacity, total - reached_);
  }

  void choose_buffer(int j) {
    if (j == kNumDims) {
      leaf();
      return;
    }
    const Dim d = order_[j];
    const auto& opts = s_.dims[di(d)].buffer[static_cast<std::size_t>(tuple_.inner[di(d)])];
    const std::int64_t base = buf_ext_[di(d)];
    for (std::size_t k = 0; k < opts.size(); ++k) {
      tuple_.buf[di(d)] = static_cast<int>(k);
      buf_ext_[di(d)] = base * opts[k];
      // Larger buffer factors only grow the tile: the rest of this list fails too.
      if (s_.buf > 0 && !fits(s_.buf, buf_ext_)) break;
      choose_buffer(j + 1);
    }
    buf_ext_[di(d)] = base;
  }

  void leaf() {
    if (stop_) return;
    // Factors per dimension and slot.
    std::array<std::array<std::int64_t, 5>, kNumDims> f{};
    u128 cycles = 1;
    for (Dim d : kAllDims) {
      const auto& in = s_.dims[di(d)].inner[static_cast<std::size_t>(tuple_.inner[di(d)])];
      const std::int64_t b = s_.dims[di(d)].buffer[static_cast<std::size_t>(tuple_.inner[di(d)])]
                                                  [static_cast<std::size_t>(tuple_.buf[di(d)])];
      auto& x = f[di(d)];
      x[kPE] = in.pe;
      x[kY] = placed_[di(d)][0];
      x[kX] = placed_[di(d)][1];
      x[kB] = b;
      x[kD] = ceil_div(layer_.dim(d), in.pe * in.y * in.x * b);
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
    // Bound: compute cycles are the same for every order and never exceed the cycles.
    if (opt_.objective != Objective::Energy && best_->found) {
      double lb = static_cast<double>(cycles);
      if (opt_.objective == Objective::EDP) lb *= compute_energy_;
      if (lb > best_->key.objective) {
        add(st_->pruned_by_bound, orders);
        return;
      }
    }
    std::sort(bperm_.begin(), bperm_.end(), [&](Dim a, Dim b) {
      return index_in(s_.b_permuted, a) < index_in(s_.b_permuted, b);
    });
    int order_index = 0;
    std::vector<Dim>& bp = bperm_;
    do {
      std::vector<Dim>& dp = dlist_;
      std::sort(dp.begin(), dp.end(),
                [&](Dim a, Dim b) { return index_in(s_.d_dims, a) < index_in(s_.d_dims, b); });
      do {
        evaluate_order(f, bp, dp, active, order_index++);
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
    n.num_levels = s_.levels;
    n.bound = layer_.bounds();
    n.keeps.assign(s_.keeps.begin(), s_.keeps.end());
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
#ifdef ERG_HAVE_FAST_COUNTS
    detail::finish_nest(n);
#endif
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

  void evaluate_order(const std::array<std::array<std::int64_t, 5>, kNumDims>& f,
                      const std::vector<Dim>& bp, const std::vector<Dim>& dp, std::uint64_t active,
                      int order_index) {
    if (s_.buf > 0 && !s_.b_permute) {
      // Fixed buffer order: the non-unit loops of b_permuted in the listed order.
      fixed_b_.clear();
      for (Dim d : s_.b_permuted)
        if (f[di(d)][kB] > 1) fixed_b_.push_back(d);
      build_nest(f, fixed_b_, dp);
    } else {
      build_nest(f, bp, dp);
    }
    if (!opt_.pins.empty()) {
      const Mapping m = to_mapping();
      if (!check_pins(opt_.pins, arch_, m).ok()) {
        add(st_->rejected_pinned, 1);
        return;
      }
    }
    if (visit_ != nullptr) {
      ++st_->evaluated;
      if (!(*visit_)(to_mapping())) stop_ = true;
      return;
    }
#ifdef ERG_HAVE_FAST_COUNTS
    counter_->count(nest_, counts_);
#else
    counts_ = analytical_counts(layer_, arch_, to_mapping());
#endif
    ++st_->evaluated;
    const double energy = energy_of(counts_);
    const std::uint64_t cycles = cycles_of(counts_);
    double obj = energy;
    if (opt_.objective == Objective::Delay) obj = static_cast<double>(cycles);
    if (opt_.objective == Objective::EDP) obj = energy * static_cast<double>(cycles);
    Key k;
    k.objective = obj;
    k.active = active;
    k.cycles = cycles;
    for (int d = 0; d < kNumDims; ++d) {
      k.pos[static_cast<std::size_t>(d)] = tuple_.inner[di(order_[d])];
      k.pos[static_cast<std::size_t>(kNumDims + d)] = tuple_.buf[di(order_[d])];
    }
    k.pos[2 * kNumDims] = order_index;
    if (!best_->found || k.better_than(best_->key)) {
      best_->found = true;
      best_->key = k;
      best_->mapping = to_mapping();
    }
  }

  double energy_of(const Counts& c) const {
    double e = compute_energy_;
    for (int lv = 0; lv < s_.levels; ++lv) {
      const StorageLevel& st = arch_.levels[lv];
      for (int t = 0; t < kNumTensors; ++t) {
        const TensorAccess& a = c.levels[lv].tensor[t];
        e += scale_[lv][t] * (static_cast<double>(a.reads) * st.read_energy +
                              static_cast<double>(a.writes) * st.write_energy +
                              static_cast<double>(a.updates) * st.update_energy +
                              static_cast<double>(a.hops) * st.hop_energy);
      }
    }
    return e + static_cast<double>(c.mac_hops) * mac_hop_energy_;
  }

  std::uint64_t cycles_of(const Counts& c) const {
    std::uint64_t cycles = c.compute_cycles;
    for (int lv = 0; lv < s_.levels; ++lv) {
      const StorageLevel& st = arch_.levels[lv];
      if (st.bandwidth <= 0) continue;
      double words = 0;
      for (const auto& a : c.levels[lv].tensor)
        words += static_cast<double>(a.reads + a.writes + a.updates);
      const double per = words / static_cast<double>(arch_.instances(lv));
      cycles = std::max<std::uint64_t>(cycles,
                                       static_cast<std::uint64_t>(std::ceil(per / st.bandwidth)));
    }
    return cycles;
  }

  const Layer& layer_;
  const Arch& arch_;
  const Mapspace& s_;
  const MapperOptions& opt_;
  std::vector<Dim> order_;
  std::array<std::vector<Bits4>, kNumDims> inner_bits_;
  std::array<Bits4, kNumDims> full_bits_{};
  std::array<Hist, kNumDims + 1> suffix_;
  std::array<std::array<u128, Hist::kMax * Hist::kMax>, kNumDims + 1> suffix_weight_{};
  std::array<std::vector<Bits4>, kNumDims> cum_bits_;
  std::array<std::int64_t, kNumDims + 1> area_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::size_t top_index_ = 0;
  u128 reached_ = 0;
  std::array<std::array<u128, Hist::kMax>, Hist::kMax> weight_{};
  std::uint64_t mapspace_ = 0;
  double compute_energy_ = 0, mac_hop_energy_ = 0;
  std::array<std::array<double, kNumTensors>, 16> scale_{};

  Tuple tuple_;
  std::array<std::array<std::int64_t, 2>, kNumDims> placed_{};  // spatial (Y, X) per dimension
  std::array<std::int64_t, kNumDims + 1> ys_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims + 1> xs_{1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims> pe_ext_{1, 1, 1, 1, 1, 1, 1, 1};
  std::array<std::int64_t, kNumDims> buf_ext_{1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<Dim> bperm_, dlist_, fixed_b_;
  detail::Nest nest_;
  Counts counts_;
#ifdef ERG_HAVE_FAST_COUNTS
  std::unique_ptr<detail::FastCounter> counter_;
#endif
 public:
  const std::function<bool(const Mapping&)>* visit_ = nullptr;
  bool stop_ = false;

 private:
  Best* best_ = nullptr;
  MapperStats* st_ = nullptr;
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

Result<MapperResult> search_one(const Layer& layer, const Arch& arch, Dataflow df,
                                const MapperOptions& opt, MapperStats& total, Best& best) {
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
      s.keeps[lv] = *k;
    }
  }
  Search proto(layer, arch, s, opt);
  total.mapspace += proto.mapspace();
  int threads = opt.threads > 0
                    ? opt.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::clamp(threads, 1, 64);
  threads = std::min<int>(threads, static_cast<int>(std::max<std::size_t>(1, proto.top_options())));
  std::vector<Best> bests(static_cast<std::size_t>(threads));
  std::vector<MapperStats> stats(static_cast<std::size_t>(threads));
  std::atomic<std::uint64_t> done{0};
  const double top = static_cast<double>(proto.top_options());
  std::function<void()> tick;
  if (opt.progress) tick = [&] { opt.progress(static_cast<double>(done.load()) / top); };
  {
    std::vector<std::thread> pool;
    std::vector<std::unique_ptr<Search>> searches;
    for (int t = 0; t < threads; ++t)
      searches.push_back(std::make_unique<Search>(layer, arch, s, opt));
    for (int t = 1; t < threads; ++t)
      pool.emplace_back([&, t] {
        searches[static_cast<std::size_t>(t)]->run(t, threads, bests[static_cast<std::size_t>(t)],
                                                   stats[static_cast<std::size_t>(t)], done, {});
      });
    searches[0]->run(0, threads, bests[0], stats[0], done, tick);
    for (auto& th : pool) th.join();
  }
  for (int t = 0; t < threads; ++t) {
    merge(total, stats[static_cast<std::size_t>(t)]);
    const Best& b = bests[static_cast<std::size_t>(t)];
    if (b.found && (!best.found || b.key.better_than(best.key))) best = b;
  }
  return MapperResult{};
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

Result<MapperResult> map_layer(const Layer& layer, const Arch& arch, const MapperOptions& opt) {
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
  for (std::size_t i = 0; i < dfs.size(); ++i) {
    Best b;
    auto r = search_one(layer, arch, dfs[i], opt, stats, b);
    if (!r.ok()) {
      if (first_error.empty()) first_error = r.error().message;
      continue;
    }
    ++usable;
    if (b.found) {
      // Across dataflows (free), earlier dataflows win exact ties.
      b.key.pos.fill(0);
      b.key.pos[0] = static_cast<int>(i);
      if (!best.found || b.key.better_than(best.key)) best = b;
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
  return r;
}

Result<MapperStats> for_each_mapping(const Layer& layer, const Arch& arch, Dataflow dataflow,
                                     const std::function<bool(const Mapping&)>& visit) {
  if (dataflow == Dataflow::Free)
    return make_error("'free' is the union of the other mapspaces: visit each of them");
  auto space = detail::make_mapspace(dataflow, layer, arch);
  if (!space.ok()) return space.error();
  MapperOptions opt;
  opt.dataflow = dataflow;
  Search search(layer, arch, space.value(), opt);
  search.visit_ = &visit;
  MapperStats stats;
  stats.mapspace = search.mapspace();
  Best best;
  std::atomic<std::uint64_t> done{0};
  search.run(0, 1, best, stats, done, {});
  return stats;
}

}  // namespace erg
