// Bad input files: each file in tests/errors/data/ must fail to load with a message naming the
// problem, located at the right line of the file, with that line quoted for the caret.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>

#include "erg/arch.h"
#include "erg/io.h"
#include "erg/network_input.h"
#include "erg/scalesim.h"
#include "erg/tool_format.h"

namespace erg {
namespace {

const std::string kDataDir = std::string(ERG_SOURCE_DIR) + "/tests/errors/data/";

struct BadFile {
  const char* file;       // under tests/errors/data/
  const char* expected;   // a part of the message
  int line;               // 1-based; 0 = the error names no line
  const char* also = "";  // a second part of the message, when there is one to check
};

std::ostream& operator<<(std::ostream& os, const BadFile& b) { return os << b.file; }

// The text of line `n` (1-based) of a file.
std::string file_line(const std::string& path, int n) {
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i) {
  }
  return line;
}

// Loads the file as the kind its name says (arch_, net_, tool_, csv_, map_ or pins_, the last two
// for the eyeriss preset) and returns the error. Network files in any format must fail the same
// way through load_network_input.
Error load_error(const std::string& path, const std::string& file) {
  const bool tool = file.rfind("tool_", 0) == 0;
  const bool csv = file.rfind("csv_", 0) == 0;
  if (tool || csv || file.rfind("net_", 0) == 0) {
    auto r = tool  ? load_tool_config_file(path)
             : csv ? load_scalesim_csv_file(path)
                   : load_network_file(path);
    EXPECT_FALSE(r.ok()) << file << " loaded but should not have";
    auto any = load_network_input(path);
    EXPECT_FALSE(any.ok()) << file << " loaded through load_network_input";
    if (!r.ok() && !any.ok()) EXPECT_EQ(any.error().to_string(), r.error().to_string());
    return r.ok() ? Error{} : r.error();
  }
  if (file.rfind("arch_", 0) == 0) {
    auto r = load_arch_file(path);
    EXPECT_FALSE(r.ok()) << file << " loaded but should not have";
    return r.ok() ? Error{} : r.error();
  }
  auto arch = load_arch("eyeriss");
  EXPECT_TRUE(arch.ok());
  if (file.rfind("pins_", 0) == 0) {
    auto r = load_pins_file(path, *arch);
    EXPECT_FALSE(r.ok()) << file << " loaded but should not have";
    return r.ok() ? Error{} : r.error();
  }
  auto r = load_mapping_file(path, *arch);
  EXPECT_FALSE(r.ok()) << file << " loaded but should not have";
  return r.ok() ? Error{} : r.error();
}

class ErrorsIoFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(ErrorsIoFile, MessageNamesTheProblemAtItsLine) {
  const BadFile& b = GetParam();
  const std::string path = kDataDir + b.file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const Error e = load_error(path, b.file);
  EXPECT_NE(e.message.find(b.expected), std::string::npos)
      << "expected '" << b.expected << "' in: " << e.to_string();
  EXPECT_NE(e.message.find(b.also), std::string::npos)
      << "expected '" << b.also << "' in: " << e.to_string();
  EXPECT_EQ(e.file, path);
  EXPECT_EQ(e.line, b.line) << e.to_string();
  if (b.line > 0) {
    EXPECT_GT(e.column, 0) << e.to_string();
    EXPECT_EQ(e.source_line, file_line(path, b.line)) << e.to_string();
    // The caret lands inside the quoted line.
    EXPECT_LE(static_cast<std::size_t>(e.column), e.source_line.size() + 1) << e.to_string();
  }
}

const BadFile kArchFiles[] = {
    {"arch_unknown_key.yaml", "unknown key 'enrgy' in level 'GLB' (did you mean 'energy'?)", 10},
    {"arch_missing_energy.yaml", "level 'GLB': missing 'energy'", 7},
    {"arch_energy_no_read.yaml", "level 'RF': energy has no 'read' entry", 14},
    {"arch_energy_no_update.yaml", "level 'GLB': energy has no 'update' entry", 10},
    {"arch_bad_version.yaml", "'version' must be 1", 2},
    {"arch_no_version.yaml", "missing 'version: 1'", 2},
    {"arch_capacity_abc.yaml", "key 'capacity': expected a non-negative integer, got 'abc'", 9,
     "level 'GLB'"},
    {"arch_negative_energy.yaml", "key 'energy.read': expected a non-negative number, got '-6'", 10,
     "level 'GLB'"},
    {"arch_zero_mesh.yaml", "key 'mesh.x': expected a positive integer", 12, "level 'RF'"},
    {"arch_word_bits.yaml", "key 'word_bits': expected an integer in 1..64, got '65'", 10},
    {"arch_syntax.yaml", "YAML syntax error", 11},
    {"arch_no_network.yaml", "no 'network'", 12, "level 'RF'"},
    {"arch_outer_keeps.yaml", "outermost level must keep all three tensors", 5, "level 'DRAM'"},
    {"arch_duplicate_level.yaml", "level name 'glb' is used twice", 11},
    {"arch_bad_tensor.yaml", "unknown tensor 'otputs' in 'keeps'", 8, "did you mean 'outputs'?"},
    {"arch_bad_compression.yaml", "unknown compression 'sigmapp'", 6, "did you mean 'sigmap'?"},
    {"arch_partition_missing.yaml", "capacity has no 'outputs' entry", 13, "level 'RF'"},
    {"arch_partition_not_kept.yaml", "has an entry for weights, which the level does not keep", 9},
    {"arch_compute_no_energy.yaml", "compute: missing 'energy'", 17},
    {"arch_compute_mesh_no_hop.yaml", "no 'hop'", 18, "compute"},
    {"arch_duplicate_key.yaml", "level 'GLB': key 'capacity' appears twice (first on line 9)", 10},
    {"arch_top_unknown.yaml", "unknown key 'lvels' (did you mean 'levels'?)", 4},
    {"arch_level_not_map.yaml", "level 2: expected a map of keys, got 'GLB'", 7},
    {"arch_bandwidth.yaml", "key 'bandwidth': expected a non-negative number, got 'fast'", 10},
    {"arch_network_no_hop.yaml", "level 'RF': missing 'network.hop'", 15},
    {"arch_empty.yaml", "the file is empty", 0},
};

const BadFile kNetworkFiles[] = {
    {"net_unknown_key.yaml", "unknown key 'strde' in layer 'conv2' (did you mean 'stride'?)", 18},
    {"net_groups.yaml", "'groups' = 3 does not divide in_channels = 8", 12, "layer 'conv2'"},
    {"net_bad_type.yaml", "unknown layer type 'cnv'", 13, "did you mean 'conv'?"},
    {"net_both_forms.yaml", "both 'in' and 'in_h' are given", 17},
    {"net_pad_shape.yaml", "key 'pad': expected an integer, [h, w] or [top, bottom, left, right]",
     11},
    {"net_missing_in.yaml", "layer 'conv1': missing the ifmap size", 5},
    {"net_density.yaml", "key 'inputs.density': expected a number in [0, 1], got '1.5'", 20},
    {"net_no_layers.yaml", "unknown key 'lyers' (did you mean 'layers'?)", 4},
    {"net_missing_name.yaml", "layer 2: missing 'name'", 12},
    {"net_stride_zero.yaml", "key 'stride': expected a positive integer, got '0'", 18},
    {"net_filter_too_big.yaml", "filter height 16 (dilated 16) exceeds padded input height 15", 21,
     "layer 'head'"},
    {"net_duplicate_name.yaml", "the name 'Conv' is already used by layer 1", 9},
    {"net_fc_filter_mismatch.yaml", "an fc layer's filter covers its whole input: filter 5x5", 4,
     "layer 'fc6'"},
    {"net_bits.yaml", "key 'inputs.bits': expected an integer in 1..64, got '0'", 20},
    {"net_no_version.yaml", "missing 'version: 1'", 2},
    {"net_layer_and_layers.yaml", "give either 'layer' (one layer) or 'layers'", 4},
    {"net_single_layer_bad.yaml", "layer 'big': filter height 3 (dilated 7) exceeds", 4},
    // JSON goes through the same reader; errors keep their line.
    {"net_json_unknown_key.json", "unknown key 'strde' in layer 'fc1' (did you mean 'stride'?)", 6},
};

// The online tool's per-layer configuration (docs/formats.md).
const BadFile kToolFiles[] = {
    {"tool_field_count.txt", "a layer line has 25 integers", 2, "this line has 24"},
    {"tool_not_integer.txt", "field 'filter channels': expected an integer, got '4S'", 4},
    {"tool_zero_channels.txt", "field 'ifmap channels': expected a positive integer, got '0'", 1},
    {"tool_negative_pad.txt", "field 'pad bottom': expected a non-negative integer, got '-1'", 1},
    {"tool_zeros_too_many.txt", "field 'ifmap zeros': 43265 zeros, but the ifmap has only 43264",
     2},
    {"tool_ofmap_mismatch.txt", "field 'ofmap height': expected 23 (from the ifmap height", 3},
    {"tool_absurd_channels.txt", "'in_channels' = 1000000000000 is absurdly large", 1,
     "layer 'huge'"},
    {"tool_empty.txt", "the file has no layer lines", 0},
    {"tool_bits.txt", "field 'filter bits': expected a bitwidth in 1..64, got '0'", 1},
    {"tool_groups.txt", "field 'filter channels': 40 does not divide the ifmap's 96 channels", 1},
    {"tool_index_order.txt", "field 'index': 1 does not follow index 1 on line 1", 2},
    {"tool_unknown_option.txt", "unknown option 'typ='", 1, "did you mean 'type'?"},
    {"tool_duplicate_name.txt", "the layer name 'CONV3' is already used on line 1", 2},
    {"tool_batch_mismatch.txt", "field 'ofmap maps': expected 2 (the ifmap's maps", 2},
};

// SCALE-Sim topology CSV files (docs/formats.md).
const BadFile kCsvFiles[] = {
    {"csv_missing_header.csv", "missing the header line", 1, "Layer name, IFMAP Height"},
    {"csv_not_integer.csv", "column 'Channels': expected a positive integer, got '9b'", 4},
    {"csv_field_count.csv", "a layer name and 7 integers", 2, "this one has 7 cells"},
    {"csv_zero.csv", "column 'Num Filter': expected a positive integer, got '0'", 2},
    {"csv_filter_too_big.csv", "column 'Filter Height': 5 exceeds the IFMAP Height 4", 3},
    {"csv_bad_header.csv", "header column 4 is 'Filter Hight', expected 'Filter Height'", 1,
     "did you mean 'Filter Height'?"},
    {"csv_empty.csv", "the file is empty", 0},
    {"csv_absurd.csv", "'in_channels' = 1000000000000 is absurdly large", 2, "layer 'FC'"},
    {"csv_duplicate.csv", "the layer name 'conv1' is already used on line 2", 3},
    {"csv_too_many.csv", "this one has 10 cells", 2},
    {"csv_gemm_bad.csv", "column 'K': expected a positive integer, got 'abc'", 2},
};

const BadFile kMappingFiles[] = {
    {"map_unknown_dim.yaml", "unknown dimension 'K' in 'temporal'", 12, "did you mean 'M'?"},
    {"map_unknown_dim_letter.yaml", "unknown dimension 'Z'", 7, "dimensions are N G M C P Q R S"},
    {"map_unknown_level.yaml", "no level named 'GBL'", 6, "did you mean 'GLB'?"},
    {"map_missing_level.yaml", "the mapping has no entry for level 'GLB'", 6},
    {"map_missing_last.yaml", "the mapping has no entry for level 'RF'", 6},
    {"map_twice.yaml", "level 'glb' is listed twice (first on line 6)", 11},
    {"map_out_of_order.yaml", "no entry for level 'DRAM', which comes before 'GLB'", 4},
    {"map_bad_factor.yaml", "key 'temporal.M': expected a positive integer, got '0'", 5,
     "level 'DRAM'"},
    {"map_not_pair.yaml", "each entry of 'temporal' is one 'dim: factor' pair", 5},
    {"map_keep_not_allowed.yaml", "the arch level does not keep weights", 10, "level 'GLB'"},
    {"map_unknown_key.yaml", "unknown key 'tmporal' in level 'RF' (did you mean 'temporal'?)", 12},
    {"map_no_version.yaml", "missing 'version: 1'", 2},
    {"map_syntax.yaml", "YAML syntax error", 8},
};

// Partial mappings for `erg map --fix`.
const BadFile kPinsFiles[] = {
    {"pins_dim_twice.yaml", "dimension M appears twice in 'temporal' (first on line 4)", 5,
     "level 'GLB'"},
    {"pins_unknown_dim.yaml", "unknown dimension 'K' in 'temporal'", 4, "did you mean 'M'?"},
    {"pins_unknown_level.yaml", "no level named 'GBL'", 3, "did you mean 'GLB'?"},
    {"pins_spatial_both.yaml", "give either 'spatial'", 5, "not both"},
    {"pins_zero.yaml", "key 'temporal.M': expected a positive integer", 4, "level 'DRAM'"},
};

std::string case_name(const ::testing::TestParamInfo<BadFile>& info) {
  std::string s = std::filesystem::path(info.param.file).stem().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Arch, ErrorsIoFile, ::testing::ValuesIn(kArchFiles), case_name);
INSTANTIATE_TEST_SUITE_P(Network, ErrorsIoFile, ::testing::ValuesIn(kNetworkFiles), case_name);
INSTANTIATE_TEST_SUITE_P(Tool, ErrorsIoFile, ::testing::ValuesIn(kToolFiles), case_name);
INSTANTIATE_TEST_SUITE_P(Csv, ErrorsIoFile, ::testing::ValuesIn(kCsvFiles), case_name);
INSTANTIATE_TEST_SUITE_P(Mapping, ErrorsIoFile, ::testing::ValuesIn(kMappingFiles), case_name);
INSTANTIATE_TEST_SUITE_P(Pins, ErrorsIoFile, ::testing::ValuesIn(kPinsFiles), case_name);

// Every bad file in the folder is in one of the tables: a file nobody checks is a test lost.
TEST(ErrorsIoFiles, EveryDataFileIsChecked) {
  std::set<std::string> listed;
  for (const auto& b : kArchFiles) listed.insert(b.file);
  for (const auto& b : kNetworkFiles) listed.insert(b.file);
  for (const auto& b : kToolFiles) listed.insert(b.file);
  for (const auto& b : kCsvFiles) listed.insert(b.file);
  for (const auto& b : kMappingFiles) listed.insert(b.file);
  for (const auto& b : kPinsFiles) listed.insert(b.file);
  for (const auto& entry : std::filesystem::directory_iterator(kDataDir)) {
    const std::string name = entry.path().filename().string();
    bool mine = false;
    for (const char* prefix : {"arch_", "net_", "tool_", "csv_", "map_", "pins_"})
      mine = mine || name.rfind(prefix, 0) == 0;
    if (mine) EXPECT_TRUE(listed.count(name)) << name << " is not in any table";
  }
}

// ---- errors that are not about one line of a file ----

TEST(ErrorsIo, MissingFileNamesThePath) {
  const std::string path = kDataDir + "no_such_file.yaml";
  auto r = load_arch_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  auto n = load_network_file(path);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find(path), std::string::npos) << n.error().message;
}

