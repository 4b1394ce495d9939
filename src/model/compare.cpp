#include "erg/compare.h"

#include <fmt/format.h>

#include <algorithm>

namespace erg {

namespace {

constexpr std::uint64_t kKiB = 1024;

// Reference §4, at 256 PEs: RF words per PE and the buffer the same area buys.
struct Row {
  Dataflow df;
  std::uint64_t rf_words;
  std::uint64_t buffer_kib;
};
constexpr Row kIsca16[] = {
    {Dataflow::RS, 256, 128}, {Dataflow::WS, 1, 334},   {Dataflow::OS_A, 49, 244},
    {Dataflow::OS_B, 5, 304}, {Dataflow::OS_C, 1, 334}, {Dataflow::NLR, 0, 338},
};

// What the PEs keep under each dataflow's rule (docs/model.md §7).
std::array<bool, kNumTensors> pe_keeps(Dataflow df) {
  switch (df) {
    case Dataflow::RS:
      return {true, true, true};
    case Dataflow::WS:
      return {true, false, false};
    case Dataflow::OS_A:
    case Dataflow::OS_B:
    case Dataflow::OS_C:
      return {false, false, true};
    default:
      return {false, false, false};
  }
}

std::uint64_t dram_words(const Counts& c) {
  std::uint64_t w = 0;
  for (const TensorAccess& a : c.levels.front().tensor) w += a.reads + a.writes + a.updates;
  return w;
}

}  // namespace

const std::vector<Dataflow>& compared_dataflows() {
  static const std::vector<Dataflow> v = {Dataflow::RS,   Dataflow::WS,   Dataflow::OS_A,
                                          Dataflow::OS_B, Dataflow::OS_C, Dataflow::NLR};
  return v;
}

Result<StorageSetup> comparison_storage(Dataflow df, int pes, bool equal_area) {
  if (pes != 256 && pes != 512 && pes != 1024)
    return make_error(
        fmt::format("--pes must be 256, 512 or 1024 (reference §4's sweep), got {}", pes));
  const std::uint64_t k = static_cast<std::uint64_t>(pes) / 256;
  const Row* rs = &kIsca16[0];
  for (const Row& r : kIsca16)
    if (r.df == df) {
      const Row& use = equal_area ? r : *rs;
      StorageSetup s;
      s.rf_words = df == Dataflow::NLR ? 0 : use.rf_words;
      s.buffer_bytes = use.buffer_kib * kKiB * k;
      // Equal capacity: NLR has no RF, so its buffer gets RS's RF bytes too (2 B per word).
      if (!equal_area && df == Dataflow::NLR) s.buffer_bytes += rs->rf_words * 2 * 256 * k;
      return s;
    }
  return make_error(
      fmt::format("dataflow '{}' is not part of the comparison; choose one of rs, "
                  "ws, os_a, os_b, os_c, nlr",
                  dataflow_name(df)));
}

Result<Arch> comparison_arch(const Arch& base, Dataflow df, int pes, bool equal_area,
                             bool buffer_keeps_weights) {
  auto storage = comparison_storage(df, pes, equal_area);
  if (!storage) return storage.error();
  if (base.num_levels() != 3)
    return make_error(fmt::format(
        "the dataflow comparison needs a three-level arch (off-chip, buffer, per-PE storage) "
        "like 'eyeriss-isca16'; '{}' has {} levels",
        base.name, base.num_levels()));
  Arch a = base;
  StorageLevel& glb = a.levels[1];
  StorageLevel& rf = a.levels[2];
  if (rf.hop_energy <= 0)
    return make_error(fmt::format("arch '{}': level '{}' needs a network hop energy for the array",
                                  base.name, rf.name));
  const int x = pes == 256 ? 16 : 32, y = pes == 1024 ? 32 : 16;
  // Sizes are areas of 16-bit storage: the buffer in bytes, the RF in 16-bit words.
  const std::uint64_t glb_words =
      storage->buffer_bytes * 8 / static_cast<std::uint64_t>(glb.word_bits);
  const std::uint64_t rf_words = storage->rf_words * 16 / static_cast<std::uint64_t>(rf.word_bits);
  // Reference §4 compares dense data without compression: every level moves plain words.
  for (StorageLevel& l : a.levels)
    l.compression = {Compression::None, Compression::None, Compression::None};
  glb.partitioned = false;
  glb.capacity = glb_words;
  glb.capacity_per_tensor = {0, 0, 0};
  glb.keeps = {buffer_keeps_weights, true, true};
  if (df == Dataflow::NLR) {
    // No PE storage: the buffer's spatial loops feed the MAC units directly.
    a.compute.mesh_x = x;
    a.compute.mesh_y = y;
    a.compute.hop_energy = rf.hop_energy;
    a.levels.pop_back();
  } else {
    rf.mesh_x = x;
    rf.mesh_y = y;
    rf.partitioned = false;
    rf.capacity = rf_words;
    rf.capacity_per_tensor = {0, 0, 0};
    rf.keeps = pe_keeps(df);
  }
  // Psums: every level that now keeps outputs needs the base's energy of a psum update.
  for (const StorageLevel& l : a.levels)
    if (l.keeps[static_cast<int>(Tensor::Outputs)] && l.update_energy <= 0)
      return make_error(fmt::format(
          "arch '{}': level '{}' keeps outputs in the comparison but has no update energy "
          "(energy: {{update: ...}})",
          base.name, l.name));
  a.name = fmt::format("{}-{}-{}pe{}{}", base.name, dataflow_name(df), pes,
                       equal_area ? "-equal-area" : "", buffer_keeps_weights ? "-glb-w" : "");
  if (auto st = a.validate(); !st) return st.error();
  return a;
}

Result<DataflowComparison> compare_dataflows(const Network& net, const Arch& base,
                                             const CompareOptions& opt) {
  DataflowComparison out;
  out.network = net.name;
  out.base_arch = base.name;
  out.pes = opt.pes;
  out.equal_area = opt.equal_area;
  out.unit = base.unit;
  out.dataflows = compared_dataflows();
  for (const Layer& l : net.layers) out.layer_names.push_back(l.name());
  out.layers.assign(net.layers.size(), std::vector<DataflowFigures>(out.dataflows.size()));
  out.total.assign(out.dataflows.size(), DataflowFigures{});
  const std::size_t ndf = out.dataflows.size();
  for (std::size_t k = 0; k < ndf; ++k) {
    const Dataflow df = out.dataflows[k];
    auto storage = comparison_storage(df, opt.pes, opt.equal_area);
    if (!storage) return storage.error();
    out.storage.push_back(*storage);
    std::array<Arch, 2> archs;
    std::array<NetworkEstimate, 2> est;
    std::array<bool, 2> ok{false, false};
    std::array<std::optional<Error>, 2> errors;
    for (int v = 0; v < 2; ++v) {
      auto a = comparison_arch(base, df, opt.pes, opt.equal_area, v == 1);
      if (!a) return a.error();
      archs[static_cast<std::size_t>(v)] = std::move(a).value();
      EstimateOptions eo;
      eo.dataflow = df;
      eo.batch = opt.batch;
      // Reference §4 compares dense layers.
      eo.weight_density = 1.0;
      eo.act_density = 1.0;
      eo.cancel = opt.cancel;
      if (opt.progress)
        eo.progress = [&, k](std::size_t i, std::size_t n, const Layer& l, double f) {
          // Two buffer variants per dataflow: the second half of the layer count is the second.
          opt.progress(k, ndf, i + static_cast<std::size_t>(v) * n, 2 * n, l, f);
        };
      auto e = estimate_network(net, archs[static_cast<std::size_t>(v)], eo);
      if (!e) {
        Error err = e.error();
        err.message = fmt::format("dataflow {}: {}", dataflow_name(df), err.message);
        errors[static_cast<std::size_t>(v)] = err;
        continue;
      }
      if (e->interrupted) out.interrupted = true;
      est[static_cast<std::size_t>(v)] = std::move(e).value();
      ok[static_cast<std::size_t>(v)] = true;
    }
    // A variant that cannot map some layer (e.g. the weights crowd the buffer) drops out; if both
    // do, so does the comparison.
    if (!ok[0] && !ok[1]) return *errors[0];
    out.batch = est[ok[0] ? 0 : 1].batch;
    DataflowFigures& tot = out.total[k];
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      // Less energy wins; an exact tie keeps the Eyeriss choice (weights bypass the buffer).
      const bool use_b = !ok[0] || (ok[1] && est[1].layers[i].eval.energy.total() <
                                                 est[0].layers[i].eval.energy.total());
      const LayerResult& r = est[use_b ? 1 : 0].layers[i];
      DataflowFigures& f = out.layers[i][k];
      f.energy = r.eval.energy.total();
      f.macs = r.eval.counts.macs;
      f.dram_accesses = dram_words(r.eval.counts);
      f.active_pes = r.eval.perf.active_pes;
      f.buffer_keeps_weights = use_b;
      f.mapping = r.mapping;
      tot.energy += f.energy;
      tot.macs += f.macs;
      tot.dram_accesses += f.dram_accesses;
      tot.active_pes = std::max(tot.active_pes, f.active_pes);
    }
    out.archs.push_back(std::move(archs));
  }
  return out;
}

}  // namespace erg
