// Views of estimates and evaluations: terminal tables, JSON and CSV.
//
// Every number shown is derived from the per-layer Energy (storage and network energy by level ×
// tensor, plus compute), through the breakdowns of breakdown.h (shared with the SVG charts of
// plot.cpp), so the formats cannot disagree.
#include "erg/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "erg/dataflow.h"
#include "erg/mapping.h"
#include "report/breakdown.h"

namespace erg {
namespace {

// ordered_json keeps keys in the order written, so the output reads in the documented order.
using json = nlohmann::ordered_json;
using detail::add_into;
using detail::arch_columns;
using detail::column_value;
using detail::estimate_columns;
using detail::LevelColumn;
using detail::type_split;
using detail::TypeSplit;

// ---------------------------------------------------------------------------------------------
// Small formatting helpers.

std::string percent(double part, double whole) {
  if (whole == 0) return "-";
  return fmt::format("{:.1f}", 100.0 * part / whole);
}

// Shortest text that reads back as the same double (CSV and plain-number cells).
std::string exact(double v) { return fmt::format("{}", v); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cells[i]);
  }
  return out + "\n";
}

// A plain text table: the first `left_cols` columns left-aligned (names), the rest right-aligned
// (numbers). A rule is drawn under the header and above rows marked as totals. Optional groups
// put a title over a run of columns (e.g. the unit of the energy columns), in a line above the
// header, each title left-aligned over its first column.
class TextTable {
 public:
  TextTable(std::vector<std::string> header, std::size_t left_cols)
      : header_(std::move(header)), left_cols_(left_cols) {}
  void add_group(std::size_t first, std::size_t last, std::string title) {
    groups_.push_back({first, last, std::move(title)});
  }
  void add_row(std::vector<std::string> row, bool total = false) {
    row.resize(header_.size());
    rows_.push_back({std::move(row), total});
  }
  std::string render() const {
    std::vector<std::size_t> w(header_.size(), 0);
    auto widen = [&](const std::vector<std::string>& r) {
      for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    };
    widen(header_);
    for (const auto& r : rows_) widen(r.cells);
    // A group title wider than its columns widens the group's last column.
    auto start = [&](std::size_t col) {
      std::size_t x = 0;
      for (std::size_t i = 0; i < col; ++i) x += w[i] + 2;
      return x;
    };
    for (const Group& g : groups_) {
      const std::size_t span = start(g.last) + w[g.last] - start(g.first);
      if (g.title.size() > span) w[g.last] += g.title.size() - span;
    }
    std::size_t width = 0;
    for (std::size_t x : w) width += x + 2;
    width = width >= 2 ? width - 2 : 0;
    const std::string rule(width, '-');
    std::string out;
    if (!groups_.empty()) {
      std::string g_line;
      for (const Group& g : groups_) {
        const std::size_t at = start(g.first);
        if (g_line.size() < at) g_line += std::string(at - g_line.size(), ' ');
        g_line += g.title;
      }
      out += g_line + "\n";
    }
    out += line(header_, w) + rule + "\n";
    for (const auto& r : rows_) {
      if (r.total) out += rule + "\n";
      out += line(r.cells, w);
    }
    return out;
  }

 private:
  struct Row {
    std::vector<std::string> cells;
    bool total;
  };
  struct Group {
    std::size_t first, last;
    std::string title;
  };
  std::string line(const std::vector<std::string>& cells, const std::vector<std::size_t>& w) const {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += "  ";
      const std::size_t pad = w[i] - cells[i].size();
      if (i < left_cols_) {
        out += cells[i];
        if (i + 1 < cells.size()) out += std::string(pad, ' ');
      } else {
        out += std::string(pad, ' ') + cells[i];
      }
    }
    return out + "\n";
  }
  std::vector<std::string> header_;
  std::size_t left_cols_;
  std::vector<Row> rows_;
  std::vector<Group> groups_;
};

json loops_json(const std::vector<Loop>& loops) {
  json a = json::array();
  for (const Loop& l : loops) a.push_back(json::array({std::string(dim_name(l.dim)), l.factor}));
  return a;
}

