// Dataflows as constraints on mappings, the RS parameterisation of reference §3, and a small
// heuristic search that finds a valid mapping per dataflow (the full mapper is separate work).
//
// The rules assume an Eyeriss-shaped arch: level 0 is off-chip memory, level L−2 a global buffer
// and level L−1 the per-PE storage, whose instances form the PE array (the buffer's spatial loops
// place work on it). With only two levels, the buffer's spatial loops place work on MAC units.
#include "erg/dataflow.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "erg/cost_model.h"
#include "erg/text.h"

namespace erg {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::int64_t factor_at(const std::vector<Loop>& loops, Dim d) {
  std::int64_t f = 1;
  for (const Loop& l : loops)
    if (l.dim == d) f *= l.factor;
  return f;
}

bool only_dims(const std::vector<Loop>& loops, std::initializer_list<Dim> allowed) {
  for (const Loop& l : loops) {
    if (l.factor == 1) continue;
    if (std::find(allowed.begin(), allowed.end(), l.dim) == allowed.end()) return false;
  }
  return true;
}

std::string dims_text(std::initializer_list<Dim> dims) {
  std::string s;
  for (Dim d : dims) s += dim_name(d);
  return s;
}

}  // namespace

std::string_view dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::RS:
      return "rs";
    case Dataflow::WS:
      return "ws";
    case Dataflow::OS_A:
      return "os_a";
    case Dataflow::OS_B:
      return "os_b";
    case Dataflow::OS_C:
      return "os_c";
    case Dataflow::NLR:
      return "nlr";
    case Dataflow::Free:
      return "free";
  }
  return "rs";
}

const std::vector<std::string>& dataflow_names() {
  static const std::vector<std::string> names = {"rs",   "ws",   "os",  "os_a",
                                                 "os_b", "os_c", "nlr", "free"};
  return names;
}

Result<Dataflow> parse_dataflow(const std::string& s) {
  const std::string l = ascii_lower(s);
  if (l == "os") return Dataflow::OS_B;
  for (Dataflow d : {Dataflow::RS, Dataflow::WS, Dataflow::OS_A, Dataflow::OS_B, Dataflow::OS_C,
                     Dataflow::NLR, Dataflow::Free})
    if (l == dataflow_name(d)) return d;
  return make_error(
      fmt::format("unknown dataflow '{}'{}; choose one of rs, ws, os (= os_b), os_a, "
                  "os_b, os_c, nlr, free",
                  s, did_you_mean(s, dataflow_names())));
}

