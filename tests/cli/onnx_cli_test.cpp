// erg with ONNX models: estimates of the exported torchvision models, the stderr notes, per-layer
// density files, and bad models (exit status 2 with a message naming the file).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_erg.h"

namespace erg {
namespace {

using json = nlohmann::json;
using testing::run_erg;

const std::string kOnnxDir = std::string(ERG_SOURCE_DIR) + "/tests/data/onnx/";

TEST(CliOnnx, EstimatesAnExportedModelAndListsWhatIsNotModelledOnce) {
  const auto r = run_erg(
      {"estimate", kOnnxDir + "squeezenet1_0.onnx", "--arch", "eyeriss", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["network"], "squeezenet1_0");
  EXPECT_EQ(j["layers"].size(), 26u);
  EXPECT_GT(j["total"]["energy"]["total"].get<double>(), 0);
  // One line lists every operator that is not modelled, with its count; one warning per fact.
  EXPECT_NE(r.err.find("not modelled (no MACs erg counts): Relu ×26, MaxPool ×3, Concat ×8"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("not modelled"), r.err.rfind("not modelled"));
  EXPECT_NE(r.err.find("warning: 26 of 26 layers' weights hold no data"), std::string::npos)
      << r.err;
}

TEST(CliOnnx, DensityFileOverridesTheNamedLayersOverTheFlags) {
  const std::string path = ::testing::TempDir() + "erg_densities.yaml";
  std::ofstream(path) << "version: 1\nlayers:\n  conv2: {inputs: 0.5}\n";
  const auto r = run_erg({"estimate", kOnnxDir + "shape_chain.onnx", "--arch", "eyeriss",
                          "--act-density", "0.8", "--densities", path, "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 3u);
  // Non-skipped MACs = MACs × weight density × input density.
  const auto nonzero = [&](int i) {
    return j["layers"][i]["nonzero_macs"].get<double>() / j["layers"][i]["macs"].get<double>();
  };
  EXPECT_DOUBLE_EQ(nonzero(0), 0.8) << "--act-density; conv1's weights are dense";
  EXPECT_DOUBLE_EQ(nonzero(1), 0.5 * 0.5) << "the file's 0.5 × the measured weight density 0.5";
  EXPECT_DOUBLE_EQ(nonzero(2), 0.8);

  std::ofstream(path) << "version: 1\nlayers:\n  conv9: {inputs: 0.5}\n";
  const auto bad = run_erg(
      {"estimate", kOnnxDir + "shape_chain.onnx", "--arch", "eyeriss", "--densities", path});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find(path + ":3"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("no layer 'conv9'"), std::string::npos) << bad.err;
  std::remove(path.c_str());
}

TEST(CliOnnx, BadModelsExitWithStatusTwoNamingTheFile) {
  const std::string path = ::testing::TempDir() + "erg_garbage.onnx";
  std::ofstream(path) << "not a model at all";
  const auto r = run_erg({"estimate", path, "--arch", "eyeriss"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not parse"), std::string::npos) << r.err;
  std::remove(path.c_str());

  const auto missing = run_erg({"estimate", "/nonexistent/model.onnx", "--arch", "eyeriss"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("/nonexistent/model.onnx"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace erg
