// Golden files: `erg estimate`'s table, JSON and CSV for small fixed cases (zoo lenet5 and alexnet
// on the `eyeriss` preset, rs dataflow, batch 1), compared byte for byte with
// tests/report/golden/<case>.{txt,json,csv}.
//
// The reports are made as `erg estimate` makes them (estimate_network, then estimate_table, _json,
// _csv). The only field that is not a function of the inputs is each mapper search's wall-clock
// `seconds` (JSON only); it is set to 0 here. Everything else must be identical on every machine:
// the mapper's result and statistics do not depend on the thread count (erg/mapper.h), and numbers
// are printed in shortest round-trip form or with fixed precision.
//
// After an intended change of the output, regenerate the files and review the diff:
//   ERG_UPDATE_GOLDEN=1 build/erg_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/report.h"
#include "erg/zoo.h"

namespace erg {
namespace {

const std::string kDir = std::string(ERG_SOURCE_DIR) + "/tests/report/golden/";

bool updating() {
  const char* v = std::getenv("ERG_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string read_file(const std::string& path, bool& found) {
  std::ifstream f(path, std::ios::binary);
  found = static_cast<bool>(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The first line where `actual` differs from `expected`, for the failure message.
std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected), a(actual);
  std::string el, al;
  for (int line = 1;; ++line) {
    const bool me = static_cast<bool>(std::getline(e, el));
    const bool ma = static_cast<bool>(std::getline(a, al));
    if (!me && !ma) return "(only line endings differ)";
    if (!me || !ma || el != al) {
      return "line " + std::to_string(line) + ":\n  expected: " + (me ? el : "<end of file>") +
             "\n  actual:   " + (ma ? al : "<end of file>");
    }
  }
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kDir + name;
  if (updating()) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << actual;
    ASSERT_TRUE(static_cast<bool>(f)) << "cannot write " << path;
    return;
  }
  bool found = false;
  const std::string expected = read_file(path, found);
  ASSERT_TRUE(found) << "missing golden file " << path
                     << " (ERG_UPDATE_GOLDEN=1 build/erg_tests --gtest_filter='Golden*' makes it)";
  EXPECT_TRUE(expected == actual)
      << name << " differs from the golden file; " << first_difference(expected, actual)
      << "\nIf the change is intended: ERG_UPDATE_GOLDEN=1 build/erg_tests "
         "--gtest_filter='Golden*', then review the diff.";
}

NetworkEstimate golden_estimate(const std::string& network) {
  auto net = zoo_network(network);
  EXPECT_TRUE(net.ok()) << net.error().to_string();
  auto arch = load_arch("eyeriss");
  EXPECT_TRUE(arch.ok()) << arch.error().to_string();
  auto est = estimate_network(*net, *arch, EstimateOptions{});
  EXPECT_TRUE(est.ok()) << est.error().to_string();
  NetworkEstimate out = *est;
  for (LayerResult& r : out.layers) r.stats.seconds = 0;  // wall-clock time
  return out;
}

void check_case(const std::string& network) {
  const NetworkEstimate est = golden_estimate(network);
  const std::string stem = network + "-eyeriss-rs";
  expect_golden(stem + ".txt", estimate_table(est));
  expect_golden(stem + ".json", estimate_json(est));
  expect_golden(stem + ".csv", estimate_csv(est));
}

TEST(Golden, Lenet5OnEyeriss) { check_case("lenet5"); }

TEST(Golden, AlexnetOnEyeriss) { check_case("alexnet"); }

}  // namespace
}  // namespace erg
