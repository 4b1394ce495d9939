#include "erg/mapping.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/nest.h"

namespace erg {

namespace {

// A padded nest beyond this many iterations is refused: counts must stay far from 64 bits.
constexpr std::uint64_t kMaxPaddedIterations = std::uint64_t{1} << 60;

std::string loops_text(const std::vector<Loop>& loops) {
  std::string s;
  for (const auto& l : loops) {
    if (!s.empty()) s += ' ';
    s += fmt::format("{}{}", dim_name(l.dim), l.factor);
  }
  return s;
}

}  // namespace

std::array<std::uint64_t, kNumTensors> tile_words(const Layer& layer, const Arch& arch,
                                                  const Mapping& mapping, int level) {
  std::array<std::int64_t, kNumDims> ext;
  ext.fill(1);
  for (int lv = level; lv < static_cast<int>(mapping.levels.size()); ++lv) {
    const LevelMapping& m = mapping.levels[lv];
    for (const auto* v : {&m.temporal, &m.spatial_x, &m.spatial_y})
      for (const Loop& l : *v)
        ext[static_cast<int>(l.dim)] =
            std::min<std::int64_t>(ext[static_cast<int>(l.dim)] * l.factor, std::int64_t{1} << 62);
  }
  return tile_words_for_extents(layer, arch, ext, level);
}

std::array<std::uint64_t, kNumTensors> tile_words_for_extents(
    const Layer& layer, const Arch& arch, std::array<std::int64_t, kNumDims> ext, int level) {
  for (Dim d : kAllDims)
    ext[static_cast<int>(d)] = std::min(ext[static_cast<int>(d)], layer.dim(d));
  auto e = [&](Dim d) { return static_cast<std::uint64_t>(ext[static_cast<int>(d)]); };
  const std::uint64_t rows = static_cast<std::uint64_t>(std::min<std::int64_t>(
      layer.in_h(),
      detail::strided_span_count(ext[static_cast<int>(Dim::P)], ext[static_cast<int>(Dim::R)],
                                 layer.stride_h(), layer.dilation_h())));
  const std::uint64_t cols = static_cast<std::uint64_t>(std::min<std::int64_t>(
      layer.in_w(),
      detail::strided_span_count(ext[static_cast<int>(Dim::Q)], ext[static_cast<int>(Dim::S)],
                                 layer.stride_w(), layer.dilation_w())));
  std::array<std::uint64_t, kNumTensors> elems = {
      e(Dim::G) * e(Dim::M) * e(Dim::C) * e(Dim::R) * e(Dim::S),
      e(Dim::N) * e(Dim::G) * e(Dim::C) * rows * cols,
      e(Dim::N) * e(Dim::G) * e(Dim::M) * e(Dim::P) * e(Dim::Q)};
  std::array<std::uint64_t, kNumTensors> words{};
  const int wb = arch.levels[level].word_bits;
  for (Tensor t : kAllTensors) {
    const int ti = static_cast<int>(t);
    const std::uint64_t bits = static_cast<std::uint64_t>(layer.format(t).bits);
    // Elements are bounded by the (checked) tensor sizes; their bits may not be: saturate, so a
    // tile too large to count is too large for any finite capacity.
    const auto total_bits = checked_mul(elems[ti], bits);
    words[ti] = total_bits ? *total_bits / static_cast<std::uint64_t>(wb) +
                                 (*total_bits % static_cast<std::uint64_t>(wb) != 0)
                           : ~std::uint64_t{0};
  }
  return words;
}

Status validate_mapping(const Layer& layer, const Arch& arch, const Mapping& mapping) {
  const int L = arch.num_levels();
  if (static_cast<int>(mapping.levels.size()) != L)
    return make_error(fmt::format("mapping has {} levels but arch '{}' has {}",
                                  mapping.levels.size(), arch.name, L));
  std::array<std::uint64_t, kNumDims> product;
  product.fill(1);
  std::uint64_t padded = 1;
  for (int lv = 0; lv < L; ++lv) {
    const LevelMapping& m = mapping.levels[lv];
    const std::string& name = arch.levels[lv].name;
    for (const auto* v : {&m.temporal, &m.spatial_x, &m.spatial_y}) {
      for (const Loop& l : *v) {
        if (l.factor < 1)
          return make_error(fmt::format("level '{}': loop {} has factor {}; factors must be >= 1",
                                        name, dim_name(l.dim), l.factor));
        auto p =
            checked_mul(product[static_cast<int>(l.dim)], static_cast<std::uint64_t>(l.factor));
        auto q = checked_mul(padded, static_cast<std::uint64_t>(l.factor));
        if (!p || !q || *q > kMaxPaddedIterations)
          return make_error(
              fmt::format("level '{}': loop factors are absurdly large (the padded "
                          "nest exceeds 2^60 iterations)",
                          name));
        product[static_cast<int>(l.dim)] = *p;
        padded = *q;
      }
    }
    std::uint64_t sx = 1, sy = 1;
    for (const Loop& l : m.spatial_x) sx *= static_cast<std::uint64_t>(l.factor);
    for (const Loop& l : m.spatial_y) sy *= static_cast<std::uint64_t>(l.factor);
    const bool innermost = lv + 1 == L;
    const int cx = innermost ? arch.compute.mesh_x : arch.levels[lv + 1].mesh_x;
    const int cy = innermost ? arch.compute.mesh_y : arch.levels[lv + 1].mesh_y;
    const std::string below =
        innermost ? "MAC units" : "'" + arch.levels[lv + 1].name + "' instances";
    if (sx > static_cast<std::uint64_t>(cx))
      return make_error(fmt::format("level '{}': spatial_x uses {} but only {} {} per '{}' along X",
                                    name, sx, cx, below, name));
    if (sy > static_cast<std::uint64_t>(cy))
      return make_error(fmt::format("level '{}': spatial_y uses {} but only {} {} per '{}' along Y",
                                    name, sy, cy, below, name));
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      if (m.keeps[ti] && !arch.levels[lv].keeps[ti])
        return make_error(fmt::format("level '{}' cannot keep {} (the arch bypasses them there)",
                                      name, tensor_name(t)));
      if (lv == 0 && !m.keeps[ti])
        return make_error(fmt::format("level '{}' is the outermost level and must keep {}", name,
                                      tensor_name(t)));
    }
  }
  for (Dim d : kAllDims) {
    if (product[static_cast<int>(d)] < static_cast<std::uint64_t>(layer.dim(d)))
      return make_error(fmt::format(
          "the factors of {} multiply to {} but layer '{}' has {} = {}; the mapping must cover it",
          dim_name(d), product[static_cast<int>(d)], layer.name(), dim_name(d), layer.dim(d)));
  }
  // The model counts sliding windows by walking the ofmap-row × filter-row positions (and
  // columns); beyond this many per axis it would take minutes, so such nests are refused.
  for (auto [a, b] : {std::pair{Dim::P, Dim::R}, std::pair{Dim::Q, Dim::S}}) {
    const auto span = checked_mul(product[static_cast<int>(a)], product[static_cast<int>(b)]);
    if (!span || *span > kMaxSlidingPositions)
      return make_error(fmt::format(
          "the loops over {} and {} cover {} x {} positions, more than erg's model handles ({} "
          "per axis)",
          dim_name(a), dim_name(b), product[static_cast<int>(a)], product[static_cast<int>(b)],
          kMaxSlidingPositions));
  }
  for (int lv = 1; lv < L; ++lv) {
    const StorageLevel& s = arch.levels[lv];
    const auto words = tile_words(layer, arch, mapping, lv);
    const auto& keeps = mapping.levels[lv].keeps;
    if (s.partitioned) {
      for (Tensor t : kAllTensors) {
        const int ti = static_cast<int>(t);
        if (keeps[ti] && s.capacity_per_tensor[ti] > 0 && words[ti] > s.capacity_per_tensor[ti])
          return make_error(
              fmt::format("level '{}': the {} tile needs {} words but the level holds "
                          "{}",
                          s.name, tensor_name(t), words[ti], s.capacity_per_tensor[ti]));
      }
    } else if (s.capacity > 0) {
      std::uint64_t sum = 0;
      for (Tensor t : kAllTensors)
        if (keeps[static_cast<int>(t)]) sum += words[static_cast<int>(t)];
      if (sum > s.capacity)
        return make_error(fmt::format("level '{}': the tiles need {} words but the level holds {}",
                                      s.name, sum, s.capacity));
    }
  }
  return Ok{};
}

