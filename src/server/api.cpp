// The HTTP API of `erg serve` as plain functions (erg/api.h).
#include "erg/api.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/network_input.h"
#include "erg/onnx_import.h"
#include "erg/plot.h"
#include "erg/report.h"
#include "erg/text.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"

namespace erg {

using nlohmann::json;

ApiResponse api_error(int status, const std::string& message) {
  return {status, json{{"error", message}}.dump() + "\n", "application/json"};
}

namespace {

std::string layer_key(const Layer& l) {
  const LayerSpec& s = l.spec();
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:a}|{}|{:a}|{}|{:a}",
                     static_cast<int>(s.type), s.batch, s.in_channels, s.out_channels, s.in_h,
                     s.in_w, s.filter_h, s.filter_w, s.stride_h, s.stride_w, s.dilation_h,
                     s.dilation_w, s.pad_top, s.pad_bottom, s.pad_left, s.pad_right, s.groups,
                     s.weights.bits, s.weights.density, s.inputs.bits, s.inputs.density,
                     s.outputs.bits, s.outputs.density);
}

// A request field's problem: 400 for a wrong JSON type, 422 for a value erg cannot use.
struct Bad {
  int status;
  std::string message;
};

const std::vector<std::string> kEstimateFields = {
    "network",   "layers", "name",  "arch",        "batch",         "dataflow",
    "objective", "wbits",  "abits", "act_density", "weight_density"};

// The presets and zoo networks, built once (the presets are YAML: parsing them per request would
// cost more than a warm estimate).
const Arch* preset(const std::string& name) {
  static const std::map<std::string, Arch> presets = [] {
    std::map<std::string, Arch> m;
    for (const auto& n : arch_preset_names())
      if (auto a = load_arch(n)) m.emplace(n, std::move(a).value());
    return m;
  }();
  auto it = presets.find(name);
  return it == presets.end() ? nullptr : &it->second;
}

Result<Network> zoo(const std::string& name) {
  static const std::map<std::string, Network> nets = [] {
    std::map<std::string, Network> m;
    for (const auto& e : zoo_entries())
      if (auto n = zoo_network(e.name)) m.emplace(e.name, std::move(n).value());
    return m;
  }();
  auto it = nets.find(name);
  if (it != nets.end()) return it->second;
  return zoo_network(name);  // other spellings, or the error with its hint
}

}  // namespace

Result<MapperResult> MappingCache::map(const Layer& layer, const std::string& arch_key,
                                       const Arch& arch, const MapperOptions& options) {
  const std::string key =
      fmt::format("{}#{}#{}#{}", layer_key(layer), arch_key, static_cast<int>(options.dataflow),
                  static_cast<int>(options.objective));
  std::promise<Result<MapperResult>> promise;
  {
    std::unique_lock lock(mu_);
    auto it = done_.find(key);
    if (it != done_.end()) {
      ++hits_;
      auto f = it->second;
      lock.unlock();
      return f.get();
    }
    done_.emplace(key, promise.get_future().share());
  }
  ++searches_;
  Result<MapperResult> r = make_error("the search did not run");
  try {
    r = map_layer(layer, arch, options);
  } catch (const std::exception& e) {
    r = make_error(std::string("the search failed: ") + e.what());
  }
  promise.set_value(r);
  if (!r.ok() || !r->stats.optimal) {
    std::lock_guard lock(mu_);
    done_.erase(key);
  }
  return r;
}

std::optional<std::string> ResponseCache::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++hits_;
  return it->second->second;
}

void ResponseCache::put(const std::string& key, const std::string& value) {
  const std::size_t size = key.size() + value.size();
  if (size > max_bytes_ / 4) return;
  std::lock_guard lock(mu_);
  if (index_.count(key) != 0) return;
  lru_.emplace_front(key, value);
  index_[key] = lru_.begin();
  bytes_ += size;
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    const auto& [k, v] = lru_.back();
    bytes_ -= k.size() + v.size();
    index_.erase(k);
    lru_.pop_back();
  }
}

