// Hand-counted examples and properties of the analytical model.
#include "erg/cost_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "erg/reference_evaluator.h"
#include "model/random_cases.h"

namespace erg {
namespace {

// A 1-D convolution: 6 inputs, a 3-tap filter, 4 outputs.
Layer conv1d() {
  LayerSpec s;
  s.name = "conv1d";
  s.in_channels = s.out_channels = 1;
  s.in_h = 1;
  s.in_w = 6;
  s.filter_w = 3;
  return Layer::make(s).value();
}

Arch two_levels(int pes) {
  Arch a;
  a.name = "toy";
  StorageLevel dram;
  dram.name = "DRAM";
  dram.read_energy = dram.write_energy = dram.update_energy = 200;
  StorageLevel rf;
  rf.name = "RF";
  rf.mesh_x = pes;
  rf.read_energy = rf.write_energy = rf.update_energy = 1;
  rf.hop_energy = 2;
  a.levels = {dram, rf};
  return a;
}

const TensorAccess& at(const Counts& c, int level, Tensor t) {
  return c.levels[level].tensor[static_cast<int>(t)];
}

TEST(CostModel, SlidingWindowInOnePE) {
  // DRAM: for q in 0..3; RF: for s in 0..2. The RF keeps a 3-input window that slides by one.
  const Layer l = conv1d();
  const Arch a = two_levels(1);
  Mapping m;
  m.levels.resize(2);
  m.levels[0].temporal = {{Dim::Q, 4}};
  m.levels[1].temporal = {{Dim::S, 3}};
  const Counts c = analytical_counts(l, a, m);
  EXPECT_EQ(c.macs, 12u);
  EXPECT_EQ(c.compute_cycles, 12u);
  // Weights: filled once (3), read by every MAC (12).
  EXPECT_EQ(at(c, 0, Tensor::Weights).reads, 3u);
  EXPECT_EQ(at(c, 1, Tensor::Weights).writes, 3u);
  EXPECT_EQ(at(c, 1, Tensor::Weights).reads, 12u);
  // Inputs: 3 for the first window, then one new input per step: 3 + 1 + 1 + 1.
  EXPECT_EQ(at(c, 0, Tensor::Inputs).reads, 6u);
  EXPECT_EQ(at(c, 1, Tensor::Inputs).writes, 6u);
  EXPECT_EQ(at(c, 1, Tensor::Inputs).reads, 12u);
  // Outputs: each accumulates 3 times in the RF (a read and an update per MAC), then goes to DRAM
  // once; none is ever fetched back.
  EXPECT_EQ(at(c, 1, Tensor::Outputs).updates, 12u);
  EXPECT_EQ(at(c, 1, Tensor::Outputs).reads, 12u + 4u);
  EXPECT_EQ(at(c, 0, Tensor::Outputs).updates, 4u);
  EXPECT_EQ(at(c, 0, Tensor::Outputs).reads, 0u);
  EXPECT_EQ(at(c, 1, Tensor::Outputs).writes, 0u);
}

TEST(CostModel, MulticastAndSiblingHops) {
  // Two PEs: q = 2·t + x. Step 0: PE0 needs inputs {0,1,2}, PE1 {1,2,3}: DRAM sends the union
  // {0..3} once (4 reads, 6 fills). Step 1: PE0 needs {2,3,4}, PE1 {3,4,5}; the union gains
  // {4,5} (2 reads). PE0's new 3 was held by PE1 a step before: one hop. Fills: 2 + 2.
  const Layer l = conv1d();
  const Arch a = two_levels(2);
  Mapping m;
  m.levels.resize(2);
  m.levels[0].temporal = {{Dim::Q, 2}};
  m.levels[0].spatial_x = {{Dim::Q, 2}};
  m.levels[1].temporal = {{Dim::S, 3}};
  const Counts c = analytical_counts(l, a, m);
  EXPECT_EQ(at(c, 0, Tensor::Inputs).reads, 6u);
  EXPECT_EQ(at(c, 1, Tensor::Inputs).writes, 10u);
  EXPECT_EQ(at(c, 1, Tensor::Inputs).hops, 1u);
  // The same 3 weights go to both PEs at once: 3 reads, 6 fills, never refilled.
  EXPECT_EQ(at(c, 0, Tensor::Weights).reads, 3u);
  EXPECT_EQ(at(c, 1, Tensor::Weights).writes, 6u);
  EXPECT_EQ(c.compute_cycles, 6u);
  const Energy e = energy_from_counts(l, a, c);
  EXPECT_DOUBLE_EQ(e.network[1][static_cast<int>(Tensor::Inputs)], 2.0);
}

TEST(CostModel, SpatialReductionOfPartialSums) {
  // The 3 taps on 3 PEs (spatial S): each output's three products are reduced across the PEs
  // (2 hops) and written to DRAM once.
  const Layer l = conv1d();
  const Arch a = two_levels(3);
  Mapping m;
  m.levels.resize(2);
  m.levels[0].temporal = {{Dim::Q, 4}};
  m.levels[0].spatial_x = {{Dim::S, 3}};
  const Counts c = analytical_counts(l, a, m);
  EXPECT_EQ(at(c, 0, Tensor::Outputs).updates, 4u);
  EXPECT_EQ(at(c, 1, Tensor::Outputs).hops, 8u);
  EXPECT_EQ(at(c, 1, Tensor::Outputs).reads, 12u + 12u);  // MAC reads + 12 partials sent out
  EXPECT_EQ(at(c, 1, Tensor::Weights).writes, 3u);        // each PE keeps its tap
}

TEST(CostModel, ImperfectFactorsAreIdleWorkNotData) {
  // 4 outputs as 3 × 2 = 6 positions: the last two are idle.
  const Layer l = conv1d();
  const Arch a = two_levels(2);
  Mapping m;
  m.levels.resize(2);
  m.levels[0].temporal = {{Dim::Q, 3}};
  m.levels[0].spatial_x = {{Dim::Q, 2}};
  m.levels[1].temporal = {{Dim::S, 3}};
  ASSERT_TRUE(validate_mapping(l, a, m).ok());
  auto ev = evaluate(l, a, m);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->counts.macs, 12u);
  EXPECT_EQ(ev->counts.compute_cycles, 9u);
  EXPECT_EQ(at(ev->counts, 0, Tensor::Outputs).updates, 4u);
  EXPECT_DOUBLE_EQ(ev->perf.utilization, 12.0 / (9.0 * 2.0));
  EXPECT_EQ(ev->counts, reference_counts(l, a, m).value());
}

// ---- Properties over random cases -------------------------------------------------------------

TEST(CostModelProperties, HopsNeverExceedFillsAndEveryOutputReachesDram) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const auto c = testing::random_case(seed);
    const Counts n = analytical_counts(c.layer, c.arch, c.mapping);
    // Every fill of a child comes from the parent or from a sibling, so hops never exceed fills.
    for (Tensor t : {Tensor::Weights, Tensor::Inputs}) {
      std::uint64_t fills = 0, hops = 0;
      for (std::size_t lv = 1; lv < n.levels.size(); ++lv) {
        fills += at(n, static_cast<int>(lv), t).writes;
        hops += at(n, static_cast<int>(lv), t).hops;
      }
      EXPECT_LE(hops, fills) << testing::describe(c);
    }
    // Every output reaches DRAM at least once.
    EXPECT_GE(at(n, 0, Tensor::Outputs).updates, c.layer.size(Tensor::Outputs));
    EXPECT_EQ(n.macs, c.layer.macs());
  }
}

