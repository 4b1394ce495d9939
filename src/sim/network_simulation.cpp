// `erg simulate` (erg/network_simulation.h).
#include "erg/network_simulation.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "erg/onnx_import.h"
#include "erg/onnx_runner.h"

namespace erg {

namespace fs = std::filesystem;

EnergySplit split(const Energy& e) {
  return {e.total(), e.compute, e.tensor_total(Tensor::Weights), e.tensor_total(Tensor::Inputs),
          e.tensor_total(Tensor::Outputs)};
}

double difference_pct(double analytical, double simulated) {
  if (simulated == 0) return analytical == 0 ? 0.0 : 100.0;
  return (analytical - simulated) / simulated * 100.0;
}

namespace {

Result<std::string> read_model(const std::string& path) {
  Error e = make_error("");
  e.file = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    e.message = "no such file";
    return e;
  }
  const auto size = fs::file_size(path, ec);
  if (ec || fs::is_directory(path, ec)) {
    e.message = "not a readable file";
    return e;
  }
  if (size > kMaxOnnxBytes) {
    e.message = fmt::format("the file is {} bytes, more than the {} protobuf can parse", size,
                            kMaxOnnxBytes);
    return e;
  }
  std::string bytes(size, '\0');
  std::ifstream in(path, std::ios::binary);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    e.message = "reading the file failed";
    return e;
  }
  return bytes;
}

void add(Energy& sum, const Energy& e) {
  if (sum.storage.empty()) {
    sum = e;
    return;
  }
  for (std::size_t l = 0; l < sum.storage.size(); ++l)
    for (int t = 0; t < kNumTensors; ++t) {
      sum.storage[l][t] += e.storage[l][t];
      sum.network[l][t] += e.network[l][t];
    }
  sum.compute += e.compute;
  sum.compute_network += e.compute_network;
}