Status check_dataflow(Dataflow df, const Layer& layer, const Arch& arch, const Mapping& m) {
  if (df == Dataflow::Free) return Ok{};
  const int L = arch.num_levels();
  if (L < 2)
    return make_error(
        fmt::format("dataflow '{}' needs an arch with a buffer level", dataflow_name(df)));
  const bool has_pe = L >= 3;
  const int buf = has_pe ? L - 2 : L - 1;
  const int pe = L - 1;
  const LevelMapping& B = m.levels[buf];
  std::vector<Loop> spatial = B.spatial_x;
  spatial.insert(spatial.end(), B.spatial_y.begin(), B.spatial_y.end());
  auto fail = [&](const std::string& rule) {
    return make_error(fmt::format("mapping breaks the {} dataflow: {}", dataflow_name(df), rule));
  };
  // No other level may place work spatially.
  for (int lv = 0; lv < L; ++lv) {
    if (lv == buf) continue;
    for (const auto* v : {&m.levels[lv].spatial_x, &m.levels[lv].spatial_y})
      for (const Loop& l : *v)
        if (l.factor > 1)
          return fail(
              fmt::format("only the buffer level '{}' may have spatial loops (level '{}' "
                          "has {}{})",
                          arch.levels[buf].name, arch.levels[lv].name, dim_name(l.dim), l.factor));
  }
  switch (df) {
    case Dataflow::RS: {
      if (!has_pe) return fail("row stationary needs per-PE storage (three levels)");
      const LevelMapping& P = m.levels[pe];
      if (!only_dims(P.temporal, {Dim::C, Dim::M, Dim::S}))
        return fail(
            "a PE's loops may only interleave channels (q), filters (p) and one filter "
            "row (S)");
      if (factor_at(P.temporal, Dim::S) != layer.dim(Dim::S))
        return fail("each PE must hold a whole filter row: all of S in the PE level");
      if (!only_dims(B.spatial_y, {Dim::R, Dim::G, Dim::C, Dim::M}) ||
          !only_dims(B.spatial_x, {Dim::P, Dim::G, Dim::C, Dim::M, Dim::R}))
        return fail(
            "the PE array holds filter rows (R) and ofmap rows (P = e) per PE set, "
            "replicated over channels (r, including groups G) and filters (t) only");
      if (factor_at(spatial, Dim::R) * factor_at(B.temporal, Dim::R) < layer.dim(Dim::R))
        return fail("filter rows (R) must be in the PE set (spatial), folded only in the buffer");
      if (factor_at(B.temporal, Dim::Q) < layer.dim(Dim::Q))
        return fail("each PE slides along a whole ofmap row: all of Q in the buffer level");
      const auto& bt = B.temporal;
      for (auto it = bt.rbegin(); it != bt.rend() && layer.dim(Dim::Q) > 1; ++it) {
        if (it->factor == 1) continue;
        if (it->dim != Dim::Q)
          return fail("Q must be the innermost buffer loop (the ifmap window slides in the PE)");
        break;
      }
      if (!only_dims(m.levels[0].temporal, {Dim::N, Dim::G, Dim::M, Dim::C, Dim::P}) && buf != 0)
        return fail("off-chip loops may only cover N, G, M, C and P strips");
      return Ok{};
    }
    case Dataflow::WS: {
      if (has_pe) {
        const LevelMapping& P = m.levels[pe];
        if (P.keeps[1] || P.keeps[2] || !P.keeps[0]) return fail("each PE keeps weights only");
        if (!only_dims(P.temporal, {Dim::N, Dim::P, Dim::Q}))
          return fail("a PE's loops may only reuse its weights (N, P, Q)");
      }
      if (!only_dims(spatial, {Dim::M, Dim::C, Dim::R, Dim::S, Dim::G}))
        return fail("the array may only spread weights (M, C, R, S)");
      return Ok{};
    }
    case Dataflow::OS_A:
    case Dataflow::OS_B:
    case Dataflow::OS_C: {
      if (has_pe) {
        const LevelMapping& P = m.levels[pe];
        if (P.keeps[0] || P.keeps[1] || !P.keeps[2]) return fail("each PE keeps partial sums only");
        if (!only_dims(P.temporal, {Dim::C, Dim::R, Dim::S, Dim::M, Dim::P, Dim::Q}))
          return fail("a PE's loops may only accumulate (C, R, S) over its outputs");
      }
      if (df == Dataflow::OS_A && !only_dims(spatial, {Dim::P, Dim::Q, Dim::N}))
        return fail(fmt::format("OS_A spreads ofmap pixels of one channel ({}) only",
                                dims_text({Dim::P, Dim::Q, Dim::N})));
      if (df == Dataflow::OS_B && !only_dims(spatial, {Dim::M, Dim::P, Dim::Q, Dim::N, Dim::G}))
        return fail("OS_B spreads channels and pixels (M, P, Q) only");
      if (df == Dataflow::OS_C && !only_dims(spatial, {Dim::M, Dim::G, Dim::N}))
        return fail("OS_C spreads output channels (M) of a single pixel only");
      return Ok{};
    }
    case Dataflow::NLR: {
      if (has_pe) {
        const LevelMapping& P = m.levels[pe];
        if (P.keeps[0] || P.keeps[1] || P.keeps[2]) return fail("PEs keep no data");
        for (const Loop& l : P.temporal)
          if (l.factor > 1) return fail("PEs have no local loops");
      }
      if (!only_dims(spatial, {Dim::M, Dim::C, Dim::G}))
        return fail("the array spreads input and output channels (C, M) only");
      return Ok{};
    }
    case Dataflow::Free:
      return Ok{};
  }
  return Ok{};
}

