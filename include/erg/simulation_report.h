// erg/simulation_report.h — reports of `erg simulate` (erg/network_simulation.h): simulated
// against analytical energy, per layer and in total.
//
// JSON: `erg estimate`'s JSON of the analytical estimate (erg/report.h), where every layer and
// `total` also carry `simulated` and `analytical` {total, compute, weights, ifmap, ofmap} (energy
// per model run, in the arch's unit), `measured_density` {weights, ifmap, ofmap},
// `nonzero_macs_simulated` (exact, per run) and `difference_pct` ((analytical − simulated) /
// simulated × 100); plus `simulation` {images, batches, image_names}.
#pragma once

#include <string>

#include "erg/network_simulation.h"

namespace erg {

std::string simulation_table(const NetworkSimulation& sim);
std::string simulation_json(const NetworkSimulation& sim);  // pretty-printed, trailing newline
std::string simulation_csv(const NetworkSimulation& sim);

}  // namespace erg
