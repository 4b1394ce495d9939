// The mapper (src/mapper) against brute force and its own contract (include/erg/mapper.h):
//   - on small layers and small architectures, for every dataflow and objective, map_layer returns
//     exactly the best mapping of the declared mapspace as found by enumerating it with
//     for_each_mapping and evaluating every mapping with the literal reference evaluator,
//     including the tie-break (more active PEs, then fewer cycles, then enumeration order);
//   - the statistics account for every mapping of the mapspace;
//   - results do not depend on the thread count and repeat exactly;
//   - returned mappings obey their dataflow and validate;
//   - pins (--fix) restrict the search exactly as documented; impossible pins are errors;
//   - a cancelled search is marked not optimal.
//
// Objectives are compared exactly (==) on purpose: every energy constant used here (200, 6, 2, 1,
// 0.5, ...), every compression scale (17/16 for dense significance maps, 9/16 at density 0.5) and
// the MAC energies are dyadic rationals, and the totals stay far below 2^53, so every sum is exact
// in a double whatever its order.
#include "erg/mapper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "erg/cost_model.h"
#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/mapping.h"
#include "erg/network.h"
#include "erg/reference_evaluator.h"
#include "erg/zoo.h"

namespace erg {
namespace {

const std::vector<Dataflow> kSingleDataflows = {Dataflow::RS,   Dataflow::WS,   Dataflow::OS_A,
                                                Dataflow::OS_B, Dataflow::OS_C, Dataflow::NLR};
const std::vector<Objective> kObjectives = {Objective::Energy, Objective::Delay, Objective::EDP};

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.error().message);
  return std::move(r).value();
}

double objective_of(Objective o, double energy, std::uint64_t cycles) {
  switch (o) {
    case Objective::Energy:
      return energy;
    case Objective::Delay:
      return static_cast<double>(cycles);
    case Objective::EDP:
      return energy * static_cast<double>(cycles);
  }
  return energy;
}

// ---------------------------------------------------------------------------------------------
// Layers and architectures.

LayerSpec conv_spec(std::string name, std::int64_t n, std::int64_t c, std::int64_t m,
                    std::int64_t h, std::int64_t w, std::int64_t r, std::int64_t s,
                    std::int64_t stride, std::int64_t pad, std::int64_t groups) {
  LayerSpec sp;
  sp.name = std::move(name);
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
  return sp;
}

// Small layers (a few thousand MACs at most) covering stride 1–2, padding, groups, batch, FC,
// depthwise, rectangular filters, filters taller than a small array and sparse inputs.
std::vector<Layer> small_layers() {
  std::vector<LayerSpec> specs;
  specs.push_back(conv_spec("conv3x3", 1, 3, 4, 4, 4, 3, 3, 1, 0, 1));          // P=Q=2, 432 MACs
  specs.push_back(conv_spec("stride2-pad1-n2", 2, 2, 2, 5, 5, 3, 3, 2, 1, 1));  // P=Q=3, 648
  specs.push_back(conv_spec("groups2-pad1", 1, 4, 4, 3, 3, 3, 3, 1, 1, 2));     // P=Q=3, 648
  {
    LayerSpec fc = conv_spec("fc-n2", 2, 8, 6, 2, 2, 2, 2, 1, 0, 1);  // 384 MACs
    fc.type = LayerType::FC;
    specs.push_back(fc);
  }
  {
    LayerSpec dw = conv_spec("depthwise", 1, 4, 4, 4, 4, 3, 3, 1, 1, 4);  // G=4, P=Q=4, 576 MACs
    dw.type = LayerType::Depthwise;
    specs.push_back(dw);
  }
  {
    // 5 filter rows (taller than a 3- or 4-row array), rectangular stride and padding, inputs at
    // density 0.5 (sparse energies), 2 groups.
    LayerSpec r = conv_spec("tall-filter-sparse", 1, 2, 4, 7, 6, 5, 2, 1, 0, 2);
    r.stride_w = 2;
    r.pad_left = 1;
    r.pad_right = 0;
    r.inputs.density = 0.5;
    specs.push_back(r);  // P=3, Q=3, G2 M2 C1 R5 S2: 360 MACs
  }
  {
    // A filter row wider than tiny-split's input scratchpad: no row-stationary mapping fits.
    specs.push_back(conv_spec("wide-filter", 1, 2, 2, 1, 9, 1, 7, 1, 0, 1));  // Q=3, 84 MACs
  }
  std::vector<Layer> out;
  for (const auto& s : specs) out.push_back(must(Layer::make(s), "layer " + s.name));
  return out;
}

// DRAM, a 160-word buffer for inputs and psums, a 4 x 3 array of PEs with split scratchpads;
// bandwidth limits so that delay is not just compute cycles.
const char* kTinySplit = R"(
version: 1
name: tiny-split
levels:
  - name: DRAM
    energy: {read: 200, write: 200, update: 200}
    compression: sigmap
    bandwidth: 2
  - name: GLB
    keeps: [inputs, outputs]
    capacity: 160
    energy: {read: 6, write: 6, update: 6}
    bandwidth: 4
  - name: RF
    mesh: {x: 4, y: 3}
    capacity: {weights: 12, inputs: 6, outputs: 4}
    energy: {read: 1, write: 1, update: 1}
    network: {name: array, hop: 2}