namespace {

struct Shape {
  int buf = 0, pe = 0;
  bool has_pe = false;
  int rows = 1, cols = 1;  // PE array under the buffer
};

Shape shape_of(const Arch& arch) {
  Shape s;
  const int L = arch.num_levels();
  s.has_pe = L >= 3;
  s.pe = L - 1;
  s.buf = s.has_pe ? L - 2 : std::max(0, L - 1);
  if (s.has_pe) {
    s.cols = arch.levels[s.pe].mesh_x;
    s.rows = arch.levels[s.pe].mesh_y;
  } else {
    s.cols = arch.compute.mesh_x;
    s.rows = arch.compute.mesh_y;
  }
  return s;
}

void push(std::vector<Loop>& v, Dim d, std::int64_t f) {
  if (f > 1) v.push_back({d, f});
}

// Sets the keeps of every level to what the arch allows, with the PE level overridden.
void default_keeps(const Arch& arch, Mapping& m) {
  for (int lv = 0; lv < arch.num_levels(); ++lv) m.levels[lv].keeps = arch.levels[lv].keeps;
}

// Off-chip loops cover whatever the inner levels leave, in the given order.
void fill_outer(const Layer& layer, Mapping& m, std::initializer_list<Dim> order) {
  std::array<std::int64_t, kNumDims> covered;
  covered.fill(1);
  for (std::size_t lv = 1; lv < m.levels.size(); ++lv)
    for (const auto* v : {&m.levels[lv].temporal, &m.levels[lv].spatial_x, &m.levels[lv].spatial_y})
      for (const Loop& l : *v) covered[static_cast<int>(l.dim)] *= l.factor;
  for (const auto* v : {&m.levels[0].spatial_x, &m.levels[0].spatial_y})
    for (const Loop& l : *v) covered[static_cast<int>(l.dim)] *= l.factor;
  for (Dim d : order) {
    const std::int64_t rest = ceil_div(layer.dim(d), covered[static_cast<int>(d)]);
    push(m.levels[0].temporal, d, rest);
    covered[static_cast<int>(d)] *= std::max<std::int64_t>(rest, 1);
  }
}

std::vector<std::int64_t> candidates_upto(std::int64_t limit) {
  std::vector<std::int64_t> v;
  for (std::int64_t x = 1; x <= limit; x *= 2) v.push_back(x);
  if (v.empty() || v.back() != limit) v.push_back(limit);
  return v;
}

struct Best {
  std::optional<Mapping> mapping;
  double energy = std::numeric_limits<double>::infinity();
  std::uint64_t cycles = 0;
  std::string first_rejection;  // why the first candidate failed, for the error if none fits
  void offer(Dataflow df, const Layer& layer, const Arch& arch, const Mapping& m) {
    Status st = validate_mapping(layer, arch, m);
    if (st.ok()) st = check_dataflow(df, layer, arch, m);
    if (!st.ok()) {
      if (first_rejection.empty()) first_rejection = st.error().message;
      return;
    }
    const Counts c = analytical_counts(layer, arch, m);
    const double e = energy_from_counts(layer, arch, c).total();
    if (e < energy - 1e-9 || (e <= energy + 1e-9 && c.compute_cycles < cycles)) {
      mapping = m;
      energy = e;
      cycles = c.compute_cycles;
    }
  }
};

}  // namespace

