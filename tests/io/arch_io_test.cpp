// Architecture files: the presets carry the published figures, every schema feature reads into
// the right field, and arch_to_yaml writes what parse_arch_yaml reads back unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "erg/io.h"

namespace erg {
namespace {

const std::string kData = std::string(ERG_SOURCE_DIR) + "/tests/data/";

constexpr int W = static_cast<int>(Tensor::Weights);
constexpr int I = static_cast<int>(Tensor::Inputs);
constexpr int O = static_cast<int>(Tensor::Outputs);

void expect_same_arch(const Arch& a, const Arch& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.unit, b.unit);
  ASSERT_EQ(a.levels.size(), b.levels.size());
  for (std::size_t i = 0; i < a.levels.size(); ++i) {
    SCOPED_TRACE("level " + a.levels[i].name);
    const StorageLevel& x = a.levels[i];
    const StorageLevel& y = b.levels[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.keeps, y.keeps);
    EXPECT_EQ(x.partitioned, y.partitioned);
    EXPECT_EQ(x.capacity, y.capacity);
    EXPECT_EQ(x.capacity_per_tensor, y.capacity_per_tensor);
    EXPECT_EQ(x.word_bits, y.word_bits);
    EXPECT_EQ(x.read_energy, y.read_energy);
    EXPECT_EQ(x.write_energy, y.write_energy);
    EXPECT_EQ(x.update_energy, y.update_energy);
    EXPECT_EQ(x.bandwidth, y.bandwidth);
    EXPECT_EQ(x.mesh_x, y.mesh_x);
    EXPECT_EQ(x.mesh_y, y.mesh_y);
    EXPECT_EQ(x.hop_energy, y.hop_energy);
    EXPECT_EQ(x.network_name, y.network_name);
    EXPECT_EQ(x.compression, y.compression);
    EXPECT_EQ(x.rle_run_bits, y.rle_run_bits);
  }
  EXPECT_EQ(a.compute.name, b.compute.name);
  EXPECT_EQ(a.compute.mac_energy, b.compute.mac_energy);
  EXPECT_EQ(a.compute.reference_bits, b.compute.reference_bits);
  EXPECT_EQ(a.compute.mesh_x, b.compute.mesh_x);
  EXPECT_EQ(a.compute.mesh_y, b.compute.mesh_y);
  EXPECT_EQ(a.compute.hop_energy, b.compute.hop_energy);
}

void expect_round_trip(const Arch& a) {
  const std::string text = arch_to_yaml(a);
  auto back = parse_arch_yaml(text, "<written>");
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << text;
  expect_same_arch(a, *back);
  // Writing is deterministic, so a second round changes nothing either.
  EXPECT_EQ(arch_to_yaml(*back), text);
}

TEST(ArchIo, PresetNamesAreTheShippedFiles) {
  const auto& names = arch_preset_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "eyeriss"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "eyeriss-isca16"), names.end());
  for (const auto& n : names) {
    EXPECT_TRUE(std::filesystem::exists(std::string(ERG_SOURCE_DIR) + "/archs/" + n + ".yaml"))
        << n;
    auto a = load_arch(n);
    EXPECT_TRUE(a.ok()) << n << ": " << a.error().to_string();
  }
}