compute:
  energy: 1
)";

// DRAM, a shared 96-word buffer keeping everything, a 4 x 4 array of PEs with one 16-word pool.
const char* kTinyPooled = R"(
version: 1
name: tiny-pooled
levels:
  - name: DRAM
    energy: {read: 128, write: 128, update: 128}
  - name: GLB
    capacity: 96
    energy: {read: 4, write: 4, update: 4.5}
  - name: RF
    mesh: {x: 4, y: 4}
    capacity: 16
    energy: {read: 0.5, write: 0.75, update: 1}
    network: {name: array, hop: 1.5}
compute:
  energy: 0.5
)";

// Two levels: the buffer's spatial loops feed a 4 x 2 array of MAC units directly.
const char* kTinyTwoLevel = R"(
version: 1
name: tiny-two-level
levels:
  - name: DRAM
    energy: {read: 100, write: 100, update: 100}
  - name: Buf
    capacity: 64
    energy: {read: 4, write: 4, update: 4}
    bandwidth: 8
compute:
  energy: 1
  mesh: {x: 4, y: 2}
  hop: 0.5
)";

Arch tiny_arch(const char* yaml) { return must(parse_arch_yaml(yaml, "<test arch>"), "tiny arch"); }
Arch preset(const std::string& name) { return must(load_arch(name), "preset " + name); }

