// erg/prune/refit.h — pruning one layer so that its output feature map is preserved (seed 001,
// reference §7: "input and output preservation").
//
// A layer's output is linear in its weights: over sampled output positions, each filter m computes
// y_m = X w_m + b_m, where X holds the samples' input patches (im2col, one row per output position
// and image; per group for grouped layers) and w_m the filter's k weights. Given the targets Y
// (the unpruned network's outputs at the same positions), pruning keeps for each filter a support
// S_m and refits w_m on it by closed-form least squares:
//     w_m[S_m] = (X_Sᵀ X_S + λI)⁻¹ X_Sᵀ (y_m − b_m),    w_m elsewhere = 0.
// Which weights go is decided by their joint effect on the output: with H_m = X_Sᵀ X_S + λI, taking
// weight j out of filter m and refitting the others raises that filter's squared error by
// exactly w_mj² / [H_m⁻¹]_jj (the classical backward-elimination step of least squares). Each
// round removes, across the whole layer, the `step` fraction of remaining weights with the
// smallest such increase, then refits every filter on its new support. Rounds go on while the
// layer's relative output error ‖Y − Ŷ‖² / ‖Y − mean‖² stays within the tolerance of the error
// before pruning (the refit on the current support: a layer whose inputs come from an already
// pruned network starts with an error of its own); the last round that does is kept.
//
// Magnitude selection (the baseline: keep the largest |w|, no refit) is provided for comparison.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "erg/error.h"

namespace erg::prune {

// The least-squares problem of one layer, per group g: X[g] is samples × k, Y[g] is samples × M/G
// (targets minus bias), W[g] the current weights M/G × k and mask[g] their mask.
struct LayerProblem {
  at::Tensor x;     // G × samples × k
  at::Tensor y;     // G × samples × (M/G)
  at::Tensor w;     // G × (M/G) × k
  at::Tensor mask;  // G × (M/G) × k, 0/1
};

struct RefitOptions {
  double tolerance = 0.05;  // largest relative output error added by the pruning
  double step = 0.2;        // fraction of the remaining weights removed per round
  double ridge = 1e-4;      // λ, relative to the mean diagonal of XᵀX
  double min_density = 0.01;
  int max_rounds = 60;
};

struct RefitResult {
  at::Tensor w;      // G × (M/G) × k, zero outside the mask
  at::Tensor mask;   // G × (M/G) × k
  double error = 0;  // relative output error of the kept solution
  double density = 1;
  int rounds = 0;  // rounds accepted
};

// The relative output error ‖Y − X Wᵀ‖² / ‖Y − mean(Y)‖² of weights W on a problem.
double relative_error(const LayerProblem& p, const at::Tensor& w);

// Closed-form least-squares refit of every filter on its mask's support.
at::Tensor refit(const LayerProblem& p, const at::Tensor& mask, double ridge = 1e-4);

// Removes weights by their joint effect on the output, refitting after each round, while the
// error stays within options.tolerance (see the file comment).
Result<RefitResult> prune_layer_least_squares(const LayerProblem& p, const RefitOptions& options);

// The mask keeping the `density` fraction of the layer's currently unmasked weights with the
// largest magnitude (ties: lower index first).
at::Tensor magnitude_mask(const at::Tensor& w, const at::Tensor& mask, double density);

}  // namespace erg::prune
