// The two energy breakdowns every report view shows (docs/model.md §5.9), shared by the table,
// JSON and CSV views (report.cpp) and the SVG charts (plot.cpp), so they cannot disagree:
//   - by data type: compute (MACs only) and weights / ifmap / ofmap (Energy::tensor_total, which
//     counts the MAC array's psum reduction as ofmap energy);
//   - by level: each storage level, then each level's inter-instance network (e.g. Eyeriss's
//     "array"), then the compute units (MAC energy plus the MAC array's psum reduction, so that
//     the by-level columns add up to the total exactly like the by-type columns do).
#pragma once

#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/estimate.h"

namespace erg::detail {

struct TypeSplit {
  double total = 0, compute = 0, weights = 0, ifmap = 0, ofmap = 0;
};

TypeSplit type_split(const Energy& e);
void add_into(TypeSplit& a, const TypeSplit& b);

// One "energy by level" column.
struct LevelColumn {
  enum class Kind { Storage, Network, Compute } kind;
  int level = 0;  // storage or network level index (-1: none); unused for Compute
  std::string name;
};

double column_value(const LevelColumn& c, const Energy& e);

// Columns for one layer under a known arch: every storage level, the networks the arch declares
// (hop energy) or that carry energy, then the compute units.
std::vector<LevelColumn> arch_columns(const Arch& arch, const Energy& e);

// Columns for an estimate: the arch's storage levels, every network that the arch declares or
// that carries energy in some layer, then the compute units. The same for every dataflow.
std::vector<LevelColumn> estimate_columns(const NetworkEstimate& est);

// How a figure in the estimate's unit reads: "× MAC energy" for the presets' unit (energy in
// units of one MAC's energy), else the unit as given (e.g. "pJ").
std::string unit_phrase(const std::string& unit);

}  // namespace erg::detail
