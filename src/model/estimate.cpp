#include "erg/estimate.h"

#include <fmt/format.h>

#include <map>
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

bool cancelled(const EstimateOptions& opt) {
  return opt.cancel != nullptr && opt.cancel->load(std::memory_order_relaxed);
}

struct Found {
  Mapping mapping;
  MapperStats stats;
  bool heuristic = false;
  Dataflow dataflow = Dataflow::RS;
};

// The mapper's best mapping of one layer; once the search is cancelled, the best found so far, or
// the heuristic mapping when there is none.
Result<Found> map_one(const Layer& layer, const Arch& arch, const EstimateOptions& opt,
                      std::size_t index, std::size_t count) {
  if (!cancelled(opt)) {
    MapperOptions mo;
    mo.dataflow = opt.dataflow;
    mo.objective = opt.objective;
    mo.threads = 0;
    mo.cancel = opt.cancel;
    if (opt.progress) {
      mo.progress = [&](double fraction) { opt.progress(index, count, layer, fraction); };
      opt.progress(index, count, layer, 0.0);
    }
    auto r = opt.mapper ? opt.mapper(layer, arch, mo) : map_layer(layer, arch, mo);
    if (r.ok()) return Found{r->mapping, r->stats, false, r->dataflow};
    if (!cancelled(opt)) {
      Error e = r.error();
      e.message = fmt::format("layer '{}': {}", layer.name(), e.message);
      return e;
    }
  }
  auto m = simple_mapping(opt.dataflow, layer, arch);
  if (!m.ok()) {
    Error e = m.error();
    e.message = fmt::format("layer '{}': {}", layer.name(), e.message);
    return e;
  }
  Found f{std::move(m).value(), {}, true, opt.dataflow};
  f.stats.optimal = false;
  return f;
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
  est.objective = opt.objective;
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

  // Identical layers are mapped once. The mapper uses every core for one layer, so the distinct
  // layers are searched one after another.
  std::map<decltype(layer_key(layers.front())), std::size_t> unique_index;
  std::vector<std::size_t> job_of(layers.size());
  std::vector<std::size_t> jobs;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto [it, inserted] = unique_index.emplace(layer_key(layers[i]), jobs.size());
    if (inserted) jobs.push_back(i);
    job_of[i] = it->second;
  }
  std::vector<Found> found;
  found.reserve(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    auto f = map_one(layers[jobs[j]], arch, opt, j, jobs.size());
    if (!f.ok()) return f.error();
    if (!f->stats.optimal) est.interrupted = true;
    found.push_back(std::move(f).value());
  }

  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Found& f = found[job_of[i]];
    auto ev = evaluate(layers[i], arch, f.mapping);
    if (!ev.ok()) return ev.error();
    est.layers.push_back(
        {layers[i], f.mapping, std::move(ev).value(), f.stats, f.heuristic, f.dataflow});
  }
  return est;
}

}  // namespace erg
