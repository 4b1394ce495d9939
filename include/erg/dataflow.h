// erg/dataflow.h — a dataflow is a set of constraints on mappings.
//
// Dataflows (docs/model.md §Dataflows gives each rule): rs (row stationary, reference §3),
// ws (weight stationary), os_a / os_b / os_c (output stationary variants, reference §4),
// nlr (no local reuse) and free (no constraint). They apply to architectures shaped like Eyeriss:
// DRAM, one global buffer, and per-PE storage (or none, for NLR) above one MAC per PE.
#pragma once

#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

enum class Dataflow : std::uint8_t { RS, WS, OS_A, OS_B, OS_C, NLR, Free };
std::string_view dataflow_name(Dataflow d);
const std::vector<std::string>& dataflow_names();
// "os" is accepted as os_b. Unknown names get a "did you mean" hint.
Result<Dataflow> parse_dataflow(const std::string& s);

// Does the mapping obey the dataflow's rules? The message names the broken rule.
Status check_dataflow(Dataflow df, const Layer& layer, const Arch& arch, const Mapping& mapping);

// The row-stationary parameters of reference §3 (m, n, e, p, q, r, t).
struct RsParams {
  std::int64_t m = 1, n = 1, e = 1, p = 1, q = 1, r = 1, t = 1;
};

// Builds the erg mapping for a set of RS parameters on a 3-level (DRAM, buffer, PE storage) arch;
// an error if the parameters break a constraint of reference §3 or do not fit.
Result<Mapping> rs_mapping(const Layer& layer, const Arch& arch, const RsParams& params);

// A valid mapping that obeys the dataflow, found by a small heuristic search (the full mapper is
// a later piece of work). Error if none is found (e.g. the arch cannot hold the layer).
Result<Mapping> simple_mapping(Dataflow df, const Layer& layer, const Arch& arch);

}  // namespace erg
