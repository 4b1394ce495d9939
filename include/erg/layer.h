// erg/layer.h — one DNN layer as a named loop nest.
//
// A layer is the 8-D loop nest
//   for n<N, g<G, m<M, c<C, p<P, q<Q, r<R, s<S:
//     O[n][g*M+m][p][q] += W[g*M+m][c][r][s] * I[n][g*C+c][p*Uh + r*Dh - pad_top][q*Uw + s*Dw -
//     pad_left]
// where M and C are the output and input channels *per group*, P×Q is the ofmap, R×S the filter,
// U the stride and D the dilation. Input positions that fall in the padding are zeros that are
// never stored or moved. CONV, depthwise CONV (C = M = 1 per group), FC (R×S = H×W, P = Q = 1) and
// matrix multiply (a 1×1 CONV whose P is the row count) are all this nest.
//
// The workload never knows its mapping: see mapping.h for how the nest is scheduled.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "erg/error.h"

namespace erg {

enum class Dim : std::uint8_t { N = 0, G, M, C, P, Q, R, S };
inline constexpr int kNumDims = 8;
inline constexpr std::array<Dim, kNumDims> kAllDims = {Dim::N, Dim::G, Dim::M, Dim::C,
                                                       Dim::P, Dim::Q, Dim::R, Dim::S};
std::string_view dim_name(Dim d);                     // "N", "G", ...
std::optional<Dim> parse_dim(std::string_view name);  // case-insensitive

// The three tensors (data types) of a layer. Outputs include partial sums (psums).
enum class Tensor : std::uint8_t { Weights = 0, Inputs = 1, Outputs = 2 };
inline constexpr int kNumTensors = 3;
inline constexpr std::array<Tensor, kNumTensors> kAllTensors = {Tensor::Weights, Tensor::Inputs,
                                                                Tensor::Outputs};
std::string_view tensor_name(Tensor t);                  // "weights", "inputs", "outputs"
std::optional<Tensor> parse_tensor(std::string_view s);  // also accepts ifmap/ofmap/psum/filter

// True when the tensor's index depends on the dimension (its projection).
bool is_relevant(Tensor t, Dim d);

enum class LayerType : std::uint8_t { Conv, Depthwise, FC, MatMul };
std::string_view layer_type_name(LayerType t);  // "conv", "depthwise", "fc", "matmul"
std::optional<LayerType> parse_layer_type(std::string_view s);

// Largest (ofmap rows × filter rows) or (ofmap columns × filter columns) a layer, or a mapping
// with its idle positions, may have: the model's sliding-window counting walks these positions.
inline constexpr std::uint64_t kMaxSlidingPositions = std::uint64_t{1} << 22;

// Bitwidth and density (fraction of non-zero values) of one tensor.
struct TensorFormat {
  int bits = 16;
  double density = 1.0;
};

// Plain description of a layer, as a user or an importer writes it (totals, not per group).
struct LayerSpec {
  std::string name;
  LayerType type = LayerType::Conv;
  std::int64_t batch = 1;           // N
  std::int64_t in_channels = 0;     // C total
  std::int64_t out_channels = 0;    // M total
  std::int64_t in_h = 0, in_w = 0;  // ifmap height and width (before padding)
  std::int64_t filter_h = 1, filter_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t groups = 1;
  TensorFormat weights, inputs, outputs;
};

class Layer {
 public:
  // Validates the spec (positive sizes, groups dividing channels, a non-empty ofmap, densities in
  // [0, 1], bitwidths in [1, 64], sizes whose MAC count fits in 64 bits) and derives P and Q.
  static Result<Layer> make(const LayerSpec& spec);

  const LayerSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  LayerType type() const { return spec_.type; }

  // Loop bound of a dimension (M and C per group).
  std::int64_t dim(Dim d) const { return bounds_[static_cast<int>(d)]; }
  const std::array<std::int64_t, kNumDims>& bounds() const { return bounds_; }
  std::int64_t in_h() const { return spec_.in_h; }
  std::int64_t in_w() const { return spec_.in_w; }
  std::int64_t stride_h() const { return spec_.stride_h; }
  std::int64_t stride_w() const { return spec_.stride_w; }
  std::int64_t dilation_h() const { return spec_.dilation_h; }
  std::int64_t dilation_w() const { return spec_.dilation_w; }
  std::int64_t pad_top() const { return spec_.pad_top; }
  std::int64_t pad_left() const { return spec_.pad_left; }

  const TensorFormat& format(Tensor t) const;
  TensorFormat& format(Tensor t);

  // Dense MACs (padding positions included, as is customary): N·G·M·C·P·Q·R·S.
  std::uint64_t macs() const { return macs_; }
  // Dense MACs × weight density × input density (a MAC is skipped when either operand is zero).
  double nonzero_macs() const;
  // Number of elements of each tensor (weights exclude biases; inputs exclude padding).
  std::uint64_t size(Tensor t) const;
  std::uint64_t weight_count() const { return size(Tensor::Weights); }

  // Returns a copy with the batch set to n (validated like make()).
  Result<Layer> with_batch(std::int64_t n) const;

 private:
  LayerSpec spec_;
  std::array<std::int64_t, kNumDims> bounds_{};
  std::uint64_t macs_ = 0;
};

}  // namespace erg
