// erg/report.h — views of a NetworkEstimate: a terminal table, JSON and CSV.
//
// Every number is read from the same per-layer Energy (by level × tensor), so the table, the JSON
// and the CSV can never disagree. JSON shape: docs/model.md §Output.
#pragma once

#include <string>

#include "erg/cost_model.h"
#include "erg/estimate.h"

namespace erg {

std::string estimate_table(const NetworkEstimate& est);
std::string estimate_json(const NetworkEstimate& est);  // pretty-printed, trailing newline
std::string estimate_csv(const NetworkEstimate& est);

// One layer under one mapping (erg evaluate): counts per level and tensor, energy, the loop nest.
std::string evaluation_table(const Layer& layer, const Arch& arch, const Mapping& mapping,
                             const LayerEvaluation& ev);
std::string evaluation_json(const Layer& layer, const Arch& arch, const Mapping& mapping,
                            const LayerEvaluation& ev);

// 1234567 → "1.23 M"; 0.5 → "0.5".
std::string human_number(double v);

}  // namespace erg
