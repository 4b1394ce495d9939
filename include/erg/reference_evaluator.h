// erg/reference_evaluator.h — the literal evaluator the analytical model is checked against.
//
// It walks the loop nest literally, iteration by iteration, keeping the set of elements each
// buffer instance holds, and counts fills, multicast reads, sibling hops, partial-sum traffic and
// MAC operand accesses by the rules in cost_model.h — using sets and no formulas. It is slow
// (time and memory grow with the number of MACs) and meant for tests on small layers.
#pragma once

#include "erg/counts.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

struct ReferenceLimits {
  std::uint64_t max_macs = 20'000'000;  // refuse larger (padded) nests
};

Result<Counts> reference_counts(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                const ReferenceLimits& limits = {});

}  // namespace erg
