// Speed of the mapper's evaluation and of its bounded search, on one core (eyeriss, rs, energy).
//
// BM_MapperExhaustive: every mapping of the mapspace that fits the hardware evaluated exactly,
// bounds off (detail::SearchTuning{false}; what a --fix search does): `evals_per_s` is mappings
// evaluated per second of wall time on one thread, the per-evaluation speed (the bounded search
// evaluates too few mappings for bench/mapper_bench.cpp's rate to measure it).
// BM_MapperBounded: the same layers searched with the bounds, one thread: time per layer.
// Run: build/erg_bench --benchmark_filter='MapperExhaustive|MapperBounded'
//        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/zoo.h"
// erg_bench does not have src/ on its include path: internal headers by relative path.
#include "../src/mapper/search.h"

namespace {

using namespace erg;

const Arch& eyeriss() {
  static const Arch a = load_arch("eyeriss").value();
  return a;
}

// (network, layer): ResNet-50's slow 1x1 layers before the bounds, a 3x3, AlexNet CONV2, FC.
const std::vector<std::pair<std::string, std::string>>& cases() {
  static const std::vector<std::pair<std::string, std::string>> c = {{"resnet50", "res4a_branch2c"},
                                                                     {"resnet50", "res3a_branch2a"},
                                                                     {"resnet50", "res2a_branch2b"},
                                                                     {"alexnet", "conv2"},
                                                                     {"resnet50", "fc1000"}};
  return c;
}

Layer layer_of(int i) {
  const auto& [net, name] = cases()[static_cast<std::size_t>(i)];
  const Network n = zoo_network(net).value();
  for (const Layer& l : n.layers)
    if (l.name() == name) return l;
  return n.layers.front();
}

void run(benchmark::State& state, bool bounds) {
  const Layer layer = layer_of(static_cast<int>(state.range(0)));
  MapperOptions o;
  o.threads = 1;
  std::uint64_t evaluated = 0, last = 0;
  for (auto _ : state) {
    auto r = detail::map_layer_tuned(layer, eyeriss(), o, detail::SearchTuning{bounds});
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    evaluated += r->stats.evaluated;
    last = r->stats.evaluated;
    benchmark::DoNotOptimize(r->objective);
  }
  state.SetLabel(cases()[static_cast<std::size_t>(state.range(0))].second);
  state.counters["evaluated"] = static_cast<double>(last);
  state.counters["evals_per_s"] =
      benchmark::Counter(static_cast<double>(evaluated), benchmark::Counter::kIsRate);
}

void BM_MapperExhaustive(benchmark::State& state) { run(state, false); }
BENCHMARK(BM_MapperExhaustive)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MapperBounded(benchmark::State& state) { run(state, true); }
BENCHMARK(BM_MapperBounded)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
