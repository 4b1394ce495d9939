// Running an imported ONNX model with OpenCV's dnn module (erg/onnx_runner.h).
#include "erg/onnx_runner.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace erg {

using onnx::GraphProto;
using onnx::ModelProto;
using onnx::NodeProto;
using onnx::TensorProto;

namespace {

Error model_error(const std::string& origin, std::string message) {
  Error e = make_error(std::move(message));
  e.file = origin;
  return e;
}

bool has_data(const TensorProto& t) {
  return !t.raw_data().empty() || t.float_data_size() > 0 || t.double_data_size() > 0 ||
         t.int32_data_size() > 0 || t.int64_data_size() > 0 || t.uint64_data_size() > 0 ||
         t.data_location() == TensorProto::EXTERNAL;
}

std::uint64_t element_count(const TensorProto& t) {
  std::uint64_t n = 1;
  for (auto d : t.dims()) n *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 0));
  return n;
}

// The values of a float or double initializer, or an error naming it.
Result<std::vector<float>> float_values(const TensorProto& t, const std::string& origin) {
  const std::uint64_t n = element_count(t);
  std::vector<float> v;
  if (t.data_location() == TensorProto::EXTERNAL)
    return model_error(origin, fmt::format("initializer '{}' keeps its data in an external file: "
                                           "erg simulate needs the weights inside the model",
                                           t.name()));
  if (t.data_type() == TensorProto::FLOAT) {
    if (!t.raw_data().empty()) {
      if (t.raw_data().size() != n * 4)
        return model_error(origin, fmt::format("initializer '{}': raw_data holds {} bytes, its "
                                               "dims need {}",
                                               t.name(), t.raw_data().size(), n * 4));
      v.resize(n);
      std::memcpy(v.data(), t.raw_data().data(), n * 4);
      return v;
    }
    if (static_cast<std::uint64_t>(t.float_data_size()) != n)
      return model_error(origin, fmt::format("initializer '{}' holds {} values, its dims need {} "
                                             "(a shape-only model? see --random-weights)",
                                             t.name(), t.float_data_size(), n));
    return std::vector<float>(t.float_data().begin(), t.float_data().end());
  }
  if (t.data_type() == TensorProto::DOUBLE) {
    if (!t.raw_data().empty()) {
      if (t.raw_data().size() != n * 8)
        return model_error(origin, fmt::format("initializer '{}': raw_data holds {} bytes, its "
                                               "dims need {}",
                                               t.name(), t.raw_data().size(), n * 8));
      std::vector<double> d(n);
      std::memcpy(d.data(), t.raw_data().data(), n * 8);
      return std::vector<float>(d.begin(), d.end());
    }
    if (static_cast<std::uint64_t>(t.double_data_size()) != n)
      return model_error(origin, fmt::format("initializer '{}' holds {} values, its dims need {}",
                                             t.name(), t.double_data_size(), n));
    return std::vector<float>(t.double_data().begin(), t.double_data().end());
  }
  return model_error(origin, fmt::format("initializer '{}' has data type {}: erg simulate reads "
                                         "float and double weights",
                                         t.name(), t.data_type()));
}

// rows × cols (row-major) → cols × rows, `count` matrices one after another; values to masks.
template <class T>
void transpose_masks(const T* in, std::int64_t count, std::int64_t rows, std::int64_t cols,
                     std::uint8_t* out) {
  for (std::int64_t b = 0; b < count; ++b) {
    const T* src = in + b * rows * cols;
    std::uint8_t* dst = out + b * rows * cols;
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c] != 0;
  }
}

template <class T>
void masks(const T* in, std::uint64_t n, std::vector<std::uint8_t>& out) {
  out.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) out[i] = in[i] != 0;
}

// How a layer's tensors are laid out in the model, against erg's layout.
enum class Layout { Direct, GemmTransA, MatMul };

struct LayerPlan {
  std::string input;   // tensor name; empty = the graph input
  std::string output;  // after BN and activation
  Layout layout = Layout::Direct;
  std::int64_t rows = 1, k = 1, cols = 1;  // MatMul: A is n × rows × k, output n × rows × cols
};

}  // namespace

