// Magnitude and energy-aware pruning (erg/prune/pruning.h).
#include "erg/prune/pruning.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "erg/estimate.h"

namespace erg::prune {

namespace {

namespace F = torch::nn::functional;

// The layer's weight as G × (M/G) × k.
at::Tensor grouped(const at::Tensor& w, std::int64_t groups) {
  return w.reshape({groups, w.size(0) / groups, -1});
}

// Rows (N·L) × (C·R·S) of a CONV layer's input patches, in the weight's (c, r, s) order.
at::Tensor patches(const Layer& l, const at::Tensor& x) {
  const LayerSpec& s = l.spec();
  const at::Tensor padded =
      F::pad(x, F::PadFuncOptions({s.pad_left, s.pad_right, s.pad_top, s.pad_bottom}));
  const at::Tensor u = F::unfold(padded, F::UnfoldFuncOptions({s.filter_h, s.filter_w})
                                             .dilation({s.dilation_h, s.dilation_w})
                                             .stride({s.stride_h, s.stride_w}));  // N × K × L
  return u.transpose(1, 2).reshape({-1, u.size(1)});
}

Result<Snapshot> measure_impl(const TrainableNet& net, const Dataset& test, const Arch& arch,
                              const PruneOptions& o, const std::string& label) {
  Snapshot s;
  s.label = label;
  auto acc = evaluate(net, test);
  if (!acc) return acc.error();
  s.accuracy = *acc;
  auto dens = measure_densities(net, test, o.density_images);
  if (!dens) return dens.error();
  s.densities = *dens;
  auto erg_net = to_erg_network(net, *dens);
  if (!erg_net) return erg_net.error();
  for (std::size_t i = 0; i < net.num_layers(); ++i) {
    const at::Tensor m = net.mask(i);
    s.nonzero_weights += static_cast<std::uint64_t>(m.sum().item<double>());
    s.weights += static_cast<std::uint64_t>(m.numel());
  }
  for (const Layer& l : erg_net->layers) {
    s.nonzero_macs += l.nonzero_macs();
    s.macs += l.macs();
  }
  EstimateOptions eo;
  auto est = estimate_network(*erg_net, arch, eo);
  if (!est) return est.error();
  for (const LayerResult& r : est->layers) {
    s.layer_energy.push_back(r.eval.energy.total());
    s.energy += s.layer_energy.back();
  }
  // The floor: the same network and activation densities with no weight left.
  Network empty = *erg_net;
  for (Layer& l : empty.layers) l.format(Tensor::Weights).density = 0;
  auto floor = estimate_network(empty, arch, eo);
  if (!floor) return floor.error();
  for (const LayerResult& r : floor->layers) {
    s.layer_floor.push_back(r.eval.energy.total());
    s.floor += s.layer_floor.back();
  }
  return s;
}

void report(const PruneOptions& o, const std::string& stage, double fraction) {
  if (o.progress) o.progress(stage, fraction);
}

}  // namespace

Result<Snapshot> measure(const TrainableNet& net, const Dataset& test, const Arch& arch,
                         const PruneOptions& options, const std::string& label) {
  try {
    return measure_impl(net, test, arch, options, label);
  } catch (const c10::Error& e) {
    return make_error(std::string("measuring the network failed: ") + e.what_without_backtrace());
  }
}

Result<LayerProblem> layer_problem(const TrainableNet& current, const TrainableNet& reference,
                                   std::size_t layer, const at::Tensor& images,
                                   std::int64_t max_samples, std::uint64_t seed) {
  try {
    torch::NoGradGuard no_grad;
    auto xc = layer_inputs(current, layer, images);
    if (!xc) return xc.error();
    auto xr = layer_inputs(reference, layer, images);
    if (!xr) return xr.error();
    const Layer& l = current.network().layers.at(layer);
    const std::int64_t groups = l.spec().groups;
    at::Tensor rows_c, rows_r;
    if (l.type() == LayerType::FC) {
      rows_c = xc->reshape({xc->size(0), -1});
      rows_r = xr->reshape({xr->size(0), -1});
    } else {
      rows_c = patches(l, *xc);
      rows_r = patches(l, *xr);
    }
    if (rows_c.size(0) > max_samples) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      const at::Tensor pick =
          torch::randperm(rows_c.size(0), gen, torch::TensorOptions().dtype(torch::kLong))
              .slice(0, 0, max_samples);
      rows_c = rows_c.index_select(0, pick);
      rows_r = rows_r.index_select(0, pick);
    }
    const std::int64_t k = rows_c.size(1) / groups;
    const at::Tensor wr = grouped(reference.weight(layer) * reference.mask(layer), groups);
    LayerProblem p;
    p.x = rows_c.reshape({rows_c.size(0), groups, k}).transpose(0, 1).contiguous();
    const at::Tensor xr_g = rows_r.reshape({rows_r.size(0), groups, k}).transpose(0, 1);
    p.y = torch::bmm(xr_g, wr.transpose(1, 2));  // reference outputs minus bias
    p.w = grouped(current.weight(layer), groups).clone();
    p.mask = grouped(current.mask(layer), groups).clone();
    return p;
  } catch (const c10::Error& e) {
    return make_error(std::string("building a layer's least-squares problem failed: ") +
                      e.what_without_backtrace());
  }
}

