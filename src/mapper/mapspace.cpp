// Each dataflow's mapspace (docs/mapper.md is the user-facing statement of the same rules).
#include "mapper/mapspace.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace erg::detail {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

int di(Dim d) { return static_cast<int>(d); }

bool contains(const std::vector<Dim>& v, Dim d) {
  return std::find(v.begin(), v.end(), d) != v.end();
}

// Row stationary (reference §3): every (m, n, e, p, q, r, t) with q·r ≤ C, p·t ≤ m ≤ M, e ≤ E,
// n ≤ N; a PE set is R rows tall (folded in the buffer when taller than the array) and e columns
// wide (folded when wider); r channel replicas and t filter replicas are split between Y and X.
void rs_dims(const Layer& layer, Mapspace& s) {
  const std::int64_t R = layer.dim(Dim::R), E = layer.dim(Dim::P);
  auto single = [&](Dim d, InnerOption in, std::vector<std::int64_t> b) {
    s.dims[di(d)].inner = {in};
    s.dims[di(d)].buffer = {std::move(b)};
  };
  single(Dim::S, {layer.dim(Dim::S), 1, 1}, {1});
  single(Dim::Q, {1, 1, 1}, {layer.dim(Dim::Q)});
  const std::int64_t fold_y = ceil_div(R, s.rows);
  single(Dim::R, {1, ceil_div(R, fold_y), 1}, {fold_y});
  // e = 1..E: fold = ceil(e / columns) strips of ceil(e / fold) columns each.
  {
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;  // (columns, fold)
    for (std::int64_t e = 1; e <= E; ++e) {
      const std::int64_t fold = ceil_div(e, s.cols);
      pairs.emplace_back(ceil_div(e, fold), fold);
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    DimSpace& p = s.dims[di(Dim::P)];
    for (auto [c, f] : pairs) {
      if (p.inner.empty() || p.inner.back().x != c) {
        p.inner.push_back({1, 1, c});
        p.buffer.emplace_back();
      }
      p.buffer.back().push_back(f);
    }
  }
  // p filters (PE) × t filter replicas × k buffer iterations; q channels (PE) × r channel
  // replicas. Replicas are placed on the array later (place_replicas).
  const std::int64_t pes = static_cast<std::int64_t>(s.rows) * s.cols;
  {
    const std::int64_t M = layer.dim(Dim::M);
    DimSpace& ds = s.dims[di(Dim::M)];
    for (std::int64_t p = 1; p <= M; ++p)
      for (std::int64_t t = 1; t <= std::min<std::int64_t>(pes, M / p); ++t) {
        ds.inner.push_back({p, 1, t});
        ds.buffer.push_back(tile_sizes(ceil_div(M, p * t)));
      }
  }
  {
    const std::int64_t C = layer.dim(Dim::C);
    DimSpace& ds = s.dims[di(Dim::C)];
    for (std::int64_t q = 1; q <= C; ++q)
      for (std::int64_t r = 1; r <= std::min<std::int64_t>(pes, C / q); ++r) {
        ds.inner.push_back({q, 1, r});
        ds.buffer.push_back({1});
      }
  }
  {
    // Groups (depthwise channels) are replicated on X like channels; no PE loop.
    const std::int64_t G = layer.dim(Dim::G);
    DimSpace& ds = s.dims[di(Dim::G)];
    for (std::int64_t x = 1; x <= std::min<std::int64_t>(s.cols, G); ++x) {
      ds.inner.push_back({1, 1, x});
      ds.buffer.push_back({1});
    }
  }
  {
    DimSpace& n = s.dims[di(Dim::N)];
    n.inner = {{1, 1, 1}};
    n.buffer = {tile_sizes(layer.dim(Dim::N))};
  }
  s.rs_placement = true;
  s.y_order = {Dim::R, Dim::G, Dim::C, Dim::M};
  s.x_order = {Dim::P, Dim::G, Dim::C, Dim::M};
  s.pe_order = {Dim::C, Dim::M, Dim::S};
  s.b_permuted = {Dim::M, Dim::N, Dim::R, Dim::P};
  s.b_inner = {Dim::Q};
  s.b_permute = false;
  s.d_dims = {Dim::G, Dim::N, Dim::M, Dim::P, Dim::C};
  s.d_permute = false;
  s.description =
      "rs: every (m, n, e, p, q, r, t) of reference §3 with replica placements, every buffer "
      "and off-chip loop order";
}

struct Template {
  std::vector<Dim> pe, y, x;
  std::vector<Dim> pe_whole;  // dimensions entirely in the PE
  std::array<bool, kNumTensors> pe_keeps{};
  std::vector<Dim> b_order;  // fixed buffer order, outer to inner
  const char* what = "";
};

Template template_of(Dataflow df) {
  using enum Dim;
  Template t;
  t.b_order = {G, N, M, P, Q, C, R, S};
  switch (df) {
    case Dataflow::WS:
      t.y = {C, R, S};
      t.x = {M, G};
      t.pe_keeps = {true, false, false};
      t.b_order = {G, M, C, R, S, N, P, Q};
      t.what =
          "ws: each PE keeps one weight while the buffer's innermost loops (N, P, Q) stream "
          "inputs and psums past it; the array spreads C·R·S (Y) and M·G (X)";
      break;
    case Dataflow::OS_A:
      t.pe = {P, Q};
      t.pe_whole = {C, R, S};
      t.y = {P};
      t.x = {Q, N};
      t.pe_keeps = {false, false, true};
      t.what =
          "os_a: each PE finishes a block of P·Q outputs of one channel in place (C, R, S in the "
          "PE); the array spreads P (Y) and Q·N (X)";
      break;
    case Dataflow::OS_B:
      t.pe = {M, P, Q};
      t.pe_whole = {C, R, S};
      t.y = {M};
      t.x = {Q, P};
      t.pe_keeps = {false, false, true};
      t.what =
          "os_b: each PE finishes a block of M·P·Q outputs in place (C, R, S in the PE); the "
          "array spreads M (Y) and Q·P (X)";
      break;
    case Dataflow::OS_C:
      t.pe = {M};
      t.pe_whole = {C, R, S};
      t.y = {M};
      t.x = {M, N, G};
      t.pe_keeps = {false, false, true};
      t.what =
          "os_c: each PE finishes a block of M outputs of one pixel in place (C, R, S in the PE); "
          "the array spreads M (Y) and M·N·G (X)";
      break;
    case Dataflow::NLR:
    default:
      t.y = {C};
      t.x = {M, G};
      t.what = "nlr: PEs keep nothing; the array spreads C (Y) and M·G (X)";
      break;
  }
  return t;
}

// Buffer factors for the other dataflows: the balanced tiles for 1, 2, 4, 8, ... tiles.
std::vector<std::int64_t> halvings(std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t j = 1; j < 2 * n; j *= 2) v.push_back(ceil_div(n, std::min(j, n)));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Every other dataflow: per dimension, PE factors among the balanced tile sizes, spatial factors
// among the balanced tile sizes that fit the axis; in the buffer, M, C, P and N take the balanced
// tiles of 1, 2, 4, ... pieces and Q, R, S whatever is left (G stays off-chip); one buffer order
// (the PE's stationary tensor's irrelevant dimensions innermost); every off-chip order.
void template_dims(const Layer& layer, const Template& t, Mapspace& s) {
  for (Dim d : kAllDims) {
    const std::int64_t D = layer.dim(d);
    DimSpace& ds = s.dims[di(d)];
    std::vector<std::int64_t> pes = {1};
    if (s.pe >= 0 && contains(t.pe_whole, d))
      pes = {D};
    else if (s.pe >= 0 && contains(t.pe, d))
      pes = tile_sizes(D);
    for (std::int64_t pe : pes) {
      const std::int64_t r1 = ceil_div(D, pe);
      std::vector<std::int64_t> ys = {1};
      if (contains(t.y, d)) ys = tile_sizes(r1);
      for (std::int64_t y : ys) {
        if (y > s.rows) break;
        const std::int64_t r2 = ceil_div(r1, y);
        std::vector<std::int64_t> xs = {1};
        if (contains(t.x, d)) xs = tile_sizes(r2);
        for (std::int64_t x : xs) {
          if (x > s.cols) break;
          const std::int64_t r3 = ceil_div(r2, x);
          ds.inner.push_back({pe, y, x});
          std::vector<std::int64_t> b = {1};
          if (s.buf > 0) {
            if (d == Dim::M || d == Dim::C || d == Dim::P || d == Dim::N)
              b = halvings(r3);
            else if (d != Dim::G)
              b = {r3};
          }
          ds.buffer.push_back(std::move(b));
        }
      }
    }
  }
  s.y_order = t.y;
  s.x_order = t.x;
  s.pe_order = t.pe_whole;
  s.pe_order.insert(s.pe_order.end(), t.pe.begin(), t.pe.end());
  s.b_permuted = t.b_order;
  s.b_inner = {};
  s.b_permute = false;
  s.d_dims = {Dim::G, Dim::N, Dim::M, Dim::P, Dim::C};
  s.d_permute = true;
  s.description = t.what;
}

}  // namespace