TEST(ArchIo, EyerissPresetCarriesThePublishedFigures) {
  auto r = load_arch("eyeriss");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Arch& a = *r;
  EXPECT_EQ(a.name, "eyeriss");
  EXPECT_EQ(a.unit, "MAC");
  ASSERT_EQ(a.num_levels(), 3);
  const StorageLevel& dram = a.levels[0];
  const StorageLevel& glb = a.levels[1];
  const StorageLevel& rf = a.levels[2];
  // Reference §2: DRAM 200, GLB 6, array 2, RF 1, MAC 1 per 16-bit access.
  EXPECT_EQ(dram.read_energy, 200);
  EXPECT_EQ(dram.write_energy, 200);
  EXPECT_EQ(dram.update_energy, 200);
  EXPECT_EQ(glb.read_energy, 6);
  EXPECT_EQ(glb.update_energy, 6);
  EXPECT_EQ(rf.read_energy, 1);
  EXPECT_EQ(rf.hop_energy, 2);
  EXPECT_EQ(rf.network_name, "array");
  EXPECT_EQ(a.compute.mac_energy, 1);
  EXPECT_EQ(a.compute.reference_bits, 16);
  for (const auto& l : a.levels) EXPECT_EQ(l.word_bits, 16) << l.name;
  // Reference §1: 108 KB GLB for ifmaps and psums; split scratchpads 224 / 12 / 24 words.
  EXPECT_FALSE(glb.partitioned);
  EXPECT_EQ(glb.capacity, 108u * 1024u / 2u);
  EXPECT_EQ(glb.keeps, (std::array<bool, 3>{false, true, true}));
  EXPECT_TRUE(rf.partitioned);
  EXPECT_EQ(rf.capacity_per_tensor, (std::array<std::uint64_t, 3>{224, 12, 24}));
  EXPECT_EQ(dram.capacity, 0u);  // unbounded
  // Reference §5: the tool's analytical method codes DRAM traffic with significance maps.
  for (Tensor t : kAllTensors) {
    EXPECT_EQ(dram.compression[static_cast<int>(t)], Compression::SigMap);
    EXPECT_EQ(glb.compression[static_cast<int>(t)], Compression::None);
  }
}

TEST(ArchIo, Isca16PresetHasAPooledRfAndA128KiBBuffer) {
  auto r = load_arch("eyeriss-isca16");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Arch& a = *r;
  ASSERT_EQ(a.num_levels(), 3);
  // Reference §4: RS at 256 PEs gets 256 words of RF per PE and a 128 KiB buffer.
  EXPECT_EQ(a.levels[2].mesh_x * a.levels[2].mesh_y, 256);
  EXPECT_FALSE(a.levels[2].partitioned);
  EXPECT_EQ(a.levels[2].capacity, 256u);
  EXPECT_EQ(a.levels[2].keeps, (std::array<bool, 3>{true, true, true}));
  EXPECT_FALSE(a.levels[1].partitioned);
  EXPECT_EQ(a.levels[1].capacity, 128u * 1024u / 2u);
  EXPECT_EQ(a.levels[1].keeps, (std::array<bool, 3>{false, true, true}));
  EXPECT_EQ(a.levels[0].read_energy, 200);
  EXPECT_EQ(a.levels[1].read_energy, 6);
  EXPECT_EQ(a.levels[2].hop_energy, 2);
  EXPECT_EQ(a.levels[2].read_energy, 1);
}