json mapping_loops_json(const Arch& arch, const Mapping& m) {
  json a = json::array();
  for (std::size_t i = 0; i < m.levels.size(); ++i) {
    const LevelMapping& lm = m.levels[i];
    json keep = json::array();
    for (Tensor t : kAllTensors) {
      if (lm.keeps[static_cast<int>(t)]) keep.push_back(std::string(tensor_name(t)));
    }
    a.push_back({{"level", i < arch.levels.size() ? arch.levels[i].name : std::to_string(i)},
                 {"temporal", loops_json(lm.temporal)},
                 {"spatial_x", loops_json(lm.spatial_x)},
                 {"spatial_y", loops_json(lm.spatial_y)},
                 {"keep", keep}});
  }
  return a;
}

json energy_json(const TypeSplit& s) {
  return {{"total", s.total},
          {"compute", s.compute},
          {"weights", s.weights},
          {"ifmap", s.ifmap},
          {"ofmap", s.ofmap}};
}

// Keys in column order: storage levels outermost first, then networks, then the compute units.
json by_level_json(const std::vector<LevelColumn>& cols, const std::vector<double>& values) {
  json o = json::object();
  for (std::size_t i = 0; i < cols.size(); ++i) o[cols[i].name] = values[i];
  return o;
}

std::vector<double> column_values(const std::vector<LevelColumn>& cols, const Energy& e) {
  std::vector<double> v;
  v.reserve(cols.size());
  for (const auto& c : cols) v.push_back(column_value(c, e));
  return v;
}

// Per-layer and network-total figures of an estimate, computed once for every format.
struct EstimateRow {
  std::string name, type;
  std::uint64_t macs = 0, weights = 0, cycles = 0;
  double nonzero_macs = 0, utilization = 0;
  std::uint64_t active_pes = 0;
  TypeSplit energy;
  std::vector<double> by_level;
};

struct EstimateView {
  std::vector<LevelColumn> cols;
  std::vector<EstimateRow> layers;
  EstimateRow total;
};

EstimateView estimate_view(const NetworkEstimate& est) {
  EstimateView v;
  v.cols = estimate_columns(est);
  v.total.name = "total";
  v.total.type = "network";
  v.total.by_level.assign(v.cols.size(), 0.0);
  double busy = 0;  // Σ utilization × cycles = Σ MACs / MAC units
  for (const LayerResult& r : est.layers) {
    EstimateRow row;
    row.name = r.layer.name();
    row.type = std::string(layer_type_name(r.layer.type()));
    row.macs = r.layer.macs();
    row.nonzero_macs = r.layer.nonzero_macs();
    row.weights = r.layer.weight_count();
    row.cycles = r.eval.perf.cycles;
    row.utilization = r.eval.perf.utilization;
    row.active_pes = r.eval.perf.active_pes;
    row.energy = type_split(r.eval.energy);
    row.by_level = column_values(v.cols, r.eval.energy);

    EstimateRow& t = v.total;
    t.macs += row.macs;
    t.nonzero_macs += row.nonzero_macs;
    t.weights += row.weights;
    t.cycles += row.cycles;
    t.active_pes = std::max(t.active_pes, row.active_pes);
    busy += row.utilization * static_cast<double>(row.cycles);
    add_into(t.energy, row.energy);
    for (std::size_t i = 0; i < row.by_level.size(); ++i) t.by_level[i] += row.by_level[i];
    v.layers.push_back(std::move(row));
  }
  // Network utilisation: total MACs / (total cycles × MAC units). With a fixed number of MAC
  // units that is the cycle-weighted mean of the layers' utilisations.
  v.total.utilization = v.total.cycles ? busy / static_cast<double>(v.total.cycles) : 0.0;
  return v;
}

json estimate_row_json(const EstimateView& v, const EstimateRow& r) {
  return {{"name", r.name},
          {"type", r.type},
          {"macs", r.macs},
          {"nonzero_macs", r.nonzero_macs},
          {"weights", r.weights},
          {"energy", energy_json(r.energy)},
          {"energy_by_level", by_level_json(v.cols, r.by_level)},
          {"cycles", r.cycles},
          {"utilization", r.utilization},
          {"active_pes", r.active_pes}};
}

