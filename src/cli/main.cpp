// erg — the command-line front end.
//
// The only place that prints and chooses exit statuses. Every subcommand is one row of kCommands
// (its path, its help line, how it declares its flags, and what it runs); a command returns its
// output text or an erg::Error, and main() writes the text (to stdout or -o FILE) or reports the
// error. Exit statuses: 0 success; 2 bad input of any kind (unknown names, bad files, bad flag
// values, command-line syntax); 130 when Ctrl-C stopped a mapping search (after printing the best
// mappings found so far); 1 only for an unexpected internal failure.
#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "erg/arch.h"
#include "erg/compare.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/layer_overrides.h"
#include "erg/mapper.h"
#include "erg/mapping.h"
#include "erg/network.h"
#include "erg/network_input.h"
#include "erg/network_simulation.h"
#include "erg/onnx_import.h"
#include "erg/plot.h"
#include "erg/report.h"
#include "erg/scalesim.h"
#include "erg/server.h"
#include "erg/simulation_report.h"
#include "erg/text.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"

#ifndef ERG_VERSION
#define ERG_VERSION "0.1.0"
#endif

namespace erg::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, what shells report for Ctrl-C

// Every flag of every subcommand. A subcommand binds only the fields it uses; the Option
// pointers tell whether an optional flag was given at all.
struct Args {
  std::string network;  // zoo name or network file (estimate; zoo show)
  std::string arch;     // preset or arch file
  std::string format = "table";
  std::string output;  // -o FILE; empty = stdout
  std::string plot;    // --plot FILE.svg (estimate, compare-dataflows); empty = no chart
  std::string dataflow = "rs";
  std::int64_t batch = 1;
  int wbits = 16, abits = 16;
  double weight_density = 1.0, act_density = 1.0;
  std::string layer_file, mapping_file, layer_name;
  std::string save_mappings;  // estimate: directory for per-layer layer and mapping files
  std::string objective = "energy";
  std::string layer;          // map: layer name (with --network) or layer file
  std::string fix_file;       // map: --fix partial mapping
  std::string out_file;       // map: --out mapping file
  int pes = 256;              // compare-dataflows: PEs of the comparison chip
  bool equal_area = false;    // compare-dataflows: storage of equal area rather than capacity
  std::string export_format;  // zoo export: yaml, json, tool or scalesim
  std::string densities;      // estimate: per-layer overrides file
  // simulate
  std::vector<std::string> inputs;  // --input image files, IDX files, directories
  std::int64_t images = 16;
  std::uint64_t random_weights = 0;
  std::string normalize = "auto";
  std::string coding = "arch";
  CLI::Option* random_weights_opt = nullptr;
  // serve
  std::string host = "127.0.0.1";
  int port = 8080;
  std::int64_t max_body_mb = 64;
  double search_seconds = 30;
  CLI::Option* simulate_batch_opt = nullptr;

  CLI::Option* batch_opt = nullptr;
  // Every command's setup runs at start-up, so each command that has --batch needs its own
  // pointer: a shared one would see only the last command's flag.
  CLI::Option* map_batch_opt = nullptr;
  CLI::Option* compare_batch_opt = nullptr;
  CLI::Option* wbits_opt = nullptr;
  CLI::Option* abits_opt = nullptr;
  CLI::Option* wdens_opt = nullptr;
  CLI::Option* adens_opt = nullptr;
};

// CLI11 turns an empty value into 0; an empty flag value is a mistake, not a zero.
const CLI::Validator kNonEmpty(
    [](std::string& v) { return v.empty() ? std::string("the value must not be empty") : ""; }, "",
    "non-empty");

// ---------------------------------------------------------------------------------------------
// Input resolution and flag checks shared by several commands.

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const ZooEntry& e : zoo_entries()) names.push_back(e.name);
  return names;
}

bool is_zoo_name(const std::string& s) {
  const std::string l = ascii_lower(s);
  for (const ZooEntry& e : zoo_entries()) {
    if (ascii_lower(e.name) == l) return true;
  }
  return false;
}

bool looks_like_path(const std::string& s) {
  auto ends_with = [&](const std::string& suffix) {
    return s.size() >= suffix.size() && ascii_lower(s.substr(s.size() - suffix.size())) == suffix;
  };
  if (s.find('/') != std::string::npos) return true;
  for (const std::string& ext : network_input_extensions())
    if (ends_with(ext)) return true;
  return false;
}

bool has_extension(const std::string& s, const std::string& ext) {
  return s.size() >= ext.size() && ascii_lower(s.substr(s.size() - ext.size())) == ext;
}

// "Relu ×7, MaxPool ×3"
std::string operator_list(const std::vector<OnnxOperatorCount>& ops) {
  std::string out;
  for (const auto& o : ops) out += fmt::format("{}{} ×{}", out.empty() ? "" : ", ", o.op, o.count);
  return out;
}

// An ONNX model; what was not modelled and every warning go to stderr, once each.
Result<Network> load_onnx_arg(const std::string& path) {
  auto r = import_onnx_file(path);
  if (!r) return r.error();
  if (!r->not_modelled.empty())
    std::cerr << "erg: " << path
              << ": not modelled (no MACs erg counts): " << operator_list(r->not_modelled) << "\n";
  for (const auto& w : r->warnings) std::cerr << "erg: " << path << ": warning: " << w << "\n";
  return r->network;
}

// A zoo name, else an ONNX model, else a network file in any format load_network_input reads
// (YAML, JSON, SCALE-Sim CSV, the online tool's per-layer text).
Result<Network> load_network_arg(const std::string& what) {
  if (is_zoo_name(what)) return zoo_network(what);
  if (has_extension(what, ".onnx")) return load_onnx_arg(what);
  std::error_code ec;
  if (looks_like_path(what) || std::filesystem::exists(what, ec)) return load_network_input(what);
  return make_error("unknown network '" + what + "'" + did_you_mean(what, zoo_names()) +
                    ": it is neither a zoo network nor a file ('erg zoo' lists the zoo)");
}

Status check_format(const std::string& format, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), format) != allowed.end()) return Ok{};
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return make_error("--format must be one of " + list + ", got '" + format + "'" +
                    did_you_mean(format, allowed));
}

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

Status check_density(const char* flag, const CLI::Option* opt, double v) {
  if (opt->count() == 0 || (v >= 0.0 && v <= 1.0)) return Ok{};
  return make_error(std::string(flag) + " must be a fraction of non-zero values in [0, 1], got " +
                    number_text(v));
}

