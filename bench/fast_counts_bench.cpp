// Speed of the fast counter (src/model/fast_counts.h) against analytical_counts, on eyeriss.
//
// Each count is done the way the mapper does it: the nest is filled in place (loops of factor 1
// left out), finish_nest, then FastCounter::count. BM_NestFill_* does only the filling, so
// count alone = the difference. Workloads, per layer (AlexNet CONV1–5, a dozen ResNet-50 layers):
//   - RS: a fixed list of up to 3000 valid row-stationary mappings (rs_mapping with varied
//     m, n, e, p, q, r, t), drawn at random. BM_FastCounts_RS counts them in a loop with one warm
//     counter (steady state); BM_FastCounts_RS_Cold makes one pass with a fresh counter (every
//     mapping new: the worst case for the memo); BM_Analytical_RS runs analytical_counts on them.
//   - MapperOrder: the first 20000 mappings of the RS mapspace in the mapper's enumeration order
//     (for_each_mapping), one pass with a fresh counter: what a search pays per mapping.
// evals_per_s is counts per second on one core.
// Run: build/erg_bench --benchmark_filter='FastCounts|NestFill|Analytical_RS'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <set>

#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/zoo.h"
// erg_bench does not have src/ on its include path: internal headers by relative path.
#include "../src/model/fast_counts.h"
#include "../src/model/nest.h"

namespace {

using namespace erg;

// Nests stored flat, as the mapper would produce them one after another.
struct NestList {
  int levels = 0;
  std::array<std::int64_t, kNumDims> bound{};
  std::vector<detail::FlatLoop> loops;               // all nests' non-unit loops
  std::vector<std::size_t> begin;                    // nest i: loops[begin[i], begin[i + 1])
  std::vector<std::array<bool, kNumTensors>> keeps;  // nest i: keeps[i·levels ...]

  std::size_t size() const { return begin.empty() ? 0 : begin.size() - 1; }

  void add(const Layer& layer, const Mapping& m) {
    const detail::Nest full = detail::flatten(layer, m);
    levels = full.num_levels;
    bound = full.bound;
    if (begin.empty()) begin.push_back(0);
    for (const auto& l : full.loops)
      if (l.factor > 1) loops.push_back(l);
    begin.push_back(loops.size());
    keeps.insert(keeps.end(), full.keeps.begin(), full.keeps.end());
  }

  // What the mapper does before counting: clear, push the loops, finish_nest.
  void fill(std::size_t i, detail::Nest& n) const {
    n.num_levels = levels;
    n.bound = bound;
    n.loops.clear();
    for (std::size_t j = begin[i]; j < begin[i + 1]; ++j) n.loops.push_back(loops[j]);
    n.keeps.clear();
    for (int lv = 0; lv < levels; ++lv)
      n.keeps.push_back(keeps[i * static_cast<std::size_t>(levels) + static_cast<std::size_t>(lv)]);
    detail::finish_nest(n);
  }
};

struct Workload {
  Layer layer;
  std::string label;
  std::vector<Mapping> mappings;  // the RS list
  NestList rs;
};

// Up to `want` distinct valid RS parameter sets, drawn with a fixed seed.
Workload make_workload(const Layer& layer, const std::string& net, const Arch& arch,
                       std::size_t want) {
  Workload w{layer, net + "/" + layer.name(), {}, {}};
  std::mt19937_64 rng(12345);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, std::max(lo, hi))(rng);
  };
  const std::int64_t M = layer.dim(Dim::M), C = layer.dim(Dim::C);
  std::set<std::array<std::int64_t, 7>> seen;
  for (int i = 0; i < 200000 && w.mappings.size() < want; ++i) {
    RsParams p;
    p.p = pick(1, std::min<std::int64_t>(M, 32));
    p.t = pick(1, M / p.p);
    p.m = pick(p.p * p.t, M);
    p.q = pick(1, std::min<std::int64_t>(C, 16));
    p.r = pick(1, C / p.q);
    p.e = pick(1, layer.dim(Dim::P));
    p.n = pick(1, layer.dim(Dim::N));
    if (!seen.insert({p.m, p.n, p.e, p.p, p.q, p.r, p.t}).second) continue;
    auto m = rs_mapping(layer, arch, p);
    if (!m.ok()) continue;
    w.rs.add(layer, m.value());
    w.mappings.push_back(std::move(m).value());
  }
  return w;
}