Result<std::string> fill_random_weights(const std::string& model_bytes, const std::string& origin,
                                        std::uint64_t seed, int* filled) {
  ModelProto model;
  if (!model.ParseFromArray(model_bytes.data(), static_cast<int>(model_bytes.size())) ||
      !model.has_graph())
    return model_error(origin, "not an ONNX model: the protobuf message does not parse");
  GraphProto& g = *model.mutable_graph();
  // BatchNormalization's scale (input 1) and variance (input 4) start at 1.
  std::unordered_set<std::string> ones;
  for (const auto& n : g.node())
    if (n.op_type() == "BatchNormalization") {
      if (n.input_size() > 1) ones.insert(n.input(1));
      if (n.input_size() > 4) ones.insert(n.input(4));
    }
  std::mt19937_64 rng(seed);
  int count = 0;
  for (auto& t : *g.mutable_initializer()) {
    if (has_data(t)) continue;
    if (t.data_type() != TensorProto::FLOAT && t.data_type() != TensorProto::DOUBLE)
      return model_error(origin, fmt::format("initializer '{}' holds no data and is not floating "
                                             "point (type {}): it cannot be filled at random",
                                             t.name(), t.data_type()));
    const std::uint64_t n = element_count(t);
    if (n > (std::uint64_t{1} << 31))
      return model_error(
          origin, fmt::format("initializer '{}' has {} elements, too many to fill", t.name(), n));
    std::vector<float> v(n, 0.0f);
    if (t.dims_size() >= 2) {
      std::uint64_t fan_in = 1;
      for (int d = 1; d < t.dims_size(); ++d)
        fan_in *= static_cast<std::uint64_t>(std::max<std::int64_t>(t.dims(d), 1));
      std::normal_distribution<float> he(0.0f, static_cast<float>(std::sqrt(2.0 / fan_in)));
      for (auto& x : v) x = he(rng);
    } else if (ones.count(t.name()) != 0) {
      std::fill(v.begin(), v.end(), 1.0f);
    }
    t.set_data_type(TensorProto::FLOAT);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    ++count;
  }
  if (filled) *filled = count;
  std::string out;
  if (!model.SerializeToString(&out))
    return model_error(origin, "the filled model cannot be written");
  return out;
}

struct ModelRunner::Impl {
  std::string origin;
  cv::dnn::Net net;
  InputShape shape;
  std::int64_t batch = 1;
  std::vector<Layer> layers;
  std::vector<OnnxLayerSource> sources;
  std::vector<LayerPlan> plans;
  std::vector<std::vector<std::uint8_t>> weights;        // erg layout, per layer
  std::vector<std::string> blob_names;                   // OpenCV layer names to fetch
  std::unordered_map<std::string, std::size_t> blob_of;  // tensor → index in blob_names
};

ModelRunner::ModelRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelRunner::ModelRunner(ModelRunner&&) noexcept = default;
ModelRunner& ModelRunner::operator=(ModelRunner&&) noexcept = default;
ModelRunner::~ModelRunner() = default;
const InputShape& ModelRunner::input_shape() const { return impl_->shape; }
std::int64_t ModelRunner::batch() const { return impl_->batch; }

