// `erg zoo export` and the network arguments of the other commands in every input format
// (docs/formats.md): exported files read back as the network they came from.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/run_erg.h"
#include "erg/io.h"
#include "erg/scalesim.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"

namespace erg {
namespace {

using testing::run_erg;

class CliFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("erg_cli_formats_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir_;
};

TEST_F(CliFormats, ExportWritesWhatTheLibraryWrites) {
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  const std::pair<const char*, std::string> formats[] = {
      {"yaml", network_to_yaml(*net)},
      {"json", network_to_json(*net)},
      {"tool", network_to_tool_config(*net)},
      {"scalesim", network_to_scalesim_csv(*net).value()}};
  for (const auto& [format, text] : formats) {
    SCOPED_TRACE(format);
    const auto r = run_erg({"zoo", "export", "lenet5", "--format", format});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, text);
  }
  // Without --format: YAML on stdout.
  EXPECT_EQ(run_erg({"zoo", "export", "LeNet5"}).out, network_to_yaml(*net));
}

TEST_F(CliFormats, ExportFormatFollowsTheOutputExtension) {
  auto net = zoo_network("mobilenet");
  ASSERT_TRUE(net.ok());
  const std::pair<const char*, std::string> files[] = {
      {"m.json", network_to_json(*net)},
      {"m.txt", network_to_tool_config(*net)},
      {"m.csv", network_to_scalesim_csv(*net).value()},
      {"m.yml", network_to_yaml(*net)}};
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    const auto r = run_erg({"zoo", "export", "mobilenet", "-o", path(name)});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read(path(name)), text);
  }
}

TEST_F(CliFormats, EveryCommandReadsEveryFormat) {
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  const std::string expected_show = run_erg({"zoo", "show", "lenet5", "--format", "json"}).out;
  ASSERT_FALSE(expected_show.empty());
  const auto expected = nlohmann::json::parse(expected_show);
  for (const char* name : {"l.yaml", "l.json", "l.txt", "l.cfg", "l.tool"}) {
    SCOPED_TRACE(name);
    ASSERT_EQ(run_erg({"zoo", "export", "lenet5", "-o", path(name)}).status, 0);
    const auto show = run_erg({"zoo", "show", path(name), "--format", "json"});
    ASSERT_EQ(show.status, 0) << show.err;
    auto j = nlohmann::json::parse(show.out);
    EXPECT_EQ(j["network"], "lenet5");  // the tool format keeps it in its `# network:` line
    EXPECT_EQ(j["layers"], expected["layers"]);
  }
  // SCALE-Sim moves the padding into the ifmap: same MACs and weights, different shapes.
  ASSERT_EQ(run_erg({"zoo", "export", "lenet5", "-o", path("l.csv")}).status, 0);
  const auto csv = run_erg({"zoo", "show", path("l.csv"), "--format", "json"});
  ASSERT_EQ(csv.status, 0) << csv.err;
  auto j = nlohmann::json::parse(csv.out);
  EXPECT_EQ(j["macs"], expected["macs"]);
  EXPECT_EQ(j["weights"], expected["weights"]);
  EXPECT_EQ(j["layers"][0]["in_h"], 32);

  // estimate, map --network and compare-dataflows take the files too.
  const auto from_zoo = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--format", "json"});
  const auto from_txt =
      run_erg({"estimate", path("l.txt"), "--arch", "eyeriss", "--format", "json"});
  ASSERT_EQ(from_txt.status, 0) << from_txt.err;
  const auto est_zoo = nlohmann::json::parse(from_zoo.out);
  const auto est_txt = nlohmann::json::parse(from_txt.out);
  EXPECT_EQ(est_txt["total"]["energy"], est_zoo["total"]["energy"]);
  ASSERT_EQ(est_txt["layers"].size(), est_zoo["layers"].size());
  for (std::size_t i = 0; i < est_zoo["layers"].size(); ++i) {
    EXPECT_EQ(est_txt["layers"][i]["energy"], est_zoo["layers"][i]["energy"]);
    EXPECT_EQ(est_txt["layers"][i]["mapping"], est_zoo["layers"][i]["mapping"]);
  }
  const auto map = run_erg(
      {"map", "conv2", "--network", path("l.csv"), "--arch", "eyeriss", "--format", "json"});
  EXPECT_EQ(map.status, 0) << map.err;
  const auto cmp = run_erg({"compare-dataflows", path("l.json"), "--format", "json"});
  EXPECT_EQ(cmp.status, 0) << cmp.err;
}

TEST_F(CliFormats, BadInputsExitTwoNamingFileAndLine) {
  const std::string bad = path("bad.txt");
  std::ofstream(bad) << "# one layer\n1 13 13 256 1 0 16 3 3 256 384 0 16 12 13 384 1 0 16 1 1 1 "
                        "1 1 1 conv3\n";
  const auto r = run_erg({"zoo", "show", bad});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(bad + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("field 'ofmap height': expected 13"), std::string::npos) << r.err;

  const auto grouped = run_erg({"zoo", "export", "alexnet", "--format", "scalesim"});
  EXPECT_EQ(grouped.status, 2);
  EXPECT_NE(grouped.err.find("layer 'conv2' cannot be written as a SCALE-Sim topology"),
            std::string::npos)
      << grouped.err;

  const auto format = run_erg({"zoo", "export", "alexnet", "--format", "tol"});
  EXPECT_EQ(format.status, 2);
  EXPECT_NE(format.err.find("--format must be one of yaml, json, tool, scalesim, got 'tol' (did "
                            "you mean 'tool'?)"),
            std::string::npos)
      << format.err;

  const std::string unknown = path("net.dat");
  std::ofstream(unknown) << "hello\n";
  const auto u = run_erg({"estimate", unknown, "--arch", "eyeriss"});
  EXPECT_EQ(u.status, 2);
  EXPECT_NE(u.err.find("accepted extensions"), std::string::npos) << u.err;
}

}  // namespace
}  // namespace erg
