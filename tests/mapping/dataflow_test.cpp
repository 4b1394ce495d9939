#include "erg/dataflow.h"

#include <gtest/gtest.h>

#include "erg/cost_model.h"
#include "erg/io.h"
#include "erg/zoo.h"

namespace erg {
namespace {

Arch preset(const std::string& name) {
  auto a = load_arch(name);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
  return a.value();
}

Layer alexnet_layer(const std::string& name) {
  const Network net = zoo_network("alexnet").value();
  for (const Layer& l : net.layers)
    if (l.name() == name) return l;
  ADD_FAILURE() << "no layer " << name;
  return zoo_network("alexnet").value().layers.front();
}

TEST(Dataflow, NamesParseAndMisspellingsGetAHint) {
  EXPECT_EQ(parse_dataflow("RS").value(), Dataflow::RS);
  EXPECT_EQ(parse_dataflow("os").value(), Dataflow::OS_B);
  EXPECT_EQ(parse_dataflow("os_c").value(), Dataflow::OS_C);
  auto bad = parse_dataflow("nrl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("did you mean 'nlr'"), std::string::npos)
      << bad.error().message;
}

TEST(Dataflow, RsParametersBecomeAMappingThatObeysRs) {
  const Arch a = preset("eyeriss");
  const Layer conv3 = alexnet_layer("conv3");  // 13×13 ofmap, 3×3 filters, 256 → 384
  // PE set 3 tall × 13 wide; r = 2 sets over channels and t = 2 over filters stacked in Y (12
  // rows).
  RsParams p{/*m=*/32, /*n=*/1, /*e=*/13, /*p=*/8, /*q=*/4, /*r=*/2, /*t=*/2};
  auto m = rs_mapping(conv3, a, p);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(check_dataflow(Dataflow::RS, conv3, a, m.value()).ok());
  auto ev = evaluate(conv3, a, m.value());
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->perf.active_pes, 3u * 13u * 2u * 2u);
  // Reference §3 constraints are enforced: p·t ≤ m, q·r ≤ C, the RF partitions.
  EXPECT_FALSE(rs_mapping(conv3, a, RsParams{4, 1, 13, 8, 4, 2, 2}).ok());
  EXPECT_FALSE(rs_mapping(conv3, a, RsParams{32, 1, 13, 8, 4, 200, 1}).ok());
  EXPECT_FALSE(rs_mapping(conv3, a, RsParams{32, 1, 13, 25, 4, 1, 1}).ok());  // 25 psums > 24
  EXPECT_FALSE(rs_mapping(conv3, a, RsParams{32, 1, 13, 8, 5, 1, 1}).ok());   // 5·3 ifmaps > 12
}

TEST(Dataflow, ChecksRejectMappingsThatBreakTheRules) {
  const Arch a = preset("eyeriss");
  const Layer conv3 = alexnet_layer("conv3");
  Mapping m = rs_mapping(conv3, a, RsParams{32, 1, 13, 8, 4, 2, 2}).value();
  // Moving Q out of the buffer breaks RS's sliding row.
  Mapping broken = m;
  for (auto& l : broken.levels[1].temporal)
    if (l.dim == Dim::Q) l.factor = 1;
  broken.levels[0].temporal.push_back({Dim::Q, 13});
  auto st = check_dataflow(Dataflow::RS, conv3, a, broken);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("Q"), std::string::npos) << st.error().message;
  // The same RS mapping is not weight stationary (its PEs keep inputs and psums).
  EXPECT_FALSE(check_dataflow(Dataflow::WS, conv3, a, m).ok());
  EXPECT_TRUE(check_dataflow(Dataflow::Free, conv3, a, m).ok());
}

class EveryDataflow : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryDataflow, FindsAValidMappingForEveryAlexNetLayerOnBothPresets) {
  const Dataflow df = parse_dataflow(GetParam()).value();
  for (const char* arch_name : {"eyeriss", "eyeriss-isca16"}) {
    const Arch a = preset(arch_name);
    const Network net = zoo_network("alexnet").value();
    for (const Layer& l : net.layers) {
      auto m = simple_mapping(df, l, a);
      ASSERT_TRUE(m.ok()) << GetParam() << " " << arch_name << " " << l.name() << ": "
                          << m.error().message;
      EXPECT_TRUE(validate_mapping(l, a, m.value()).ok());
      EXPECT_TRUE(check_dataflow(df, l, a, m.value()).ok())
          << check_dataflow(df, l, a, m.value()).error().message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, EveryDataflow,
                         ::testing::Values("rs", "ws", "os_a", "os_b", "os_c", "nlr", "free"));

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(Dataflow, RsLetsFcLayersKeepWeightsAcrossTheBatch) {
  // FC layers have Q = 1, so RS's "Q innermost in the buffer" rule does not apply, and the buffer
  // may loop over the batch while each PE keeps its weights: each weight then leaves DRAM once
  // per batch, not once per image.
  const Arch a = load_arch("eyeriss").value();
  const Network net = zoo_network("alexnet").value();
  const Layer fc6 = net.layers[5].with_batch(16).value();
  ASSERT_EQ(fc6.name(), "fc6");
  auto m = simple_mapping(Dataflow::RS, fc6, a);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const Counts c = analytical_counts(fc6, a, m.value());
  const std::uint64_t dram_weight_reads = c.levels[0].tensor[0].reads;
  EXPECT_GE(dram_weight_reads, fc6.weight_count());
  EXPECT_LT(dram_weight_reads, 2 * fc6.weight_count());
}

}  // namespace
}  // namespace erg
