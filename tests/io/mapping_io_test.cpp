// Mapping files: loops, spatial axes and kept tensors read into the Mapping, names are matched
// without regard to case, and mapping_to_yaml writes what parse_mapping_yaml reads back.
#include <gtest/gtest.h>

#include "erg/io.h"

namespace erg {
namespace {

const std::string kData = std::string(ERG_SOURCE_DIR) + "/tests/data/";

Arch eyeriss() {
  auto a = load_arch("eyeriss");
  EXPECT_TRUE(a.ok()) << a.error().to_string();
  return *a;
}

TEST(MappingIo, ReadsEveryPart) {
  const Arch arch = eyeriss();
  auto r = load_mapping_file(kData + "eyeriss_conv1_mapping.yaml", arch);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Mapping& m = *r;
  ASSERT_EQ(m.levels.size(), 3u);
  EXPECT_EQ(m.levels[0].temporal, (std::vector<Loop>{{Dim::M, 2}, {Dim::C, 3}, {Dim::P, 4}}));
  EXPECT_TRUE(m.levels[0].spatial_x.empty());
  EXPECT_EQ(m.levels[1].temporal, (std::vector<Loop>{{Dim::N, 1}, {Dim::Q, 55}}));
  EXPECT_EQ(m.levels[1].spatial_x, (std::vector<Loop>{{Dim::P, 14}}));
  EXPECT_EQ(m.levels[1].spatial_y, (std::vector<Loop>{{Dim::R, 11}}));
  EXPECT_EQ(m.levels[2].temporal, (std::vector<Loop>{{Dim::C, 1}, {Dim::M, 48}, {Dim::S, 11}}));
  // Without `keep`, a level keeps what the arch level keeps; with it, what it lists.
  EXPECT_EQ(m.levels[0].keeps, arch.levels[0].keeps);
  EXPECT_EQ(m.levels[1].keeps, arch.levels[1].keeps);
  EXPECT_EQ(m.levels[2].keeps, (std::array<bool, 3>{true, false, true}));
}

TEST(MappingIo, MappingToYamlRoundTrips) {
  const Arch arch = eyeriss();
  auto r = load_mapping_file(kData + "eyeriss_conv1_mapping.yaml", arch);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const std::string text = mapping_to_yaml(arch, *r);
  auto back = parse_mapping_yaml(text, "<written>", arch);
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << text;
  EXPECT_EQ(*back, *r);
  EXPECT_EQ(mapping_to_yaml(arch, *back), text);
}

TEST(MappingIo, RoundTripsMappingsBuiltInCode) {
  const Arch arch = eyeriss();
  Mapping m;
  m.levels.resize(3);
  m.levels[0].temporal = {{Dim::G, 2}, {Dim::N, 4}, {Dim::M, 3}, {Dim::M, 5}};
  m.levels[1].keeps = {false, false, true};  // the GLB bypasses inputs too
  m.levels[1].spatial_x = {{Dim::Q, 7}, {Dim::M, 2}};
  m.levels[1].spatial_y = {{Dim::S, 3}, {Dim::C, 4}};
  m.levels[2].keeps = {false, false, false};  // keep nothing: `keep: []`
  m.levels[2].temporal = {{Dim::R, 3}, {Dim::P, 13}, {Dim::C, 1000000007}};
  const std::string text = mapping_to_yaml(arch, m);
  auto back = parse_mapping_yaml(text, "<written>", arch);
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << text;
  EXPECT_EQ(*back, m);
}

TEST(MappingIo, LevelsWithNoLoopsAreFine) {
  const Arch arch = eyeriss();
  auto r = parse_mapping_yaml(
      "version: 1\nmapping:\n  - level: DRAM\n  - level: GLB\n    temporal: []\n  - level: RF\n",
      "t", arch);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->levels.size(), 3u);
  for (const auto& l : r->levels) {
    EXPECT_TRUE(l.temporal.empty());
    EXPECT_TRUE(l.spatial_x.empty());
    EXPECT_TRUE(l.spatial_y.empty());
  }
}

}  // namespace
}  // namespace erg
