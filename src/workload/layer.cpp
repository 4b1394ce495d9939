#include "erg/layer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "erg/text.h"

namespace erg {

namespace {}  // namespace

std::string_view dim_name(Dim d) {
  static constexpr std::array<std::string_view, kNumDims> names = {"N", "G", "M", "C",
                                                                   "P", "Q", "R", "S"};
  return names[static_cast<int>(d)];
}

std::optional<Dim> parse_dim(std::string_view name) {
  if (name.size() != 1) return std::nullopt;
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  for (Dim d : kAllDims)
    if (dim_name(d)[0] == c) return d;
  return std::nullopt;
}

std::string_view tensor_name(Tensor t) {
  static constexpr std::array<std::string_view, kNumTensors> names = {"weights", "inputs",
                                                                      "outputs"};
  return names[static_cast<int>(t)];
}

std::optional<Tensor> parse_tensor(std::string_view s) {
  const std::string l = ascii_lower(s);
  if (l == "weights" || l == "weight" || l == "filter" || l == "filters") return Tensor::Weights;
  if (l == "inputs" || l == "input" || l == "ifmap" || l == "ifmaps") return Tensor::Inputs;
  if (l == "outputs" || l == "output" || l == "ofmap" || l == "ofmaps" || l == "psum" ||
      l == "psums")
    return Tensor::Outputs;
  return std::nullopt;
}

bool is_relevant(Tensor t, Dim d) {
  switch (t) {
    case Tensor::Weights:
      return d == Dim::G || d == Dim::M || d == Dim::C || d == Dim::R || d == Dim::S;
    case Tensor::Inputs:
      return d != Dim::M;
    case Tensor::Outputs:
      return d == Dim::N || d == Dim::G || d == Dim::M || d == Dim::P || d == Dim::Q;
  }
  return false;
}

std::string_view layer_type_name(LayerType t) {
  switch (t) {
    case LayerType::Conv:
      return "conv";
    case LayerType::Depthwise:
      return "depthwise";
    case LayerType::FC:
      return "fc";
    case LayerType::MatMul:
      return "matmul";
  }
  return "conv";
}

std::optional<LayerType> parse_layer_type(std::string_view s) {
  const std::string l = ascii_lower(s);
  if (l == "conv") return LayerType::Conv;
  if (l == "depthwise" || l == "dwconv") return LayerType::Depthwise;
  if (l == "fc" || l == "linear" || l == "gemm") return LayerType::FC;
  if (l == "matmul") return LayerType::MatMul;
  return std::nullopt;
}

// Sizes above this are absurd for any real layer and would make counts meaningless.
static constexpr std::int64_t kMaxExtent = std::int64_t{1} << 31;

Result<Layer> Layer::make(const LayerSpec& s) {
  auto fail = [&](const std::string& msg) -> Result<Layer> {
    return make_error(fmt::format("layer '{}': {}", s.name.empty() ? "?" : s.name, msg));
  };
  if (s.name.empty()) return make_error("layer: 'name' must not be empty");
  struct Field {
    const char* name;
    std::int64_t v;
  };
  const Field positive[] = {{"batch", s.batch},
                            {"in_channels", s.in_channels},
                            {"out_channels", s.out_channels},
                            {"in_h", s.in_h},
                            {"in_w", s.in_w},
                            {"filter_h", s.filter_h},
                            {"filter_w", s.filter_w},
                            {"stride_h", s.stride_h},
                            {"stride_w", s.stride_w},
                            {"dilation_h", s.dilation_h},
                            {"dilation_w", s.dilation_w},
                            {"groups", s.groups}};
  for (const auto& f : positive) {
    if (f.v <= 0) return fail(fmt::format("'{}' must be a positive integer, got {}", f.name, f.v));
    if (f.v > kMaxExtent)
      return fail(fmt::format("'{}' = {} is absurdly large (limit {})", f.name, f.v, kMaxExtent));
  }
  const Field pads[] = {{"pad_top", s.pad_top},
                        {"pad_bottom", s.pad_bottom},
                        {"pad_left", s.pad_left},
                        {"pad_right", s.pad_right}};
  for (const auto& f : pads) {
    if (f.v < 0) return fail(fmt::format("'{}' must not be negative, got {}", f.name, f.v));
    if (f.v > kMaxExtent) return fail(fmt::format("'{}' = {} is absurdly large", f.name, f.v));
  }
  if (s.in_channels % s.groups != 0)
    return fail(
        fmt::format("'groups' = {} does not divide in_channels = {}", s.groups, s.in_channels));
  if (s.out_channels % s.groups != 0)
    return fail(
        fmt::format("'groups' = {} does not divide out_channels = {}", s.groups, s.out_channels));
  if (s.type == LayerType::Depthwise && s.in_channels != s.groups)
    return fail(
        fmt::format("a depthwise layer has one input channel per group: 'groups' must "
                    "equal in_channels = {}, got {}",
                    s.in_channels, s.groups));
  if (s.type == LayerType::FC && (s.filter_h != s.in_h || s.filter_w != s.in_w))
    return fail(
        fmt::format("an fc layer's filter covers its whole input: filter {}x{} but input "
                    "{}x{}",
                    s.filter_h, s.filter_w, s.in_h, s.in_w));
  const std::int64_t eff_h = s.dilation_h * (s.filter_h - 1) + 1;
  const std::int64_t eff_w = s.dilation_w * (s.filter_w - 1) + 1;
  const std::int64_t span_h = s.in_h + s.pad_top + s.pad_bottom;
  const std::int64_t span_w = s.in_w + s.pad_left + s.pad_right;
  if (eff_h > span_h)
    return fail(fmt::format("filter height {} (dilated {}) exceeds padded input height {}",
                            s.filter_h, eff_h, span_h));
  if (eff_w > span_w)
    return fail(fmt::format("filter width {} (dilated {}) exceeds padded input width {}",
                            s.filter_w, eff_w, span_w));
  for (const auto* t : {&s.weights, &s.inputs, &s.outputs}) {
    const char* which = t == &s.weights ? "weights" : t == &s.inputs ? "inputs" : "outputs";
    if (!(t->density >= 0.0 && t->density <= 1.0))
      return fail(fmt::format("{} density must be in [0, 1], got {}", which, t->density));
    if (t->bits < 1 || t->bits > 64)
      return fail(fmt::format("{} bitwidth must be in [1, 64], got {}", which, t->bits));
  }
  Layer l;
  l.spec_ = s;
  const std::int64_t p = (span_h - eff_h) / s.stride_h + 1;
  const std::int64_t q = (span_w - eff_w) / s.stride_w + 1;
  l.bounds_ = {s.batch,    s.groups,  s.out_channels / s.groups, s.in_channels / s.groups, p, q,
               s.filter_h, s.filter_w};
  std::uint64_t macs = 1;
  for (auto b : l.bounds_) {
    auto m = checked_mul(macs, static_cast<std::uint64_t>(b));
    if (!m) return fail("the MAC count overflows 64 bits");
    macs = *m;
  }
  l.macs_ = macs;
  for (Tensor t : kAllTensors) {
    std::uint64_t n = 1;
    std::uint64_t parts[5];
    int k = 0;
    if (t == Tensor::Weights) {
      parts[k++] = s.out_channels;
      parts[k++] = s.in_channels / s.groups;
      parts[k++] = s.filter_h;
      parts[k++] = s.filter_w;
    } else if (t == Tensor::Inputs) {
      parts[k++] = s.batch;
      parts[k++] = s.in_channels;
      parts[k++] = s.in_h;
      parts[k++] = s.in_w;
    } else {
      parts[k++] = s.batch;
      parts[k++] = s.out_channels;
      parts[k++] = p;
      parts[k++] = q;
    }
    for (int i = 0; i < k; ++i) {
      auto m = checked_mul(n, parts[i]);
      if (!m) return fail(fmt::format("the size of the {} overflows 64 bits", tensor_name(t)));
      n = *m;
    }
  }
  if (static_cast<std::uint64_t>((span_h - eff_h) / s.stride_h + 1) * s.filter_h >
          kMaxSlidingPositions ||
      static_cast<std::uint64_t>((span_w - eff_w) / s.stride_w + 1) * s.filter_w >
          kMaxSlidingPositions)
    return fail(
        fmt::format("ofmap rows x filter rows (or columns) exceed {}, more than erg's "
                    "model handles",
                    kMaxSlidingPositions));
  return l;
}

const TensorFormat& Layer::format(Tensor t) const {
  switch (t) {
    case Tensor::Weights:
      return spec_.weights;
    case Tensor::Inputs:
      return spec_.inputs;
    default:
      return spec_.outputs;
  }
}

TensorFormat& Layer::format(Tensor t) {
  switch (t) {
    case Tensor::Weights:
      return spec_.weights;
    case Tensor::Inputs:
      return spec_.inputs;
    default:
      return spec_.outputs;
  }
}

double Layer::nonzero_macs() const {
  return static_cast<double>(macs_) * spec_.weights.density * spec_.inputs.density;
}

std::uint64_t Layer::size(Tensor t) const {
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  switch (t) {
    case Tensor::Weights:
      return u(spec_.out_channels) * u(dim(Dim::C)) * u(spec_.filter_h) * u(spec_.filter_w);
    case Tensor::Inputs:
      return u(spec_.batch) * u(spec_.in_channels) * u(spec_.in_h) * u(spec_.in_w);
    case Tensor::Outputs:
      return u(spec_.batch) * u(spec_.out_channels) * u(dim(Dim::P)) * u(dim(Dim::Q));
  }
  return 0;
}

Result<Layer> Layer::with_batch(std::int64_t n) const {
  LayerSpec s = spec_;
  s.batch = n;
  return make(s);
}

}  // namespace erg
