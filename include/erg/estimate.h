// erg/estimate.h — a network's energy: each layer mapped by the mapper (erg/mapper.h) and
// evaluated, then totals.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/mapper.h"
#include "erg/network.h"

namespace erg {

struct EstimateOptions {
  Dataflow dataflow = Dataflow::RS;
  Objective objective = Objective::Energy;   // what the mapper minimises for every layer
  std::optional<std::int64_t> batch;         // override every layer's N
  std::optional<int> weight_bits, act_bits;  // override bitwidths (act = inputs and outputs)
  std::optional<double> weight_density, act_density;  // override densities
  // Set to true (e.g. from a SIGINT handler) to stop searching: the layer being searched keeps the
  // best mapping found so far, and layers not searched yet (or interrupted before any mapping was
  // found) get the heuristic mapping (simple_mapping). Their stats say optimal = false.
  const std::atomic<bool>* cancel = nullptr;
  // Called from the calling thread while layers are mapped: the distinct layer being searched
  // (0-based `index` of `count`; identical layers are searched once) and the fraction of its
  // mapspace done so far (0..1).
  std::function<void(std::size_t index, std::size_t count, const Layer& layer, double fraction)>
      progress;
  // Maps one layer instead of map_layer (same contract), e.g. through a cache shared by a
  // server's requests (erg/api.h).
  std::function<Result<MapperResult>(const Layer&, const Arch&, const MapperOptions&)> mapper;
};

struct LayerResult {
  Layer layer;  // after overrides
  Mapping mapping;
  LayerEvaluation eval;
  MapperStats stats;       // of the search that chose the mapping (shared by identical layers)
  bool heuristic = false;  // the search was interrupted before it found a mapping: the mapping is
                           // simple_mapping's, and `stats` is empty with optimal = false
  // The dataflow whose mapspace holds the mapping (for `free`, the one that won this layer).
  Dataflow mapped_dataflow = Dataflow::RS;
};

struct NetworkEstimate {
  std::string network;
  std::string arch;
  std::string unit;
  std::int64_t batch = 1;
  Dataflow dataflow = Dataflow::RS;
  Objective objective = Objective::Energy;
  Arch hardware;  // the architecture every layer was evaluated on (names, networks, compute)
  std::vector<LayerResult> layers;
  bool interrupted = false;  // options.cancel was set before every layer's search had finished
};

// Applies the overrides, maps every layer (identical layers once, one after another; each search
// uses every core) and evaluates it.
Result<NetworkEstimate> estimate_network(const Network& net, const Arch& arch,
                                         const EstimateOptions& options);

}  // namespace erg
