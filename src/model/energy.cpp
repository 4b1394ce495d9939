// Counts → energy and cycles, and the evaluate() entry point.
#include <algorithm>
#include <cmath>

#include "erg/cost_model.h"
#include "model/nest.h"

namespace erg {

double Energy::tensor_total(Tensor t) const {
  const int ti = static_cast<int>(t);
  double s = 0;
  for (const auto& l : storage) s += l[ti];
  for (const auto& l : network) s += l[ti];
  if (t == Tensor::Outputs) s += compute_network;
  return s;
}

double Energy::level_total(int level) const {
  double s = 0;
  for (double v : storage[level]) s += v;
  return s;
}

double Energy::network_total(int level) const {
  double s = 0;
  for (double v : network[level]) s += v;
  return s;
}

double Energy::data_total() const {
  double s = 0;
  for (Tensor t : kAllTensors) s += tensor_total(t);
  return s;
}

double bits_per_element(Compression c, int bits, double density, int rle_run_bits) {
  switch (c) {
    case Compression::None:
      return bits;
    case Compression::SigMap:
      return 1.0 + density * bits;
    case Compression::RunLength: {
      // Code words of (zero run, value). A run longer than the run field can express costs one
      // extra code word per 2^run_bits zeros. With zeros independent at rate z = 1 − d, the
      // expected number of code words per element is d / (1 − z^(L+1)), L = 2^run_bits − 1.
      const double word = rle_run_bits + bits;
      const double big_l = std::ldexp(1.0, rle_run_bits) - 1.0;
      if (density <= 0) return word / (big_l + 1.0);
      const double z = 1.0 - density;
      return word * density / (1.0 - std::pow(z, big_l + 1.0));
    }
  }
  return bits;
}

Energy energy_from_counts(const Layer& layer, const Arch& arch, const Counts& counts) {
  Energy e;
  const int L = arch.num_levels();
  e.storage.assign(static_cast<std::size_t>(L), {0, 0, 0});
  e.network.assign(static_cast<std::size_t>(L), {0, 0, 0});
  for (int lv = 0; lv < L; ++lv) {
    const StorageLevel& s = arch.levels[lv];
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      const TensorFormat& f = layer.format(t);
      const double scale =
          bits_per_element(s.compression[ti], f.bits, f.density, s.rle_run_bits) / s.word_bits;
      const TensorAccess& a = counts.levels[lv].tensor[ti];
      e.storage[lv][ti] = scale * (static_cast<double>(a.reads) * s.read_energy +
                                   static_cast<double>(a.writes) * s.write_energy +
                                   static_cast<double>(a.updates) * s.update_energy);
      e.network[lv][ti] = scale * static_cast<double>(a.hops) * s.hop_energy;
    }
  }
  const double ref = arch.compute.reference_bits;
  e.compute = layer.nonzero_macs() * arch.compute.mac_energy *
              (layer.format(Tensor::Weights).bits * layer.format(Tensor::Inputs).bits) /
              (ref * ref);
  e.compute_network = static_cast<double>(counts.mac_hops) * arch.compute.hop_energy *
                      layer.format(Tensor::Outputs).bits / ref;
  return e;
}

Performance performance_from_counts(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                    const Counts& counts) {
  Performance p;
  p.compute_cycles = counts.compute_cycles;
  std::uint64_t cycles = counts.compute_cycles;
  for (int lv = 0; lv < arch.num_levels(); ++lv) {
    const StorageLevel& s = arch.levels[lv];
    if (s.bandwidth <= 0) continue;
    double words = 0;
    for (const auto& a : counts.levels[lv].tensor)
      words += static_cast<double>(a.reads + a.writes + a.updates);
    const double per_instance = words / static_cast<double>(arch.instances(lv));
    cycles = std::max<std::uint64_t>(
        cycles, static_cast<std::uint64_t>(std::ceil(per_instance / s.bandwidth)));
  }
  p.cycles = cycles;
  const double units = static_cast<double>(arch.mac_units());
  p.utilization = cycles == 0 ? 0 : static_cast<double>(layer.macs()) / (cycles * units);
  // Bounded by the arch's MAC units, which validate_mapping checks the spatial factors against.
  std::uint64_t active = 1;
  for (const auto& lm : mapping.levels) {
    for (const auto& l : lm.spatial_x) active *= static_cast<std::uint64_t>(l.factor);
    for (const auto& l : lm.spatial_y) active *= static_cast<std::uint64_t>(l.factor);
  }
  p.active_pes = active;
  return p;
}

Result<LayerEvaluation> evaluate(const Layer& layer, const Arch& arch, const Mapping& mapping) {
  if (auto st = validate_mapping(layer, arch, mapping); !st.ok()) return st.error();
  LayerEvaluation ev;
  ev.counts = analytical_counts(layer, arch, mapping);
  ev.energy = energy_from_counts(layer, arch, ev.counts);
  ev.perf = performance_from_counts(layer, arch, mapping, ev.counts);
  return ev;
}

}  // namespace erg
