// `erg serve` over HTTP on an ephemeral loopback port: the routes, JSON errors, the size limit.
#include "erg/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace erg {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.max_body = 1 << 20;
    server_ = std::make_unique<Server>(o);
    ASSERT_TRUE(server_->bind().ok());
    thread_ = std::thread([this] { (void)server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    // Wait until it accepts.
    for (int i = 0; i < 200 && !client_->Get("/api/archs"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, ServesThePageAndTheApi) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>erg"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  auto zoo = client_->Get("/api/zoo");
  ASSERT_TRUE(zoo);
  EXPECT_EQ(zoo->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(zoo->body).is_array());
  auto est = client_->Post("/api/estimate", R"({"network": "lenet5"})", "application/json");
  ASSERT_TRUE(est);
  EXPECT_EQ(est->status, 200) << est->body;
  EXPECT_EQ(nlohmann::json::parse(est->body)["network"], "lenet5");
  auto svg = client_->Post("/api/estimate.svg", R"({"network": "lenet5"})", "application/json");
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 200);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_NE(svg->body.find("<svg"), std::string::npos) << svg->body.substr(0, 80);
}

TEST_F(ServerTest, BadInputIsAJsonErrorNeverA500) {
  auto bad = client_->Post("/api/estimate", "{", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(nlohmann::json::parse(bad->body).contains("error"));
  auto big = client_->Post("/api/estimate", std::string(2 << 20, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto missing = client_->Get("/etc/passwd");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(nlohmann::json::parse(missing->body)["error"].get<std::string>().find("no such route"),
            std::string::npos);
  auto traversal = client_->Get("/../../etc/passwd");
  ASSERT_TRUE(traversal);
  EXPECT_NE(traversal->status, 200);
}

TEST_F(ServerTest, ServesOnlyItsOwnEmbeddedFiles) {
  // The page and what it loads, with the right types and a policy that runs only its scripts.
  for (const auto& [path, type] :
       std::vector<std::pair<std::string, std::string>>{{"/", "text/html"},
                                                        {"/index.html", "text/html"},
                                                        {"/app.js", "text/javascript"},
                                                        {"/style.css", "text/css"},
                                                        {"/favicon.svg", "image/svg+xml"}}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type").rfind(type, 0), 0u) << path;
    EXPECT_FALSE(r->body.empty()) << path;
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"),
              std::string::npos)
        << path;
  }
  // index.html loads the script and the style sheet the server has.
  auto page = client_->Get("/");
  EXPECT_NE(page->body.find("src=\"/app.js\""), std::string::npos);
  EXPECT_NE(page->body.find("href=\"/style.css\""), std::string::npos);
  // Names that are not embedded files are 404s, whatever they look like.
  for (const std::string path : {"/nope.js", "/CMakeLists.txt", "/web/app.js", "/%2e%2e/README.md",
                                 "/app.js/../../etc/passwd", "/.git/config"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST_F(ServerTest, ZooNetworkCsvAndImportRoutes) {
  auto net = client_->Get("/api/zoo/lenet5");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->status, 200);
  const auto layers = nlohmann::json::parse(net->body)["layers"];
  EXPECT_EQ(client_->Get("/api/zoo/nope")->status, 404);
  auto csv = client_->Post("/api/estimate.csv", R"({"network": "lenet5"})", "application/json");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body.rfind("layer,type,macs", 0), 0u);
  auto imported =
      client_->Post("/api/import?filename=lenet.json", net->body, "application/octet-stream");
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->status, 200) << imported->body;
  EXPECT_EQ(nlohmann::json::parse(imported->body)["layers"], layers);
  auto bad = client_->Post("/api/import?filename=bad.onnx", std::string("\x08\xff\x00", 3),
                           "application/octet-stream");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  EXPECT_NE(nlohmann::json::parse(bad->body)["error"].get<std::string>().find("bad.onnx"),
            std::string::npos);
}

// docs/openapi.yaml describes the routes the server has, and every one of them answers.
TEST_F(ServerTest, EveryRouteOfTheOpenApiFileAnswers) {
  const YAML::Node doc = YAML::LoadFile(std::string(ERG_SOURCE_DIR) + "/docs/openapi.yaml");
  int routes = 0;
  for (const auto& path : doc["paths"]) {
    std::string route = path.first.as<std::string>();
    if (const auto brace = route.find("{name}"); brace != std::string::npos)
      route.replace(brace, 6, "lenet5");
    for (const auto& method : path.second) {
      const std::string m = method.first.as<std::string>();
      httplib::Result r =
          m == "get" ? client_->Get(route)
          : route == "/api/import"
              ? client_->Post(route + "?filename=n.json", client_->Get("/api/zoo/lenet5")->body,
                              "application/octet-stream")
              : client_->Post(route, R"({"network": "lenet5"})", "application/json");
      ASSERT_TRUE(r) << m << " " << route;
      EXPECT_EQ(r->status, 200) << m << " " << route << ": " << r->body.substr(0, 200);
      ++routes;
    }
  }
  EXPECT_EQ(routes, 7);
}

TEST(Server, RefusesAPortItCannotBind) {
  ServerOptions o;
  o.port = 70000;
  Server s(o);
  EXPECT_FALSE(s.bind().ok());
}

}  // namespace
}  // namespace erg
