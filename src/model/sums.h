// Internal: the pieces of the analytical model shared by analytical_counts (cost_model.cpp) and the
// fast counter (fast_counts.cpp): position sets, sliding-window rows, and a tensor's groups.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "erg/counts.h"
#include "erg/layer.h"
#include "model/nest.h"

namespace erg::detail {

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;  // sums of products of 64-bit counts

// A set of integer positions: an interval [lo, hi) or an explicit sorted list.
struct PosSet {
  bool interval = true;
  std::int64_t lo = 0, hi = 0;
  std::vector<std::int64_t> v;

  std::int64_t size() const {
    return interval ? std::max<std::int64_t>(0, hi - lo) : static_cast<std::int64_t>(v.size());
  }
  bool empty() const { return size() == 0; }
};

inline std::int64_t intersect_count(const PosSet& a, const PosSet& b) {
  if (a.interval && b.interval)
    return std::max<std::int64_t>(0, std::min(a.hi, b.hi) - std::max(a.lo, b.lo));
  if (a.interval || b.interval) {
    const PosSet& iv = a.interval ? a : b;
    const PosSet& ls = a.interval ? b : a;
    auto first = std::lower_bound(ls.v.begin(), ls.v.end(), iv.lo);
    auto last = std::lower_bound(ls.v.begin(), ls.v.end(), iv.hi);
    return std::max<std::int64_t>(0, last - first);
  }
  std::int64_t n = 0;
  auto i = a.v.begin();
  auto j = b.v.begin();
  while (i != a.v.end() && j != b.v.end()) {
    if (*i < *j)
      ++i;
    else if (*j < *i)
      ++j;
    else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}

// Ifmap rows (or columns) {p·u + r·d − pad} ∩ [0, extent) for the given p and r positions.
inline void sliding(const PosSet& p, const PosSet& r, std::int64_t u, std::int64_t d,
                    std::int64_t pad, std::int64_t extent, PosSet& out) {
  if (p.empty() || r.empty()) {
    out.interval = true;
    out.lo = out.hi = 0;
    return;
  }
  if (p.interval && r.interval && d == 1 && (r.hi - r.lo >= u || p.hi - p.lo == 1)) {
    out.interval = true;
    out.lo = std::max<std::int64_t>(0, p.lo * u + r.lo - pad);
    out.hi = std::min<std::int64_t>(extent, (p.hi - 1) * u + (r.hi - 1) - pad + 1);
    if (out.hi < out.lo) out.hi = out.lo;
    return;
  }
  out.interval = false;
  out.v.clear();
  auto each = [](const PosSet& s, auto&& fn) {
    if (s.interval) {
      for (std::int64_t x = s.lo; x < s.hi; ++x) fn(x);
    } else {
      for (auto x : s.v) fn(x);
    }
  };
  each(p, [&](std::int64_t pp) {
    each(r, [&](std::int64_t rr) {
      const std::int64_t h = pp * u + rr * d - pad;
      if (h >= 0 && h < extent) out.v.push_back(h);
    });
  });
  std::sort(out.v.begin(), out.v.end());
  out.v.erase(std::unique(out.v.begin(), out.v.end()), out.v.end());
}

// A tensor's tile is a product of one set per group (see cost_model.cpp).
enum class GroupKind { Single, Sliding, Indicator };

struct Group {
  GroupKind kind = GroupKind::Single;
  Dim d0 = Dim::N, d1 = Dim::N;  // Sliding: d0 = P or Q (ofmap), d1 = R or S (filter)
  std::int64_t u = 1, dil = 1, pad = 0, extent = 0;
};

inline std::vector<Group> groups_for(const Layer& layer, Tensor t) {
  std::vector<Group> g;
  auto single = [&](Dim d) { g.push_back({GroupKind::Single, d, d, 1, 1, 0, 0}); };
  auto indicator = [&](Dim d) { g.push_back({GroupKind::Indicator, d, d, 1, 1, 0, 0}); };
  switch (t) {
    case Tensor::Weights:
      for (Dim d : {Dim::G, Dim::M, Dim::C, Dim::R, Dim::S}) single(d);
      for (Dim d : {Dim::N, Dim::P, Dim::Q}) indicator(d);
      break;
    case Tensor::Inputs:
      for (Dim d : {Dim::N, Dim::G, Dim::C}) single(d);
      g.push_back({GroupKind::Sliding, Dim::P, Dim::R, layer.stride_h(), layer.dilation_h(),
                   layer.pad_top(), layer.in_h()});
      g.push_back({GroupKind::Sliding, Dim::Q, Dim::S, layer.stride_w(), layer.dilation_w(),
                   layer.pad_left(), layer.in_w()});
      indicator(Dim::M);
      break;
    case Tensor::Outputs:
      for (Dim d : {Dim::N, Dim::G, Dim::M, Dim::P, Dim::Q}) single(d);
      for (Dim d : {Dim::C, Dim::R, Dim::S}) indicator(d);
      break;
  }
  return g;
}

// analytical_counts on an already flattened nest (loops of factor 1 may be absent).
// REQUIRES: the nest comes from a mapping that passes validate_mapping.
Counts nest_counts(const Layer& layer, const Nest& nest);

}  // namespace erg::detail