// The layer's dims (N, G, M, C, P, Q, R, S, per group) and its window, as numbers.
json layer_shape_json(const Layer& l) {
  json dims = json::object();
  for (Dim d : kAllDims) dims[std::string(dim_name(d))] = l.dim(d);
  const LayerSpec& s = l.spec();
  return {{"dims", std::move(dims)},
          {"in", {s.in_h, s.in_w}},
          {"stride", {s.stride_h, s.stride_w}},
          {"dilation", {s.dilation_h, s.dilation_w}},
          {"pad", {s.pad_top, s.pad_bottom, s.pad_left, s.pad_right}},
          {"groups", s.groups}};
}

std::string layer_shape(const Layer& l) {
  std::string dims;
  for (Dim d : kAllDims) {
    if (!dims.empty()) dims += ' ';
    dims += fmt::format("{}={}", dim_name(d), l.dim(d));
  }
  const LayerSpec& s = l.spec();
  return fmt::format(
      "{} ({}): {}; ifmap {}x{}, stride {}x{}, dilation {}x{}, padding t{} b{} l{} r{}, "
      "groups {}",
      l.name(), layer_type_name(l.type()), dims, s.in_h, s.in_w, s.stride_h, s.stride_w,
      s.dilation_h, s.dilation_w, s.pad_top, s.pad_bottom, s.pad_left, s.pad_right, s.groups);
}

// The mapper's statistics (erg/mapper.h), as estimate_json's layers and map_json show them.
json mapper_json(const MapperStats& s) {
  return {{"mapspace", s.mapspace},
          {"evaluated", s.evaluated},
          {"pruned_by_bound", s.pruned_by_bound},
          {"rejected",
           {{"array", s.rejected_array},
            {"capacity", s.rejected_capacity},
            {"dataflow", s.rejected_dataflow},
            {"pinned", s.rejected_pinned}}},
          {"optimal", s.optimal},
          {"seconds", s.seconds}};
}

// Mappings of the mapspace the search did not reach (0 unless it was interrupted).
std::uint64_t not_searched(const MapperStats& s) {
  const std::uint64_t seen = s.evaluated + s.pruned_by_bound + s.rejected_array +
                             s.rejected_capacity + s.rejected_dataflow + s.rejected_pinned;
  return s.mapspace > seen ? s.mapspace - seen : 0;
}

// The statistics as aligned "name  value" lines, exact counts (they add up to the mapspace).
std::string mapper_text(const MapperStats& s) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"mapspace", std::to_string(s.mapspace)},
      {"evaluated", std::to_string(s.evaluated)},
      {"pruned by bound", std::to_string(s.pruned_by_bound)},
      {"rejected: array size", std::to_string(s.rejected_array)},
      {"rejected: capacity", std::to_string(s.rejected_capacity)},
      {"rejected: dataflow rule", std::to_string(s.rejected_dataflow)},
      {"rejected: --fix", std::to_string(s.rejected_pinned)}};
  if (!s.optimal) rows.emplace_back("not searched", std::to_string(not_searched(s)));
  rows.emplace_back("time", fmt::format("{:.3f} s", s.seconds));
  rows.emplace_back("result", s.optimal ? "proven optimal" : "not proven optimal (interrupted)");
  std::size_t w = 0, vw = 0;
  for (const auto& [k, v] : rows) {
    w = std::max(w, k.size());
    vw = std::max(vw, v.size());
  }
  std::string out;
  for (const auto& [k, v] : rows) {
    const bool number = !v.empty() && std::isdigit(static_cast<unsigned char>(v.back()));
    out += "  " + k + std::string(w - k.size() + 2, ' ') +
           (number ? std::string(vw - v.size(), ' ') : "") + v + "\n";
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string human_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return "0";
  const std::string sign = v < 0 ? "-" : "";
  double a = std::fabs(v);
  static constexpr const char* kSuffix[] = {"", " k", " M", " G", " T", " P", " E"};
  int k = 0;
  while (a >= 999.5 && k < 6) {  // 999.5 would round to "1000": show it as 1.00 of the next unit
    a /= 1000.0;
    ++k;
  }
  if (k == 0) {
    // Below a thousand: three significant digits, no trailing zeros (0.5, 12, 12.3, 0.00123).
    std::string s = fmt::format("{:.3g}", a);
    return sign + s;
  }
  const int decimals = a < 9.995 ? 2 : (a < 99.95 ? 1 : 0);
  return sign + fmt::format("{:.{}f}", a, decimals) + kSuffix[k];
}