namespace {

Status finetune(TrainableNet& net, const Dataset& train_set, const PruneOptions& o,
                const std::string& stage) {
  TrainOptions t = o.finetune;
  t.progress = [&](int epoch, std::int64_t batch, std::int64_t batches, double) {
    report(o, stage, (epoch + static_cast<double>(batch + 1) / batches) / t.epochs);
  };
  auto r = train(net, train_set, t);
  if (!r) return r.error();
  return Ok{};
}

// Runs rounds of `step` (which prunes `net` in place at a given strength) + fine-tuning, keeping
// the last network whose accuracy drop is within the target. A round whose network drops too much
// is retried from the same network at half the strength, up to `retries_per_round` times; then
// the method stops. An accepted round keeps its strength. Strength 1 is the round's full step;
// the method maps it to its own knob.

template <class Step>
Result<PruneRun> run_rounds(const char* method, const TrainableNet& original,
                            const Dataset& train_set, const Dataset& test, const Arch& arch,
                            const PruneOptions& o, Step step) {
  PruneRun run{method, {}, {}, {}, original.clone()};
  auto base = measure(original, test, arch, o, "original");
  if (!base) return base.error();
  run.history.push_back(*base);
  run.accepted.push_back(true);
  run.result = *base;
  TrainableNet current = original.clone();
  double strength = 1.0;
  int accepted = 0, retries = 0;
  for (int round = 1; round <= o.max_rounds; ++round) {
    TrainableNet candidate = current.clone();
    const std::string stage =
        strength < 1 ? fmt::format("{} round {} (strength {:g})", method, round, strength)
                     : fmt::format("{} round {}", method, round);
    auto changed = step(candidate, accepted, strength, stage);
    if (!changed) return changed.error();
    if (!*changed) break;  // nothing left to prune
    if (auto st = finetune(candidate, train_set, o, stage + ": fine-tuning"); !st)
      return st.error();
    auto snap = measure(candidate, test, arch, o, stage);
    if (!snap) return snap.error();
    const bool ok = base->accuracy - snap->accuracy <= o.max_drop;
    run.history.push_back(*snap);
    run.accepted.push_back(ok);
    if (!ok) {
      if (++retries > o.retries_per_round) break;
      strength /= 2;
      continue;
    }
    retries = 0;
    ++accepted;
    run.result = *snap;
    current = std::move(candidate);
  }
  run.net = std::move(current);
  return run;
}

}  // namespace

Result<PruneRun> prune_magnitude(const TrainableNet& original, const Dataset& train_set,
                                 const Dataset& test, const Arch& arch, const PruneOptions& o) {
  try {
    return run_rounds(
        "magnitude", original, train_set, test, arch, o,
        [&](TrainableNet& net, int, double strength, const std::string&) -> Result<bool> {
          torch::NoGradGuard no_grad;
          bool changed = false;
          for (std::size_t i = 0; i < net.num_layers(); ++i) {
            const at::Tensor before = net.mask(i);
            // Strength 1 keeps magnitude_keep of what is left; lower strengths remove less.
            const double keep = 1 - (1 - o.magnitude_keep) * strength;
            const at::Tensor m = magnitude_mask(net.weight(i), before, keep);
            changed = changed || m.sum().item<double>() < before.sum().item<double>();
            if (auto st = net.set_mask(i, m); !st) return st.error();
          }
          return changed;
        });
  } catch (const c10::Error& e) {
    return make_error(std::string("magnitude pruning failed: ") + e.what_without_backtrace());
  }
}

Result<PruneRun> prune_energy_aware(const TrainableNet& original, const Dataset& train_set,
                                    const Dataset& test, const Arch& arch, const PruneOptions& o) {
  try {
    const at::Tensor images = head(train_set, o.sample_images).images;
    return run_rounds(
        "energy", original, train_set, test, arch, o,
        [&](TrainableNet& net, int accepted, double strength,
            const std::string& stage) -> Result<bool> {
          // 1. Energy per layer of the network as it is now.
          auto snap = measure(net, test, arch, o, stage);
          if (!snap) return snap.error();
          std::vector<std::size_t> order(net.num_layers());
          std::iota(order.begin(), order.end(), 0);
          std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return snap->layer_energy[a] > snap->layer_energy[b];
          });
          // 2. Least-squares pruning, layer by layer, highest energy first, preserving the
          //    original network's outputs.
          // The tolerance grows with every accepted round and shrinks with the strength; each
          // layer's share follows the energy pruning can still remove from it.
          const double tolerance =
              o.refit.tolerance * std::pow(o.tolerance_growth, accepted) * strength;
          double most = 0;
          for (std::size_t i = 0; i < order.size(); ++i)
            most = std::max(most, snap->layer_energy[i] - snap->layer_floor[i]);
          bool changed = false;
          for (std::size_t n = 0; n < order.size(); ++n) {
            const std::size_t i = order[n];
            const double reducible = std::max(0.0, snap->layer_energy[i] - snap->layer_floor[i]);
            RefitOptions ro = o.refit;
            ro.tolerance = most > 0
                               ? tolerance * std::pow(reducible / most, o.energy_weight_exponent)
                               : tolerance;
            if (ro.tolerance <= 0) continue;
            report(o, stage + ": pruning " + net.network().layers[i].name(),
                   static_cast<double>(n) / order.size());
            auto p = layer_problem(net, original, i, images, o.samples_per_layer, o.seed + i);
            if (!p) return p.error();
            auto r = prune_layer_least_squares(*p, ro);
            if (!r) return r.error();
            torch::NoGradGuard no_grad;
            const at::Tensor w = r->w.reshape(net.weight(i).sizes()).to(torch::kFloat32);
            const at::Tensor m = r->mask.reshape(net.weight(i).sizes()).to(torch::kFloat32);
            changed = changed || m.sum().item<double>() < net.mask(i).sum().item<double>();
            if (auto st = net.set_mask(i, m); !st) return st.error();
            if (auto st = net.set_weight(i, w); !st) return st.error();
          }
          return changed;
        });
  } catch (const c10::Error& e) {
    return make_error(std::string("energy-aware pruning failed: ") + e.what_without_backtrace());
  }
}

}  // namespace erg::prune
