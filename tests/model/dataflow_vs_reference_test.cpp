// The equality suite over every dataflow: mappings that obey rs, ws, os_a/b/c and nlr on an
// Eyeriss-shaped arch (DRAM, a shared buffer, per-PE storage under a PE array) give the same counts
// in the analytical model and the literal reference evaluator.
#include <gtest/gtest.h>

#include <random>

#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/reference_evaluator.h"
#include "model/random_cases.h"

namespace erg {
namespace {

// A small Eyeriss: a 4 × 3 PE array, a buffer for inputs and psums, split scratchpads.
Arch small_eyeriss(bool pooled_rf) {
  Arch a;
  a.name = pooled_rf ? "small-isca16" : "small-eyeriss";
  StorageLevel dram;
  dram.name = "DRAM";
  dram.read_energy = dram.write_energy = dram.update_energy = 200;
  StorageLevel glb;
  glb.name = "GLB";
  glb.keeps = {pooled_rf, true, true};
  glb.capacity = 4096;
  glb.read_energy = glb.write_energy = glb.update_energy = 6;
  StorageLevel rf;
  rf.name = "RF";
  rf.mesh_x = 4;
  rf.mesh_y = 3;
  rf.hop_energy = 2;
  rf.network_name = "array";
  rf.read_energy = rf.write_energy = rf.update_energy = 1;
  if (pooled_rf) {
    rf.capacity = 64;
  } else {
    rf.partitioned = true;
    rf.capacity_per_tensor = {32, 6, 8};
  }
  a.levels = {dram, glb, rf};
  return a;
}

TEST(DataflowVsReference, EveryDataflowsMappingsMatchExactly) {
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    const Layer layer = testing::random_layer(rng);
    for (bool pooled : {false, true}) {
      const Arch arch = small_eyeriss(pooled);
      for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::OS_A, Dataflow::OS_B,
                          Dataflow::OS_C, Dataflow::NLR}) {
        auto m = simple_mapping(df, layer, arch);
        if (!m.ok()) continue;  // e.g. no RS mapping when the filter rows exceed the array
        ASSERT_TRUE(check_dataflow(df, layer, arch, m.value()).ok());
        auto ref = reference_counts(layer, arch, m.value());
        ASSERT_TRUE(ref.ok()) << ref.error().message;
        ASSERT_EQ(analytical_counts(layer, arch, m.value()), ref.value())
            << "seed " << seed << " " << dataflow_name(df) << "\n"
            << testing::describe({layer, arch, m.value()});
        ++checked;
      }
    }
  }
  // Most (layer, arch, dataflow) triples have a mapping; make sure the suite is not vacuous.
  EXPECT_GE(checked, 500);
}

TEST(DataflowVsReference, RandomRowStationaryParametersMatchExactly) {
  std::mt19937_64 rng(99);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  int checked = 0;
  for (int i = 0; i < 600 && checked < 300; ++i) {
    const Layer layer = testing::random_layer(rng);
    const Arch arch = small_eyeriss(pick(0, 1) == 1);
    const std::int64_t M = layer.dim(Dim::M), C = layer.dim(Dim::C);
    RsParams p;
    p.p = pick(1, M);
    p.t = pick(1, M / p.p);
    p.m = pick(p.p * p.t, M);
    p.q = pick(1, C);
    p.r = pick(1, C / p.q);
    p.e = pick(1, layer.dim(Dim::P));
    p.n = pick(1, layer.dim(Dim::N));
    auto m = rs_mapping(layer, arch, p);
    if (!m.ok()) continue;
    const Status rule = check_dataflow(Dataflow::RS, layer, arch, m.value());
    ASSERT_TRUE(rule.ok()) << rule.error().message << "\n"
                           << testing::describe({layer, arch, m.value()});
    auto ref = reference_counts(layer, arch, m.value());
    ASSERT_TRUE(ref.ok());
    ASSERT_EQ(analytical_counts(layer, arch, m.value()), ref.value())
        << testing::describe({layer, arch, m.value()});
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

}  // namespace
}  // namespace erg
