// Trainable networks (erg/prune/trainable.h) and the ONNX writer (erg/prune/onnx_writer.h).
#include "erg/prune/trainable.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "erg/onnx_import.h"
#include "erg/prune/onnx_writer.h"
#include "erg/zoo.h"

namespace erg::prune {
namespace {

LayerSpec conv_spec(const std::string& name, std::int64_t c, std::int64_t m, std::int64_t in,
                    std::int64_t k, std::int64_t pad) {
  LayerSpec s;
  s.name = name;
  s.in_channels = c;
  s.out_channels = m;
  s.in_h = s.in_w = in;
  s.filter_h = s.filter_w = k;
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = pad;
  return s;
}

LayerSpec fc_spec(const std::string& name, std::int64_t c, std::int64_t m, std::int64_t in = 1) {
  LayerSpec s;
  s.name = name;
  s.type = LayerType::FC;
  s.in_channels = c;
  s.out_channels = m;
  s.in_h = s.in_w = s.filter_h = s.filter_w = in;
  return s;
}

Network network(std::vector<LayerSpec> specs) {
  Network n;
  n.name = "test";
  for (const auto& s : specs) {
    auto l = Layer::make(s);
    EXPECT_TRUE(l) << l.error().to_string();
    n.layers.push_back(*l);
  }
  return n;
}

TrainableNet must_build(const Network& n, std::uint64_t seed = 1) {
  auto t = TrainableNet::build(n, seed);
  EXPECT_TRUE(t) << t.error().to_string();
  return std::move(t).value();
}

// MACs of one forward pass per image, counted from the tensors the layers read and write.
std::uint64_t counted_macs(const TrainableNet& net, const at::Tensor& images) {
  std::uint64_t macs = 0;
  const std::int64_t n = images.size(0);
  net.forward(images, [&](std::size_t i, const at::Tensor&, const at::Tensor& out) {
    const at::Tensor w = net.weight(i);
    macs += static_cast<std::uint64_t>(out.numel() / n * (w.numel() / w.size(0)));
  });
  return macs;
}

TEST(Trainable, BaselineHasTheNetworksShapes) {
  const Network n = fmnist_alexnet();
  ASSERT_EQ(n.layers.size(), 8u);
  int convs = 0, fcs = 0;
  for (const auto& l : n.layers) (l.type() == LayerType::FC ? fcs : convs)++;
  EXPECT_EQ(convs, 5);
  EXPECT_EQ(fcs, 3);
  const TrainableNet t = must_build(n);
  EXPECT_EQ(t.num_outputs(), 10);
  std::uint64_t weights = 0;
  for (std::size_t i = 0; i < t.num_layers(); ++i) {
    weights += static_cast<std::uint64_t>(t.weight(i).numel());
    EXPECT_EQ(static_cast<std::uint64_t>(t.weight(i).numel()), n.layers[i].weight_count());
    EXPECT_EQ(t.bias(i).numel(), n.layers[i].spec().out_channels);
    EXPECT_TRUE(t.mask(i).sizes() == t.weight(i).sizes());
    EXPECT_EQ(t.plan(i).relu, i + 1 < t.num_layers());
    EXPECT_EQ(t.plan(i).flatten, i == 5);  // before fc6 only
  }
  EXPECT_EQ(weights, n.weights());
  // 2×2/2 pooling after conv1 (28 → 14) and conv2 (14 → 7), none elsewhere.
  for (std::size_t i : {0u, 1u}) {
    EXPECT_FALSE(t.plan(i).pool.adaptive);
    EXPECT_EQ(t.plan(i).pool.kernel_h, 2);
    EXPECT_EQ(t.plan(i).pool.stride_w, 2);
  }
  for (std::size_t i = 2; i < 8; ++i) EXPECT_TRUE(t.plan(i).pool.none()) << i;
  const at::Tensor x = at::rand({3, 1, 28, 28});
  EXPECT_EQ(counted_macs(t, x), n.macs());
  EXPECT_EQ(t.forward(x).sizes(), (std::vector<std::int64_t>{3, 10}));
}

TEST(Trainable, BuildsZooNetworks) {
  // LeNet-5 (pooling 28 → 14 → 5 = the zoo's FC over a 5×5 map) and the original AlexNet (two
  // groups; 55 → 27, 27 → 13, 13 → 6: 2×2/2 fits each exactly, as does AlexNet's own 3×3/2).
  auto lenet = zoo_network("lenet5");
  ASSERT_TRUE(lenet);
  const TrainableNet t = must_build(*lenet);
  EXPECT_EQ(counted_macs(t, at::rand({2, 1, lenet->layers[0].in_h(), lenet->layers[0].in_w()})),
            lenet->macs());
  auto alex = zoo_network("alexnet");
  ASSERT_TRUE(alex);
  const TrainableNet a = must_build(*alex);
  for (std::size_t i : {0u, 1u, 4u}) {
    EXPECT_FALSE(a.plan(i).pool.adaptive) << i;
    EXPECT_EQ(a.plan(i).pool.kernel_h, 2) << i;
    EXPECT_EQ(a.plan(i).pool.stride_h, 2) << i;
  }
  EXPECT_EQ(a.plan(1).pool.out_h, 13);
  EXPECT_EQ(a.weight(1).size(1), 48);  // two groups
}

TEST(Trainable, UsesOverlappingPoolingWhenNoTilingFits) {
  // 6 → 5 rows: no k = s fits; 2/1 does. 6 → 3 columns: 2/2.
  LayerSpec b = conv_spec("b", 4, 6, 5, 1, 0);
  b.in_w = 3;
  const Network n = network({conv_spec("a", 3, 4, 6, 3, 1), b, fc_spec("c", 6 * 5 * 3, 2)});
  const TrainableNet t = must_build(n);
  const PoolSpec& p = t.plan(0).pool;
  EXPECT_FALSE(p.adaptive);
  EXPECT_EQ(p.kernel_h, 2);
  EXPECT_EQ(p.stride_h, 1);
  EXPECT_EQ(p.kernel_w, 2);
  EXPECT_EQ(p.stride_w, 2);
  EXPECT_EQ(counted_macs(t, at::rand({2, 3, 6, 6})), n.macs());
}

TEST(Trainable, FallsBackToAdaptivePooling) {
  // 7 → 5 has no integer window with k ≤ 2s.
  const Network n = network(
      {conv_spec("a", 3, 4, 7, 3, 1), conv_spec("b", 4, 6, 5, 3, 0), fc_spec("c", 6, 2, 3)});
  const TrainableNet t = must_build(n);
  EXPECT_TRUE(t.plan(0).pool.adaptive);
  EXPECT_EQ(t.plan(0).pool.out_h, 5);
  EXPECT_EQ(counted_macs(t, at::rand({2, 3, 7, 7})), n.macs());
}

TEST(Trainable, ReadsOnnxStyleFlattenedFc) {
  // An FC layer over 4×5×5 written as 100 × 1 × 1 (as erg's ONNX importer writes Gemm).
  const Network n = network({conv_spec("a", 1, 4, 5, 3, 1), fc_spec("b", 100, 3)});
  const TrainableNet t = must_build(n);
  EXPECT_TRUE(t.plan(0).pool.none());
  EXPECT_EQ(t.forward(at::rand({2, 1, 5, 5})).sizes(), (std::vector<std::int64_t>{2, 3}));
}

void expect_refused(const Network& n, const std::string& text) {
  auto t = TrainableNet::build(n);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find(text), std::string::npos) << t.error().message;
}

TEST(Trainable, RefusesNetworksItCannotBuild) {
  LayerSpec mm = fc_spec("attn", 8, 8);
  mm.type = LayerType::MatMul;
  mm.in_h = 4;
  mm.filter_h = mm.filter_w = 1;
  expect_refused(network({conv_spec("a", 1, 8, 4, 3, 1), mm}), "layer 'attn' (matmul)");
  expect_refused(network({conv_spec("a", 1, 8, 8, 3, 1), conv_spec("b", 6, 8, 8, 3, 1)}),
                 "layer 'b' (conv): reads 6 channels but the layer before, 'a', writes 8");
  expect_refused(network({conv_spec("a", 1, 8, 8, 3, 1), conv_spec("b", 8, 8, 10, 3, 1)}),
                 "layer 'b' (conv): its ifmap 10×10 is larger than the ofmap 8×8");
  expect_refused(network({fc_spec("a", 16, 8), conv_spec("b", 8, 8, 1, 1, 0)}),
                 "layer 'b' (conv): a CONV layer after an FC layer ('a')");
  expect_refused(network({conv_spec("a", 1, 8, 4, 3, 1), fc_spec("b", 100, 10)}),
                 "layer 'b' (fc): reads 100×1×1 = 100 values but the layer before, 'a', writes "
                 "8×4×4 = 128");
}

TEST(Trainable, SameSeedSameWeights) {
  const TrainableNet a = must_build(fmnist_alexnet(), 7), b = must_build(fmnist_alexnet(), 7),
                     c = must_build(fmnist_alexnet(), 8);
  EXPECT_TRUE(a.weight(3).equal(b.weight(3)));
  EXPECT_FALSE(a.weight(3).equal(c.weight(3)));
}

TEST(Trainable, MasksStayZeroDuringTraining) {
  TrainableNet t = must_build(fmnist_alexnet());
  Dataset d{at::rand({64, 1, 28, 28}), at::randint(0, 10, {64}, at::kLong)};
  // Prune every other weight of conv2 and the smallest half of fc6.
  at::Tensor m2 = at::ones_like(t.weight(1));
  m2.view(-1).slice(0, 0, m2.numel(), 2).zero_();
  ASSERT_TRUE(t.set_mask(1, m2));
  const at::Tensor w6 = t.weight(5).detach().abs();
  at::Tensor m6 = (w6 > w6.median()).to(at::kFloat);
  ASSERT_TRUE(t.set_mask(5, m6));
  EXPECT_DOUBLE_EQ(density(t.weight(1)), 0.5);
  const at::Tensor before = t.weight(1).detach().clone();
  TrainOptions o;
  o.batch = 16;  // four optimiser steps
  o.weight_decay = 1e-3;
  auto stats = train(t, d, o);
  ASSERT_TRUE(stats) << stats.error().to_string();
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_TRUE((t.weight(1).detach() * (1 - m2)).eq(0).all().item<bool>());
  EXPECT_TRUE((t.weight(5).detach() * (1 - m6)).eq(0).all().item<bool>());
  // The kept weights did train.
  EXPECT_FALSE((t.weight(1).detach() * m2).equal(before * m2));
  auto dens = measure_densities(t, d, 64);
  ASSERT_TRUE(dens) << dens.error().to_string();
  EXPECT_DOUBLE_EQ((*dens)[1].weights, density(m2));
  EXPECT_DOUBLE_EQ((*dens)[5].weights, density(m6));
  EXPECT_DOUBLE_EQ((*dens)[0].weights, 1.0);
}

TEST(Trainable, ClonesAreIndependentCopiesShare) {
  TrainableNet a = must_build(fmnist_alexnet());
  TrainableNet shared = a;
  TrainableNet c = a.clone();
  EXPECT_TRUE(c.weight(2).equal(a.weight(2)));
  at::Tensor half = at::ones_like(c.weight(2));
  half.view(-1).slice(0, 0, half.numel() / 2).zero_();
  ASSERT_TRUE(c.set_mask(2, half));
  EXPECT_DOUBLE_EQ(density(c.weight(2)), 0.5);
  EXPECT_DOUBLE_EQ(density(a.weight(2)), 1.0);
  EXPECT_DOUBLE_EQ(density(a.mask(2)), 1.0);
  ASSERT_TRUE(shared.set_mask(3, at::zeros_like(a.weight(3))));
  EXPECT_DOUBLE_EQ(density(a.weight(3)), 0.0);
  // The clone trains on its own.
  TrainOptions o;
  ASSERT_TRUE(train(c, Dataset{at::rand({8, 1, 28, 28}), at::zeros({8}, at::kLong)}, o));
  EXPECT_FALSE(c.weight(0).equal(a.weight(0)));
  EXPECT_TRUE(c.weight(1).requires_grad());
}

TEST(Trainable, RefusesBadMasksAndData) {
  TrainableNet t = must_build(fmnist_alexnet());
  auto s = t.set_mask(0, at::ones({3, 3}));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("layer 'conv1' (conv): the mask's shape [3, 3] is not the "
                                   "weight's [16, 1, 5, 5]"),
            std::string::npos)
      << s.error().message;
  s = t.set_mask(0, at::full({16, 1, 5, 5}, 0.5));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("0 or 1"), std::string::npos);
  EXPECT_FALSE(t.set_mask(8, at::ones({1})));
  auto r = train(t, Dataset{at::rand({4, 1, 32, 32}), at::zeros({4}, at::kLong)}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("the images are 4×1×32×32 but the first layer 'conv1' reads "
                                   "1×28×28"),
            std::string::npos)
      << r.error().message;
  r = train(t, Dataset{at::rand({4, 1, 28, 28}), at::full({4}, 10, at::kLong)}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("labels range over [10, 10] but the network has 10 outputs"),
            std::string::npos)
      << r.error().message;
}