Status check_bits(const char* flag, const CLI::Option* opt, int v) {
  if (opt->count() == 0 || (v >= 1 && v <= 64)) return Ok{};
  return make_error(std::string(flag) + " must be a bitwidth between 1 and 64, got " +
                    std::to_string(v));
}

// Plain left-aligned columns for listings (numbers in the report module's human form).
std::string columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w;
  for (const auto& r : rows) {
    if (w.size() < r.size()) w.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string human(std::uint64_t v) { return human_number(static_cast<double>(v)); }

Result<Objective> objective_arg(const std::string& s) {
  auto o = parse_objective(s);
  if (o) return o;
  Error e = o.error();
  e.message = "--objective: " + e.message;
  return e;
}

Result<Dataflow> dataflow_arg(const std::string& s) {
  auto df = parse_dataflow(s);
  if (df) return df;
  Error e = df.error();
  e.message = "--dataflow: " + e.message;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C and progress during mapping searches.

// Set by the SIGINT handler; the mapper polls it and returns the best mapping found so far.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

// erg serve: set by SIGINT or SIGTERM.
std::atomic<bool> g_stop_requested{false};
extern "C" void on_stop_signal(int) { g_stop_requested.store(true, std::memory_order_relaxed); }

// Installs the SIGINT handler for the lifetime of a search only. SA_RESETHAND restores the default
// action as the first Ctrl-C arrives, so a second one kills erg as usual.
class InterruptScope {
 public:
  InterruptScope() {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    installed_ = sigaction(SIGINT, &sa, &old_) == 0;
  }
  ~InterruptScope() {
    if (installed_) sigaction(SIGINT, &old_, nullptr);
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction old_ {};
  bool installed_ = false;
};

// One updating line on stderr, only when stderr is a terminal; cleared when done.
class ProgressLine {
 public:
  ProgressLine() : on_(isatty(STDERR_FILENO) == 1) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void show(const std::string& text) {
    if (!on_ || text == last_) return;
    last_ = text;
    std::cerr << '\r' << text << "\x1b[K" << std::flush;
  }
  void clear() {
    if (on_ && !last_.empty()) std::cerr << "\r\x1b[K" << std::flush;
    last_.clear();
  }

 private:
  bool on_;
  std::string last_;
};

std::string percent_text(double fraction) {
  const int pct = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0);
  return std::to_string(pct) + " %";
}

std::string short_name(const std::string& name) {
  return name.size() <= 24 ? name : name.substr(0, 21) + "...";
}

// ---------------------------------------------------------------------------------------------
// erg estimate

void setup_estimate(CLI::App& app, Args& a) {
  app.add_option("network", a.network,
                 "Zoo network name (see 'erg zoo') or network file (YAML, JSON, SCALE-Sim CSV, "
                 "tool .txt; docs/formats.md)")
      ->required();
  app.add_option("--arch", a.arch, "Architecture preset (see 'erg arch list') or arch YAML file")
      ->required();
  a.batch_opt =
      app.add_option("--batch", a.batch, "Batch size N for every layer")->check(kNonEmpty);
  a.wbits_opt = app.add_option("--wbits", a.wbits, "Weight bitwidth")->check(kNonEmpty);
  a.abits_opt =
      app.add_option("--abits", a.abits, "Activation (ifmap and ofmap) bitwidth")->check(kNonEmpty);
  a.wdens_opt = app.add_option("--weight-density", a.weight_density,
                               "Fraction of non-zero weights, in [0, 1]")
                    ->check(kNonEmpty);
  a.adens_opt = app.add_option("--act-density", a.act_density,
                               "Fraction of non-zero input activations, in [0, 1]")
                    ->check(kNonEmpty);
  app.add_option("--densities", a.densities,
                 "Per-layer densities and bitwidths (YAML, docs/onnx.md); they win over "
                 "--weight-density, --act-density, --wbits and --abits for the layers they name");
  app.add_option("--dataflow", a.dataflow, "rs, ws, os (= os_b), os_a, os_b, os_c, nlr or free")
      ->capture_default_str();
  app.add_option("--objective", a.objective,
                 "What the mapper minimises for each layer: energy, delay (cycles) or edp")
      ->capture_default_str();
  app.add_option("--format", a.format, "table, json or csv")->capture_default_str();
  app.add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
  app.add_option("--plot", a.plot,
                 "Also draw the estimate as an SVG chart in FILE.svg: per-layer energy by data "
                 "type and by level, and the network's split (docs/reports.md)")
      ->check(kNonEmpty);
  app.footer(
      "Each layer gets the mapping that minimises the objective within the dataflow's mapspace\n"
      "(docs/mapper.md). On a terminal a progress line shows on stderr; Ctrl-C stops the search,\n"
      "prints the estimate with the best mappings found so far (marked not proven optimal) and\n"
      "exits with status 130.");
  app.add_option("--save-mappings", a.save_mappings,
                 "Write DIR/<layer>.layer.yaml and DIR/<layer>.map.yaml for every layer (inputs "
                 "'erg evaluate' accepts unchanged)");
}

// --plot FILE: writes the chart `svg()` draws (nothing when no --plot was given).
Status write_plot(const std::string& path, const std::function<std::string()>& svg) {
  if (path.empty()) return Ok{};
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f << svg();
  if (f) f.close();
  if (!f) return make_error("--plot: cannot write SVG file '" + path + "'");
  return Ok{};
}

// Writes each layer and its chosen mapping as files `erg evaluate` reads back.
Status save_mappings(const NetworkEstimate& est, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error("--save-mappings: cannot create directory '" + dir + "': " + ec.message());
  for (const LayerResult& r : est.layers) {
    std::string stem = r.layer.name();
    for (char& c : stem)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    Network one{r.layer.name(), {r.layer}};
    const std::pair<std::string, std::string> files[] = {
        {dir + "/" + stem + ".layer.yaml", network_to_yaml(one)},
        {dir + "/" + stem + ".map.yaml", mapping_to_yaml(est.hardware, r.mapping)}};
    for (const auto& [path, text] : files) {
      std::ofstream out(path);
      out << text;
      if (!out) return make_error("--save-mappings: cannot write '" + path + "'");
    }
  }
  return Ok{};
}

// Applies the estimate options' bitwidth and density overrides to every layer now, and clears
// them from the options.
Status apply_format_flags(Network& net, EstimateOptions& opts) {
  for (Layer& l : net.layers) {
    LayerSpec s = l.spec();
    if (opts.weight_bits) s.weights.bits = *opts.weight_bits;
    if (opts.act_bits) s.inputs.bits = s.outputs.bits = *opts.act_bits;
    if (opts.weight_density) s.weights.density = *opts.weight_density;
    if (opts.act_density) s.inputs.density = s.outputs.density = *opts.act_density;
    auto layer = Layer::make(s);
    if (!layer) return layer.error();
    l = std::move(layer).value();
  }
  opts.weight_bits.reset();
  opts.act_bits.reset();
  opts.weight_density.reset();
  opts.act_density.reset();
  return Ok{};
}

Result<std::string> run_estimate(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json", "csv"}); !st) return st.error();
  if (a.batch_opt->count() && a.batch < 1) {
    return make_error("--batch must be a positive integer, got " + std::to_string(a.batch));
  }
  if (auto st = check_bits("--wbits", a.wbits_opt, a.wbits); !st) return st.error();
  if (auto st = check_bits("--abits", a.abits_opt, a.abits); !st) return st.error();
  if (auto st = check_density("--weight-density", a.wdens_opt, a.weight_density); !st) {
    return st.error();
  }
  if (auto st = check_density("--act-density", a.adens_opt, a.act_density); !st) {
    return st.error();
  }
  auto df = dataflow_arg(a.dataflow);
  if (!df) return df.error();
  auto objective = objective_arg(a.objective);
  if (!objective) return objective.error();

  EstimateOptions opts;
  opts.dataflow = *df;
  opts.objective = *objective;
  if (a.batch_opt->count()) opts.batch = a.batch;
  if (a.wbits_opt->count()) opts.weight_bits = a.wbits;
  if (a.abits_opt->count()) opts.act_bits = a.abits;
  if (a.wdens_opt->count()) opts.weight_density = a.weight_density;
  if (a.adens_opt->count()) opts.act_density = a.act_density;

  auto net = load_network_arg(a.network);
  if (!net) return net.error();
  if (!a.densities.empty()) {
    auto overrides = load_layer_overrides_file(a.densities);
    if (!overrides) return overrides.error();
    // The flags set every layer first; the file then sets the layers it names.
    if (auto st = apply_format_flags(net.value(), opts); !st) return st.error();
    if (auto st = apply_layer_overrides(net.value(), *overrides); !st) return st.error();
  }
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  ProgressLine progress;
  opts.cancel = &g_interrupted;
  opts.progress = [&](std::size_t i, std::size_t n, const Layer& l, double fraction) {
    progress.show("erg: mapping layer " + std::to_string(i + 1) + "/" + std::to_string(n) + " " +
                  short_name(l.name()) + ": " + percent_text(fraction) +
                  " of the mapspace (Ctrl-C: stop, keep the best so far)");
  };
  auto est = [&] {
    InterruptScope interrupt;
    return estimate_network(*net, *arch, opts);
  }();
  progress.clear();
  if (!est) return est.error();
  if (!a.save_mappings.empty()) {
    if (auto st = save_mappings(*est, a.save_mappings); !st) return st.error();
  }
  if (auto st = write_plot(a.plot, [&] { return estimate_svg(*est); }); !st) return st.error();
  if (a.format == "json") return estimate_json(*est);
  if (a.format == "csv") return estimate_csv(*est);
  return estimate_table(*est);
}

// ---------------------------------------------------------------------------------------------
// erg evaluate

void setup_evaluate(CLI::App& app, Args& a) {
  app.add_option("--layer", a.layer_file,
                 "YAML file with one layer or a network (or a zoo network name)")
      ->required();
  app.add_option("--name", a.layer_name,
                 "Layer to evaluate when the file holds several (default: "
                 "the first)");
  app.add_option("--arch", a.arch, "Architecture preset or arch YAML file")->required();
  app.add_option("--mapping", a.mapping_file, "Mapping YAML file")->required();
  app.add_option("--format", a.format, "table or json")->capture_default_str();
  app.add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
}

Result<Layer> pick_layer(const Network& net, const std::string& name, const std::string& origin) {
  if (net.layers.empty()) return make_error(origin + " holds no layers");
  if (name.empty()) return net.layers.front();
  std::vector<std::string> names;
  for (const Layer& l : net.layers) {
    if (l.name() == name) return l;
    names.push_back(l.name());
  }
  for (const Layer& l : net.layers) {
    if (ascii_lower(l.name()) == ascii_lower(name)) return l;
  }
  return make_error("--name: no layer '" + name + "' in " + origin + did_you_mean(name, names));
}

Result<std::string> run_evaluate(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json"}); !st) return st.error();
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  auto net = load_network_arg(a.layer_file);
  if (!net) return net.error();
  auto layer = pick_layer(*net, a.layer_name, a.layer_file);
  if (!layer) return layer.error();
  auto mapping = load_mapping_file(a.mapping_file, *arch);
  if (!mapping) return mapping.error();
  if (auto st = validate_mapping(*layer, *arch, *mapping); !st) {
    Error e = st.error();
    if (e.file.empty()) e.file = a.mapping_file;
    return e;
  }
  auto ev = evaluate(*layer, *arch, *mapping);
  if (!ev) return ev.error();
  if (a.format == "json") return evaluation_json(*layer, *arch, *mapping, *ev);
  return evaluation_table(*layer, *arch, *mapping, *ev);
}

// ---------------------------------------------------------------------------------------------
// erg map

constexpr const char* kFixHelp =
    "--fix FILE pins part of the mapping; the mapper searches the rest. The file has the layout\n"
    "of a mapping file (a mapping erg writes pins everything it lists); every level is optional:\n"
    "  version: 1\n"
    "  mapping:\n"
    "    - level: GLB\n"
    "      temporal: [M: 2, C: 4]  # product of the level's temporal M factors = 2, of C = 4,\n"
    "                              # and M's loop outside C's\n"
    "      spatial: [P: 13]        # product of the spatial (X times Y) P factors = 13\n"
    "                              # (or spatial_x/spatial_y lists, multiplied per dimension)\n"
    "      keep: [inputs, outputs] # the tensors the level keeps\n"
    "Dimensions: N G M C P Q R S. Levels and dimensions not listed are free.\n"
    "Ctrl-C stops the search and prints the best mapping so far (not proven optimal), exit 130.";

void setup_map(CLI::App& app, Args& a) {
  app.add_option("layer", a.layer, "Layer name in the --network, or a YAML file holding one layer")
      ->required();
  app.add_option("--network", a.network,
                 "Zoo network name or network file (YAML, JSON, SCALE-Sim CSV, tool .txt) holding "
                 "the layer");
  app.add_option("--arch", a.arch, "Architecture preset (see 'erg arch list') or arch YAML file")
      ->required();
  app.add_option("--dataflow", a.dataflow, "rs, ws, os (= os_b), os_a, os_b, os_c, nlr or free")
      ->capture_default_str();
  app.add_option("--objective", a.objective, "What to minimise: energy, delay (cycles) or edp")
      ->capture_default_str();
  app.add_option("--fix", a.fix_file, "Partial mapping file pinning factors, orders or keeps");
  a.map_batch_opt =
      app.add_option("--batch", a.batch, "Batch size N of the layer")->check(kNonEmpty);
  app.add_option("--out", a.out_file,
                 "Also write the best mapping to FILE.yaml ('erg evaluate --mapping' reads it)");
  app.add_option("--format", a.format, "table or json")->capture_default_str();
  app.footer(kFixHelp);
}

// The layer to map: a layer of --network by name, or the one layer of a layer file.
Result<Layer> map_layer_arg(const Args& a) {
  if (!a.network.empty()) {
    auto net = load_network_arg(a.network);
    if (!net) return net.error();
    std::vector<std::string> names;
    for (const Layer& l : net->layers) {
      if (l.name() == a.layer) return l;
      names.push_back(l.name());
    }
    for (const Layer& l : net->layers) {
      if (ascii_lower(l.name()) == ascii_lower(a.layer)) return l;
    }
    return make_error("no layer '" + a.layer + "' in network '" + net->name + "'" +
                      did_you_mean(a.layer, names) + " ('erg zoo show " + a.network +
                      "' lists its layers)");
  }
  std::error_code ec;
  if (looks_like_path(a.layer) || std::filesystem::exists(a.layer, ec)) {
    auto net = load_network_input(a.layer);
    if (!net) return net.error();
    if (net->layers.size() == 1) return net->layers.front();
    std::string list;
    for (std::size_t i = 0; i < net->layers.size() && i < 5; ++i)
      list += (i ? ", " : "") + net->layers[i].name();
    if (net->layers.size() > 5) list += ", ...";
    return make_error("'" + a.layer + "' holds " + std::to_string(net->layers.size()) +
                      " layers (" + list + "): name one with 'erg map NAME --network " + a.layer +
                      "'");
  }
  return make_error("'" + a.layer +
                    "' is not a layer file; to map a layer of a network, name the network too, "
                    "e.g. 'erg map " +
                    a.layer + " --network alexnet'");
}

Result<std::string> run_map(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json"}); !st) return st.error();
  if (a.map_batch_opt->count() && a.batch < 1) {
    return make_error("--batch must be a positive integer, got " + std::to_string(a.batch));
  }
  auto df = dataflow_arg(a.dataflow);
  if (!df) return df.error();
  auto objective = objective_arg(a.objective);
  if (!objective) return objective.error();
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  auto layer = map_layer_arg(a);
  if (!layer) return layer.error();
  if (a.map_batch_opt->count()) {
    LayerSpec s = layer->spec();
    s.batch = a.batch;
    layer = Layer::make(s);
    if (!layer) return layer.error();
  }

  MapperOptions opts;
  opts.dataflow = *df;
  opts.objective = *objective;
  opts.cancel = &g_interrupted;
  if (!a.fix_file.empty()) {
    auto pins = load_pins_file(a.fix_file, *arch);
    if (!pins) return pins.error();
    opts.pins = std::move(pins).value();
  }
  ProgressLine progress;
  opts.progress = [&](double fraction) {
    progress.show("erg: mapping " + short_name(layer->name()) + ": " + percent_text(fraction) +
                  " of the mapspace (Ctrl-C: stop, keep the best so far)");
  };
  auto result = [&] {
    InterruptScope interrupt;
    return map_layer(*layer, *arch, opts);
  }();
  progress.clear();
  if (!result) {
    if (g_interrupted) return make_error("interrupted before the search found any mapping");
    Error e = result.error();
    if (!a.fix_file.empty() && e.file.empty() && e.message.find("--fix") != std::string::npos)
      e.file = a.fix_file;
    return e;
  }
  const std::string mapping_file = mapping_to_yaml(*arch, result->mapping);
  if (!a.out_file.empty()) {
    std::ofstream f(a.out_file, std::ios::binary | std::ios::trunc);
    if (f) f << mapping_file;
    if (f) f.close();
    if (!f) return make_error("--out: cannot write mapping file '" + a.out_file + "'");
  }
  if (a.format == "json") return map_json(*layer, *arch, *df, *objective, *result, mapping_file);
  return map_table(*layer, *arch, *df, *objective, *result, mapping_file);
}

// ---------------------------------------------------------------------------------------------
// erg compare-dataflows

void setup_compare(CLI::App& app, Args& a) {
  app.add_option("network", a.network,
                 "Zoo network name (see 'erg zoo') or network file (YAML, JSON, SCALE-Sim CSV, "
                 "tool .txt; docs/formats.md)")
      ->required();
  a.arch = "eyeriss-isca16";
  app.add_option("--arch", a.arch,
                 "Base architecture: levels and energies per access (a three-level preset or "
                 "arch YAML file)")
      ->capture_default_str();
  app.add_option("--pes", a.pes,
                 "PEs of the chip: 256 (16 rows x 16 columns), 512 (16 x 32) or 1024 (32 x 32)")
      ->capture_default_str()
      ->check(kNonEmpty);
  a.compare_batch_opt =
      app.add_option("--batch", a.batch, "Batch size N for every layer")->check(kNonEmpty);
  app.add_flag("--equal-area", a.equal_area,
               "Give each dataflow storage of equal area (reference §4's RF and buffer sizes); "
               "without it, every dataflow gets RS's storage capacity");
  app.add_option("--format", a.format, "table, json or csv")->capture_default_str();
  app.add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
  app.add_option("--plot", a.plot,
                 "Also draw each dataflow's energy per MAC, per layer and in total, as an SVG "
                 "chart in FILE.svg")
      ->check(kNonEmpty);
  app.footer(
      "Maps every layer under rs, ws, os_a, os_b, os_c and nlr, each with its own optimal mapping\n"
      "for energy on its own storage (docs/compare.md), and reports energy per MAC, DRAM accesses\n"
      "per MAC, active PEs and each dataflow's energy relative to rs. Ctrl-C stops the searches\n"
      "(exit 130, best mappings so far).");
}

Result<std::string> run_compare(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json", "csv"}); !st) return st.error();
  if (a.compare_batch_opt->count() && a.batch < 1)
    return make_error("--batch must be a positive integer, got " + std::to_string(a.batch));
  if (a.pes != 256 && a.pes != 512 && a.pes != 1024)
    return make_error("--pes must be 256, 512 or 1024, got " + std::to_string(a.pes));
  auto net = load_network_arg(a.network);
  if (!net) return net.error();
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  CompareOptions opts;
  opts.pes = a.pes;
  opts.equal_area = a.equal_area;
  if (a.compare_batch_opt->count()) opts.batch = a.batch;
  opts.cancel = &g_interrupted;
  ProgressLine progress;
  opts.progress = [&](std::size_t k, std::size_t nk, std::size_t i, std::size_t n, const Layer& l,
                      double fraction) {
    progress.show("erg: dataflow " + std::to_string(k + 1) + "/" + std::to_string(nk) + " (" +
                  std::string(dataflow_name(compared_dataflows()[k])) + "), search " +
                  std::to_string(i + 1) + "/" + std::to_string(n) + " " + short_name(l.name()) +
                  ": " + percent_text(fraction) + " (Ctrl-C: stop, keep the best so far)");
  };
  auto cmp = [&] {
    InterruptScope interrupt;
    return compare_dataflows(*net, *arch, opts);
  }();
  progress.clear();
  if (!cmp) return cmp.error();
  if (auto st = write_plot(a.plot, [&] { return compare_svg(*cmp); }); !st) return st.error();
  if (a.format == "json") return compare_json(*cmp);
  if (a.format == "csv") return compare_csv(*cmp);
  return compare_table(*cmp);
}

// ---------------------------------------------------------------------------------------------
// erg zoo, erg zoo show

void setup_zoo(CLI::App& app, Args& a) {
  app.add_option("--format", a.format, "table or json")->capture_default_str();
}

Result<std::string> run_zoo(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json"}); !st) return st.error();
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows = {{"name", "layers", "weights", "MACs", "about"}};
  for (const ZooEntry& e : zoo_entries()) {
    auto net = zoo_network(e.name);
    if (!net) return net.error();
    rows.push_back({e.name, std::to_string(net->layers.size()), human(net->weights()),
                    human(net->macs()), e.description});
    j.push_back({{"name", e.name},
                 {"description", e.description},
                 {"layers", net->layers.size()},
                 {"weights", net->weights()},
                 {"macs", net->macs()}});
  }
  if (a.format == "json") return j.dump(2) + "\n";
  return columns(rows) +
         "(batch 1; 'erg zoo show NAME' lists a network's layers, 'erg zoo export NAME' writes "
         "it)\n";
}

void setup_zoo_show(CLI::App& app, Args& a) {
  app.add_option("name", a.network,
                 "Zoo network name or network file (YAML, JSON, SCALE-Sim CSV, tool .txt)")
      ->required();
  app.add_option("--format", a.format, "table or json")->capture_default_str();
}

Result<std::string> run_zoo_show(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json"}); !st) return st.error();
  auto net = load_network_arg(a.network);
  if (!net) return net.error();
  std::vector<std::vector<std::string>> rows = {{"layer", "type", "N", "C", "M", "ifmap", "filter",
                                                 "stride", "pad", "groups", "ofmap", "MACs",
                                                 "weights"}};
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const Layer& l : net->layers) {
    const LayerSpec& s = l.spec();
    auto x = [](std::int64_t h, std::int64_t w) {
      return std::to_string(h) + "x" + std::to_string(w);
    };
    const std::string pad = std::to_string(s.pad_top) + "," + std::to_string(s.pad_bottom) + "," +
                            std::to_string(s.pad_left) + "," + std::to_string(s.pad_right);
    rows.push_back({l.name(), std::string(layer_type_name(l.type())), std::to_string(s.batch),
                    std::to_string(s.in_channels), std::to_string(s.out_channels),
                    x(s.in_h, s.in_w), x(s.filter_h, s.filter_w), x(s.stride_h, s.stride_w), pad,
                    std::to_string(s.groups), x(l.dim(Dim::P), l.dim(Dim::Q)), human(l.macs()),
                    human(l.weight_count())});
    layers.push_back({{"name", l.name()},
                      {"type", std::string(layer_type_name(l.type()))},
                      {"batch", s.batch},
                      {"in_channels", s.in_channels},
                      {"out_channels", s.out_channels},
                      {"in_h", s.in_h},
                      {"in_w", s.in_w},
                      {"filter_h", s.filter_h},
                      {"filter_w", s.filter_w},
                      {"stride", {s.stride_h, s.stride_w}},
                      {"padding", {s.pad_top, s.pad_bottom, s.pad_left, s.pad_right}},
                      {"groups", s.groups},
                      {"out_h", l.dim(Dim::P)},
                      {"out_w", l.dim(Dim::Q)},
                      {"macs", l.macs()},
                      {"weights", l.weight_count()}});
  }
  if (a.format == "json") {
    nlohmann::ordered_json j = {{"network", net->name},
                                {"macs", net->macs()},
                                {"weights", net->weights()},
                                {"layers", layers}};
    return j.dump(2) + "\n";
  }
  return "network " + net->name + ": " + std::to_string(net->layers.size()) + " layers, " +
         human(net->weights()) + " weights, " + human(net->macs()) + " MACs\n" + columns(rows);
}

// ---------------------------------------------------------------------------------------------
// erg zoo export

void setup_zoo_export(CLI::App& app, Args& a) {
  app.add_option("name", a.network,
                 "Zoo network name or network file (YAML, JSON, SCALE-Sim CSV, tool .txt)")
      ->required();
  app.add_option("--format", a.export_format,
                 "yaml, json, tool (the online estimation tool's per-layer text) or scalesim "
                 "(SCALE-Sim topology CSV); default: from the -o extension, else yaml");
  app.add_option("-o,--output", a.output, "Write the network to FILE instead of stdout");
  app.footer(
      "Every format reads back with 'erg estimate', 'erg zoo show' and the other commands.\n"
      "The tool format rounds zero counts to integers; SCALE-Sim's CSV has no batch, groups,\n"
      "dilation, bitwidths or densities (docs/formats.md).");
}

// The export format: --format, else the -o file's extension, else yaml.
std::string export_format_of(const Args& a) {
  if (!a.export_format.empty()) return a.export_format;
  const std::string ext = ascii_lower(std::filesystem::path(a.output).extension().string());
  if (ext == ".json") return "json";
  if (ext == ".csv") return "scalesim";
  if (ext == ".txt" || ext == ".cfg" || ext == ".tool") return "tool";
  return "yaml";
}

Result<std::string> run_zoo_export(const Args& a) {
  const std::string format = export_format_of(a);
  if (auto st = check_format(format, {"yaml", "json", "tool", "scalesim"}); !st) return st.error();
  auto net = load_network_arg(a.network);
  if (!net) return net.error();
  if (format == "json") return network_to_json(*net);
  if (format == "tool") return network_to_tool_config(*net);
  if (format == "scalesim") return network_to_scalesim_csv(*net);
  return network_to_yaml(*net);
}

// ---------------------------------------------------------------------------------------------
// erg arch list, erg arch show

void setup_arch(CLI::App& app, Args&) { app.require_subcommand(1); }

void setup_arch_list(CLI::App&, Args&) {}

Result<std::string> run_arch_list(const Args&) {
  std::vector<std::vector<std::string>> rows = {{"preset", "levels", "PEs", "MAC units"}};
  for (const std::string& name : arch_preset_names()) {
    auto arch = load_arch(name);
    if (!arch) {
      rows.push_back({name, "(invalid preset: " + arch.error().message + ")"});
      continue;
    }
    std::string levels;
    for (const StorageLevel& s : arch->levels) levels += (levels.empty() ? "" : " > ") + s.name;
    const int inner = arch->num_levels() - 1;
    rows.push_back({name, levels, std::to_string(inner >= 0 ? arch->instances(inner) : 0),
                    std::to_string(arch->mac_units())});
  }
  return columns(rows) +
         "('erg arch show NAME' prints one; a YAML file works wherever a preset "
         "does)\n";
}

void setup_arch_show(CLI::App& app, Args& a) {
  app.add_option("arch", a.arch, "Architecture preset or arch YAML file")->required();
  app.add_option("--format", a.format, "table or yaml (a file 'erg' reads back)")
      ->capture_default_str();
}

std::string keeps_text(const std::array<bool, kNumTensors>& keeps) {
  std::string s;
  for (Tensor t : kAllTensors) {
    if (keeps[static_cast<int>(t)]) s += (s.empty() ? "" : ",") + std::string(tensor_name(t));
  }
  return s.empty() ? "-" : s;
}

std::string capacity_text(const StorageLevel& s) {
  if (!s.partitioned) return s.capacity == 0 ? "unbounded" : human(s.capacity);
  std::string out;
  for (Tensor t : kAllTensors) {
    const int ti = static_cast<int>(t);
    if (!s.keeps[ti]) continue;
    const std::uint64_t c = s.capacity_per_tensor[ti];
    out += (out.empty() ? "" : " ") + std::string(tensor_name(t)) + ":" +
           (c == 0 ? std::string("unbounded") : human(c));
  }
  return out.empty() ? "-" : out;
}

Result<std::string> run_arch_show(const Args& a) {
  if (auto st = check_format(a.format, {"table", "yaml"}); !st) return st.error();
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  if (a.format == "yaml") return arch_to_yaml(*arch);
  const Arch& ar = *arch;
  std::vector<std::vector<std::string>> rows = {{"level", "keeps", "capacity (words)", "bits",
                                                 "read", "write", "update", "bandwidth", "mesh",
                                                 "instances", "network"}};
  for (int i = 0; i < ar.num_levels(); ++i) {
    const StorageLevel& s = ar.levels[i];
    const std::string net = s.hop_energy > 0 ? (s.network_name.empty() ? "hops" : s.network_name) +
                                                   " " + number_text(s.hop_energy)
                                             : "-";
    rows.push_back({s.name, keeps_text(s.keeps), capacity_text(s), std::to_string(s.word_bits),
                    number_text(s.read_energy), number_text(s.write_energy),
                    number_text(s.update_energy),
                    s.bandwidth > 0 ? number_text(s.bandwidth) : "unlimited",
                    std::to_string(s.mesh_x) + "x" + std::to_string(s.mesh_y),
                    std::to_string(ar.instances(i)), net});
  }
  const ComputeUnit& c = ar.compute;
  const int inner = ar.num_levels() - 1;
  std::string out = "arch " + ar.name + ": energies per word access in units of " + ar.unit + "\n" +
                    columns(rows);
  out += "compute " + c.name + ": " + number_text(c.mac_energy) + " per " +
         std::to_string(c.reference_bits) + "-bit MAC, " + std::to_string(c.mesh_x) + "x" +
         std::to_string(c.mesh_y) + " per " + (inner >= 0 ? ar.levels[inner].name : "chip") +
         " instance";
  if (c.hop_energy > 0) out += ", psum reduction hop " + number_text(c.hop_energy);
  out += "\n";
  out += "PEs " + std::to_string(inner >= 0 ? ar.instances(inner) : 1) + ", MAC units " +
         std::to_string(ar.mac_units()) + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// The command table. A path of two words is a subcommand of the first; a row without `run`
// only groups its children.

// ---------------------------------------------------------------------------------------------
// erg simulate

void setup_simulate(CLI::App& app, Args& a) {
  app.add_option("model", a.network, "ONNX model file")->required();
  app.add_option("--input", a.inputs,
                 "Images: PNG/JPEG/... files, IDX files (.gz or not) or directories; repeatable")
      ->required();
  app.add_option("--images", a.images, "Use at most K images (default 16)")->check(kNonEmpty);
  app.add_option("--arch", a.arch, "Architecture preset (see 'erg arch list') or arch YAML file")
      ->required();
  app.add_option("--dataflow", a.dataflow, "rs, ws, os (= os_b), os_a, os_b, os_c, nlr or free")
      ->capture_default_str();
  app.add_option("--objective", a.objective, "What the mapper minimises: energy, delay or edp")
      ->capture_default_str();
  a.simulate_batch_opt =
      app.add_option("--batch", a.batch, "Images per run when the model's batch is symbolic")
          ->check(kNonEmpty);
  a.random_weights_opt = app.add_option(
      "--random-weights", a.random_weights,
      "Fill initializers that hold no data (shape-only models) from this seed (He init)");
  app.add_option("--normalize", a.normalize, "auto, unit, imagenet or raw (docs/simulate.md)")
      ->capture_default_str();
  app.add_option("--coding", a.coding,
                 "Coding the simulation uses where the arch compresses: arch, rle or sigmap")
      ->capture_default_str();
  app.add_option("--format", a.format, "table, json or csv")->capture_default_str();
  app.add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
}

Result<std::string> run_simulate(const Args& a) {
  if (auto st = check_format(a.format, {"table", "json", "csv"}); !st) return st.error();
  if (a.images < 1)
    return make_error("--images must be a positive integer, got " + std::to_string(a.images));
  if (a.simulate_batch_opt->count() && a.batch < 1)
    return make_error("--batch must be a positive integer, got " + std::to_string(a.batch));
  auto norm = parse_normalisation(a.normalize);
  if (!norm)
    return make_error("--normalize must be auto, unit, imagenet or raw, got '" + a.normalize + "'");
  std::optional<Compression> coding;
  if (a.coding == "rle") {
    coding = Compression::RunLength;
  } else if (a.coding == "sigmap") {
    coding = Compression::SigMap;
  } else if (a.coding != "arch") {
    return make_error("--coding must be arch, rle or sigmap, got '" + a.coding + "'");
  }
  auto df = dataflow_arg(a.dataflow);
  if (!df) return df.error();
  auto objective = objective_arg(a.objective);
  if (!objective) return objective.error();
  auto arch = load_arch(a.arch);
  if (!arch) return arch.error();
  SimulateOptions o;
  o.coding = coding;
  o.model = a.network;
  o.inputs = a.inputs;
  o.max_images = a.images;
  o.normalisation = *norm;
  if (a.random_weights_opt->count()) o.random_weights = a.random_weights;
  o.batch = a.simulate_batch_opt->count() ? a.batch : 1;
  o.estimate.dataflow = *df;
  o.estimate.objective = *objective;
  o.estimate.cancel = &g_interrupted;
  ProgressLine progress;
  o.progress = [&](const std::string& stage, double f) {
    progress.show("erg: " + stage + ": " + percent_text(f));
  };
  auto sim = [&] {
    InterruptScope interrupt;
    return simulate_network(o, *arch);
  }();
  progress.clear();
  if (!sim) return sim.error();
  if (!sim->not_modelled.empty())
    std::cerr << "erg: " << a.network
              << ": not modelled (no MACs erg counts): " << operator_list(sim->not_modelled)
              << "\n";
  for (const auto& w : sim->warnings)
    std::cerr << "erg: " << a.network << ": warning: " << w << "\n";
  if (a.format == "json") return simulation_json(*sim);
  if (a.format == "csv") return simulation_csv(*sim);
  return simulation_table(*sim);
}

// ---------------------------------------------------------------------------------------------
// erg serve

void setup_serve(CLI::App& app, Args& a) {
  app.add_option("--host", a.host, "Address to listen on (loopback unless told otherwise)")
      ->capture_default_str();
  app.add_option("--port", a.port, "Port (0: any free port)")->capture_default_str();
  app.add_option("--max-body-mb", a.max_body_mb, "Largest request accepted, in MB")
      ->capture_default_str();
  app.add_option("--search-seconds", a.search_seconds,
                 "Time limit of one request's mapping search (then the best found so far)")
      ->capture_default_str();
}

Result<std::string> run_serve(const Args& a) {
  if (a.max_body_mb < 1 || a.max_body_mb > 4096)
    return make_error("--max-body-mb must be between 1 and 4096, got " +
                      std::to_string(a.max_body_mb));
  if (!(a.search_seconds > 0 && a.search_seconds <= 86400))
    return make_error("--search-seconds must be in (0, 86400], got " +
                      number_text(a.search_seconds));
  ServerOptions so;
  so.host = a.host;
  so.port = a.port;
  so.max_body = static_cast<std::uint64_t>(a.max_body_mb) << 20;
  so.search_seconds = a.search_seconds;
  // SIGINT and SIGTERM set a flag (libraries may have started threads of their own before main,
  // so the signals cannot be blocked everywhere); a thread of ours watches it and stops the server.
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Server server(so);
  if (auto st = server.bind(); !st) return st.error();
  std::cerr << "erg: serving on http://" << (a.host.find(':') != std::string::npos ? "[" : "")
            << a.host << (a.host.find(':') != std::string::npos ? "]" : "") << ":" << server.port()
            << "/ (Ctrl-C stops)" << std::endl;
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    while (!done) {
      if (g_stop_requested.load()) {
        server.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto st = server.run();
  done = true;
  waiter.join();
  if (!st) return st.error();
  std::cerr << "erg: stopped (" << server.cache_searches() << " layer searches, "
            << server.cache_hits() << " answered from the cache)" << std::endl;
  return std::string();
}

struct Command {
  const char* path;
  const char* help;
  void (*setup)(CLI::App&, Args&);
  Result<std::string> (*run)(const Args&);
};

const Command kCommands[] = {
    {"estimate", "Estimate a network's energy on an architecture, layer by layer", setup_estimate,
     run_estimate},
    {"serve", "Serve the estimation page and its JSON API over HTTP (docs/api.md)", setup_serve,
     run_serve},
    {"simulate",
     "Energy of an ONNX model from real images: exact skipped MACs and compressed bits, beside "
     "the analytical estimate",
     setup_simulate, run_simulate},
    {"evaluate", "Evaluate one layer under a given mapping: counts, energy, cycles", setup_evaluate,
     run_evaluate},
    {"map", "Find a layer's optimal mapping (energy, delay or EDP), optionally with pinned parts",
     setup_map, run_map},
    {"compare-dataflows",
     "Every dataflow on storage of equal area (or capacity), each with its optimal mappings",
     setup_compare, run_compare},
    {"zoo", "List the built-in networks (or 'zoo show NAME', 'zoo export NAME')", setup_zoo,
     run_zoo},
    {"zoo show", "List a network's layers and shapes", setup_zoo_show, run_zoo_show},
    {"zoo export", "Write a network as erg YAML or JSON, the online tool's text or SCALE-Sim CSV",
     setup_zoo_export, run_zoo_export},
    {"arch", "Architecture presets: 'arch list', 'arch show NAME'", setup_arch, nullptr},
    {"arch list", "List the architecture presets", setup_arch_list, run_arch_list},
    {"arch show", "Print an architecture: levels, capacities, energies, meshes", setup_arch_show,
     run_arch_show},
};

// `erg prune ...` runs the erg-prune binary next to this one (it links libtorch; erg does not).
int exec_prune(int argc, char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path prune =
      (ec ? std::filesystem::path(argv[0]).parent_path() : self.parent_path()) / "erg-prune";
  if (!std::filesystem::exists(prune, ec)) {
    std::cerr << "erg: error: 'erg prune' needs " << prune.string()
              << ", which is built with libtorch (scripts/setup installs it; CMake option "
                 "ERG_BUILD_PRUNE)\n";
    return kExitBadInput;
  }
  std::vector<std::string> args = {prune.string()};
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  execv(prune.c_str(), cargs.data());
  std::cerr << "erg: error: cannot run " << prune.string() << "\n";
  return kExitInternal;
}

Status write_output(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return Ok{};
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f << text;
  if (f) f.close();
  if (!f) return make_error("-o: cannot write output file '" + path + "'");
  return Ok{};
}

// Whether `path` can be written without creating directories: its directory exists and is
// writable, and the path is not a directory or a read-only file. Nothing is created.
Status check_writable(const std::string& flag, const std::string& what, const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.parent_path();
  const std::string head = flag + ": cannot write " + what + " '" + path + "'";
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    return make_error(head + ": directory '" + dir.string() + "' does not exist");
  if (std::filesystem::is_directory(p, ec)) return make_error(head + ": it is a directory");
  if (std::filesystem::exists(p, ec)) {
    if (access(path.c_str(), W_OK) != 0) return make_error(head + ": permission denied");
  } else if (access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
    return make_error(head + ": directory '" + (dir.empty() ? "." : dir.string()) +
                      "' is not writable");
  }
  return Ok{};
}

void report_error(const Error& e) { std::cerr << "erg: error: " << e.to_string() << "\n"; }

std::string join_or(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Command words are checked before CLI11 sees them, so that a misspelt or missing command gets a
// message naming the choices (and a hint) rather than a generic parse error. Only the command
// words are checked: a word after a command that has subcommands must be one of them (neither
// `zoo` nor `arch` takes a positional argument of its own).
Status check_command_words(int argc, char** argv) {
  std::vector<std::string> top;
  std::map<std::string, std::vector<std::string>> children;
  for (const Command& c : kCommands) {
    const std::string path = c.path;
    const auto space = path.find(' ');
    if (space == std::string::npos) {
      top.push_back(path);
    } else {
      children[path.substr(0, space)].push_back(path.substr(space + 1));
    }
  }
  auto is_flag = [](const std::string& w) { return !w.empty() && w[0] == '-'; };
  if (argc < 2) return make_error("a command is required: " + join_or(top));
  const std::string first = argv[1];
  if (is_flag(first)) return Ok{};  // --help, --version, or an error CLI11 reports
  if (std::find(top.begin(), top.end(), first) == top.end()) {
    return make_error("unknown command '" + first + "'" + did_you_mean(first, top) +
                      "; commands: " + join_or(top));
  }
  const auto kids = children.find(first);
  if (kids == children.end() || argc < 3) return Ok{};
  const std::string second = argv[2];
  if (is_flag(second)) return Ok{};
  if (std::find(kids->second.begin(), kids->second.end(), second) == kids->second.end()) {
    return make_error("unknown command '" + first + " " + second + "'" +
                      did_you_mean(second, kids->second) + "; '" + first + "' takes " +
                      join_or(kids->second));
  }
  return Ok{};
}

int run(int argc, char** argv) {
  CLI::App app("erg: energy of DNN layers on Eyeriss-style accelerators", "erg");
  app.set_version_flag("--version", std::string("erg ") + ERG_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  erg zoo\n"
      "  erg estimate alexnet --arch eyeriss --batch 4\n"
      "  erg map conv1 --network alexnet --arch eyeriss --out conv1.map.yaml\n"
      "  erg evaluate --layer conv1.yaml --arch eyeriss --mapping conv1.map.yaml\n"
      "  erg zoo export alexnet --format tool -o alexnet.txt\n"
      "  erg prune --out pruned --quick   (Fashion-MNIST pruning; 'erg prune --help')\n"
      "  erg simulate model.onnx --input images/ --arch eyeriss\n"
      "  erg serve   (then open http://127.0.0.1:8080/)\n"
      "Run 'erg COMMAND --help' for a command's flags.");

  if (argc >= 2 && std::string(argv[1]) == "prune") return exec_prune(argc, argv);
  if (auto st = check_command_words(argc, argv); !st) {
    report_error(st.error());
    return kExitBadInput;
  }

  Args args;
  std::map<std::string, CLI::App*> apps;
  std::map<const CLI::App*, const Command*> command_of;
  for (const Command& c : kCommands) {
    const std::string path = c.path;
    const auto space = path.rfind(' ');
    CLI::App* parent = space == std::string::npos ? &app : apps.at(path.substr(0, space));
    const std::string name = space == std::string::npos ? path : path.substr(space + 1);
    CLI::App* sub = parent->add_subcommand(name, c.help);
    c.setup(*sub, args);
    apps[path] = sub;
    command_of[sub] = &c;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    // "erg arch" alone: name the subcommands it takes.
    for (const auto& [path, sub] : apps) {
      if (sub->parsed() && sub->get_subcommands().empty() && command_of[sub]->run == nullptr) {
        std::vector<std::string> kids;
        for (const CLI::App* k : sub->get_subcommands({})) kids.push_back(k->get_name());
        std::cerr << "erg: error: '" << path << "' needs a subcommand: " << join_or(kids) << "\n";
        return kExitBadInput;
      }
    }
    std::cerr << "erg: error: " << e.what() << "\n(run 'erg --help' for usage)\n";
    return kExitBadInput;
  }

  // The command to run is the innermost subcommand given.
  const CLI::App* cur = &app;
  while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
  const auto it = command_of.find(cur);
  if (it == command_of.end() || it->second->run == nullptr) {
    std::cerr << "erg: error: a command is required (run 'erg --help' for usage)\n";
    return kExitBadInput;
  }
  // An -o or --plot FILE that cannot be written fails now, not after a long search.
  if (!args.output.empty() && args.output != "-") {
    if (auto st = check_writable("-o", "output file", args.output); !st) {
      report_error(st.error());
      return kExitBadInput;
    }
  }
  if (!args.plot.empty()) {
    Status st = check_writable("--plot", "SVG file", args.plot);
    if (st && args.plot == args.output)
      st = make_error("--plot and -o name the same file '" + args.plot + "'");
    if (!st) {
      report_error(st.error());
      return kExitBadInput;
    }
  }
  auto out = it->second->run(args);
  if (!out) {
    report_error(out.error());
    return g_interrupted ? kExitInterrupted : kExitBadInput;
  }
  if (auto st = write_output(*out, args.output); !st) {
    report_error(st.error());
    return kExitBadInput;
  }
  if (g_interrupted) {
    std::cerr << "erg: interrupted: the mappings shown are the best found before Ctrl-C, not "
                 "proven optimal\n";
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace
}  // namespace erg::cli

int main(int argc, char** argv) {
  try {
    return erg::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "erg: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "erg: internal error\n";
  }
  return erg::cli::kExitInternal;
}