Result<Mapping> rs_mapping(const Layer& layer, const Arch& arch, const RsParams& p) {
  const Shape sh = shape_of(arch);
  if (!sh.has_pe) return make_error("row stationary needs an arch with per-PE storage");
  const std::int64_t R = layer.dim(Dim::R), S = layer.dim(Dim::S);
  const std::int64_t M = layer.dim(Dim::M), C = layer.dim(Dim::C);
  const std::int64_t E = layer.dim(Dim::P), N = layer.dim(Dim::N);
  if (p.m < 1 || p.n < 1 || p.e < 1 || p.p < 1 || p.q < 1 || p.r < 1 || p.t < 1)
    return make_error("RS parameters must be positive");
  if (p.q * p.r > C) return make_error(fmt::format("RS: q·r = {} exceeds C = {}", p.q * p.r, C));
  if (p.p * p.t > p.m)
    return make_error(fmt::format("RS: p·t = {} exceeds m = {}", p.p * p.t, p.m));
  if (p.m > M) return make_error(fmt::format("RS: m = {} exceeds M = {}", p.m, M));
  if (p.e > E) return make_error(fmt::format("RS: e = {} exceeds E = {}", p.e, E));
  if (p.n > N) return make_error(fmt::format("RS: n = {} exceeds N = {}", p.n, N));
  // The PE set is R tall; a set taller than the array is folded (rows processed in turns).
  const std::int64_t fold = ceil_div(R, sh.rows);
  const std::int64_t r_rows = ceil_div(R, fold);
  // Replicate sets (r over channels, t over filters): along Y while they fit, then along X.
  std::int64_t ry = 1, ty = 1;
  std::int64_t rx = p.r, tx = p.t;
  while (rx > 1 && r_rows * ry * 2 <= sh.rows && rx % 2 == 0) {
    ry *= 2;
    rx /= 2;
  }
  while (tx > 1 && r_rows * ry * ty * 2 <= sh.rows && tx % 2 == 0) {
    ty *= 2;
    tx /= 2;
  }
  if (r_rows * ry * ty > sh.rows || p.e * rx * tx > sh.cols)
    return make_error(
        fmt::format("RS: the PE sets ({} x {} per set, r = {}, t = {}) do not fit "
                    "the {} x {} array",
                    r_rows, p.e, p.r, p.t, sh.rows, sh.cols));
  Mapping m;
  m.levels.resize(static_cast<std::size_t>(arch.num_levels()));
  default_keeps(arch, m);
  LevelMapping& B = m.levels[sh.buf];
  LevelMapping& P = m.levels[sh.pe];
  push(P.temporal, Dim::C, p.q);
  push(P.temporal, Dim::M, p.p);
  push(P.temporal, Dim::S, S);
  push(B.spatial_y, Dim::R, r_rows);
  push(B.spatial_y, Dim::C, ry);
  push(B.spatial_y, Dim::M, ty);
  push(B.spatial_x, Dim::P, p.e);
  push(B.spatial_x, Dim::C, rx);
  push(B.spatial_x, Dim::M, tx);
  push(B.temporal, Dim::M, ceil_div(p.m, p.p * p.t));
  push(B.temporal, Dim::N, p.n);
  push(B.temporal, Dim::R, fold);
  push(B.temporal, Dim::Q, layer.dim(Dim::Q));
  fill_outer(layer, m, {Dim::G, Dim::N, Dim::M, Dim::P, Dim::C});
  if (auto st = validate_mapping(layer, arch, m); !st.ok()) return st.error();
  return m;
}

