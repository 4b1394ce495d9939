// The seeds' findings (seed 004 §V-A, seed 003; reference §4 and §6), checked on erg's own
// estimates: Eyeriss preset, 16-bit, AlexNet's published activation densities, dense weights.
//
// Batch: 16 images. Reference §6's AlexNet split (FC 28 % of 3.97e9) leaves about 19 units of
// energy per FC weight per image, while one DRAM fetch of a 16-bit weight with significance maps
// costs 212.5: the published per-image figures cannot charge every FC weight a DRAM access per
// image, so they amortise it over a batch of at least 212.5 / 19 ≈ 11 images. 16 is the batch of
// reference §4's sweep that satisfies this. docs/validation.md shows batch 1 and 4 as well, where
// the AlexNet and SqueezeNet findings do not hold, and why.
#include <gtest/gtest.h>

#include "erg/compare.h"
#include "erg/estimate.h"
#include "erg/io.h"
#include "erg/zoo.h"

namespace erg {
namespace {

constexpr std::int64_t kBatch = 16;

NetworkEstimate estimate(const std::string& name, std::int64_t batch = kBatch) {
  const Network net = zoo_network(name).value();
  const Arch arch = load_arch("eyeriss").value();
  EstimateOptions o;
  o.batch = batch;
  auto est = estimate_network(net, arch, o);
  EXPECT_TRUE(est.ok()) << (est.ok() ? "" : est.error().message);
  return std::move(est).value();
}

bool is_fc(const Layer& l) { return l.type() == LayerType::FC || l.type() == LayerType::MatMul; }

double total_energy(const NetworkEstimate& e) {
  double t = 0;
  for (const LayerResult& r : e.layers) t += r.eval.energy.total();
  return t;
}

TEST(SeedFindings, AlexNetConvLayersTakeMoreEnergyThanFcLayersThoughFcHoldsTheWeights) {
  const NetworkEstimate e = estimate("alexnet");
  double conv = 0, fc = 0;
  std::uint64_t conv_w = 0, fc_w = 0;
  for (const LayerResult& r : e.layers) {
    (is_fc(r.layer) ? fc : conv) += r.eval.energy.total();
    (is_fc(r.layer) ? fc_w : conv_w) += r.layer.weight_count();
  }
  EXPECT_GT(static_cast<double>(fc_w) / static_cast<double>(fc_w + conv_w), 0.9);
  EXPECT_GT(conv, fc) << "CONV " << conv << ", FC " << fc;
  // FC energy is dominated by the weights (no convolutional reuse).
  for (const LayerResult& r : e.layers)
    if (is_fc(r.layer))
      EXPECT_GT(r.eval.energy.tensor_total(Tensor::Weights), 0.5 * r.eval.energy.total())
          << r.layer.name();
}

TEST(SeedFindings, GoogLeNetDataMovementDominatesAndFeatureMapsCostMoreThanWeights) {
  const NetworkEstimate e = estimate("googlenet");
  double total = 0, compute = 0, weights = 0, fmaps = 0;
  for (const LayerResult& r : e.layers) {
    const Energy& en = r.eval.energy;
    total += en.total();
    compute += en.compute;
    weights += en.tensor_total(Tensor::Weights);
    fmaps += en.tensor_total(Tensor::Inputs) + en.tensor_total(Tensor::Outputs);
  }
  EXPECT_GT(total - compute, 0.8 * total);
  EXPECT_GT(fmaps, weights);
}

TEST(SeedFindings, SqueezeNetCostsMoreThanAlexNetWithFiftyTimesFewerWeights) {
  const NetworkEstimate alex = estimate("alexnet");
  const NetworkEstimate squeeze = estimate("squeezenet");
  std::uint64_t wa = 0, ws = 0;
  for (const LayerResult& r : alex.layers) wa += r.layer.weight_count();
  for (const LayerResult& r : squeeze.layers) ws += r.layer.weight_count();
  EXPECT_GT(static_cast<double>(wa) / static_cast<double>(ws), 40.0);
  EXPECT_GT(total_energy(squeeze), total_energy(alex));
}

// Reference §4 at 256 PEs, batch 16, equal area, on AlexNet's CONV layers. erg reproduces RS's
// advantage over NLR and OS_A; it does not reproduce it over WS, OS_B and OS_C (docs/compare.md
// explains which counting assumption makes the difference, docs/validation.md shows the figures).
// The test pins down what erg finds, so a change to the model that moves these comparisons is
// noticed.
TEST(SeedFindings, DataflowComparisonOnAlexNetConvLayers) {
  Network net = zoo_network("alexnet").value();
  std::erase_if(net.layers, [](const Layer& l) { return is_fc(l); });
  ASSERT_EQ(net.layers.size(), 5u);
  const Arch base = load_arch("eyeriss-isca16").value();
  CompareOptions o;
  o.pes = 256;
  o.batch = kBatch;
  o.equal_area = true;
  auto c = compare_dataflows(net, base, o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->dataflows.front(), Dataflow::RS);
  for (std::size_t i = 0; i < c->layers.size(); ++i) {
    const auto& f = c->layers[i];
    for (std::size_t k = 1; k < f.size(); ++k) {
      const Dataflow df = c->dataflows[k];
      SCOPED_TRACE(c->layer_names[i] + " " + std::string(dataflow_name(df)));
      if (df == Dataflow::NLR || df == Dataflow::OS_A)
        EXPECT_LT(1.4 * f[0].energy_per_mac(), f[k].energy_per_mac());
      // Every dataflow moves at least the compulsory DRAM traffic; with equal area none needs
      // more than twice RS's (the buffers are at least as large as RS's).
      EXPECT_LT(f[k].dram_accesses_per_mac(), 2.0 * f[0].dram_accesses_per_mac());
    }
  }
}

}  // namespace
}  // namespace erg
