// Speed of the analytical model and the reference evaluator (whole-network estimates and the
// mapper: mapper_bench.cpp).
// Run: build/erg_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/reference_evaluator.h"
#include "erg/zoo.h"

namespace {

using namespace erg;

struct Fixture {
  Arch arch = load_arch("eyeriss").value();
  Network alexnet = zoo_network("alexnet").value();
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// One analytical evaluation of an AlexNet layer under its chosen RS mapping.
void BM_AnalyticalCounts(benchmark::State& state) {
  const Fixture& f = fixture();
  const Layer& layer = f.alexnet.layers[static_cast<std::size_t>(state.range(0))];
  const Mapping m = simple_mapping(Dataflow::RS, layer, f.arch).value();
  for (auto _ : state) benchmark::DoNotOptimize(analytical_counts(layer, f.arch, m));
  state.SetLabel(layer.name());
}
BENCHMARK(BM_AnalyticalCounts)->DenseRange(0, 7)->Unit(benchmark::kMicrosecond);

// The literal evaluator on a small layer, for the ratio to the analytical model.
void BM_ReferenceVsAnalytical(benchmark::State& state) {
  const Fixture& f = fixture();
  LayerSpec s;
  s.name = "small";
  s.in_channels = 8;
  s.out_channels = 16;
  s.in_h = s.in_w = 15;
  s.filter_h = s.filter_w = 3;
  const Layer layer = Layer::make(s).value();
  const Mapping m = simple_mapping(Dataflow::RS, layer, f.arch).value();
  const bool reference = state.range(0) == 1;
  for (auto _ : state) {
    if (reference)
      benchmark::DoNotOptimize(reference_counts(layer, f.arch, m));
    else
      benchmark::DoNotOptimize(analytical_counts(layer, f.arch, m));
  }
  state.SetLabel(reference ? "reference" : "analytical");
}
BENCHMARK(BM_ReferenceVsAnalytical)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// erg estimate alexnet --arch eyeriss, without printing.

}  // namespace
