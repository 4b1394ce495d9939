// ONNX models as erg networks (erg/onnx_import.h; rules in docs/onnx.md).
//
// Stages: parse (protobuf, through libonnx's generated classes) → check the graph (every input
// provided, unique producers, no cycles) and sort it → fix symbolic input dimensions → alternate
// ONNX shape inference with folding of constant integer subgraphs until nothing changes → turn
// Conv/ConvTranspose/Gemm/MatMul nodes into layers, measuring weight densities.
#include "erg/onnx_import.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "erg/io.h"
#include "erg/text.h"

namespace erg {

namespace {

namespace fs = std::filesystem;
using onnx::AttributeProto;
using onnx::GraphProto;
using onnx::ModelProto;
using onnx::NodeProto;
using onnx::TensorProto;

// Folded constants larger than this are left alone: shape arithmetic is small.
constexpr std::int64_t kMaxFoldElements = 1 << 16;
// Shape inference and folding alternate at most this many times.
constexpr int kMaxFoldRounds = 16;
// Graphs with more nodes than this are refused (no real DNN is near it).
constexpr int kMaxNodes = 1 << 20;

struct ImportError {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw ImportError{std::move(message)}; }

std::string node_label(const NodeProto& n, int index) {
  if (!n.name().empty()) return fmt::format("node '{}' ({})", n.name(), n.op_type());
  return fmt::format("node #{} ({})", index, n.op_type());
}

std::optional<std::int64_t> checked_product(const std::vector<std::int64_t>& dims) {
  std::uint64_t n = 1;
  for (auto d : dims) {
    if (d < 0) return std::nullopt;
    auto m = checked_mul(n, static_cast<std::uint64_t>(d));
    if (!m || *m > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    n = *m;
  }
  return static_cast<std::int64_t>(n);
}

// ---------------------------------------------------------------------------------------------
// Attributes.

const AttributeProto* find_attr(const NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::int64_t attr_int(const NodeProto& n, const char* name, std::int64_t def) {
  const AttributeProto* a = find_attr(n, name);
  return a != nullptr ? a->i() : def;
}

std::vector<std::int64_t> attr_ints(const NodeProto& n, const char* name) {
  const AttributeProto* a = find_attr(n, name);
  if (a == nullptr) return {};
  return {a->ints().begin(), a->ints().end()};
}

std::string attr_string(const NodeProto& n, const char* name, const std::string& def) {
  const AttributeProto* a = find_attr(n, name);
  return a != nullptr ? a->s() : def;
}

// ---------------------------------------------------------------------------------------------
// Tensor data.

int element_bytes(int type) {
  switch (type) {
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32:
      return 4;
    case TensorProto::UINT8:
    case TensorProto::INT8:
    case TensorProto::BOOL:
      return 1;
    case TensorProto::UINT16:
    case TensorProto::INT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return 2;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::DOUBLE:
      return 8;
    default:
      return 0;
  }
}

// Elements of `n` little-endian words of type U at `p` that have a bit of `mask` set.
template <class U>
std::uint64_t count_masked(const char* p, std::uint64_t n, U mask) {
  std::uint64_t nz = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    U v;
    std::memcpy(&v, p + sizeof(U) * i, sizeof(U));
    nz += (v & mask) != 0;
  }
  return nz;
}

// Non-zero elements among `n` little-endian elements of `type` at `p`. Signed zeros are zeros:
// floating-point types ignore the sign bit.
std::uint64_t count_nonzero_raw(const char* p, std::uint64_t n, int type) {
  switch (element_bytes(type)) {
    case 1:
      return count_masked<std::uint8_t>(p, n, 0xff);
    case 2:
      return count_masked<std::uint16_t>(
          p, n, type == TensorProto::FLOAT16 || type == TensorProto::BFLOAT16 ? 0x7fff : 0xffff);
    case 4:
      return count_masked<std::uint32_t>(p, n,
                                         type == TensorProto::FLOAT ? 0x7fffffffu : 0xffffffffu);
    case 8:
      return count_masked<std::uint64_t>(
          p, n, type == TensorProto::DOUBLE ? 0x7fffffffffffffffull : 0xffffffffffffffffull);
    default:
      return 0;
  }
}

std::string external_field(const TensorProto& t, const char* key) {
  for (const auto& kv : t.external_data())
    if (kv.key() == key) return kv.value();
  return {};
}

// The count of non-zero weights, or nullopt when the tensor holds no data (a shape-only model,
// or external data whose file is absent). Malformed data is an error.
std::optional<std::uint64_t> count_nonzero(const TensorProto& t, std::uint64_t elements,
                                           const std::string& base_dir) {
  const std::string what = fmt::format("initializer '{}'", t.name());
  const int type = t.data_type();
  const int eb = element_bytes(type);
  if (t.data_location() == TensorProto::EXTERNAL) {
    const std::string location = external_field(t, "location");
    if (location.empty()) fail(what + ": external data without a 'location'");
    const fs::path rel(location);
    if (rel.is_absolute() ||
        std::any_of(rel.begin(), rel.end(), [](const fs::path& c) { return c == ".."; }))
      fail(fmt::format("{}: external data location '{}' leaves the model's directory", what,
                       location));
    if (base_dir.empty()) return std::nullopt;
    const fs::path path = fs::path(base_dir) / rel;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    if (eb == 0) fail(fmt::format("{}: unsupported data type {} for weights", what, type));
    std::uint64_t offset = 0, length = elements * static_cast<std::uint64_t>(eb);
    try {
      if (auto o = external_field(t, "offset"); !o.empty()) offset = std::stoull(o);
      if (auto l = external_field(t, "length"); !l.empty()) length = std::stoull(l);
    } catch (const std::exception&) {
      fail(what + ": external data 'offset' or 'length' is not a number");
    }
    if (length != elements * static_cast<std::uint64_t>(eb))
      fail(fmt::format("{}: external data length {} bytes, but its dims need {}", what, length,
                       elements * static_cast<std::uint64_t>(eb)));
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || offset > size || length > size - offset)
      fail(fmt::format("{}: external data file '{}' is shorter than offset {} + length {}", what,
                       path.string(), offset, length));
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<char> buf(std::size_t{1} << 20);
    std::uint64_t left = length, nz = 0;
    while (left > 0) {
      const std::uint64_t chunk = std::min<std::uint64_t>(left, buf.size() - buf.size() % 8);
      in.read(buf.data(), static_cast<std::streamsize>(chunk));
      if (!in) fail(fmt::format("{}: reading external data file '{}' failed", what, path.string()));
      nz += count_nonzero_raw(buf.data(), chunk / eb, type);
      left -= chunk;
    }
    return nz;
  }
  if (!t.raw_data().empty()) {
    if (eb == 0) fail(fmt::format("{}: unsupported data type {} for weights", what, type));
    if (t.raw_data().size() != elements * static_cast<std::uint64_t>(eb))
      fail(fmt::format("{}: raw_data holds {} bytes, but its dims need {}", what,
                       t.raw_data().size(), elements * static_cast<std::uint64_t>(eb)));
    return count_nonzero_raw(t.raw_data().data(), elements, type);
  }
  auto typed = [&](const auto& field, auto is_nonzero) -> std::optional<std::uint64_t> {
    if (field.empty()) return std::nullopt;
    if (static_cast<std::uint64_t>(field.size()) != elements)
      fail(fmt::format("{}: holds {} values, but its dims need {}", what, field.size(), elements));
    std::uint64_t nz = 0;
    for (const auto& v : field) nz += is_nonzero(v);
    return nz;
  };
  switch (type) {
    case TensorProto::FLOAT:
      return typed(t.float_data(), [](float v) { return v != 0.0f; });
    case TensorProto::DOUBLE:
      return typed(t.double_data(), [](double v) { return v != 0.0; });
    case TensorProto::INT64:
      return typed(t.int64_data(), [](std::int64_t v) { return v != 0; });
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      return typed(t.uint64_data(), [](std::uint64_t v) { return v != 0; });
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return typed(t.int32_data(), [](std::int32_t v) { return (v & 0x7fff) != 0; });
    default:
      return typed(t.int32_data(), [](std::int32_t v) { return v != 0; });
  }
}

// ---------------------------------------------------------------------------------------------
// Small integer constants (shape arithmetic).

struct Ints {
  std::vector<std::int64_t> dims;
  std::vector<std::int64_t> v;
};

std::optional<Ints> read_ints(const TensorProto& t) {
  if (t.data_location() == TensorProto::EXTERNAL) return std::nullopt;
  if (t.data_type() != TensorProto::INT64 && t.data_type() != TensorProto::INT32)
    return std::nullopt;
  Ints c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  const auto n = checked_product(c.dims);
  if (!n || *n > kMaxFoldElements) return std::nullopt;
  const int eb = t.data_type() == TensorProto::INT64 ? 8 : 4;
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != static_cast<std::size_t>(*n) * eb) return std::nullopt;
    for (std::int64_t i = 0; i < *n; ++i) {
      if (eb == 8) {
        std::int64_t v;
        std::memcpy(&v, t.raw_data().data() + 8 * i, 8);
        c.v.push_back(v);
      } else {
        std::int32_t v;
        std::memcpy(&v, t.raw_data().data() + 4 * i, 4);
        c.v.push_back(v);
      }
    }
  } else if (eb == 8) {
    c.v.assign(t.int64_data().begin(), t.int64_data().end());
  } else {
    c.v.assign(t.int32_data().begin(), t.int32_data().end());
  }
  if (static_cast<std::int64_t>(c.v.size()) != *n) return std::nullopt;
  return c;
}

