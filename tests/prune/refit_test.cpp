// Least-squares pruning of one layer (erg/prune/refit.h) and the layer problems built from a
// trained network (erg/prune/pruning.h).
#include "erg/prune/refit.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "erg/idx.h"
#include "erg/prune/pruning.h"
#include "erg/prune/trainable.h"

namespace erg::prune {
namespace {

// Inputs with correlated columns (as neighbouring pixels are), weights, and exact targets.
LayerProblem synthetic(std::int64_t samples, std::int64_t k, std::int64_t filters,
                       std::uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor base = torch::randn({samples, k / 2});
  const at::Tensor mix = torch::randn({k / 2, k});
  LayerProblem p;
  p.x = (torch::matmul(base, mix) + 0.3 * torch::randn({samples, k})).unsqueeze(0);
  p.w = torch::randn({1, filters, k});
  p.mask = torch::ones({1, filters, k});
  p.y = torch::bmm(p.x, p.w.transpose(1, 2));
  return p;
}

TEST(Refit, RestoresTheOutputOnTheFullSupportAndZeroesOffIt) {
  const LayerProblem p = synthetic(400, 24, 5, 1);
  EXPECT_LT(relative_error(p, p.w), 1e-10);
  // A random half of the weights masked: the refit is zero off the mask and beats masking alone.
  const at::Tensor mask = (torch::rand({1, 5, 24}) > 0.5).to(torch::kFloat32);
  const at::Tensor w = refit(p, mask, 1e-8);
  EXPECT_EQ((w * (1 - mask)).abs().sum().item<double>(), 0.0);
  EXPECT_LT(relative_error(p, w), relative_error(p, p.w * mask));
}

// The test: at the same sparsity, choosing by joint effect and refitting beats choosing
// by magnitude (with or without a refit of the magnitude-chosen weights).
TEST(Refit, LeastSquaresSelectionBeatsMagnitudeSelectionAtTheSameSparsity) {
  const LayerProblem p = synthetic(600, 40, 8, 7);
  RefitOptions o;
  o.tolerance = 0.05;
  o.step = 0.1;
  auto r = prune_layer_least_squares(p, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_LE(r->error, 0.05);
  EXPECT_LT(r->density, 0.9) << "some weights must go at a 5 % tolerance";
  EXPECT_GT(r->rounds, 0);
  const at::Tensor mag = magnitude_mask(p.w, p.mask, r->density);
  EXPECT_EQ(mag.sum().item<double>(), r->mask.sum().item<double>());
  const double magnitude_only = relative_error(p, p.w * mag);
  const double magnitude_refit = relative_error(p, refit(p, mag, o.ridge));
  EXPECT_LT(r->error, magnitude_only);
  EXPECT_LT(r->error, magnitude_refit);
}

TEST(Refit, MagnitudeMaskKeepsTheLargestOfWhatIsLeft) {
  const at::Tensor w = torch::tensor({0.1, -5.0, 0.3, 2.0, -0.2, 4.0}).view({1, 1, 6});
  const at::Tensor m = torch::tensor({1.0, 1.0, 1.0, 0.0, 1.0, 1.0}).view({1, 1, 6});
  const at::Tensor k = magnitude_mask(w, m, 0.4);  // 2 of the 5 left
  EXPECT_TRUE(torch::equal(k, torch::tensor({0.0, 1.0, 0.0, 0.0, 0.0, 1.0}).view({1, 1, 6})));
}

TEST(Refit, BadOptionsAreErrors) {
  const LayerProblem p = synthetic(50, 8, 2, 3);
  RefitOptions o;
  o.step = 1.5;
  EXPECT_FALSE(prune_layer_least_squares(p, o).ok());
}

// On a real (briefly trained) network: the problem of every layer reproduces the layer's own
// output from its own input (targets = the reference's outputs), and pruning conv3 by least
// squares beats magnitude pruning at the same sparsity on those samples.
TEST(LayerProblem, RealLayersAreReproducedAndLeastSquaresBeatsMagnitude) {
  auto tr = load_fashion_mnist(true, 512);
  if (!tr.ok()) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) is not installed";
  const Dataset data = to_dataset(*tr);
  auto net = TrainableNet::build(fmnist_alexnet(), 1);
  ASSERT_TRUE(net.ok());
  TrainOptions t;
  t.optimizer = Optimizer::Adam;
  t.lr = 1e-3;
  ASSERT_TRUE(train(net.value(), data, t).ok());
  const at::Tensor images = head(data, 128).images;
  for (std::size_t i = 0; i < net->num_layers(); ++i) {
    auto p = layer_problem(*net, *net, i, images, 4096, 1);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_LT(relative_error(*p, p->w), 1e-8) << net->network().layers[i].name();
  }
  auto p = layer_problem(*net, *net, 2, images, 4096, 1);  // conv3
  ASSERT_TRUE(p.ok());
  RefitOptions o;
  o.tolerance = 0.02;
  auto r = prune_layer_least_squares(*p, o);
  ASSERT_TRUE(r.ok());
  ASSERT_LT(r->density, 1.0);
  const at::Tensor mag = magnitude_mask(p->w, p->mask, r->density);
  EXPECT_LT(r->error, relative_error(*p, p->w * mag));
}

}  // namespace
}  // namespace erg::prune
