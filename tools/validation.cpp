// erg_validation: writes docs/validation.md — erg's figures beside the seeds' published findings.
//
// Run: scripts/validation (builds, then `build/erg_validation > docs/validation.md`). Every number
// in the document comes from this program's run of the library; the prose around the numbers
// states the published figures (reference §4 and §6) and why erg differs where it does.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "erg/compare.h"
#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/zoo.h"

namespace {

using namespace erg;

bool is_fc(const Layer& l) { return l.type() == LayerType::FC || l.type() == LayerType::MatMul; }

struct Split {
  double total = 0, compute = 0, weights = 0, ifmap = 0, ofmap = 0, conv = 0, fc = 0;
  std::uint64_t conv_weights = 0, fc_weights = 0;
};

Split split(const NetworkEstimate& e) {
  Split s;
  for (const LayerResult& r : e.layers) {
    const Energy& en = r.eval.energy;
    s.total += en.total();
    s.compute += en.compute;
    s.weights += en.tensor_total(Tensor::Weights);
    s.ifmap += en.tensor_total(Tensor::Inputs);
    s.ofmap += en.tensor_total(Tensor::Outputs);
    (is_fc(r.layer) ? s.fc : s.conv) += en.total();
    (is_fc(r.layer) ? s.fc_weights : s.conv_weights) += r.layer.weight_count();
  }
  return s;
}

Split run(const std::string& name, std::int64_t batch) {
  const Network net = zoo_network(name).value();
  const Arch arch = load_arch("eyeriss").value();
  EstimateOptions o;
  o.batch = batch;
  auto est = estimate_network(net, arch, o);
  if (!est) {
    std::cerr << "erg_validation: " << name << ": " << est.error().message << "\n";
    std::exit(1);
  }
  return split(*est);
}

std::string pct(double part, double whole) { return fmt::format("{:.0f} %", 100.0 * part / whole); }
std::string sci(double v) { return fmt::format("{:.3g}", v); }

}  // namespace

