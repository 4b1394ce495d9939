// erg-prune (run as `erg prune ...`): trains a network on Fashion-MNIST, prunes it by magnitude
// and/or with erg's energy estimate in the loop, and reports the trade-off (docs/prune.md).
//
// A binary of its own so that `erg` never loads libtorch; `erg prune` hands over to it.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "erg/idx.h"
#include "erg/io.h"
#include "erg/network_input.h"
#include "erg/plot.h"
#include "erg/prune/onnx_writer.h"
#include "erg/prune/pruning.h"
#include "erg/prune/trainable.h"
#include "erg/report.h"
#include "erg/zoo.h"

namespace erg::prune::cli {
namespace {

using json = nlohmann::json;

constexpr int kExitBadInput = 2;

// A one-line progress display on a terminal (stderr), nothing otherwise.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) != 0) {}
  void show(const std::string& stage, double fraction) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (stage == last_ && now - shown_ < std::chrono::milliseconds(100)) return;
    last_ = stage;
    shown_ = now;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kWidth);
    std::string line =
        fmt::format("\r\x1b[2Kerg prune: [{}{}] {:3.0f} % {}", std::string(filled, '#'),
                    std::string(kWidth - filled, '.'), 100 * fraction, stage);
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }
  void clear() {
    if (tty_) std::fputs("\r\x1b[2K", stderr);
  }
  // A line that stays (on a terminal or not).
  void note(const std::string& text) {
    clear();
    std::fprintf(stderr, "erg prune: %s\n", text.c_str());
  }

 private:
  bool tty_;
  std::string last_;
  std::chrono::steady_clock::time_point shown_{};
};

struct Args {
  std::string method = "both";
  std::string arch = "eyeriss";
  double max_drop = 1.0;  // percentage points
  std::string out;
  bool quick = false;
  std::string network;  // an erg network to train instead of the baseline
  std::string model;    // a trained ONNX model (weights) to prune instead of training
  int epochs = 0;       // 0 = the default (4, or 1 with --quick)
  std::int64_t train_images = 0, test_images = 0, finetune_images = 0;
  std::uint64_t seed = 1;
  int threads = 1;
  int max_rounds = 0;
  std::string data = kFashionMnistDir;
};

json snapshot_json(const Snapshot& s, const Snapshot& original) {
  return {{"label", s.label},
          {"accuracy", s.accuracy},
          {"nonzero_weights", s.nonzero_weights},
          {"weights", s.weights},
          {"nonzero_macs", s.nonzero_macs},
          {"macs", s.macs},
          {"energy", s.energy},
          {"energy_normalised", original.energy > 0 ? s.energy / original.energy : 0.0},
          {"layer_energy", s.layer_energy},
          {"floor", s.floor},
          {"floor_normalised", original.energy > 0 ? s.floor / original.energy : 0.0},
          {"layer_floor", s.layer_floor}};
}

std::string ratio(double a, double b) {
  return b > 0 && a > 0 ? fmt::format("{:.2f}×", a / b) : "-";
}

// Seed 001's table: accuracy, non-zero weights, non-skipped MACs and normalised energy of the
// original and each pruned network, with the reductions against the original.
std::string table(const Snapshot& original, const std::vector<PruneRun>& runs) {
  std::vector<std::vector<std::string>> rows = {{"network", "top-1", "non-zero weights",
                                                 "non-skipped MACs", "energy (norm.)",
                                                 "energy ÷ original", "vs magnitude"}};
  const Snapshot* magnitude = nullptr;
  for (const auto& r : runs)
    if (r.method == "magnitude") magnitude = &r.result;
  auto row = [&](const std::string& name, const Snapshot& s) {
    rows.push_back({name, fmt::format("{:.2f} %", 100 * s.accuracy),
                    fmt::format("{} ({})", human_number(static_cast<double>(s.nonzero_weights)),
                                ratio(static_cast<double>(original.nonzero_weights),
                                      static_cast<double>(s.nonzero_weights))),
                    fmt::format("{} ({})", human_number(s.nonzero_macs),
                                ratio(original.nonzero_macs, s.nonzero_macs)),
                    fmt::format("{:.3f}", original.energy > 0 ? s.energy / original.energy : 0.0),
                    ratio(original.energy, s.energy),
                    magnitude && &s != magnitude && &s != &original
                        ? ratio(magnitude->energy, s.energy)
                        : "-"});
  };
  row("original", original);
  for (const auto& r : runs) row(r.method == "energy" ? "energy-aware" : r.method, r.result);
  // What no weight pruning can remove: the original with every weight gone, its activations'
  // densities as measured.
  rows.push_back(
      {"floor (no weights)", "-", "0", "0",
       fmt::format("{:.3f}", original.energy > 0 ? original.floor / original.energy : 0.0),
       ratio(original.energy, original.floor),
       magnitude ? ratio(magnitude->energy, original.floor) : "-"});
  std::vector<std::size_t> width(rows[0].size(), 0);
  auto cells = [](const std::string& s) {  // display width: count UTF-8 lead bytes
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], cells(r[i]));
  std::string out;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i)
      out += r[i] + std::string(width[i] - cells(r[i]) + (i + 1 < r.size() ? 2 : 0), ' ');
    out += "\n";
  }
  return out;
}

