// erg/simulate.h — simulation mode: a layer's energy from its real data (seed 004 §III-D).
//
// The analytical model knows only densities. With the real weights and activations the simulator
// counts, for one layer under one mapping:
//   - the exact non-skipped MACs: a MAC is skipped when its weight or its input is zero (padding
//     is zero). Counted per (group, input channel, filter row, filter column) as the non-zero
//     weights there times the non-zero inputs that filter position meets, the latter with
//     bit-packed rows and word-wide popcounts — never a loop over every MAC;
//   - the exact bits moved at every level that stores a tensor compressed, transfer by transfer as
//     the mapping moves the data (the counting rules of erg/cost_model.h, with each event tied to
//     the element it moves). A transfer is the set of elements one access kind of one level
//     instance moves in one step — a parent's reads to its children, a child's fills, partial
//     sums leaving a child or written back to the parent — coded in the tensor's storage order:
//       significance map: one bit per element plus `bits` per non-zero;
//       run-length: code words of (run of up to 2^run_bits − 1 zeros, value), `run_bits + bits`
//         each; a run that reaches the limit ends with a zero value; trailing zeros take one more
//         word (Eyeriss codes its DRAM traffic so, with 5-bit runs and 16-bit values).
//     Sibling hops and MAC-operand accesses move single words: each is its own transfer.
//     Levels that store a tensor uncompressed move the same words whatever the data: their counts
//     are the analytical model's (which equal the reference evaluator's).
//   - energy as the analytical model makes it (erg/cost_model.h), from those bits and MACs.
// The values moved as a layer's outputs are its final outputs (after its activation) for every
// output access, partial sums included: the analytical model's assumption too (one ofmap
// density); the real zero pattern of a partial sum depends on the order of accumulation.
//
// With every value non-zero the simulation equals the dense analytical model exactly.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/counts.h"
#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg {

// Which elements of a layer's tensors are non-zero, one byte (0 or 1) per element, in each
// tensor's storage order:
//   weights: (g, m, c, r, s) — ONNX's Conv weight layout, filters of group g first;
//   inputs:  (n, g, c, h, w) — NCHW, the layer's input before padding;
//   outputs: (n, g, m, p, q) — NCHW, after the layer's activation.
struct LayerData {
  std::vector<std::uint8_t> weights, inputs, outputs;
  const std::vector<std::uint8_t>& of(Tensor t) const;
  std::vector<std::uint8_t>& of(Tensor t);
};

// Checks that each mask has the layer's tensor size.
Status check_layer_data(const Layer& layer, const LayerData& data);

// The non-zero fraction of each tensor.
struct MeasuredDensity {
  double weights = 1, inputs = 1, outputs = 1;
};
MeasuredDensity measured_density(const LayerData& data);

// Exact non-skipped MACs over the whole layer (all images of the batch).
// REQUIRES: check_layer_data(layer, data).ok()
std::uint64_t nonzero_macs(const Layer& layer, const LayerData& data);

// The same by a loop over every MAC (for tests).
std::uint64_t nonzero_macs_brute_force(const Layer& layer, const LayerData& data);

// One kind of access of one tensor at one level: how many element accesses, how many of them
// moved a non-zero, and how many run-length code words the transfers took (simulate_layer counts
// code words only at levels that code run-length; 0 elsewhere).
struct AccessBits {
  std::uint64_t events = 0;
  std::uint64_t nonzero = 0;
  std::uint64_t rle_words = 0;
  friend bool operator==(const AccessBits&, const AccessBits&) = default;
};

struct TensorBits {
  std::array<AccessBits, kNumAccessKinds> kind{};  // indexed by AccessKind
  AccessBits& operator[](AccessKind k) { return kind[static_cast<int>(k)]; }
  const AccessBits& operator[](AccessKind k) const { return kind[static_cast<int>(k)]; }
  friend bool operator==(const TensorBits&, const TensorBits&) = default;
};

// Adds one transfer (elements in storage order) to `bits`.
void add_transfer(AccessBits& bits, std::span<const std::int64_t> elements,
                  const std::vector<std::uint8_t>& nonzero, int rle_run_bits);

// Bits a level moves for one access kind, by its compression (erg/cost_model.h).
double access_bits(const AccessBits& a, Compression c, int bits, int rle_run_bits);

struct SimulationLimits {
  // Element visits the walk of compressed levels may take (a guard against hours-long runs).
  std::uint64_t max_work = 50'000'000'000ULL;
};

struct LayerSimulation {
  std::uint64_t nonzero_macs = 0;
  // bits[level][tensor]: filled for every level that keeps the tensor; for levels that store it
  // compressed with `nonzero` and `rle_words` from the walk, elsewhere events only.
  std::vector<std::array<TensorBits, kNumTensors>> bits;
  Counts counts;      // the analytical (dense) counts
  Energy energy;      // from the simulated bits and MACs
  Energy analytical;  // the analytical model with the measured densities (same bits, same arch)
  MeasuredDensity density;
};

// The walk alone: for every level that stores a tensor compressed, the events, non-zeros and
// (where it codes run-length) code words of each kind of access; other levels' entries are empty.
// The mapping and data are checked.
Result<std::vector<std::array<TensorBits, kNumTensors>>> compressed_bits(
    const Layer& layer, const Arch& arch, const Mapping& mapping, const LayerData& data,
    const SimulationLimits& limits = {});

// Everything: MACs, bits (the walk's where compressed, the analytical counts elsewhere), energy,
// and the analytical energy at the measured densities. The mapping and data are checked.
Result<LayerSimulation> simulate_layer(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                       const LayerData& data, const SimulationLimits& limits = {});

}  // namespace erg