// The pruning experiment's results (experiments/prune-fmnist.sh writes them; run from the
// repository root, as scripts/validation does), against the targets and seed 001.
std::string pruning_section() {
  const std::string dir = "experiments/results/prune-fmnist/";
  std::ifstream in(dir + "report.json");
  std::string out =
      "## Energy-aware pruning against magnitude pruning (seed 001, reference §7)\n\n";
  if (!in) {
    return out + "Not run yet: `experiments/prune-fmnist.sh` writes `" + dir +
           "`, then `scripts/validation` quotes it here.\n\n";
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("methods"))
    return out + "`" + dir + "report.json` is unreadable.\n\n";
  std::ifstream table_in(dir + "report.txt"), time_in(dir + "time.txt");
  std::string table((std::istreambuf_iterator<char>(table_in)), std::istreambuf_iterator<char>());
  std::string seconds;
  std::getline(time_in, seconds);
  const double e0 = j["original"]["energy"].get<double>();
  auto energy = [&](const char* m) {
    return j["methods"].contains(m) ? j["methods"][m]["result"]["energy"].get<double>() : 0.0;
  };
  const double em = energy("magnitude"), ee = energy("energy");
  out += fmt::format(
      "Command: `experiments/prune-fmnist.sh` (`erg prune --method both --arch eyeriss --max-drop "
      "1.0`: the Fashion-MNIST baseline of docs/prune.md, 4 epochs on all 60,000 images, tested "
      "on all 10,000; energy on `eyeriss`, batch 1, measured densities). It took {} s on this "
      "machine (target: under 30 minutes). Output: `{}` (both pruned networks as ONNX with their "
      "weights, `report.json`, `tradeoff.svg`).\n\n```\n{}```\n\n"
      "![Accuracy against energy of every intermediate network of both methods]"
      "(../experiments/results/prune-fmnist/tradeoff.svg)\n\n",
      seconds.empty() ? "?" : seconds, dir, table);
  if (em > 0 && ee > 0) {
    const double vs_original = e0 / ee, vs_magnitude = em / ee;
    out += fmt::format(
        "At most 1 point of top-1 lost, energy-aware pruning's network needs **{:.2f}× less "
        "energy than the original** (target ≥ 3×; seed 001: 3.7× on AlexNet) and **{:.2f}× less "
        "than magnitude pruning's** (target ≥ 1.3×; seed 001: 1.74×). ",
        vs_original, vs_magnitude);
    if (vs_original < 3 || vs_magnitude < 1.3) {
      // What limits it, from the report: the floor (the energy no weight pruning removes), where
      // it is, and how each method's rounds ended.
      const auto& ej = j["methods"]["energy"]["result"];
      const auto& mj = j["methods"]["magnitude"]["result"];
      const double floor_e = ej.value("floor", 0.0), floor_m = mj.value("floor", 0.0);
      const double floor_o = j["original"].value("floor", 0.0);
      double conv_floor = 0;
      const auto& oj = j["original"];
      if (oj.contains("layer_floor"))
        for (std::size_t i = 0; i < oj["layer_floor"].size() && i < 5; ++i)
          conv_floor += oj["layer_floor"][i].get<double>();  // conv1..conv5 of the baseline
      auto rounds = [&](const char* m, bool accepted) {
        int n = 0;
        const auto& h = j["methods"][m]["history"];
        for (std::size_t i = 1; i < h.size(); ++i) n += h[i]["accepted"].get<bool>() == accepted;
        return n;
      };
      if (floor_e > 0 && floor_m > 0 && floor_o > 0) {
        out += fmt::format(
            "A target is missed. What limits it is the **floor**: the energy a network still "
            "needs with every weight pruned away, its activations as measured (erg's estimate, "
            "`floor` in `report.json`). Weight pruning lowers weight traffic and MACs; on Eyeriss "
            "most of a CONV layer's energy is feature-map movement in the RF, the array and the "
            "GLB, which the seed 004 model (and erg's) does not tie to the weights. Here the floor "
            "is {:.3f} of the original's energy ({:.0f} % of it in conv1–conv5), so no weight "
            "pruning can do better than {:.2f}× less than the original, and energy-aware pruning "
            "cannot be more than {:.2f}× below the magnitude-pruned network. Above the floor the "
            "two differ far more: the energy-aware network keeps {:.3f} of the original's energy "
            "above its floor, the magnitude-pruned one {:.3f} — **{:.1f}× less reducible energy "
            "left**. Rounds: magnitude pruning kept {} and had {} rejected, energy-aware pruning "
            "kept {} and had {} rejected (a round is retried twice at half strength, both methods "
            "get 12 attempts); between consecutive rounds fine-tuning moves the test accuracy by "
            "up to ~1 point, the size of the limit itself.",
            floor_o / e0, 100 * conv_floor / floor_o, e0 / floor_o, em / floor_o,
            (ee - floor_e) / e0, (em - floor_m) / e0, (em - floor_m) / (ee - floor_e),
            rounds("magnitude", true), rounds("magnitude", false), rounds("energy", true),
            rounds("energy", false));
      }
    }
    // A variant with twice the fine-tuning, if it was run.
    std::ifstream vin("experiments/results/prune-fmnist-finetune40k/report.json");
    const nlohmann::json v = vin ? nlohmann::json::parse(vin, nullptr, false) : nlohmann::json();
    if (v.is_object() && v.contains("methods") && v["methods"].contains("energy") &&
        v["methods"].contains("magnitude")) {
      const double v0 = v["original"]["energy"].get<double>();
      const double vm = v["methods"]["magnitude"]["result"]["energy"].get<double>();
      const double ve = v["methods"]["energy"]["result"]["energy"].get<double>();
      std::ifstream vt("experiments/results/prune-fmnist-finetune40k/time.txt");
      std::string vs;
      std::getline(vt, vs);
      out += fmt::format(
          "\n\nWith twice the fine-tuning per round (`experiments/prune-fmnist.sh finetune40k "
          "--finetune-images 40000`, {} s; results in `experiments/results/"
          "prune-fmnist-finetune40k/`) both methods go further — magnitude {:.2f}× and "
          "energy-aware {:.2f}× less than the original (top-1 {:.2f} % and {:.2f} %) — and the "
          "ratio between them stays {:.2f}×: both approach the same floor.",
          vs.empty() ? "?" : vs, v0 / vm, v0 / ve,
          100 * v["methods"]["magnitude"]["result"]["accuracy"].get<double>(),
          100 * v["methods"]["energy"]["result"]["accuracy"].get<double>(), vm / ve);
    }
    out += "\n\n";
  }
  return out;
}

