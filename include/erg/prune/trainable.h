// erg/prune/trainable.h — an erg network as a trainable libtorch model (CPU), with masks.
//
// TrainableNet::build turns every layer of an erg::Network (conv, depthwise, fc) into a weight
// tensor (the layer's shape: M × C/G × R × S for CONV, M × C·H·W for FC) and a bias (M), and
// inserts between consecutive layers what the shapes imply:
//   - a ReLU after every layer but the last;
//   - where the next layer's ifmap is smaller than this layer's ofmap, a max pooling that produces
//     exactly the next ifmap: per dimension the smallest integer window k and stride s that fit
//     (non-overlapping ones first, e.g. 2×2/2; then s < k ≤ 2s, like AlexNet's 3×3/2), else
//     adaptive max pooling;
//   - a flatten before the first FC layer (an FC layer reads C × H × W, or C·H·W × 1 × 1 as ONNX
//     imports write it).
// Layers it cannot build this way (matmul layers, channel counts that do not chain, an ifmap
// larger than the previous ofmap, CONV after FC) are errors naming the layer.
//
// Each layer has a mask (a 0/1 float tensor shaped like its weight). Masks start at all ones;
// training multiplies the gradients by the masks and reapplies them after every optimiser step, so
// a pruned weight stays exactly zero. Rules and measured speeds: docs/prune.md.
//
// Exceptions: libtorch reports errors by throwing c10::Error; every function here catches them
// and returns an erg::Error.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/idx.h"
#include "erg/network.h"

namespace erg::prune {

// Images as the networks read them: float N × 1 × rows × cols, pixel / 255 (so background pixels
// stay zeros and the first layer's input density is the images' own), and int64 labels (N).
struct Dataset {
  at::Tensor images;
  at::Tensor labels;
  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
};
Dataset to_dataset(const LabelledImages& data);
// The first `n` items (all when n ≥ size).
Dataset head(const Dataset& data, std::int64_t n);

// What follows a layer in the forward pass.
struct PoolSpec {
  bool adaptive = false;                    // adaptive max pooling to (out_h, out_w)
  std::int64_t kernel_h = 1, kernel_w = 1;  // otherwise max pooling kernel/stride (1×1/1 = none)
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t out_h = 1, out_w = 1;  // the pooled size (= the next layer's ifmap)
  bool none() const { return !adaptive && kernel_h == 1 && kernel_w == 1; }
};

struct LayerPlan {
  bool relu = true;      // false for the last layer
  PoolSpec pool;         // after the ReLU
  bool flatten = false;  // an FC layer after a CONV layer (or first): its input is flattened
};

// Copies share the model (a handle, like a tensor); clone() makes an independent one.
class TrainableNet {
 public:
  // Builds the model and initialises its weights (He-normal for weights, zero biases) from `seed`.
  static Result<TrainableNet> build(const Network& net, std::uint64_t seed = 1);

  // A deep copy: its own weights, biases and masks (e.g. the baseline kept while pruning a copy).
  TrainableNet clone() const;

  // The network it was built from (shapes; densities as given).
  const Network& network() const;
  std::size_t num_layers() const;
  const LayerPlan& plan(std::size_t layer) const;
  // Number of classes: the last layer's M × P × Q.
  std::int64_t num_outputs() const;

  // The layer's parameters (they share storage with the model: in-place changes, under
  // at::NoGradGuard, change the model). Weight shapes: M × C/G × R × S (conv, depthwise),
  // M × C·H·W (fc).
  at::Tensor weight(std::size_t layer) const;
  at::Tensor bias(std::size_t layer) const;
  at::Tensor mask(std::size_t layer) const;
  // Sets a mask (shape of the weight, values 0 or 1) and applies it to the weight at once.
  Status set_mask(std::size_t layer, const at::Tensor& mask);
  // Replaces a layer's weight (and bias, when defined) by values of the same shape, then applies
  // the layer's mask (e.g. after a least-squares refit).
  Status set_weight(std::size_t layer, const at::Tensor& weight, const at::Tensor& bias = {});
  // weight ← weight × mask for every layer.
  void apply_masks();
  // All weights and biases (the optimiser's parameters).
  std::vector<at::Tensor> parameters() const;