std::string estimate_table(const NetworkEstimate& est) {
  const EstimateView v = estimate_view(est);
  std::vector<std::string> header = {"layer",   "type",    "MACs",  "nz MACs", "weights", "total",
                                     "compute", "weights", "ifmap", "ofmap",   "share %"};
  for (const auto& c : v.cols) header.push_back(c.name);
  TextTable t(header, 2);
  // The unit of every energy column, in the group titles over them.
  const std::string unit = detail::unit_phrase(est.unit);
  t.add_group(2, 4, "counts");
  t.add_group(5, 9, "energy by data type (" + unit + ")");
  t.add_group(11, header.size() - 1, "energy by level (" + unit + ")");
  auto cells = [&](const EstimateRow& r) {
    std::vector<std::string> c = {r.name,
                                  r.type,
                                  human_number(static_cast<double>(r.macs)),
                                  human_number(r.nonzero_macs),
                                  human_number(static_cast<double>(r.weights)),
                                  human_number(r.energy.total),
                                  human_number(r.energy.compute),
                                  human_number(r.energy.weights),
                                  human_number(r.energy.ifmap),
                                  human_number(r.energy.ofmap),
                                  percent(r.energy.total, v.total.energy.total)};
    for (double x : r.by_level) c.push_back(human_number(x));
    return c;
  };
  for (const auto& r : v.layers) t.add_row(cells(r));
  EstimateRow total = v.total;
  total.name = "TOTAL";
  total.type = "";
  t.add_row(cells(total), /*total=*/true);
  std::string out = fmt::format(
      "network {} on {}, dataflow {}, objective {}, batch {}; energy in units of {} (k = 1e3, M "
      "= 1e6, G = 1e9)\n",
      est.network, est.arch, dataflow_name(est.dataflow), objective_name(est.objective), est.batch,
      est.unit);
  out += t.render();
  out +=
      fmt::format("cycles {}, utilisation {:.1f} %\n",
                  human_number(static_cast<double>(v.total.cycles)), 100.0 * v.total.utilization);
  // Which mappings the mapper proved optimal (identical layers share one search).
  std::string searched, heuristic;
  for (const LayerResult& r : est.layers) {
    if (r.stats.optimal) continue;
    std::string& list = r.heuristic ? heuristic : searched;
    list += (list.empty() ? "" : ", ") + r.layer.name();
  }
  if (searched.empty() && heuristic.empty()) {
    out += fmt::format("mappings: each proven optimal for {} within the {} mapspace\n",
                       objective_name(est.objective), dataflow_name(est.dataflow));
  } else {
    out += "mappings: not proven optimal (interrupted):";
    if (!searched.empty()) out += " best found so far for " + searched + ";";
    if (!heuristic.empty()) out += " heuristic mapping for " + heuristic + ";";
    out.back() = '\n';
  }
  return out;
}

std::string estimate_json(const NetworkEstimate& est) {
  const EstimateView v = estimate_view(est);
  const Arch& names = est.hardware;
  json layers = json::array();
  for (std::size_t i = 0; i < v.layers.size(); ++i) {
    json l = estimate_row_json(v, v.layers[i]);
    // The layer as estimated (after --batch, --densities and the other overrides): its shape
    // and each tensor's bitwidth and density.
    const Layer& layer = est.layers[i].layer;
    json formats = json::object();
    for (Tensor t : kAllTensors)
      formats[std::string(tensor_name(t))] = {{"bits", layer.format(t).bits},
                                              {"density", layer.format(t).density}};
    l["shape"] = layer_shape_json(layer);
    l["formats"] = std::move(formats);
    l["mapping"] = mapping_summary(names, est.layers[i].mapping);
    l["mapping_loops"] = mapping_loops_json(names, est.layers[i].mapping);
    json m = mapper_json(est.layers[i].stats);
    m["heuristic"] = est.layers[i].heuristic;
    m["dataflow"] = std::string(dataflow_name(est.layers[i].mapped_dataflow));
    l["mapper"] = std::move(m);
    layers.push_back(std::move(l));
  }
  // The total has a layer's keys; it has no mapping of its own, and its active_pes is the peak.
  json total = estimate_row_json(v, v.total);
  total["shape"] = nullptr;
  total["formats"] = nullptr;
  total["mapping"] = nullptr;
  total["mapping_loops"] = nullptr;
  total["mapper"] = nullptr;
  json out = {{"network", est.network},
              {"arch", est.arch},
              {"batch", est.batch},
              {"dataflow", std::string(dataflow_name(est.dataflow))},
              {"objective", std::string(objective_name(est.objective))},
              {"unit", est.unit},
              {"layers", std::move(layers)},
              {"total", std::move(total)}};
  return out.dump(2) + "\n";
}