TensorProto ints_tensor(const std::string& name, const Ints& c) {
  TensorProto t;
  t.set_name(name);
  t.set_data_type(TensorProto::INT64);
  for (auto d : c.dims) t.add_dims(d);
  for (auto v : c.v) t.add_int64_data(v);
  return t;
}

// ---------------------------------------------------------------------------------------------

class Importer {
 public:
  Importer(std::string origin, std::string base_dir, const OnnxImportOptions& options)
      : origin_(std::move(origin)), base_dir_(std::move(base_dir)), options_(options) {}

  OnnxImport run(const std::string& bytes) {
    if (bytes.size() > kMaxOnnxBytes)
      fail(fmt::format("the file is {} bytes, more than the {} protobuf can parse", bytes.size(),
                       kMaxOnnxBytes));
    if (!model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      fail("not an ONNX model: the protobuf message does not parse");
    if (!model_.has_graph()) fail("not an ONNX model: it has no graph");
    GraphProto& g = *model_.mutable_graph();
    if (g.node_size() > kMaxNodes)
      fail(fmt::format("the graph has {} nodes, more than erg's limit of {}", g.node_size(),
                       kMaxNodes));
    if (g.node_size() == 0) fail("the graph has no nodes");
    sort_graph();
    check_nodes();
    fix_symbolic_inputs();
    for (int round = 0; round < kMaxFoldRounds; ++round) {
      infer_shapes();
      if (!fold_constants()) break;
      sort_graph();
    }
    build_layers();
    if (options_.keep_model) keep_model();
    return std::move(result_);
  }

 private:
  // Checks that every node input is provided once and that there is no cycle, and reorders the
  // nodes topologically (stable: a sorted graph keeps its order).
  void sort_graph() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_set<std::string> provided;
    for (const auto& i : g.input()) provided.insert(i.name());
    for (const auto& t : g.initializer()) provided.insert(t.name());
    std::unordered_map<std::string, int> producer;
    const int n = g.node_size();
    for (int i = 0; i < n; ++i) {
      for (const auto& o : g.node(i).output()) {
        if (o.empty()) continue;
        if (provided.count(o) != 0)
          fail(fmt::format("{} writes '{}', which is already a graph input or initializer",
                           node_label(g.node(i), i), o));
        if (!producer.emplace(o, i).second)
          fail(fmt::format("{} writes '{}', which {} writes too", node_label(g.node(i), i), o,
                           node_label(g.node(producer[o]), producer[o])));
      }
    }
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> consumers(n);
    for (int i = 0; i < n; ++i) {
      std::unordered_set<int> seen;
      for (const auto& in : g.node(i).input()) {
        if (in.empty() || provided.count(in) != 0) continue;
        auto it = producer.find(in);
        if (it == producer.end())
          fail(
              fmt::format("{} reads '{}', which no node, graph input or initializer provides "
                          "(a dangling edge)",
                          node_label(g.node(i), i), in));
        if (seen.insert(it->second).second) {
          ++pending[i];
          consumers[it->second].push_back(i);
        }
      }
    }
    for (const auto& o : g.output()) {
      if (provided.count(o.name()) == 0 && producer.count(o.name()) == 0)
        fail(fmt::format("graph output '{}' is produced by no node", o.name()));
    }
    // Kahn's algorithm, always taking the lowest ready index, so sorted graphs keep their order.
    std::set<int> ready;
    for (int i = 0; i < n; ++i)
      if (pending[i] == 0) ready.insert(i);
    std::vector<int> order;
    order.reserve(n);
    while (!ready.empty()) {
      const int i = *ready.begin();
      ready.erase(ready.begin());
      order.push_back(i);
      for (int c : consumers[i])
        if (--pending[c] == 0) ready.insert(c);
    }
    if (static_cast<int>(order.size()) != n) {
      for (int i = 0; i < n; ++i)
        if (pending[i] != 0)
          fail(fmt::format("the graph has a cycle through {}", node_label(g.node(i), i)));
    }
    bool sorted = true;
    for (int i = 0; i < n; ++i) sorted = sorted && order[i] == i;
    if (sorted) return;
    google::protobuf::RepeatedPtrField<NodeProto> nodes;
    for (int i : order) *nodes.Add() = g.node(i);
    g.mutable_node()->Swap(&nodes);
  }

