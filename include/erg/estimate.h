// erg/estimate.h — a network's energy: each layer mapped and evaluated, then totals.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/network.h"

namespace erg {

struct EstimateOptions {
  Dataflow dataflow = Dataflow::RS;
  std::optional<std::int64_t> batch;         // override every layer's N
  std::optional<int> weight_bits, act_bits;  // override bitwidths (act = inputs and outputs)
  std::optional<double> weight_density, act_density;  // override densities
};

struct LayerResult {
  Layer layer;  // after overrides
  Mapping mapping;
  LayerEvaluation eval;
};

struct NetworkEstimate {
  std::string network;
  std::string arch;
  std::string unit;
  std::int64_t batch = 1;
  Dataflow dataflow = Dataflow::RS;
  Arch hardware;  // the architecture every layer was evaluated on (names, networks, compute)
  std::vector<LayerResult> layers;
};

// Applies the overrides, maps every layer (identical layers once) and evaluates it.
Result<NetworkEstimate> estimate_network(const Network& net, const Arch& arch,
                                         const EstimateOptions& options);

}  // namespace erg