std::string estimate_csv(const NetworkEstimate& est) {
  const EstimateView v = estimate_view(est);
  std::vector<std::string> header = {"layer",          "type",           "macs",
                                     "nonzero_macs",   "weights",        "energy_total",
                                     "energy_compute", "energy_weights", "energy_ifmap",
                                     "energy_ofmap",   "share_percent"};
  for (const auto& c : v.cols) header.push_back("level:" + c.name);
  header.push_back("cycles");
  header.push_back("utilization");
  std::string out = csv_row(header);
  auto cells = [&](const EstimateRow& r) {
    const double share =
        v.total.energy.total == 0 ? 0 : 100.0 * r.energy.total / v.total.energy.total;
    std::vector<std::string> c = {r.name,
                                  r.type,
                                  std::to_string(r.macs),
                                  exact(r.nonzero_macs),
                                  std::to_string(r.weights),
                                  exact(r.energy.total),
                                  exact(r.energy.compute),
                                  exact(r.energy.weights),
                                  exact(r.energy.ifmap),
                                  exact(r.energy.ofmap),
                                  exact(share)};
    for (double x : r.by_level) c.push_back(exact(x));
    c.push_back(std::to_string(r.cycles));
    c.push_back(exact(r.utilization));
    return c;
  };
  for (const auto& r : v.layers) out += csv_row(cells(r));
  out += csv_row(cells(v.total));
  return out;
}

// ---------------------------------------------------------------------------------------------
// One layer under one mapping.

std::string evaluation_table(const Layer& layer, const Arch& arch, const Mapping& mapping,
                             const LayerEvaluation& ev) {
  const Energy& e = ev.energy;
  const Counts& c = ev.counts;
  std::string out = fmt::format("layer {}\narch {}, energy in units of {}\n\n", layer_shape(layer),
                                arch.name, arch.unit);
  out += "mapping (outermost loop first):\n" + loop_nest_string(layer, arch, mapping);
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += '\n';

  // Counts in words, in the human form (the JSON has them exact); energies in the arch's unit.
  TextTable counts({"level", "tensor", "reads", "writes", "updates", "hops", "storage", "network"},
                   2);
  counts.add_group(2, 5, "accesses (words)");
  counts.add_group(6, 7, "energy (" + detail::unit_phrase(arch.unit) + ")");
  auto count = [](std::uint64_t v) { return human_number(static_cast<double>(v)); };
  for (int lv = 0; lv < arch.num_levels(); ++lv) {
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      const TensorAccess a =
          lv < static_cast<int>(c.levels.size()) ? c.levels[lv].tensor[ti] : TensorAccess{};
      const double se = lv < static_cast<int>(e.storage.size()) ? e.storage[lv][ti] : 0.0;
      const double ne = lv < static_cast<int>(e.network.size()) ? e.network[lv][ti] : 0.0;
      counts.add_row({ti == 0 ? arch.levels[lv].name : "", std::string(tensor_name(t)),
                      count(a.reads), count(a.writes), count(a.updates), count(a.hops),
                      human_number(se), human_number(ne)});
    }
  }
  counts.add_row({arch.compute.name, "macs", count(c.macs), "", "", count(c.mac_hops),
                  human_number(e.compute), human_number(e.compute_network)},
                 /*total=*/true);
  out += counts.render() + "\n";

  const TypeSplit s = type_split(e);
  const std::vector<LevelColumn> cols = arch_columns(arch, e);
  TextTable totals({"energy", detail::unit_phrase(arch.unit), "share %"}, 1);
  for (const auto& col : cols) {
    const double x = column_value(col, e);
    totals.add_row({col.name, human_number(x), percent(x, s.total)});
  }
  totals.add_row({"compute", human_number(s.compute), percent(s.compute, s.total)}, true);
  totals.add_row({"weights", human_number(s.weights), percent(s.weights, s.total)});
  totals.add_row({"ifmap", human_number(s.ifmap), percent(s.ifmap, s.total)});
  totals.add_row({"ofmap", human_number(s.ofmap), percent(s.ofmap, s.total)});
  totals.add_row({"TOTAL", human_number(s.total), percent(s.total, s.total)}, true);
  out += totals.render() + "\n";

  out += fmt::format(
      "MACs {} ({} non-zero), cycles {} (compute {}), utilisation {:.1f} %, active PEs {}\n",
      count(c.macs), human_number(layer.nonzero_macs()), count(ev.perf.cycles),
      count(ev.perf.compute_cycles), 100.0 * ev.perf.utilization, ev.perf.active_pes);
  out += fmt::format("total energy {} ({:.3g} per MAC), in units of {}\n", human_number(s.total),
                     c.macs ? s.total / static_cast<double>(c.macs) : 0.0, arch.unit);
  return out;
}

