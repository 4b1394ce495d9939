// Speed of the mapper (issue targets: whole ResNet-50 with optimal RS mappings in under 1 s, at
// least 5 million mapping evaluations per second per core, peak memory under 200 MB).
// Run: build/erg_bench --benchmark_filter='Mapper|Network' --benchmark_repetitions=5 \
//        --benchmark_report_aggregates_only=true
// Counters: `evaluated` (mappings the bounded search evaluated), `peak_rss_mb` (the process's peak
// resident set so far, from getrusage). Evaluations per second per core, with the bounds off, are
// measured by bench/mapper_eval_bench.cpp (the bounded search evaluates too few to time them).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/zoo.h"

namespace {

using namespace erg;

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

const Arch& eyeriss() {
  static const Arch a = load_arch("eyeriss").value();
  return a;
}

const Network& alexnet() {
  static const Network n = zoo_network("alexnet").value();
  return n;
}

// The optimal RS mapping of one AlexNet layer on eyeriss, with every core (the default).
void BM_MapperAlexNetLayer(benchmark::State& state) {
  const Layer& layer = alexnet().layers[static_cast<std::size_t>(state.range(0))];
  MapperOptions o;
  std::uint64_t evaluated = 0;
  for (auto _ : state) {
    auto r = map_layer(layer, eyeriss(), o);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    evaluated = r->stats.evaluated;
    benchmark::DoNotOptimize(r->objective);
  }
  state.SetLabel(layer.name());
  state.counters["evaluated"] = static_cast<double>(evaluated);
}
BENCHMARK(BM_MapperAlexNetLayer)->DenseRange(0, 7)->Unit(benchmark::kMillisecond)->UseRealTime();

// `erg estimate NET --arch eyeriss` without the printing: every layer mapped optimally (rs).
void BM_NetworkEstimate(benchmark::State& state, const char* name) {
  const Network net = zoo_network(name).value();
  EstimateOptions o;
  for (auto _ : state) {
    auto est = estimate_network(net, eyeriss(), o);
    if (!est) {
      state.SkipWithError(est.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(est->layers.size());
  }
  state.counters["peak_rss_mb"] = peak_rss_mb();
}
BENCHMARK_CAPTURE(BM_NetworkEstimate, alexnet, "alexnet")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_NetworkEstimate, vgg16, "vgg16")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_NetworkEstimate, googlenet, "googlenet")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_NetworkEstimate, resnet50, "resnet50")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_NetworkEstimate, mobilenet, "mobilenet")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
