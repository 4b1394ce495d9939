// The fast counter returns exactly analytical_counts' Counts: on the random equality cases, on
// every dataflow's mappings and many row-stationary mappings of real layers, with and without
// loops of factor 1, and with one counter (and its memo) reused across mappings in random order.
#include "model/fast_counts.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/zoo.h"
#include "model/nest.h"
#include "model/random_cases.h"

namespace erg {
namespace {

using testing::counts_text;
using testing::env_or;

using detail::FastCounter;
using detail::Nest;

// The nest the mapper builds: the loops of factor 1 left out, then finish_nest.
Nest without_unit_loops(const Nest& full) {
  Nest n;
  n.num_levels = full.num_levels;
  n.bound = full.bound;
  n.keeps = full.keeps;
  for (const auto& l : full.loops)
    if (l.factor > 1) n.loops.push_back({l.dim, l.factor, l.level, l.spatial, l.axis, 1});
  detail::finish_nest(n);
  return n;
}

// The same mapping with loops of factor 1 inserted at random places.
Mapping with_unit_loops(const Mapping& m, std::mt19937_64& rng) {
  Mapping out = m;
  auto pick = [&](std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(0, hi)(rng);
  };
  for (auto& lv : out.levels)
    for (auto* v : {&lv.temporal, &lv.spatial_x, &lv.spatial_y})
      for (std::size_t k = pick(2); k > 0; --k)
        v->insert(v->begin() + static_cast<std::ptrdiff_t>(pick(v->size())),
                  Loop{kAllDims[pick(kNumDims - 1)], 1});
  return out;
}

// Checks the counter on the mapping's full nest and on its nest without unit loops.
::testing::AssertionResult same_counts(FastCounter& fc, const Layer& layer, const Arch& arch,
                                       const Mapping& m, const Counts& want) {
  const Nest full = detail::flatten(layer, m);
  Counts got;
  fc.count(full, got);
  if (!(got == want))
    return ::testing::AssertionFailure() << "full nest\n"
                                         << loop_nest_string(layer, arch, m) << "fast:\n"
                                         << counts_text(got) << "analytical:\n"
                                         << counts_text(want);
  fc.count(without_unit_loops(full), got);
  if (!(got == want))
    return ::testing::AssertionFailure() << "nest without unit loops\n"
                                         << loop_nest_string(layer, arch, m) << "fast:\n"
                                         << counts_text(got) << "analytical:\n"
                                         << counts_text(want);
  return ::testing::AssertionSuccess();
}

TEST(FastCounts, FinishNestMatchesFlatten) {
  std::uint64_t checked = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const testing::Case c = testing::random_case(seed);
    const Nest want = detail::flatten(c.layer, c.mapping);
    Nest n = want;
    n.level_begin = {7, 7};
    n.level_spatial_begin.clear();
    for (auto& l : n.loops) l.stride = 99;
    detail::finish_nest(n);
    ASSERT_EQ(n.level_begin, want.level_begin) << testing::describe(c);
    ASSERT_EQ(n.level_spatial_begin, want.level_spatial_begin) << testing::describe(c);
    for (std::size_t i = 0; i < n.loops.size(); ++i)
      ASSERT_EQ(n.loops[i].stride, want.loops[i].stride);
    // Without the unit loops, each loop keeps its stride: position = Σ index × stride is unchanged.
    const Nest compact = without_unit_loops(want);
    std::size_t j = 0;
    for (const auto& l : want.loops) {
      if (l.factor == 1) continue;
      ASSERT_LT(j, compact.loops.size());
      EXPECT_EQ(compact.loops[j].stride, l.stride);
      ++j;
    }
    for (int lv = 0; lv <= want.num_levels; ++lv) {
      // A level starts where its first non-unit loop (or the next level) starts.
      int expect = static_cast<int>(compact.loops.size());
      for (int i = static_cast<int>(compact.loops.size()) - 1; i >= 0; --i)
        if (compact.loops[i].level >= lv) expect = i;
      EXPECT_EQ(compact.level_begin[lv], expect);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 300u);
}

// The random equality cases (ERG_EQUALITY_CASES, ERG_EQUALITY_MAX_ITERATIONS widen the sweep).
TEST(FastCounts, RandomCasesMatchAnalytical) {
  const std::uint64_t cases = std::max<std::uint64_t>(env_or("ERG_EQUALITY_CASES", 1500), 1200);
  const std::uint64_t max_iterations = env_or("ERG_EQUALITY_MAX_ITERATIONS", 6000);
  std::uint64_t fast = 0;
  for (std::uint64_t seed = 1; seed <= cases; ++seed) {
    const testing::Case c = testing::random_case(seed, max_iterations);
    ASSERT_TRUE(validate_mapping(c.layer, c.arch, c.mapping).ok());
    const Counts want = analytical_counts(c.layer, c.arch, c.mapping);
    FastCounter fc(c.layer, c.arch);
    ASSERT_TRUE(same_counts(fc, c.layer, c.arch, c.mapping, want)) << "seed " << seed << "\n"
                                                                   << testing::describe(c);
    std::mt19937_64 rng(seed);
    const Mapping padded = with_unit_loops(c.mapping, rng);
    ASSERT_TRUE(validate_mapping(c.layer, c.arch, padded).ok());
    ASSERT_EQ(analytical_counts(c.layer, c.arch, padded), want) << "seed " << seed;
    ASSERT_TRUE(same_counts(fc, c.layer, c.arch, padded, want)) << "seed " << seed;
    fast += fc.stats().fast > 0 ? 1 : 0;
  }
  // Random nests often bypass levels between spatial loops (the general path), but most are of
  // the fast shape: the fast path must really be exercised.
  EXPECT_GE(fast, cases / 2) << "of " << cases;
}

// Random mappings of one layer share one counter: its memo must never answer for another nest.
TEST(FastCounts, OneCounterReusedAcrossRandomMappings) {
  std::uint64_t checked = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(1000 + seed);
    const Layer layer = testing::random_layer(rng);
    const Arch arch = testing::random_arch(rng);
    std::vector<std::pair<Mapping, Counts>> cases;
    for (int i = 0; i < 60; ++i) {
      Mapping m = testing::random_mapping(rng, layer, arch, 20000);
      Counts want = analytical_counts(layer, arch, m);
      cases.emplace_back(std::move(m), std::move(want));
    }
    for (int log2_slots : {14, 2}) {  // a tiny memo is emptied over and over
      FastCounter fc(layer, arch, log2_slots);
      for (int round = 0; round < 2; ++round) {
        std::shuffle(cases.begin(), cases.end(), rng);
        for (const auto& [m, want] : cases) {
          ASSERT_TRUE(same_counts(fc, layer, arch, m, want)) << "seed " << seed << "\n"
                                                             << testing::describe({layer, arch, m});
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 60u * 60u * 4u);
}

// count_tensors: the tensors asked for are exact (and macs, cycles, and mac_hops with the
// outputs), whatever subset is asked for and whatever the counter counted before.
TEST(FastCounts, CountTensorsSubsetsMatchAnalytical) {
  std::uint64_t checked = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(5000 + seed);
    const Layer layer = testing::random_layer(rng);
    const Arch arch = testing::random_arch(rng);
    FastCounter fc(layer, arch, seed % 2 == 0 ? 14 : 2);
    for (int i = 0; i < 60; ++i) {
      const Mapping m = testing::random_mapping(rng, layer, arch, 20000);
      const Counts want = analytical_counts(layer, arch, m);
      const unsigned mask = 1u + static_cast<unsigned>(rng() % 7);
      const Nest nest = without_unit_loops(detail::flatten(layer, m));
      Counts got;
      fc.count_tensors(nest, got, mask);
      ASSERT_EQ(got.levels.size(), want.levels.size());
      EXPECT_EQ(got.macs, want.macs);
      EXPECT_EQ(got.compute_cycles, want.compute_cycles);
      const int out = static_cast<int>(Tensor::Outputs);
      if (mask >> out & 1) EXPECT_EQ(got.mac_hops, want.mac_hops);
      for (std::size_t lv = 0; lv < want.levels.size(); ++lv)
        for (int t = 0; t < kNumTensors; ++t)
          if (mask >> t & 1)
            ASSERT_TRUE(got.levels[lv].tensor[t] == want.levels[lv].tensor[t])
                << "seed " << seed << " tensor " << t << "\n"
                << counts_text(got) << counts_text(want);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 30u * 60u);
}

struct ZooFixture {
  std::vector<Layer> layers;  // distinct layers of the four networks
  std::vector<Arch> archs;
};

const ZooFixture& zoo() {
  static const ZooFixture f = [] {
    ZooFixture z;
    for (const char* net : {"alexnet", "resnet50", "mobilenet", "googlenet"}) {
      const Network n = zoo_network(net).value();
      for (const Layer& l : n.layers) {
        const bool seen = std::any_of(z.layers.begin(), z.layers.end(), [&](const Layer& o) {
          const auto& a = o.spec();
          const auto& b = l.spec();
          return o.bounds() == l.bounds() && a.in_h == b.in_h && a.in_w == b.in_w &&
                 a.stride_h == b.stride_h && a.stride_w == b.stride_w && a.pad_top == b.pad_top &&
                 a.pad_left == b.pad_left && a.dilation_h == b.dilation_h &&
                 a.dilation_w == b.dilation_w;
        });
        if (!seen) z.layers.push_back(l);
      }
    }
    for (const char* a : {"eyeriss", "eyeriss-isca16"}) z.archs.push_back(load_arch(a).value());
    return z;
  }();
  return f;
}

// Valid row-stationary parameter sets for a layer, drawn at random.
std::vector<Mapping> random_rs_mappings(const Layer& layer, const Arch& arch, std::mt19937_64& rng,
                                        int want, int tries) {
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, std::max(lo, hi))(rng);
  };
  const std::int64_t M = layer.dim(Dim::M), C = layer.dim(Dim::C);
  std::vector<Mapping> out;
  for (int i = 0; i < tries && static_cast<int>(out.size()) < want; ++i) {
    RsParams p;
    p.p = pick(1, std::min<std::int64_t>(M, 32));
    p.t = pick(1, M / p.p);
    p.m = pick(p.p * p.t, M);
    p.q = pick(1, std::min<std::int64_t>(C, 16));
    p.r = pick(1, C / p.q);
    p.e = pick(1, layer.dim(Dim::P));
    p.n = pick(1, layer.dim(Dim::N));
    auto m = rs_mapping(layer, arch, p);
    if (m.ok()) out.push_back(std::move(m).value());
  }
  return out;
}

// simple_mapping of every dataflow for every distinct layer of the four networks, on one arch
// (split by arch so that the two halves run in parallel under ctest).
void check_every_dataflow(const Arch& arch) {
  const ZooFixture& z = zoo();
  int checked = 0;
  for (const Layer& layer : z.layers)
    for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::OS_A, Dataflow::OS_B, Dataflow::OS_C,
                        Dataflow::NLR}) {
      FastCounter fc(layer, arch);
      auto m = simple_mapping(df, layer, arch);
      if (!m.ok()) continue;
      ASSERT_TRUE(
          same_counts(fc, layer, arch, m.value(), analytical_counts(layer, arch, m.value())))
          << arch.name << " " << layer.name() << " " << dataflow_name(df);
      // Every dataflow's mappings are of the fast shape on these archs.
      EXPECT_EQ(fc.stats().general, 0u)
          << arch.name << " " << layer.name() << " " << dataflow_name(df);
      ++checked;
    }
  EXPECT_GE(checked, 150) << arch.name;
}

