// erg/prune/pruning.h — magnitude pruning and energy-aware pruning of a trainable network, with
// erg's estimator in the loop (seeds 000, 001, 004; reference §7). docs/prune.md has the rules.
//
// Magnitude pruning (the baseline, Han et al. 2015): rounds of "every layer keeps the largest
// |w| of what it still has (the same fraction in every layer, i.e. a per-layer threshold), then
// retrain with the masks fixed", while the accuracy drop stays within the target.
//
// Energy-aware pruning (Yang, Chen, Sze, CVPR 2017): rounds of
//   1. estimate every layer's energy with erg (measured weight and activation densities, the
//      chosen architecture, energy-optimal mappings) and order the layers by energy, highest first;
//   2. in that order, prune each layer by least squares (erg/prune/refit.h): weights go by their
//      joint effect on the layer's output over sampled images, the rest are refitted in closed
//      form, and the layer's output error stays within the round's tolerance;
//   3. fine-tune the whole network with the masks fixed;
// while the accuracy drop stays within the target; each accepted round raises the tolerance.
// The tolerance of a layer is weighted by the energy pruning can still remove from it (its energy
// minus its floor, below), relative to the layer with the most: layers whose energy is feature-map
// movement that weight pruning cannot touch spend little of the accuracy budget.
// A round whose network drops more than the target is retried from the same network at half the
// strength (half the tolerance; for magnitude pruning, half the fraction removed), up to
// `retries_per_round` times; an accepted round keeps its strength for the next. Both methods get
// the same budget of rounds (accepted or not).
// Every intermediate network of both methods is recorded (accuracy, energy) for the plot.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/prune/refit.h"
#include "erg/prune/trainable.h"

namespace erg::prune {

// One network along the way.
struct Snapshot {
  std::string label;    // "original", "magnitude round 3", "energy round 2", ...
  double accuracy = 0;  // top-1 on the test set, in [0, 1]
  std::uint64_t nonzero_weights = 0;
  std::uint64_t weights = 0;
  double nonzero_macs = 0;  // Σ layers: dense MACs × weight density × input density
  std::uint64_t macs = 0;
  double energy = 0;                 // erg's estimate, in units of one MAC's energy
  std::vector<double> layer_energy;  // per layer, same unit
  // The energy the network would still need with every weight pruned away (same activation
  // densities): what no weight pruning can remove. Per layer and in all.
  std::vector<double> layer_floor;
  double floor = 0;
  std::vector<LayerDensity> densities;
};

struct PruneOptions {
  double max_drop = 0.01;            // largest accuracy drop accepted (fraction: 0.01 = 1 point)
  std::int64_t sample_images = 256;  // images whose activations feed the refits
  std::int64_t samples_per_layer = 8192;  // rows of each layer's least-squares problem (positions)
  std::int64_t density_images = 1000;     // images over which activation densities are measured
  TrainOptions finetune;                  // retraining after each round (masks fixed)
  int max_rounds = 12;                    // rounds per method, accepted or not
  int retries_per_round = 2;              // rejected attempts of one round before the method stops
  // Energy-aware pruning: tolerance of layer i = tolerance × (reducible_i / max reducible)^this.
  double energy_weight_exponent = 0.5;
  // Magnitude pruning: each round keeps this fraction of what every layer still has.
  double magnitude_keep = 0.7;
  // Energy-aware pruning: the first round's output-error tolerance and its growth per round.
  RefitOptions refit;
  double tolerance_growth = 1.6;
  std::uint64_t seed = 1;
  // Stage name and fraction done, for a progress line.
  std::function<void(const std::string& stage, double fraction)> progress;
};

// The test accuracy, counts and erg's energy estimate of a network.
Result<Snapshot> measure(const TrainableNet& net, const Dataset& test, const Arch& arch,
                         const PruneOptions& options, const std::string& label);

struct PruneRun {
  std::string method;             // "magnitude" or "energy"
  std::vector<Snapshot> history;  // the original, then every round (accepted or not)
  std::vector<bool> accepted;     // per history entry
  Snapshot result;                // the last accepted network (the original if none was)
  TrainableNet net;               // that network
};

// Both start from a copy of `original` (which is not changed).
Result<PruneRun> prune_magnitude(const TrainableNet& original, const Dataset& train,
                                 const Dataset& test, const Arch& arch,
                                 const PruneOptions& options);
Result<PruneRun> prune_energy_aware(const TrainableNet& original, const Dataset& train,
                                    const Dataset& test, const Arch& arch,
                                    const PruneOptions& options);

// The least-squares problem of one layer: inputs from `current`, targets (minus bias) from
// `reference` on the same images and sampled positions (erg/prune/refit.h).
Result<LayerProblem> layer_problem(const TrainableNet& current, const TrainableNet& reference,
                                   std::size_t layer, const at::Tensor& images,
                                   std::int64_t max_samples, std::uint64_t seed);

}  // namespace erg::prune
