// Reports of `erg simulate` (erg/simulation_report.h).
#include "erg/simulation_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "erg/report.h"

namespace erg {

namespace {

using nlohmann::json;

json split_json(const EnergySplit& s) {
  return {{"total", s.total},
          {"compute", s.compute},
          {"weights", s.weights},
          {"ifmap", s.ifmap},
          {"ofmap", s.ofmap}};
}

EnergySplit add(EnergySplit a, const EnergySplit& b) {
  a.total += b.total;
  a.compute += b.compute;
  a.weights += b.weights;
  a.ifmap += b.ifmap;
  a.ofmap += b.ofmap;
  return a;
}

struct Row {
  std::string name;
  EnergySplit simulated, analytical;
  MeasuredDensity density;
  double macs_simulated = 0, macs_analytical = 0;
};

std::vector<Row> rows(const NetworkSimulation& sim, Row* total) {
  std::vector<Row> out;
  Row t;
  t.name = "total";
  for (std::size_t i = 0; i < sim.layers.size(); ++i) {
    const LayerResult& r = sim.estimate.layers[i];
    Row row;
    row.name = r.layer.name();
    row.simulated = split(sim.layers[i].energy);
    row.analytical = split(r.eval.energy);
    row.density = sim.layers[i].density;
    row.macs_simulated = sim.layers[i].nonzero_macs;
    row.macs_analytical = r.layer.nonzero_macs();
    t.simulated = add(t.simulated, row.simulated);
    t.analytical = add(t.analytical, row.analytical);
    t.macs_simulated += row.macs_simulated;
    t.macs_analytical += row.macs_analytical;
    out.push_back(std::move(row));
  }
  if (total) *total = t;
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string pct(double v) { return fmt::format("{:+.2f} %", v); }

std::string text_table(const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> w;
  auto width = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& r : cells) {
    if (w.size() < r.size()) w.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  }
  std::string out;
  for (const auto& r : cells) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::size_t pad = w[i] - width(r[i]);
      // Names left-aligned, numbers right-aligned.
      line += i == 0 ? r[i] + std::string(pad, ' ') : std::string(pad, ' ') + r[i];
      if (i + 1 < r.size()) line += "  ";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string simulation_table(const NetworkSimulation& sim) {
  Row total;
  const auto rs = rows(sim, &total);
  const std::string unit = sim.estimate.unit;
  std::string out = fmt::format(
      "{} on {} ({} dataflow): simulated on {} image{} ({} run{} of the model), against the "
      "analytical estimate from the measured densities{}. Energy per run, in {} energy.\n\n",
      sim.estimate.network, sim.estimate.arch, dataflow_name(sim.estimate.dataflow),
      sim.images.size(), sim.images.size() == 1 ? "" : "s", sim.batches,
      sim.batches == 1 ? "" : "s",
      sim.coding ? fmt::format(" (the simulation codes {} where the arch compresses)",
                               *sim.coding == Compression::RunLength ? "run-length"
                                                                     : "with significance maps")
                 : "",
      unit);
  std::vector<std::vector<std::string>> cells = {{"layer", "density w/in/out", "non-skipped MACs",
                                                  "(analytical)", "simulated energy",
                                                  "analytical energy", "difference"}};
  auto line = [&](const Row& r, bool with_density) {
    cells.push_back({r.name,
                     with_density ? fmt::format("{:.2f}/{:.2f}/{:.2f}", r.density.weights,
                                                r.density.inputs, r.density.outputs)
                                  : "",
                     human_number(r.macs_simulated), human_number(r.macs_analytical),
                     human_number(r.simulated.total), human_number(r.analytical.total),
                     pct(difference_pct(r.analytical.total, r.simulated.total))});
  };
  for (const auto& r : rs) line(r, true);
  line(total, false);
  out += text_table(cells);
  out += "\nBy data type (all layers):\n";
  std::vector<std::vector<std::string>> types = {
      {"data type", "simulated", "analytical", "difference"}};
  auto type = [&](const char* name, double s, double a) {
    types.push_back({name, human_number(s), human_number(a), pct(difference_pct(a, s))});
  };
  type("compute", total.simulated.compute, total.analytical.compute);
  type("weights", total.simulated.weights, total.analytical.weights);
  type("ifmap", total.simulated.ifmap, total.analytical.ifmap);
  type("ofmap", total.simulated.ofmap, total.analytical.ofmap);
  type("total", total.simulated.total, total.analytical.total);
  out += text_table(types);
  return out;
}

std::string simulation_json(const NetworkSimulation& sim) {
  json j = json::parse(estimate_json(sim.estimate));
  Row total;
  const auto rs = rows(sim, &total);
  auto extend = [&](json& node, const Row& r, bool density) {
    node["simulated"] = split_json(r.simulated);
    node["analytical"] = split_json(r.analytical);
    if (density)
      node["measured_density"] = {{"weights", r.density.weights},
                                  {"ifmap", r.density.inputs},
                                  {"ofmap", r.density.outputs}};
    node["nonzero_macs_simulated"] = r.macs_simulated;
    node["difference_pct"] = difference_pct(r.analytical.total, r.simulated.total);
  };
  for (std::size_t i = 0; i < rs.size() && i < j["layers"].size(); ++i)
    extend(j["layers"][i], rs[i], true);
  extend(j["total"], total, false);
  // The network's densities: non-zeros over all layers' elements.
  double nz[3] = {0, 0, 0}, all[3] = {0, 0, 0};
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const Layer& l = sim.estimate.layers[i].layer;
    const double d[3] = {rs[i].density.weights, rs[i].density.inputs, rs[i].density.outputs};
    for (Tensor t : kAllTensors) {
      const int k = static_cast<int>(t);
      nz[k] += d[k] * static_cast<double>(l.size(t));
      all[k] += static_cast<double>(l.size(t));
    }
  }
  j["total"]["measured_density"] = {{"weights", all[0] > 0 ? nz[0] / all[0] : 0.0},
                                    {"ifmap", all[1] > 0 ? nz[1] / all[1] : 0.0},
                                    {"ofmap", all[2] > 0 ? nz[2] / all[2] : 0.0}};
  j["simulation"] = {
      {"images", sim.images.size()},
      {"batches", sim.batches},
      {"image_names", sim.images},
      {"filled_initializers", sim.filled_initializers},
      {"coding", sim.coding ? std::string(compression_name(*sim.coding)) : std::string("arch")},
      {"seconds",
       {{"inference", sim.seconds_inference},
        {"mapping", sim.seconds_mapping},
        {"simulation", sim.seconds_simulation}}}};
  return j.dump(2) + "\n";
}

std::string simulation_csv(const NetworkSimulation& sim) {
  Row total;
  auto rs = rows(sim, &total);
  rs.push_back(total);
  std::string out =
      "layer,density_weights,density_ifmap,density_ofmap,nonzero_macs_simulated,"
      "nonzero_macs_analytical,simulated_total,simulated_compute,simulated_weights,"
      "simulated_ifmap,simulated_ofmap,analytical_total,analytical_compute,analytical_weights,"
      "analytical_ifmap,analytical_ofmap,difference_pct\n";
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const Row& r = rs[i];
    const bool is_total = i + 1 == rs.size();
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.name),
                    is_total ? "" : fmt::format("{}", r.density.weights),
                    is_total ? "" : fmt::format("{}", r.density.inputs),
                    is_total ? "" : fmt::format("{}", r.density.outputs), r.macs_simulated,
                    r.macs_analytical, r.simulated.total, r.simulated.compute, r.simulated.weights,
                    r.simulated.ifmap, r.simulated.ofmap, r.analytical.total, r.analytical.compute,
                    r.analytical.weights, r.analytical.ifmap, r.analytical.ofmap,
                    difference_pct(r.analytical.total, r.simulated.total));
  }
  return out;
}

}  // namespace erg
