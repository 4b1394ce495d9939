// Regression tests for what fuzzing the readers found (fuzz/, HACKING.md "Fuzzing and
// sanitizers"), and the issue's named cases of hostile input: absurd sizes, huge or non-finite
// numbers, deep nesting, too many levels. Each must be an error naming the file, the line and the
// field — never a crash, a hang or an answer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "erg/arch.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/zoo.h"

namespace erg {
namespace {

void expect_error(const Error& e, const std::string& part, int line) {
  EXPECT_NE(e.message.find(part), std::string::npos)
      << "expected '" << part << "' in " << e.to_string();
  EXPECT_EQ(e.file, "bad.yaml") << e.to_string();
  EXPECT_EQ(e.line, line) << e.to_string();
}

template <class T>
void expect_error(const Result<T>& r, const std::string& part, int line) {
  ASSERT_FALSE(r.ok()) << "accepted, expected an error mentioning '" << part << "'";
  expect_error(r.error(), part, line);
}

std::string conv_file(const std::string& field_line) {
  return "version: 1\nlayer:\n  name: c\n  in_channels: 3\n  out_channels: 4\n  in: [8, 8]\n" +
         field_line + "\n";
}

TEST(FuzzFindings, TeraChannelConvIsRefusedNamingTheField) {
  // 10^12 channels reads as an integer; Layer::make refuses it before any count is formed.
  auto r = parse_network_yaml(
      "version: 1\nlayer:\n  name: c\n  in_channels: 1000000000000\n  out_channels: 4\n"
      "  in: [8, 8]\n",
      "bad.yaml");
  expect_error(r, "'in_channels' = 1000000000000 is absurdly large", 3);
}

TEST(FuzzFindings, HugeAndNonFiniteNumbersAreRefusedNamingTheField) {
  expect_error(parse_network_yaml(conv_file("  batch: 18446744073709551616"), "bad.yaml"),
               "key 'batch': expected a positive integer", 7);
  expect_error(parse_network_yaml(conv_file("  stride: -9223372036854775808"), "bad.yaml"),
               "key 'stride': expected a positive integer", 7);
  expect_error(parse_network_yaml(conv_file("  weights: {density: .nan}"), "bad.yaml"),
               "key 'weights.density': expected a number in [0, 1]", 7);
  expect_error(parse_network_yaml(conv_file("  weights: {density: 1e999}"), "bad.yaml"),
               "key 'weights.density'", 7);
  expect_error(parse_network_yaml(conv_file("  weights: {bits: 4294967297}"), "bad.yaml"),
               "key 'weights.bits': expected an integer in 1..64", 7);
  // The filter spans are products of dilation and filter size: both at the limit still fit.
  expect_error(
      parse_network_yaml(conv_file("  filter: 2147483648\n  dilation: 2147483648"), "bad.yaml"),
      "exceeds padded input height", 3);
}

TEST(FuzzFindings, DeeplyNestedYamlIsASyntaxErrorNotAStackOverflow) {
  const std::string deep = "version: 1\nlayers: " + std::string(100000, '[') + "\n";
  auto r = parse_network_yaml(deep, "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "bad.yaml");
  EXPECT_GT(r.error().line, 0) << r.error().to_string();
  const std::string deep_map = "version: 1\nlayers: " + std::string(100000, '{') + "\n";
  EXPECT_FALSE(parse_network_yaml(deep_map, "bad.yaml").ok());
}

// Found by reading the mapper's Capacity (fuzzing did not get there): its per-level state is a
// fixed array of 16, and an arch with more levels indexed past it. Arches are now limited to
// kMaxArchLevels, both when read and in Arch::validate (which map_layer calls).
std::string arch_with_levels(int n) {
  std::string s = "version: 1\nname: tall\nlevels:\n";
  for (int i = 0; i < n; ++i)
    s += "  - {name: L" + std::to_string(i) + ", energy: {read: 1, write: 1, update: 1}}\n";
  return s + "compute: {energy: 1}\n";
}

TEST(FuzzFindings, ArchWithTooManyLevelsIsRefusedAtTheLevelsKey) {
  ASSERT_TRUE(parse_arch_yaml(arch_with_levels(kMaxArchLevels), "bad.yaml").ok());
  expect_error(parse_arch_yaml(arch_with_levels(kMaxArchLevels + 1), "bad.yaml"),
               "key 'levels': 17 storage levels; erg handles at most 16", 4);
}

TEST(FuzzFindings, MapperRefusesAnArchWithTooManyLevels) {
  Arch a = parse_arch_yaml(arch_with_levels(3), "tall.yaml").value();
  while (a.num_levels() <= kMaxArchLevels) {
    a.levels.push_back(a.levels.back());
    a.levels.back().name = "extra" + std::to_string(a.num_levels());
  }
  ASSERT_FALSE(a.validate().ok());
  EXPECT_NE(a.validate().error().message.find("erg handles at most 16"), std::string::npos);
  const Layer layer = zoo_network("lenet5").value().layers.front();
  for (Dataflow df : {Dataflow::RS, Dataflow::WS}) {
    MapperOptions opt;
    opt.dataflow = df;
    opt.threads = 1;
    auto r = map_layer(layer, a, opt);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("erg handles at most 16"), std::string::npos);
  }
}

// Duplicate keys used to be found by comparing every key with every earlier one: 5·10^9 string
// comparisons for this map, minutes for a 64 MiB file. The time bound only guards loosely against
// that quadratic behaviour coming back (yaml-cpp's own parse takes about a second here).
TEST(FuzzFindings, AMapWithManyKeysIsCheckedInLinearTime) {
  std::string s = "version: 1\n";
  const int n = 100000;
  for (int i = 0; i < n; ++i) s += "k" + std::to_string(i) + ": 1\n";
  s += "k17: 2\n";
  const auto start = std::chrono::steady_clock::now();
  auto r = parse_network_yaml(s, "bad.yaml");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_error(r, "key 'k17' appears twice (first on line 19)", n + 2);
  EXPECT_LT(seconds, 30.0);
}

}  // namespace
}  // namespace erg
