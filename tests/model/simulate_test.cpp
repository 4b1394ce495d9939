// Simulation mode (erg/simulate.h): exact non-skipped MACs, compressed bits equal to a direct
// encoding of every transfer of the literal walk, and the dense analytical model when nothing is
// zero.
#include "erg/simulate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "erg/cost_model.h"
#include "erg/reference_evaluator.h"
#include "model/random_cases.h"

namespace erg {
namespace {

LayerData random_data(const Layer& layer, std::mt19937_64& rng,
                      std::array<double, kNumTensors> density) {
  LayerData d;
  for (Tensor t : kAllTensors) {
    std::bernoulli_distribution nz(density[static_cast<int>(t)]);
    auto& v = d.of(t);
    v.resize(layer.size(t));
    for (auto& x : v) x = nz(rng) ? 1 : 0;
  }
  return d;
}

LayerData dense_data(const Layer& layer) {
  LayerData d;
  for (Tensor t : kAllTensors) d.of(t).assign(layer.size(t), 1);
  return d;
}

// Clusters of zeros (runs longer than short run fields) as well as scattered ones.
double pick_density(std::mt19937_64& rng) {
  static constexpr double kChoices[] = {0.0, 0.1, 0.3, 0.6, 0.9, 1.0};
  return kChoices[std::uniform_int_distribution<int>(0, 5)(rng)];
}

TEST(NonzeroMacs, EqualABruteForceCountOnRandomLayers) {
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    std::mt19937_64 rng(seed);
    const Layer layer = testing::random_layer(rng);
    const LayerData d =
        random_data(layer, rng, {pick_density(rng), pick_density(rng), pick_density(rng)});
    ASSERT_EQ(nonzero_macs(layer, d), nonzero_macs_brute_force(layer, d)) << "seed " << seed;
  }
}

TEST(NonzeroMacs, WideStridedRowsCrossWordBoundaries) {
  LayerSpec s;
  s.name = "wide";
  s.in_channels = 2;
  s.out_channels = 3;
  s.in_h = 5;
  s.in_w = 300;  // several 64-bit words per residue row
  s.filter_h = 3;
  s.filter_w = 5;
  s.stride_w = 3;
  s.dilation_w = 2;
  s.pad_left = 4;
  s.pad_right = 2;
  s.pad_top = 1;
  s.pad_bottom = 1;
  const Layer layer = Layer::make(s).value();
  std::mt19937_64 rng(3);
  const LayerData d = random_data(layer, rng, {0.5, 0.4, 1.0});
  EXPECT_EQ(nonzero_macs(layer, d), nonzero_macs_brute_force(layer, d));
  EXPECT_GT(nonzero_macs(layer, d), 0u);
}

TEST(AddTransfer, RunLengthCodeWords) {
  const std::vector<std::uint8_t> nz = {0, 1, 0, 0, 0, 0, 0, 0, 1, 0};
  const std::vector<std::int64_t> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  AccessBits b;
  add_transfer(b, all, nz, 2);  // runs of at most 3 zeros per word
  // (0 zeros.. ) words: [z,1] [z,z,z,z] [z,z,1] [z] → 4 code words.
  EXPECT_EQ(b.events, 10u);
  EXPECT_EQ(b.nonzero, 2u);
  EXPECT_EQ(b.rle_words, 4u);
  // Seed 004's example: (0,1,0) costs twice (0,0,1).
  const std::vector<std::uint8_t> a = {0, 1, 0}, c = {0, 0, 1};
  const std::vector<std::int64_t> three = {0, 1, 2};
  AccessBits ba, bc;
  add_transfer(ba, three, a, 5);
  add_transfer(bc, three, c, 5);
  EXPECT_EQ(ba.rle_words, 2 * bc.rle_words);
  EXPECT_EQ(access_bits(ba, Compression::SigMap, 16, 5),
            access_bits(bc, Compression::SigMap, 16, 5));
}

// Encodes every transfer the literal walk reports.
class Encoder : public TransferObserver {
 public:
  Encoder(const LayerData& data, const Arch& arch) : data_(data), arch_(arch) {}
  void transfer(int level, Tensor t, AccessKind kind,
                std::span<const std::int64_t> elements) override {
    add_transfer(bits[{level, static_cast<int>(t), static_cast<int>(kind)}], elements, data_.of(t),
                 arch_.levels[level].rle_run_bits);
  }
  std::map<std::array<int, 3>, AccessBits> bits;