  // ONNX's node checker on every node of the standard domains: a known operator of the imported
  // opset, the attributes its schema declares with the right types, a valid number of inputs and
  // outputs. Shape inference assumes all of that (libonnx 1.12 crashes on some malformed nodes),
  // and a model that breaks it is malformed anyway. Nodes of other domains (custom operators)
  // are left to the "not modelled" list.
  void check_nodes() {
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    std::unordered_map<std::string, int> opsets;
    for (const auto& o : model_.opset_import()) {
      const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
      auto it = known.find(domain);
      if (it != known.end() && (o.version() < it->second.first || o.version() > it->second.second))
        fail(fmt::format(
            "opset {} of domain '{}' is outside the versions this ONNX library knows "
            "({} to {})",
            o.version(), domain.empty() ? "ai.onnx" : domain, it->second.first, it->second.second));
      opsets[domain] = static_cast<int>(o.version());
    }
    if (opsets.count("") == 0) fail("the model imports no opset of the standard ONNX domain");
    onnx::checker::CheckerContext ctx;
    ctx.set_ir_version(static_cast<int>(model_.ir_version()));
    ctx.set_opset_imports(opsets);
    ctx.set_schema_registry(onnx::OpSchemaRegistry::Instance());
    const onnx::checker::LexicalScopeContext scope;
    const GraphProto& g = model_.graph();
    for (int i = 0; i < g.node_size(); ++i) {
      const NodeProto& n = g.node(i);
      if (!n.domain().empty() && n.domain() != "ai.onnx" && n.domain() != "ai.onnx.ml") continue;
      try {
        onnx::checker::check_node(n, ctx, scope);
      } catch (const std::exception& e) {
        fail(fmt::format("{} is malformed: {}", node_label(n, i), e.what()));
      }
      // The checker does not look at values; libonnx 1.12's convolution and pooling inference
      // divides by these (a zero stride was a division by zero found by fuzz_onnx).
      for (const char* name : {"strides", "dilations", "kernel_shape"})
        for (std::int64_t v : attr_ints(n, name))
          if (v < 1)
            fail(fmt::format("{}: attribute '{}' must hold positive values, got {}",
                             node_label(n, i), name, v));
      for (const char* name : {"group", "blocksize"})
        if (find_attr(n, name) != nullptr && attr_int(n, name, 1) < 1)
          fail(fmt::format("{}: attribute '{}' must be positive, got {}", node_label(n, i), name,
                           attr_int(n, name, 1)));
      // Nor at ranks: libonnx 1.12's Gemm (opset 6) inference reads both dims of A and B without
      // checking there are two (a scalar A was a crash found by fuzz_onnx).
      if (n.op_type() == "Gemm")
        for (int k = 0; k < std::min(2, n.input_size()); ++k)
          if (auto rank = declared_rank(n.input(k)); rank && *rank != 2)
            fail(fmt::format("{}: Gemm's input {} '{}' has rank {}, it needs 2", node_label(n, i),
                             k == 0 ? "A" : "B", n.input(k), *rank));
    }
  }

  // The rank a graph input, an initializer or a value_info entry declares for a value.
  std::optional<int> declared_rank(const std::string& name) const {
    const GraphProto& g = model_.graph();
    for (const auto& t : g.initializer())
      if (t.name() == name) return t.dims_size();
    auto from = [&](const auto& list) -> std::optional<int> {
      for (const auto& v : list)
        if (v.name() == name && v.type().has_tensor_type() && v.type().tensor_type().has_shape())
          return v.type().tensor_type().shape().dim_size();
      return std::nullopt;
    };
    if (auto r = from(g.input())) return r;
    return from(g.value_info());
  }

