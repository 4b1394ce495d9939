// erg/onnx_runner.h — runs an imported ONNX model on real inputs with OpenCV's dnn module and
// keeps, for every erg layer, its real weights and the activations it reads and writes
// (erg/simulate.h's LayerData).
//
// OpenCV is handed the model after erg's clean-up (OnnxImport::model: Identity views of
// initializers removed, shape arithmetic folded), from memory, with layer fusion off so that every
// tensor a layer reads stays observable. A layer's input is the tensor its node reads; its output
// is what the node writes after the BatchNormalization and activation (Relu, LeakyRelu, Clip)
// nodes that follow it as sole consumers — what an accelerator that folds them writes to memory.
// Data are laid out as erg's tensors: Gemm's transposes and MatMul's (rows, K) operands are
// reordered. ConvTranspose layers and MatMul of two activations are not simulated (errors naming
// the layer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/image_input.h"
#include "erg/onnx_import.h"
#include "erg/simulate.h"

namespace erg {

// Fills every floating-point initializer that holds no data (a shape-only model) from a seeded
// generator: He initialisation (normal, standard deviation √(2 / fan-in), fan-in = the product of
// all dims but the first) for tensors of two or more dims; BatchNormalization's scale and variance
// 1; every other one-dim tensor (biases, BN's bias and mean) 0. Returns the new model and, in
// `filled`, how many initializers were filled.
Result<std::string> fill_random_weights(const std::string& model_bytes, const std::string& origin,
                                        std::uint64_t seed, int* filled = nullptr);

class ModelRunner {
 public:
  // `imported` must have been imported with keep_model.
  static Result<ModelRunner> make(const OnnxImport& imported, const std::string& origin);
  ModelRunner(ModelRunner&&) noexcept;
  ModelRunner& operator=(ModelRunner&&) noexcept;
  ~ModelRunner();

  // The model's input, and how many images one run takes (its batch).
  const InputShape& input_shape() const;
  std::int64_t batch() const;

  // Runs `batch()` images (NCHW floats) and returns every layer's data (weights included).
  Result<std::vector<LayerData>> run(const float* images);

 private:
  struct Impl;
  explicit ModelRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace erg