std::string describe(const Layer& l) {
  std::string s = l.name() + " (";
  for (Dim d : kAllDims) s += std::string(dim_name(d)) + std::to_string(l.dim(d)) + " ";
  s += "stride " + std::to_string(l.stride_h()) + "x" + std::to_string(l.stride_w()) + ", pad t" +
       std::to_string(l.pad_top()) + " l" + std::to_string(l.pad_left()) + ")";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Brute force.

struct Candidate {
  Mapping mapping;
  double energy = 0;
  std::uint64_t cycles = 0;
  std::uint64_t active = 0;
};

struct Space {
  bool usable = false;  // the arch suits the dataflow
  std::string error;
  MapperStats stats;
  std::vector<Candidate> candidates;  // in enumeration order
};

Candidate reference_candidate(const Layer& layer, const Arch& arch, const Mapping& m) {
  Candidate c;
  c.mapping = m;
  const Counts counts = must(reference_counts(layer, arch, m), "reference_counts");
  c.energy = energy_from_counts(layer, arch, counts).total();
  const Performance p = performance_from_counts(layer, arch, m, counts);
  c.cycles = p.cycles;
  c.active = p.active_pes;
  return c;
}

// Every mapping of the dataflow's mapspace, each checked and evaluated by the reference.
Space enumerate(const Layer& layer, const Arch& arch, Dataflow df) {
  Space s;
  std::vector<Mapping> ms;
  auto st = for_each_mapping(layer, arch, df, [&](const Mapping& m) {
    ms.push_back(m);
    return true;
  });
  if (!st.ok()) {
    s.error = st.error().message;
    return s;
  }
  s.usable = true;
  s.stats = st.value();
  const std::string where =
      describe(layer) + " on " + arch.name + " under " + std::string(dataflow_name(df));
  EXPECT_EQ(s.stats.evaluated, ms.size()) << where;
  EXPECT_EQ(s.stats.evaluated + s.stats.pruned_by_bound + s.stats.rejected_array +
                s.stats.rejected_capacity + s.stats.rejected_dataflow + s.stats.rejected_pinned,
            s.stats.mapspace)
      << where;
  EXPECT_EQ(s.stats.pruned_by_bound, 0u) << where;
  EXPECT_EQ(s.stats.rejected_pinned, 0u) << where;
  std::set<std::string> distinct;
  for (const Mapping& m : ms) {
    auto v = validate_mapping(layer, arch, m);
    EXPECT_TRUE(v.ok()) << where << ": " << v.error().message << "\n" << mapping_summary(arch, m);
    auto c = check_dataflow(df, layer, arch, m);
    EXPECT_TRUE(c.ok()) << where << ": " << c.error().message << "\n" << mapping_summary(arch, m);
    if (!v.ok()) continue;
    distinct.insert(mapping_to_yaml(arch, m));
    s.candidates.push_back(reference_candidate(layer, arch, m));
  }
  EXPECT_EQ(distinct.size(), ms.size()) << where << ": the enumeration repeats mappings";
  return s;
}

// The mapper's total order: lower objective, more active PEs, fewer cycles, earlier.
const Candidate* best_of(const std::vector<const Space*>& spaces, Objective o) {
  const Candidate* best = nullptr;
  double best_obj = 0;
  for (const Space* s : spaces)
    for (const Candidate& c : s->candidates) {
      const double obj = objective_of(o, c.energy, c.cycles);
      bool better = best == nullptr || obj < best_obj;
      if (!better && obj == best_obj) {
        better = c.active > best->active || (c.active == best->active && c.cycles < best->cycles);
      }
      if (better) {
        best = &c;
        best_obj = obj;
      }
    }
  return best;
}

struct Totals {
  int cases = 0;               // (layer, arch, dataflow, objective) with a mapping
  int no_mapping = 0;          // ... without (map_layer must fail)
  int tie_active = 0;          // minimum objective reached with different active PE counts
  int tie_cycles = 0;          // ... with the same active PEs but different cycles
  std::uint64_t mappings = 0;  // mappings evaluated by the reference
  std::uint64_t rejected_array = 0, rejected_capacity = 0;
};

void check_against_brute_force(const Layer& layer, const Arch& arch, Totals& totals) {
  std::vector<Space> spaces;
  for (Dataflow df : kSingleDataflows) {
    spaces.push_back(enumerate(layer, arch, df));
    const Space& s = spaces.back();
    totals.mappings += s.candidates.size();
    totals.rejected_array += s.stats.rejected_array;
    totals.rejected_capacity += s.stats.rejected_capacity;
  }
  for (std::size_t k = 0; k <= kSingleDataflows.size(); ++k) {
    const bool free = k == kSingleDataflows.size();
    const Dataflow df = free ? Dataflow::Free : kSingleDataflows[k];
    std::vector<const Space*> in;
    MapperStats expected_stats;  // sums over the usable spaces
    for (std::size_t i = 0; i < spaces.size(); ++i) {
      if ((free || i == k) && spaces[i].usable) {
        in.push_back(&spaces[i]);
        expected_stats.mapspace += spaces[i].stats.mapspace;
        expected_stats.evaluated += spaces[i].stats.evaluated;
        expected_stats.rejected_array += spaces[i].stats.rejected_array;
        expected_stats.rejected_capacity += spaces[i].stats.rejected_capacity;
      }
    }
    for (Objective o : kObjectives) {
      const std::string where = describe(layer) + " on " + arch.name + ", dataflow " +
                                std::string(dataflow_name(df)) + ", objective " +
                                std::string(objective_name(o));
      SCOPED_TRACE(where);
      MapperOptions opt;
      opt.dataflow = df;
      opt.objective = o;
      opt.threads = 1;
      const auto r = map_layer(layer, arch, opt);
      const Candidate* best = best_of(in, o);
      if (in.empty()) {
        EXPECT_FALSE(r.ok()) << "the arch does not suit the dataflow, yet the mapper found "
                             << mapping_summary(arch, r.value().mapping);
        if (!r.ok()) {
          EXPECT_EQ(r.error().message, spaces[k < spaces.size() ? k : 0].error);
        }
        continue;
      }
      if (best == nullptr) {
        ++totals.no_mapping;
        EXPECT_FALSE(r.ok()) << "brute force found no mapping, the mapper found "
                             << mapping_summary(arch, r.value().mapping);
        if (!r.ok()) {
          EXPECT_NE(r.error().message.find("no "), std::string::npos);
        }
        continue;
      }
      ++totals.cases;
      ASSERT_TRUE(r.ok()) << r.error().message;
      const MapperResult& res = r.value();
      const double best_obj = objective_of(o, best->energy, best->cycles);
      // The minimum, and the mapping the tie-break picks.
      EXPECT_EQ(res.objective, best_obj)
          << "mapper: " << mapping_summary(arch, res.mapping)
          << "\nbrute force: " << mapping_summary(arch, best->mapping);
      std::uint64_t max_active = 0, min_cycles = std::numeric_limits<std::uint64_t>::max();
      std::set<std::uint64_t> actives, cycles_at_max;
      for (const Space* s : in)
        for (const Candidate& c : s->candidates)
          if (objective_of(o, c.energy, c.cycles) == best_obj) {
            actives.insert(c.active);
            max_active = std::max(max_active, c.active);
          }
      for (const Space* s : in)
        for (const Candidate& c : s->candidates)
          if (objective_of(o, c.energy, c.cycles) == best_obj && c.active == max_active) {
            cycles_at_max.insert(c.cycles);
            min_cycles = std::min(min_cycles, c.cycles);
          }
      if (actives.size() > 1) ++totals.tie_active;
      if (cycles_at_max.size() > 1) ++totals.tie_cycles;
      // The mapping, re-evaluated by the reference evaluator, has that objective.
      const Candidate mine = reference_candidate(layer, arch, res.mapping);
      EXPECT_EQ(objective_of(o, mine.energy, mine.cycles), best_obj)
          << mapping_summary(arch, res.mapping);
      EXPECT_EQ(mine.active, max_active) << "tie-break: most active PEs";
      EXPECT_EQ(mine.cycles, min_cycles) << "tie-break: then fewest cycles";
      EXPECT_TRUE(res.mapping == best->mapping)
          << "tie-break: then the first in enumeration order\nmapper:      "
          << mapping_summary(arch, res.mapping)
          << "\nbrute force: " << mapping_summary(arch, best->mapping);
      // The evaluation it reports is the mapping's.
      EXPECT_EQ(res.eval.energy.total(), mine.energy);
      EXPECT_EQ(res.eval.perf.cycles, mine.cycles);
      EXPECT_EQ(res.eval.perf.active_pes, mine.active);
      if (!free) {
        EXPECT_TRUE(check_dataflow(df, layer, arch, res.mapping).ok());
      }
      // Statistics: every mapping accounted for. A subtree pruned by a bound counts whole as
      // pruned, including mappings the hardware would have rejected, so the search's
      // hardware rejections are at most the enumeration's and evaluated + pruned at least its
      // visits. (A mapping that breaks both the array and a capacity counts under the reason
      // checked first, which depends on the search order: only the sum is comparable.)
      const MapperStats& st = res.stats;
      EXPECT_TRUE(st.optimal);
      EXPECT_EQ(st.mapspace, expected_stats.mapspace);
      EXPECT_EQ(st.evaluated + st.pruned_by_bound + st.rejected_array + st.rejected_capacity +
                    st.rejected_dataflow + st.rejected_pinned,
                st.mapspace);
      EXPECT_GE(st.evaluated + st.pruned_by_bound, expected_stats.evaluated);
      EXPECT_LE(st.rejected_array + st.rejected_capacity,
                expected_stats.rejected_array + expected_stats.rejected_capacity);
      EXPECT_LE(st.evaluated, expected_stats.evaluated);
      EXPECT_EQ(st.rejected_pinned, 0u);
      EXPECT_EQ(st.rejected_dataflow, 0u);
    }
  }
}

TEST(MapperBruteForce, SmallLayersOnTinyArchitectures) {
  Totals t;
  for (const char* yaml : {kTinySplit, kTinyPooled, kTinyTwoLevel}) {
    const Arch arch = tiny_arch(yaml);
    for (const Layer& layer : small_layers()) check_against_brute_force(layer, arch, t);
  }
  // Not vacuous: hardware limits cut mappings, ties needed the tie-break, some layer does not fit.
  EXPECT_GE(t.cases, 200);
  EXPECT_GT(t.rejected_array, 0u);
  EXPECT_GT(t.rejected_capacity, 0u);
  EXPECT_GT(t.tie_active, 0);
  EXPECT_GT(t.tie_cycles, 0);
  EXPECT_GT(t.no_mapping, 0);
}

TEST(MapperBruteForce, SmallLayersOnPresets) {
  Totals t;
  for (const char* name : {"eyeriss", "eyeriss-isca16"}) {
    const Arch arch = preset(name);
    for (const Layer& layer : small_layers()) {
      // The two presets give these layers nearly the same mapspaces: the costliest two run on
      // eyeriss only, to keep the suite quick.
      const bool costly = layer.name() == "stride2-pad1-n2" || layer.name() == "groups2-pad1";
      if (costly && arch.name != "eyeriss") continue;
      check_against_brute_force(layer, arch, t);
    }
  }
  EXPECT_GE(t.cases, 200);
  EXPECT_GT(t.tie_active, 0);
}

// ---------------------------------------------------------------------------------------------
// AlexNet on the presets.

Layer alexnet(const std::string& name) {
  static const Network net = must(zoo_network("alexnet"), "zoo alexnet");
  for (const Layer& l : net.layers)
    if (l.name() == name) return l;
  throw std::runtime_error("no AlexNet layer " + name);
}

MapperResult map_or_throw(const Layer& layer, const Arch& arch, Dataflow df, Objective o,
                          int threads) {
  MapperOptions opt;
  opt.dataflow = df;
  opt.objective = o;
  opt.threads = threads;
  return must(map_layer(layer, arch, opt),
              layer.name() + " on " + arch.name + " under " + std::string(dataflow_name(df)));
}

void expect_stats_add_up(const MapperStats& st, const std::string& where) {
  EXPECT_GT(st.mapspace, 0u) << where;
  EXPECT_LT(st.mapspace, ~std::uint64_t{0}) << where << ": saturated";
  EXPECT_EQ(st.evaluated + st.pruned_by_bound + st.rejected_array + st.rejected_capacity +
                st.rejected_dataflow + st.rejected_pinned,
            st.mapspace)
      << where;
  EXPECT_GT(st.evaluated, 0u) << where;
}

// (layer, dataflow) pairs whose search takes well under a second on these presets (os_b on the
// AlexNet CONV layers takes seconds to minutes, so it is exercised on the FC layers).
struct AlexCase {
  const char* layer;
  Dataflow df;
};
const std::vector<AlexCase> kAlexCases = {
    {"conv1", Dataflow::RS},   {"conv2", Dataflow::RS},   {"conv1", Dataflow::WS},
    {"conv3", Dataflow::WS},   {"conv3", Dataflow::OS_A}, {"fc6", Dataflow::OS_A},
    {"fc6", Dataflow::OS_B},   {"fc8", Dataflow::OS_B},   {"conv1", Dataflow::OS_C},
    {"conv3", Dataflow::OS_C}, {"conv5", Dataflow::OS_C}, {"fc7", Dataflow::OS_C},
    {"conv1", Dataflow::NLR},  {"conv3", Dataflow::NLR},  {"fc8", Dataflow::NLR},
};

TEST(MapperAlexNet, ReturnedMappingsObeyTheirDataflowAndValidate) {
  for (const char* name : {"eyeriss", "eyeriss-isca16"}) {
    const Arch arch = preset(name);
    for (const AlexCase& c : kAlexCases) {
      const Layer layer = alexnet(c.layer);
      const std::string where =
          std::string(c.layer) + " on " + name + " under " + std::string(dataflow_name(c.df));
      const MapperResult r = map_or_throw(layer, arch, c.df, Objective::Energy, 2);
      auto v = validate_mapping(layer, arch, r.mapping);
      EXPECT_TRUE(v.ok()) << where << ": " << v.error().message;
      auto d = check_dataflow(c.df, layer, arch, r.mapping);
      EXPECT_TRUE(d.ok()) << where << ": " << d.error().message << "\n"
                          << mapping_summary(arch, r.mapping);
      // The reported evaluation and objective are the mapping's.
      const LayerEvaluation ev = must(evaluate(layer, arch, r.mapping), where);
      EXPECT_EQ(r.eval.counts, ev.counts) << where;
      // AlexNet's published densities are not dyadic: the mapper's sum may round differently.
      EXPECT_NEAR(r.objective, ev.energy.total(), 1e-12 * ev.energy.total()) << where;
      EXPECT_TRUE(r.stats.optimal) << where;
      expect_stats_add_up(r.stats, where);
    }
  }
}

TEST(MapperAlexNet, StatisticsAddUpToTheMapspace) {
  const Arch arch = preset("eyeriss");
  // for_each_mapping: visited plus rejections is the mapspace, and the search accounts for the
  // same mapspace with the same hardware rejections. (MapperAlexNet.ReturnedMappings... checks
  // the statistics of larger searches.)
  std::uint64_t rejections = 0;
  for (const AlexCase& c : std::vector<AlexCase>{{"conv1", Dataflow::RS},
                                                 {"conv1", Dataflow::OS_C},
                                                 {"conv1", Dataflow::NLR},
                                                 {"conv3", Dataflow::OS_A},
                                                 {"fc8", Dataflow::WS}}) {
    const Layer layer = alexnet(c.layer);
    const std::string where = std::string(c.layer) + " under " + std::string(dataflow_name(c.df));
    std::uint64_t visited = 0;
    const MapperStats fem = must(for_each_mapping(layer, arch, c.df,
                                                  [&](const Mapping&) {
                                                    ++visited;
                                                    return true;
                                                  }),
                                 where);
    EXPECT_EQ(visited, fem.evaluated) << where;
    EXPECT_EQ(visited + fem.rejected_array + fem.rejected_capacity, fem.mapspace) << where;
    rejections += fem.rejected_array + fem.rejected_capacity;
    for (Objective o : kObjectives) {
      const MapperResult r = map_or_throw(layer, arch, c.df, o, 2);
      const std::string w2 = where + " " + std::string(objective_name(o));
      expect_stats_add_up(r.stats, w2);
      EXPECT_EQ(r.stats.mapspace, fem.mapspace) << w2;
      // Pruned subtrees count whole (see SmallLayers above).
      EXPECT_GE(r.stats.evaluated + r.stats.pruned_by_bound, visited) << w2;
      EXPECT_LE(r.stats.rejected_array + r.stats.rejected_capacity,
                fem.rejected_array + fem.rejected_capacity)
          << w2;
    }
  }
  EXPECT_GT(rejections, 0u);
  // A visitor that stops at once sees one mapping.
  std::uint64_t seen = 0;
  const MapperStats one = must(for_each_mapping(alexnet("conv1"), arch, Dataflow::RS,
                                                [&](const Mapping&) {
                                                  ++seen;
                                                  return false;
                                                }),
                               "stop");
  EXPECT_EQ(seen, 1u);
  EXPECT_EQ(one.evaluated, 1u);
}

// ---------------------------------------------------------------------------------------------
// Determinism.

TEST(MapperDeterminism, ThreadCountAndRepetitionDoNotChangeTheResult) {
  struct Case {
    Layer layer;
    Arch arch;
    Dataflow df;
  };
  std::vector<Case> cases;
  const Arch eyeriss = preset("eyeriss");
  const Arch isca = preset("eyeriss-isca16");
  cases.push_back({alexnet("conv1"), eyeriss, Dataflow::RS});
  cases.push_back({alexnet("conv1"), isca, Dataflow::RS});
  cases.push_back({alexnet("fc6"), isca, Dataflow::WS});
  cases.push_back({alexnet("conv3"), isca, Dataflow::OS_A});
  cases.push_back({alexnet("fc6"), isca, Dataflow::OS_B});
  cases.push_back({alexnet("conv2"), isca, Dataflow::OS_C});
  cases.push_back({alexnet("conv2"), eyeriss, Dataflow::NLR});
  for (const Layer& l : small_layers()) cases.push_back({l, tiny_arch(kTinySplit), Dataflow::Free});
  for (const Case& c : cases) {
    for (Objective o : kObjectives) {
      const std::string where = c.layer.name() + " on " + c.arch.name + " under " +
                                std::string(dataflow_name(c.df)) + ", " +
                                std::string(objective_name(o));
      MapperOptions opt;
      opt.dataflow = c.df;
      opt.objective = o;
      opt.threads = 1;
      auto one = map_layer(c.layer, c.arch, opt);
      opt.threads = 2;
      auto two = map_layer(c.layer, c.arch, opt);
      auto again = map_layer(c.layer, c.arch, opt);
      ASSERT_EQ(one.ok(), two.ok()) << where;
      ASSERT_EQ(two.ok(), again.ok()) << where;
      if (!one.ok()) {
        EXPECT_EQ(one.error().message, two.error().message) << where;
        continue;
      }
      for (const auto* other : {&two, &again}) {
        EXPECT_TRUE(one.value().mapping == other->value().mapping)
            << where << "\n1 thread:  " << mapping_summary(c.arch, one.value().mapping)
            << "\n2 threads: " << mapping_summary(c.arch, other->value().mapping);
        EXPECT_EQ(mapping_to_yaml(c.arch, one.value().mapping),
                  mapping_to_yaml(c.arch, other->value().mapping))
            << where;
        EXPECT_EQ(one.value().objective, other->value().objective) << where;
        EXPECT_EQ(one.value().stats.mapspace, other->value().stats.mapspace) << where;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pins.

MappingPins no_pins(const Arch& arch) {
  MappingPins p;
  p.levels.resize(static_cast<std::size_t>(arch.num_levels()));
  return p;
}

std::int64_t temporal_product(const LevelMapping& lm, Dim d) {
  std::int64_t f = 1;
  for (const Loop& l : lm.temporal)
    if (l.dim == d) f *= l.factor;
  return f;
}

std::int64_t spatial_product(const LevelMapping& lm, Dim d) {
  std::int64_t f = 1;
  for (const auto* v : {&lm.spatial_x, &lm.spatial_y})
    for (const Loop& l : *v)
      if (l.dim == d) f *= l.factor;
  return f;
}

// The pins that fix every factor product, loop order and keep of a mapping.
MappingPins pins_of(const Mapping& m) {
  MappingPins p;
  for (const LevelMapping& lm : m.levels) {
    MappingPins::Level pl;
    for (Dim d : kAllDims) {
      pl.temporal[static_cast<std::size_t>(d)] = temporal_product(lm, d);
      pl.spatial[static_cast<std::size_t>(d)] = spatial_product(lm, d);
    }
    for (const Loop& l : lm.temporal)
      if (l.factor > 1) pl.order.push_back(l.dim);
    pl.keeps = lm.keeps;
    p.levels.push_back(pl);
  }
  return p;
}

Result<MapperResult> map_pinned(const Layer& layer, const Arch& arch, Dataflow df, Objective o,
                                const MappingPins& pins) {
  MapperOptions opt;
  opt.dataflow = df;
  opt.objective = o;
  opt.pins = pins;
  opt.threads = 2;
  return map_layer(layer, arch, opt);
}

// The pinned search equals brute force over the mapspace's mappings that honour the pins.
void expect_pinned_equals_brute_force(const Layer& layer, const Arch& arch, Dataflow df,
                                      const MappingPins& pins, const Space& space,
                                      const MapperResult& unpinned, const std::string& where) {
  Space kept;
  std::uint64_t failing = 0;
  for (const Candidate& c : space.candidates) {
    if (check_pins(pins, arch, c.mapping).ok())
      kept.candidates.push_back(c);
    else
      ++failing;
  }
  ASSERT_FALSE(kept.candidates.empty()) << where << ": the test's pins match nothing";
  ASSERT_GT(failing, 0u) << where << ": the test's pins do not restrict anything";
  const Candidate* best = best_of({&kept}, Objective::Energy);
  auto r = map_pinned(layer, arch, df, Objective::Energy, pins);
  ASSERT_TRUE(r.ok()) << where << ": " << r.error().message;
  const MapperResult& res = r.value();
  auto cp = check_pins(pins, arch, res.mapping);
  EXPECT_TRUE(cp.ok()) << where << ": " << cp.error().message;
  EXPECT_TRUE(check_dataflow(df, layer, arch, res.mapping).ok()) << where;
  EXPECT_EQ(res.objective, best->energy) << where;
  EXPECT_TRUE(res.mapping == best->mapping)
      << where << "\nmapper:      " << mapping_summary(arch, res.mapping)
      << "\nbrute force: " << mapping_summary(arch, best->mapping);
  EXPECT_GE(res.objective, unpinned.objective) << where;
  // With the energy objective nothing is pruned by a bound: the pin rejections are exactly the
  // mappings that fit the hardware but not the pins.
  EXPECT_EQ(res.stats.mapspace, unpinned.stats.mapspace) << where;
  EXPECT_EQ(res.stats.rejected_pinned, failing) << where;
  EXPECT_EQ(res.stats.evaluated + res.stats.pruned_by_bound, kept.candidates.size()) << where;
  expect_stats_add_up(res.stats, where);
}

TEST(MapperPins, PinsRestrictTheSearchExactly) {
  const std::vector<Layer> layers = small_layers();
  int pinned_cases = 0;
  for (const Arch& arch : {tiny_arch(kTinySplit), preset("eyeriss")}) {
    for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::OS_B, Dataflow::NLR}) {
      for (std::size_t li : {0u, 1u, 2u}) {
        const Layer& layer = layers[li];
        const std::string where =
            describe(layer) + " on " + arch.name + " under " + std::string(dataflow_name(df));
        SCOPED_TRACE(where);
        const MapperResult r0 = map_or_throw(layer, arch, df, Objective::Energy, 2);
        const Space space = enumerate(layer, arch, df);
        ASSERT_FALSE(space.candidates.empty());
        const int L = arch.num_levels();

        // Pinning a factor of the optimum, or all of it, changes nothing but the statistics.
        for (int lv = 0; lv < L; ++lv)
          for (Dim d : kAllDims) {
            const std::int64_t t = temporal_product(r0.mapping.levels[lv], d);
            if (t <= 1) continue;
            MappingPins p = no_pins(arch);
            p.levels[lv].temporal[static_cast<std::size_t>(d)] = t;
            auto r1 = map_pinned(layer, arch, df, Objective::Energy, p);
            ASSERT_TRUE(r1.ok()) << r1.error().message;
            EXPECT_TRUE(r1.value().mapping == r0.mapping)
                << "pinned " << arch.levels[lv].name << " " << dim_name(d) << "=" << t << ": "
                << mapping_summary(arch, r1.value().mapping) << " vs "
                << mapping_summary(arch, r0.mapping);
            EXPECT_EQ(r1.value().objective, r0.objective);
            expect_stats_add_up(r1.value().stats, where);
          }
        {
          auto r2 = map_pinned(layer, arch, df, Objective::Energy, pins_of(r0.mapping));
          ASSERT_TRUE(r2.ok()) << r2.error().message;
          EXPECT_TRUE(r2.value().mapping == r0.mapping);
          EXPECT_EQ(r2.value().objective, r0.objective);
          EXPECT_GE(r2.value().stats.rejected_pinned, space.candidates.size() - 1);
        }

        // Pinning a factor the optimum does not have: the first such (level, dimension, value)
        // in the enumeration, temporal and then spatial.
        bool temporal_done = false, spatial_done = false, order_done = false;
        for (const Candidate& c : space.candidates) {
          for (int lv = 0; lv < L; ++lv)
            for (Dim d : kAllDims) {
              const auto di = static_cast<std::size_t>(d);
              const std::int64_t t = temporal_product(c.mapping.levels[lv], d);
              if (!temporal_done && t != temporal_product(r0.mapping.levels[lv], d)) {
                temporal_done = true;
                MappingPins p = no_pins(arch);
                p.levels[lv].temporal[di] = t;
                expect_pinned_equals_brute_force(layer, arch, df, p, space, r0,
                                                 where + ", temporal " + arch.levels[lv].name +
                                                     " " + std::string(dim_name(d)) + "=" +
                                                     std::to_string(t));
                ++pinned_cases;
              }
              const std::int64_t s = spatial_product(c.mapping.levels[lv], d);
              if (!spatial_done && s != spatial_product(r0.mapping.levels[lv], d)) {
                spatial_done = true;
                MappingPins p = no_pins(arch);
                p.levels[lv].spatial[di] = s;
                expect_pinned_equals_brute_force(layer, arch, df, p, space, r0,
                                                 where + ", spatial " + arch.levels[lv].name + " " +
                                                     std::string(dim_name(d)) + "=" +
                                                     std::to_string(s));
                ++pinned_cases;
              }
            }
          // An order pin: some level's non-unit temporal loops in an order the optimum does not
          // use.
          for (int lv = 0; lv < L && !order_done; ++lv) {
            std::vector<Dim> mine;
            for (const Loop& l : c.mapping.levels[lv].temporal)
              if (l.factor > 1) mine.push_back(l.dim);
            if (mine.size() < 2) continue;
            MappingPins p = no_pins(arch);
            p.levels[lv].order = mine;
            if (check_pins(p, arch, r0.mapping).ok()) continue;
            order_done = true;
            expect_pinned_equals_brute_force(layer, arch, df, p, space, r0,
                                             where + ", order at " + arch.levels[lv].name);
            ++pinned_cases;
          }
        }
      }
    }
  }
  EXPECT_GE(pinned_cases, 30);
}

TEST(MapperPins, KeepPinsActLikeAnArchThatBypasses) {
  // tiny-pooled's buffer may keep weights; pinning it to inputs and psums only must give what an
  // arch whose buffer cannot keep weights gives.
  const Arch arch = tiny_arch(kTinyPooled);
  Arch bypass = arch;
  bypass.levels[1].keeps = {false, true, true};
  for (const Layer& layer : small_layers()) {
    for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::OS_A, Dataflow::NLR}) {
      const std::string where = describe(layer) + " under " + std::string(dataflow_name(df));
      MappingPins p = no_pins(arch);
      p.levels[1].keeps = std::array<bool, kNumTensors>{false, true, true};
      MapperOptions opt;
      opt.dataflow = df;
      opt.threads = 2;
      auto expected = map_layer(layer, bypass, opt);
      auto pinned = map_pinned(layer, arch, df, Objective::Energy, p);
      ASSERT_EQ(expected.ok(), pinned.ok()) << where;
      if (!expected.ok()) continue;
      EXPECT_TRUE(pinned.value().mapping == expected.value().mapping)
          << where << "\npinned: " << mapping_summary(arch, pinned.value().mapping)
          << "\nbypass: " << mapping_summary(bypass, expected.value().mapping);
      EXPECT_EQ(pinned.value().objective, expected.value().objective) << where;
      EXPECT_FALSE(pinned.value().mapping.levels[1].keeps[0]) << where;
      EXPECT_TRUE(check_pins(p, arch, pinned.value().mapping).ok()) << where;
    }
  }
}

TEST(MapperPins, KeepPinsThatBreakTheDataflowAreNotReturned) {
  // ws keeps weights only in the PEs; a pin making the PEs keep everything breaks the dataflow:
  // such mappings must be rejected (rejected_dataflow), never returned. (Found failing when
  // written: the mapper applied keep pins to the mapspace without checking the dataflow's rules,
  // and returned ws and nlr mappings whose PEs keep everything.)
  const Arch arch = tiny_arch(kTinySplit);
  const Layer layer = small_layers()[0];
  for (Dataflow df : {Dataflow::WS, Dataflow::OS_B, Dataflow::NLR}) {
    const std::string where = describe(layer) + " on " + arch.name + " under " +
                              std::string(dataflow_name(df)) + ", RF pinned to keep everything";
    MappingPins p = no_pins(arch);
    p.levels[2].keeps = std::array<bool, kNumTensors>{true, true, true};
    auto r = map_pinned(layer, arch, df, Objective::Energy, p);
    if (r.ok()) {
      auto d = check_dataflow(df, layer, arch, r.value().mapping);
      EXPECT_TRUE(d.ok()) << where << ": the mapper returned a mapping that breaks its dataflow ("
                          << d.error().message << "): " << mapping_summary(arch, r.value().mapping);
    } else {
      EXPECT_FALSE(r.error().message.empty()) << where;  // e.g. nothing fits the scratchpads
    }
  }
}

TEST(MapperPins, ImpossiblePinsAreErrorsThatSaySo) {
  const Arch arch = preset("eyeriss");
  const Layer layer = small_layers()[0];  // N = 1
  for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::Free}) {
    // No mapping has an off-chip N loop of 2 when N = 1.
    MappingPins p = no_pins(arch);
    p.levels[0].temporal[static_cast<std::size_t>(Dim::N)] = 2;
    auto r = map_pinned(layer, arch, df, Objective::Energy, p);
    ASSERT_FALSE(r.ok()) << dataflow_name(df);
    EXPECT_NE(r.error().message.find("contradict --fix"), std::string::npos) << r.error().message;
  }
  {
    // A spatial factor larger than the array.
    MappingPins p = no_pins(arch);
    p.levels[1].spatial[static_cast<std::size_t>(Dim::M)] = 1000;
    auto r = map_pinned(layer, arch, Dataflow::WS, Objective::Delay, p);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("--fix"), std::string::npos) << r.error().message;
  }
  {
    // Pins for the wrong number of levels.
    MappingPins p;
    p.levels.resize(2);
    p.levels[0].temporal[0] = 1;
    auto r = map_pinned(layer, arch, Dataflow::RS, Objective::Energy, p);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("levels"), std::string::npos) << r.error().message;
  }
  {
    // Eyeriss's buffer cannot keep weights.
    MappingPins p = no_pins(arch);
    p.levels[1].keeps = std::array<bool, kNumTensors>{true, true, true};
    auto r = map_pinned(layer, arch, Dataflow::RS, Objective::Energy, p);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("cannot keep"), std::string::npos) << r.error().message;
  }
}

