// Tests of the report views (report.h) on hand-built estimates and evaluations, so they do not
// depend on the model or the mapper: human-readable numbers, and that the table, the JSON and the
// CSV show the same totals, all derived from the per-layer Energy.
#include "erg/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "erg/layer.h"

namespace erg {
namespace {

using nlohmann::json;

TEST(HumanNumber, SmallNumbersKeepThreeSignificantDigits) {
  EXPECT_EQ(human_number(0), "0");
  EXPECT_EQ(human_number(0.5), "0.5");
  EXPECT_EQ(human_number(12), "12");
  EXPECT_EQ(human_number(12.345), "12.3");
  EXPECT_EQ(human_number(999), "999");
  EXPECT_EQ(human_number(0.001234), "0.00123");
}

TEST(HumanNumber, LargeNumbersUseSiPrefixes) {
  EXPECT_EQ(human_number(1234567), "1.23 M");
  EXPECT_EQ(human_number(45.6e6), "45.6 M");
  EXPECT_EQ(human_number(7890), "7.89 k");
  EXPECT_EQ(human_number(123456), "123 k");
  EXPECT_EQ(human_number(1.23e9), "1.23 G");
  EXPECT_EQ(human_number(2.5e12), "2.50 T");
  EXPECT_EQ(human_number(-1500), "-1.50 k");
}

TEST(HumanNumber, RoundingUpMovesToTheNextPrefix) {
  EXPECT_EQ(human_number(999.7), "1.00 k");
  EXPECT_EQ(human_number(999999), "1.00 M");
  EXPECT_EQ(human_number(9999), "10.0 k");
}

// A small arch: DRAM > GLB > RF (with an "array" network) above one MAC per PE.
Arch small_arch() {
  Arch a;
  a.name = "tiny";
  a.unit = "MAC";
  StorageLevel dram;
  dram.name = "DRAM";
  dram.read_energy = dram.write_energy = dram.update_energy = 200;
  StorageLevel glb;
  glb.name = "GLB";
  glb.capacity = 1024;
  glb.read_energy = glb.write_energy = glb.update_energy = 6;
  StorageLevel rf;
  rf.name = "RF";
  rf.capacity = 64;
  rf.read_energy = rf.write_energy = rf.update_energy = 1;
  rf.mesh_x = 2;
  rf.mesh_y = 2;
  rf.hop_energy = 2;
  rf.network_name = "array";
  a.levels = {dram, glb, rf};
  return a;
}

Layer small_layer(const std::string& name, std::int64_t channels) {
  LayerSpec s;
  s.name = name;
  s.in_channels = channels;
  s.out_channels = 4;
  s.in_h = s.in_w = 6;
  s.filter_h = s.filter_w = 3;
  s.inputs.density = 0.5;
  auto l = Layer::make(s);
  EXPECT_TRUE(l.ok()) << l.error().to_string();
  return *l;
}

Mapping trivial_mapping(const Layer& l) {
  Mapping m;
  m.levels.resize(3);
  m.levels[0].temporal = {{Dim::M, l.dim(Dim::M)}, {Dim::C, l.dim(Dim::C)}};
  m.levels[1].spatial_x = {{Dim::P, 2}};
  m.levels[1].spatial_y = {{Dim::Q, 2}};
  m.levels[2].temporal = {{Dim::P, 2}, {Dim::Q, 2}, {Dim::R, 3}, {Dim::S, 3}};
  return m;
}

// An Energy whose every entry is distinct, so a misplaced term changes some total.
Energy hand_energy(double scale) {
  Energy e;
  e.storage = {{100 * scale, 200 * scale, 300 * scale},
               {10 * scale, 20 * scale, 30 * scale},
               {1 * scale, 2 * scale, 3 * scale}};
  e.network = {{0, 0, 0}, {0, 0, 0}, {0.5 * scale, 0.25 * scale, 0.125 * scale}};
  e.compute = 7 * scale;
  e.compute_network = 0.0625 * scale;
  return e;
}

// The sum of every entry of hand_energy(scale), written out independently of report.cpp.
double hand_total(double scale) { return scale * (600 + 60 + 6 + 0.875 + 7 + 0.0625); }

NetworkEstimate hand_estimate() {
  NetworkEstimate est;
  est.network = "handnet";
  est.arch = "tiny";
  est.unit = "MAC";
  est.batch = 1;
  est.dataflow = Dataflow::RS;
  est.hardware = small_arch();
  const double scales[] = {1.0, 3.0};
  const std::uint64_t cycles[] = {100, 300};
  const double util[] = {0.5, 0.25};
  for (int i = 0; i < 2; ++i) {
    Layer l = small_layer("layer" + std::to_string(i + 1), 2 + i);
    LayerResult r{l, trivial_mapping(l), {}};
    r.eval.energy = hand_energy(scales[i]);
    r.eval.perf.cycles = cycles[i];
    r.eval.perf.compute_cycles = cycles[i];
    r.eval.perf.utilization = util[i];
    r.eval.perf.active_pes = 4;
    r.eval.counts.macs = l.macs();
    est.layers.push_back(std::move(r));
  }
  return est;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
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

TEST(EstimateJson, TotalsAreSumsOfTheHandBuiltEnergy) {
  const NetworkEstimate est = hand_estimate();
  const json j = json::parse(estimate_json(est));
  EXPECT_EQ(j["network"], "handnet");
  EXPECT_EQ(j["arch"], "tiny");
  EXPECT_EQ(j["dataflow"], "rs");
  EXPECT_EQ(j["unit"], "MAC");
  ASSERT_EQ(j["layers"].size(), 2u);

  for (int i = 0; i < 2; ++i) {
    const json& l = j["layers"][i];
    const double scale = i == 0 ? 1.0 : 3.0;
    EXPECT_DOUBLE_EQ(l["energy"]["total"].get<double>(), hand_total(scale));
    EXPECT_DOUBLE_EQ(l["energy"]["compute"].get<double>(), 7 * scale);
    EXPECT_DOUBLE_EQ(l["energy"]["weights"].get<double>(), 111.5 * scale);
    EXPECT_DOUBLE_EQ(l["energy"]["ifmap"].get<double>(), 222.25 * scale);
    // The MAC array's psum reduction is ofmap traffic.
    EXPECT_DOUBLE_EQ(l["energy"]["ofmap"].get<double>(), (333.125 + 0.0625) * scale);
    const json& by = l["energy_by_level"];
    EXPECT_EQ(by.size(), 5u);  // DRAM, GLB, RF, array, MAC
    EXPECT_DOUBLE_EQ(by["DRAM"].get<double>(), 600 * scale);
    EXPECT_DOUBLE_EQ(by["array"].get<double>(), 0.875 * scale);
    EXPECT_DOUBLE_EQ(by["MAC"].get<double>(), 7.0625 * scale);
    EXPECT_NEAR(sum_values(by), hand_total(scale), 1e-9 * hand_total(scale));
    EXPECT_EQ(l["type"], "conv");
    EXPECT_EQ(l["macs"].get<std::uint64_t>(), est.layers[i].layer.macs());
    EXPECT_EQ(l["mapping_loops"].size(), 3u);
    EXPECT_EQ(l["mapping_loops"][2]["temporal"][2][0], "R");
    EXPECT_EQ(l["mapping_loops"][2]["temporal"][2][1], 3);
    EXPECT_EQ(l["mapping_loops"][1]["spatial_x"][0][0], "P");
    EXPECT_EQ(l["mapping_loops"][0]["keep"].size(), 3u);
    EXPECT_TRUE(l["mapping"].is_string());
  }

  const json& t = j["total"];
  EXPECT_EQ(t["name"], "total");
  EXPECT_EQ(t["type"], "network");
  EXPECT_DOUBLE_EQ(t["energy"]["total"].get<double>(), hand_total(1) + hand_total(3));
  EXPECT_NEAR(sum_values(t["energy_by_level"]), t["energy"]["total"].get<double>(), 1e-9);
  EXPECT_EQ(t["cycles"].get<std::uint64_t>(), 400u);
  EXPECT_EQ(t["macs"].get<std::uint64_t>(),
            est.layers[0].layer.macs() + est.layers[1].layer.macs());
  // Busy MAC-cycles 0.5·100 + 0.25·300 = 125 out of 400 cycles.
  EXPECT_DOUBLE_EQ(t["utilization"].get<double>(), 125.0 / 400.0);
}

TEST(EstimateReports, TableJsonAndCsvAgreeOnTotals) {
  const NetworkEstimate est = hand_estimate();
  const json j = json::parse(estimate_json(est));
  const double total = j["total"]["energy"]["total"].get<double>();

  const auto rows = parse_csv(estimate_csv(est));
  ASSERT_EQ(rows.size(), 4u);  // header, two layers, total
  const auto& header = rows[0];
  auto col = [&](const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no CSV column " << name;
    return 0;
  };
  EXPECT_EQ(rows[3][0], "total");
  EXPECT_DOUBLE_EQ(std::stod(rows[3][col("energy_total")]), total);
  EXPECT_DOUBLE_EQ(std::stod(rows[1][col("energy_total")]),
                   j["layers"][0]["energy"]["total"].get<double>());
  double levels = 0;
  for (const char* name : {"level:DRAM", "level:GLB", "level:RF", "level:array", "level:MAC"}) {
    levels += std::stod(rows[3][col(name)]);
  }
  EXPECT_NEAR(levels, total, 1e-9 * total);
  EXPECT_DOUBLE_EQ(
      std::stod(rows[1][col("share_percent")]) + std::stod(rows[2][col("share_percent")]), 100.0);

  const std::string table = estimate_table(est);
  EXPECT_NE(table.find("handnet"), std::string::npos);
  EXPECT_NE(table.find("tiny"), std::string::npos);
  EXPECT_NE(table.find("batch 1"), std::string::npos);
  EXPECT_NE(table.find("MAC"), std::string::npos);
  // The TOTAL row shows the same total, in human form.
  std::istringstream in(table);
  std::string line, total_line;
  while (std::getline(in, line)) {
    if (line.rfind("TOTAL", 0) == 0) total_line = line;
  }
  ASSERT_FALSE(total_line.empty()) << table;
  EXPECT_NE(total_line.find(human_number(total)), std::string::npos) << total_line;
  EXPECT_NE(table.find("layer1"), std::string::npos);
  EXPECT_NE(table.find("array"), std::string::npos);
}

TEST(EstimateReports, NetworkColumnsFollowTheLevelNames) {
  // Named networks stay as (zero) columns when no layer moves data over them.
  NetworkEstimate quiet = hand_estimate();
  for (auto& r : quiet.layers) {
    for (auto& lv : r.eval.energy.network) lv = {0, 0, 0};
  }
  json j = json::parse(estimate_json(quiet));
  ASSERT_TRUE(j["total"]["energy_by_level"].contains("array"));
  EXPECT_EQ(j["total"]["energy_by_level"]["array"].get<double>(), 0.0);
  EXPECT_NEAR(sum_values(j["total"]["energy_by_level"]), j["total"]["energy"]["total"], 1e-9);

  // A network without a name is shown under its level's name.
  NetworkEstimate unnamed = hand_estimate();
  unnamed.hardware.levels[2].network_name.clear();
  j = json::parse(estimate_json(unnamed));
  ASSERT_TRUE(j["total"]["energy_by_level"].contains("RF network"));
  EXPECT_DOUBLE_EQ(j["total"]["energy_by_level"]["RF network"].get<double>(), 0.875 * 4);
  EXPECT_NEAR(sum_values(j["total"]["energy_by_level"]), j["total"]["energy"]["total"], 1e-9);
}

TEST(EstimateReports, EmptyEstimateStillHasATotal) {
  NetworkEstimate est;
  est.network = "empty";
  est.arch = "tiny";
  est.hardware.levels.resize(1);
  est.hardware.levels[0].name = "DRAM";
  const json j = json::parse(estimate_json(est));
  EXPECT_EQ(j["layers"].size(), 0u);
  EXPECT_EQ(j["total"]["energy"]["total"].get<double>(), 0.0);
  EXPECT_EQ(parse_csv(estimate_csv(est)).size(), 2u);
  EXPECT_NE(estimate_table(est).find("TOTAL"), std::string::npos);
}

TEST(EvaluationReports, JsonEchoesCountsAndEnergy) {
  const Arch arch = small_arch();
  const Layer layer = small_layer("conv", 2);
  const Mapping mapping = trivial_mapping(layer);
  LayerEvaluation ev;
  ev.energy = hand_energy(2.0);
  ev.counts.levels.resize(3);
  ev.counts.levels[2].tensor[static_cast<int>(Tensor::Inputs)] = {11, 12, 13, 14};
  ev.counts.macs = layer.macs();
  ev.counts.mac_hops = 5;
  ev.perf.cycles = 42;
  ev.perf.utilization = 0.75;
  ev.perf.active_pes = 4;

  const json j = json::parse(evaluation_json(layer, arch, mapping, ev));
  EXPECT_DOUBLE_EQ(j["energy"]["total"].get<double>(), hand_total(2.0));
  EXPECT_DOUBLE_EQ(j["energy"]["total"].get<double>(), ev.energy.total());
  EXPECT_NEAR(sum_values(j["energy_by_level"]), hand_total(2.0), 1e-9);
  EXPECT_EQ(j["energy_by_level"].size(), 5u);
  const json& rf_inputs = j["counts"][2]["tensors"]["inputs"];
  EXPECT_EQ(rf_inputs["reads"], 11);
  EXPECT_EQ(rf_inputs["writes"], 12);
  EXPECT_EQ(rf_inputs["updates"], 13);
  EXPECT_EQ(rf_inputs["hops"], 14);
  EXPECT_EQ(j["counts"][2]["level"], "RF");
  EXPECT_EQ(j["cycles"], 42);
  EXPECT_EQ(j["macs"].get<std::uint64_t>(), layer.macs());
  EXPECT_EQ(j["layer"]["dims"]["R"], 3);
  EXPECT_EQ(j["loop_nest"].get<std::string>(), loop_nest_string(layer, arch, mapping));

  const std::string table = evaluation_table(layer, arch, mapping, ev);
  EXPECT_NE(table.find(loop_nest_string(layer, arch, mapping)), std::string::npos);
  EXPECT_NE(table.find(human_number(hand_total(2.0))), std::string::npos);
  EXPECT_NE(table.find("array"), std::string::npos);
}

}  // namespace
}  // namespace erg
