// Trainable erg networks on libtorch (erg/prune/trainable.h; docs/prune.md).
//
// The only translation unit of the library that includes <torch/torch.h> (optimisers, seeding).
#include "erg/prune/trainable.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace erg::prune {

struct TrainableNet::Impl {
  Network net;
  std::vector<LayerPlan> plans;
  std::vector<at::Tensor> weights, biases, masks;
  std::int64_t outputs = 0;
};

namespace {

std::string layer_label(const Layer& l) {
  return fmt::format("layer '{}' ({})", l.name(), layer_type_name(l.type()));
}

Error torch_error(const std::string& what, const std::exception& e) {
  std::string msg = e.what();
  // c10::Error appends a C++ backtrace after the first line.
  if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
  return make_error(fmt::format("{}: libtorch: {}", what, msg));
}

// Window and stride of a 1-D max pooling from `in` to `out` positions (floor mode, no padding):
// the smallest non-overlapping window (k = s), else the smallest overlapping one with the window
// at most twice the stride (s < k ≤ 2s, e.g. AlexNet's 3/2). Empty when none fits.
std::optional<std::pair<std::int64_t, std::int64_t>> pool_1d(std::int64_t in, std::int64_t out) {
  if (out == in) return std::pair<std::int64_t, std::int64_t>{1, 1};
  if (out < 1 || out > in || in > 4096) return std::nullopt;
  for (std::int64_t k = 2; k <= in; ++k)
    if ((in - k) / k + 1 == out) return std::pair{k, k};
  for (std::int64_t k = 2; k <= in; ++k)
    for (std::int64_t s = (k + 1) / 2; s < k; ++s)
      if ((in - k) / s + 1 == out) return std::pair{k, s};
  return std::nullopt;
}

PoolSpec make_pool(std::int64_t in_h, std::int64_t in_w, std::int64_t out_h, std::int64_t out_w) {
  PoolSpec p;
  p.out_h = out_h;
  p.out_w = out_w;
  auto h = pool_1d(in_h, out_h), w = pool_1d(in_w, out_w);
  if (h && w) {
    p.kernel_h = h->first;
    p.stride_h = h->second;
    p.kernel_w = w->first;
    p.stride_w = w->second;
  } else {
    p.adaptive = true;
  }
  return p;
}

bool is_fc(const Layer& l) { return l.type() == LayerType::FC; }

Status check_data(const TrainableNet& net, const Dataset& data, const char* what) {
  if (!data.images.defined() || data.size() == 0)
    return make_error(fmt::format("{}: the data set is empty", what));
  const LayerSpec& first = net.network().layers.front().spec();
  const std::int64_t per_image = data.images.numel() / data.images.size(0);
  const std::int64_t want = first.in_channels * first.in_h * first.in_w;
  const bool conv = !is_fc(net.network().layers.front());
  const bool shape_ok =
      conv ? (data.images.dim() == 4 && data.images.size(1) == first.in_channels &&
              data.images.size(2) == first.in_h && data.images.size(3) == first.in_w)
           : per_image == want;
  if (!shape_ok)
    return make_error(fmt::format("{}: the images are {} but the first layer '{}' reads {}×{}×{}",
                                  what, fmt::join(data.images.sizes().vec(), "×"), first.name,
                                  first.in_channels, first.in_h, first.in_w));
  if (!data.labels.defined() || data.labels.numel() != data.size())
    return make_error(fmt::format("{}: {} labels for {} images", what,
                                  data.labels.defined() ? data.labels.numel() : 0, data.size()));
  const std::int64_t max_label = data.labels.max().item<std::int64_t>();
  const std::int64_t min_label = data.labels.min().item<std::int64_t>();
  if (min_label < 0 || max_label >= net.num_outputs())
    return make_error(fmt::format("{}: labels range over [{}, {}] but the network has {} outputs",
                                  what, min_label, max_label, net.num_outputs()));
  return Ok{};
}

}  // namespace

Dataset to_dataset(const LabelledImages& data) {
  const auto& im = data.images;
  Dataset d;
  d.images = at::empty({im.count, 1, im.rows, im.cols}, at::kFloat);
  float* p = d.images.data_ptr<float>();
  for (std::size_t i = 0; i < im.pixels.size(); ++i)
    p[i] = static_cast<float>(im.pixels[i]) / 255.f;
  d.labels = at::empty({static_cast<std::int64_t>(data.labels.size())}, at::kLong);
  std::int64_t* l = d.labels.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < data.labels.size(); ++i) l[i] = data.labels[i];
  return d;
}