TEST(ErrorsIo, DirectoryIsNotAFile) {
  auto r = read_text_file(kDataDir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("directory"), std::string::npos) << r.error().message;
}

TEST(ErrorsIo, FileOverTheSizeLimitIsRefusedNamingThePath) {
  // A sparse file: large on paper, no disk space used.
  const auto dir = std::filesystem::temp_directory_path() / "erg_io_errors_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "huge.yaml").string();
  { std::ofstream(path) << "version: 1\n"; }
  std::filesystem::resize_file(path, kMaxInputBytes + 1);
  auto r = read_text_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("limit"), std::string::npos) << r.error().message;
  // Exactly at the limit is still read.
  std::filesystem::resize_file(path, kMaxInputBytes);
  auto ok = read_text_file(path);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), kMaxInputBytes);
  std::filesystem::remove_all(dir);
}

TEST(ErrorsIo, NetworkInputsOverTheSizeLimitAreRefusedInEveryFormat) {
  const auto dir = std::filesystem::temp_directory_path() / "erg_io_errors_size_test";
  std::filesystem::create_directories(dir);
  for (const char* name : {"huge.txt", "huge.csv", "huge.json", "huge.net"}) {
    const std::string path = (dir / name).string();
    { std::ofstream(path) << "1 2 3\n"; }
    std::filesystem::resize_file(path, kMaxInputBytes + 1);
    auto r = load_network_input(path);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("limit"), std::string::npos) << r.error().message;
  }
  auto t = load_tool_config_file((dir / "huge.txt").string());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("limit"), std::string::npos) << t.error().message;
  auto c = load_scalesim_csv_file((dir / "huge.csv").string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("limit"), std::string::npos) << c.error().message;
  std::filesystem::remove_all(dir);
}

