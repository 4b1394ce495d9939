// End-to-end tests of the `erg` binary: each runs the built executable and checks its output
// against the library it is built on (zoo, presets, model), never against hard-coded numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_erg.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/zoo.h"

namespace erg {
namespace {

using nlohmann::json;
using testing::run_erg;

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

double sum_values(const json& obj) {
  double s = 0;
  for (const auto& [k, v] : obj.items()) s += v.get<double>();
  return s;
}

void expect_close(double a, double b, const std::string& what) {
  EXPECT_NEAR(a, b, 1e-9 * std::max(std::fabs(a), std::fabs(b))) << what;
}

// A scratch directory removed at the end of a test.
class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/erg_cli_dir_XXXXXX";
    const char* p = mkdtemp(tmpl);
    path_ = p ? p : "/tmp";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Cli, ZooListsEveryNetworkWithItsSize) {
  const auto r = run_erg({"zoo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const ZooEntry& e : zoo_entries()) EXPECT_NE(r.out.find(e.name), std::string::npos);

  const auto rj = run_erg({"zoo", "--format", "json"});
  ASSERT_EQ(rj.status, 0) << rj.err;
  const json j = json::parse(rj.out);
  ASSERT_EQ(j.size(), zoo_entries().size());
  for (const json& e : j) {
    auto net = zoo_network(e["name"].get<std::string>());
    ASSERT_TRUE(net.ok());
    EXPECT_EQ(e["layers"].get<std::size_t>(), net->layers.size());
    EXPECT_EQ(e["macs"].get<std::uint64_t>(), net->macs());
    EXPECT_EQ(e["weights"].get<std::uint64_t>(), net->weights());
  }
}

TEST(Cli, ZooShowListsTheLayers) {
  const auto r = run_erg({"zoo", "show", "alexnet"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  for (const Layer& l : net->layers) EXPECT_NE(r.out.find(l.name()), std::string::npos);

  const auto rj = run_erg({"zoo", "show", "alexnet", "--format", "json"});
  ASSERT_EQ(rj.status, 0) << rj.err;
  const json j = json::parse(rj.out);
  ASSERT_EQ(j["layers"].size(), net->layers.size());
  for (std::size_t i = 0; i < net->layers.size(); ++i) {
    EXPECT_EQ(j["layers"][i]["macs"].get<std::uint64_t>(), net->layers[i].macs());
    EXPECT_EQ(j["layers"][i]["out_h"].get<std::int64_t>(), net->layers[i].dim(Dim::P));
  }
}

TEST(Cli, ArchShowPrintsEveryLevelAndThePeCount) {
  const auto r = run_erg({"arch", "show", "eyeriss"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto arch = load_arch("eyeriss");
  ASSERT_TRUE(arch.ok()) << arch.error().to_string();
  for (const StorageLevel& s : arch->levels) EXPECT_NE(r.out.find(s.name), std::string::npos);
  const std::string pes = "PEs " + std::to_string(arch->instances(arch->num_levels() - 1));
  EXPECT_NE(r.out.find(pes), std::string::npos) << r.out;

  // The YAML form reads back as the same arch.
  const auto ry = run_erg({"arch", "show", "eyeriss", "--format", "yaml"});
  ASSERT_EQ(ry.status, 0) << ry.err;
  auto back = parse_arch_yaml(ry.out, "<erg arch show>");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->num_levels(), arch->num_levels());
  EXPECT_EQ(back->mac_units(), arch->mac_units());
}

TEST(Cli, ArchListNamesEveryPreset) {
  const auto r = run_erg({"arch", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_FALSE(arch_preset_names().empty());
  for (const auto& n : arch_preset_names()) EXPECT_NE(r.out.find(n), std::string::npos);
}

TEST(Cli, EstimateJsonHasTheDocumentedShapeAndConsistentTotals) {
  const auto r = run_erg({"estimate", "alexnet", "--arch", "eyeriss", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  for (const char* k : {"network", "arch", "batch", "dataflow", "unit", "layers", "total"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["arch"], "eyeriss");
  EXPECT_EQ(j["dataflow"], "rs");
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  auto arch = load_arch("eyeriss");
  ASSERT_TRUE(arch.ok()) << arch.error().to_string();
  ASSERT_EQ(j["layers"].size(), 8u);
  ASSERT_EQ(j["layers"].size(), net->layers.size());

  double energy_sum = 0;
  std::uint64_t macs_sum = 0;
  for (const json& l : j["layers"]) {
    for (const char* k :
         {"name", "type", "macs", "nonzero_macs", "weights", "energy", "energy_by_level", "mapping",
          "mapping_loops", "cycles", "utilization", "active_pes"}) {
      EXPECT_TRUE(l.contains(k)) << k;
    }
    const json& e = l["energy"];
    for (const char* k : {"total", "compute", "weights", "ifmap", "ofmap"}) {
      EXPECT_TRUE(e.contains(k)) << k;
    }
    const double total = e["total"].get<double>();
    EXPECT_GT(total, 0);
    expect_close(e["compute"].get<double>() + e["weights"].get<double>() +
                     e["ifmap"].get<double>() + e["ofmap"].get<double>(),
                 total, "energy by type of " + l["name"].get<std::string>());
    expect_close(sum_values(l["energy_by_level"]), total,
                 "energy by level of " + l["name"].get<std::string>());
    EXPECT_EQ(l["mapping_loops"].size(), static_cast<std::size_t>(arch->num_levels()));
    // Every storage level and the compute units appear in the by-level view.
    for (const StorageLevel& s : arch->levels) EXPECT_TRUE(l["energy_by_level"].contains(s.name));
    EXPECT_TRUE(l["energy_by_level"].contains(arch->compute.name));
    energy_sum += total;
    macs_sum += l["macs"].get<std::uint64_t>();
  }
  const json& t = j["total"];
  expect_close(t["energy"]["total"].get<double>(), energy_sum, "network total");
  expect_close(sum_values(t["energy_by_level"]), energy_sum, "network total by level");
  EXPECT_EQ(macs_sum, net->macs());
  EXPECT_EQ(t["macs"].get<std::uint64_t>(), net->macs());
  EXPECT_GT(t["utilization"].get<double>(), 0);
  EXPECT_LE(t["utilization"].get<double>(), 1);
}

TEST(Cli, EstimateCsvHasOneRowPerLayerAndAgreesWithJson) {
  const auto r = run_erg({"estimate", "alexnet", "--arch", "eyeriss", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = csv_rows(r.out);
  ASSERT_EQ(rows.size(), 1u + 8u + 1u);  // header, 8 layers, total
  EXPECT_EQ(rows.front().front(), "layer");
  EXPECT_EQ(rows.back().front(), "total");
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows.front().size());

  // The total row is the sum of the layer rows, for the total and for every level column.
  const auto& header = rows.front();
  int checked = 0;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] != "energy_total" && header[c].rfind("level:", 0) != 0) continue;
    double sum = 0;
    for (std::size_t r = 1; r + 1 < rows.size(); ++r) sum += std::stod(rows[r][c]);
    expect_close(std::stod(rows.back()[c]), sum, "CSV column " + header[c]);
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(Cli, EstimateTableHasEveryLayerAndATotal) {
  const auto r = run_erg({"estimate", "alexnet", "--arch", "eyeriss"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  for (const Layer& l : net->layers) EXPECT_NE(r.out.find(l.name()), std::string::npos);
  EXPECT_NE(r.out.find("TOTAL"), std::string::npos);
  EXPECT_NE(r.out.find("eyeriss"), std::string::npos);
}

TEST(Cli, EstimateOverridesReachTheModel) {
  const auto r1 = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--format", "json"});
  const auto r4 =
      run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--batch", "4", "--format", "json"});
  ASSERT_EQ(r1.status, 0) << r1.err;
  ASSERT_EQ(r4.status, 0) << r4.err;
  const json j1 = json::parse(r1.out);
  const json j4 = json::parse(r4.out);
  EXPECT_EQ(j4["batch"], 4);
  EXPECT_EQ(j4["total"]["macs"].get<std::uint64_t>(), 4 * j1["total"]["macs"].get<std::uint64_t>());

  // Halving the activation density halves the non-zero MACs of every layer.
  const auto rd = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--act-density", "0.5",
                           "--weight-density", "1", "--format", "json"});
  ASSERT_EQ(rd.status, 0) << rd.err;
  const json jd = json::parse(rd.out);
  for (const json& l : jd["layers"]) {
    EXPECT_DOUBLE_EQ(l["nonzero_macs"].get<double>(), 0.5 * l["macs"].get<double>());
  }
}

TEST(Cli, OutputFileHoldsWhatStdoutWouldShow) {
  ScratchDir dir;
  const std::string path = dir.file("lenet5.csv");
  const auto r =
      run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--format", "csv", "-o", path});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  const auto direct = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--format", "csv"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  EXPECT_FALSE(direct.out.empty());
  EXPECT_EQ(read_file(path), direct.out);
}

TEST(Cli, PlotWritesAnSvgChartBesideTheReport) {
  ScratchDir dir;
  const std::string svg = dir.file("lenet5.svg");
  const std::string csv = dir.file("lenet5.csv");
  const auto r = run_erg(
      {"estimate", "lenet5", "--arch", "eyeriss", "--format", "csv", "-o", csv, "--plot", svg});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  const auto direct = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--format", "csv"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  EXPECT_EQ(read_file(csv), direct.out);  // the report is unchanged by --plot
  const std::string text = read_file(svg);
  EXPECT_EQ(text.rfind("<?xml", 0), 0u);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
  EXPECT_NE(text.find("lenet5 on eyeriss"), std::string::npos);
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  for (const Layer& l : net->layers)
    EXPECT_NE(text.find("data-column=\"" + l.name() + "\""), std::string::npos) << l.name();

  // Without -o the report still goes to stdout.
  const auto table = run_erg({"estimate", "lenet5", "--arch", "eyeriss", "--plot", svg});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(table.out, run_erg({"estimate", "lenet5", "--arch", "eyeriss"}).out);
}

TEST(Cli, CompareDataflowsPlotHasABarPerDataflowPerLayer) {
  ScratchDir dir;
  const std::string svg = dir.file("compare.svg");
  const auto r = run_erg({"compare-dataflows", "lenet5", "--plot", svg});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("energy per MAC"), std::string::npos);
  const std::string text = read_file(svg);
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  std::size_t bars = 0;
  for (std::size_t p = text.find("class=\"seg\""); p != std::string::npos;
       p = text.find("class=\"seg\"", p + 1))
    ++bars;
  EXPECT_EQ(bars, 6 * (net->layers.size() + 1));  // six dataflows, each layer and the total
}

TEST(Cli, VersionAndHelpExitZero) {
  const auto v = run_erg({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("erg "), std::string::npos);
  const auto h = run_erg({"--help"});
  EXPECT_EQ(h.status, 0);
  for (const char* sub : {"estimate", "evaluate", "zoo", "arch"}) {
    EXPECT_NE(h.out.find(sub), std::string::npos) << sub;
  }
  const auto he = run_erg({"estimate", "--help"});
  EXPECT_EQ(he.status, 0);
  EXPECT_NE(he.out.find("--act-density"), std::string::npos) << he.out;
  EXPECT_EQ(run_erg({"arch", "show", "--help"}).status, 0);
}

// What erg writes, erg reads: a layer file and a mapping file written by the io module are
// evaluated by `erg evaluate` exactly as the library evaluates them in process.
TEST(Cli, EvaluateReadsWrittenLayerAndMappingFiles) {
  auto arch = load_arch("eyeriss");
  ASSERT_TRUE(arch.ok()) << arch.error().to_string();
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  const Layer& layer = net->layers.at(2);
  auto mapping = simple_mapping(Dataflow::RS, layer, *arch);
  ASSERT_TRUE(mapping.ok()) << mapping.error().to_string();
  auto ev = evaluate(layer, *arch, *mapping);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();

  ScratchDir dir;
  Network one{net->name, {layer}};
  write_file(dir.file("layer.yaml"), network_to_yaml(one));
  write_file(dir.file("mapping.yaml"), mapping_to_yaml(*arch, *mapping));

  const auto rj = run_erg({"evaluate", "--layer", dir.file("layer.yaml"), "--arch", "eyeriss",
                           "--mapping", dir.file("mapping.yaml"), "--format", "json"});
  ASSERT_EQ(rj.status, 0) << rj.err;
  const json j = json::parse(rj.out);
  expect_close(j["energy"]["total"].get<double>(), ev->energy.total(), "evaluate total");
  EXPECT_EQ(j["macs"].get<std::uint64_t>(), ev->counts.macs);
  EXPECT_EQ(j["cycles"].get<std::uint64_t>(), ev->perf.cycles);
  ASSERT_EQ(j["counts"].size(), static_cast<std::size_t>(arch->num_levels()));
  EXPECT_EQ(j["counts"][0]["tensors"]["weights"]["reads"].get<std::uint64_t>(),
            ev->counts.levels[0].tensor[0].reads);
  expect_close(sum_values(j["energy_by_level"]), ev->energy.total(), "evaluate by level");

  const auto rt = run_erg({"evaluate", "--layer", dir.file("layer.yaml"), "--arch", "eyeriss",
                           "--mapping", dir.file("mapping.yaml")});
  ASSERT_EQ(rt.status, 0) << rt.err;
  EXPECT_NE(rt.out.find(loop_nest_string(layer, *arch, *mapping)), std::string::npos) << rt.out;
}

// What erg map prints, erg evaluate reads: the --out mapping file evaluates to the energy map
// reported, and the mapspace statistics add up.
TEST(Cli, MapWritesAMappingFileEvaluateReadsUnchanged) {
  ScratchDir dir;
  const auto rm = run_erg({"map", "conv3", "--network", "alexnet", "--arch", "eyeriss", "--out",
                           dir.file("conv3.map.yaml"), "--format", "json"});
  ASSERT_EQ(rm.status, 0) << rm.err;
  const json m = json::parse(rm.out);
  EXPECT_EQ(m["dataflow"], "rs");
  EXPECT_EQ(m["objective"], "energy");
  const json& st = m["mapper"];
  EXPECT_TRUE(st["optimal"].get<bool>());
  const std::uint64_t accounted = st["evaluated"].get<std::uint64_t>() +
                                  st["pruned_by_bound"].get<std::uint64_t>() +
                                  st["rejected"]["array"].get<std::uint64_t>() +
                                  st["rejected"]["capacity"].get<std::uint64_t>() +
                                  st["rejected"]["dataflow"].get<std::uint64_t>() +
                                  st["rejected"]["pinned"].get<std::uint64_t>();
  EXPECT_EQ(accounted, st["mapspace"].get<std::uint64_t>());
  EXPECT_GT(st["evaluated"].get<std::uint64_t>(), 0u);

  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  write_file(dir.file("conv3.layer.yaml"), network_to_yaml(Network{"conv3", {net->layers.at(2)}}));
  const auto re = run_erg({"evaluate", "--layer", dir.file("conv3.layer.yaml"), "--arch", "eyeriss",
                           "--mapping", dir.file("conv3.map.yaml"), "--format", "json"});
  ASSERT_EQ(re.status, 0) << re.err;
  const json e = json::parse(re.out);
  expect_close(e["energy"]["total"].get<double>(), m["energy"]["total"].get<double>(),
               "evaluate of map's file");
  expect_close(m["objective_value"].get<double>(), m["energy"]["total"].get<double>(),
               "objective is the energy");

  // A pin the optimum does not use: the result honours it and costs at least as much.
  write_file(dir.file("pin.yaml"), "version: 1\nmapping:\n  - level: RF\n    temporal: [M: 1]\n");
  const auto rp = run_erg({"map", "conv3", "--network", "alexnet", "--arch", "eyeriss", "--fix",
                           dir.file("pin.yaml"), "--format", "json"});
  ASSERT_EQ(rp.status, 0) << rp.err;
  const json p = json::parse(rp.out);
  EXPECT_GE(p["objective_value"].get<double>(), m["objective_value"].get<double>());
  EXPECT_GT(p["mapper"]["rejected"]["pinned"].get<std::uint64_t>(), 0u);
}

TEST(Cli, CompareDataflowsJsonHasEveryDataflowPerLayerAndInTotal) {
  const auto r = run_erg({"compare-dataflows", "lenet5", "--equal-area", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  auto net = zoo_network("lenet5");
  ASSERT_TRUE(net.ok());
  ASSERT_EQ(j["layers"].size(), net->layers.size());
  const std::vector<std::string> dfs = {"rs", "ws", "os_a", "os_b", "os_c", "nlr"};
  std::map<std::string, double> sum;
  for (std::size_t i = 0; i < net->layers.size(); ++i) {
    const json& l = j["layers"][i];
    EXPECT_EQ(l["name"], net->layers[i].name());
    for (const std::string& df : dfs) {
      const json& f = l["dataflows"][df];
      for (const char* key : {"energy", "energy_per_mac", "dram_accesses_per_mac", "active_pes"})
        EXPECT_TRUE(f.contains(key)) << df << " " << key;
      expect_close(f["energy_per_mac"].get<double>() * static_cast<double>(net->layers[i].macs()),
                   f["energy"].get<double>(), "energy per MAC");
      EXPECT_GT(f["dram_accesses_per_mac"].get<double>(), 0.0);
      sum[df] += f["energy"].get<double>();
    }
    EXPECT_DOUBLE_EQ(l["dataflows"]["rs"]["ratio_to_rs"].get<double>(), 1.0);
  }
  for (const std::string& df : dfs)
    expect_close(j["total"]["dataflows"][df]["energy"].get<double>(), sum[df], "total " + df);
  // Equal area: the storage table of reference §4 at 256 PEs.
  EXPECT_EQ(j["storage"]["rs"]["rf_words_per_pe"], 256);
  EXPECT_EQ(j["storage"]["rs"]["buffer_bytes"], 128 * 1024);
  EXPECT_EQ(j["storage"]["ws"]["buffer_bytes"], 334 * 1024);
  EXPECT_EQ(j["storage"]["nlr"]["rf_words_per_pe"], 0);

  const auto bad = run_erg({"compare-dataflows", "lenet5", "--pes", "300"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--pes"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace erg