Dataset head(const Dataset& data, std::int64_t n) {
  if (n >= data.size()) return data;
  return Dataset{data.images.narrow(0, 0, n), data.labels.narrow(0, 0, n)};
}

double density(const at::Tensor& t) {
  if (!t.defined() || t.numel() == 0) return 0;
  return static_cast<double>(t.count_nonzero().item<std::int64_t>()) /
         static_cast<double>(t.numel());
}

Result<TrainableNet> TrainableNet::build(const Network& net, std::uint64_t seed) {
  if (net.layers.empty()) return make_error(fmt::format("network '{}' has no layers", net.name));
  auto impl = std::make_shared<Impl>();
  impl->net = net;
  impl->plans.resize(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const LayerSpec& s = l.spec();
    if (l.type() == LayerType::MatMul)
      return make_error(
          fmt::format("{}: matrix multiplications (the rows of P are activations, "
                      "not images of a batch) cannot be trained as a layer",
                      layer_label(l)));
    LayerPlan& plan = impl->plans[i];
    plan.relu = i + 1 < net.layers.size();
    plan.flatten = is_fc(l) && (i == 0 || !is_fc(net.layers[i - 1]));
    if (i == 0) continue;
    const Layer& prev = net.layers[i - 1];
    const std::int64_t pm = prev.spec().out_channels, pp = prev.dim(Dim::P), pq = prev.dim(Dim::Q);
    LayerPlan& prev_plan = impl->plans[i - 1];
    auto pool_to = [&](std::int64_t h, std::int64_t w) -> Status {
      if (h > pp || w > pq)
        return make_error(fmt::format(
            "{}: its ifmap {}×{} is larger than the ofmap {}×{} of the layer before, '{}'",
            layer_label(l), h, w, pp, pq, prev.name()));
      if (h < pp || w < pq) prev_plan.pool = make_pool(pp, pq, h, w);
      return Ok{};
    };
    if (!is_fc(l)) {
      if (is_fc(prev))
        return make_error(fmt::format("{}: a CONV layer after an FC layer ('{}') is not supported",
                                      layer_label(l), prev.name()));
      if (s.in_channels != pm)
        return make_error(fmt::format("{}: reads {} channels but the layer before, '{}', writes {}",
                                      layer_label(l), s.in_channels, prev.name(), pm));
      if (auto st = pool_to(s.in_h, s.in_w); !st) return st.error();
      continue;
    }
    // FC: C × H × W with C the previous channels (pooled to H × W), or the flattened ofmap.
    if (!is_fc(prev) && s.in_channels == pm) {
      if (auto st = pool_to(s.in_h, s.in_w); !st) return st.error();
    } else if (s.in_channels * s.in_h * s.in_w != pm * pp * pq) {
      return make_error(fmt::format(
          "{}: reads {}×{}×{} = {} values but the layer before, '{}', writes {}×{}×{} = {}",
          layer_label(l), s.in_channels, s.in_h, s.in_w, s.in_channels * s.in_h * s.in_w,
          prev.name(), pm, pp, pq, pm * pp * pq));
    }
  }
  const Layer& last = net.layers.back();
  impl->outputs = last.spec().out_channels * last.dim(Dim::P) * last.dim(Dim::Q);
  try {
    torch::manual_seed(seed);
    for (const Layer& l : net.layers) {
      const LayerSpec& s = l.spec();
      at::Tensor w;
      if (is_fc(l)) {
        w = at::empty({s.out_channels, s.in_channels * s.in_h * s.in_w}, at::kFloat);
      } else {
        w = at::empty({s.out_channels, s.in_channels / s.groups, s.filter_h, s.filter_w},
                      at::kFloat);
      }
      const double fan_in = static_cast<double>(w.numel() / w.size(0));
      {
        at::NoGradGuard guard;
        w.normal_(0.0, std::sqrt(2.0 / fan_in));
      }
      w.set_requires_grad(true);
      at::Tensor b = at::zeros({s.out_channels}, at::kFloat);
      b.set_requires_grad(true);
      impl->weights.push_back(w);
      impl->biases.push_back(b);
      impl->masks.push_back(at::ones_like(w).set_requires_grad(false));
    }
  } catch (const std::exception& e) {
    return torch_error(fmt::format("network '{}'", net.name), e);
  }
  return TrainableNet(std::move(impl));
}