// ---------------------------------------------------------------------------------------------
// Cancellation.

TEST(MapperCancel, AlreadyCancelledSearchIsNotOptimal) {
  const std::atomic<bool> cancel{true};
  for (const Arch& arch : {preset("eyeriss"), tiny_arch(kTinySplit)}) {
    for (Dataflow df : {Dataflow::RS, Dataflow::WS, Dataflow::Free}) {
      for (int threads : {1, 2}) {
        MapperOptions opt;
        opt.dataflow = df;
        opt.threads = threads;
        opt.cancel = &cancel;
        auto r = map_layer(alexnet("conv2"), arch, opt);
        if (r.ok()) {
          EXPECT_FALSE(r.value().stats.optimal);
        } else {
          EXPECT_FALSE(r.error().message.empty());
        }
      }
    }
  }
}

TEST(MapperCancel, CancelDuringTheSearchReturnsTheBestSoFar) {
  const Arch arch = preset("eyeriss");
  const Layer layer = alexnet("conv2");
  for (int threads : {1, 2}) {
    std::atomic<bool> cancel{false};
    std::vector<double> progress;
    MapperOptions opt;
    opt.dataflow = Dataflow::RS;
    opt.threads = threads;
    opt.cancel = &cancel;
    opt.progress = [&](double f) {
      progress.push_back(f);
      cancel = true;
    };
    auto r = map_layer(layer, arch, opt);
    ASSERT_FALSE(progress.empty());
    for (double f : progress) {
      EXPECT_GE(f, 0.0);
      EXPECT_LE(f, 1.0);
    }
    EXPECT_LT(progress.front(), 1.0) << "the search was not cut short";
    if (!r.ok()) continue;  // nothing found before the cancel
    EXPECT_FALSE(r.value().stats.optimal);
    EXPECT_TRUE(validate_mapping(layer, arch, r.value().mapping).ok());
    EXPECT_TRUE(check_dataflow(Dataflow::RS, layer, arch, r.value().mapping).ok());
    // Not all of the mapspace was examined.
    const MapperStats& st = r.value().stats;
    EXPECT_LT(st.evaluated + st.pruned_by_bound + st.rejected_array + st.rejected_capacity,
              st.mapspace);
    const MapperResult full = map_or_throw(layer, arch, Dataflow::RS, Objective::Energy, threads);
    EXPECT_GE(r.value().objective, full.objective);
  }
}

}  // namespace
}  // namespace erg
