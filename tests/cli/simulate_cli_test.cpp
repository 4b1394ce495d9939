// `erg simulate` end to end: a small model with weights on Fashion-MNIST images, its JSON, and
// bad input (exit 2, a message naming what is wrong).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_erg.h"
#include "erg/idx.h"
#include "sim/tiny_model.h"

namespace erg {
namespace {

namespace fs = std::filesystem;
using testing::run_erg;

class SimulateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("erg_simulate_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
    write(path("tiny.onnx"), testing::bytes_of(testing::tiny_model().proto));
    write(path("shape-only.onnx"), testing::bytes_of(testing::tiny_model(false).proto));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void write(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  const std::string images_ = std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz";
  fs::path dir_;
};

TEST_F(SimulateCli, JsonCarriesSimulatedAnalyticalDensitiesAndTheDifference) {
  const auto r = run_erg({"simulate", path("tiny.onnx"), "--input", images_, "--images", "6",
                          "--arch", "eyeriss", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["simulation"]["images"], 6);
  EXPECT_EQ(j["simulation"]["batches"], 6);
  double sum = 0;
  for (const auto& l : j["layers"]) {
    for (const char* k : {"simulated", "analytical"})
      for (const char* f : {"total", "compute", "weights", "ifmap", "ofmap"})
        ASSERT_TRUE(l[k].contains(f)) << k << "." << f;
    for (const char* f : {"weights", "ifmap", "ofmap"}) {
      const double d = l["measured_density"][f].get<double>();
      EXPECT_GE(d, 0.0);
      EXPECT_LE(d, 1.0);
    }
    const double s = l["simulated"]["total"].get<double>(),
                 a = l["analytical"]["total"].get<double>();
    EXPECT_NEAR(l["difference_pct"].get<double>(), (a - s) / s * 100, 1e-9);
    // The analytical side is the estimate itself.
    EXPECT_DOUBLE_EQ(a, l["energy"]["total"].get<double>());
    // Skipped MACs never exceed the dense count.
    EXPECT_LE(l["nonzero_macs_simulated"].get<double>(), l["macs"].get<double>());
    sum += s;
  }
  EXPECT_NEAR(j["total"]["simulated"]["total"].get<double>(), sum, 1e-6 * sum);
  EXPECT_TRUE(j["total"].contains("difference_pct"));
  // The table and the CSV come from the same run.
  const auto t = run_erg(
      {"simulate", path("tiny.onnx"), "--input", images_, "--images", "2", "--arch", "eyeriss"});
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_NE(t.out.find("difference"), std::string::npos);
  const auto c = run_erg({"simulate", path("tiny.onnx"), "--input", images_, "--images", "2",
                          "--arch", "eyeriss", "--format", "csv", "--coding", "rle"});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(std::count(c.out.begin(), c.out.end(), '\n'), 5);  // header, 3 layers, total
}

TEST_F(SimulateCli, ShapeOnlyModelsRunWithRandomWeights) {
  const auto bad =
      run_erg({"simulate", path("shape-only.onnx"), "--input", images_, "--arch", "eyeriss"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--random-weights"), std::string::npos) << bad.err;
  const auto a = run_erg({"simulate", path("shape-only.onnx"), "--input", images_, "--images", "2",
                          "--arch", "eyeriss", "--random-weights", "3", "--format", "json"});
  const auto b = run_erg({"simulate", path("shape-only.onnx"), "--input", images_, "--images", "2",
                          "--arch", "eyeriss", "--random-weights", "3", "--format", "json"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  // Reproducible (all but the mapper's timings).
  EXPECT_EQ(ja["total"]["simulated"], jb["total"]["simulated"]);
  for (std::size_t i = 0; i < ja["layers"].size(); ++i)
    EXPECT_EQ(ja["layers"][i]["measured_density"], jb["layers"][i]["measured_density"]);
  EXPECT_EQ(ja["simulation"]["filled_initializers"], 4);
}

TEST_F(SimulateCli, BadInputExitsTwoNamingIt) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  write(path("garbage.onnx"), "not a model");
  std::ofstream(path("notes.txt")) << "text\n";
  const std::vector<Case> cases = {
      {{"simulate", path("tiny.onnx"), "--input", path("missing.png"), "--arch", "eyeriss"},
       "missing.png"},
      {{"simulate", path("tiny.onnx"), "--input", path("notes.txt"), "--arch", "eyeriss"},
       "not an image"},
      {{"simulate", path("garbage.onnx"), "--input", images_, "--arch", "eyeriss"}, "garbage.onnx"},
      {{"simulate", path("tiny.onnx"), "--input", images_, "--arch", "eyeriss", "--coding", "zip"},
       "--coding"},
      {{"simulate", path("tiny.onnx"), "--input", images_, "--arch", "eyeriss", "--images", "0"},
       "--images"},
      {{"simulate", path("tiny.onnx"), "--input", images_, "--arch", "eyeriss", "--normalize", "z"},
       "--normalize"},
      {{"simulate", path("tiny.onnx"), "--input", images_, "--arch", "nosuch"}, "nosuch"},
  };
  for (const auto& c : cases) {
    const auto r = run_erg(c.args);
    EXPECT_EQ(r.status, 2) << c.says << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

// erg serve's own flags are checked before it binds: exit 2 with the flag named.
TEST(ServeCli, BadFlagsExitTwoNamingThem) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"serve", "--max-body-mb", "0"}, "--max-body-mb"},
      {{"serve", "--search-seconds", "-1"}, "--search-seconds"},
      {{"serve", "--port", "70000"}, "--port"},
      {{"serve", "--host", "not-an-address.invalid", "--port", "0"}, "cannot listen"},
  };
  for (const auto& c : cases) {
    const auto r = testing::run_erg(c.args);
    EXPECT_EQ(r.status, 2) << c.says << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace erg
