// erg/mapper.h — the mapper: for a layer, an arch and a dataflow, the mapping that minimises an
// objective over the dataflow's declared mapspace (docs/mapper.md defines every mapspace).
//
// The search is exhaustive over the mapspace: a mapping is skipped only when it breaks a hardware
// limit (array size, capacity), contradicts the user's pins, or when a proven lower bound on its
// objective already exceeds the best found (each bound says in the code why it is safe). Ties are
// broken deterministically: lower objective, then more active PEs, then fewer cycles, then the
// first mapping in the mapspace's enumeration order. The result does not depend on the number of
// threads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

enum class Objective : std::uint8_t { Energy, Delay, EDP };
std::string_view objective_name(Objective o);
Result<Objective> parse_objective(const std::string& s);

// A partial mapping (`--fix`): what the user pins; the mapper searches the rest. A level's
// factor pin fixes the product of that level's temporal (or spatial) factors of a dimension; an
// order pin fixes the relative order, outermost first, of the level's temporal loops of those
// dimensions that end up with a factor above 1; a keep pin fixes which tensors the level keeps.
struct MappingPins {
  struct Level {
    std::array<std::int64_t, kNumDims> temporal{};  // 0 = not pinned
    std::array<std::int64_t, kNumDims> spatial{};   // 0 = not pinned (product of X and Y)
    std::vector<Dim> order;                         // empty = not pinned
    std::optional<std::array<bool, kNumTensors>> keeps;
    friend bool operator==(const Level&, const Level&) = default;
  };
  std::vector<Level> levels;  // empty, or one per arch level
  bool empty() const;
  friend bool operator==(const MappingPins&, const MappingPins&) = default;
};

// Does the mapping honour the pins? The message names the level, dimension and pin.
Status check_pins(const MappingPins& pins, const Arch& arch, const Mapping& mapping);

struct MapperOptions {
  Dataflow dataflow = Dataflow::RS;
  Objective objective = Objective::Energy;
  MappingPins pins;
  int threads = 0;  // 0 = every core (at most 2 here); results do not depend on it
  // Set to true (e.g. from a SIGINT handler) to stop: the best mapping so far is returned, marked
  // not proven optimal.
  const std::atomic<bool>* cancel = nullptr;
  // Called now and then with the fraction of the mapspace done (0..1), from the calling thread.
  std::function<void(double)> progress;
};

struct MapperStats {
  // Mappings in the declared mapspace for this layer (docs/mapper.md). Every one of them is
  // either evaluated, pruned by a bound, or rejected for one of the reasons below.
  std::uint64_t mapspace = 0;
  std::uint64_t evaluated = 0;
  std::uint64_t pruned_by_bound = 0;
  std::uint64_t rejected_array = 0;     // spatial factors exceed the PE array
  std::uint64_t rejected_capacity = 0;  // a tile does not fit a level's capacity
  std::uint64_t rejected_dataflow = 0;  // breaks the dataflow's rules (arises only with pins)
  std::uint64_t rejected_pinned = 0;    // contradicts --fix
  bool optimal = true;                  // false when the search was cancelled
  double seconds = 0;
};

struct MapperResult {
  Mapping mapping;
  LayerEvaluation eval;
  double objective = 0;  // energy, cycles, or energy × cycles
  MapperStats stats;
  // The dataflow whose mapspace holds the mapping: the one asked for, or, for free, the one that
  // won.
  Dataflow dataflow = Dataflow::RS;
};

// The best mapping of the layer on the arch under the dataflow. Errors: the arch's shape does not
// suit the dataflow, or no mapping in the mapspace fits (the message says why, by reason).
Result<MapperResult> map_layer(const Layer& layer, const Arch& arch, const MapperOptions& options);

// Every mapping of the declared mapspace that fits the hardware, in enumeration order, without
// search or bounds (for tests and for users who want to sweep). `visit` returns false to stop.
// Returns the mapspace statistics (evaluated = mappings visited).
Result<MapperStats> for_each_mapping(const Layer& layer, const Arch& arch, Dataflow dataflow,
                                     const std::function<bool(const Mapping&)>& visit);

}  // namespace erg