Placement place_replicas(std::int64_t r, std::int64_t t, std::int64_t set_rows, std::int64_t rows) {
  Placement best;
  std::int64_t used = 0;
  for (std::int64_t ry = 1; ry <= r; ++ry) {
    if (r % ry != 0 || set_rows * ry > rows) continue;
    for (std::int64_t ty = 1; ty <= t; ++ty) {
      if (t % ty != 0 || set_rows * ry * ty > rows) continue;
      if (ry * ty > used || (ry * ty == used && ry > best.ry)) {
        used = ry * ty;
        best = {ry, ty, r / ry, t / ty};
      }
    }
  }
  return best;
}

std::vector<std::int64_t> tile_sizes(std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t j = 1; j <= n;) {
    const std::int64_t t = ceil_div(n, j);
    v.push_back(t);
    // Next j with a smaller ceil(n / j).
    if (t == 1) break;
    j = ceil_div(n, t - 1);
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

Result<Mapspace> make_mapspace(Dataflow df, const Layer& layer, const Arch& arch) {
  Mapspace s;
  s.dataflow = df;
  s.levels = arch.num_levels();
  const int L = s.levels;
  if (df == Dataflow::Free) return make_error("internal: 'free' is the union of the mapspaces");
  if (L < 2)
    return make_error(
        fmt::format("dataflow '{}' needs an arch with a buffer level; '{}' has one "
                    "level",
                    dataflow_name(df), arch.name));
  if (df == Dataflow::RS && L < 3)
    return make_error(fmt::format("row stationary needs per-PE storage (three levels); '{}' has {}",
                                  arch.name, L));
  s.pe = L >= 3 ? L - 1 : -1;
  s.buf = L >= 3 ? L - 2 : L - 1;
  if (s.pe >= 0) {
    s.cols = arch.levels[s.pe].mesh_x;
    s.rows = arch.levels[s.pe].mesh_y;
  } else {
    s.cols = arch.compute.mesh_x;
    s.rows = arch.compute.mesh_y;
  }
  if (arch.compute.mesh_x * arch.compute.mesh_y != 1 && s.pe >= 0)
    return make_error(
        fmt::format("the mapper places one MAC per PE; arch '{}' has {}x{} MAC units "
                    "per PE",
                    arch.name, arch.compute.mesh_x, arch.compute.mesh_y));
  for (int lv = 1; lv < L; ++lv)
    if (lv != s.pe && (arch.levels[lv].mesh_x != 1 || arch.levels[lv].mesh_y != 1))
      return make_error(fmt::format(
          "the mapper needs the PE array under the buffer only; level "
          "'{}' of arch '{}' has a {}x{} mesh",
          arch.levels[lv].name, arch.name, arch.levels[lv].mesh_x, arch.levels[lv].mesh_y));
  for (int lv = 0; lv < L; ++lv) s.keeps.push_back(arch.levels[lv].keeps);
  if (df == Dataflow::RS) {
    rs_dims(layer, s);
  } else {
    const Template t = template_of(df);
    if (s.pe >= 0) {
      for (Tensor te : kAllTensors) {
        const int ti = static_cast<int>(te);
        if (t.pe_keeps[ti] && !arch.levels[s.pe].keeps[ti])
          return make_error(
              fmt::format("dataflow '{}' keeps {} in the PEs, but level '{}' of arch "
                          "'{}' cannot hold them",
                          dataflow_name(df), tensor_name(te), arch.levels[s.pe].name, arch.name));
      }
      s.keeps[s.pe] = t.pe_keeps;
    }
    template_dims(layer, t, s);
  }
  return s;
}

}  // namespace erg::detail