TEST(FastCounts, EveryDataflowsMappingOfZooLayersOnEyeriss) {
  check_every_dataflow(zoo().archs[0]);
}

TEST(FastCounts, EveryDataflowsMappingOfZooLayersOnEyerissIsca16) {
  check_every_dataflow(zoo().archs[1]);
}

// Many RS mappings per zoo layer, counted in random order by one counter per (layer, arch), and
// again by one with a tiny memo that is emptied over and over; the nests the mapper builds (RS on
// an Eyeriss-shaped arch) must all take the fast path, and every memo level must be used.
TEST(FastCounts, RandomRowStationaryMappingsOfZooLayers) {
  const ZooFixture& z = zoo();
  std::mt19937_64 rng(7);
  int checked = 0, imperfect = 0;
  FastCounter::Stats total;
  for (const Arch& arch : z.archs)
    for (const Layer& layer : z.layers) {
      const std::vector<Mapping> ms = random_rs_mappings(layer, arch, rng, 16, 400);
      std::vector<std::pair<const Mapping*, Counts>> cases;
      for (const Mapping& m : ms) {
        cases.emplace_back(&m, analytical_counts(layer, arch, m));
        std::array<std::int64_t, kNumDims> prod;
        prod.fill(1);
        for (const auto& lv : m.levels)
          for (const auto* v : {&lv.temporal, &lv.spatial_x, &lv.spatial_y})
            for (const Loop& l : *v) prod[static_cast<int>(l.dim)] *= l.factor;
        if (prod != layer.bounds()) ++imperfect;
      }
      for (int log2_slots : {14, 3}) {
        FastCounter fc(layer, arch, log2_slots);
        for (int round = 0; round < 2; ++round) {
          std::shuffle(cases.begin(), cases.end(), rng);
          for (const auto& [m, want] : cases) {
            ASSERT_TRUE(same_counts(fc, layer, arch, *m, want))
                << arch.name << " " << layer.name() << " memo 2^" << log2_slots;
            ++checked;
          }
        }
        const FastCounter::Stats& st = fc.stats();
        EXPECT_EQ(st.general, 0u) << arch.name << " " << layer.name();
        total.tensor_hits += st.tensor_hits;
        total.pair_hits += st.pair_hits;
        total.memo_hits += st.memo_hits;
        total.memo_clears += st.memo_clears;
      }
    }
  EXPECT_GE(checked, 4000);
  EXPECT_GE(imperfect, 100);  // mappings whose factors overshoot a bound
  EXPECT_GT(total.tensor_hits, 0u);
  EXPECT_GT(total.pair_hits, 0u);
  EXPECT_GT(total.memo_hits, 0u);
  EXPECT_GT(total.memo_clears, 0u);
}