int run(const Args& a) {
  Progress progress;
  auto bad = [&](const Error& e) {
    progress.clear();
    std::fprintf(stderr, "erg prune: error: %s\n", e.to_string().c_str());
    return kExitBadInput;
  };
  if (a.method != "energy" && a.method != "magnitude" && a.method != "both")
    return bad(make_error("--method must be energy, magnitude or both, got '" + a.method + "'"));
  if (!(a.max_drop >= 0 && a.max_drop <= 100))
    return bad(
        make_error(fmt::format("--max-drop must be in [0, 100] points, got {}", a.max_drop)));
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec || !std::filesystem::is_directory(a.out))
    return bad(make_error("--out: cannot create directory '" + a.out + "'"));
  auto arch = load_arch(a.arch);
  if (!arch) return bad(arch.error());
  set_threads(a.threads);

  const std::int64_t train_n = a.train_images > 0 ? a.train_images : (a.quick ? 600 : 60000);
  const std::int64_t test_n = a.test_images > 0 ? a.test_images : (a.quick ? 300 : 10000);
  progress.note(fmt::format("loading Fashion-MNIST from {} ({} training, {} test images)", a.data,
                            train_n, test_n));
  auto tr = load_fashion_mnist(true, train_n, a.data);
  if (!tr) return bad(tr.error());
  auto te = load_fashion_mnist(false, test_n, a.data);
  if (!te) return bad(te.error());
  const Dataset train_set = to_dataset(*tr), test_set = to_dataset(*te);

  // The network to prune: a trained ONNX model, or a network trained here.
  std::optional<TrainableNet> original;
  if (!a.model.empty()) {
    auto m = read_onnx_trainable(a.model);
    if (!m) return bad(m.error());
    original = std::move(m).value();
  } else {
    Network spec = fmnist_alexnet();
    if (!a.network.empty()) {
      const bool path = a.network.find_first_of("/.") != std::string::npos;
      auto n = path ? load_network_input(a.network) : zoo_network(a.network);
      if (!n) return bad(n.error());
      spec = std::move(n).value();
    }
    auto net = TrainableNet::build(spec, a.seed);
    if (!net) return bad(net.error());
    TrainOptions t;
    t.epochs = a.epochs > 0 ? a.epochs : (a.quick ? 1 : 4);
    t.batch = 128;
    t.optimizer = Optimizer::Adam;
    t.lr = 1e-3;
    t.seed = a.seed;
    t.threads = a.threads;
    t.progress = [&](int epoch, std::int64_t batch, std::int64_t batches, double) {
      progress.show(fmt::format("training {} (epoch {}/{})", spec.name, epoch + 1, t.epochs),
                    (epoch + static_cast<double>(batch + 1) / batches) / t.epochs);
    };
    auto stats = train(net.value(), train_set, t);
    if (!stats) return bad(stats.error());
    original = std::move(net).value();
  }
  if (auto st = write_onnx_file(*original, a.out + "/original.onnx"); !st) return bad(st.error());

  PruneOptions o;
  o.max_drop = a.max_drop / 100.0;
  o.seed = a.seed;
  o.finetune.epochs = 1;
  o.finetune.batch = 128;
  o.finetune.optimizer = Optimizer::Adam;
  o.finetune.lr = 5e-4;
  o.finetune.seed = a.seed + 1;
  o.finetune.threads = a.threads;
  o.finetune.max_images = a.finetune_images > 0 ? a.finetune_images : (a.quick ? 600 : 20000);
  o.sample_images = a.quick ? 256 : 2048;
  o.density_images = std::min<std::int64_t>(test_n, 1000);
  if (a.max_rounds > 0) o.max_rounds = a.max_rounds;
  if (a.quick && a.max_rounds == 0) o.max_rounds = 2;
  if (a.quick) o.refit.max_rounds = 3;
  o.progress = [&](const std::string& stage, double f) { progress.show(stage, f); };

  std::vector<PruneRun> runs;
  for (const char* method : {"magnitude", "energy"}) {
    if (a.method != "both" && a.method != method) continue;
    progress.note(std::string("pruning: ") + (std::string(method) == "energy"
                                                  ? "energy-aware (erg's estimate in the loop)"
                                                  : "magnitude (per-layer thresholds)"));
    auto r = std::string(method) == "energy"
                 ? prune_energy_aware(*original, train_set, test_set, *arch, o)
                 : prune_magnitude(*original, train_set, test_set, *arch, o);
    if (!r) return bad(r.error());
    runs.push_back(std::move(r).value());
  }
  progress.clear();
  const Snapshot& base = runs.front().history.front();
  const PruneRun& chosen = runs.back();  // energy-aware when it ran
  if (auto st = write_onnx_file(chosen.net, a.out + "/pruned.onnx"); !st) return bad(st.error());
  for (const auto& r : runs)
    if (auto st = write_onnx_file(r.net, a.out + "/pruned-" + r.method + ".onnx"); !st)
      return bad(st.error());

  json report = {{"arch", a.arch},
                 {"dataset", "Fashion-MNIST"},
                 {"train_images", train_set.size()},
                 {"test_images", test_set.size()},
                 {"max_drop_points", a.max_drop},
                 {"quick", a.quick},
                 {"energy_unit", "one MAC's energy"},
                 {"original", snapshot_json(base, base)},
                 {"pruned", snapshot_json(chosen.result, base)},
                 {"pruned_method", chosen.method}};
  std::vector<TradeoffSeries> series;
  for (const auto& r : runs) {
    json hist = json::array();
    TradeoffSeries s{r.method == "energy" ? "energy-aware pruning" : "magnitude pruning", {}};
    for (std::size_t i = 0; i < r.history.size(); ++i) {
      json h = snapshot_json(r.history[i], base);
      h["accepted"] = static_cast<bool>(r.accepted[i]);
      hist.push_back(std::move(h));
      s.points.push_back(
          {r.history[i].label, r.history[i].energy, r.history[i].accuracy, r.accepted[i]});
    }
    report["methods"][r.method] = {{"result", snapshot_json(r.result, base)},
                                   {"history", std::move(hist)}};
    series.push_back(std::move(s));
  }
  std::ofstream(a.out + "/report.json") << report.dump(2) << "\n";
  std::ofstream(a.out + "/tradeoff.svg") << tradeoff_svg(
      fmt::format("Pruning {} on {}: accuracy against energy", original->network().name, a.arch),
      series, base.energy, base.accuracy, o.max_drop);
  const std::string t = table(base, runs);
  std::ofstream(a.out + "/report.txt") << t;
  std::cout << t;
  std::cout << fmt::format(
      "written: {0}/original.onnx, {0}/pruned.onnx ({1}), {0}/report.json, {0}/report.txt, "
      "{0}/tradeoff.svg\n",
      a.out, chosen.method == "energy" ? "energy-aware" : chosen.method);
  return 0;
}

}  // namespace
}  // namespace erg::prune::cli