// The simulation experiment (experiments/simulate-validation.sh writes it): analytical against
// simulated energy, in total and per layer, against seed 004's −2.5 % / −2.6 %.
std::string simulation_section() {
  const std::string dir = "experiments/results/simulate/";
  std::string out =
      "## Analytical against simulated energy (seed 004 §III-D, §III-E)\n\n"
      "Seed 004: its analytical method (densities only, significance-map coding) was within 3 % "
      "of its simulator (real data, run-length coding): AlexNet −2.5 %, GoogLeNet −2.6 %. erg "
      "simulate runs real images through each model with OpenCV, counts the exact non-skipped "
      "MACs and the exact bits every compressed transfer takes under the mapper's mapping, and "
      "sets them beside `erg estimate`'s analytical result at the densities the same images "
      "produce (docs/simulate.md). Difference = (analytical − simulated) / simulated.\n\n";
  struct Case {
    const char* name;
    const char* label;
    const char* data;
  };
  const Case cases[] = {
      {"fmnist-original", "Fashion-MNIST baseline (trained)", "1,000 test images"},
      {"fmnist-pruned", "Fashion-MNIST, energy-aware pruned", "1,000 test images"},
      {"alexnet", "AlexNet (torchvision, random weights)", "8 photographs"},
      {"googlenet", "GoogLeNet (torchvision, random weights)", "8 photographs"}};
  auto load = [&](const std::string& name) {
    std::ifstream in(dir + name + ".json");
    return in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  };
  auto diff = [](const nlohmann::json& node, const char* key) {
    const double sv = node["simulated"][key].get<double>();
    const double av = node["analytical"][key].get<double>();
    return sv == 0 ? 0.0 : (av - sv) / sv * 100;
  };
  std::ifstream time_in(dir + "time.txt");
  std::string seconds;
  std::getline(time_in, seconds);
  if (seconds.empty())
    return out + "Not run yet: `experiments/simulate-validation.sh` writes `" + dir +
           "`, then `scripts/validation` quotes it here.\n\n";
  out += fmt::format(
      "Command: `experiments/simulate-validation.sh` ({} s on this machine; JSON per run in "
      "`{}`). Eyeriss preset, batch 1, row-stationary. *Same coding*: the simulation codes DRAM "
      "traffic with significance maps, as the arch and the analytical model do; *run-length*: "
      "the simulation codes it run-length (5-bit runs, 16-bit values, as the Eyeriss chip and "
      "seed 004's simulator), the analytical model keeps significance maps.\n\n",
      seconds, dir);
  out +=
      "| network | images | weight density | coding in the simulation | simulated | analytical | "
      "difference | compute | weights | ifmap | ofmap |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  double worst_same = 0;
  for (const Case& c : cases) {
    for (const char* coding : {"arch", "rle"}) {
      const auto j = load(std::string(c.name) + "-" + coding);
      if (!j.is_object() || !j.contains("total")) continue;
      const auto& t = j["total"];
      if (std::string(coding) == "arch")
        worst_same = std::max(worst_same, std::abs(t["difference_pct"].get<double>()));
      out += fmt::format(
          "| {} | {} | {:.2f} | {} | {} | {} | **{:+.2f} %** | {:+.1f} % | {:+.1f} % | {:+.1f} % | "
          "{:+.1f} % |\n",
          c.label, c.data, t["measured_density"]["weights"].get<double>(),
          std::string(coding) == "arch" ? "same (significance map)" : "run-length",
          sci(t["simulated"]["total"].get<double>()), sci(t["analytical"]["total"].get<double>()),
          t["difference_pct"].get<double>(), diff(t, "compute"), diff(t, "weights"),
          diff(t, "ifmap"), diff(t, "ofmap"));
    }
  }
  std::string alexnet_total = "?";
  if (const auto j = load("alexnet-arch"); j.is_object() && j.contains("total"))
    alexnet_total = sci(j["total"]["simulated"]["total"].get<double>());
  out += fmt::format(
      "\nEnergies per image in MAC units; the last four columns are each data type's "
      "difference.\n\nWith the same coding erg's analytical estimate is within **{:.2f} %** of "
      "the simulation for every network. The one term that differs is compute: the analytical "
      "model takes non-skipped MACs as dense MACs × weight density × input density, i.e. zeros "
      "independent of each other and padding counted as data, while the simulation counts the "
      "MACs whose two operands are really non-zero (padding is zero); compute is a few per cent "
      "of the energy, so the total moves by tenths of a per cent. Feature-map and weight bits "
      "agree to 0.00 %: with significance maps every element costs 1 bit plus its bits if "
      "non-zero, so the bits depend only on how often each element moves, and at DRAM — the "
      "only compressed level of the preset — nearly every element moves equally often.\n\n"
      "With run-length coding in the simulation the gap exceeds seed 004's 3 % for the networks "
      "with dense weights, and the term is the **weights**: run-length coding spends a 5-bit "
      "run field on every non-zero value, so a dense 16-bit weight costs 21 bits against the "
      "significance map's 17 (−19 %). The random-weight AlexNet and GoogLeNet here are dense "
      "(density 1.00): no pretrained or pruned weights can be fetched on this machine. Seed "
      "004's Table I does not say which weights it used; its AlexNet total, 4 G in MAC units "
      "against {} here with dense weights, fits a pruned AlexNet, where runs of zeros pay for "
      "the run fields. On the pruned Fashion-MNIST network (weight density 0.08) run-length "
      "coding is the cheaper one and the sign flips. Feature maps (densities 0.4–0.8) cost a "
      "few per cent more under run-length coding.\n\n",
      worst_same, alexnet_total);
  // Per layer, for each network: both codings side by side.
  for (const Case& c : cases) {
    const auto a = load(std::string(c.name) + "-arch"), r = load(std::string(c.name) + "-rle");
    if (!a.is_object() || !r.is_object()) continue;
    out += fmt::format(
        "<details><summary>{} — per layer</summary>\n\n| layer | density w/in/out | non-skipped "
        "MACs simulated | analytical | simulated (same coding) | analytical | difference | "
        "simulated (run-length) | difference |\n| --- | --- | --- | --- | --- | --- | --- | --- | "
        "--- |\n",
        c.label);
    for (std::size_t i = 0; i < a["layers"].size() && i < r["layers"].size(); ++i) {
      const auto& la = a["layers"][i];
      const auto& lr = r["layers"][i];
      out += fmt::format(
          "| {} | {:.2f}/{:.2f}/{:.2f} | {} | {} | {} | {} | {:+.2f} % | {} | {:+.2f} % |\n",
          la["name"].get<std::string>(), la["measured_density"]["weights"].get<double>(),
          la["measured_density"]["ifmap"].get<double>(),
          la["measured_density"]["ofmap"].get<double>(),
          sci(la["nonzero_macs_simulated"].get<double>()), sci(la["nonzero_macs"].get<double>()),
          sci(la["simulated"]["total"].get<double>()), sci(la["analytical"]["total"].get<double>()),
          la["difference_pct"].get<double>(), sci(lr["simulated"]["total"].get<double>()),
          lr["difference_pct"].get<double>());
    }
    out += fmt::format(
        "| total | | {} | {} | {} | {} | {:+.2f} % | {} | {:+.2f} % |\n\n</details>\n\n",
        sci(a["total"]["nonzero_macs_simulated"].get<double>()),
        sci(a["total"]["nonzero_macs"].get<double>()),
        sci(a["total"]["simulated"]["total"].get<double>()),
        sci(a["total"]["analytical"]["total"].get<double>()),
        a["total"]["difference_pct"].get<double>(),
        sci(r["total"]["simulated"]["total"].get<double>()),
        r["total"]["difference_pct"].get<double>());
  }
  return out;
}

