// Arch: instance counts, level lookup and the shipped presets' structure.
#include "erg/arch.h"

#include <gtest/gtest.h>

#include "erg/io.h"

namespace erg {
namespace {

// DRAM → 2 GLBs → 3×4 RFs under each GLB → 2×1 MACs under each RF.
Arch three_level_arch() {
  Arch a;
  a.name = "three";
  StorageLevel dram;
  dram.name = "DRAM";
  StorageLevel glb;
  glb.name = "GLB";
  glb.mesh_x = 2;
  StorageLevel rf;
  rf.name = "RF";
  rf.mesh_x = 3;
  rf.mesh_y = 4;
  a.levels = {dram, glb, rf};
  a.compute.mesh_x = 2;
  return a;
}

TEST(Arch, InstancesMultiplyTheMeshesDownToTheLevel) {
  const Arch a = three_level_arch();
  EXPECT_EQ(a.instances(0), 1u);
  EXPECT_EQ(a.instances(1), 2u);
  EXPECT_EQ(a.instances(2), 2u * 3u * 4u);
  EXPECT_EQ(a.mac_units(), 2u * 3u * 4u * 2u);
  EXPECT_EQ(a.num_levels(), 3);
  EXPECT_TRUE(a.validate().ok());
}

TEST(Arch, LevelIndexIgnoresCase) {
  const Arch a = three_level_arch();
  ASSERT_TRUE(a.level_index("GLB").ok());
  EXPECT_EQ(*a.level_index("GLB"), 1);
  EXPECT_EQ(*a.level_index("glb"), 1);
  EXPECT_EQ(*a.level_index("Rf"), 2);
  EXPECT_EQ(*a.level_index("dram"), 0);
  EXPECT_FALSE(a.level_index("L3").ok());
}

TEST(Arch, CompressionNamesAreTheYamlSpellings) {
  EXPECT_EQ(compression_name(Compression::None), "none");
  EXPECT_EQ(compression_name(Compression::SigMap), "sigmap");
  EXPECT_EQ(compression_name(Compression::RunLength), "rle");
}

TEST(Arch, EyerissPresetIsTheChip) {
  // Reference §1: 168 PEs as 12 rows × 14 columns, one MAC each.
  auto a = load_arch("eyeriss");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_EQ(a->num_levels(), 3);
  EXPECT_EQ(a->instances(0), 1u);
  EXPECT_EQ(a->instances(1), 1u);
  EXPECT_EQ(a->instances(2), 168u);
  EXPECT_EQ(a->levels[2].mesh_x, 14);
  EXPECT_EQ(a->levels[2].mesh_y, 12);
  EXPECT_EQ(a->mac_units(), 168u);
  EXPECT_TRUE(a->validate().ok());
}

TEST(Arch, Isca16PresetHas256Pes) {
  // Reference §4: the comparison is run at 256 PEs.
  auto a = load_arch("eyeriss-isca16");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->instances(a->num_levels() - 1), 256u);
  EXPECT_EQ(a->mac_units(), 256u);
  EXPECT_TRUE(a->validate().ok());
}

}  // namespace
}  // namespace erg