int main(int argc, char** argv) {
  // OpenBLAS reads its thread count when it loads, before main. Its own threads spin against
  // libtorch's on two cores and made the least-squares refits many times slower, so erg-prune
  // runs OpenBLAS single-threaded: re-executed once with the variable set (unless the user set it).
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);  // on failure, go on as we are
  }
  using erg::prune::cli::Args;
  Args a;
  CLI::App app{
      "erg prune: train a network on Fashion-MNIST, prune it by weight magnitude and with erg's "
      "energy estimate in the loop, and compare (docs/prune.md)",
      "erg prune"};
  app.add_option("--method", a.method, "energy, magnitude or both")->capture_default_str();
  app.add_option("--arch", a.arch, "Architecture preset or arch YAML file (for the energy)")
      ->capture_default_str();
  app.add_option("--max-drop", a.max_drop, "Largest top-1 accuracy drop accepted, in points")
      ->capture_default_str();
  app.add_option("--out", a.out, "Directory for the ONNX models, report.json and tradeoff.svg")
      ->required();
  app.add_flag("--quick", a.quick,
               "A few hundred images, one epoch, two rounds per method (a smoke run)");
  app.add_option("--network", a.network,
                 "An erg network (zoo name or file) to train instead of the baseline");
  app.add_option("--model", a.model, "A trained ONNX model (with weights) to prune as is");
  app.add_option("--epochs", a.epochs, "Training epochs of the original network (default 4)");
  app.add_option("--train-images", a.train_images, "Training images used (default all 60,000)");
  app.add_option("--test-images", a.test_images, "Test images used (default all 10,000)");
  app.add_option("--finetune-images", a.finetune_images,
                 "Images of each round's fine-tuning epoch (default 20,000)");
  app.add_option("--max-rounds", a.max_rounds, "Pruning rounds per method at most (default 12)");
  app.add_option("--seed", a.seed, "Seed of initialisation, shuffles and samples")
      ->capture_default_str();
  app.add_option("--threads", a.threads, "libtorch threads")->capture_default_str();
  app.add_option("--data", a.data, "Directory with Fashion-MNIST's IDX files")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return erg::prune::cli::run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "erg prune: internal error: %s\n", e.what());
    return 1;
  }
}
