#include "model/nest.h"

#include <algorithm>

namespace erg::detail {

Nest flatten(const Layer& layer, const Mapping& mapping) {
  Nest n;
  n.num_levels = static_cast<int>(mapping.levels.size());
  n.bound = layer.bounds();
  for (int lv = 0; lv < n.num_levels; ++lv) {
    const LevelMapping& m = mapping.levels[lv];
    for (const Loop& l : m.temporal) n.loops.push_back({l.dim, l.factor, lv, false, 0, 1});
    for (const Loop& l : m.spatial_x) n.loops.push_back({l.dim, l.factor, lv, true, 0, 1});
    for (const Loop& l : m.spatial_y) n.loops.push_back({l.dim, l.factor, lv, true, 1, 1});
    n.keeps.push_back(m.keeps);
  }
  finish_nest(n);
  return n;
}

void finish_nest(Nest& n) {
  const int count = static_cast<int>(n.loops.size());
  n.level_begin.assign(static_cast<std::size_t>(n.num_levels) + 1, count);
  n.level_spatial_begin.assign(static_cast<std::size_t>(n.num_levels), count);
  // Walk backwards so that each level's entry ends at its first loop; levels without loops take
  // the next level's start.
  for (int i = count - 1; i >= 0; --i) {
    const FlatLoop& l = n.loops[i];
    n.level_begin[l.level] = i;
    if (l.spatial) n.level_spatial_begin[l.level] = i;
  }
  for (int lv = n.num_levels - 1; lv >= 0; --lv)
    if (n.level_begin[lv] == count) n.level_begin[lv] = n.level_begin[lv + 1];
  // A level without spatial loops: its spatial part starts where the next level begins.
  for (int lv = 0; lv < n.num_levels; ++lv)
    n.level_spatial_begin[lv] = std::min(n.level_spatial_begin[lv], n.level_begin[lv + 1]);
  std::array<std::int64_t, kNumDims> running;
  running.fill(1);
  for (int i = count - 1; i >= 0; --i) {
    FlatLoop& l = n.loops[i];
    l.stride = running[static_cast<int>(l.dim)];
    running[static_cast<int>(l.dim)] *= l.factor;
  }
}

std::vector<int> keeping_levels(const Nest& nest, Tensor t) {
  std::vector<int> out;
  for (int lv = 0; lv < nest.num_levels; ++lv)
    if (lv == 0 || nest.keeps[lv][static_cast<int>(t)]) out.push_back(lv);
  return out;
}

std::int64_t strided_span_count(std::int64_t lp, std::int64_t lr, std::int64_t u, std::int64_t d) {
  if (lp <= 0 || lr <= 0) return 0;
  if (d == 1) return lr >= u ? (lp - 1) * u + lr : lp * lr;
  if (u == 1 && lp >= d) return (lr - 1) * d + lp;
  // General case (dilation and stride both > 1): list the values. At most lp·lr of them, which
  // layers and mappings bound (kMaxSlidingPositions); the span itself may be far larger.
  std::vector<std::int64_t> values;
  values.reserve(static_cast<std::size_t>(lp * lr));
  for (std::int64_t p = 0; p < lp; ++p)
    for (std::int64_t r = 0; r < lr; ++r) values.push_back(p * u + r * d);
  std::sort(values.begin(), values.end());
  return static_cast<std::int64_t>(std::unique(values.begin(), values.end()) - values.begin());
}

}  // namespace erg::detail
