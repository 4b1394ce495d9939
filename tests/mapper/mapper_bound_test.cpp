// The mapper's lower bounds (src/mapper/mapper.cpp, class Bound) against exact objectives, and the
// bounded search against the unbounded one:
//   - at every stage where the search computes a bound (the frontier node, the inner tuple, the
//     inner tuple's class of buffer factors, the buffer tuple), the energy bound is at most the
//     mapping's exact energy and the cycles bound at most its cycles, on every mapping (or every
//     k-th, for the largest mapspaces) of real AlexNet and ResNet-50 layers under every dataflow,
//     and of small layers on small architectures (shared or partitioned capacities, two levels,
//     bandwidth limits, compression, sparse data);
//   - the bounds are not vacuous: on each of those layers some bound is within 1% of the exact
//     energy;
//   - map_layer with bounds returns exactly the mapping and objective of map_layer without them
//     (every mapping that fits evaluated), for every objective and 1 or 2 threads, and its
//     statistics add up to the mapspace.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "erg/io.h"
#include "erg/mapper.h"
#include "erg/mapping.h"
#include "erg/zoo.h"
#include "mapper/search.h"

namespace erg {
namespace {

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.error().message);
  return std::move(r).value();
}

Layer zoo_layer(const std::string& net, const std::string& name) {
  const Network n = must(zoo_network(net), "zoo " + net);
  for (const Layer& l : n.layers)
    if (l.name() == name) return l;
  throw std::runtime_error("no layer " + name + " in " + net);
}

Layer conv(std::string name, std::int64_t n, std::int64_t c, std::int64_t m, std::int64_t h,
           std::int64_t w, std::int64_t r, std::int64_t s, std::int64_t stride, std::int64_t pad,
           std::int64_t groups, LayerType type = LayerType::Conv) {
  LayerSpec sp;
  sp.name = std::move(name);
  sp.type = type;
  sp.batch = n;
  sp.in_channels = c;
  sp.out_channels = m;
  sp.in_h = h;
  sp.in_w = w;
  sp.filter_h = r;
  sp.filter_w = s;
  sp.stride_h = sp.stride_w = stride;
  sp.pad_top = sp.pad_bottom = sp.pad_left = sp.pad_right = pad;
  sp.groups = groups;
  return must(Layer::make(sp), "layer");
}

const char* kSmallSplit = R"(
version: 1
name: small-split
levels:
  - name: DRAM
    energy: {read: 200, write: 200, update: 200}
    compression: sigmap
    bandwidth: 2
  - name: GLB
    keeps: [inputs, outputs]
    capacity: 400
    energy: {read: 6, write: 6, update: 6}
  - name: RF
    mesh: {x: 5, y: 4}
    capacity: {weights: 16, inputs: 8, outputs: 6}
    energy: {read: 1, write: 1, update: 1}
    network: {name: array, hop: 2}
compute:
  energy: 1
)";

const char* kSmallPooled = R"(
version: 1
name: small-pooled
levels:
  - name: DRAM
    energy: {read: 128, write: 128, update: 128}
  - name: GLB
    capacity: 300
    energy: {read: 4, write: 4, update: 4.5}
  - name: RF
    mesh: {x: 4, y: 4}
    capacity: 24
    energy: {read: 0.5, write: 0.75, update: 1}
    network: {name: array, hop: 1.5}
compute:
  energy: 0.5
)";

const char* kSmallTwoLevel = R"(
version: 1
name: small-two-level
levels:
  - name: DRAM
    energy: {read: 100, write: 100, update: 100}
  - name: Buf
    capacity: 200
    energy: {read: 4, write: 4, update: 4}
    bandwidth: 8
compute:
  energy: 1
  mesh: {x: 4, y: 3}
  hop: 0.5
)";

std::vector<Layer> small_layers() {
  std::vector<Layer> v;
  v.push_back(conv("conv3x3", 1, 3, 6, 6, 6, 3, 3, 1, 0, 1));
  v.push_back(conv("stride2-pad1-n2", 2, 2, 4, 7, 7, 3, 3, 2, 1, 1));
  v.push_back(conv("groups2", 1, 4, 6, 5, 5, 3, 3, 1, 1, 2));
  v.push_back(conv("fc", 2, 16, 10, 1, 1, 1, 1, 1, 0, 1, LayerType::FC));
  v.push_back(conv("depthwise", 1, 4, 4, 6, 6, 3, 3, 1, 1, 4, LayerType::Depthwise));
  {
    LayerSpec sp = conv("sparse-tall", 1, 2, 4, 9, 6, 5, 2, 1, 0, 2).spec();
    sp.stride_w = 2;
    sp.pad_left = 1;
    sp.inputs.density = 0.5;
    sp.weights.density = 0.75;
    v.push_back(must(Layer::make(sp), "sparse-tall"));
  }
  return v;
}

