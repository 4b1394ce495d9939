// erg/report.h — views of a NetworkEstimate: a terminal table, JSON and CSV.
//
// Every number is read from the same per-layer Energy (by level × tensor), so the table, the JSON
// and the CSV can never disagree. JSON shape: docs/model.md §Output.
#pragma once

#include <string>

#include "erg/compare.h"
#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/estimate.h"
#include "erg/mapper.h"

namespace erg {

std::string estimate_table(const NetworkEstimate& est);
std::string estimate_json(const NetworkEstimate& est);  // pretty-printed, trailing newline
std::string estimate_csv(const NetworkEstimate& est);

// One layer under one mapping (erg evaluate): counts per level and tensor, energy, the loop nest.
std::string evaluation_table(const Layer& layer, const Arch& arch, const Mapping& mapping,
                             const LayerEvaluation& ev);
std::string evaluation_json(const Layer& layer, const Arch& arch, const Mapping& mapping,
                            const LayerEvaluation& ev);

// erg map: one layer's best mapping. The table is a headline (proven optimal or not), then
// evaluation_table's view of the mapping, then `mapping_file` (the mapping's file text, shown as
// is), then the mapper's statistics. The JSON has evaluation_json's keys, then "dataflow",
// "objective", "objective_value", "mapping_file" and "mapper" (as in estimate_json's layers).
std::string map_table(const Layer& layer, const Arch& arch, Dataflow dataflow, Objective objective,
                      const MapperResult& result, const std::string& mapping_file);
std::string map_json(const Layer& layer, const Arch& arch, Dataflow dataflow, Objective objective,
                     const MapperResult& result, const std::string& mapping_file);

// erg compare-dataflows: per layer and in total, each dataflow's energy per MAC, energy relative
// to rs, DRAM accesses per MAC and active PEs. JSON: {"network", "arch", "pes", "batch",
// "equal_area", "unit", "storage", "interrupted", "layers": [{"name", "dataflows": {"rs":
// {"energy", "energy_per_mac", "dram_accesses_per_mac", "active_pes", "macs", "dram_accesses",
// "ratio_to_rs", "buffer_keeps_weights", "mapping"}, ...}}], "total": {"name", "dataflows"}}.
std::string compare_table(const DataflowComparison& c);
std::string compare_json(const DataflowComparison& c);
std::string compare_csv(const DataflowComparison& c);

// 1234567 → "1.23 M"; 0.5 → "0.5".
std::string human_number(double v);

}  // namespace erg
