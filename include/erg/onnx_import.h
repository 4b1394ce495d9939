// erg/onnx_import.h — an ONNX model as an erg network.
//
// The model is parsed with ONNX's own protobuf classes (Debian's libonnx), checked (every input of
// every node provided by a node, a graph input or an initializer; no cycles), sorted, and its
// shapes found by ONNX's shape inference alternated with erg's folding of constant integer
// subgraphs (Shape → Gather → Unsqueeze → Concat → Reshape chains, as PyTorch exports write
// them) until nothing changes. Then every Conv (1-D and 2-D; groups, depthwise, dilations,
// strides, pads, auto_pad), ConvTranspose, Gemm and MatMul (incl. batched) becomes one erg layer,
// in graph order. Every other operator is reported in `not_modelled`, never dropped silently.
//
// When the initializers hold data (in the file or in external data files next to it), each layer's
// weight density is measured from its weights. Shape-only models (initializers without data, or
// whose external data file is absent) import with the default densities and one warning.
// Mapping rules and limits: docs/onnx.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/layer.h"
#include "erg/network.h"

namespace erg {

// ONNX files may hold their weights, so they may be far larger than erg's text inputs; protobuf
// cannot parse messages of 2 GiB or more.
inline constexpr std::uint64_t kMaxOnnxBytes = (std::uint64_t{2} << 30) - 1;

struct OnnxImportOptions {
  // Bitwidths of every layer, the activation density of every layer's inputs and outputs, and
  // the weight density used when a layer's weights hold no data.
  TensorFormat weights;
  TensorFormat activations;
  // The value of a graph input's symbolic (named or unset) dimension, e.g. the batch.
  std::int64_t symbolic_dim = 1;
  // Keep the model after erg's clean-up in OnnxImport::model (for running it: erg simulate).
  bool keep_model = false;
};

// Where one layer comes from in the model.
struct OnnxLayerSource {
  std::string node;     // the node's name ("" when it has none)
  std::string op;       // Conv, ConvTranspose, Gemm or MatMul
  std::string input;    // the tensor the layer reads
  std::string weights;  // the initializer holding its weights ("" when they are computed)
  std::string output;   // the tensor the layer writes
  bool trans_a = false, trans_b = false;  // Gemm's attributes
};

struct OnnxOperatorCount {
  std::string op;  // "Relu", "MaxPool", "Conv (3-D)", ...
  int count = 0;
};

struct OnnxImport {
  Network network;
  // Operators that are not MAC layers (or not modelled), each once with its count, in order of
  // first appearance.
  std::vector<OnnxOperatorCount> not_modelled;
  // Operators whose outputs were folded into constants (shape arithmetic), with their counts.
  std::vector<OnnxOperatorCount> folded;
  // True when every layer's weight density was measured from its weights.
  bool weights_measured = false;
  // Things the user should know, each a complete sentence, each once (shape-only model, symbolic
  // dimensions taken as `symbolic_dim`, weights that are not constants, ...).
  std::vector<std::string> warnings;
  // One per layer of `network`.
  std::vector<OnnxLayerSource> sources;
  // With OnnxImportOptions::keep_model: the model after erg's clean-up, serialized — nodes sorted,
  // symbolic input dims fixed, integer shape arithmetic folded into initializers, Identity nodes
  // on initializers removed (their consumers read the initializer), every node named after its
  // first output, convolutions' kernel_shape written out, Gemm's B stored transposed when transB
  // is 0, constant Clip bounds as attributes (the forms OpenCV 4.6 reads).
  std::string model;
};

// `bytes` is the model file's content; `origin` names it in messages; external data files are
// looked up relative to `base_dir` (none when empty: such a model imports shape-only).
Result<OnnxImport> import_onnx(const std::string& bytes, const std::string& origin,
                               const std::string& base_dir, const OnnxImportOptions& options = {});
Result<OnnxImport> import_onnx_file(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace erg
