// The literal evaluator: walks every iteration and tracks buffer contents with sets. It shares
// no counting logic with the analytical model (only the flattening of the mapping into loops).
#include "erg/reference_evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>

#include "erg/cost_model.h"
#include "model/nest.h"

namespace erg {

using detail::Nest;

namespace {

class Walker {
 public:
  Walker(const Layer& layer, const Nest& nest) : layer_(layer), nest_(nest) {
    idx_.assign(nest.loops.size(), 0);
  }

  // Calls fn() for every combination of the listed loops' indices, last loop fastest.
  void for_each(const std::vector<int>& loops, const std::function<void()>& fn) {
    for (int l : loops) idx_[l] = 0;
    while (true) {
      fn();
      std::size_t j = loops.size();
      while (true) {
        if (j == 0) return;
        --j;
        if (++idx_[loops[j]] < nest_.loops[loops[j]].factor) break;
        idx_[loops[j]] = 0;
      }
    }
  }

  // Position of every dimension at the current indices; false if the point is outside the layer.
  bool point(std::array<std::int64_t, kNumDims>& pos) const {
    pos.fill(0);
    for (std::size_t i = 0; i < nest_.loops.size(); ++i)
      pos[static_cast<int>(nest_.loops[i].dim)] += idx_[i] * nest_.loops[i].stride;
    for (int d = 0; d < kNumDims; ++d)
      if (pos[d] >= nest_.bound[d]) return false;
    return true;
  }

  // The tensor element a valid point touches; -1 for an input in the padding.
  std::int64_t element(Tensor t, const std::array<std::int64_t, kNumDims>& x) const {
    const auto& b = nest_.bound;
    auto D = [&](Dim d) { return x[static_cast<int>(d)]; };
    auto B = [&](Dim d) { return b[static_cast<int>(d)]; };
    switch (t) {
      case Tensor::Weights:
        return (((D(Dim::G) * B(Dim::M) + D(Dim::M)) * B(Dim::C) + D(Dim::C)) * B(Dim::R) +
                D(Dim::R)) *
                   B(Dim::S) +
               D(Dim::S);
      case Tensor::Inputs: {
        const std::int64_t h =
            D(Dim::P) * layer_.stride_h() + D(Dim::R) * layer_.dilation_h() - layer_.pad_top();
        const std::int64_t w =
            D(Dim::Q) * layer_.stride_w() + D(Dim::S) * layer_.dilation_w() - layer_.pad_left();
        if (h < 0 || h >= layer_.in_h() || w < 0 || w >= layer_.in_w()) return -1;
        return (((D(Dim::N) * B(Dim::G) + D(Dim::G)) * B(Dim::C) + D(Dim::C)) * layer_.in_h() + h) *
                   layer_.in_w() +
               w;
      }
      case Tensor::Outputs:
        return (((D(Dim::N) * B(Dim::G) + D(Dim::G)) * B(Dim::M) + D(Dim::M)) * B(Dim::P) +
                D(Dim::P)) *
                   B(Dim::Q) +
               D(Dim::Q);
    }
    return -1;
  }

  // Mixed-radix number of the listed loops' current indices.
  std::int64_t number(const std::vector<int>& loops) const {
    std::int64_t v = 0;
    for (int l : loops) v = v * nest_.loops[l].factor + idx_[l];
    return v;
  }