  // Graph inputs (that are not initializers) with named or unset dimensions get `symbolic_dim`.
  void fix_symbolic_inputs() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_set<std::string> inits;
    for (const auto& t : g.initializer()) inits.insert(t.name());
    std::vector<std::string> named;
    for (auto& in : *g.mutable_input()) {
      if (inits.count(in.name()) != 0) continue;
      if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape()) continue;
      auto* shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
      for (int d = 0; d < shape->dim_size(); ++d) {
        auto* dim = shape->mutable_dim(d);
        if (dim->has_dim_value() && dim->dim_value() > 0) continue;
        named.push_back(fmt::format("'{}' dimension {}{}", in.name(), d,
                                    dim->has_dim_param() ? " ('" + dim->dim_param() + "')" : ""));
        dim->set_dim_value(options_.symbolic_dim);
      }
    }
    if (!named.empty()) {
      std::string list;
      for (const auto& s : named) list += (list.empty() ? "" : ", ") + s;
      warn(fmt::format("symbolic input dimensions taken as {}: {}", options_.symbolic_dim, list));
    }
  }

  void infer_in_process(std::string& warning) {
    try {
      onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0,
                                       /*data_prop=*/true);
      onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(), opts);
    } catch (const std::exception& e) {
      warning = e.what();
      if (warning.empty()) warning = "unknown error";
    }
  }

  // libonnx 1.12's shape inference crashes on some malformed models (divisions by zero, missing
  // rank checks: fuzz_onnx found several). It runs in a child process, which sends back the
  // inferred value_info and outputs: a crash there is an error naming the model, never erg's
  // crash (nor, under `erg serve`, the server's).
  void infer_shapes() {
    onnx::OpSchemaRegistry::Instance();  // initialised here, not in the child
    std::string warning;
    int fds[2];
    if (pipe(fds) != 0) {
      infer_in_process(warning);
    } else {
      const pid_t pid = fork();
      if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        infer_in_process(warning);
      } else if (pid == 0) {
        close(fds[0]);
        // A crash here ends the child quietly (no sanitizer or fuzzer handlers in the copy).
        for (int sig : {SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT}) signal(sig, SIG_DFL);
        std::string w;
        infer_in_process(w);
        GraphProto back;
        *back.mutable_value_info() = model_.graph().value_info();
        *back.mutable_output() = model_.graph().output();
        back.set_doc_string(w);
        std::string bytes;
        back.SerializeToString(&bytes);
        const char* p = bytes.data();
        std::size_t left = bytes.size();
        while (left > 0) {
          const ssize_t n = write(fds[1], p, left);
          if (n <= 0) _exit(2);
          p += n;
          left -= static_cast<std::size_t>(n);
        }
        _exit(0);
      } else {
        close(fds[1]);
        std::string bytes;
        char buf[1 << 16];
        bool timed_out = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (true) {
          pollfd pf{fds[0], POLLIN, 0};
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())
                                .count();
          if (left <= 0) {
            timed_out = true;
            break;
          }
          const int ready = poll(&pf, 1, static_cast<int>(left));
          if (ready < 0 && errno == EINTR) continue;
          if (ready <= 0) {
            timed_out = ready == 0;
            break;
          }
          const ssize_t n = read(fds[0], buf, sizeof buf);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) break;
          bytes.append(buf, static_cast<std::size_t>(n));
        }
        close(fds[0]);
        if (timed_out) kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (timed_out) fail("ONNX's shape inference did not finish within 120 s on this model");
        if (WIFSIGNALED(status))
          fail(
              fmt::format("ONNX's shape inference crashed on this model (signal {}): it is "
                          "malformed in a way ONNX's checker does not catch",
                          WTERMSIG(status)));
        GraphProto back;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !back.ParseFromString(bytes))
          fail("ONNX's shape inference failed on this model");
        GraphProto& g = *model_.mutable_graph();
        g.mutable_value_info()->Swap(back.mutable_value_info());
        g.mutable_output()->Swap(back.mutable_output());
        warning = back.doc_string();
      }
    }
    if (!warning.empty()) {
      // Shape inference is a help, not a requirement: layers whose shapes stay unknown are errors
      // naming their node below.
      if (!inference_failed_) warn(fmt::format("ONNX shape inference stopped early: {}", warning));
      inference_failed_ = true;
    }
    shapes_.clear();
    const GraphProto& g = model_.graph();
    auto add = [&](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
      std::vector<std::int64_t> dims;
      for (const auto& d : v.type().tensor_type().shape().dim()) {
        if (!d.has_dim_value() || d.dim_value() < 0) return;
        dims.push_back(d.dim_value());
      }
      shapes_[v.name()] = std::move(dims);
    };
    for (const auto& v : g.input()) add(v);
    for (const auto& v : g.value_info()) add(v);
    for (const auto& v : g.output()) add(v);
    for (const auto& t : g.initializer()) shapes_[t.name()] = {t.dims().begin(), t.dims().end()};
  }

  // One pass over the sorted nodes, folding every node whose integer output can be computed from
  // constants (and known shapes). Returns whether anything was folded.
  bool fold_constants() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_map<std::string, Ints> consts;
    for (const auto& t : g.initializer())
      if (auto c = read_ints(t)) consts.emplace(t.name(), std::move(*c));
    std::vector<bool> folded(g.node_size(), false);
    bool any = false;
    for (int i = 0; i < g.node_size(); ++i) {
      const NodeProto& n = g.node(i);
      if (n.output_size() != 1 || !n.domain().empty()) continue;
      auto value = fold(n, consts);
      if (!value) continue;
      consts[n.output(0)] = *value;
      *g.add_initializer() = ints_tensor(n.output(0), *value);
      folded[i] = true;
      count(result_.folded, n.op_type());
      any = true;
    }
    if (!any) return false;
    google::protobuf::RepeatedPtrField<NodeProto> kept;
    for (int i = 0; i < g.node_size(); ++i)
      if (!folded[i]) *kept.Add() = g.node(i);
    g.mutable_node()->Swap(&kept);
    // Outputs that became initializers no longer need value_info entries.
    return true;
  }

  std::optional<Ints> fold(const NodeProto& n, const std::unordered_map<std::string, Ints>& c) {
    const std::string& op = n.op_type();
    auto in = [&](int k) -> const Ints* {
      if (k >= n.input_size() || n.input(k).empty()) return nullptr;
      auto it = c.find(n.input(k));
      return it == c.end() ? nullptr : &it->second;
    };
    auto small = [](const Ints& r) -> std::optional<Ints> {
      if (static_cast<std::int64_t>(r.v.size()) > kMaxFoldElements) return std::nullopt;
      return r;
    };
    if (op == "Constant") {
      if (const AttributeProto* a = find_attr(n, "value")) return read_ints(a->t());
      if (const AttributeProto* a = find_attr(n, "value_int")) return Ints{{}, {a->i()}};
      if (const AttributeProto* a = find_attr(n, "value_ints"))
        return Ints{{a->ints_size()}, {a->ints().begin(), a->ints().end()}};
      return std::nullopt;
    }
    if (op == "Shape" || op == "Size") {
      if (n.input_size() < 1) return std::nullopt;
      auto it = shapes_.find(n.input(0));
      if (it == shapes_.end()) return std::nullopt;
      const auto& s = it->second;
      if (op == "Size") {
        auto p = checked_product(s);
        if (!p) return std::nullopt;
        return Ints{{}, {*p}};
      }
      const auto r = static_cast<std::int64_t>(s.size());
      auto clamp = [&](std::int64_t v) {
        return std::clamp(v < 0 ? v + r : v, std::int64_t{0}, r);
      };
      const std::int64_t b = clamp(attr_int(n, "start", 0)), e = clamp(attr_int(n, "end", r));
      Ints out;
      for (std::int64_t k = b; k < e; ++k) out.v.push_back(s[k]);
      out.dims = {static_cast<std::int64_t>(out.v.size())};
      return out;
    }
    if (op == "Identity" || op == "Cast") {
      const Ints* x = in(0);
      if (x == nullptr) return std::nullopt;
      if (op == "Cast") {
        const auto to = attr_int(n, "to", 0);
        if (to != TensorProto::INT64 && to != TensorProto::INT32) return std::nullopt;
      }
      return *x;
    }
    if (op == "Gather") {
      const Ints *x = in(0), *idx = in(1);
      if (x == nullptr || idx == nullptr || x->dims.size() != 1) return std::nullopt;
      if (attr_int(n, "axis", 0) != 0 && attr_int(n, "axis", 0) != -1) return std::nullopt;
      const auto len = static_cast<std::int64_t>(x->v.size());
      Ints out{idx->dims, {}};
      for (auto k : idx->v) {
        if (k < 0) k += len;
        if (k < 0 || k >= len) return std::nullopt;
        out.v.push_back(x->v[k]);
      }
      return out;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
      const Ints* x = in(0);
      if (x == nullptr) return std::nullopt;
      std::vector<std::int64_t> axes = attr_ints(n, "axes");
      if (const Ints* a = in(1)) axes = a->v;
      Ints out{{}, x->v};
      if (op == "Unsqueeze") {
        const auto r = static_cast<std::int64_t>(x->dims.size() + axes.size());
        std::vector<bool> one(r, false);
        for (auto a : axes) {
          if (a < 0) a += r;
          if (a < 0 || a >= r) return std::nullopt;
          one[a] = true;
        }
        std::size_t k = 0;
        for (std::int64_t d = 0; d < r; ++d) {
          if (one[d]) {
            out.dims.push_back(1);
          } else if (k < x->dims.size()) {
            out.dims.push_back(x->dims[k++]);
          } else {
            return std::nullopt;
          }
        }
      } else {
        const auto r = static_cast<std::int64_t>(x->dims.size());
        std::vector<bool> drop(r, axes.empty());
        for (auto a : axes) {
          if (a < 0) a += r;
          if (a < 0 || a >= r) return std::nullopt;
          drop[a] = true;
        }
        for (std::int64_t d = 0; d < r; ++d)
          if (!(drop[d] && x->dims[d] == 1)) out.dims.push_back(x->dims[d]);
      }
      return out;
    }
    if (op == "Concat") {
      Ints out{{0}, {}};
      for (int k = 0; k < n.input_size(); ++k) {
        const Ints* x = in(k);
        if (x == nullptr || x->dims.size() != 1) return std::nullopt;
        out.v.insert(out.v.end(), x->v.begin(), x->v.end());
      }
      out.dims[0] = static_cast<std::int64_t>(out.v.size());
      return small(out);
    }
    if (op == "Slice") {
      const Ints* x = in(0);
      if (x == nullptr || x->dims.size() != 1) return std::nullopt;
      std::vector<std::int64_t> starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends");
      std::int64_t step = 1;
      if (n.input_size() >= 3) {
        const Ints *s = in(1), *e = in(2);
        if (s == nullptr || e == nullptr) return std::nullopt;
        starts = s->v;
        ends = e->v;
        if (n.input_size() >= 4 && !n.input(3).empty()) {
          const Ints* a = in(3);
          if (a == nullptr || a->v.size() != 1 || (a->v[0] != 0 && a->v[0] != -1))
            return std::nullopt;
        }
        if (n.input_size() >= 5 && !n.input(4).empty()) {
          const Ints* st = in(4);
          if (st == nullptr || st->v.size() != 1 || st->v[0] == 0) return std::nullopt;
          step = st->v[0];
        }
      }
      if (starts.size() != 1 || ends.size() != 1) return std::nullopt;
      const auto len = static_cast<std::int64_t>(x->v.size());
      auto clamp = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
        if (v < 0) v = v < -len ? -1 : v + len;  // before the start
        return std::clamp(v, lo, hi);
      };
      Ints out{{0}, {}};
      if (step > 0) {
        const std::int64_t b = clamp(starts[0], 0, len), e = clamp(ends[0], 0, len);
        for (std::int64_t k = b; k < e; k += step) out.v.push_back(x->v[k]);
      } else {
        const std::int64_t b = clamp(starts[0], -1, len - 1), e = clamp(ends[0], -1, len - 1);
        for (std::int64_t k = b; k > e; k += step) out.v.push_back(x->v[k]);
      }
      out.dims[0] = static_cast<std::int64_t>(out.v.size());
      return out;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      const Ints *a = in(0), *b = in(1);
      if (a == nullptr || b == nullptr) return std::nullopt;
      const std::size_t na = a->v.size(), nb = b->v.size();
      if (na != nb && na != 1 && nb != 1) return std::nullopt;
      Ints out{na >= nb ? a->dims : b->dims, {}};
      for (std::size_t k = 0; k < std::max(na, nb); ++k) {
        const std::int64_t x = a->v[na == 1 ? 0 : k], y = b->v[nb == 1 ? 0 : k];
        std::int64_t r = 0;
        bool overflow = false;
        if (op == "Add") overflow = __builtin_add_overflow(x, y, &r);
        if (op == "Sub") overflow = __builtin_sub_overflow(x, y, &r);
        if (op == "Mul") overflow = __builtin_mul_overflow(x, y, &r);
        if (op == "Div") {
          if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt;
          r = x / y;
        }
        if (overflow) return std::nullopt;
        out.v.push_back(r);
      }
      return out;
    }
    return std::nullopt;
  }

  // ---- layers ---------------------------------------------------------------------------------

  const std::vector<std::int64_t>& shape_of(const NodeProto& n, int k, int index,
                                            const char* role) {
    if (k >= n.input_size() || n.input(k).empty())
      fail(fmt::format("{}: missing its {} input", node_label(n, index), role));
    auto it = shapes_.find(n.input(k));
    if (it == shapes_.end())
      fail(
          fmt::format("{}: the shape of its {} '{}' is unknown after shape inference and "
                      "constant propagation",
                      node_label(n, index), role, n.input(k)));
    return it->second;
  }

  // The initializer behind a value, following Identity and Transpose nodes (which keep its values,
  // so its non-zero count); nullptr when it is computed.
  const TensorProto* initializer_of(std::string name) const {
    for (int hops = 0; hops < 64; ++hops) {
      auto it = inits_.find(name);
      if (it != inits_.end()) return it->second;
      auto p = identity_.find(name);
      if (p == identity_.end()) return nullptr;
      name = p->second;
    }
    return nullptr;
  }

  // Measures the weight density of the weights input `k` of node `n` into `spec`.
  void measure_weights(const NodeProto& n, int k, int index, LayerSpec& spec) {
    spec.weights = options_.weights;
    const TensorProto* t = initializer_of(n.input(k));
    if (t == nullptr) {
      ++computed_weights_;
      return;
    }
    const auto elements = checked_product({t->dims().begin(), t->dims().end()});
    if (!elements)
      fail(fmt::format("{}: initializer '{}' has invalid dims", node_label(n, index), t->name()));
    std::optional<std::uint64_t> nz;
    try {
      nz = count_nonzero(*t, static_cast<std::uint64_t>(*elements), base_dir_);
    } catch (const ImportError& e) {
      fail(fmt::format("{}: {}", node_label(n, index), e.message));
    }
    if (!nz) {
      ++shape_only_;
      return;
    }
    ++measured_;
    spec.weights.density =
        *elements == 0 ? 1.0 : static_cast<double>(*nz) / static_cast<double>(*elements);
  }

  // PyTorch names nodes by module scope: "/layer4/layer4.2/conv1/Conv" → "layer4.2.conv1".
  static std::string scope_name(const std::string& name, const std::string& op) {
    if (name.size() < 2 || name[0] != '/') return name;
    std::vector<std::string> parts;
    for (std::size_t b = 1; b <= name.size();) {
      const std::size_t e = std::min(name.find('/', b), name.size());
      parts.push_back(name.substr(b, e - b));
      b = e + 1;
    }
    if (parts.size() > 1 && parts.back() == op) parts.pop_back();
    std::string out, last;
    for (const auto& p : parts) {
      if (p.empty()) continue;
      if (!last.empty() && p.rfind(last + ".", 0) == 0) {
        out.resize(out.size() - last.size());  // "layer4" then "layer4.2" → "layer4.2"
      } else if (!out.empty()) {
        out += '.';
      }
      out += p;
      last = p;
    }
    return out.empty() ? name : out;
  }

  std::string layer_name(const NodeProto& n, int index) {
    std::string base = n.name().empty() ? fmt::format("{}_{}", n.op_type(), index)
                                        : scope_name(n.name(), n.op_type());
    std::string name = base;
    for (int k = 2; !names_.insert(ascii_lower(name)).second; ++k)
      name = fmt::format("{}_{}", base, k);
    return name;
  }

  void add_layer(const NodeProto& n, int index, const LayerSpec& spec) {
    auto layer = Layer::make(spec);
    if (!layer) fail(fmt::format("{}: {}", node_label(n, index), layer.error().message));
    result_.network.layers.push_back(std::move(layer).value());
    OnnxLayerSource src;
    src.node = n.name();
    src.op = n.op_type();
    src.input = n.input(0);
    if (const TensorProto* w = n.input_size() > 1 ? initializer_of(n.input(1)) : nullptr)
      src.weights = w->name();
    src.output = n.output_size() > 0 ? n.output(0) : std::string();
    src.trans_a = n.op_type() == "Gemm" && attr_int(n, "transA", 0) != 0;
    src.trans_b = n.op_type() == "Gemm" && attr_int(n, "transB", 0) != 0;
    result_.sources.push_back(std::move(src));
  }

  // Clip takes its bounds as inputs since opset 11; OpenCV 4.6 reads only the older attributes.
  // Constant scalar bounds become attributes `min` and `max`.
  void clip_bounds_as_attributes() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_map<std::string, const TensorProto*> inits;
    for (const auto& t : g.initializer()) inits[t.name()] = &t;
    for (const auto& n : g.node())
      if (n.op_type() == "Constant" && n.output_size() == 1)
        if (const AttributeProto* v = find_attr(n, "value"); v != nullptr && v->has_t())
          inits[n.output(0)] = &v->t();
    auto scalar = [&](const std::string& name) -> std::optional<float> {
      auto it = inits.find(name);
      if (it == inits.end()) return std::nullopt;
      const TensorProto& t = *it->second;
      if (t.data_type() != TensorProto::FLOAT) return std::nullopt;
      if (t.float_data_size() == 1) return t.float_data(0);
      if (t.raw_data().size() == 4) {
        float v;
        std::memcpy(&v, t.raw_data().data(), 4);
        return v;
      }
      return std::nullopt;
    };
    for (auto& n : *g.mutable_node()) {
      if (n.op_type() != "Clip" || n.input_size() < 2) continue;
      std::optional<float> lo, hi;
      if (!n.input(1).empty() && !(lo = scalar(n.input(1)))) continue;
      if (n.input_size() > 2 && !n.input(2).empty() && !(hi = scalar(n.input(2)))) continue;
      const std::string x = n.input(0);
      n.clear_input();
      n.add_input(x);
      for (const auto& [name, v] : {std::pair{"min", lo}, std::pair{"max", hi}}) {
        if (!v) continue;
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(AttributeProto::FLOAT);
        a->set_f(*v);
      }
    }
  }

  // Gemm with transB = 0 and a bias trips OpenCV 4.6's importer: when B is a float initializer
  // read by that node alone, store it transposed and set transB = 1 (the same product).
  void transpose_gemm_weights() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_map<std::string, int> uses;
    for (const auto& n : g.node())
      for (const auto& i : n.input()) ++uses[i];
    std::unordered_map<std::string, TensorProto*> inits;
    for (auto& t : *g.mutable_initializer()) inits[t.name()] = &t;
    for (auto& n : *g.mutable_node()) {
      if (n.op_type() != "Gemm" || n.input_size() < 2 || attr_int(n, "transB", 0) != 0) continue;
      auto it = inits.find(n.input(1));
      if (it == inits.end() || uses[n.input(1)] != 1) continue;
      TensorProto& t = *it->second;
      if (t.data_type() != TensorProto::FLOAT || t.dims_size() != 2 ||
          t.data_location() == TensorProto::EXTERNAL)
        continue;
      const std::int64_t rows = t.dims(0), cols = t.dims(1);
      const auto n_el = static_cast<std::size_t>(rows * cols);
      std::vector<float> v(n_el);
      if (t.raw_data().size() == n_el * 4) {
        std::memcpy(v.data(), t.raw_data().data(), n_el * 4);
      } else if (static_cast<std::size_t>(t.float_data_size()) == n_el) {
        std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
      } else {
        continue;  // no data (shape-only): nothing to run anyway
      }
      std::vector<float> tr(n_el);
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) tr[c * rows + r] = v[r * cols + c];
      t.clear_float_data();
      t.set_raw_data(std::string(reinterpret_cast<const char*>(tr.data()), n_el * 4));
      t.set_dims(0, cols);
      t.set_dims(1, rows);
      AttributeProto* a = nullptr;
      for (auto& x : *n.mutable_attribute())
        if (x.name() == "transB") a = &x;
      if (a == nullptr) {
        a = n.add_attribute();
        a->set_name("transB");
        a->set_type(AttributeProto::INT);
      }
      a->set_i(1);
      for (auto& src : result_.sources)
        if (src.op == "Gemm" && src.weights == t.name()) src.trans_b = true;
    }
  }

  // The cleaned model, for running (OnnxImport::model).
  void keep_model() {
    GraphProto& g = *model_.mutable_graph();
    std::unordered_map<std::string, std::string> view;  // Identity output → initializer
    std::unordered_set<std::string> graph_outputs;
    for (const auto& o : g.output()) graph_outputs.insert(o.name());
    for (const auto& n : g.node())
      if (n.op_type() == "Identity" && n.input_size() == 1 && n.output_size() == 1 &&
          inits_.count(n.input(0)) != 0 && graph_outputs.count(n.output(0)) == 0)
        view[n.output(0)] = n.input(0);
    google::protobuf::RepeatedPtrField<NodeProto> kept;
    for (const auto& n : g.node()) {
      if (n.op_type() == "Identity" && n.output_size() == 1 && view.count(n.output(0)) != 0)
        continue;
      NodeProto& k = *kept.Add();
      k = n;
      for (auto& in : *k.mutable_input()) {
        auto it = view.find(in);
        if (it != view.end()) in = it->second;
      }
      if (k.output_size() > 0 && !k.output(0).empty()) k.set_name(k.output(0));
      // ONNX infers a convolution's kernel_shape from its weights; some runtimes (OpenCV) need it
      // written.
      if ((k.op_type() == "Conv" || k.op_type() == "ConvTranspose") && k.input_size() > 1 &&
          find_attr(k, "kernel_shape") == nullptr) {
        auto it = shapes_.find(k.input(1));
        if (it != shapes_.end() && it->second.size() > 2) {
          auto* a = k.add_attribute();
          a->set_name("kernel_shape");
          a->set_type(AttributeProto::INTS);
          for (std::size_t d = 2; d < it->second.size(); ++d) a->add_ints(it->second[d]);
        }
      }
    }
    g.mutable_node()->Swap(&kept);
    clip_bounds_as_attributes();
    for (auto& src : result_.sources) {
      auto it = view.find(src.input);
      if (it != view.end()) src.input = it->second;
    }
    transpose_gemm_weights();
    if (!model_.SerializeToString(&result_.model)) fail("the cleaned model could not be written");
  }

  LayerSpec base_spec(const NodeProto& n, int index, LayerType type) {
    LayerSpec s;
    s.name = layer_name(n, index);
    s.type = type;
    s.inputs = s.outputs = options_.activations;
    return s;
  }

  static void check_positive(const NodeProto& n, int index, const std::vector<std::int64_t>& v,
                             const char* what) {
    for (auto d : v)
      if (d <= 0)
        fail(fmt::format("{}: {} must be positive, got {}", node_label(n, index), what, d));
  }

  // Spatial attributes of Conv/ConvTranspose for `rank` spatial axes: kernel, strides, dilations,
  // pads (begin..., end...), checked.
  struct Window {
    std::vector<std::int64_t> kernel, strides, dilations, pads;
  };

  Window window(const NodeProto& n, int index, std::size_t rank,
                const std::vector<std::int64_t>& w_shape) {
    Window w;
    w.kernel = attr_ints(n, "kernel_shape");
    if (w.kernel.empty()) w.kernel.assign(w_shape.begin() + 2, w_shape.end());
    w.strides = attr_ints(n, "strides");
    if (w.strides.empty()) w.strides.assign(rank, 1);
    w.dilations = attr_ints(n, "dilations");
    if (w.dilations.empty()) w.dilations.assign(rank, 1);
    w.pads = attr_ints(n, "pads");
    if (w.pads.empty()) w.pads.assign(2 * rank, 0);
    auto need = [&](const std::vector<std::int64_t>& v, std::size_t size, const char* what) {
      if (v.size() != size)
        fail(fmt::format("{}: attribute '{}' has {} values, expected {}", node_label(n, index),
                         what, v.size(), size));
    };
    need(w.kernel, rank, "kernel_shape");
    need(w.strides, rank, "strides");
    need(w.dilations, rank, "dilations");
    need(w.pads, 2 * rank, "pads");
    check_positive(n, index, w.kernel, "'kernel_shape'");
    check_positive(n, index, w.strides, "'strides'");
    check_positive(n, index, w.dilations, "'dilations'");
    for (auto p : w.pads)
      if (p < 0)
        fail(fmt::format("{}: 'pads' must not be negative, got {}", node_label(n, index), p));
    for (std::size_t a = 0; a < rank; ++a)
      if (w.kernel[a] != w_shape[2 + a])
        fail(fmt::format("{}: 'kernel_shape' {} disagrees with the weights' dims {}",
                         node_label(n, index), w.kernel[a], w_shape[2 + a]));
    return w;
  }

  void conv(const NodeProto& n, int index) {
    const auto& x = shape_of(n, 0, index, "input");
    const auto& wt = shape_of(n, 1, index, "weights");
    if (x.size() == 5 || wt.size() == 5) {
      count(result_.not_modelled, "Conv (3-D)");
      return;
    }
    if (x.size() != 3 && x.size() != 4)
      fail(fmt::format("{}: input of rank {}, expected 3 (1-D conv) or 4 (2-D conv)",
                       node_label(n, index), x.size()));
    if (wt.size() != x.size())
      fail(fmt::format("{}: weights of rank {} for an input of rank {}", node_label(n, index),
                       wt.size(), x.size()));
    const std::size_t rank = x.size() - 2;
    Window w = window(n, index, rank, wt);
    const std::int64_t group = attr_int(n, "group", 1);
    if (group <= 0)
      fail(fmt::format("{}: 'group' must be positive, got {}", node_label(n, index), group));
    if (wt[1] * group != x[1])
      fail(
          fmt::format("{}: weights have {} input channels per group × {} groups, but the input "
                      "has {} channels",
                      node_label(n, index), wt[1], group, x[1]));
    const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    std::vector<std::int64_t> in_size(x.begin() + 2, x.end());
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (std::size_t a = 0; a < rank; ++a) {
        const std::int64_t out = (in_size[a] + w.strides[a] - 1) / w.strides[a];
        const std::int64_t span = (w.kernel[a] - 1) * w.dilations[a] + 1;
        const std::int64_t total =
            std::max<std::int64_t>(0, (out - 1) * w.strides[a] + span - in_size[a]);
        const std::int64_t small = total / 2, large = total - small;
        w.pads[a] = auto_pad == "SAME_UPPER" ? small : large;
        w.pads[a + rank] = auto_pad == "SAME_UPPER" ? large : small;
      }
    } else if (auto_pad == "VALID") {
      std::fill(w.pads.begin(), w.pads.end(), 0);
    } else if (auto_pad != "NOTSET") {
      fail(fmt::format("{}: unknown auto_pad '{}'", node_label(n, index), auto_pad));
    }
    const bool depthwise = group > 1 && group == x[1];
    LayerSpec s = base_spec(n, index, depthwise ? LayerType::Depthwise : LayerType::Conv);
    s.batch = x[0];
    s.in_channels = x[1];
    s.out_channels = wt[0];
    s.groups = group;
    if (rank == 1) {
      s.in_h = 1;
      s.in_w = in_size[0];
      s.filter_w = w.kernel[0];
      s.stride_w = w.strides[0];
      s.dilation_w = w.dilations[0];
      s.pad_left = w.pads[0];
      s.pad_right = w.pads[1];
    } else {
      s.in_h = in_size[0];
      s.in_w = in_size[1];
      s.filter_h = w.kernel[0];
      s.filter_w = w.kernel[1];
      s.stride_h = w.strides[0];
      s.stride_w = w.strides[1];
      s.dilation_h = w.dilations[0];
      s.dilation_w = w.dilations[1];
      s.pad_top = w.pads[0];
      s.pad_left = w.pads[1];
      s.pad_bottom = w.pads[2];
      s.pad_right = w.pads[3];
    }
    measure_weights(n, 1, index, s);
    add_layer(n, index, s);
  }

  // A transposed convolution is the direct convolution, stride 1, over its input with stride − 1
  // zeros inserted between neighbours and (dilated kernel − 1 − pad) zeros around. The inserted
  // zeros are zero activations: the input density is scaled by real / upsampled positions.
  void conv_transpose(const NodeProto& n, int index) {
    const auto& x = shape_of(n, 0, index, "input");
    const auto& wt = shape_of(n, 1, index, "weights");
    if (x.size() == 5 || wt.size() == 5) {
      count(result_.not_modelled, "ConvTranspose (3-D)");
      return;
    }
    if (x.size() != 3 && x.size() != 4)
      fail(fmt::format("{}: input of rank {}, expected 3 or 4", node_label(n, index), x.size()));
    if (wt.size() != x.size())
      fail(fmt::format("{}: weights of rank {} for an input of rank {}", node_label(n, index),
                       wt.size(), x.size()));
    const std::size_t rank = x.size() - 2;
    Window w = window(n, index, rank, wt);
    const std::int64_t group = attr_int(n, "group", 1);
    if (group <= 0 || wt[0] != x[1])
      fail(fmt::format("{}: weights' first dim {} must equal the input's {} channels",
                       node_label(n, index), wt[0], x[1]));
    std::vector<std::int64_t> out_pad = attr_ints(n, "output_padding");
    if (out_pad.empty()) out_pad.assign(rank, 0);
    if (out_pad.size() != rank)
      fail(fmt::format("{}: attribute 'output_padding' has {} values, expected {}",
                       node_label(n, index), out_pad.size(), rank));
    const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID")
      fail(fmt::format("{}: auto_pad '{}' on ConvTranspose is not modelled; give explicit pads",
                       node_label(n, index), auto_pad));
    if (auto_pad == "VALID") std::fill(w.pads.begin(), w.pads.end(), 0);
    // Per spatial axis: the upsampled input, and pads (may be negative: a crop of the input).
    std::vector<std::int64_t> up(rank), pb(rank), pe(rank);
    double real = 1, upsampled = 1;
    for (std::size_t a = 0; a < rank; ++a) {
      const std::int64_t in = x[2 + a];
      const std::int64_t span = (w.kernel[a] - 1) * w.dilations[a];
      if (in > (std::int64_t{1} << 31) || w.strides[a] > (std::int64_t{1} << 20))
        fail(fmt::format("{}: absurd input size or stride", node_label(n, index)));
      up[a] = (in - 1) * w.strides[a] + 1;
      pb[a] = span - w.pads[a];
      pe[a] = span - w.pads[a + rank] + out_pad[a];
      real *= static_cast<double>(in);
      upsampled *= static_cast<double>(up[a]);
      // A negative pad crops the upsampled input.
      if (pb[a] < 0) {
        up[a] += pb[a];
        pb[a] = 0;
      }
      if (pe[a] < 0) {
        up[a] += pe[a];
        pe[a] = 0;
      }
      if (up[a] <= 0) fail(fmt::format("{}: pads remove the whole input", node_label(n, index)));
    }
    LayerSpec s = base_spec(n, index, LayerType::Conv);
    s.batch = x[0];
    s.in_channels = x[1];
    s.out_channels = wt[1] * group;
    s.groups = group;
    s.inputs.density = options_.activations.density * real / upsampled;
    if (rank == 1) {
      s.in_h = 1;
      s.in_w = up[0];
      s.filter_w = w.kernel[0];
      s.dilation_w = w.dilations[0];
      s.pad_left = pb[0];
      s.pad_right = pe[0];
    } else {
      s.in_h = up[0];
      s.in_w = up[1];
      s.filter_h = w.kernel[0];
      s.filter_w = w.kernel[1];
      s.dilation_h = w.dilations[0];
      s.dilation_w = w.dilations[1];
      s.pad_top = pb[0];
      s.pad_bottom = pe[0];
      s.pad_left = pb[1];
      s.pad_right = pe[1];
    }
    measure_weights(n, 1, index, s);
    add_layer(n, index, s);
  }

  void gemm(const NodeProto& n, int index) {
    auto a = shape_of(n, 0, index, "input A");
    auto b = shape_of(n, 1, index, "input B");
    if (a.size() != 2 || b.size() != 2)
      fail(fmt::format("{}: Gemm needs 2-D inputs, got ranks {} and {}", node_label(n, index),
                       a.size(), b.size()));
    if (attr_int(n, "transA", 0) != 0) std::swap(a[0], a[1]);
    if (attr_int(n, "transB", 0) != 0) std::swap(b[0], b[1]);
    if (a[1] != b[0])
      fail(fmt::format("{}: inner dimensions differ: A is {}x{}, B is {}x{}", node_label(n, index),
                       a[0], a[1], b[0], b[1]));
    LayerSpec s = base_spec(n, index, LayerType::FC);
    s.batch = a[0];
    s.in_channels = a[1];
    s.out_channels = b[1];
    s.in_h = s.in_w = 1;
    measure_weights(n, 1, index, s);
    add_layer(n, index, s);
  }

  // MatMul A[..., M, K] × B[..., K, N]: a matmul layer (a 1×1 conv whose P is the row count M)
  // with the batch dims of A as N. When B has batch dims of its own (batched matmul of two
  // activations, as in attention), each batch of B is a group.
  void matmul(const NodeProto& n, int index) {
    auto a = shape_of(n, 0, index, "input A");
    auto b = shape_of(n, 1, index, "input B");
    if (a.empty() || b.empty()) fail(fmt::format("{}: scalar operands", node_label(n, index)));
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    const std::int64_t rows = a[a.size() - 2], k = a.back(), cols = b.back();
    if (b[b.size() - 2] != k)
      fail(fmt::format("{}: inner dimensions differ: {} and {}", node_label(n, index), k,
                       b[b.size() - 2]));
    const std::vector<std::int64_t> a_batch(a.begin(), a.end() - 2),
        b_batch(b.begin(), b.end() - 2);
    auto pa = checked_product(a_batch), pb = checked_product(b_batch);
    if (!pa || !pb) fail(fmt::format("{}: batch dimensions overflow", node_label(n, index)));
    LayerSpec s = base_spec(n, index, LayerType::MatMul);
    s.in_h = rows;
    s.in_w = 1;
    if (*pb > 1) {
      // Broadcast batch of both operands: every batch is a group with its own B.
      const std::int64_t g = std::max(*pa, *pb);
      auto c = checked_product({g, k}), m = checked_product({g, cols});
      if (!c || !m) fail(fmt::format("{}: sizes overflow", node_label(n, index)));
      s.batch = 1;
      s.groups = g;
      s.in_channels = *c;
      s.out_channels = *m;
    } else {
      s.batch = *pa;
      s.in_channels = k;
      s.out_channels = cols;
    }
    if (*pb > 1) {
      s.weights = options_.activations;  // B is an activation, one per group
    } else {
      measure_weights(n, 1, index, s);
    }
    add_layer(n, index, s);
  }

  void build_layers() {
    const GraphProto& g = model_.graph();
    for (const auto& t : g.initializer()) inits_[t.name()] = &t;
    for (const auto& n : g.node())
      if ((n.op_type() == "Identity" || n.op_type() == "Transpose") && n.input_size() == 1 &&
          n.output_size() == 1)
        identity_[n.output(0)] = n.input(0);
    for (int i = 0; i < g.node_size(); ++i) {
      const NodeProto& n = g.node(i);
      const bool onnx_domain = n.domain().empty() || n.domain() == "ai.onnx";
      const std::string& op = n.op_type();
      if (onnx_domain && op == "Conv") {
        conv(n, i);
      } else if (onnx_domain && op == "ConvTranspose") {
        conv_transpose(n, i);
      } else if (onnx_domain && op == "Gemm") {
        gemm(n, i);
      } else if (onnx_domain && op == "MatMul") {
        matmul(n, i);
      } else if (onnx_domain && (op == "Identity" || op == "Transpose") &&
                 initializer_of(n.input(0)) != nullptr) {
        // A view of a stored tensor (PyTorch's shared weights; a transposed weight matrix): its
        // non-zeros are the tensor's.
        count(result_.folded, op);
      } else {
        count(result_.not_modelled, onnx_domain ? op : n.domain() + "." + op);
      }
    }
    if (result_.network.layers.empty())
      fail("the model has no Conv, ConvTranspose, Gemm or MatMul node: nothing to estimate");
    const int layers = static_cast<int>(result_.network.layers.size());
    result_.weights_measured = measured_ == layers;
    if (shape_only_ > 0)
      warn(
          fmt::format("{} of {} layers' weights hold no data (a shape-only model, or an absent "
                      "external data file): their weight density is the default {}",
                      shape_only_, layers, options_.weights.density));
    if (computed_weights_ > 0)
      warn(
          fmt::format("{} of {} layers take their weights from other nodes, not from stored "
                      "tensors: their weight density is the default {}",
                      computed_weights_, layers, options_.weights.density));
  }

  static void count(std::vector<OnnxOperatorCount>& list, const std::string& op) {
    for (auto& c : list)
      if (c.op == op) {
        ++c.count;
        return;
      }
    list.push_back({op, 1});
  }

  void warn(std::string w) {
    if (std::find(result_.warnings.begin(), result_.warnings.end(), w) == result_.warnings.end())
      result_.warnings.push_back(std::move(w));
  }

  std::string origin_, base_dir_;
  OnnxImportOptions options_;
  ModelProto model_;
  OnnxImport result_;
  std::unordered_map<std::string, std::vector<std::int64_t>> shapes_;
  std::unordered_map<std::string, const TensorProto*> inits_;
  std::unordered_map<std::string, std::string> identity_;
  std::unordered_set<std::string> names_;
  int measured_ = 0, shape_only_ = 0, computed_weights_ = 0;
  bool inference_failed_ = false;
};

