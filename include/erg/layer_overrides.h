// erg/layer_overrides.h — per-layer densities and bitwidths from a file (`erg estimate
// --densities FILE`), applied over what a network file, the zoo or an ONNX model says.
//
//   version: 1
//   layers:
//     conv1: {inputs: 0.98, outputs: 0.42}          # a number is a density
//     conv2: {weights: {density: 0.3, bits: 8}}     # or {density, bits}, either optional
//
// Every named layer must exist in the network (case-insensitive; a misspelt name is an error with
// a "did you mean" hint naming the file's line). Schema: docs/onnx.md §Per-layer overrides.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/network.h"

namespace erg {

struct TensorOverride {
  std::optional<double> density;
  std::optional<int> bits;
};

struct LayerOverride {
  std::string layer;                                // as written in the file
  int line = 0;                                     // 1-based, for messages
  std::array<TensorOverride, kNumTensors> tensors;  // by Tensor
};

struct LayerOverrides {
  std::string origin;
  std::vector<LayerOverride> layers;
};

Result<LayerOverrides> parse_layer_overrides(const std::string& text, const std::string& origin);
Result<LayerOverrides> load_layer_overrides_file(const std::string& path);

// Sets the named layers' formats; fails (naming the file and line) on a layer the network lacks
// or a result Layer::make refuses.
Status apply_layer_overrides(Network& net, const LayerOverrides& overrides);

}  // namespace erg