 private:
  const Layer& layer_;
  const Nest& nest_;
  std::vector<std::int64_t> idx_;
};

// A set of tensor elements: membership flags plus the member list.
struct ElementSet {
  std::vector<char> in;
  std::vector<std::int64_t> members;
  explicit ElementSet(std::uint64_t n = 0) : in(n, 0) {}
  void clear() {
    for (auto e : members) in[static_cast<std::size_t>(e)] = 0;
    members.clear();
  }
  bool insert(std::int64_t e) {
    if (in[static_cast<std::size_t>(e)]) return false;
    in[static_cast<std::size_t>(e)] = 1;
    members.push_back(e);
    return true;
  }
  bool has(std::int64_t e) const { return in[static_cast<std::size_t>(e)] != 0; }
};

std::uint64_t tensor_elements(const Layer& layer, Tensor t) { return layer.size(t); }

}  // namespace

Result<Counts> reference_counts(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                const ReferenceLimits& limits, TransferObserver* observer) {
  if (auto st = validate_mapping(layer, arch, mapping); !st.ok()) return st.error();
  const Nest nest = detail::flatten(layer, mapping);
  std::uint64_t padded = 1;
  for (const auto& l : nest.loops) padded *= static_cast<std::uint64_t>(l.factor);
  if (padded > limits.max_macs)
    return make_error(
        fmt::format("reference evaluator: the nest has {} iterations, above the "
                    "limit of {}",
                    padded, limits.max_macs));
  // Each buffer instance keeps a flag per tensor element: bound the memory that takes.
  std::uint64_t instances = 1;
  for (const auto& l : nest.loops)
    if (l.spatial) instances *= static_cast<std::uint64_t>(l.factor);
  for (Tensor t : kAllTensors) {
    const auto flags = checked_mul(instances + 1, tensor_elements(layer, t));
    if (!flags || *flags > limits.max_macs * 4)
      return make_error(
          fmt::format("reference evaluator: tracking the {} of {} instances needs "
                      "too much memory",
                      tensor_name(t), instances));
  }
  const int L = nest.num_levels;
  const int nl = static_cast<int>(nest.loops.size());
  Counts c;
  c.levels.resize(static_cast<std::size_t>(L));
  Walker w(layer, nest);
  std::array<std::int64_t, kNumDims> pos{};
  // Reports one transfer (or, with `single`, each element as its own) to the observer.
  std::vector<std::int64_t> scratch;
  auto report = [&](int level, Tensor t, AccessKind kind, const std::vector<std::int64_t>& elems,
                    bool single) {
    if (observer == nullptr || elems.empty()) return;
    if (single) {
      for (auto e : elems) observer->transfer(level, t, kind, std::span<const std::int64_t>(&e, 1));
      return;
    }
    scratch = elems;
    std::sort(scratch.begin(), scratch.end());
    observer->transfer(level, t, kind, scratch);
  };
  std::vector<std::int64_t> fills, hopped, outs, entering, leaving, hop_list;

  auto select = [&](auto&& pred) {
    std::vector<int> v;
    for (int i = 0; i < nl; ++i)
      if (pred(nest.loops[i])) v.push_back(i);
    return v;
  };
  const std::vector<int> all_time = select([](const detail::FlatLoop& l) { return !l.spatial; });
  const std::vector<int> all_space = select([](const detail::FlatLoop& l) { return l.spatial; });

  // Walk every MAC once: count the valid ones and the time steps.
  {
    std::uint64_t cycles = 0;
    w.for_each(all_time, [&] {
      w.for_each(all_space, [&] {
        if (w.point(pos)) ++c.macs;
      });
      ++cycles;
    });
    c.compute_cycles = cycles;
  }

  for (Tensor t : kAllTensors) {
    const int ti = static_cast<int>(t);
    const std::uint64_t n_elem = tensor_elements(layer, t);
    const std::vector<int> keep = detail::keeping_levels(nest, t);

    for (std::size_t k = 1; k < keep.size(); ++k) {
      const int a = keep[k - 1], i = keep[k];
      const auto time =
          select([&](const detail::FlatLoop& l) { return !l.spatial && l.level < i; });
      const auto parent =
          select([&](const detail::FlatLoop& l) { return l.spatial && l.level < a; });
      const auto sigma = select(
          [&](const detail::FlatLoop& l) { return l.spatial && l.level >= a && l.level < i; });
      const auto box = select([&](const detail::FlatLoop& l) { return l.level >= i; });
      std::int64_t n_parent = 1, n_sigma = 1;
      for (int p : parent) n_parent *= nest.loops[p].factor;
      for (int s : sigma) n_sigma *= nest.loops[s].factor;

      std::vector<ElementSet> held(static_cast<std::size_t>(n_parent * n_sigma),
                                   ElementSet(n_elem));
      std::vector<ElementSet> uheld(static_cast<std::size_t>(n_parent), ElementSet(n_elem));
      // Outputs: elements each parent instance has served to its children so far.
      std::vector<ElementSet> seen(t == Tensor::Outputs ? static_cast<std::size_t>(n_parent) : 0,
                                   ElementSet(n_elem));
      ElementSet tile(n_elem), unew(n_elem);
      // Outputs: how many children evicted each element this step (for the per-element hops).
      std::vector<std::int64_t> evicted_by(n_elem, 0);
      std::vector<std::int64_t> evicted_list;
      TensorAccess& pa = c.levels[a].tensor[ti];
      TensorAccess& ch = c.levels[i].tensor[ti];
      std::uint64_t child_evictions = 0, group_evictions = 0;

      w.for_each(time, [&] {
        w.for_each(parent, [&] {
          const std::int64_t pi = w.number(parent);
          unew.clear();
          evicted_list.clear();
          w.for_each(sigma, [&] {
            ElementSet& mine = held[static_cast<std::size_t>(pi * n_sigma + w.number(sigma))];
            tile.clear();
            w.for_each(box, [&] {
              if (!w.point(pos)) return;
              const std::int64_t e = w.element(t, pos);
              if (e >= 0) tile.insert(e);
            });
            fills.clear();
            hopped.clear();
            for (auto e : tile.members) {
              if (mine.has(e)) continue;
              if (t != Tensor::Outputs) {
                ++ch.writes;  // a fill: the child did not hold it
                fills.push_back(e);
                if (uheld[static_cast<std::size_t>(pi)].has(e)) {
                  ++ch.hops;  // from a sibling
                  hopped.push_back(e);
                }
              }
            }
            report(i, t, AccessKind::Write, fills, false);
            report(i, t, AccessKind::Hop, hopped, true);
            outs.clear();
            for (auto e : mine.members) {
              if (tile.has(e)) continue;
              if (t == Tensor::Outputs) {
                ++ch.reads;  // the child sends its partial sum out
                ++child_evictions;
                outs.push_back(e);
                if (evicted_by[static_cast<std::size_t>(e)]++ == 0) evicted_list.push_back(e);
              }
            }
            report(i, t, AccessKind::Read, outs, false);
            mine.clear();
            for (auto e : tile.members) {
              mine.insert(e);
              unew.insert(e);
            }
          });
          ElementSet& u = uheld[static_cast<std::size_t>(pi)];
          entering.clear();
          for (auto e : unew.members) {
            if (u.has(e)) continue;
            if (t != Tensor::Outputs) {
              ++pa.reads;  // one read from the parent, multicast to the children needing it
              entering.push_back(e);
            } else if (!seen[static_cast<std::size_t>(pi)].insert(e)) {
              ++pa.reads;   // this parent served the element before: fetch its partial sum
              ++ch.writes;  // into one child (the others start from zero)
              entering.push_back(e);
            }
          }
          report(a, t, AccessKind::Read, entering, false);
          if (t == Tensor::Outputs) report(i, t, AccessKind::Write, entering, false);
          leaving.clear();
          for (auto e : u.members) {
            if (unew.has(e)) continue;
            if (t == Tensor::Outputs) {
              ++pa.updates;  // the reduced partial sum goes back to the parent
              ++group_evictions;
              leaving.push_back(e);
            }
          }
          report(a, t, AccessKind::Update, leaving, false);
          // Each element some children evicted moves between siblings once per evicting child,
          // less one if the group sent it to the parent.
          hop_list.clear();
          for (auto e : evicted_list) {
            std::int64_t k = evicted_by[static_cast<std::size_t>(e)];
            evicted_by[static_cast<std::size_t>(e)] = 0;
            if (u.has(e) && !unew.has(e)) --k;
            for (; k > 0; --k) hop_list.push_back(e);
          }
          report(i, t, AccessKind::Hop, hop_list, true);
          u.clear();
          for (auto e : unew.members) u.insert(e);
        });
      });
      if (t == Tensor::Outputs) {
        // Drain: everything still held is written back at the end.
        for (auto& h : held) {
          ch.reads += h.members.size();
          child_evictions += h.members.size();
          report(i, t, AccessKind::Read, h.members, false);
        }
        for (std::int64_t pi = 0; pi < n_parent; ++pi) {
          ElementSet& u = uheld[static_cast<std::size_t>(pi)];
          pa.updates += u.members.size();
          group_evictions += u.members.size();
          report(a, t, AccessKind::Update, u.members, false);
          // Per element: the children of this parent holding it, less the one write-back.
          hop_list.clear();
          for (auto e : u.members) {
            std::int64_t k = -1;
            for (std::int64_t s = 0; s < n_sigma; ++s)
              k += held[static_cast<std::size_t>(pi * n_sigma + s)].has(e) ? 1 : 0;
            for (; k > 0; --k) hop_list.push_back(e);
          }
          report(i, t, AccessKind::Hop, hop_list, true);
        }
        ch.hops += child_evictions - group_evictions;
      }
    }

    // MAC operands under the innermost keeping level.
    const int kj = keep.back();
    const auto inst = select([&](const detail::FlatLoop& l) { return l.spatial && l.level < kj; });
    const auto units =
        select([&](const detail::FlatLoop& l) { return l.spatial && l.level >= kj; });
    ElementSet step(n_elem);
    TensorAccess& acc = c.levels[kj].tensor[ti];
    std::uint64_t products = 0, distinct = 0;
    std::vector<std::int64_t> touches(observer != nullptr ? n_elem : 0, 0);
    w.for_each(all_time, [&] {
      w.for_each(inst, [&] {
        step.clear();
        w.for_each(units, [&] {
          if (!w.point(pos)) return;
          ++products;
          const std::int64_t e = w.element(t, pos);
          if (e >= 0) {
            step.insert(e);
            if (observer != nullptr) ++touches[static_cast<std::size_t>(e)];
          }
        });
        distinct += step.members.size();
        if (observer == nullptr) return;
        report(kj, t, AccessKind::Read, step.members, true);
        if (t != Tensor::Outputs) return;
        report(kj, t, AccessKind::Update, step.members, true);
        // MAC-level reductions: every product of an element beyond the first moves one hop.
        hop_list.clear();
        for (auto e : step.members) {
          for (std::int64_t k = touches[static_cast<std::size_t>(e)] - 1; k > 0; --k)
            hop_list.push_back(e);
          touches[static_cast<std::size_t>(e)] = 0;
        }
        if (kj + 1 < L) report(kj + 1, t, AccessKind::Hop, hop_list, true);
      });
    });
    acc.reads += distinct;
    if (t == Tensor::Outputs) {
      acc.updates += distinct;
      if (kj + 1 < L)
        c.levels[kj + 1].tensor[ti].hops += products - distinct;
      else
        c.mac_hops += products - distinct;
    }
  }
  (void)arch;
  return c;
}

}  // namespace erg