namespace {

json evaluation_object(const Layer& layer, const Arch& arch, const Mapping& mapping,
                       const LayerEvaluation& ev) {
  const Energy& e = ev.energy;
  const Counts& c = ev.counts;
  const LayerSpec& sp = layer.spec();
  json dims = json::object();
  for (Dim d : kAllDims) dims[std::string(dim_name(d))] = layer.dim(d);
  json formats = json::object();
  for (Tensor t : kAllTensors) {
    formats[std::string(tensor_name(t))] = {{"bits", layer.format(t).bits},
                                            {"density", layer.format(t).density}};
  }
  json lj = {{"name", layer.name()},
             {"type", std::string(layer_type_name(layer.type()))},
             {"dims", dims},
             {"in_h", sp.in_h},
             {"in_w", sp.in_w},
             {"stride", {sp.stride_h, sp.stride_w}},
             {"dilation", {sp.dilation_h, sp.dilation_w}},
             {"padding", {sp.pad_top, sp.pad_bottom, sp.pad_left, sp.pad_right}},
             {"groups", sp.groups},
             {"formats", formats}};

  json counts = json::array();
  json level_tensor = json::array();
  for (int lv = 0; lv < arch.num_levels(); ++lv) {
    json tc = json::object();
    json te = json::object();
    json tn = json::object();
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      const std::string tn_name(tensor_name(t));
      const TensorAccess a =
          lv < static_cast<int>(c.levels.size()) ? c.levels[lv].tensor[ti] : TensorAccess{};
      tc[tn_name] = {
          {"reads", a.reads}, {"writes", a.writes}, {"updates", a.updates}, {"hops", a.hops}};
      te[tn_name] = lv < static_cast<int>(e.storage.size()) ? e.storage[lv][ti] : 0.0;
      tn[tn_name] = lv < static_cast<int>(e.network.size()) ? e.network[lv][ti] : 0.0;
    }
    counts.push_back({{"level", arch.levels[lv].name}, {"tensors", tc}});
    level_tensor.push_back({{"level", arch.levels[lv].name}, {"storage", te}, {"network", tn}});
  }

  const TypeSplit s = type_split(e);
  const std::vector<LevelColumn> cols = arch_columns(arch, e);
  json out = {{"layer", lj},
              {"arch", arch.name},
              {"unit", arch.unit},
              {"macs", c.macs},
              {"nonzero_macs", layer.nonzero_macs()},
              {"weights", layer.weight_count()},
              {"mapping", mapping_summary(arch, mapping)},
              {"mapping_loops", mapping_loops_json(arch, mapping)},
              {"loop_nest", loop_nest_string(layer, arch, mapping)},
              {"counts", counts},
              {"mac_hops", c.mac_hops},
              {"compute_cycles", ev.perf.compute_cycles},
              {"cycles", ev.perf.cycles},
              {"utilization", ev.perf.utilization},
              {"active_pes", ev.perf.active_pes},
              {"energy", energy_json(s)},
              {"energy_by_level", by_level_json(cols, column_values(cols, e))},
              {"energy_by_level_tensor", level_tensor},
              {"energy_compute_network", e.compute_network}};
  return out;
}

