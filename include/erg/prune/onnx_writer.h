// erg/prune/onnx_writer.h — a trainable network, with its weights, as an ONNX model, and back.
//
// Opset 13: each CONV layer is a `Conv` node and each FC layer a `Gemm` node (transB = 1), both
// named by the layer (so erg's importer gives the same layer names), with float32 initializers
// `<layer>.weight` and `<layer>.bias` holding the masked weights and the biases; between layers,
// `Relu`, `MaxPool` (or `GlobalMaxPool` for an adaptive pooling to 1×1) and `Flatten` as the
// network's plan says. The graph input `input` has the first layer's batch and ifmap shape; the
// output `logits` is N × classes. The model is checked with ONNX's own checker before it is
// returned. Adaptive pooling to more than 1×1 has no ONNX operator: such networks are refused.
#pragma once

#include <string>

#include "erg/error.h"
#include "erg/prune/trainable.h"

namespace erg::prune {

// The serialised model (protobuf bytes).
Result<std::string> onnx_model_bytes(const TrainableNet& net);
// Writes it to `path`; errors name the path.
Status write_onnx_file(const TrainableNet& net, const std::string& path);

// Reads a model back as a trainable network: erg's importer gives the layers (an FC layer after
// a CONV layer reads the flattened C·H·W × 1 × 1), TrainableNet::build the model, and the
// Conv/Gemm nodes' float32 initializers (in the file, in node order) its weights and biases; each
// mask is 1 where the weight is non-zero. Models this writer wrote read back exactly; others as
// far as their layers can be built (ConvTranspose and MatMul are refused, naming the node).
Result<TrainableNet> read_onnx_trainable(const std::string& path);

}  // namespace erg::prune
