// The API of `erg serve` (erg/api.h) without a socket: valid requests give the CLI's JSON, bad ones
// a JSON error with 400/413/422; identical layers are searched once across requests.
#include "erg/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/plot.h"
#include "erg/report.h"
#include "erg/scalesim.h"
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
  // the response cache or the estimate cache.
  EXPECT_EQ(ctx.cache.searches(), 8u);
  EXPECT_EQ(ctx.cache.hits() + 8 * (ctx.responses.hits() + ctx.estimates.hits()), 3u * 8u);
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

TEST(Api, ImportReadsEveryNetworkFormatByNameOrContent) {
  ApiContext ctx;
  const Network lenet = zoo_network("lenet5").value();
  // erg JSON (by extension, and sniffed), SCALE-Sim CSV: the layers come back as sent.
  for (const auto& [name, text, format] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"net.json", network_to_json(lenet), "erg"},
           {"", network_to_yaml(lenet), "erg"},
           {"lenet.csv", network_to_scalesim_csv(lenet).value(), "scalesim"},
           {"lenet.TXT", network_to_tool_config(lenet), "tool"}}) {
    const ApiResponse r = api_import(text, ctx, name);
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j["format"], format) << name;
    ASSERT_EQ(j["layers"].size(), lenet.layers.size()) << name;
    EXPECT_EQ(j["layers"][0]["name"], lenet.layers[0].name()) << name;
  }
  // The extension wins over the content; errors name the upload, never a path.
  const ApiResponse wrong = api_import(network_to_json(lenet), ctx, "net.csv");
  EXPECT_EQ(wrong.status, 422);
  EXPECT_NE(error_of(wrong).find("net.csv"), std::string::npos) << wrong.body;
  const ApiResponse path = api_import("junk", ctx, "../../etc/passwd");
  EXPECT_EQ(path.status, 422);
  EXPECT_EQ(error_of(path).find("/etc"), std::string::npos) << path.body;
  EXPECT_EQ(error_of(path).rfind("passwd", 0), 0u) << path.body;
  // A binary upload named .onnx is read as ONNX, and its error says so.
  const ApiResponse onnx = api_import(std::string("\x08\x07\x12\x00\xff", 5), ctx, "m.onnx");
  EXPECT_EQ(onnx.status, 422);
  EXPECT_NE(error_of(onnx).find("m.onnx"), std::string::npos) << onnx.body;
}

TEST(Api, ZooNetworkIsTheNetworkJsonAndRoundTripsThroughEstimate) {
  ApiContext ctx;
  const ApiResponse r = api_zoo_network("alexnet");
  ASSERT_EQ(r.status, 200);
  const json net = json::parse(r.body);
  EXPECT_EQ(net["network"], "alexnet");
  ASSERT_EQ(net["layers"].size(), 8u);
  // Sending its layers back estimates the same network as sending its name.
  const json by_layers = {{"layers", net["layers"]}, {"name", "alexnet"}};
  json a = json::parse(api_estimate(by_layers.dump(), ctx).body);
  json b = json::parse(api_estimate(R"({"network": "alexnet"})", ctx).body);
  for (auto* j : {&a, &b})
    for (auto& l : (*j)["layers"]) l["mapper"].erase("seconds");
  EXPECT_EQ(a, b);
  EXPECT_EQ(api_zoo_network("alexnt").status, 404);
  EXPECT_NE(error_of(api_zoo_network("alexnt")).find("alexnet"), std::string::npos);
}

TEST(Api, LayerErrorsNameTheLayerByIndex) {
  ApiContext ctx;
  const std::string ok = R"({"name": "a", "in_channels": 3, "out_channels": 8, "in": [8, 8]})";
  const ApiResponse r =
      api_estimate(R"({"layers": [)" + ok +
                       R"(, {"name": "b", "in_channels": -3, "out_channels": 8, "in": [8, 8]}]})",
                   ctx);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(error_of(r).rfind("layers[1]: layer 'b'", 0), 0u) << r.body;
  const ApiResponse filter = api_estimate(
      R"({"layers": [{"name": "a", "in_channels": 3, "out_channels": 8, "in": [8, 8],
                      "filter": [30, 3]}]})",
      ctx);
  EXPECT_EQ(filter.status, 422);
  EXPECT_EQ(error_of(filter).rfind("layers[0]: ", 0), 0u) << filter.body;
  EXPECT_NE(error_of(filter).find("filter height 30"), std::string::npos) << filter.body;
}

TEST(Api, CsvAndSvgAreTheCliOutputsForTheSameRequest) {
  ApiContext ctx;
  const std::string body = R"({"network": "lenet5", "batch": 3, "dataflow": "ws"})";
  EstimateOptions eo;
  eo.batch = 3;
  eo.dataflow = Dataflow::WS;
  const auto want =
      estimate_network(zoo_network("lenet5").value(), load_arch("eyeriss").value(), eo).value();
  const ApiResponse csv = api_estimate_csv(body, ctx);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u);
  EXPECT_EQ(csv.body, estimate_csv(want));
  const ApiResponse svg = api_estimate_svg(body, ctx);
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.body, estimate_svg(want));
  // Bad requests are JSON errors on these routes too.
  const ApiResponse bad = api_estimate_csv(R"({"network": "nope"})", ctx);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.content_type, "application/json");
}

TEST(Api, JsonChartAndCsvOfOneRequestComeFromOneEstimateEvenWhenTimeLimited) {
  ApiContext ctx;
  ctx.search_seconds = 0;  // every search is stopped at once: the mappings are best-so-far
  const std::string body = R"({"network": "vgg16", "arch": "eyeriss"})";
  const ApiResponse j = api_estimate(body, ctx);
  ASSERT_EQ(j.status, 200) << j.body;
  const json est = json::parse(j.body);
  const ApiResponse csv = api_estimate_csv(body, ctx);
  const ApiResponse svg = api_estimate_svg(body, ctx);
  ASSERT_EQ(csv.status, 200);
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(ctx.estimates.hits(), 2u);
  // The CSV's total row is the JSON's total, to the last digit.
  std::vector<std::string> rows;
  for (std::size_t a = 0, b; (b = csv.body.find('\n', a)) != std::string::npos; a = b + 1)
    rows.push_back(csv.body.substr(a, b - a));
  const std::string& total = rows.back();
  std::vector<std::string> cells;
  for (std::size_t a = 0, b = 0; b != std::string::npos; a = b + 1) {
    b = total.find(',', a);
    cells.push_back(total.substr(a, b == std::string::npos ? b : b - a));
  }
  ASSERT_GT(cells.size(), 5u);
  EXPECT_EQ(std::stod(cells[5]), est["total"]["energy"]["total"].get<double>()) << total;
}

TEST(Api, EstimateCacheForgetsTimeLimitedEstimatesAfterAWhile) {
  EstimateCache cache(2, /*limited_seconds=*/0);
  auto complete = std::make_shared<NetworkEstimate>();
  auto limited = std::make_shared<NetworkEstimate>();
  limited->interrupted = true;
  cache.put("a", complete);
  cache.put("b", limited);
  EXPECT_EQ(cache.get("a"), complete);
  EXPECT_EQ(cache.get("b"), nullptr);  // expired at once
  cache.put("c", complete);
  cache.put("d", complete);  // two entries at most: "a" is pushed out
  EXPECT_EQ(cache.get("a"), nullptr);
  EXPECT_EQ(cache.get("d"), complete);
}

}  // namespace
}  // namespace erg