// What the mapper minimised, in words, and its value for the chosen mapping.
std::string objective_text(Objective o, const Arch& arch) {
  switch (o) {
    case Objective::Delay:
      return "cycles";
    case Objective::EDP:
      return fmt::format("energy x cycles ({} x cycles)", arch.unit);
    case Objective::Energy:
      break;
  }
  return fmt::format("energy ({})", arch.unit);
}

}  // namespace

std::string evaluation_json(const Layer& layer, const Arch& arch, const Mapping& mapping,
                            const LayerEvaluation& ev) {
  return evaluation_object(layer, arch, mapping, ev).dump(2) + "\n";
}

std::string map_table(const Layer& layer, const Arch& arch, Dataflow dataflow, Objective objective,
                      const MapperResult& r, const std::string& mapping_file) {
  std::string out = fmt::format(
      "best {} mapping{} of layer {} on {}, minimising {}: {}\n\n", dataflow_name(dataflow),
      dataflow == Dataflow::Free ? fmt::format(" (from the {} mapspace)", dataflow_name(r.dataflow))
                                 : "",
      layer.name(), arch.name, objective_name(objective),
      r.stats.optimal ? "proven optimal" : "not proven optimal (interrupted)");
  out += evaluation_table(layer, arch, r.mapping, r.eval);
  out += "\nmapping file (erg evaluate --mapping reads it; erg map --out FILE writes it):\n";
  out += mapping_file;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += fmt::format("\nmapper: dataflow {}, objective {} = {}\n", dataflow_name(dataflow),
                     objective_text(objective, arch), human_number(r.objective));
  out += mapper_text(r.stats);
  return out;
}

std::string map_json(const Layer& layer, const Arch& arch, Dataflow dataflow, Objective objective,
                     const MapperResult& r, const std::string& mapping_file) {
  json out = evaluation_object(layer, arch, r.mapping, r.eval);
  out["dataflow"] = std::string(dataflow_name(dataflow));
  out["mapped_dataflow"] = std::string(dataflow_name(r.dataflow));
  out["objective"] = std::string(objective_name(objective));
  out["objective_value"] = r.objective;
  out["mapping_file"] = mapping_file;
  out["mapper"] = mapper_json(r.stats);
  return out.dump(2) + "\n";
}

// ---------------------------------------------------------------------------------------------
// erg compare-dataflows

namespace {

std::string storage_text(const StorageSetup& st) {
  const std::string rf = st.rf_words ? fmt::format("{} w", st.rf_words) : "none";
  return fmt::format("RF {}, buffer {} KiB", rf, st.buffer_bytes / 1024);
}

json figures_json(const DataflowFigures& f) {
  return {{"energy", f.energy},
          {"energy_per_mac", f.energy_per_mac()},
          {"dram_accesses_per_mac", f.dram_accesses_per_mac()},
          {"active_pes", f.active_pes},
          {"macs", f.macs},
          {"dram_accesses", f.dram_accesses}};
}

std::string ratio_text(double x, double rs) {
  if (rs <= 0) return "-";
  return fmt::format("{:.2f}", x / rs);
}

}  // namespace

std::string compare_table(const DataflowComparison& c) {
  std::string out = fmt::format(
      "dataflow comparison: network {}, {} PEs, batch {}, {} (base arch {}, dense, uncompressed); "
      "energy in units of {}\n",
      c.network, c.pes, c.batch, c.equal_area ? "equal storage area" : "equal storage capacity",
      c.base_arch, c.unit);
  out += "storage per dataflow:";
  for (std::size_t k = 0; k < c.dataflows.size(); ++k)
    out += fmt::format("{} {} ({})", k ? ";" : "", dataflow_name(c.dataflows[k]),
                       storage_text(c.storage[k]));
  out += "\n\n";
  auto section = [&](const std::string& title, auto value, bool ratio,
                     const std::string& total_label = "TOTAL") {
    std::vector<std::string> header = {"layer"};
    for (Dataflow df : c.dataflows) header.emplace_back(dataflow_name(df));
    TextTable t(header, 1);
    auto row = [&](const std::string& name, const std::vector<DataflowFigures>& figs, bool total) {
      std::vector<std::string> cells = {name};
      for (std::size_t k = 0; k < figs.size(); ++k)
        cells.push_back(ratio ? ratio_text(value(figs[k]), value(figs[0]))
                              : fmt::format("{:.4g}", value(figs[k])));
      t.add_row(std::move(cells), total);
    };
    for (std::size_t i = 0; i < c.layers.size(); ++i) row(c.layer_names[i], c.layers[i], false);
    row(total_label, c.total, true);
    out += title + "\n" + t.render() + "\n";
  };
  section(
      "energy per MAC (" + detail::unit_phrase(c.unit) + ")",
      [](const DataflowFigures& f) { return f.energy_per_mac(); }, false);
  section(
      "energy relative to rs", [](const DataflowFigures& f) { return f.energy; }, true);
  section(
      "DRAM accesses per MAC", [](const DataflowFigures& f) { return f.dram_accesses_per_mac(); },
      false);
  section(
      "active PEs", [](const DataflowFigures& f) { return static_cast<double>(f.active_pes); },
      false, "PEAK");
  out +=
      "Each dataflow uses its own optimal mapping for energy (docs/mapper.md); the buffer keeps "
      "weights or lets them bypass, whichever costs less (docs/compare.md).\n";
  if (c.interrupted)
    out += "interrupted: some mappings are the best found so far, not proven optimal\n";
  return out;
}