  // Observes a forward pass: for every layer, its input (what it reads: after the previous
  // layer's ReLU, pooling and the flatten) and its output (the ofmap it writes, after its ReLU,
  // before pooling; the raw logits for the last layer).
  using Observer =
      std::function<void(std::size_t layer, const at::Tensor& input, const at::Tensor& output)>;
  // Logits N × num_outputs(). Throws c10::Error on a mismatching input (use the free functions).
  at::Tensor forward(const at::Tensor& images, const Observer& observer = {}) const;

  struct Impl;

 private:
  explicit TrainableNet(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

enum class Optimizer { SGD, Adam };

struct EpochStats {
  double loss = 0;            // mean training loss
  double train_accuracy = 0;  // top-1 on the training batches, as they were trained
  double seconds = 0;         // wall-clock time of the epoch's training
};

struct TrainOptions {
  int epochs = 1;
  std::int64_t batch = 64;
  double lr = 0.01;
  Optimizer optimizer = Optimizer::SGD;
  double momentum = 0.9;  // SGD only
  double weight_decay = 0.0;
  std::uint64_t seed = 1;                  // the shuffle of every epoch (and torch::manual_seed)
  std::optional<std::int64_t> max_images;  // train on the first K images only
  // at::set_num_threads (process-wide). 1 by default: on a shared 2-core machine, libtorch's two
  // OpenMP threads ran 3.7× slower than one while another process held a core (docs/prune.md).
  int threads = 1;
  // Called after every batch: epoch (0-based), batch index, batches per epoch, the batch's loss.
  std::function<void(int epoch, std::int64_t batch, std::int64_t batches, double loss)> progress;
  // Called after every epoch with its statistics (e.g. to evaluate on a test set).
  std::function<void(int epoch, const EpochStats& stats)> epoch_end;
};

// Trains with cross-entropy on the logits; the images are visited in a seeded shuffle (the same
// order for the same seed, single-threaded). Masks are kept (see above).
Result<std::vector<EpochStats>> train(TrainableNet& net, const Dataset& data,
                                      const TrainOptions& options);

// Top-1 accuracy in [0, 1].
Result<double> evaluate(const TrainableNet& net, const Dataset& data, std::int64_t batch = 500);

// Measured densities (fractions of non-zero values) of one layer.
struct LayerDensity {
  double weights = 1;  // non-zero masked weights / all weights
  double inputs = 1;   // the ifmap the layer reads (after the previous ReLU and pooling)
  double outputs = 1;  // the ofmap the layer writes, after its ReLU (before pooling)
};

// Over the first `images` items of `data` (all when larger).
Result<std::vector<LayerDensity>> measure_densities(const TrainableNet& net, const Dataset& data,
                                                    std::int64_t images, std::int64_t batch = 500);

// The network's layers with these densities (weights, inputs, outputs), for the estimator.
Result<Network> to_erg_network(const TrainableNet& net, const std::vector<LayerDensity>& densities);

// The input batch of one layer for `images` (N × C × H × W for CONV, N × C·H·W for FC), computed
// without gradients: e.g. the samples of a least-squares refit.
Result<at::Tensor> layer_inputs(const TrainableNet& net, std::size_t layer,
                                const at::Tensor& images);

// Fraction of non-zero values in a tensor (0 for an empty one).
double density(const at::Tensor& t);

// at::set_num_threads for everything that follows (train() sets its own `threads`); libtorch's
// default is one thread per core, which is slow on a busy machine (docs/prune.md).
void set_threads(int threads);

// The baseline of the pruning experiments: a small AlexNet for 1 × 28 × 28 images and 10 classes
// (five CONV and three FC layers; docs/prune.md).
Network fmnist_alexnet();

}  // namespace erg::prune