int main() {
  const auto start = std::chrono::steady_clock::now();
  std::string out;
  out +=
      "# Validation: erg beside the seeds' published findings\n\n"
      "Generated by `scripts/validation` (`build/erg_validation > docs/validation.md`); do not "
      "edit "
      "by hand. Setup unless stated: the `eyeriss` preset (ISSCC 2016 chip: 12×14 PEs, 108 KB GLB, "
      "split scratchpads, significance-map DRAM coding), 16-bit weights and activations, AlexNet's "
      "published input-activation densities (reference §1; other networks are dense: no published "
      "densities), dense weights, the row-stationary dataflow with the mapper's optimal mapping "
      "for "
      "energy (docs/mapper.md). Energies are in units of one 16-bit MAC and **per image**. The "
      "published figures are from reference §6 (seed 004 §V-A) and §4 (seed 003).\n\n"
      "The same findings are asserted by `tests/findings/seed_findings_test.cpp` at batch 16.\n\n";

  // --- Batch: why the per-image figures need it.
  const std::vector<std::int64_t> batches = {1, 4, 16};
  std::vector<Split> alex, squeeze, goog;
  for (std::int64_t b : batches) {
    alex.push_back(run("alexnet", b));
    squeeze.push_back(run("squeezenet", b));
    goog.push_back(run("googlenet", b));
  }
  const Split& a1 = alex[0];
  const double fc_w = static_cast<double>(a1.fc_weights);
  out += "## Which batch the published figures imply\n\n";
  out += fmt::format(
      "At batch 1 each FC weight is used by exactly one MAC per image, so however it is mapped it "
      "is fetched from DRAM once per image: {} FC weights × 200 × 17/16 (significance map) = {} — "
      "already more than the published {} for the whole of AlexNet. The published split (FC 28 % "
      "of 3.97e9) leaves {:.1f} units per FC weight per image, so the published figures amortise "
      "each weight fetch over at least {:.0f} images. erg therefore states results at batch 1, 4 "
      "and 16 (16 is the smallest batch of reference §4's sweep that satisfies this) and the tests "
      "assert the findings at 16. Nothing else is adjusted.\n\n",
      a1.fc_weights, sci(fc_w * 200.0 * 17.0 / 16.0), "3.97e9", 0.28 * 3.97e9 / fc_w,
      200.0 * 17.0 / 16.0 / (0.28 * 3.97e9 / fc_w));

  // --- AlexNet CONV vs FC.
  out += "## AlexNet: CONV layers cost more than FC layers, though FC holds the weights\n\n";
  out += "| | published | erg batch 1 | erg batch 4 | erg batch 16 |\n|---|---|---|---|---|\n";
  auto row = [&](const std::string& label, const std::string& pub, auto f,
                 const std::vector<Split>& v) {
    std::string r = "| " + label + " | " + pub + " |";
    for (const Split& s : v) r += " " + f(s) + " |";
    out += r + "\n";
  };
  // Totals are per batch; divide by the batch for per-image figures.
  {
    std::string r = "| total energy per image | 3.97e9 |";
    for (std::size_t i = 0; i < batches.size(); ++i)
      r += " " + sci(alex[i].total / static_cast<double>(batches[i])) + " |";
    out += r + "\n";
  }
  row(
      "CONV share of energy", "72 %", [&](const Split& s) { return pct(s.conv, s.total); }, alex);
  row(
      "FC share of energy", "28 %", [&](const Split& s) { return pct(s.fc, s.total); }, alex);
  row(
      "FC share of weights", "96 %",
      [&](const Split& s) {
        return pct(static_cast<double>(s.fc_weights),
                   static_cast<double>(s.fc_weights + s.conv_weights));
      },
      alex);
  out += fmt::format(
      "\nThe finding (CONV > FC) holds from batch 4 (barely) and clearly at 16; at batch 1 it is "
      "reversed, for the reason above. erg's per-image total at batch 16 is {:.0f} % of the "
      "published 3.97e9. Remaining differences: the published tool's mappings, per-access costs "
      "and FC batching are not fully documented; erg's CONV energy is dominated by RF accesses "
      "(four per MAC under RS) and ofmap partial sums.\n\n",
      100.0 * alex[2].total / 16.0 / 3.97e9);

  // --- GoogLeNet.
  out += "## GoogLeNet: data movement dominates; feature maps cost more than weights\n\n";
  out += "| | published | erg batch 1 | erg batch 4 | erg batch 16 |\n|---|---|---|---|---|\n";
  {
    std::string r = "| total energy per image | 7.63e9 |";
    for (std::size_t i = 0; i < batches.size(); ++i)
      r += " " + sci(goog[i].total / static_cast<double>(batches[i])) + " |";
    out += r + "\n";
  }
  row(
      "computation", "10 %", [&](const Split& s) { return pct(s.compute, s.total); }, goog);
  row(
      "data movement", "90 %", [&](const Split& s) { return pct(s.total - s.compute, s.total); },
      goog);
  row(
      "ofmaps", "43 %", [&](const Split& s) { return pct(s.ofmap, s.total); }, goog);
  row(
      "ifmaps", "25 %", [&](const Split& s) { return pct(s.ifmap, s.total); }, goog);
  row(
      "weights", "22 %", [&](const Split& s) { return pct(s.weights, s.total); }, goog);
  out +=
      "\nThe finding holds at every batch: computation is a small share and feature maps (ifmaps "
      "+ ofmaps) cost more than weights. erg's computation share is higher than the published 10 % "
      "because erg's GoogLeNet is dense (no published activation densities): every MAC is "
      "executed, while the published estimate skips MACs on zero activations.\n\n";

  // --- SqueezeNet vs AlexNet.
  out += "## SqueezeNet 1.0 costs more than AlexNet with ~50× fewer weights\n\n";
  out += "| | published | erg batch 1 | erg batch 4 | erg batch 16 |\n|---|---|---|---|---|\n";
  {
    std::string r = "| SqueezeNet / AlexNet energy | > 1 |";
    for (std::size_t i = 0; i < batches.size(); ++i)
      r += fmt::format(" {:.2f} |", squeeze[i].total / alex[i].total);
    out += r + "\n";
    r = "| AlexNet / SqueezeNet weights | 51.8× |";
    for (std::size_t i = 0; i < batches.size(); ++i)
      r += fmt::format(" {:.1f}× |",
                       static_cast<double>(alex[i].fc_weights + alex[i].conv_weights) /
                           static_cast<double>(squeeze[i].fc_weights + squeeze[i].conv_weights));
    out += r + "\n";
  }
  out +=
      "\nThe finding holds at batch 16, not at batch 1 or 4: there AlexNet's FC weight fetches "
      "dominate its energy (first section). SqueezeNet's activations are dense in erg's zoo, "
      "which overstates its energy somewhat relative to AlexNet's sparse activations.\n\n";

  // --- Dataflow comparison.
  out += "## Dataflows: RS against WS, OS and NLR (reference §4)\n\n";
  Network conv = zoo_network("alexnet").value();
  std::erase_if(conv.layers, [](const Layer& l) { return is_fc(l); });
  const Arch base = load_arch("eyeriss-isca16").value();
  CompareOptions co;
  co.pes = 256;
  co.batch = 16;
  co.equal_area = true;
  auto cmp = compare_dataflows(conv, base, co);
  if (!cmp) {
    std::cerr << "erg_validation: compare: " << cmp.error().message << "\n";
    return 1;
  }
  out +=
      "`erg compare-dataflows alexnet --pes 256 --batch 16 --equal-area` (dense, uncompressed, as "
      "reference §4), CONV layers: energy "
      "of each dataflow relative to RS (published: every other dataflow 1.4–2.5× RS).\n\n| layer |";
  for (Dataflow df : cmp->dataflows) out += fmt::format(" {} |", dataflow_name(df));
  out += "\n|---|";
  for (std::size_t k = 0; k < cmp->dataflows.size(); ++k) out += "---|";
  out += "\n";
  auto cmp_row = [&](const std::string& name, const std::vector<DataflowFigures>& f) {
    out += "| " + name + " |";
    for (const DataflowFigures& x : f) out += fmt::format(" {:.2f} |", x.energy / f[0].energy);
    out += "\n";
  };
  for (std::size_t i = 0; i < cmp->layers.size(); ++i) cmp_row(cmp->layer_names[i], cmp->layers[i]);
  cmp_row("CONV total", cmp->total);
  out += "\nEnergy per MAC (RS): ";
  for (std::size_t i = 0; i < cmp->layers.size(); ++i)
    out += fmt::format("{}{} {:.2f}", i ? ", " : "", cmp->layer_names[i],
                       cmp->layers[i][0].energy_per_mac());
  // Which dataflows RS beats on every CONV layer, from the figures above.
  std::string beaten, not_beaten;
  for (std::size_t k = 1; k < cmp->dataflows.size(); ++k) {
    bool all = true;
    for (const auto& f : cmp->layers) all = all && f[0].energy < f[k].energy;
    std::string& list = all ? beaten : not_beaten;
    list += (list.empty() ? "" : ", ") + std::string(dataflow_name(cmp->dataflows[k]));
  }
  const std::string beats =
      beaten.empty() ? "RS does not have the least energy against any dataflow on every CONV layer"
                     : "RS has less energy than " + beaten + " on every CONV layer";
  const std::string misses = not_beaten.empty()
                                 ? "it beats every dataflow on every layer"
                                 : "it does not beat " + not_beaten + " on every layer";
  out += fmt::format(
      ".\n\n{}; {}. "
      "The published result has RS lowest by 1.4–2.5×. docs/compare.md takes the gap apart term "
      "by term: erg charges a word multicast from the buffer to many PEs as one buffer read, with "
      "no array (NoC) energy per receiving PE and no RF access for an operand the PE does not "
      "keep, so dataflows that stream MAC operands from the buffer avoid most of the four RF "
      "accesses per MAC that RS pays. Charging each delivery to a PE the array cost, as the ISCA "
      "2016 analysis does, puts RS lowest on every CONV layer (docs/compare.md §7); that model "
      "change is tracked as its own piece of work, not tuned here.\n\n",
      beats, misses);
  out += pruning_section();
  out += simulation_section();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out += fmt::format("_Generated in {:.0f} s._\n", secs);
  std::cout << out;
  return 0;
}