Result<ModelRunner> ModelRunner::make(const OnnxImport& imported, const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = origin;
  if (imported.model.empty())
    return model_error(origin, "internal error: the model was imported without keep_model");
  ModelProto model;
  if (!model.ParseFromArray(imported.model.data(), static_cast<int>(imported.model.size())))
    return model_error(origin, "internal error: the cleaned model does not parse");
  const GraphProto& g = model.graph();
  std::unordered_map<std::string, const TensorProto*> inits;
  for (const auto& t : g.initializer()) inits[t.name()] = &t;
  // The image input: the one graph input that is not an initializer.
  std::string input_name;
  for (const auto& in : g.input()) {
    if (inits.count(in.name()) != 0) continue;
    if (!input_name.empty())
      return model_error(origin, fmt::format("the model has several inputs ('{}', '{}'): erg "
                                             "simulate feeds one image tensor",
                                             input_name, in.name()));
    input_name = in.name();
    const auto& dims = in.type().tensor_type().shape().dim();
    std::vector<std::int64_t> d;
    for (const auto& x : dims) d.push_back(x.has_dim_value() ? x.dim_value() : 1);
    if (d.size() != 4 || d[0] <= 0 || d[1] <= 0 || d[2] <= 0 || d[3] <= 0)
      return model_error(origin, fmt::format("the model's input '{}' has shape [{}]: erg "
                                             "simulate feeds images, N×C×H×W",
                                             in.name(), fmt::join(d, ", ")));
    impl->batch = d[0];
    impl->shape = {d[1], d[2], d[3]};
  }
  if (input_name.empty()) return model_error(origin, "the model has no input");
  // Who reads each tensor.
  std::unordered_map<std::string, std::vector<const NodeProto*>> readers;
  for (const auto& n : g.node())
    for (const auto& i : n.input()) readers[i].push_back(&n);
  std::unordered_set<std::string> graph_outputs;
  for (const auto& o : g.output()) graph_outputs.insert(o.name());
  auto after_activation = [&](std::string t) {
    for (int hops = 0; hops < 8; ++hops) {
      auto it = readers.find(t);
      if (it == readers.end() || it->second.size() != 1 || graph_outputs.count(t) != 0) break;
      const NodeProto& n = *it->second.front();
      const std::string& op = n.op_type();
      const bool activation = op == "Relu" || op == "LeakyRelu" || op == "Clip";
      if (!(activation || op == "BatchNormalization") || n.output_size() < 1 || n.input(0) != t)
        break;
      t = n.output(0);
      if (activation) break;
    }
    return t;
  };

  impl->layers = imported.network.layers;
  impl->sources = imported.sources;
  for (std::size_t i = 0; i < impl->layers.size(); ++i) {
    const Layer& l = impl->layers[i];
    const OnnxLayerSource& s = impl->sources[i];
    auto refuse = [&](const std::string& why) {
      return model_error(origin,
                         fmt::format("layer '{}' ({} node '{}'): {}", l.name(), s.op, s.node, why));
    };
    LayerPlan p;
    p.input = s.input == input_name ? std::string() : s.input;
    p.output = after_activation(s.output);
    if (s.op == "ConvTranspose") return refuse("ConvTranspose layers are not simulated yet");
    if (s.weights.empty())
      return refuse("its weights are computed, not stored: erg simulate needs stored weights");
    auto it = inits.find(s.weights);
    if (it == inits.end()) return refuse("its weights '" + s.weights + "' are not an initializer");
    auto values = float_values(*it->second, origin);
    if (!values) return values.error();
    if (values->size() != l.size(Tensor::Weights))
      return refuse(fmt::format("its weights hold {} values, the layer has {} weights",
                                values->size(), l.size(Tensor::Weights)));
    std::vector<std::uint8_t> w(values->size());
    if (s.op == "Gemm") {
      if (s.trans_a) p.layout = Layout::GemmTransA;
      const std::int64_t m = l.dim(Dim::M), k = l.dim(Dim::C);
      if (s.trans_b)
        masks(values->data(), values->size(), w);
      else
        transpose_masks(values->data(), 1, k, m, w.data());  // stored K × M
    } else if (s.op == "MatMul") {
      if (l.spec().groups != 1) return refuse("a MatMul of two activations is not simulated");
      p.layout = Layout::MatMul;
      p.rows = l.in_h();
      p.k = l.dim(Dim::C);
      p.cols = l.dim(Dim::M);
      transpose_masks(values->data(), 1, p.k, p.cols, w.data());  // stored K × cols
    } else {
      masks(values->data(), values->size(), w);
    }
    impl->weights.push_back(std::move(w));
    impl->plans.push_back(std::move(p));
  }
  // OpenCV, from memory, without fusion (fused layers would hide the tensors we read). Its own
  // log lines would repeat the error erg reports.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  try {
    impl->net = cv::dnn::readNetFromONNX(imported.model.data(), imported.model.size());
  } catch (const cv::Exception& e) {
    return model_error(origin, fmt::format("OpenCV's dnn module cannot load the model: {}",
                                           e.err.empty() ? std::string(e.what()) : e.err));
  }
  if (impl->net.empty()) return model_error(origin, "OpenCV's dnn module loaded an empty network");
  impl->net.enableFusion(false);
  impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  auto want = [&](const std::string& tensor, const std::string& layer) -> Status {
    if (tensor.empty() || impl->blob_of.count(tensor) != 0) return Ok{};
    for (const std::string& name : {"onnx_node!" + tensor, tensor}) {
      if (impl->net.getLayerId(name) >= 0) {
        impl->blob_of[tensor] = impl->blob_names.size();
        impl->blob_names.push_back(name);
        return Ok{};
      }
    }
    return model_error(origin, fmt::format("OpenCV's network has no layer that writes tensor '{}' "
                                           "(read by layer '{}')",
                                           tensor, layer));
  };
  for (std::size_t i = 0; i < impl->layers.size(); ++i) {
    if (auto st = want(impl->plans[i].input, impl->layers[i].name()); !st) return st.error();
    if (auto st = want(impl->plans[i].output, impl->layers[i].name()); !st) return st.error();
  }
  return ModelRunner(std::move(impl));
}

