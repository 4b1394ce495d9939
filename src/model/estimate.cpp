#include "erg/estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <tuple>

namespace erg {

namespace {

// Everything that determines a layer's mapping and energy (its name does not).
auto layer_key(const Layer& l) {
  const LayerSpec& s = l.spec();
  return std::make_tuple(static_cast<int>(s.type), s.batch, s.in_channels, s.out_channels, s.in_h,
                         s.in_w, s.filter_h, s.filter_w, s.stride_h, s.stride_w, s.dilation_h,
                         s.dilation_w, s.pad_top, s.pad_bottom, s.pad_left, s.pad_right, s.groups,
                         s.weights.bits, s.weights.density, s.inputs.bits, s.inputs.density,
                         s.outputs.bits, s.outputs.density);
}

}  // namespace

Result<NetworkEstimate> estimate_network(const Network& net, const Arch& arch,
                                         const EstimateOptions& opt) {
  if (net.layers.empty())
    return make_error(fmt::format("network '{}' has no layers to estimate", net.name));
  NetworkEstimate est;
  est.network = net.name;
  est.arch = arch.name;
  est.unit = arch.unit;
  est.dataflow = opt.dataflow;
  est.batch = opt.batch.value_or(net.layers.front().dim(Dim::N));
  est.hardware = arch;

  std::vector<Layer> layers;
  for (const Layer& original : net.layers) {
    LayerSpec s = original.spec();
    if (opt.batch) s.batch = *opt.batch;
    if (opt.weight_bits) s.weights.bits = *opt.weight_bits;
    if (opt.act_bits) s.inputs.bits = s.outputs.bits = *opt.act_bits;
    if (opt.weight_density) s.weights.density = *opt.weight_density;
    if (opt.act_density) s.inputs.density = s.outputs.density = *opt.act_density;
    auto l = Layer::make(s);
    if (!l.ok()) return l.error();
    layers.push_back(std::move(l).value());
  }

  // Identical layers are mapped once.
  std::map<decltype(layer_key(layers.front())), std::size_t> unique_index;
  std::vector<std::size_t> job_of(layers.size());
  std::vector<std::size_t> jobs;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto [it, inserted] = unique_index.emplace(layer_key(layers[i]), jobs.size());
    if (inserted) jobs.push_back(i);
    job_of[i] = it->second;
  }
  std::vector<std::optional<Result<Mapping>>> found(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t j = next++; j < jobs.size(); j = next++)
      found[j] = simple_mapping(opt.dataflow, layers[jobs[j]], arch);
  };
  const unsigned n_threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                             static_cast<unsigned>(jobs.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Result<Mapping>& m = *found[job_of[i]];
    if (!m.ok()) return m.error();
    auto ev = evaluate(layers[i], arch, m.value());
    if (!ev.ok()) return ev.error();
    est.layers.push_back({layers[i], m.value(), std::move(ev).value()});
  }
  return est;
}

}  // namespace erg