TEST(ArchIo, EveryFeatureReadsIntoItsField) {
  auto r = load_arch_file(kData + "test_arch.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Arch& a = *r;
  EXPECT_EQ(a.name, "test-arch");
  EXPECT_EQ(a.unit, "pJ");
  ASSERT_EQ(a.num_levels(), 4);

  const StorageLevel& dram = a.levels[0];
  EXPECT_EQ(dram.keeps, (std::array<bool, 3>{true, true, true}));  // default
  EXPECT_EQ(dram.word_bits, 64);
  EXPECT_EQ(dram.read_energy, 640.5);
  EXPECT_EQ(dram.write_energy, 700);
  EXPECT_EQ(dram.update_energy, 710);
  EXPECT_EQ(dram.compression[W], Compression::RunLength);
  EXPECT_EQ(dram.compression[I], Compression::SigMap);
  EXPECT_EQ(dram.compression[O], Compression::None);
  EXPECT_EQ(dram.rle_run_bits, 4);
  EXPECT_EQ(dram.bandwidth, 16);
  EXPECT_EQ(dram.capacity, 0u);
  EXPECT_EQ(dram.mesh_x * dram.mesh_y, 1);

  const StorageLevel& l2 = a.levels[1];
  EXPECT_EQ(l2.keeps, (std::array<bool, 3>{false, true, true}));
  EXPECT_FALSE(l2.partitioned);
  EXPECT_EQ(l2.capacity, 4096u);
  EXPECT_EQ(l2.word_bits, 8);
  EXPECT_EQ(l2.update_energy, 4);
  EXPECT_EQ(l2.compression, (std::array<Compression, 3>{Compression::SigMap, Compression::SigMap,
                                                        Compression::SigMap}));
  EXPECT_EQ(l2.rle_run_bits, 5);  // default
  EXPECT_EQ(l2.word_bits, 8);

  const StorageLevel& l1 = a.levels[2];
  EXPECT_EQ(l1.mesh_x, 8);
  EXPECT_EQ(l1.mesh_y, 1);
  EXPECT_EQ(l1.keeps, (std::array<bool, 3>{true, false, false}));
  EXPECT_TRUE(l1.partitioned);
  EXPECT_EQ(l1.capacity_per_tensor[W], 512u);
  EXPECT_EQ(l1.update_energy, 0);
  EXPECT_EQ(l1.write_energy, 0.75);
  EXPECT_EQ(l1.hop_energy, 1.25);
  EXPECT_FALSE(l1.network_name.empty());
  EXPECT_EQ(l1.word_bits, 16);  // default

  const StorageLevel& regs = a.levels[3];
  EXPECT_EQ(regs.capacity_per_tensor, (std::array<std::uint64_t, 3>{2, 4, 8}));
  EXPECT_EQ(regs.network_name, "noc");
  EXPECT_EQ(regs.hop_energy, 0.3);
  EXPECT_EQ(a.instances(3), 8u * 6u);

  EXPECT_EQ(a.compute.name, "FMA");
  EXPECT_EQ(a.compute.mac_energy, 0.9);
  EXPECT_EQ(a.compute.reference_bits, 8);
  EXPECT_EQ(a.compute.hop_energy, 0.05);
  EXPECT_EQ(a.mac_units(), 8u * 6u * 16u);
}

TEST(ArchIo, ArchToYamlRoundTrips) {
  for (const auto& name : arch_preset_names()) {
    SCOPED_TRACE(name);
    auto a = load_arch(name);
    ASSERT_TRUE(a.ok());
    expect_round_trip(*a);
  }
  auto t = load_arch_file(kData + "test_arch.yaml");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  expect_round_trip(*t);
}

TEST(ArchIo, RoundTripKeepsAwkwardNamesAndNumbers) {
  auto base = load_arch("eyeriss");
  ASSERT_TRUE(base.ok());
  Arch a = *base;
  a.name = "my arch: \"v2\"\tnew";  // needs quoting and escapes
  a.unit = "yes";                   // a YAML 1.1 boolean spelling
  a.levels[1].name = "123";         // would read back as a number if not quoted
  a.levels[1].read_energy = 0.1;    // not exact in binary
  a.levels[1].write_energy = 1.0 / 3.0;
  a.levels[1].update_energy = 6.02e11;
  a.levels[2].hop_energy = 1e-9;
  a.levels[0].bandwidth = 2.5;
  a.compute.mac_energy = 0.123456789012345678;
  expect_round_trip(a);
}

TEST(ArchIo, LoadArchAcceptsAPathAndAnyCaseOfAPresetName) {
  auto by_path = load_arch(kData + "test_arch.yaml");
  ASSERT_TRUE(by_path.ok()) << by_path.error().to_string();
  EXPECT_EQ(by_path->name, "test-arch");
  auto upper = load_arch("EYERISS");
  ASSERT_TRUE(upper.ok()) << upper.error().to_string();
  EXPECT_EQ(upper->name, "eyeriss");
}

TEST(ArchIo, ReadTextFileReadsTheWholeFile) {
  const auto dir = std::filesystem::temp_directory_path() / "erg_arch_io_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bytes.txt").string();
  std::string content;
  for (int i = 0; i < 200000; ++i) content += static_cast<char>('a' + i % 26);
  content += std::string("\0tail", 5);
  { std::ofstream(path, std::ios::binary) << content; }
  auto r = read_text_file(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, content);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace erg