// Every loop order of the buffer's and the off-chip level's temporal loops, with imperfect
// off-chip factors: the orders change which steps wrap, the modes the memo keys on.
TEST(FastCounts, PermutedLoopOrdersShareOneCounter) {
  const ZooFixture& z = zoo();
  std::mt19937_64 rng(11);
  int checked = 0;
  for (const Arch& arch : z.archs)
    for (std::size_t li = 0; li < z.layers.size(); li += 5) {
      const Layer& layer = z.layers[li];
      const std::vector<Mapping> ms = random_rs_mappings(layer, arch, rng, 3, 100);
      FastCounter fc(layer, arch);
      for (const Mapping& base : ms) {
        Mapping m = base;
        for (int variant = 0; variant < 6; ++variant) {
          for (int lv : {0, 1}) {
            auto& tv = m.levels[static_cast<std::size_t>(lv)].temporal;
            std::shuffle(tv.begin(), tv.end(), rng);
          }
          if (!validate_mapping(layer, arch, m).ok()) continue;
          ASSERT_TRUE(same_counts(fc, layer, arch, m, analytical_counts(layer, arch, m)))
              << arch.name << " " << layer.name();
          ++checked;
        }
      }
    }
  EXPECT_GE(checked, 100);
}

// The mapper's own sequence: the mappings of each dataflow's mapspace in enumeration order, as
// the nests the mapper builds, through one counter per (layer, dataflow). Consecutive nests share
// most loops, which is what the per-tensor memo and its "previous nest" check rely on.
TEST(FastCounts, MapperEnumerationOrder) {
  const ZooFixture& z = zoo();
  const Network alexnet = zoo_network("alexnet").value();
  const Network resnet = zoo_network("resnet50").value();
  int checked = 0;
  for (const Arch& arch : z.archs)
    for (const Layer* layer : {&alexnet.layers[1], &alexnet.layers[4], &resnet.layers[2]})
      for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::OS_A, Dataflow::OS_B,
                          Dataflow::OS_C, Dataflow::NLR}) {
        FastCounter fc(*layer, arch);
        int seen = 0;
        Counts got;
        const auto st = for_each_mapping(*layer, arch, df, [&](const Mapping& m) {
          fc.count(without_unit_loops(detail::flatten(*layer, m)), got);
          if (seen++ % 3 == 0) {
            const Counts want = analytical_counts(*layer, arch, m);
            EXPECT_EQ(got, want) << arch.name << " " << layer->name() << " " << dataflow_name(df)
                                 << " #" << seen << "\n"
                                 << loop_nest_string(*layer, arch, m) << "fast:\n"
                                 << counts_text(got) << "analytical:\n"
                                 << counts_text(want);
            ++checked;
            if (!(got == want)) return false;
          }
          return seen < 900;
        });
        if (!st.ok()) continue;  // the arch does not suit the dataflow
        // The mapper's RS, WS, OS_C and NLR nests are all of the fast shape. OS_A and OS_B keep
        // outputs in the PE while inputs and weights bypass it, so some of their union boxes are
        // not suffixes and go to the general model (still exact, only slower).
        if (df == Dataflow::OS_A || df == Dataflow::OS_B) continue;
        EXPECT_EQ(fc.stats().general, 0u)
            << arch.name << " " << layer->name() << " " << dataflow_name(df);
      }
  EXPECT_GE(checked, 3000);
}

}  // namespace
}  // namespace erg