const std::vector<Dataflow> kDataflows = {Dataflow::RS,   Dataflow::WS,   Dataflow::OS_A,
                                          Dataflow::OS_B, Dataflow::OS_C, Dataflow::NLR};

// Checks the bounds on the layer's mapspace; false if the arch does not suit the dataflow.
bool expect_bounds_hold(const Layer& layer, const Arch& arch, Dataflow df, std::uint64_t max,
                        std::uint64_t every, bool expect_tight = true) {
  const std::string where =
      layer.name() + " on " + arch.name + " under " + std::string(dataflow_name(df));
  auto r = detail::check_bounds(layer, arch, df, max, every);
  if (!r.ok()) return false;
  const detail::BoundCheck& c = r.value();
  EXPECT_EQ(c.violations, 0u) << where << ": " << c.first_violation;
  if (c.mappings == 0) return true;  // nothing fits
  EXPECT_GE(c.checks, 8 * c.mappings) << where;
  if (expect_tight) {
    // Some mapping is bounded within 1% at its inner tuple (often exactly).
    EXPECT_GT(c.tightest_inner, 0.99) << where;
    EXPECT_GT(c.tightest_tuple, 0.99) << where;
  }
  EXPECT_LE(c.tightest_tuple, 1.0) << where;
  return true;
}

TEST(MapperBound, BoundsNeverExceedTheExactObjectiveOnAlexNet) {
  const Arch arch = must(load_arch("eyeriss"), "eyeriss");
  // Row stationary: every mapping of CONV1, CONV2 and FC8; a sample of the rest.
  expect_bounds_hold(zoo_layer("alexnet", "conv1"), arch, Dataflow::RS, 1u << 30, 1);
  expect_bounds_hold(zoo_layer("alexnet", "conv2"), arch, Dataflow::RS, 1u << 30, 1);
  expect_bounds_hold(zoo_layer("alexnet", "conv3"), arch, Dataflow::RS, 40000, 3);
  expect_bounds_hold(zoo_layer("alexnet", "fc8"), arch, Dataflow::RS, 40000, 29);
  // The other dataflows (permuted off-chip orders: the permuted-level rules of the walk).
  for (Dataflow df : {Dataflow::WS, Dataflow::OS_A, Dataflow::OS_B, Dataflow::OS_C, Dataflow::NLR})
    for (const char* name : {"conv1", "conv3", "fc7"})
      expect_bounds_hold(zoo_layer("alexnet", name), arch, df, 15000, 101, false);
}

TEST(MapperBound, BoundsNeverExceedTheExactObjectiveOnResNet50) {
  const Arch arch = must(load_arch("eyeriss"), "eyeriss");
  // 1x1 convolutions with large C and M (the slow ones before the bounds), a 3x3, a strided 1x1,
  // the 7x7 first layer and the FC layer.
  for (const char* name : {"res4a_branch2c", "res5a_branch1", "fc1000"})
    expect_bounds_hold(zoo_layer("resnet50", name), arch, Dataflow::RS, 40000, 97);
  for (const char* name : {"conv1", "res2a_branch2b", "res3a_branch1", "res5b_branch2b"})
    expect_bounds_hold(zoo_layer("resnet50", name), arch, Dataflow::RS, 40000, 7);
  // A batch: N's buffer and off-chip loops (the buffer-factor classes of the frontier bound).
  for (const char* name : {"res4a_branch2c", "res2a_branch2b", "fc1000"})
    expect_bounds_hold(must(zoo_layer("resnet50", name).with_batch(4), "batch"), arch, Dataflow::RS,
                       40000, 211);
}

TEST(MapperBound, BoundsNeverExceedTheExactObjectiveOnSmallArchitectures) {
  int checked = 0;
  for (const char* yaml : {kSmallSplit, kSmallPooled, kSmallTwoLevel}) {
    const Arch arch = must(parse_arch_yaml(yaml, "<test arch>"), "arch");
    for (const Layer& layer : small_layers())
      for (Dataflow df : kDataflows)
        if (expect_bounds_hold(layer, arch, df, 20000, 1, false)) ++checked;
  }
  EXPECT_GE(checked, 80);
}

