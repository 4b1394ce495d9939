// Bad command lines: each must exit with status 2 and print "erg: error: " and a message naming
// what is wrong (the flag, the name, the file) on stderr, with nothing on stdout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/run_erg.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/zoo.h"

namespace erg {
namespace {

using testing::run_erg;

// Runs erg and checks the common shape of a bad-input failure; returns stderr.
std::string expect_bad_input(const std::vector<std::string>& args) {
  const auto r = run_erg(args);
  std::string cmd;
  for (const auto& a : args) cmd += " " + a;
  EXPECT_EQ(r.status, 2) << "erg" << cmd << "\nstderr: " << r.err;
  EXPECT_EQ(r.err.rfind("erg: error: ", 0), 0u) << "erg" << cmd << "\nstderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << "erg" << cmd << "\nstdout: " << r.out;
  return r.err;
}

void expect_has(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "expected '" << part << "' in: " << text;
}

TEST(ErrorsCli, UnknownNetworkGetsAHint) {
  const std::string err = expect_bad_input({"estimate", "alexnt", "--arch", "eyeriss"});
  expect_has(err, "alexnt");
  expect_has(err, "did you mean 'alexnet'");
}

TEST(ErrorsCli, UnknownArchGetsAHint) {
  const std::string err = expect_bad_input({"estimate", "alexnet", "--arch", "eyriss"});
  expect_has(err, "eyriss");
  expect_has(err, "eyeriss");
}

TEST(ErrorsCli, DensityOutsideZeroOneNamesTheFlag) {
  std::string err =
      expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--act-density", "1.5"});
  expect_has(err, "--act-density");
  expect_has(err, "1.5");
  err = expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--weight-density=-0.1"});
  expect_has(err, "--weight-density");
}

TEST(ErrorsCli, NonPositiveBatchNamesTheFlag) {
  std::string err = expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--batch", "0"});
  expect_has(err, "--batch");
  expect_has(err, "0");
  err = expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--batch=-3"});
  expect_has(err, "--batch");
  expect_has(err, "-3");
  expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--batch", "four"});
}

TEST(ErrorsCli, BadBitwidthNamesTheFlag) {
  const std::string err =
      expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--wbits", "0"});
  expect_has(err, "--wbits");
}

TEST(ErrorsCli, UnknownDataflowNamesTheFlagWithAHint) {
  const std::string err =
      expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--dataflow", "rx"});
  expect_has(err, "--dataflow");
  expect_has(err, "rx");
}

TEST(ErrorsCli, UnknownFormatNamesTheFlag) {
  const std::string err =
      expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--format", "jsn"});
  expect_has(err, "--format");
  expect_has(err, "did you mean 'json'");
}

TEST(ErrorsCli, MissingFilesAreNamed) {
  std::string err = expect_bad_input({"estimate", "/nonexistent/net.yaml", "--arch", "eyeriss"});
  expect_has(err, "/nonexistent/net.yaml");
  err = expect_bad_input({"estimate", "alexnet", "--arch", "/nonexistent/arch.yaml"});
  expect_has(err, "/nonexistent/arch.yaml");
  err = expect_bad_input({"evaluate", "--layer", "/nonexistent/layer.yaml", "--arch", "eyeriss",
                          "--mapping", "/nonexistent/map.yaml"});
  expect_has(err, "/nonexistent/layer.yaml");
}

// A layer file and a mapping written by the library, for `erg evaluate` error cases.
class ErrorsCliEvaluate : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/erg_cli_err_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto arch = load_arch("eyeriss");
    ASSERT_TRUE(arch.ok()) << arch.error().to_string();
    auto net = zoo_network("alexnet");
    ASSERT_TRUE(net.ok());
    auto mapping = simple_mapping(Dataflow::RS, net->layers.at(2), *arch);
    ASSERT_TRUE(mapping.ok()) << mapping.error().to_string();
    Network two{"two", {net->layers.at(2), net->layers.at(3)}};
    std::ofstream(layers_path()) << network_to_yaml(two);
    std::ofstream(mapping_path()) << mapping_to_yaml(*arch, *mapping);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string layers_path() const { return dir_ + "/layers.yaml"; }
  std::string mapping_path() const { return dir_ + "/mapping.yaml"; }