std::string model_name(const std::string& origin) {
  std::string stem = fs::path(origin).stem().string();
  return stem.empty() ? "onnx" : stem;
}

}  // namespace

Result<OnnxImport> import_onnx(const std::string& bytes, const std::string& origin,
                               const std::string& base_dir, const OnnxImportOptions& options) {
  try {
    Importer importer(origin, base_dir, options);
    OnnxImport r = importer.run(bytes);
    r.network.name = model_name(origin);
    return r;
  } catch (const ImportError& e) {
    Error err = make_error(e.message);
    err.file = origin;
    return err;
  } catch (const std::exception& e) {
    Error err = make_error(fmt::format("the model could not be read: {}", e.what()));
    err.file = origin;
    return err;
  }
}

Result<OnnxImport> import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    Error e = make_error("no such file");
    e.file = path;
    return e;
  }
  const auto size = fs::file_size(path, ec);
  if (ec || fs::is_directory(path, ec)) {
    Error e = make_error("not a readable file");
    e.file = path;
    return e;
  }
  if (size > kMaxOnnxBytes) {
    Error e =
        make_error(fmt::format("the file is {} bytes, more than the {} bytes protobuf can "
                               "parse; store the weights as external data",
                               size, kMaxOnnxBytes));
    e.file = path;
    return e;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    Error e = make_error("could not read the file");
    e.file = path;
    return e;
  }
  const std::string dir = fs::path(path).parent_path().string();
  return import_onnx(bytes, path, dir.empty() ? "." : dir, options);
}

}  // namespace erg