 private:
  const LayerData& data_;
  const Arch& arch_;
};

// Every level stores every tensor compressed (significance map or run-length with short run
// fields), so that every kind of transfer of the walk is checked.
Arch compress_all(Arch arch, std::mt19937_64& rng) {
  for (auto& l : arch.levels) {
    for (auto& c : l.compression)
      c = std::bernoulli_distribution(0.5)(rng) ? Compression::RunLength : Compression::SigMap;
    l.rle_run_bits = std::uniform_int_distribution<int>(1, 3)(rng);
  }
  return arch;
}

TEST(Simulation, CompressedBitsEqualADirectEncodingOfEveryTransfer) {
  const std::uint64_t cases = testing::env_or("ERG_SIMULATION_CASES", 600);
  for (std::uint64_t seed = 1; seed <= cases; ++seed) {
    testing::Case c = testing::random_case(seed, 4000);
    std::mt19937_64 rng(seed * 7919);
    c.arch = compress_all(c.arch, rng);
    const LayerData d =
        random_data(c.layer, rng, {pick_density(rng), pick_density(rng), pick_density(rng)});
    Encoder enc(d, c.arch);
    auto ref = reference_counts(c.layer, c.arch, c.mapping, {}, &enc);
    ASSERT_TRUE(ref.ok()) << ref.error().message;
    auto sim = simulate_layer(c.layer, c.arch, c.mapping, d);
    ASSERT_TRUE(sim.ok()) << "seed " << seed << ": " << sim.error().message << "\n"
                          << testing::describe(c);
    for (int lv = 0; lv < c.arch.num_levels(); ++lv)
      for (int t = 0; t < kNumTensors; ++t)
        for (int k = 0; k < kNumAccessKinds; ++k) {
          AccessBits want = enc.bits[{lv, t, k}];
          const AccessBits got = sim->bits[lv][t].kind[k];
          // Code words are counted only where the level codes run-length.
          if (c.arch.levels[lv].compression[t] != Compression::RunLength) want.rle_words = 0;
          ASSERT_EQ(got, want) << fmt::format(
                                      "seed {} level {} tensor {} kind {}: events {}/{} nonzero "
                                      "{}/{} words {}/{}",
                                      seed, lv, t, k, got.events, want.events, got.nonzero,
                                      want.nonzero, got.rle_words, want.rle_words)
                               << "\n"
                               << testing::describe(c);
        }
    ASSERT_EQ(sim->nonzero_macs, nonzero_macs_brute_force(c.layer, d));
  }
}

// With nothing zero, the simulation is the dense analytical model: the same energy at every level
// and for every tensor, with either compression; compute differs only by the MACs on padding,
// which the simulation skips (they multiply a zero).
TEST(Simulation, DenseDataEqualsTheDenseAnalyticalModel) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    testing::Case c = testing::random_case(seed, 4000);
    std::mt19937_64 rng(seed);
    c.arch = compress_all(c.arch, rng);
    const LayerData d = dense_data(c.layer);
    auto sim = simulate_layer(c.layer, c.arch, c.mapping, d);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    const Energy dense = energy_from_counts(c.layer, c.arch, sim->counts);
    for (int lv = 0; lv < c.arch.num_levels(); ++lv)
      for (int t = 0; t < kNumTensors; ++t) {
        EXPECT_NEAR(sim->energy.storage[lv][t], dense.storage[lv][t],
                    1e-12 * (1 + dense.storage[lv][t]))
            << "seed " << seed;
        EXPECT_NEAR(sim->energy.network[lv][t], dense.network[lv][t],
                    1e-12 * (1 + dense.network[lv][t]))
            << "seed " << seed;
      }
    EXPECT_EQ(sim->energy.compute_network, dense.compute_network);
    EXPECT_EQ(sim->nonzero_macs, nonzero_macs_brute_force(c.layer, d));
    const bool padded = c.layer.spec().pad_top + c.layer.spec().pad_bottom +
                            c.layer.spec().pad_left + c.layer.spec().pad_right >
                        0;
    if (!padded) {
      EXPECT_EQ(sim->nonzero_macs, c.layer.macs());
      EXPECT_DOUBLE_EQ(sim->energy.compute, dense.compute);
      EXPECT_NEAR(sim->energy.total(), dense.total(), 1e-12 * dense.total());
    }
    // The analytical model with the measured densities (all 1) is the dense one.
    EXPECT_NEAR(sim->analytical.total(), dense.total(), 1e-12 * dense.total());
  }
}

TEST(Simulation, RejectsDataOfTheWrongSize) {
  testing::Case c = testing::random_case(5, 4000);
  LayerData d = dense_data(c.layer);
  d.inputs.pop_back();
  auto sim = simulate_layer(c.layer, c.arch, c.mapping, d);
  ASSERT_FALSE(sim.ok());
  EXPECT_NE(sim.error().message.find("inputs data has"), std::string::npos) << sim.error().message;
}

}  // namespace
}  // namespace erg