 private:
  std::string dir_;
};

TEST_F(ErrorsCliEvaluate, UnknownLayerNameGetsAHint) {
  const std::string err =
      expect_bad_input({"evaluate", "--layer", layers_path(), "--name", "conv33", "--arch",
                        "eyeriss", "--mapping", mapping_path()});
  expect_has(err, "--name");
  expect_has(err, "did you mean 'conv3'");
}

TEST_F(ErrorsCliEvaluate, MappingOfAnotherLayerIsRejected) {
  // The mapping was made for conv3; conv4 is a two-group layer, and the mapping has no G loop.
  const auto ok = run_erg({"evaluate", "--layer", layers_path(), "--name", "conv3", "--arch",
                           "eyeriss", "--mapping", mapping_path()});
  EXPECT_EQ(ok.status, 0) << ok.err;
  expect_bad_input({"evaluate", "--layer", layers_path(), "--name", "conv4", "--arch", "eyeriss",
                    "--mapping", mapping_path()});
}

TEST(ErrorsCli, UnwritableOutputFileIsNamed) {
  const std::string err = expect_bad_input(
      {"estimate", "lenet5", "--arch", "eyeriss", "-o", "/nonexistent/dir/out.txt"});
  expect_has(err, "/nonexistent/dir/out.txt");
}

TEST(ErrorsCli, UnwritablePlotFileFailsBeforeTheSearch) {
  // vgg16 would take a while to map: these fail at once, before any search.
  std::string err = expect_bad_input(
      {"estimate", "vgg16", "--arch", "eyeriss", "--plot", "/nonexistent/dir/chart.svg"});
  expect_has(err, "--plot");
  expect_has(err, "/nonexistent/dir/chart.svg");
  err = expect_bad_input({"estimate", "vgg16", "--arch", "eyeriss", "--plot", "/tmp"});
  expect_has(err, "is a directory");
  err = expect_bad_input({"compare-dataflows", "vgg16", "--plot", "/nonexistent/dir/chart.svg"});
  expect_has(err, "/nonexistent/dir/chart.svg");
  err = expect_bad_input({"estimate", "vgg16", "--arch", "eyeriss", "--plot", ""});
  expect_has(err, "--plot");
  const std::string same = ::testing::TempDir() + "erg_same_file.svg";
  err = expect_bad_input({"estimate", "vgg16", "--arch", "eyeriss", "-o", same, "--plot", same});
  expect_has(err, "same file");
}

TEST(ErrorsCli, MisspeltCommandsGetAHint) {
  expect_has(expect_bad_input({"estimat", "alexnet"}), "did you mean 'estimate'");
  expect_has(expect_bad_input({"arch", "shw", "eyeriss"}), "did you mean 'show'");
  const std::string err = expect_bad_input({"arch"});
  expect_has(err, "list");
  expect_has(err, "show");
}

TEST(ErrorsCli, CommandLineSyntaxErrorsExitTwo) {
  expect_bad_input({});                                                        // no subcommand
  expect_bad_input({"estimate", "alexnet"});                                   // missing --arch
  expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--colour"});  // unknown flag
  expect_bad_input({"zoo", "show"});                                           // missing name
}

TEST(ErrorsCli, UnknownZooAndArchNamesInListings) {
  std::string err = expect_bad_input({"zoo", "show", "vgg61"});
  expect_has(err, "vgg61");
  err = expect_bad_input({"arch", "show", "eyeris"});
  expect_has(err, "eyeris");
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(ErrorsCliEmpty, AnEmptyNumberIsNotZero) {
  std::string err =
      expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--act-density", ""});
  expect_has(err, "--act-density: the value must not be empty");
  err = expect_bad_input({"estimate", "alexnet", "--arch", "eyeriss", "--batch", ""});
  expect_has(err, "--batch: the value must not be empty");
}

}  // namespace
}  // namespace erg