std::string compare_json(const DataflowComparison& c) {
  json layers = json::array();
  for (std::size_t i = 0; i < c.layers.size(); ++i) {
    json dfs = json::object();
    for (std::size_t k = 0; k < c.dataflows.size(); ++k) {
      const DataflowFigures& f = c.layers[i][k];
      json j = figures_json(f);
      j["ratio_to_rs"] =
          c.layers[i][0].energy > 0 ? json(f.energy / c.layers[i][0].energy) : json(nullptr);
      j["buffer_keeps_weights"] = f.buffer_keeps_weights;
      j["mapping"] = mapping_summary(c.archs[k][f.buffer_keeps_weights ? 1 : 0], f.mapping);
      dfs[std::string(dataflow_name(c.dataflows[k]))] = std::move(j);
    }
    layers.push_back({{"name", c.layer_names[i]}, {"dataflows", std::move(dfs)}});
  }
  json total_dfs = json::object();
  for (std::size_t k = 0; k < c.dataflows.size(); ++k) {
    json j = figures_json(c.total[k]);
    j["ratio_to_rs"] =
        c.total[0].energy > 0 ? json(c.total[k].energy / c.total[0].energy) : json(nullptr);
    total_dfs[std::string(dataflow_name(c.dataflows[k]))] = std::move(j);
  }
  json storage = json::object();
  for (std::size_t k = 0; k < c.dataflows.size(); ++k)
    storage[std::string(dataflow_name(c.dataflows[k]))] = {
        {"rf_words_per_pe", c.storage[k].rf_words}, {"buffer_bytes", c.storage[k].buffer_bytes}};
  json out = {{"network", c.network},
              {"arch", c.base_arch},
              {"pes", c.pes},
              {"batch", c.batch},
              {"equal_area", c.equal_area},
              {"unit", c.unit},
              {"storage", std::move(storage)},
              {"interrupted", c.interrupted},
              {"layers", std::move(layers)},
              {"total", {{"name", "TOTAL"}, {"dataflows", std::move(total_dfs)}}}};
  return out.dump(2) + "\n";
}

std::string compare_csv(const DataflowComparison& c) {
  std::string out =
      csv_row({"layer", "dataflow", "energy", "energy_per_mac", "dram_accesses_per_mac",
               "active_pes", "ratio_to_rs", "buffer_keeps_weights"});
  auto rows = [&](const std::string& name, const std::vector<DataflowFigures>& figs, bool layer) {
    for (std::size_t k = 0; k < figs.size(); ++k) {
      const DataflowFigures& f = figs[k];
      out += csv_row({name, std::string(dataflow_name(c.dataflows[k])), exact(f.energy),
                      exact(f.energy_per_mac()), exact(f.dram_accesses_per_mac()),
                      std::to_string(f.active_pes),
                      figs[0].energy > 0 ? exact(f.energy / figs[0].energy) : "",
                      layer ? (f.buffer_keeps_weights ? "true" : "false") : ""});
    }
  };
  for (std::size_t i = 0; i < c.layers.size(); ++i) rows(c.layer_names[i], c.layers[i], true);
  rows("TOTAL", c.total, false);
  return out;
}

}  // namespace erg