TrainableNet TrainableNet::clone() const {
  auto c = std::make_shared<Impl>(*impl_);
  for (auto* v : {&c->weights, &c->biases, &c->masks})
    for (at::Tensor& t : *v) {
      const bool grad = t.requires_grad();
      t = t.detach().clone();
      t.set_requires_grad(grad);
    }
  return TrainableNet(std::move(c));
}

void set_threads(int threads) { at::set_num_threads(std::max(1, threads)); }

const Network& TrainableNet::network() const { return impl_->net; }
std::size_t TrainableNet::num_layers() const { return impl_->net.layers.size(); }
const LayerPlan& TrainableNet::plan(std::size_t layer) const { return impl_->plans.at(layer); }
std::int64_t TrainableNet::num_outputs() const { return impl_->outputs; }
at::Tensor TrainableNet::weight(std::size_t layer) const { return impl_->weights.at(layer); }
at::Tensor TrainableNet::bias(std::size_t layer) const { return impl_->biases.at(layer); }
at::Tensor TrainableNet::mask(std::size_t layer) const { return impl_->masks.at(layer); }

std::vector<at::Tensor> TrainableNet::parameters() const {
  std::vector<at::Tensor> p;
  for (std::size_t i = 0; i < num_layers(); ++i) {
    p.push_back(impl_->weights[i]);
    p.push_back(impl_->biases[i]);
  }
  return p;
}

Status TrainableNet::set_mask(std::size_t layer, const at::Tensor& mask) {
  if (layer >= num_layers())
    return make_error(fmt::format("no layer {}: the network has {}", layer, num_layers()));
  const at::Tensor& w = impl_->weights[layer];
  const std::string label = layer_label(impl_->net.layers[layer]);
  if (!mask.defined() || mask.sizes() != w.sizes())
    return make_error(fmt::format(
        "{}: the mask's shape [{}] is not the weight's [{}]", label,
        mask.defined() ? fmt::format("{}", fmt::join(mask.sizes().vec(), ", ")) : "undefined",
        fmt::join(w.sizes().vec(), ", ")));
  try {
    at::Tensor m = mask.detach().to(at::kFloat).clone();
    if (!(m.eq(0) | m.eq(1)).all().item<bool>())
      return make_error(fmt::format("{}: mask values must be 0 or 1", label));
    impl_->masks[layer] = m;
    at::NoGradGuard guard;
    w.mul_(m);
  } catch (const std::exception& e) {
    return torch_error(label, e);
  }
  return Ok{};
}

Status TrainableNet::set_weight(std::size_t layer, const at::Tensor& weight,
                                const at::Tensor& bias) {
  if (layer >= num_layers())
    return make_error(fmt::format("no layer {}: the network has {}", layer, num_layers()));
  const std::string label = layer_label(impl_->net.layers[layer]);
  at::Tensor& w = impl_->weights[layer];
  at::Tensor& b = impl_->biases[layer];
  if (!weight.defined() || weight.sizes() != w.sizes())
    return make_error(fmt::format("{}: the new weight's shape is not [{}]", label,
                                  fmt::join(w.sizes().vec(), ", ")));
  if (bias.defined() && bias.sizes() != b.sizes())
    return make_error(fmt::format("{}: the new bias's shape is not [{}]", label,
                                  fmt::join(b.sizes().vec(), ", ")));
  try {
    at::NoGradGuard guard;
    w.copy_(weight);
    w.mul_(impl_->masks[layer]);
    if (bias.defined()) b.copy_(bias);
  } catch (const std::exception& e) {
    return torch_error(label, e);
  }
  return Ok{};
}

void TrainableNet::apply_masks() {
  at::NoGradGuard guard;
  for (std::size_t i = 0; i < num_layers(); ++i) impl_->weights[i].mul_(impl_->masks[i]);
}