void scale(Energy& e, double f) {
  for (auto& l : e.storage)
    for (auto& v : l) v *= f;
  for (auto& l : e.network)
    for (auto& v : l) v *= f;
  e.compute *= f;
  e.compute_network *= f;
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

Result<NetworkSimulation> simulate_network(const SimulateOptions& o, const Arch& arch) {
  auto report = [&](const std::string& stage, double f) {
    if (o.progress) o.progress(stage, f);
  };
  NetworkSimulation out;
  auto read = read_model(o.model);
  if (!read) return read.error();
  std::string model_bytes = std::move(read).value();
  if (o.random_weights) {
    auto filled =
        fill_random_weights(model_bytes, o.model, *o.random_weights, &out.filled_initializers);
    if (!filled) return filled.error();
    model_bytes = std::move(filled).value();
  }
  if (o.batch <= 0) return make_error("--batch must be positive");
  OnnxImportOptions io;
  io.keep_model = true;
  io.symbolic_dim = o.batch;
  if (o.estimate.weight_bits) io.weights.bits = *o.estimate.weight_bits;
  if (o.estimate.act_bits) io.activations.bits = *o.estimate.act_bits;
  auto imported = import_onnx(model_bytes, o.model, fs::path(o.model).parent_path().string(), io);
  if (!imported) return imported.error();
  model_bytes.clear();
  out.warnings = imported->warnings;
  out.not_modelled = imported->not_modelled;
  auto made = ModelRunner::make(*imported, o.model);
  if (!made) return made.error();
  ModelRunner runner = std::move(made).value();
  auto images = load_images(o.inputs, runner.input_shape(), o.max_images, o.normalisation);
  if (!images) return images.error();
  out.images = images->names;
  const std::int64_t per_run = runner.batch();
  if (images->count < per_run)
    return make_error(fmt::format("the model takes {} images per run, only {} were given", per_run,
                                  images->count));
  if (images->count % per_run != 0)
    out.warnings.push_back(
        fmt::format("{} images do not fill whole batches of {}: the last {} "
                    "are not used",
                    images->count, per_run, images->count % per_run));
  out.batches = images->count / per_run;

  // 1. Run the model on every batch, keeping every layer's data.
  auto t0 = Clock::now();
  std::vector<std::vector<LayerData>> runs;
  const std::size_t image_values = static_cast<std::size_t>(
      runner.input_shape().channels * runner.input_shape().height * runner.input_shape().width);
  for (std::int64_t b = 0; b < out.batches; ++b) {
    report("running the model (OpenCV)", static_cast<double>(b) / out.batches);
    auto d = runner.run(images->data.data() + b * per_run * image_values);
    if (!d) return d.error();
    runs.push_back(std::move(d).value());
  }
  out.seconds_inference = since(t0);

  // 2. Densities over all images.
  Network net = imported->network;
  const std::size_t L = net.layers.size();
  out.layers.resize(L);
  for (std::size_t i = 0; i < L; ++i) {
    std::array<std::uint64_t, kNumTensors> nz{}, all{};
    for (const auto& run : runs)
      for (Tensor t : kAllTensors) {
        const auto& v = run[i].of(t);
        std::uint64_t n = 0;
        for (auto x : v) n += x;
        nz[static_cast<int>(t)] += n;
        all[static_cast<int>(t)] += v.size();
      }
    auto frac = [&](Tensor t) {
      const int k = static_cast<int>(t);
      return all[k] == 0 ? 0.0 : static_cast<double>(nz[k]) / static_cast<double>(all[k]);
    };
    MeasuredDensity& md = out.layers[i].density;
    md = {frac(Tensor::Weights), frac(Tensor::Inputs), frac(Tensor::Outputs)};
    LayerSpec s = net.layers[i].spec();
    s.weights.density = md.weights;
    s.inputs.density = md.inputs;
    s.outputs.density = md.outputs;
    auto l = Layer::make(s);
    if (!l) return l.error();
    net.layers[i] = std::move(l).value();
  }

  // 3. The analytical estimate (and the mappings).
  t0 = Clock::now();
  EstimateOptions eo = o.estimate;
  eo.batch.reset();  // the model's batch, as run
  eo.weight_density.reset();
  eo.act_density.reset();
  eo.progress = [&](std::size_t index, std::size_t count, const Layer&, double f) {
    report("mapping", (static_cast<double>(index) + f) / static_cast<double>(count));
  };
  auto est = estimate_network(net, arch, eo);
  if (!est) return est.error();
  out.estimate = std::move(est).value();
  out.seconds_mapping = since(t0);

  // 4. Simulation of every batch under those mappings.
  t0 = Clock::now();
  out.coding = o.coding;
  Arch hw = out.estimate.hardware;
  if (o.coding)
    for (auto& level : hw.levels)
      for (auto& c : level.compression)
        if (c != Compression::None) c = *o.coding;
  // Every (layer, run) is independent: worker threads take them in turn; results are reduced in
  // order afterwards, so the sums do not depend on the scheduling. Progress is reported from the
  // calling thread.
  const std::size_t jobs = L * runs.size();
  std::vector<std::optional<Result<LayerSimulation>>> done(jobs);
  std::atomic<std::size_t> next{0}, finished{0};
  std::atomic<bool> failed{false};
  auto work = [&](bool caller) {
    for (std::size_t j = next++; j < jobs && !failed; j = next++) {
      const std::size_t i = j / runs.size(), b = j % runs.size();
      const LayerResult& r = out.estimate.layers[i];
      if (caller) report("simulating " + r.layer.name(), static_cast<double>(finished) / jobs);
      done[j] = simulate_layer(r.layer, hw, r.mapping, runs[b][i], o.limits);
      if (!done[j]->ok()) failed = true;
      ++finished;
    }
  };
  const unsigned threads = std::max(
      1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(jobs)));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < threads; ++k) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  // The first error in job order (jobs after a failure may not have run).
  for (const auto& d : done)
    if (d && !d->ok()) return d->error();
  for (std::size_t i = 0; i < L; ++i) {
    SimulatedLayer& sl = out.layers[i];
    Energy sum;
    for (std::size_t b = 0; b < runs.size(); ++b) {
      const auto& sim = *done[i * runs.size() + b];
      sl.nonzero_macs_total += sim->nonzero_macs;
      add(sum, sim->energy);
    }
    scale(sum, 1.0 / static_cast<double>(runs.size()));
    sl.energy = std::move(sum);
    sl.nonzero_macs = static_cast<double>(sl.nonzero_macs_total) / static_cast<double>(runs.size());
  }
  out.seconds_simulation = since(t0);
  return out;
}

}  // namespace erg
