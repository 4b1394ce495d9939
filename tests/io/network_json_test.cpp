// erg's network files as JSON (network_to_json) and the one loader for every network format
// (load_network_input): every zoo network round-trips through YAML and JSON unchanged, and each
// extension reaches its reader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "erg/io.h"
#include "erg/network_input.h"
#include "erg/scalesim.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"
#include "io/network_compare.h"

namespace erg {
namespace {

using testing::expect_same_network;

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / "erg_network_json_test") {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

TEST(NetworkJson, EveryZooNetworkRoundTripsThroughYamlAndJson) {
  for (const ZooEntry& e : zoo_entries()) {
    SCOPED_TRACE(e.name);
    auto net = zoo_network(e.name);
    ASSERT_TRUE(net.ok());
    const std::string yaml = network_to_yaml(*net);
    auto from_yaml = parse_network_yaml(yaml, "x.yaml");
    ASSERT_TRUE(from_yaml.ok()) << from_yaml.error().to_string();
    expect_same_network(*net, *from_yaml);
    const std::string json = network_to_json(*net);
    auto from_json = parse_network_yaml(json, "x.json");
    ASSERT_TRUE(from_json.ok()) << from_json.error().to_string();
    expect_same_network(*net, *from_json);  // densities too: AlexNet's are not round numbers
    EXPECT_EQ(network_to_json(*from_json), json);
  }
}

TEST(NetworkJson, IsValidJsonWithTheYamlSchema) {
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  const auto j = nlohmann::json::parse(network_to_json(*net));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["network"], "alexnet");
  ASSERT_EQ(j["layers"].size(), net->layers.size());
  const auto& conv2 = j["layers"][1];
  EXPECT_EQ(conv2["name"], "conv2");
  EXPECT_EQ(conv2["groups"], 2);
  EXPECT_EQ(conv2["pad"], nlohmann::json({2, 2, 2, 2}));
  EXPECT_EQ(conv2["inputs"]["density"].get<double>(), net->layers[1].spec().inputs.density);
}

TEST(NetworkJson, NamesAreEscaped) {
  LayerSpec s;
  s.name = "a \"quoted\" \\ name\twith tab";
  s.in_channels = s.out_channels = 2;
  s.in_h = s.in_w = 4;
  Network net{"net \"x\"", {Layer::make(s).value()}};
  const std::string json = network_to_json(net);
  const auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << json;
  EXPECT_EQ(parsed["network"], "net \"x\"");
  auto back = parse_network_yaml(json, "n.json");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  expect_same_network(net, *back);
}

TEST(NetworkJson, JsonErrorsNameTheLine) {
  auto r = parse_network_yaml(
      "{\n  \"version\": 1,\n  \"layers\": [\n    {\"name\": \"c\", \"in_channels\": 0}\n  ]\n}\n",
      "bad.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_NE(r.error().message.find("in_channels"), std::string::npos) << r.error().message;
}

TEST(NetworkInput, EachExtensionReachesItsReader) {
  TempDir dir;
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  const std::string tool = network_to_tool_config(*net);
  const std::string csv = network_to_scalesim_csv(*net).value();
  const std::pair<std::string, std::string> files[] = {{"a.yaml", network_to_yaml(*net)},
                                                       {"b.YML", network_to_yaml(*net)},
                                                       {"c.json", network_to_json(*net)},
                                                       {"d.txt", tool},
                                                       {"e.cfg", tool},
                                                       {"f.tool", tool},
                                                       {"g.csv", csv},
                                                       {"h.Csv", csv}};
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    auto r = load_network_input(dir.write(name, text));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->macs(), net->macs());
    EXPECT_EQ(r->layers.size(), net->layers.size());
  }
  // The extension decides: a tool file called .yaml fails as YAML.
  auto wrong = load_network_input(dir.write("tool.yaml", tool));
  ASSERT_FALSE(wrong.ok());
}

TEST(NetworkInput, UnknownExtensionsAreSniffed) {
  TempDir dir;
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  const std::string csv = network_to_scalesim_csv(*net).value();
  const std::pair<std::string, std::string> files[] = {
      {"a.net", network_to_yaml(*net)},
      {"b", network_to_json(*net)},
      {"c.layers", network_to_tool_config(*net)},
      {"d.topo", csv},
      {"e.gemm", "Layer, M, N, K,\nmm,8,16,32,\n"}};
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    auto r = load_network_input(dir.write(name, text));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_FALSE(r->layers.empty());
  }
  auto e = load_network_input(dir.write("f.dat", "# comment\nnot a network\n"));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("accepted extensions: .yaml, .yml, .json, .csv, .txt"),
            std::string::npos)
      << e.error().message;
  auto missing = load_network_input("/nonexistent/dir/net.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/dir/net.txt"), std::string::npos);
}

}  // namespace
}  // namespace erg
