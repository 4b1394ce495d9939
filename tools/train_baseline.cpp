// build/erg_train_baseline: trains the pruning baseline (or a network file) on Fashion-MNIST and
// prints every epoch's time and the test accuracy (docs/prune.md: measured speeds).
//
//   erg_train_baseline [--epochs N] [--images K] [--test-images K] [--batch B] [--lr X] [--sgd]
//                      [--threads T] [--seed S] [--network FILE] [--data DIR] [--onnx OUT]
//
// --onnx writes the trained model with its weights (erg estimate OUT --arch eyeriss reads it).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "erg/idx.h"
#include "erg/io.h"
#include "erg/network_input.h"
#include "erg/prune/onnx_writer.h"
#include "erg/prune/trainable.h"

namespace {

int fail(const erg::Error& e) {
  std::fprintf(stderr, "erg_train_baseline: %s\n", e.to_string().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The baseline's recipe (docs/prune.md): 5 epochs of Adam, lr 0.001, batch 128, one thread.
  erg::prune::TrainOptions o;
  o.epochs = 5;
  o.batch = 128;
  o.optimizer = erg::prune::Optimizer::Adam;
  o.lr = 0.001;
  std::optional<std::int64_t> test_images;
  std::string network_file, onnx_out, dir = erg::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "erg_train_baseline: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--epochs") {
      o.epochs = std::atoi(next().c_str());
    } else if (a == "--images") {
      o.max_images = std::atoll(next().c_str());
    } else if (a == "--test-images") {
      test_images = std::atoll(next().c_str());
    } else if (a == "--batch") {
      o.batch = std::atoll(next().c_str());
    } else if (a == "--lr") {
      o.lr = std::atof(next().c_str());
    } else if (a == "--sgd") {
      o.optimizer = erg::prune::Optimizer::SGD;
    } else if (a == "--threads") {
      o.threads = std::atoi(next().c_str());
    } else if (a == "--seed") {
      o.seed = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--network") {
      network_file = next();
    } else if (a == "--onnx") {
      onnx_out = next();
    } else if (a == "--data") {
      dir = next();
    } else {
      std::fprintf(stderr, "erg_train_baseline: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  erg::Network net = erg::prune::fmnist_alexnet();
  if (!network_file.empty()) {
    auto n = erg::load_network_input(network_file);
    if (!n) return fail(n.error());
    net = std::move(n).value();
  }
  auto train_raw = erg::load_fashion_mnist(true, o.max_images, dir);
  if (!train_raw) return fail(train_raw.error());
  auto test_raw = erg::load_fashion_mnist(false, test_images, dir);
  if (!test_raw) return fail(test_raw.error());
  const auto train = erg::prune::to_dataset(*train_raw);
  const auto test = erg::prune::to_dataset(*test_raw);
  auto built = erg::prune::TrainableNet::build(net, o.seed);
  if (!built) return fail(built.error());
  erg::prune::TrainableNet* model = &built.value();
  std::printf(
      "network %s: %zu layers, %.2f M MACs, %.3f M weights; %lld training images, %lld "
      "test images, batch %lld, %s lr %g, %d threads\n",
      net.name.c_str(), net.layers.size(), static_cast<double>(net.macs()) / 1e6,
      static_cast<double>(net.weights()) / 1e6, static_cast<long long>(train.size()),
      static_cast<long long>(test.size()), static_cast<long long>(o.batch),
      o.optimizer == erg::prune::Optimizer::Adam ? "Adam" : "SGD (momentum 0.9)", o.lr, o.threads);
  std::string eval_error;
  o.epoch_end = [&](int e, const erg::prune::EpochStats& s) {
    auto acc = erg::prune::evaluate(*model, test);
    if (!acc) {
      eval_error = acc.error().to_string();
      return;
    }
    std::printf("epoch %d: %.1f s, loss %.4f, train accuracy %.2f %%, test accuracy %.2f %%\n",
                e + 1, s.seconds, s.loss, 100 * s.train_accuracy, 100 * *acc);
    std::fflush(stdout);
  };
  auto stats = erg::prune::train(*model, train, o);
  if (!stats) return fail(stats.error());
  if (!eval_error.empty()) {
    std::fprintf(stderr, "erg_train_baseline: %s\n", eval_error.c_str());
    return 2;
  }
  auto d = erg::prune::measure_densities(*model, test, 1000);
  if (!d) return fail(d.error());
  for (std::size_t i = 0; i < d->size(); ++i)
    std::printf("%-6s weights %.3f  inputs %.3f  outputs %.3f\n", net.layers[i].name().c_str(),
                (*d)[i].weights, (*d)[i].inputs, (*d)[i].outputs);
  if (!onnx_out.empty()) {
    if (auto st = erg::prune::write_onnx_file(*model, onnx_out); !st) return fail(st.error());
    std::printf("wrote %s\n", onnx_out.c_str());
  }
  return 0;
}