Result<Mapping> simple_mapping(Dataflow df, const Layer& layer, const Arch& arch) {
  const Shape sh = shape_of(arch);
  const std::int64_t M = layer.dim(Dim::M), C = layer.dim(Dim::C), N = layer.dim(Dim::N);
  const std::int64_t E = layer.dim(Dim::P);
  Best best;
  auto base = [&] {
    Mapping m;
    m.levels.resize(static_cast<std::size_t>(arch.num_levels()));
    default_keeps(arch, m);
    return m;
  };
  switch (df) {
    case Dataflow::RS: {
      if (!sh.has_pe) break;
      std::set<std::array<std::int64_t, 7>> tried;
      for (std::int64_t e : candidates_upto(std::min<std::int64_t>(E, sh.cols)))
        for (std::int64_t pp : candidates_upto(std::min<std::int64_t>(M, 32)))
          for (std::int64_t q : candidates_upto(std::min<std::int64_t>(C, 16)))
            for (std::int64_t r : candidates_upto(std::max<std::int64_t>(1, C / q)))
              for (std::int64_t t : candidates_upto(std::max<std::int64_t>(1, M / pp)))
                for (std::int64_t n : {std::int64_t{1}, N})
                  for (std::int64_t mm : {pp * t, M}) {
                    if ((n == N && N == 1 && n != 1) || (mm == M && M == pp * t && mm != pp * t))
                      continue;
                    RsParams prm{std::max(mm, pp * t), n, e, pp, q, r, t};
                    if (!tried.insert({prm.m, prm.n, prm.e, prm.p, prm.q, prm.r, prm.t}).second)
                      continue;
                    auto m = rs_mapping(layer, arch, prm);
                    if (m.ok())
                      best.offer(df, layer, arch, m.value());
                    else if (best.first_rejection.empty())
                      best.first_rejection = m.error().message;
                  }
      break;
    }
    case Dataflow::WS:
    case Dataflow::NLR:
    case Dataflow::OS_A:
    case Dataflow::OS_B:
    case Dataflow::OS_C:
    case Dataflow::Free: {
      // Spread two dimensions over the array (Y, X), then tile the rest in the buffer.
      std::vector<std::pair<Dim, Dim>> spreads;
      switch (df) {
        case Dataflow::WS:
          spreads = {{Dim::C, Dim::M}, {Dim::R, Dim::M}, {Dim::C, Dim::S}};
          break;
        case Dataflow::NLR:
          spreads = {{Dim::C, Dim::M}};
          break;
        case Dataflow::OS_A:
          spreads = {{Dim::P, Dim::Q}};
          break;
        case Dataflow::OS_B:
          spreads = {{Dim::P, Dim::M}, {Dim::Q, Dim::M}};
          break;
        case Dataflow::OS_C:
          spreads = {{Dim::N, Dim::M}, {Dim::G, Dim::M}};
          break;
        default:
          spreads = {{Dim::R, Dim::P}, {Dim::C, Dim::M}, {Dim::P, Dim::M}};
          break;
      }
      for (auto [dy, dx] : spreads) {
        const std::int64_t fy = std::min<std::int64_t>(layer.dim(dy), sh.rows);
        const std::int64_t fx = std::min<std::int64_t>(layer.dim(dx), sh.cols);
        for (std::int64_t bm : candidates_upto(ceil_div(M, dx == Dim::M ? fx : 1)))
          for (std::int64_t bc : candidates_upto(ceil_div(C, dy == Dim::C ? fy : 1)))
            for (std::int64_t bp : {std::int64_t{1}, ceil_div(E, dy == Dim::P ? fy : 1)}) {
              Mapping m = base();
              LevelMapping& B = m.levels[sh.buf];
              push(B.spatial_y, dy, fy);
              push(B.spatial_x, dx, fx);
              const bool pe_loops = sh.has_pe;
              LevelMapping* P = pe_loops ? &m.levels[sh.pe] : nullptr;
              std::array<std::int64_t, kNumDims> done;
              done.fill(1);
              done[static_cast<int>(dy)] *= fy;
              done[static_cast<int>(dx)] *= fx;
              auto rest = [&](Dim d) { return ceil_div(layer.dim(d), done[static_cast<int>(d)]); };
              if (pe_loops) {
                if (df == Dataflow::WS) {
                  P->keeps = {true, false, false};
                } else if (df == Dataflow::NLR) {
                  P->keeps = {false, false, false};
                } else if (df == Dataflow::OS_A || df == Dataflow::OS_B || df == Dataflow::OS_C) {
                  P->keeps = {false, false, true};
                  for (Dim d : {Dim::C, Dim::R, Dim::S}) {
                    const std::int64_t f = rest(d);
                    push(P->temporal, d, f);
                    done[static_cast<int>(d)] *= f;
                  }
                } else {
                  for (Dim d : {Dim::S}) {
                    const std::int64_t f = rest(d);
                    push(P->temporal, d, f);
                    done[static_cast<int>(d)] *= f;
                  }
                }
              }
              // Buffer: a block of M and C, the batch, then the pixels and filter innermost.
              const std::int64_t fm = std::min(bm, rest(Dim::M));
              push(B.temporal, Dim::M, fm);
              done[static_cast<int>(Dim::M)] *= fm;
              const std::int64_t fc = std::min(bc, rest(Dim::C));
              push(B.temporal, Dim::C, fc);
              done[static_cast<int>(Dim::C)] *= fc;
              const std::int64_t fp = std::min(bp, rest(Dim::P));
              push(B.temporal, Dim::P, fp);
              done[static_cast<int>(Dim::P)] *= fp;
              for (Dim d : {Dim::N, Dim::Q, Dim::R, Dim::S}) {
                if (d == Dim::N && N > 1) continue;
                const std::int64_t f = rest(d);
                push(B.temporal, d, f);
                done[static_cast<int>(d)] *= f;
              }
              fill_outer(layer, m,
                         {Dim::G, Dim::N, Dim::M, Dim::C, Dim::P, Dim::Q, Dim::R, Dim::S});
              best.offer(df, layer, arch, m);
            }
      }
      break;
    }
  }
  if (!best.mapping) {
    // Last resort for any dataflow: everything off-chip, no reuse (always valid when the
    // innermost levels can hold one element of what they keep).
    Mapping m = base();
    fill_outer(layer, m, {Dim::G, Dim::N, Dim::M, Dim::C, Dim::P, Dim::Q, Dim::R, Dim::S});
    best.offer(df, layer, arch, m);
    if (!best.mapping)
      return make_error(fmt::format(
          "no valid {} mapping found for layer '{}' on arch '{}'{}", dataflow_name(df),
          layer.name(), arch.name,
          best.first_rejection.empty() ? std::string() : " (e.g. " + best.first_rejection + ")"));
  }
  return *best.mapping;
}

}  // namespace erg
