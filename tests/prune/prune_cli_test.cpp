// `erg prune --quick` end to end (through `erg`, which hands over to erg-prune): the files it
// writes, the report's shape, and the pruned ONNX read back by erg's importer. Bad flags exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_erg.h"
#include "erg/idx.h"
#include "erg/onnx_import.h"

namespace erg {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

TEST(PruneCli, QuickRunWritesTheModelsTheReportAndThePlot) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) is not installed";
  const fs::path out = fs::temp_directory_path() / ("erg_prune_quick_" + std::to_string(getpid()));
  fs::remove_all(out);
  const auto r = testing::run_erg({"prune", "--quick", "--out", out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : {"original.onnx", "pruned.onnx", "pruned-magnitude.onnx",
                        "pruned-energy.onnx", "report.json", "report.txt", "tradeoff.svg"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_NE(r.out.find("energy-aware"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("magnitude"), std::string::npos) << r.out;

  std::ifstream in(out / "report.json");
  const json j = json::parse(in);
  for (const char* which : {"original", "pruned"})
    for (const char* key : {"accuracy", "nonzero_weights", "nonzero_macs", "energy"})
      EXPECT_TRUE(j[which].contains(key)) << which << "." << key;
  EXPECT_EQ(j["pruned_method"], "energy");
  EXPECT_LE(j["pruned"]["nonzero_weights"].get<double>(),
            j["original"]["nonzero_weights"].get<double>());
  EXPECT_GE(j["pruned"]["accuracy"].get<double>(),
            j["original"]["accuracy"].get<double>() - 0.01 - 1e-12)
      << "the kept network is within the 1-point drop";

  // The pruned model reads back through erg's importer, its weights' non-zeros as reported.
  auto imported = import_onnx_file((out / "pruned.onnx").string());
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  EXPECT_TRUE(imported->weights_measured);
  double nonzero = 0;
  for (const Layer& l : imported->network.layers)
    nonzero += l.format(Tensor::Weights).density * static_cast<double>(l.weight_count());
  EXPECT_NEAR(nonzero, j["pruned"]["nonzero_weights"].get<double>(), 0.5);
  fs::remove_all(out);
}

TEST(PruneCli, BadFlagsExitWithStatusTwo) {
  const std::string out = (fs::temp_directory_path() / "erg_prune_bad").string();
  auto r = testing::run_erg({"prune", "--method", "random", "--out", out});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--method"), std::string::npos) << r.err;
  r = testing::run_erg({"prune", "--max-drop", "-3", "--out", out});
  EXPECT_EQ(r.status, 2);
  r = testing::run_erg({"prune", "--arch", "nosuchchip", "--out", out});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nosuchchip"), std::string::npos) << r.err;
  r = testing::run_erg({"prune", "--data", "/nonexistent", "--out", out});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent"), std::string::npos) << r.err;
  fs::remove_all(out);
}

}  // namespace
}  // namespace erg