std::shared_ptr<const NetworkEstimate> EstimateCache::get(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = lru_.begin(); it != lru_.end(); ++it) {
    if (it->key != key) continue;
    if (it->estimate->interrupted &&
        now - it->made > std::chrono::duration<double>(limited_seconds_)) {
      lru_.erase(it);  // a time-limited estimate is searched again after a while
      return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it);
    ++hits_;
    return lru_.front().estimate;
  }
  return nullptr;
}

void EstimateCache::put(const std::string& key, std::shared_ptr<const NetworkEstimate> estimate) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end(); ++it)
    if (it->key == key) {
      lru_.erase(it);
      break;
    }
  lru_.push_front({key, std::move(estimate), std::chrono::steady_clock::now()});
  while (lru_.size() > max_entries_) lru_.pop_back();
}

std::size_t MappingCache::size() const {
  std::lock_guard lock(mu_);
  return done_.size();
}

ApiResponse api_zoo() {
  json out = json::array();
  for (const ZooEntry& e : zoo_entries()) {
    auto net = zoo_network(e.name);
    if (!net) continue;
    std::uint64_t macs = 0, weights = 0;
    for (const Layer& l : net->layers) {
      macs += l.macs();
      weights += l.weight_count();
    }
    out.push_back({{"name", e.name},
                   {"description", e.description},
                   {"layers", net->layers.size()},
                   {"macs", macs},
                   {"weights", weights}});
  }
  return {200, out.dump(2) + "\n"};
}

ApiResponse api_zoo_network(const std::string& name) {
  auto net = zoo(name);
  if (!net) return api_error(404, net.error().message);
  return {200, network_to_json(*net)};
}

ApiResponse api_archs() {
  json out = json::array();
  for (const std::string& name : arch_preset_names()) {
    auto arch = load_arch(name);
    if (!arch) continue;
    json levels = json::array();
    for (const auto& l : arch->levels) levels.push_back(l.name);
    out.push_back({{"name", name},
                   {"levels", levels},
                   {"pes", arch->mac_units()},
                   {"yaml", arch_to_yaml(*arch)}});
  }
  return {200, out.dump(2) + "\n"};
}

