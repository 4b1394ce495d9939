// Speed of simulation mode (erg/simulate.h) on AlexNet (zoo, 227×227, batch 1) on eyeriss, one
// image: every layer under the mapper's energy-optimal RS mapping, with seeded random data at
// densities like a trained, pruned AlexNet's (weights 0.35, inputs 0.5, outputs 0.45).
//   BM_Simulate_AlexNet_MACs:  exact non-skipped MACs of all eight layers;
//   BM_Simulate_AlexNet_Bits:  the whole simulation (MACs, densities, the walk, energy);
//   BM_Simulate_AlexNet_BitsMoved: the bits-moved count alone (compressed_bits: the walk of every
//                              compressed level, DRAM here);
// Target (issue 6): one image through AlexNet in under 10 s, and the bits-moved count faster than
// the MAC count. Mapping search is done once, outside the timed loop. Measured (2 cores, median
// of 3): MACs 17.9 ms, bits moved 15.3 ms, the whole simulation 62.5 ms — both targets met.
// Run: build/erg_bench --benchmark_filter=Simulate
#include <benchmark/benchmark.h>

#include <random>

#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/simulate.h"
#include "erg/zoo.h"

namespace {

using namespace erg;

struct Prepared {
  Arch arch;
  std::vector<Layer> layers;
  std::vector<Mapping> mappings;
  std::vector<LayerData> data;
};

const Prepared& alexnet() {
  static const Prepared p = [] {
    Prepared out;
    out.arch = load_arch("eyeriss").value();
    const Network net = zoo_network("alexnet").value();
    std::mt19937_64 rng(2017);
    for (const Layer& l : net.layers) {
      MapperOptions o;
      auto r = map_layer(l, out.arch, o);
      if (!r) continue;
      out.layers.push_back(l);
      out.mappings.push_back(r->mapping);
      LayerData d;
      const double density[] = {0.35, 0.5, 0.45};
      for (Tensor t : kAllTensors) {
        std::bernoulli_distribution nz(density[static_cast<int>(t)]);
        auto& v = d.of(t);
        v.resize(l.size(t));
        for (auto& x : v) x = nz(rng) ? 1 : 0;
      }
      out.data.push_back(std::move(d));
    }
    return out;
  }();
  return p;
}

void BM_Simulate_AlexNet_MACs(benchmark::State& state) {
  const Prepared& p = alexnet();
  for (auto _ : state) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) total += nonzero_macs(p.layers[i], p.data[i]);
    benchmark::DoNotOptimize(total);
  }
  state.counters["layers"] = static_cast<double>(p.layers.size());
}
BENCHMARK(BM_Simulate_AlexNet_MACs)->Unit(benchmark::kMillisecond);

void BM_Simulate_AlexNet_Bits(benchmark::State& state) {
  const Prepared& p = alexnet();
  for (auto _ : state) {
    double energy = 0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
      auto s = simulate_layer(p.layers[i], p.arch, p.mappings[i], p.data[i]);
      if (!s) {
        state.SkipWithError(s.error().message.c_str());
        return;
      }
      energy += s->energy.total();
    }
    benchmark::DoNotOptimize(energy);
  }
}
BENCHMARK(BM_Simulate_AlexNet_Bits)->Unit(benchmark::kMillisecond);

void BM_Simulate_AlexNet_BitsMoved(benchmark::State& state) {
  const Prepared& p = alexnet();
  for (auto _ : state) {
    std::uint64_t events = 0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
      auto b = compressed_bits(p.layers[i], p.arch, p.mappings[i], p.data[i]);
      if (!b) {
        state.SkipWithError(b.error().message.c_str());
        return;
      }
      for (const auto& level : *b)
        for (const auto& t : level)
          for (const auto& k : t.kind) events += k.events;
    }
    benchmark::DoNotOptimize(events);
  }
}
BENCHMARK(BM_Simulate_AlexNet_BitsMoved)->Unit(benchmark::kMillisecond);

}  // namespace