TEST(CostModelProperties, InnermostLoopOrderDoesNotChangeCounts) {
  std::mt19937_64 rng(7);
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto c = testing::random_case(seed);
    const Counts before = analytical_counts(c.layer, c.arch, c.mapping);
    auto& inner = c.mapping.levels.back().temporal;
    std::shuffle(inner.begin(), inner.end(), rng);
    EXPECT_EQ(analytical_counts(c.layer, c.arch, c.mapping), before) << testing::describe(c);
  }
}

TEST(CostModelProperties, UnitLoopsChangeNothing) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto c = testing::random_case(seed);
    const Counts before = analytical_counts(c.layer, c.arch, c.mapping);
    for (auto& lm : c.mapping.levels) lm.temporal.insert(lm.temporal.begin(), Loop{Dim::M, 1});
    EXPECT_EQ(analytical_counts(c.layer, c.arch, c.mapping), before);
  }
}

TEST(CostModelProperties, DataEnergyScalesWithBitwidthAndComputeWithTheProduct) {
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    auto c = testing::random_case(seed);
    const Counts n = analytical_counts(c.layer, c.arch, c.mapping);
    const Energy e16 = energy_from_counts(c.layer, c.arch, n);
    LayerSpec s = c.layer.spec();
    s.weights.bits = s.inputs.bits = s.outputs.bits = 8;
    const Layer l8 = Layer::make(s).value();
    const Energy e8 = energy_from_counts(l8, c.arch, n);
    EXPECT_NEAR(e8.data_total(), e16.data_total() / 2, 1e-9 * e16.data_total());
    EXPECT_NEAR(e8.compute, e16.compute / 4, 1e-12 * e16.compute);
  }
}

TEST(CostModelProperties, SparsitySkipsMacsAndCompressionShrinksTraffic) {
  auto c = testing::random_case(11);
  c.arch.levels[0].compression = {Compression::SigMap, Compression::SigMap, Compression::SigMap};
  const Counts n = analytical_counts(c.layer, c.arch, c.mapping);
  LayerSpec s = c.layer.spec();
  const Energy dense = energy_from_counts(Layer::make(s).value(), c.arch, n);
  s.weights.density = 0.5;
  s.inputs.density = 0.4;
  const Layer sparse_layer = Layer::make(s).value();
  const Energy sparse = energy_from_counts(sparse_layer, c.arch, n);
  EXPECT_DOUBLE_EQ(sparse_layer.nonzero_macs(), 0.2 * static_cast<double>(c.layer.macs()));
  EXPECT_NEAR(sparse.compute, 0.2 * dense.compute, 1e-9);
  EXPECT_LT(sparse.storage[0][0], dense.storage[0][0]);
  // Significance map: (1 + d·bits) / bits of a word per element.
  EXPECT_NEAR(sparse.storage[0][0] / dense.storage[0][0], (1 + 0.5 * 16) / 17.0, 1e-12);
}

TEST(CostModel, CompressionBitsPerElement) {
  EXPECT_DOUBLE_EQ(bits_per_element(Compression::None, 16, 0.3, 5), 16);
  EXPECT_DOUBLE_EQ(bits_per_element(Compression::SigMap, 16, 0.25, 5), 5);
  // Dense data under run-length coding: one code word per value.
  EXPECT_DOUBLE_EQ(bits_per_element(Compression::RunLength, 16, 1.0, 5), 21);
  // All zeros: one code word per 32 zeros.
  EXPECT_DOUBLE_EQ(bits_per_element(Compression::RunLength, 16, 0.0, 5), 21.0 / 32);
  // Sparser data never costs more.
  EXPECT_LT(bits_per_element(Compression::RunLength, 16, 0.2, 5),
            bits_per_element(Compression::RunLength, 16, 0.5, 5));
}

}  // namespace
}  // namespace erg