namespace {

enum class Answer { Json, Svg, Csv };

// The estimate routes: the CLI's JSON, its --plot chart or its CSV.
ApiResponse estimate_response(const std::string& body, ApiContext& ctx, Answer answer) {
  if (body.size() > ctx.max_body)
    return api_error(413, fmt::format("the request is {} bytes, more than the limit of {}",
                                      body.size(), ctx.max_body));
  const json req = json::parse(body, nullptr, false);
  if (req.is_discarded()) return api_error(400, "the request body is not JSON");
  if (!req.is_object()) return api_error(400, "the request body must be a JSON object");
  for (const auto& [key, value] : req.items()) {
    (void)value;
    if (std::find(kEstimateFields.begin(), kEstimateFields.end(), key) == kEstimateFields.end())
      return api_error(
          422, fmt::format("unknown field '{}'{}", key, did_you_mean(key, kEstimateFields)));
  }
  auto string_field = [&](const char* k, std::string& out) -> std::optional<Bad> {
    if (!req.contains(k)) return std::nullopt;
    if (!req[k].is_string()) return Bad{400, fmt::format("'{}' must be a string", k)};
    out = req[k].get<std::string>();
    return std::nullopt;
  };
  auto int_field = [&](const char* k, std::int64_t lo, std::int64_t hi,
                       std::optional<std::int64_t>& out) -> std::optional<Bad> {
    if (!req.contains(k)) return std::nullopt;
    if (!req[k].is_number_integer()) return Bad{400, fmt::format("'{}' must be an integer", k)};
    const auto v = req[k].get<std::int64_t>();
    if (v < lo || v > hi)
      return Bad{422, fmt::format("'{}' must be between {} and {}, got {}", k, lo, hi, v)};
    out = v;
    return std::nullopt;
  };
  auto density_field = [&](const char* k, std::optional<double>& out) -> std::optional<Bad> {
    if (!req.contains(k)) return std::nullopt;
    if (!req[k].is_number()) return Bad{400, fmt::format("'{}' must be a number", k)};
    const double v = req[k].get<double>();
    if (!(v >= 0.0 && v <= 1.0))
      return Bad{422,
                 fmt::format("'{}' must be a fraction of non-zero values in [0, 1], got {}", k, v)};
    out = v;
    return std::nullopt;
  };

  // A request seen before (same fields and values) gets the same answer.
  static constexpr const char* kKeys[] = {"json:", "svg:", "csv:"};
  static constexpr const char* kTypes[] = {"application/json", "image/svg+xml",
                                           "text/csv; charset=utf-8"};
  const std::string canonical = req.dump();  // the same fields and values, the same text
  const std::string key = kKeys[static_cast<int>(answer)] + canonical;
  const char* type = kTypes[static_cast<int>(answer)];
  if (auto hit = ctx.responses.get(key)) return {200, std::move(*hit), type};

  // The network.
  Network net;
  if (req.contains("network") && req.contains("layers"))
    return api_error(422, "give either 'network' (a zoo name) or 'layers', not both");
  if (req.contains("network")) {
    std::string name;
    if (auto b = string_field("network", name)) return api_error(b->status, b->message);
    auto n = zoo(name);
    if (!n) return api_error(422, n.error().message);
    net = std::move(n).value();
  } else if (req.contains("layers")) {
    if (!req["layers"].is_array()) return api_error(400, "'layers' must be an array of layers");
    std::string name = "request";
    if (auto b = string_field("name", name)) return api_error(b->status, b->message);
    if (req["layers"].size() > 100000)
      return api_error(
          422, fmt::format("'layers' holds {} layers; the limit is 100000", req["layers"].size()));
    // One layer a line, so that an error's line names the layer: layers[line - 2].
    std::string doc = "{\"version\": 1, \"network\": " + json(name).dump() + ", \"layers\": [\n";
    for (std::size_t i = 0; i < req["layers"].size(); ++i)
      doc += req["layers"][i].dump() + (i + 1 < req["layers"].size() ? ",\n" : "\n");
    doc += "]}\n";
    auto n = parse_network_yaml(doc, "request");
    if (!n) {
      const Error& e = n.error();
      const int index = e.line - 2;
      if (index >= 0 && static_cast<std::size_t>(index) < req["layers"].size())
        return api_error(422, fmt::format("layers[{}]: {}", index, e.message));
      return api_error(422, e.message);
    }
    net = std::move(n).value();
  } else {
    return api_error(422, "the request needs 'network' (a zoo name) or 'layers'");
  }

  // The architecture: a preset's name or YAML text.
  std::string arch_text = "eyeriss", arch_key;
  if (auto b = string_field("arch", arch_text)) return api_error(b->status, b->message);
  Arch arch;
  const auto& presets = arch_preset_names();
  if (const Arch* p = preset(arch_text)) {
    arch = *p;
    arch_key = "preset:" + arch_text;
  } else if (arch_text.find('\n') != std::string::npos ||
             arch_text.find(':') != std::string::npos) {
    auto a = parse_arch_yaml(arch_text, "request arch");
    if (!a) return api_error(422, a.error().to_string());
    arch = std::move(a).value();
    arch_key = fmt::format("yaml:{}:{}", std::hash<std::string>{}(arch_text), arch_text.size());
  } else {
    return api_error(422, fmt::format("unknown architecture preset '{}'{}", arch_text,
                                      did_you_mean(arch_text, presets)));
  }

  EstimateOptions eo;
  std::optional<std::int64_t> batch, wbits, abits;
  if (auto b = int_field("batch", 1, 1 << 20, batch)) return api_error(b->status, b->message);
  if (auto b = int_field("wbits", 1, 64, wbits)) return api_error(b->status, b->message);
  if (auto b = int_field("abits", 1, 64, abits)) return api_error(b->status, b->message);
  if (auto b = density_field("weight_density", eo.weight_density))
    return api_error(b->status, b->message);
  if (auto b = density_field("act_density", eo.act_density))
    return api_error(b->status, b->message);
  eo.batch = batch;
  if (wbits) eo.weight_bits = static_cast<int>(*wbits);
  if (abits) eo.act_bits = static_cast<int>(*abits);
  std::string dataflow = "rs", objective = "energy";
  if (auto b = string_field("dataflow", dataflow)) return api_error(b->status, b->message);
  if (auto b = string_field("objective", objective)) return api_error(b->status, b->message);
  auto df = parse_dataflow(dataflow);
  if (!df) return api_error(422, "'dataflow': " + df.error().message);
  auto obj = parse_objective(objective);
  if (!obj) return api_error(422, "'objective': " + obj.error().message);
  eo.dataflow = *df;
  eo.objective = *obj;

  // One estimate per request, whatever the format (EstimateCache); else the search runs under
  // the request's time limit, through the shared cache of mapped layers.
  std::shared_ptr<const NetworkEstimate> est = ctx.estimates.get(canonical);
  if (!est) {
    std::atomic<bool> cancel{false};
    std::mutex mu;
    std::condition_variable cv;
    bool finished = false;
    std::thread watchdog([&] {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::duration<double>(ctx.search_seconds),
                       [&] { return finished; }))
        cancel = true;
    });
    eo.cancel = &cancel;
    eo.mapper = [&](const Layer& l, const Arch& a, const MapperOptions& mo) {
      return ctx.cache.map(l, arch_key, a, mo);
    };
    auto r = estimate_network(net, arch, eo);
    {
      std::lock_guard lock(mu);
      finished = true;
    }
    cv.notify_all();
    watchdog.join();
    if (!r) return api_error(422, r.error().to_string());
    est = std::make_shared<const NetworkEstimate>(std::move(r).value());
    ctx.estimates.put(canonical, est);
  }
  std::string out = answer == Answer::Svg   ? estimate_svg(*est)
                    : answer == Answer::Csv ? estimate_csv(*est)
                                            : estimate_json(*est);
  if (!est->interrupted) ctx.responses.put(key, out);
  return {200, std::move(out), type};
}

}  // namespace