Result<std::vector<LayerData>> ModelRunner::run(const float* images) {
  Impl& m = *impl_;
  const int dims[4] = {static_cast<int>(m.batch), static_cast<int>(m.shape.channels),
                       static_cast<int>(m.shape.height), static_cast<int>(m.shape.width)};
  cv::Mat blob(4, dims, CV_32F, const_cast<float*>(images));
  std::vector<std::vector<cv::Mat>> outs;
  try {
    m.net.setInput(blob);
    m.net.forward(outs, m.blob_names);
  } catch (const cv::Exception& e) {
    return model_error(m.origin, fmt::format("OpenCV could not run the model: {}",
                                             e.err.empty() ? std::string(e.what()) : e.err));
  }
  auto tensor = [&](const std::string& name) -> const cv::Mat& {
    if (name.empty()) return blob;
    return outs[m.blob_of.at(name)].front();
  };
  std::vector<LayerData> data(m.layers.size());
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& l = m.layers[i];
    const LayerPlan& p = m.plans[i];
    LayerData& d = data[i];
    d.weights = m.weights[i];
    const cv::Mat& in = tensor(p.input);
    const cv::Mat& out = tensor(p.output);
    auto check = [&](const cv::Mat& t, Tensor which, const std::string& name) -> Status {
      if (!t.isContinuous() || t.depth() != CV_32F ||
          t.total() * static_cast<std::size_t>(t.channels()) != l.size(which))
        return model_error(m.origin,
                           fmt::format("layer '{}': OpenCV's tensor '{}' has {} values, the "
                                       "layer's {} have {}",
                                       l.name(), name.empty() ? "input" : name,
                                       t.total() * static_cast<std::size_t>(t.channels()),
                                       tensor_name(which), l.size(which)));
      return Ok{};
    };
    if (auto st = check(in, Tensor::Inputs, p.input); !st) return st.error();
    if (auto st = check(out, Tensor::Outputs, p.output); !st) return st.error();
    const float* x = in.ptr<float>();
    const float* y = out.ptr<float>();
    switch (p.layout) {
      case Layout::Direct:
        masks(x, l.size(Tensor::Inputs), d.inputs);
        masks(y, l.size(Tensor::Outputs), d.outputs);
        break;
      case Layout::GemmTransA:  // A stored K × N
        d.inputs.resize(l.size(Tensor::Inputs));
        transpose_masks(x, 1, l.dim(Dim::C), l.dim(Dim::N), d.inputs.data());
        masks(y, l.size(Tensor::Outputs), d.outputs);
        break;
      case Layout::MatMul:  // A: n × rows × K → n × K × rows; Y: n × rows × cols → n × cols × rows
        d.inputs.resize(l.size(Tensor::Inputs));
        transpose_masks(x, l.dim(Dim::N), p.rows, p.k, d.inputs.data());
        d.outputs.resize(l.size(Tensor::Outputs));
        transpose_masks(y, l.dim(Dim::N), p.rows, p.cols, d.outputs.data());
        break;
    }
  }
  return data;
}

}  // namespace erg
