// erg/api.h — the HTTP API of `erg serve` as plain functions: a request in, a status and a JSON
// body out (docs/api.md). The server (erg/server.h) only routes; these functions can be tested and
// reused without a socket.
//
//   GET  /api/zoo        the zoo networks: [{name, description, layers}]
//   GET  /api/zoo/NAME   one zoo network as erg network JSON (its layers, to edit and send back)
//   GET  /api/archs      the architecture presets: [{name, levels, pes, yaml}]
//   POST /api/estimate   {"network": zoo name | "layers": [erg network JSON layers], "name",
//                         "arch": preset name or arch YAML text, "batch", "dataflow",
//                         "objective", "wbits", "abits", "act_density", "weight_density"}
//                        → `erg estimate --format json`'s JSON
//   POST /api/estimate.svg  the same request → `erg estimate --plot`'s SVG chart
//   POST /api/estimate.csv  the same request → `erg estimate --format csv`'s CSV
//   POST /api/import[?filename=F]  an ONNX model or a network file's text (the online tool's
//                        configuration, erg YAML/JSON, SCALE-Sim CSV; F's extension picks the
//                        reader, else the content) → erg network JSON plus "format",
//                        "not_modelled" and "warnings"
// Errors: {"error": message} with 400 (not JSON, wrong types), 413 (too large), 422 (valid JSON
// that does not describe something erg can estimate: unknown names, impossible shapes, ...).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/estimate.h"
#include "erg/mapper.h"

namespace erg {

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

ApiResponse api_error(int status, const std::string& message);

// Mapped layers shared by concurrent requests: the same layer (shape, bitwidths, densities), arch
// and dataflow and objective are searched once; requests that arrive during the search wait for
// it. Interrupted searches (time limit) are not kept.
class MappingCache {
 public:
  Result<MapperResult> map(const Layer& layer, const std::string& arch_key, const Arch& arch,
                           const MapperOptions& options);
  std::uint64_t hits() const { return hits_; }
  std::uint64_t searches() const { return searches_; }
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_future<Result<MapperResult>>> done_;
  std::atomic<std::uint64_t> hits_{0}, searches_{0};
};

// Whole estimate responses by canonical request (a warm request is a lookup), bounded, least
// recently used first out. Only complete (not time-limited) estimates are kept.
class ResponseCache {
 public:
  explicit ResponseCache(std::size_t max_bytes = std::size_t{64} << 20) : max_bytes_(max_bytes) {}
  std::optional<std::string> get(const std::string& key);
  void put(const std::string& key, const std::string& value);
  std::uint64_t hits() const { return hits_; }

 private:
  std::mutex mu_;
  std::size_t max_bytes_, bytes_ = 0;
  std::list<std::pair<std::string, std::string>> lru_;  // most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index_;
  std::atomic<std::uint64_t> hits_{0};
};

// The last estimates by canonical request (whatever the format asked), so that the JSON, the chart
// and the CSV of one request come from one estimate: the page asks for all three, and a
// time-limited estimate is not repeatable. Complete estimates stay until pushed out (LRU);
// time-limited ones for `limited_seconds`, after which a request searches again.
class EstimateCache {
 public:
  explicit EstimateCache(std::size_t max_entries = 32, double limited_seconds = 120)
      : max_entries_(max_entries), limited_seconds_(limited_seconds) {}
  std::shared_ptr<const NetworkEstimate> get(const std::string& key);
  void put(const std::string& key, std::shared_ptr<const NetworkEstimate> estimate);
  std::uint64_t hits() const { return hits_; }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const NetworkEstimate> estimate;
    std::chrono::steady_clock::time_point made;
  };
  std::mutex mu_;
  std::size_t max_entries_;
  double limited_seconds_;
  std::list<Entry> lru_;  // most recent first
  std::atomic<std::uint64_t> hits_{0};
};

struct ApiContext {
  MappingCache cache;
  ResponseCache responses;
  EstimateCache estimates;
  double search_seconds = 30;                        // per request; then the best mapping so far
  std::uint64_t max_body = std::uint64_t{64} << 20;  // bytes
};

ApiResponse api_zoo();
ApiResponse api_zoo_network(const std::string& name);
ApiResponse api_archs();
ApiResponse api_estimate(const std::string& body, ApiContext& context);
// The same request; the answer is `erg estimate --plot`'s SVG chart (image/svg+xml).
ApiResponse api_estimate_svg(const std::string& body, ApiContext& context);
// The same request; the answer is `erg estimate --format csv`'s CSV (text/csv).
ApiResponse api_estimate_csv(const std::string& body, ApiContext& context);
// `filename` (may be empty) is the uploaded file's name: its extension picks the reader and
// errors name it.
ApiResponse api_import(const std::string& body, ApiContext& context,
                       const std::string& filename = "");

}  // namespace erg
