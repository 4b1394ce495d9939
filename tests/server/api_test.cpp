// The API of `erg serve` (erg/api.h) without a socket: valid requests give the CLI's JSON, bad ones
// a JSON error with 400/413/422; identical layers are searched once across requests.
#include "erg/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/report.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"

namespace erg {
namespace {

using nlohmann::json;

std::string error_of(const ApiResponse& r) {
  const json j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : "";
}

TEST(Api, ZooAndArchsListWhatTheCliKnows) {
  const json zoo = json::parse(api_zoo().body);
  ASSERT_EQ(zoo.size(), zoo_entries().size());
  bool alexnet = false;
  for (const auto& n : zoo)
    if (n["name"] == "alexnet") {
      alexnet = true;
      EXPECT_EQ(n["layers"], 8);
    }
  EXPECT_TRUE(alexnet);
  const json archs = json::parse(api_archs().body);
  ASSERT_EQ(archs.size(), arch_preset_names().size());
  EXPECT_EQ(archs[0]["pes"].get<int>() > 0, true);
}

TEST(Api, EstimateEqualsTheCliEstimate) {
  ApiContext ctx;
  const ApiResponse r =
      api_estimate(R"({"network": "lenet5", "arch": "eyeriss", "batch": 2})", ctx);
  ASSERT_EQ(r.status, 200) << r.body;
  EstimateOptions eo;
  eo.batch = 2;
  const auto want =
      estimate_network(zoo_network("lenet5").value(), load_arch("eyeriss").value(), eo).value();
  json got = json::parse(r.body), expected = json::parse(estimate_json(want));
  // The mapper's timings differ run to run.
  for (auto* j : {&got, &expected})
    for (auto& l : (*j)["layers"]) l["mapper"].erase("seconds");
  EXPECT_EQ(got, expected);
}

TEST(Api, LayersArchYamlAndEveryOptionAreTaken) {
  ApiContext ctx;
  const std::string arch_yaml = arch_to_yaml(load_arch("eyeriss").value());
  const json req = {
      {"layers", json::parse(network_to_json(zoo_network("lenet5").value()))["layers"]},
      {"name", "mine"},
      {"arch", arch_yaml},
      {"dataflow", "ws"},
      {"objective", "edp"},
      {"wbits", 8},
      {"abits", 8},
      {"weight_density", 0.5},
      {"act_density", 0.25}};
  const ApiResponse r = api_estimate(req.dump(), ctx);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["network"], "mine");
  EXPECT_EQ(j["dataflow"], "ws");
  EXPECT_EQ(j["objective"], "edp");
  EXPECT_EQ(j["layers"][0]["formats"]["weights"]["bits"], 8);
  EXPECT_DOUBLE_EQ(j["layers"][0]["formats"]["inputs"]["density"].get<double>(), 0.25);
}

TEST(Api, BadRequestsAreJsonErrorsWithTheRightStatus) {
  ApiContext ctx;
  struct Case {
    std::string body;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"not json", 400, "not JSON"},
      {"[1, 2]", 400, "JSON object"},
      {R"({"network": 5})", 400, "'network' must be a string"},
      {R"({"network": "alexnet", "batch": "two"})", 400, "'batch' must be an integer"},
      {R"({"network": "alexnet", "batch": 0})", 422, "'batch' must be between"},
      {R"({"network": "alexnt"})", 422, "alexnet"},
      {R"({"network": "alexnet", "arch": "eyerss"})", 422, "eyeriss"},
      {R"({"network": "alexnet", "arch": "levels: [1"})", 422, "request arch"},
      {R"({"network": "alexnet", "dataflow": "zz"})", 422, "'dataflow'"},
      {R"({"network": "alexnet", "weight_density": 2})", 422, "[0, 1]"},
      {R"({"network": "alexnet", "wbits": 99})", 422, "'wbits'"},
      {R"({"network": "alexnet", "bacth": 2})", 422, "unknown field 'bacth'"},
      {R"({})", 422, "needs 'network'"},
      {R"({"layers": [{"name": "x", "type": "conv", "in_channels": 0}]})", 422, ""},
      {R"({"network": "alexnet", "layers": []})", 422, "not both"},
  };
  for (const auto& c : cases) {
    const ApiResponse r = api_estimate(c.body, ctx);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_NE(error_of(r).find(c.says), std::string::npos) << c.body << " → " << r.body;
  }
  ctx.max_body = 10;
  EXPECT_EQ(api_estimate(R"({"network": "alexnet"})", ctx).status, 413);
}

TEST(Api, ConcurrentIdenticalRequestsSearchEachLayerOnce) {
  ApiContext ctx;
  const std::string body = R"({"network": "alexnet", "arch": "eyeriss"})";
  std::vector<std::thread> threads;
  std::vector<int> status(4, 0);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] { status[i] = api_estimate(body, ctx).status; });
  for (auto& t : threads) t.join();
  for (int s : status) EXPECT_EQ(s, 200);
  // AlexNet has 8 distinct layers: 8 searches in all; every other request either found each
  // layer in the mapping cache or (if it came after the first had finished) its whole answer in
  // the response cache.
  EXPECT_EQ(ctx.cache.searches(), 8u);
  EXPECT_EQ(ctx.cache.hits() + 8 * ctx.responses.hits(), 3u * 8u);
  const auto before = ctx.responses.hits();
  const ApiResponse again = api_estimate(body, ctx);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(ctx.responses.hits(), before + 1);
  EXPECT_EQ(ctx.cache.searches(), 8u);
  // A different request (batch) maps again, layer by layer.
  EXPECT_EQ(api_estimate(R"({"network": "alexnet", "arch": "eyeriss", "batch": 2})", ctx).status,
            200);
  EXPECT_EQ(ctx.cache.searches(), 16u);
}

TEST(Api, ImportTakesToolTextAndOnnxAndRefusesGarbage) {
  ApiContext ctx;
  const std::string tool = network_to_tool_config(zoo_network("lenet5").value());
  const ApiResponse t = api_import(tool, ctx);
  ASSERT_EQ(t.status, 200) << t.body;
  const json j = json::parse(t.body);
  EXPECT_EQ(j["format"], "tool");
  EXPECT_EQ(j["layers"].size(), zoo_network("lenet5")->layers.size());
  const ApiResponse o = api_import(std::string("\x08\x07\x12\x00garbage\xff", 12), ctx);
  EXPECT_EQ(o.status, 422) << o.body;
  EXPECT_EQ(api_import("", ctx).status, 400);
  EXPECT_EQ(api_import("this is not a tool file", ctx).status, 422);
}

}  // namespace
}  // namespace erg