std::string loop_nest_string(const Layer& layer, const Arch& arch, const Mapping& mapping) {
  std::string out;
  int depth = 0;
  std::size_t width = 0;
  for (const auto& l : arch.levels) width = std::max(width, l.name.size());
  for (int lv = 0; lv < static_cast<int>(mapping.levels.size()); ++lv) {
    const LevelMapping& m = mapping.levels[lv];
    std::string keeps;
    for (Tensor t : kAllTensors)
      if (m.keeps[static_cast<int>(t)])
        keeps += keeps.empty() ? std::string(tensor_name(t)) : ", " + std::string(tensor_name(t));
    out += fmt::format("{:<{}}  {}[keeps: {}]\n", arch.levels[lv].name, width,
                       std::string(static_cast<std::size_t>(depth) * 2, ' '),
                       keeps.empty() ? "nothing" : keeps);
    for (const Loop& l : m.temporal) {
      out += fmt::format("{:<{}}  {}for {} in [0:{})\n", "", width,
                         std::string(static_cast<std::size_t>(depth) * 2, ' '), dim_name(l.dim),
                         l.factor);
      ++depth;
    }
    for (int axis = 0; axis < 2; ++axis) {
      for (const Loop& l : axis == 0 ? m.spatial_x : m.spatial_y) {
        out += fmt::format("{:<{}}  {}spatial-{} {} in [0:{})\n", "", width,
                           std::string(static_cast<std::size_t>(depth) * 2, ' '),
                           axis == 0 ? 'x' : 'y', dim_name(l.dim), l.factor);
        ++depth;
      }
    }
  }
  out += fmt::format("{:<{}}  {}MAC  ({} MACs)\n", "", width,
                     std::string(static_cast<std::size_t>(depth) * 2, ' '), layer.macs());
  return out;
}

std::string mapping_summary(const Arch& arch, const Mapping& mapping) {
  std::string out;
  for (int lv = 0; lv < static_cast<int>(mapping.levels.size()); ++lv) {
    const LevelMapping& m = mapping.levels[lv];
    if (!out.empty()) out += ' ';
    out += arch.levels[lv].name + "[" + loops_text(m.temporal);
    if (!m.spatial_x.empty() || !m.spatial_y.empty()) {
      out += " |";
      if (!m.spatial_x.empty()) out += " x:" + loops_text(m.spatial_x);
      if (!m.spatial_y.empty()) out += " y:" + loops_text(m.spatial_y);
    }
    out += "]";
  }
  return out;
}

}  // namespace erg
