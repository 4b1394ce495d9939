// erg/reference_evaluator.h — the literal evaluator the analytical model is checked against.
//
// It walks the loop nest literally, iteration by iteration, keeping the set of elements each
// buffer instance holds, and counts fills, multicast reads, sibling hops, partial-sum traffic and
// MAC operand accesses by the rules in cost_model.h — using sets and no formulas. It is slow
// (time and memory grow with the number of MACs) and meant for tests on small layers.
#pragma once

#include <span>

#include "erg/counts.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

struct ReferenceLimits {
  std::uint64_t max_macs = 20'000'000;  // refuse larger (padded) nests
};

// Sees every access the walk counts, with the elements it moves (indices in the tensor's storage
// order, erg/simulate.h): one call per transfer — the elements one access kind of one level
// instance moves in one step — and one call per element for sibling hops and MAC-operand
// accesses (single words; a hop of an element that moves twice comes twice).
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  virtual void transfer(int level, Tensor t, AccessKind kind,
                        std::span<const std::int64_t> elements) = 0;
};

Result<Counts> reference_counts(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                const ReferenceLimits& limits = {},
                                TransferObserver* observer = nullptr);

}  // namespace erg
