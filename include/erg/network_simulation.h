// erg/network_simulation.h — `erg simulate`: a model's energy from real images, beside the
// analytical estimate from the densities those images produce (seed 004 §III-D and §III-E).
//
//   1. The model is imported (erg/onnx_import.h; initializers without data filled at random with
//      `random_weights`), and run with OpenCV on the images, one model batch at a time
//      (erg/onnx_runner.h), keeping every layer's weights, inputs and outputs.
//   2. Densities are measured over all images: weights, and each layer's inputs and outputs.
//   3. The network with those densities is estimated as `erg estimate` does (the mapper's optimal
//      mapping per layer on the arch): the analytical result.
//   4. Every batch is simulated under the same mappings (erg/simulate.h): exact non-skipped MACs,
//      exact compressed bits (with the arch's codings, or `coding` at every compressed level);
//      the simulated energy is the mean over batches.
// The difference is (analytical − simulated) / simulated × 100, per layer and in total.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/estimate.h"
#include "erg/image_input.h"
#include "erg/onnx_import.h"
#include "erg/simulate.h"

namespace erg {

struct SimulateOptions {
  std::string model;                // ONNX file
  std::vector<std::string> inputs;  // image files, IDX files, directories
  std::int64_t max_images = 16;
  Normalisation normalisation = Normalisation::Auto;
  std::optional<std::uint64_t> random_weights;  // seed for initializers without data
  std::int64_t batch = 1;                       // the model's symbolic batch dimension
  EstimateOptions estimate;                     // dataflow, objective, bitwidths
  SimulationLimits limits;
  // The coding the simulation uses at every level that stores a tensor compressed; unset: the
  // arch's own. (Seed 004 compared a simulator coding Eyeriss's DRAM traffic run-length against
  // an analytical tool using significance maps: set RunLength on an arch that says sigmap.)
  std::optional<Compression> coding;
  // Stage and fraction done, from the calling thread.
  std::function<void(const std::string& stage, double fraction)> progress;
};

struct SimulatedLayer {
  std::uint64_t nonzero_macs_total = 0;  // over all images
  double nonzero_macs = 0;               // per batch (mean)
  Energy energy;                         // per batch (mean), simulated
  MeasuredDensity density;               // over all images
};

struct NetworkSimulation {
  NetworkEstimate estimate;            // the analytical estimate at the measured densities
  std::vector<SimulatedLayer> layers;  // one per estimate layer
  std::vector<std::string> images;     // the images, in order
  std::int64_t batches = 0;            // model runs
  std::vector<std::string> warnings;   // from the import, the weights' filling, ...
  std::vector<OnnxOperatorCount> not_modelled;
  int filled_initializers = 0;        // with random_weights
  std::optional<Compression> coding;  // SimulateOptions::coding
  double seconds_inference = 0, seconds_mapping = 0, seconds_simulation = 0;
};

Result<NetworkSimulation> simulate_network(const SimulateOptions& options, const Arch& arch);

// Energy of a data type or the whole layer, for reports: total, compute, weights, ifmap, ofmap.
struct EnergySplit {
  double total = 0, compute = 0, weights = 0, ifmap = 0, ofmap = 0;
};
EnergySplit split(const Energy& e);
// (analytical − simulated) / simulated × 100; 0 when both are 0.
double difference_pct(double analytical, double simulated);

}  // namespace erg
