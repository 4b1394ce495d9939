// erg/compare.h — the dataflow comparison of seed 003 / reference §4: every dataflow with its own
// optimal mappings, on storage of equal chip area.
//
// The hardware is the ISCA 2016 comparison setup: the base arch (the `eyeriss-isca16` preset by
// default) supplies the three levels, their word widths and energies per access, and the array's
// hop energy; the meshes, capacities (partitions included) and what each level keeps are set per
// dataflow below, compression is turned off and the layers are taken dense (density 1), as
// reference §4 compares dense data. Reference §4 gives, at 256 PEs, each dataflow's RF words per PE
// and the buffer that the same area buys once that RF is paid for:
//
//   dataflow  RF words/PE  keeps in the RF  buffer at 256 PEs
//   rs        256          all three        128 KiB
//   ws        1            weights          334 KiB
//   os_a      49 (*)       outputs          244 KiB
//   os_b      5            outputs          304 KiB
//   os_c      1            outputs          334 KiB
//   nlr       0 (no RF)    —                338 KiB
//
// (*) reference §4 gives os_a's 49 words for AlexNet CONV1; erg uses it for every layer.
//
// The area budget is per PE (512 B of RF plus 512 B of buffer per PE, converted with one SRAM area
// model), so a chip with k·256 PEs has k times each buffer: that is how 512 and 1024 PEs are set
// up, with no area model of erg's own. Without equal area, every dataflow gets RS's storage
// (256-word RF, 128 KiB per 256 PEs) and keeps in it what its rule lets it keep; NLR, which has
// no RF, gets RS's RF bytes added to its buffer. Sizes are of 16-bit storage: a level with other
// word widths holds proportionally more or fewer words.
//
// The buffer may keep weights or let them bypass to the PEs (reference §3: in Eyeriss filters
// bypass the GLB). Both cost the same area, so for each dataflow and layer the comparison maps
// both and keeps the one with less energy; the result says which.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "erg/arch.h"
#include "erg/dataflow.h"
#include "erg/error.h"
#include "erg/estimate.h"
#include "erg/mapping.h"
#include "erg/network.h"

namespace erg {

// The six dataflows compared, in report order (rs first: the ratios are to rs).
const std::vector<Dataflow>& compared_dataflows();

struct StorageSetup {
  std::uint64_t rf_words = 0;      // per PE; 0 = the PEs have no storage (nlr)
  std::uint64_t buffer_bytes = 0;  // the whole global buffer
};

// Storage of a dataflow on a chip of `pes` PEs (a multiple of 256), as the table above says.
Result<StorageSetup> comparison_storage(Dataflow df, int pes, bool equal_area);

// The comparison arch of one dataflow: `base` (a three-level DRAM / buffer / per-PE storage arch,
// like `eyeriss-isca16`) with the PE array resized to `pes` (16×16, 16×32 or 32×32), the storage
// of comparison_storage, the RF keeping only what the dataflow keeps there (nlr: no RF level; the
// buffer's spatial loops feed the MACs, whose psum hops cost the array's hop energy), and the
// buffer keeping weights or not.
Result<Arch> comparison_arch(const Arch& base, Dataflow df, int pes, bool equal_area,
                             bool buffer_keeps_weights);

struct CompareOptions {
  int pes = 256;            // 256, 512 or 1024
  bool equal_area = false;  // as the CLI: --equal-area turns it on
  std::optional<std::int64_t> batch;
  // Called from the calling thread: which dataflow (0-based of 6) and which of its layer searches.
  std::function<void(std::size_t df_index, std::size_t df_count, std::size_t layer_index,
                     std::size_t layer_count, const Layer& layer, double fraction)>
      progress;
  const std::atomic<bool>* cancel = nullptr;
};

// One dataflow on one layer (or on the whole network, for totals).
struct DataflowFigures {
  double energy = 0;                  // in the arch's unit
  std::uint64_t macs = 0;             // dense MACs
  std::uint64_t dram_accesses = 0;    // words read, written or updated at level 0
  std::uint64_t active_pes = 0;       // the peak over layers, for totals
  bool buffer_keeps_weights = false;  // which buffer variant won (layers only)
  Mapping mapping;                    // the chosen mapping (layers only), on arch(df, variant)
  double energy_per_mac() const { return macs ? energy / static_cast<double>(macs) : 0.0; }
  double dram_accesses_per_mac() const {
    return macs ? static_cast<double>(dram_accesses) / static_cast<double>(macs) : 0.0;
  }
};

struct DataflowComparison {
  std::string network;
  std::string base_arch;
  int pes = 256;
  bool equal_area = false;
  std::int64_t batch = 1;
  std::string unit;
  std::vector<Dataflow> dataflows;    // compared_dataflows()
  std::vector<StorageSetup> storage;  // per dataflow
  // Per dataflow, the comparison archs: [0] the buffer lets weights bypass, [1] it keeps them.
  std::vector<std::array<Arch, 2>> archs;
  std::vector<std::string> layer_names;
  std::vector<std::vector<DataflowFigures>> layers;  // [layer][dataflow]
  std::vector<DataflowFigures> total;                // [dataflow]
  bool interrupted = false;
};

// Maps every layer of the network under every dataflow on its own comparison arch (both buffer
// variants) and collects the figures.
Result<DataflowComparison> compare_dataflows(const Network& net, const Arch& base,
                                             const CompareOptions& options);

}  // namespace erg