at::Tensor TrainableNet::forward(const at::Tensor& images, const Observer& observer) const {
  at::Tensor x = images;
  const std::int64_t n = images.size(0);
  for (std::size_t i = 0; i < num_layers(); ++i) {
    const Layer& l = impl_->net.layers[i];
    const LayerSpec& s = l.spec();
    const LayerPlan& plan = impl_->plans[i];
    if (plan.flatten) x = x.reshape({n, -1});
    at::Tensor y;
    if (is_fc(l)) {
      y = at::linear(x, impl_->weights[i], impl_->biases[i]);
    } else {
      at::Tensor in = x;
      std::vector<std::int64_t> pad{s.pad_top, s.pad_left};
      if (s.pad_top != s.pad_bottom || s.pad_left != s.pad_right) {
        in = at::constant_pad_nd(x, {s.pad_left, s.pad_right, s.pad_top, s.pad_bottom});
        pad = {0, 0};
      }
      y = at::conv2d(in, impl_->weights[i], impl_->biases[i], {s.stride_h, s.stride_w}, pad,
                     {s.dilation_h, s.dilation_w}, s.groups);
    }
    if (plan.relu) y = at::relu(y);
    if (observer) observer(i, x, y);
    const PoolSpec& p = plan.pool;
    if (p.adaptive) {
      y = std::get<0>(at::adaptive_max_pool2d(y, {p.out_h, p.out_w}));
    } else if (!p.none()) {
      y = at::max_pool2d(y, {p.kernel_h, p.kernel_w}, {p.stride_h, p.stride_w});
    }
    x = y;
  }
  return x.reshape({n, -1});
}

Result<std::vector<EpochStats>> train(TrainableNet& net, const Dataset& all,
                                      const TrainOptions& o) {
  if (o.epochs < 0 || o.batch < 1 || !(o.lr > 0) || o.threads < 1)
    return make_error(fmt::format(
        "train: epochs ({}) must be ≥ 0, batch ({}) ≥ 1, lr ({}) > 0 and threads ({}) ≥ 1",
        o.epochs, o.batch, o.lr, o.threads));
  const Dataset data = o.max_images ? head(all, *o.max_images) : all;
  if (auto st = check_data(net, data, "train"); !st) return st.error();
  std::vector<EpochStats> stats;
  try {
    at::set_num_threads(o.threads);
    torch::manual_seed(o.seed);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (o.optimizer == Optimizer::Adam) {
      opt = std::make_unique<torch::optim::Adam>(
          net.parameters(), torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
    } else {
      opt = std::make_unique<torch::optim::SGD>(
          net.parameters(),
          torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
    }
    const std::int64_t n = data.size();
    const std::int64_t batches = (n + o.batch - 1) / o.batch;
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o.seed);
    net.apply_masks();
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      // Fisher–Yates with our own index draws: the order does not depend on the standard library.
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
      double loss_sum = 0;
      std::int64_t correct = 0;
      for (std::int64_t b = 0; b < batches; ++b) {
        const std::int64_t from = b * o.batch, count = std::min(o.batch, n - from);
        at::Tensor idx = at::from_blob(order.data() + from, {count}, at::kLong);
        at::Tensor x = data.images.index_select(0, idx);
        at::Tensor y = data.labels.index_select(0, idx);
        at::Tensor logits = net.forward(x);
        at::Tensor loss = at::cross_entropy_loss(logits, y);
        opt->zero_grad();
        loss.backward();
        for (std::size_t i = 0; i < net.num_layers(); ++i) {
          at::Tensor g = net.weight(i).mutable_grad();
          if (g.defined()) g.mul_(net.mask(i));
        }
        opt->step();
        net.apply_masks();
        const double l = loss.item<double>();
        loss_sum += l * static_cast<double>(count);
        correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
        if (o.progress) o.progress(epoch, b, batches, l);
      }
      EpochStats e;
      e.loss = loss_sum / static_cast<double>(n);
      e.train_accuracy = static_cast<double>(correct) / static_cast<double>(n);
      e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      stats.push_back(e);
      if (o.epoch_end) o.epoch_end(epoch, e);
    }
  } catch (const std::exception& e) {
    return torch_error("train", e);
  }
  return stats;
}

Result<double> evaluate(const TrainableNet& net, const Dataset& data, std::int64_t batch) {
  if (batch < 1) return make_error(fmt::format("evaluate: batch ({}) must be ≥ 1", batch));
  if (auto st = check_data(net, data, "evaluate"); !st) return st.error();
  try {
    at::NoGradGuard guard;
    std::int64_t correct = 0;
    for (std::int64_t from = 0; from < data.size(); from += batch) {
      const std::int64_t count = std::min(batch, data.size() - from);
      at::Tensor logits = net.forward(data.images.narrow(0, from, count));
      correct += logits.argmax(1).eq(data.labels.narrow(0, from, count)).sum().item<std::int64_t>();
    }
    return static_cast<double>(correct) / static_cast<double>(data.size());
  } catch (const std::exception& e) {
    return torch_error("evaluate", e);
  }
}

