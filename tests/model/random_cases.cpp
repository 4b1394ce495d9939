#include "model/random_cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace erg::testing {

namespace {
std::int64_t pick(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}
bool coin(std::mt19937_64& rng, double p = 0.5) { return std::bernoulli_distribution(p)(rng); }
}  // namespace

Layer random_layer(std::mt19937_64& rng) {
  while (true) {
    LayerSpec s;
    s.name = "rand";
    s.batch = pick(rng, 1, 2);
    s.groups = coin(rng, 0.2) ? 2 : 1;
    s.in_channels = s.groups * pick(rng, 1, 3);
    s.out_channels = s.groups * pick(rng, 1, 3);
    s.filter_h = pick(rng, 1, 3);
    s.filter_w = pick(rng, 1, 3);
    s.stride_h = coin(rng, 0.3) ? 2 : 1;
    s.stride_w = coin(rng, 0.3) ? pick(rng, 2, 3) : 1;
    s.dilation_h = coin(rng, 0.15) ? 2 : 1;
    s.dilation_w = coin(rng, 0.1) ? 2 : 1;
    s.pad_top = pick(rng, 0, 1);
    s.pad_bottom = pick(rng, 0, 1);
    s.pad_left = pick(rng, 0, 1);
    s.pad_right = pick(rng, 0, 1);
    s.in_h = pick(rng, 1, 7);
    s.in_w = pick(rng, 1, 7);
    auto l = Layer::make(s);
    if (l.ok() && l->macs() <= 3000) return l.value();
  }
}

Arch random_arch(std::mt19937_64& rng) {
  Arch a;
  a.name = "random";
  const int levels = static_cast<int>(pick(rng, 2, 4));
  for (int i = 0; i < levels; ++i) {
    StorageLevel s;
    s.name = i == 0 ? "DRAM" : fmt::format("L{}", i);
    s.read_energy = 10.0 / (i + 1);
    s.write_energy = 11.0 / (i + 1);
    s.update_energy = 12.0 / (i + 1);
    if (i > 0) {
      s.mesh_x = static_cast<int>(pick(rng, 1, 3));
      s.mesh_y = static_cast<int>(pick(rng, 1, 2));
      s.hop_energy = 0.5;
      s.network_name = fmt::format("net{}", i);
      for (auto& k : s.keeps) k = coin(rng, 0.7);
    }
    a.levels.push_back(s);
  }
  a.compute.mesh_x = static_cast<int>(pick(rng, 1, 2));
  a.compute.mesh_y = 1;
  a.compute.hop_energy = 0.1;
  return a;
}

Mapping random_mapping(std::mt19937_64& rng, const Layer& layer, const Arch& arch,
                       std::uint64_t max_iterations) {
  const int L = arch.num_levels();
  while (true) {
    Mapping m;
    m.levels.resize(static_cast<std::size_t>(L));
    std::vector<std::int64_t> used_x(L, 1), used_y(L, 1);
    std::uint64_t padded = 1;
    for (Dim d : kAllDims) {
      const std::int64_t bound = layer.dim(d);
      const int parts = static_cast<int>(pick(rng, 1, 3));
      std::int64_t covered = 1;
      for (int p = 0; p < parts; ++p) {
        std::int64_t f;
        if (p + 1 == parts) {
          f = (bound + covered - 1) / covered;
        } else {
          f = pick(rng, 1, std::max<std::int64_t>(1, bound / covered));
          if (coin(rng, 0.25)) f = std::min<std::int64_t>(f + 1, bound);  // imperfect
        }
        f = std::max<std::int64_t>(f, 1);
        covered *= f;
        const int lv = static_cast<int>(pick(rng, 0, L - 1));
        const int cx = lv + 1 == L ? arch.compute.mesh_x : arch.levels[lv + 1].mesh_x;
        const int cy = lv + 1 == L ? arch.compute.mesh_y : arch.levels[lv + 1].mesh_y;
        const int kind = static_cast<int>(pick(rng, 0, 2));
        if (kind == 1 && used_x[lv] * f <= cx && f > 1) {
          used_x[lv] *= f;
          m.levels[lv].spatial_x.push_back({d, f});
        } else if (kind == 2 && used_y[lv] * f <= cy && f > 1) {
          used_y[lv] *= f;
          m.levels[lv].spatial_y.push_back({d, f});
        } else {
          auto& tv = m.levels[lv].temporal;
          tv.insert(tv.begin() + pick(rng, 0, static_cast<std::int64_t>(tv.size())), Loop{d, f});
        }
        padded *= static_cast<std::uint64_t>(f);
        if (covered >= bound) break;
      }
    }
    for (int lv = 0; lv < L; ++lv)
      for (Tensor t : kAllTensors) {
        const int ti = static_cast<int>(t);
        m.levels[lv].keeps[ti] = lv == 0 || (arch.levels[lv].keeps[ti] && coin(rng, 0.8));
      }
    if (padded <= max_iterations) return m;
  }
}

Case random_case(std::uint64_t seed, std::uint64_t max_iterations) {
  std::mt19937_64 rng(seed);
  Layer layer = random_layer(rng);
  Arch arch = random_arch(rng);
  Mapping m = random_mapping(rng, layer, arch, max_iterations);
  return {layer, arch, m};
}

std::string describe(const Case& c) {
  const auto& s = c.layer.spec();
  std::string out = fmt::format(
      "layer N{} G{} M{} C{} P{} Q{} R{} S{} in {}x{} stride {}x{} dil {}x{} pad t{} l{}\n",
      c.layer.dim(Dim::N), c.layer.dim(Dim::G), c.layer.dim(Dim::M), c.layer.dim(Dim::C),
      c.layer.dim(Dim::P), c.layer.dim(Dim::Q), c.layer.dim(Dim::R), c.layer.dim(Dim::S), s.in_h,
      s.in_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w, s.pad_top, s.pad_left);
  for (int lv = 0; lv < c.arch.num_levels(); ++lv) {
    const auto& L = c.arch.levels[lv];
    out += fmt::format("  level {} mesh {}x{} keeps {}{}{}\n", L.name, L.mesh_x, L.mesh_y,
                       c.mapping.levels[lv].keeps[0] ? "W" : "-",
                       c.mapping.levels[lv].keeps[1] ? "I" : "-",
                       c.mapping.levels[lv].keeps[2] ? "O" : "-");
  }
  out += fmt::format("  compute mesh {}x{}\n", c.arch.compute.mesh_x, c.arch.compute.mesh_y);
  out += loop_nest_string(c.layer, c.arch, c.mapping);
  return out;
}

std::string counts_text(const Counts& c) {
  std::string s =
      fmt::format("macs {} mac_hops {} cycles {}\n", c.macs, c.mac_hops, c.compute_cycles);
  for (std::size_t lv = 0; lv < c.levels.size(); ++lv)
    for (Tensor t : kAllTensors) {
      const auto& a = c.levels[lv].tensor[static_cast<int>(t)];
      s += fmt::format("  L{} {:<8} r {:>6} w {:>6} u {:>6} h {:>6}\n", lv, tensor_name(t), a.reads,
                       a.writes, a.updates, a.hops);
    }
  return s;
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace erg::testing