// Fashion-MNIST, loaded once.
struct Fmnist {
  Dataset train, test;
  bool ok = false;
};
const Fmnist& fmnist() {
  static const Fmnist f = [] {
    Fmnist out;
    auto tr = load_fashion_mnist(true, 500);
    auto te = load_fashion_mnist(false, 500);
    if (!tr || !te) return out;
    out.train = to_dataset(*tr);
    out.test = to_dataset(*te);
    out.ok = true;
    return out;
  }();
  return f;
}

#define REQUIRE_FMNIST() \
  if (!fmnist().ok) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) is not installed"

TEST(TrainableData, OneEpochOn500ImagesBeatsChance) {
  REQUIRE_FMNIST();
  TrainableNet t = must_build(fmnist_alexnet());
  auto before = evaluate(t, fmnist().test);
  ASSERT_TRUE(before);
  TrainOptions o;  // seed 1: 59 % (seeds 1–4: 40–69 %)
  o.batch = 32;
  o.optimizer = Optimizer::Adam;
  o.lr = 1e-3;
  std::int64_t calls = 0;
  o.progress = [&](int, std::int64_t, std::int64_t batches, double) {
    ++calls;
    EXPECT_EQ(batches, 16);
  };
  auto stats = train(t, fmnist().train, o);
  ASSERT_TRUE(stats) << stats.error().to_string();
  EXPECT_EQ(calls, 16);
  auto after = evaluate(t, fmnist().test);
  ASSERT_TRUE(after);
  EXPECT_GT(*after, 0.4) << "before training: " << *before;
  EXPECT_GT(*after, *before + 0.2);
}

