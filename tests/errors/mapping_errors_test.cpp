// Mappings that validate_mapping must refuse, each with the message that names the problem.
#include <gtest/gtest.h>

#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/mapping.h"
#include "erg/zoo.h"

namespace erg {
namespace {

struct Conv3Case {
  Arch arch = load_arch("eyeriss").value();
  Layer conv3 = [] {
    const Network n = zoo_network("alexnet").value();
    return n.layers[2];
  }();
  Mapping good = rs_mapping(conv3, arch, RsParams{32, 1, 13, 8, 4, 2, 2}).value();
};

void expect_error(const Conv3Case& s, const Mapping& m, const std::string& fragment) {
  auto st = validate_mapping(s.conv3, s.arch, m);
  ASSERT_FALSE(st.ok()) << "expected an error containing: " << fragment;
  EXPECT_NE(st.error().message.find(fragment), std::string::npos) << st.error().message;
}

TEST(ErrorsMapping, TheGoodMappingIsValid) {
  Conv3Case s;
  EXPECT_TRUE(validate_mapping(s.conv3, s.arch, s.good).ok());
}

TEST(ErrorsMapping, WrongNumberOfLevels) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels.pop_back();
  expect_error(s, m, "mapping has 2 levels but arch 'eyeriss' has 3");
}

TEST(ErrorsMapping, ZeroFactor) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[0].temporal.push_back({Dim::N, 0});
  expect_error(s, m, "level 'DRAM': loop N has factor 0");
}

TEST(ErrorsMapping, FactorsMustCoverEveryDimension) {
  Conv3Case s;
  Mapping m = s.good;
  for (auto& l : m.levels[1].temporal)
    if (l.dim == Dim::Q) l.factor = 12;
  expect_error(s, m, "the factors of Q multiply to 12 but layer 'conv3' has Q = 13");
}

TEST(ErrorsMapping, SpatialFanOutBeyondTheArray) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[1].spatial_x.push_back({Dim::N, 2});
  expect_error(s, m, "level 'GLB': spatial_x uses 26 but only 14 'RF' instances");
}

TEST(ErrorsMapping, TileLargerThanTheScratchpad) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[2].temporal.insert(m.levels[2].temporal.begin(), Loop{Dim::C, 2});
  for (auto& l : m.levels[0].temporal)
    if (l.dim == Dim::C) l.factor = (l.factor + 1) / 2;
  expect_error(s, m, "level 'RF': the inputs tile needs 24 words but the level holds 12");
}

TEST(ErrorsMapping, KeepingWhatTheArchBypasses) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[1].keeps[static_cast<int>(Tensor::Weights)] = true;
  expect_error(s, m, "level 'GLB' cannot keep weights");
}

TEST(ErrorsMapping, OutermostLevelKeepsEverything) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[0].keeps[static_cast<int>(Tensor::Outputs)] = false;
  expect_error(s, m, "level 'DRAM' is the outermost level and must keep outputs");
}

TEST(ErrorsMapping, AbsurdFactorsAreRefusedNotOverflowed) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[0].temporal.push_back({Dim::N, std::int64_t{1} << 40});
  m.levels[0].temporal.push_back({Dim::N, std::int64_t{1} << 40});
  expect_error(s, m, "absurdly large");
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(ErrorsMapping, IdlePositionsBeyondWhatTheModelWalksAreRefused) {
  Conv3Case s;
  Mapping m = s.good;
  m.levels[0].temporal.push_back({Dim::P, std::int64_t{1} << 22});
  expect_error(s, m, "the loops over P and R cover");
}

TEST(ErrorsLayer, SlidingWindowTooLongForTheModel) {
  LayerSpec spec;
  spec.name = "audio";
  spec.in_channels = spec.out_channels = 1;
  spec.in_h = 1;
  spec.in_w = 3'000'000;
  spec.filter_w = 3;
  auto l = Layer::make(spec);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("more than erg's model handles"), std::string::npos);
  spec.in_w = 1'000'000;
  EXPECT_TRUE(Layer::make(spec).ok());
}

}  // namespace
}  // namespace erg