Result<std::vector<LayerDensity>> measure_densities(const TrainableNet& net, const Dataset& all,
                                                    std::int64_t images, std::int64_t batch) {
  if (images < 1 || batch < 1)
    return make_error(
        fmt::format("measure_densities: images ({}) and batch ({}) must be ≥ 1", images, batch));
  const Dataset data = head(all, images);
  if (auto st = check_data(net, data, "measure_densities"); !st) return st.error();
  const std::size_t n = net.num_layers();
  std::vector<double> in_nz(n), in_all(n), out_nz(n), out_all(n);
  try {
    at::NoGradGuard guard;
    auto observe = [&](std::size_t i, const at::Tensor& in, const at::Tensor& out) {
      in_nz[i] += static_cast<double>(in.count_nonzero().item<std::int64_t>());
      in_all[i] += static_cast<double>(in.numel());
      out_nz[i] += static_cast<double>(out.count_nonzero().item<std::int64_t>());
      out_all[i] += static_cast<double>(out.numel());
    };
    for (std::int64_t from = 0; from < data.size(); from += batch)
      net.forward(data.images.narrow(0, from, std::min(batch, data.size() - from)), observe);
    std::vector<LayerDensity> d(n);
    for (std::size_t i = 0; i < n; ++i) {
      d[i].weights = density(net.weight(i));
      d[i].inputs = in_nz[i] / in_all[i];
      d[i].outputs = out_nz[i] / out_all[i];
    }
    return d;
  } catch (const std::exception& e) {
    return torch_error("measure_densities", e);
  }
}

Result<Network> to_erg_network(const TrainableNet& net,
                               const std::vector<LayerDensity>& densities) {
  if (densities.size() != net.num_layers())
    return make_error(fmt::format("to_erg_network: {} densities for {} layers", densities.size(),
                                  net.num_layers()));
  Network out;
  out.name = net.network().name;
  for (std::size_t i = 0; i < net.num_layers(); ++i) {
    LayerSpec s = net.network().layers[i].spec();
    s.weights.density = densities[i].weights;
    s.inputs.density = densities[i].inputs;
    s.outputs.density = densities[i].outputs;
    auto l = Layer::make(s);
    if (!l) return l.error();
    out.layers.push_back(std::move(l).value());
  }
  return out;
}

Result<at::Tensor> layer_inputs(const TrainableNet& net, std::size_t layer,
                                const at::Tensor& images) {
  if (layer >= net.num_layers())
    return make_error(
        fmt::format("layer_inputs: no layer {}: the network has {}", layer, net.num_layers()));
  try {
    at::NoGradGuard guard;
    at::Tensor captured;
    net.forward(images, [&](std::size_t i, const at::Tensor& in, const at::Tensor&) {
      if (i == layer) captured = in;
    });
    return captured;
  } catch (const std::exception& e) {
    return torch_error(
        fmt::format("layer_inputs of layer '{}'", net.network().layers[layer].name()), e);
  }
}

namespace {

Layer must(const LayerSpec& s) { return Layer::make(s).value(); }

LayerSpec conv(const std::string& name, std::int64_t c, std::int64_t m, std::int64_t in,
               std::int64_t k) {
  LayerSpec s;
  s.name = name;
  s.type = LayerType::Conv;
  s.in_channels = c;
  s.out_channels = m;
  s.in_h = s.in_w = in;
  s.filter_h = s.filter_w = k;
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = k / 2;
  return s;
}

LayerSpec fc(const std::string& name, std::int64_t c, std::int64_t m, std::int64_t in = 1) {
  LayerSpec s;
  s.name = name;
  s.type = LayerType::FC;
  s.in_channels = c;
  s.out_channels = m;
  s.in_h = s.in_w = s.filter_h = s.filter_w = in;
  return s;
}

}  // namespace

Network fmnist_alexnet() {
  Network n;
  n.name = "fmnist-alexnet";
  n.layers = {must(conv("conv1", 1, 16, 28, 5)),   // → 2×2/2 max pooling → 14×14
              must(conv("conv2", 16, 32, 14, 3)),  // → 2×2/2 → 7×7
              must(conv("conv3", 32, 48, 7, 3)),  must(conv("conv4", 48, 48, 7, 3)),
              must(conv("conv5", 48, 32, 7, 3)),  must(fc("fc6", 32, 256, 7)),
              must(fc("fc7", 256, 256)),          must(fc("fc8", 256, 10))};
  return n;
}

}  // namespace erg::prune