TEST(TrainableData, TrainingIsDeterministic) {
  REQUIRE_FMNIST();
  TrainOptions o;
  o.max_images = 128;
  o.batch = 32;
  o.threads = 1;
  o.seed = 3;
  TrainableNet a = must_build(fmnist_alexnet()), b = must_build(fmnist_alexnet());
  ASSERT_TRUE(train(a, fmnist().train, o));
  ASSERT_TRUE(train(b, fmnist().train, o));
  EXPECT_TRUE(a.weight(5).equal(b.weight(5)));
  o.seed = 4;  // another shuffle
  TrainableNet c = must_build(fmnist_alexnet());
  ASSERT_TRUE(train(c, fmnist().train, o));
  EXPECT_FALSE(a.weight(5).equal(c.weight(5)));
}

TEST(TrainableData, MeasuresDensitiesAndLayerInputs) {
  REQUIRE_FMNIST();
  TrainableNet t = must_build(fmnist_alexnet());
  const Dataset& d = fmnist().test;
  auto dens = measure_densities(t, d, 200, 64);
  ASSERT_TRUE(dens) << dens.error().to_string();
  ASSERT_EQ(dens->size(), 8u);
  for (const auto& x : *dens) {
    for (double v : {x.weights, x.inputs, x.outputs}) {
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
  }
  // conv1 reads the images: their own zero background.
  EXPECT_DOUBLE_EQ((*dens)[0].inputs, density(head(d, 200).images));
  EXPECT_LT((*dens)[0].inputs, 0.9);
  // Without pooling between them, a layer reads exactly what the one before wrote (after ReLU).
  EXPECT_DOUBLE_EQ((*dens)[3].inputs, (*dens)[2].outputs);
  EXPECT_DOUBLE_EQ((*dens)[6].inputs, (*dens)[5].outputs);
  // Max pooling keeps a window's non-zero: the pooled map is at least as dense.
  EXPECT_GE((*dens)[2].inputs, (*dens)[1].outputs);
  // ReLU zeroes some outputs; the logits (no ReLU) are dense.
  EXPECT_LT((*dens)[2].outputs, 1.0);
  EXPECT_DOUBLE_EQ((*dens)[7].outputs, 1.0);

  auto erg_net = to_erg_network(t, *dens);
  ASSERT_TRUE(erg_net) << erg_net.error().to_string();
  ASSERT_EQ(erg_net->layers.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    const Layer& l = erg_net->layers[i];
    EXPECT_EQ(l.bounds(), t.network().layers[i].bounds());
    EXPECT_DOUBLE_EQ(l.format(Tensor::Inputs).density, (*dens)[i].inputs);
    EXPECT_DOUBLE_EQ(l.format(Tensor::Outputs).density, (*dens)[i].outputs);
    EXPECT_DOUBLE_EQ(l.format(Tensor::Weights).density, (*dens)[i].weights);
  }
  EXPECT_FALSE(to_erg_network(t, {}));

  const at::Tensor x = head(d, 10).images;
  auto in0 = layer_inputs(t, 0, x);
  ASSERT_TRUE(in0);
  EXPECT_TRUE(in0->equal(x));
  auto in2 = layer_inputs(t, 2, x);
  ASSERT_TRUE(in2);
  EXPECT_EQ(in2->sizes(), (std::vector<std::int64_t>{10, 32, 7, 7}));
  auto in5 = layer_inputs(t, 5, x);
  ASSERT_TRUE(in5);
  EXPECT_EQ(in5->sizes(), (std::vector<std::int64_t>{10, 1568}));
  // fc6 applied to its inputs gives what the net computes (its ReLU'd output is fc7's input).
  auto in6 = layer_inputs(t, 6, x);
  ASSERT_TRUE(in6);
  EXPECT_TRUE(at::allclose(at::relu(at::linear(*in5, t.weight(5), t.bias(5))), *in6));
  EXPECT_FALSE(layer_inputs(t, 8, x));
}

TEST(OnnxWriter, PassesTheCheckerAndReimportsWithTheSameLayers) {
  TrainableNet t = must_build(fmnist_alexnet());
  // Prune ~70 % of conv3 and 90 % of fc6 by magnitude.
  for (auto [layer, keep] : {std::pair<std::size_t, double>{2, 0.3}, {5, 0.1}}) {
    const at::Tensor w = t.weight(layer).detach().abs().flatten();
    const double thr =
        std::get<0>(w.kthvalue(static_cast<std::int64_t>(w.numel() * (1 - keep)))).item<double>();
    ASSERT_TRUE(t.set_mask(layer, (t.weight(layer).detach().abs() > thr).to(at::kFloat)));
  }
  const std::string path = ::testing::TempDir() + "erg_prune_writer.onnx";
  ASSERT_TRUE(write_onnx_file(t, path));
  auto imp = import_onnx_file(path);
  ASSERT_TRUE(imp) << imp.error().to_string();
  EXPECT_TRUE(imp->weights_measured);
  EXPECT_TRUE(imp->warnings.empty());
  const Network& orig = t.network();
  ASSERT_EQ(imp->network.layers.size(), orig.layers.size());
  for (std::size_t i = 0; i < orig.layers.size(); ++i) {
    const Layer& a = orig.layers[i];
    const Layer& b = imp->network.layers[i];
    EXPECT_EQ(b.name(), a.name());
    EXPECT_EQ(b.type(), a.type());
    EXPECT_EQ(b.macs(), a.macs()) << a.name();
    EXPECT_EQ(b.weight_count(), a.weight_count()) << a.name();
    EXPECT_EQ(b.spec().out_channels, a.spec().out_channels);
    if (a.type() == LayerType::Conv) {
      EXPECT_EQ(b.bounds(), a.bounds()) << a.name();
      EXPECT_EQ(b.spec().pad_top, a.spec().pad_top);
    } else {
      // Gemm reads a flat vector: fc6's 32×7×7 ifmap imports as 1568×1×1.
      EXPECT_EQ(b.size(Tensor::Inputs), a.size(Tensor::Inputs)) << a.name();
    }
    EXPECT_DOUBLE_EQ(b.format(Tensor::Weights).density, density(t.mask(i))) << a.name();
  }
  EXPECT_NEAR(imp->network.layers[2].format(Tensor::Weights).density, 0.3, 0.01);
  std::map<std::string, int> ops;
  for (const auto& o : imp->not_modelled) ops[o.op] = o.count;
  EXPECT_EQ(ops["Relu"], 7);
  EXPECT_EQ(ops["MaxPool"], 2);
  EXPECT_EQ(ops["Flatten"], 1);  // before fc6 only
  // The imported network builds again, and with the written weights computes the same logits.
  auto back = read_onnx_trainable(path);
  ASSERT_TRUE(back) << back.error().to_string();
  const at::Tensor x = at::rand({4, 1, 28, 28});
  EXPECT_TRUE(at::allclose(back->forward(x), t.forward(x), 1e-4, 1e-5));
  for (std::size_t i = 0; i < t.num_layers(); ++i) EXPECT_TRUE(back->mask(i).equal(t.mask(i))) << i;
}

TEST(OnnxWriter, RefusesAdaptivePoolingItCannotWrite) {
  const Network n = network(
      {conv_spec("a", 3, 4, 7, 3, 1), conv_spec("b", 4, 6, 5, 3, 0), fc_spec("c", 6, 2, 3)});
  auto bytes = onnx_model_bytes(must_build(n));
  ASSERT_FALSE(bytes);
  EXPECT_NE(bytes.error().message.find("layer 'a': adaptive max pooling to 5×5"), std::string::npos)
      << bytes.error().message;
  EXPECT_FALSE(write_onnx_file(must_build(fmnist_alexnet()), "/nonexistent-dir/x.onnx"));
  auto missing = read_onnx_trainable("/nonexistent-dir/x.onnx");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("/nonexistent-dir/x.onnx"), std::string::npos);
}

}  // namespace
}  // namespace erg::prune
