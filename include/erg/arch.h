// erg/arch.h — an accelerator: a hierarchy of storage levels above an array of MAC units.
//
// Levels are ordered from the outermost (index 0, normally DRAM) inward. Level i+1 has
// mesh_x × mesh_y instances under each instance of level i; the compute units (MACs) are
// compute.mesh_x × compute.mesh_y under each instance of the innermost level. A level keeps some
// of the three tensors; the others bypass it (go straight between its parent and its children).
// All energies are per access of one word of `word_bits` bits, in the arch's unit (e.g. "MAC":
// normalised to one MAC at the reference bitwidth). Nothing here has a default energy: a level or
// action without an energy entry is rejected by the parser.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/layer.h"

namespace erg {

// How a level stores a tensor when data is sparse (reference §5 and seed 004 §III-D).
enum class Compression : std::uint8_t {
  None,       // every word is moved
  SigMap,     // significance map: one flag bit per value, plus the value's bits if non-zero
  RunLength,  // run-length: (zero-run, value) code words; see rle_run_bits
};
std::string_view compression_name(Compression c);

struct StorageLevel {
  std::string name;
  std::array<bool, kNumTensors> keeps{true, true, true};  // which tensors this level can hold
  // Capacity in words. If `partitioned`, capacity_per_tensor[t] bounds each kept tensor alone;
  // otherwise `capacity` bounds their sum. 0 means unbounded (DRAM).
  bool partitioned = false;
  std::uint64_t capacity = 0;
  std::array<std::uint64_t, kNumTensors> capacity_per_tensor{0, 0, 0};
  int word_bits = 16;
  double read_energy = 0;      // one word read (sent to a child or to the parent)
  double write_energy = 0;     // one word filled from the parent
  double update_energy = 0;    // one partial sum written back by a child or a MAC
  double bandwidth = 0;        // words per cycle per instance; 0 = unlimited
  int mesh_x = 1, mesh_y = 1;  // instances under one instance of the parent level
  // Energy of moving one word between two sibling instances of this level (inter-PE network,
  // Eyeriss's "array" cost), and the name it is reported under.
  double hop_energy = 0;
  std::string network_name;
  std::array<Compression, kNumTensors> compression{Compression::None, Compression::None,
                                                   Compression::None};
  int rle_run_bits = 5;  // zero-run field width for run-length coding

  std::uint64_t instances_per_parent() const {
    return static_cast<std::uint64_t>(mesh_x) * static_cast<std::uint64_t>(mesh_y);
  }
};

struct ComputeUnit {
  std::string name = "MAC";
  double mac_energy = 1.0;  // one MAC at reference_bits × reference_bits
  int reference_bits = 16;
  int mesh_x = 1, mesh_y = 1;  // MAC units per instance of the innermost level
  double hop_energy = 0;       // spatial partial-sum reduction between MAC units of one instance
};

// Most storage levels an arch may have (real accelerators have 3 to 5). The mapper keeps per-level
// state in fixed arrays of this size, and name checks are quadratic in the level count.
inline constexpr int kMaxArchLevels = 16;

struct Arch {
  std::string name;
  std::string unit = "MAC";  // energy unit label
  std::vector<StorageLevel> levels;
  ComputeUnit compute;

  int num_levels() const { return static_cast<int>(levels.size()); }
  // Total instances of level i across the chip (product of meshes down to i).
  std::uint64_t instances(int level) const;
  std::uint64_t mac_units() const;  // total MAC units
  // Index of a level by (case-insensitive) name, or an error with a hint.
  Result<int> level_index(const std::string& name) const;

  // Structural checks: 1 to kMaxArchLevels levels, level 0 keeps every tensor, positive meshes and
  // word bits, non-negative energies, unique names.
  Status validate() const;
};

}  // namespace erg
