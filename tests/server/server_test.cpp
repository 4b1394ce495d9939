// `erg serve` over HTTP on an ephemeral loopback port: the routes, JSON errors, the size limit.
#include "erg/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

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

TEST(Server, RefusesAPortItCannotBind) {
  ServerOptions o;
  o.port = 70000;
  Server s(o);
  EXPECT_FALSE(s.bind().ok());
}

}  // namespace
}  // namespace erg