TEST(ErrorsIo, UnknownNetworkFormatListsTheAcceptedExtensions) {
  const auto dir = std::filesystem::temp_directory_path() / "erg_io_errors_format_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "net.bin").string();
  { std::ofstream(path) << "hello world\n"; }
  auto r = load_network_input(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, path);
  for (const std::string& ext : network_input_extensions())
    EXPECT_NE(r.error().message.find(ext), std::string::npos) << ext << ": " << r.error().message;
  std::filesystem::remove_all(dir);
}

TEST(ErrorsIo, UnknownPresetGetsAHintAndTheList) {
  auto r = load_arch("eyriss");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("'eyriss'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'eyeriss'?"), std::string::npos) << m;
  EXPECT_NE(m.find("eyeriss-isca16"), std::string::npos) << m;
}

TEST(ErrorsIo, PresetErrorsWouldNameThePreset) {
  // Not a shipped preset, but the origin a preset gets: a parse error names it.
  auto r = parse_arch_yaml("version: 1\nname: x\nlevels: 3\ncompute: {energy: 1}\n", "<preset x>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "<preset x>");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_NE(r.error().message.find("key 'levels': expected a list, got '3'"), std::string::npos)
      << r.error().message;
}

TEST(ErrorsIo, ToStringShowsLocationLineAndCaret) {
  auto r =
      parse_arch_yaml("version: 1\nname: x\nlevels:\n  - name: DRAM\n    enrgy: 1\n", "a.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "a.yaml:5:5: unknown key 'enrgy' in level 'DRAM' (did you mean 'energy'?)\n"
            "      enrgy: 1\n"
            "      ^");
}

TEST(ErrorsIo, CrLfLinesAreQuotedWithoutTheCarriageReturn) {
  auto r = parse_arch_yaml("version: 1\r\nname: x\r\nlevls: []\r\n", "crlf.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().source_line, "levls: []");
}

TEST(ErrorsIo, TopLevelMustBeAMap) {
  auto r = parse_network_yaml("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expected a map of keys at the top level"), std::string::npos);
  EXPECT_EQ(r.error().line, 1);
}

// ---- Arch::validate on arches built in code ----

Arch small_arch() {
  Arch a;
  a.name = "small";
  StorageLevel dram;
  dram.name = "DRAM";
  StorageLevel rf;
  rf.name = "RF";
  rf.mesh_x = 2;
  rf.mesh_y = 3;
  a.levels = {dram, rf};
  return a;
}

void expect_invalid(const Arch& a, const std::string& part) {
  Status s = a.validate();
  ASSERT_FALSE(s.ok()) << "expected a failure mentioning '" << part << "'";
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}

TEST(ErrorsArchValidate, EachStructuralRuleIsEnforced) {
  ASSERT_TRUE(small_arch().validate().ok());
  Arch a = small_arch();
  a.levels.clear();
  expect_invalid(a, "no storage levels");
  a = small_arch();
  a.levels[0].keeps[1] = false;
  expect_invalid(a, "outermost level 'DRAM' must keep every tensor, but not inputs");
  a = small_arch();
  a.levels[1].name = "dram";
  expect_invalid(a, "two levels are named 'dram'");
  a = small_arch();
  a.levels[1].name = "";
  expect_invalid(a, "level 2 has no name");
  a = small_arch();
  a.levels[1].mesh_y = 0;
  expect_invalid(a, "level 'RF': mesh 2x0");
  a = small_arch();
  a.levels[1].word_bits = 65;
  expect_invalid(a, "word_bits must be in 1..64, got 65");
  a = small_arch();
  a.levels[0].write_energy = -1;
  expect_invalid(a, "level 'DRAM': write energy must be a number in [0, 1e+12]");
  a = small_arch();
  a.levels[1].hop_energy = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(a, "network hop energy");
  a = small_arch();
  a.compute.mac_energy = -0.5;
  expect_invalid(a, "compute energy");
  a = small_arch();
  a.compute.reference_bits = 0;
  expect_invalid(a, "reference_bits");
  a = small_arch();
  a.compute.mesh_x = 0;
  expect_invalid(a, "compute mesh 0x1");
}

TEST(ErrorsArchValidate, InstanceCountOverflowIsCaught) {
  Arch a = small_arch();
  StorageLevel big;
  big.name = "L";
  big.mesh_x = big.mesh_y = 1 << 16;  // 2^32 per parent
  a.levels.push_back(big);
  big.name = "M";
  a.levels.push_back(big);  // 6 × 2^64 instances
  expect_invalid(a, "overflows 64 bits");
}

TEST(ErrorsArchValidate, UnknownLevelNameGetsAHint) {
  Arch a = small_arch();
  auto r = a.level_index("RG");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no level named 'RG' in arch 'small'"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("DRAM, RF"), std::string::npos) << r.error().message;
  auto h = a.level_index("DRMA");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("did you mean 'DRAM'?"), std::string::npos) << h.error().message;
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(ErrorsArchLimits, AbsurdEnergiesBandwidthsAndArraysAreRefused) {
  Arch a = load_arch("eyeriss").value();
  a.levels[0].read_energy = 1e308;
  EXPECT_NE(a.validate().error().message.find("read energy must be a number in [0, 1e+12]"),
            std::string::npos);
  a = load_arch("eyeriss").value();
  a.levels[1].bandwidth = 1e-300;
  EXPECT_NE(a.validate().error().message.find("below the minimum"), std::string::npos);
  a = load_arch("eyeriss").value();
  a.levels[2].mesh_x = a.levels[2].mesh_y = 65536;
  EXPECT_NE(a.validate().error().message.find("more than erg models"), std::string::npos);
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(ErrorsArchLimits, ReportNamesMustNotCollide) {
  Arch a = load_arch("eyeriss").value();
  a.levels[2].network_name = "glb";
  EXPECT_NE(a.validate().error().message.find("the name 'glb' is used twice"), std::string::npos);
  a = load_arch("eyeriss").value();
  a.compute.name = "DRAM";
  EXPECT_NE(a.validate().error().message.find("the name 'DRAM' is used twice"), std::string::npos);
}

}  // namespace
}  // namespace erg