ApiResponse api_estimate(const std::string& body, ApiContext& ctx) {
  return estimate_response(body, ctx, Answer::Json);
}

ApiResponse api_estimate_svg(const std::string& body, ApiContext& ctx) {
  return estimate_response(body, ctx, Answer::Svg);
}

ApiResponse api_estimate_csv(const std::string& body, ApiContext& ctx) {
  return estimate_response(body, ctx, Answer::Csv);
}

ApiResponse api_import(const std::string& body, ApiContext& ctx, const std::string& filename) {
  if (body.size() > ctx.max_body)
    return api_error(413, fmt::format("the upload is {} bytes, more than the limit of {}",
                                      body.size(), ctx.max_body));
  if (body.empty()) return api_error(400, "the upload is empty");
  // A name only for messages and its extension: never a path on this machine.
  std::string name = filename.empty() ? "upload" : filename;
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos)
    name = name.substr(slash + 1);
  if (name.size() > 200 || name.empty()) name = "upload";
  const std::string ext = ascii_lower(std::filesystem::path(name).extension().string());
  // Network files are text (UTF-8 names allowed); an ONNX model is a binary protobuf message.
  const bool text = ext != ".onnx" && std::all_of(body.begin(), body.end(), [](char c) {
                      const auto u = static_cast<unsigned char>(c);
                      return u == '\n' || u == '\r' || u == '\t' || (u >= 0x20 && u != 0x7f);
                    });
  json out;
  if (text) {
    std::string format;
    auto net = parse_network_input(body, name, &format);
    if (!net) return api_error(422, net.error().to_string());
    out = json::parse(network_to_json(*net));
    out["format"] = format;
    out["not_modelled"] = json::array();
    out["warnings"] = json::array();
  } else {
    auto r = import_onnx(body, name, "");
    if (!r) return api_error(422, r.error().to_string());
    out = json::parse(network_to_json(r->network));
    out["format"] = "onnx";
    json nm = json::array();
    for (const auto& o : r->not_modelled) nm.push_back({{"op", o.op}, {"count", o.count}});
    out["not_modelled"] = nm;
    out["warnings"] = r->warnings;
  }
  return {200, out.dump(2) + "\n"};
}

}  // namespace erg