struct Fixture {
  Arch arch = load_arch("eyeriss").value();
  std::vector<Workload> work;
  Fixture() {
    const Network alexnet = zoo_network("alexnet").value();
    for (const Layer& l : alexnet.layers)
      if (l.type() == LayerType::Conv) work.push_back(make_workload(l, "alexnet", arch, 3000));
    // ResNet-50: the stem, the 3×3 and 1×1 layers of each stage, and a strided 1×1.
    const Network resnet = zoo_network("resnet50").value();
    for (std::size_t i : {0, 1, 2, 3, 12, 13, 14, 25, 26, 44, 45, 47})
      if (i < resnet.layers.size())
        work.push_back(make_workload(resnet.layers[i], "resnet50", arch, 3000));
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

constexpr int kWorkloads = 17;

void layer_args(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < kWorkloads; ++i) b->Arg(i);
}

const Workload& workload(const benchmark::State& state) {
  return fixture().work[static_cast<std::size_t>(state.range(0))];
}

void rate(benchmark::State& state, std::size_t per_iteration) {
  state.counters["evals_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * per_iteration), benchmark::Counter::kIsRate);
}

void hit_rates(benchmark::State& state, const detail::FastCounter& counter) {
  const auto& st = counter.stats();
  state.counters["tensor_hits"] =
      static_cast<double>(st.tensor_hits) / static_cast<double>(st.tensor_hits + st.tensor_misses);
  state.counters["general"] = static_cast<double>(st.general);
  state.counters["clears"] = static_cast<double>(st.memo_clears);
  state.counters["pair_hits"] =
      static_cast<double>(st.pair_hits) / static_cast<double>(st.pair_hits + st.pair_misses);
}

void BM_FastCounts_RS(benchmark::State& state) {
  const Workload& w = workload(state);
  detail::FastCounter counter(w.layer, fixture().arch);
  detail::Nest nest;
  Counts out;
  for (std::size_t i = 0; i < w.rs.size(); ++i) {  // warm the memo: steady state
    w.rs.fill(i, nest);
    counter.count(nest, out);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    w.rs.fill(i, nest);
    counter.count(nest, out);
    benchmark::DoNotOptimize(out.levels.data());
    benchmark::ClobberMemory();
    if (++i == w.rs.size()) i = 0;
  }
  state.SetLabel(w.label + " (" + std::to_string(w.rs.size()) + " RS mappings)");
  rate(state, 1);
  hit_rates(state, counter);
}
BENCHMARK(BM_FastCounts_RS)->Apply(layer_args);

void BM_NestFill_RS(benchmark::State& state) {
  const Workload& w = workload(state);
  detail::Nest nest;
  std::size_t i = 0;
  for (auto _ : state) {
    w.rs.fill(i, nest);
    benchmark::DoNotOptimize(nest.loops.data());
    benchmark::ClobberMemory();
    if (++i == w.rs.size()) i = 0;
  }
  state.SetLabel(w.label);
  rate(state, 1);
}
BENCHMARK(BM_NestFill_RS)->Apply(layer_args);

void BM_FastCounts_RS_Cold(benchmark::State& state) {
  const Workload& w = workload(state);
  detail::Nest nest;
  Counts out;
  for (auto _ : state) {
    detail::FastCounter counter(w.layer, fixture().arch);
    for (std::size_t i = 0; i < w.rs.size(); ++i) {
      w.rs.fill(i, nest);
      counter.count(nest, out);
    }
    benchmark::DoNotOptimize(out.levels.data());
    state.PauseTiming();
    hit_rates(state, counter);
    state.ResumeTiming();
  }
  state.SetLabel(w.label);
  rate(state, w.rs.size());
}
BENCHMARK(BM_FastCounts_RS_Cold)->Apply(layer_args)->Unit(benchmark::kMillisecond);

void BM_Analytical_RS(benchmark::State& state) {
  const Workload& w = workload(state);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(analytical_counts(w.layer, fixture().arch, w.mappings[i]));
    if (++i == w.mappings.size()) i = 0;
  }
  state.SetLabel(w.label);
  rate(state, 1);
}
BENCHMARK(BM_Analytical_RS)->Apply(layer_args)->Unit(benchmark::kMicrosecond);

const NestList& mapper_order(std::size_t i) {
  static const std::vector<NestList> all = [] {
    std::vector<NestList> v;
    const Fixture& f = fixture();
    for (const Workload& w : f.work) {
      NestList list;
      (void)for_each_mapping(w.layer, f.arch, Dataflow::RS, [&](const Mapping& m) {
        list.add(w.layer, m);
        return list.size() < 20000;
      });
      v.push_back(std::move(list));
    }
    return v;
  }();
  return all[i];
}

void BM_FastCounts_MapperOrder(benchmark::State& state) {
  const Workload& w = workload(state);
  const NestList& list = mapper_order(static_cast<std::size_t>(state.range(0)));
  detail::Nest nest;
  Counts out;
  for (auto _ : state) {
    detail::FastCounter counter(w.layer, fixture().arch);
    for (std::size_t i = 0; i < list.size(); ++i) {
      list.fill(i, nest);
      counter.count(nest, out);
    }
    benchmark::DoNotOptimize(out.levels.data());
    state.PauseTiming();
    hit_rates(state, counter);
    state.ResumeTiming();
  }
  state.SetLabel(w.label + " (" + std::to_string(list.size()) + " mappings)");
  rate(state, list.size());
}
BENCHMARK(BM_FastCounts_MapperOrder)->Apply(layer_args)->Unit(benchmark::kMillisecond);

}  // namespace