// The bounded search returns what the unbounded one does, whatever the objective and threads.
TEST(MapperBound, BoundedSearchEqualsUnboundedSearch) {
  struct Case {
    Layer layer;
    Arch arch;
    Dataflow df;
  };
  const Arch eyeriss = must(load_arch("eyeriss"), "eyeriss");
  std::vector<Case> cases;
  cases.push_back({zoo_layer("alexnet", "conv1"), eyeriss, Dataflow::RS});
  cases.push_back({zoo_layer("alexnet", "conv2"), eyeriss, Dataflow::RS});
  cases.push_back({zoo_layer("resnet50", "res2a_branch2b"), eyeriss, Dataflow::RS});
  cases.push_back(
      {must(zoo_layer("alexnet", "conv2").with_batch(3), "batch"), eyeriss, Dataflow::RS});
  cases.push_back({zoo_layer("alexnet", "fc8"), eyeriss, Dataflow::NLR});
  cases.push_back({zoo_layer("alexnet", "conv3"), eyeriss, Dataflow::OS_C});
  for (const char* yaml : {kSmallSplit, kSmallPooled, kSmallTwoLevel}) {
    const Arch arch = must(parse_arch_yaml(yaml, "<test arch>"), "arch");
    for (const Layer& layer : small_layers()) cases.push_back({layer, arch, Dataflow::Free});
  }
  int compared = 0, pruned = 0;
  for (const Case& c : cases)
    for (Objective o : {Objective::Energy, Objective::Delay, Objective::EDP}) {
      const std::string where = c.layer.name() + " on " + c.arch.name + " under " +
                                std::string(dataflow_name(c.df)) + ", " +
                                std::string(objective_name(o));
      MapperOptions opt;
      opt.dataflow = c.df;
      opt.objective = o;
      opt.threads = 1;
      auto all = detail::map_layer_tuned(c.layer, c.arch, opt, detail::SearchTuning{false});
      for (int threads : {1, 2}) {
        opt.threads = threads;
        auto bounded = map_layer(c.layer, c.arch, opt);
        ASSERT_EQ(all.ok(), bounded.ok()) << where;
        if (!all.ok()) continue;
        ++compared;
        const MapperResult& a = all.value();
        const MapperResult& b = bounded.value();
        EXPECT_EQ(a.objective, b.objective) << where;
        EXPECT_TRUE(a.mapping == b.mapping)
            << where << "\nunbounded: " << mapping_summary(c.arch, a.mapping)
            << "\nbounded:   " << mapping_summary(c.arch, b.mapping);
        EXPECT_EQ(a.stats.pruned_by_bound, 0u) << where;
        EXPECT_EQ(b.stats.mapspace, a.stats.mapspace) << where;
        EXPECT_EQ(b.stats.evaluated + b.stats.pruned_by_bound + b.stats.rejected_array +
                      b.stats.rejected_capacity + b.stats.rejected_dataflow +
                      b.stats.rejected_pinned,
                  b.stats.mapspace)
            << where;
        EXPECT_LE(b.stats.evaluated, a.stats.evaluated) << where;
        EXPECT_TRUE(b.stats.optimal) << where;
        pruned += b.stats.pruned_by_bound > 0;
      }
    }
  EXPECT_GE(compared, 100);
  EXPECT_GT(pruned, 50);  // the bounds do prune
}

// Statistics do not depend on the thread count either (the chunks of the best-first order make
// every pruning decision independent of timing).
TEST(MapperBound, StatisticsDoNotDependOnThreads) {
  const Arch eyeriss = must(load_arch("eyeriss"), "eyeriss");
  for (const char* name : {"res3a_branch2a", "fc1000"}) {
    const Layer layer = zoo_layer("resnet50", name);
    MapperOptions opt;
    opt.threads = 1;
    const MapperResult one = must(map_layer(layer, eyeriss, opt), name);
    for (int threads : {2, 3}) {
      opt.threads = threads;
      const MapperResult many = must(map_layer(layer, eyeriss, opt), name);
      EXPECT_TRUE(one.mapping == many.mapping) << name;
      EXPECT_EQ(one.stats.evaluated, many.stats.evaluated) << name << " threads " << threads;
      EXPECT_EQ(one.stats.pruned_by_bound, many.stats.pruned_by_bound) << name;
      EXPECT_EQ(one.stats.rejected_array, many.stats.rejected_array) << name;
      EXPECT_EQ(one.stats.rejected_capacity, many.stats.rejected_capacity) << name;
    }
  }
}

}  // namespace
}  // namespace erg
