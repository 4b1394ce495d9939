// Tests of Layer::make: how a LayerSpec becomes the 8-D loop nest (P/Q derivation with stride,
// padding and dilation; groups; depthwise; FC; matrix multiply as a 1×1 CONV), tensor sizes, and
// the bad specs it must reject. The bad-input cases are in the "ErrorsLayer" suite, following the
// project's convention that error suites start with "Errors".
#include "erg/layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace erg {
namespace {

// A square CONV spec with the given channels, ifmap extent, filter, stride and padding.
LayerSpec Conv(std::int64_t c, std::int64_t m, std::int64_t hw, std::int64_t k,
               std::int64_t stride = 1, std::int64_t pad = 0) {
  LayerSpec s;
  s.name = "l";
  s.in_channels = c;
  s.out_channels = m;
  s.in_h = s.in_w = hw;
  s.filter_h = s.filter_w = k;
  s.stride_h = s.stride_w = stride;
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = pad;
  return s;
}

Layer Make(const LayerSpec& s) {
  auto r = Layer::make(s);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return Layer::make(Conv(1, 1, 1, 1)).value();
  }
  return std::move(r).value();
}

// The loop-nest product, written out independently of Layer.
std::uint64_t NestProduct(const Layer& l) {
  std::uint64_t p = 1;
  for (Dim d : kAllDims) p *= static_cast<std::uint64_t>(l.dim(d));
  return p;
}

TEST(Layer, AlexNetConv1OutputSizeWithStride) {
  // (227 − 11) / 4 + 1 = 55.
  const Layer l = Make(Conv(3, 96, 227, 11, 4));
  EXPECT_EQ(l.dim(Dim::N), 1);
  EXPECT_EQ(l.dim(Dim::G), 1);
  EXPECT_EQ(l.dim(Dim::M), 96);
  EXPECT_EQ(l.dim(Dim::C), 3);
  EXPECT_EQ(l.dim(Dim::P), 55);
  EXPECT_EQ(l.dim(Dim::Q), 55);
  EXPECT_EQ(l.dim(Dim::R), 11);
  EXPECT_EQ(l.dim(Dim::S), 11);
  EXPECT_EQ(l.macs(), 96ull * 3 * 11 * 11 * 55 * 55);
  EXPECT_EQ(l.macs(), NestProduct(l));
  EXPECT_EQ(l.weight_count(), 96ull * 3 * 11 * 11);
  EXPECT_EQ(l.size(Tensor::Inputs), 3ull * 227 * 227);
  EXPECT_EQ(l.size(Tensor::Outputs), 96ull * 55 * 55);
}

TEST(Layer, StrideRoundsDown) {
  // (8 − 3) / 2 + 1 = 3: the last input column is never a window start.
  EXPECT_EQ(Make(Conv(1, 1, 8, 3, 2)).dim(Dim::P), 3);
  EXPECT_EQ(Make(Conv(1, 1, 9, 3, 2)).dim(Dim::P), 4);
}

TEST(Layer, SamePaddingKeepsTheExtentAndInputsExcludePadding) {
  const Layer l = Make(Conv(256, 384, 13, 3, 1, 1));
  EXPECT_EQ(l.dim(Dim::P), 13);
  EXPECT_EQ(l.dim(Dim::Q), 13);
  EXPECT_EQ(l.size(Tensor::Inputs), 256ull * 13 * 13);  // padding is never stored
  EXPECT_EQ(l.macs(), 384ull * 256 * 9 * 13 * 13);      // but padded positions are counted
}

TEST(Layer, AsymmetricPaddingAndRectangularMaps) {
  LayerSpec s = Conv(8, 8, 112, 3, 2);
  s.pad_top = 0;
  s.pad_bottom = 1;  // TensorFlow "SAME" for stride 2 on an even extent
  s.in_w = 50;
  s.filter_w = 5;
  s.stride_w = 1;
  s.pad_left = 2;
  s.pad_right = 0;
  const Layer l = Make(s);
  EXPECT_EQ(l.dim(Dim::P), (112 + 1 - 3) / 2 + 1);  // 56
  EXPECT_EQ(l.dim(Dim::Q), (50 + 2 - 5) / 1 + 1);   // 48
  EXPECT_EQ(l.dim(Dim::R), 3);
  EXPECT_EQ(l.dim(Dim::S), 5);
  EXPECT_EQ(l.pad_top(), 0);
  EXPECT_EQ(l.pad_left(), 2);
}

TEST(Layer, DilationWidensTheFilter) {
  LayerSpec s = Conv(4, 4, 10, 3);
  s.dilation_h = s.dilation_w = 2;  // effective extent 2·(3 − 1) + 1 = 5
  EXPECT_EQ(Make(s).dim(Dim::P), 6);
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = 2;
  const Layer padded = Make(s);
  EXPECT_EQ(padded.dim(Dim::P), 10);
  EXPECT_EQ(padded.dim(Dim::R), 3);  // dilation does not add weights
  EXPECT_EQ(padded.weight_count(), 4ull * 4 * 9);
  EXPECT_EQ(padded.dilation_h(), 2);
}

TEST(Layer, GroupsSplitChannels) {
  // AlexNet conv2: 96 → 256 in two groups.
  LayerSpec s = Conv(96, 256, 27, 5, 1, 2);
  s.groups = 2;
  const Layer l = Make(s);
  EXPECT_EQ(l.dim(Dim::G), 2);
  EXPECT_EQ(l.dim(Dim::M), 128);
  EXPECT_EQ(l.dim(Dim::C), 48);
  EXPECT_EQ(l.dim(Dim::P), 27);
  EXPECT_EQ(l.weight_count(), 256ull * 48 * 25);
  EXPECT_EQ(l.macs(), 256ull * 48 * 25 * 27 * 27);
  EXPECT_EQ(l.macs(), NestProduct(l));
  // Inputs and outputs are whole tensors, not per group.
  EXPECT_EQ(l.size(Tensor::Inputs), 96ull * 27 * 27);
  EXPECT_EQ(l.size(Tensor::Outputs), 256ull * 27 * 27);
}

TEST(Layer, DepthwiseHasOneChannelPerGroup) {
  LayerSpec s = Conv(32, 32, 112, 3, 1, 1);
  s.type = LayerType::Depthwise;
  s.groups = 32;
  const Layer l = Make(s);
  EXPECT_EQ(l.type(), LayerType::Depthwise);
  EXPECT_EQ(l.dim(Dim::G), 32);
  EXPECT_EQ(l.dim(Dim::M), 1);
  EXPECT_EQ(l.dim(Dim::C), 1);
  EXPECT_EQ(l.weight_count(), 32ull * 9);
  EXPECT_EQ(l.macs(), 32ull * 9 * 112 * 112);
}

TEST(Layer, FcCollapsesTheMapToOnePosition) {
  LayerSpec s = Conv(256, 4096, 6, 6);
  s.type = LayerType::FC;
  const Layer l = Make(s);
  EXPECT_EQ(l.dim(Dim::P), 1);
  EXPECT_EQ(l.dim(Dim::Q), 1);
  EXPECT_EQ(l.weight_count(), 4096ull * 256 * 36);
  EXPECT_EQ(l.macs(), l.weight_count());  // batch 1: one MAC per weight
}

TEST(Layer, MatMulIsAOneByOneConvOverRows) {
  // (128 × 64) · (64 × 32): rows are P, the reduction is C, the columns are M.
  LayerSpec s;
  s.name = "mm";
  s.type = LayerType::MatMul;
  s.in_h = 128;
  s.in_w = 1;
  s.in_channels = 64;
  s.out_channels = 32;
  const Layer l = Make(s);
  EXPECT_EQ(l.dim(Dim::P), 128);
  EXPECT_EQ(l.dim(Dim::Q), 1);
  EXPECT_EQ(l.dim(Dim::R), 1);
  EXPECT_EQ(l.dim(Dim::S), 1);
  EXPECT_EQ(l.macs(), 128ull * 64 * 32);
  EXPECT_EQ(l.weight_count(), 64ull * 32);
  EXPECT_EQ(l.size(Tensor::Inputs), 128ull * 64);
  EXPECT_EQ(l.size(Tensor::Outputs), 128ull * 32);
}

TEST(Layer, BatchScalesActivationsButNotWeights) {
  const Layer one = Make(Conv(16, 32, 14, 3, 1, 1));
  auto four = one.with_batch(4);
  ASSERT_TRUE(four.ok()) << four.error().message;
  EXPECT_EQ(four->dim(Dim::N), 4);
  EXPECT_EQ(four->macs(), 4 * one.macs());
  EXPECT_EQ(four->size(Tensor::Inputs), 4 * one.size(Tensor::Inputs));
  EXPECT_EQ(four->size(Tensor::Outputs), 4 * one.size(Tensor::Outputs));
  EXPECT_EQ(four->weight_count(), one.weight_count());
  EXPECT_EQ(one.dim(Dim::N), 1);  // the original is unchanged
}

TEST(Layer, NonzeroMacsScaleWithBothOperandDensities) {
  LayerSpec s = Conv(8, 8, 8, 3);
  s.weights.density = 0.5;
  s.inputs.density = 0.25;
  s.outputs.density = 0.0;  // output sparsity does not skip MACs
  const Layer l = Make(s);
  EXPECT_DOUBLE_EQ(l.nonzero_macs(), static_cast<double>(l.macs()) * 0.125);
  EXPECT_EQ(l.format(Tensor::Weights).density, 0.5);
  EXPECT_EQ(l.format(Tensor::Outputs).density, 0.0);
}

TEST(Layer, FilterAsLargeAsThePaddedInputGivesOneOutput) {
  EXPECT_EQ(Make(Conv(1, 1, 4, 5, 1, 1)).dim(Dim::P), 2);  // padded extent 6
  LayerSpec s = Conv(1, 1, 3, 5, 1, 1);                    // padded extent 5 = filter
  EXPECT_EQ(Make(s).dim(Dim::P), 1);
}

// ---- Bad specs ----------------------------------------------------------------------------

// Expects Layer::make(s) to fail with a message containing every one of `parts`.
void ExpectError(const LayerSpec& s, std::initializer_list<std::string> parts) {
  auto r = Layer::make(s);
  ASSERT_FALSE(r.ok()) << "accepted a bad spec";
  for (const auto& p : parts)
    EXPECT_NE(r.error().message.find(p), std::string::npos)
        << "message '" << r.error().message << "' lacks '" << p << "'";
}

TEST(ErrorsLayer, ZeroOrNegativeSizesNameTheField) {
  struct Case {
    const char* field;
    std::int64_t LayerSpec::*member;
  };
  const Case cases[] = {{"batch", &LayerSpec::batch},
                        {"in_channels", &LayerSpec::in_channels},
                        {"out_channels", &LayerSpec::out_channels},
                        {"in_h", &LayerSpec::in_h},
                        {"in_w", &LayerSpec::in_w},
                        {"filter_h", &LayerSpec::filter_h},
                        {"filter_w", &LayerSpec::filter_w},
                        {"stride_h", &LayerSpec::stride_h},
                        {"stride_w", &LayerSpec::stride_w},
                        {"dilation_h", &LayerSpec::dilation_h},
                        {"dilation_w", &LayerSpec::dilation_w},
                        {"groups", &LayerSpec::groups}};
  for (const auto& c : cases) {
    for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-3}}) {
      LayerSpec s = Conv(4, 4, 8, 3);
      s.name = "conv7";
      s.*c.member = bad;
      SCOPED_TRACE(std::string(c.field) + " = " + std::to_string(bad));
      ExpectError(s, {"conv7", std::string("'") + c.field + "'", "positive", std::to_string(bad)});
    }
  }
}

TEST(ErrorsLayer, NegativePaddingNamesTheField) {
  for (auto member :
       {&LayerSpec::pad_top, &LayerSpec::pad_bottom, &LayerSpec::pad_left, &LayerSpec::pad_right}) {
    LayerSpec s = Conv(4, 4, 8, 3);
    s.*member = -1;
    ExpectError(s, {"pad_", "negative"});
  }
  LayerSpec s = Conv(4, 4, 8, 3);
  s.pad_left = -1;
  ExpectError(s, {"'pad_left'"});
}

TEST(ErrorsLayer, EmptyName) {
  LayerSpec s = Conv(4, 4, 8, 3);
  s.name.clear();
  ExpectError(s, {"'name'"});
}

TEST(ErrorsLayer, GroupsMustDivideBothChannelCounts) {
  LayerSpec s = Conv(96, 256, 27, 5);
  s.groups = 5;
  ExpectError(s, {"'groups' = 5", "in_channels = 96"});
  s = Conv(96, 250, 27, 5);
  s.groups = 3;  // divides 96 but not 250
  ExpectError(s, {"'groups' = 3", "out_channels = 250"});
}

TEST(ErrorsLayer, DensitiesOutsideZeroToOne) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Tensor t : kAllTensors) {
    for (double bad : {-0.1, 1.5, nan}) {
      LayerSpec s = Conv(4, 4, 8, 3);
      (t == Tensor::Weights ? s.weights : t == Tensor::Inputs ? s.inputs : s.outputs).density = bad;
      SCOPED_TRACE(std::string(tensor_name(t)));
      ExpectError(s, {std::string(tensor_name(t)) + " density", "[0, 1]"});
    }
  }
  // The bounds themselves are fine.
  LayerSpec ok = Conv(4, 4, 8, 3);
  ok.inputs.density = 0.0;
  ok.weights.density = 1.0;
  EXPECT_TRUE(Layer::make(ok).ok());
}

TEST(ErrorsLayer, BitwidthOutOfRange) {
  LayerSpec s = Conv(4, 4, 8, 3);
  s.weights.bits = 0;
  ExpectError(s, {"weights bitwidth", "[1, 64]"});
  s = Conv(4, 4, 8, 3);
  s.outputs.bits = 65;
  ExpectError(s, {"outputs bitwidth"});
}

TEST(ErrorsLayer, FilterLargerThanPaddedInput) {
  ExpectError(Conv(1, 1, 4, 5), {"filter height 5", "padded input height 4"});
  LayerSpec s = Conv(1, 1, 8, 3);
  s.in_w = 2;
  ExpectError(s, {"filter width 3", "padded input width 2"});
  // Dilation counts: a 3-tap filter with dilation 3 spans 7 > 6.
  s = Conv(1, 1, 6, 3);
  s.dilation_h = 3;
  ExpectError(s, {"dilated 7", "height 6"});
}

TEST(ErrorsLayer, AbsurdSizesAreRejectedNotWrapped) {
  // 10^12 channels is far beyond any real layer; it is refused by name before any count is made.
  LayerSpec s = Conv(4, 4, 8, 3);
  s.in_channels = 1'000'000'000'000;
  ExpectError(s, {"'in_channels'", "1000000000000", "absurdly large"});
  s = Conv(4, 4, 8, 3);
  s.out_channels = 1'000'000'000'000;
  ExpectError(s, {"'out_channels'"});
  s = Conv(4, 4, 8, 3);
  s.pad_top = 1'000'000'000'000;
  ExpectError(s, {"'pad_top'", "absurdly large"});
}

TEST(ErrorsLayer, MacCountOverflowingSixtyFourBits) {
  // Each extent is allowed (2^30), but M·C·P·Q = 2^120 does not fit in 64 bits.
  const std::int64_t big = std::int64_t{1} << 30;
  LayerSpec s = Conv(big, big, big, 1);
  ExpectError(s, {"MAC count overflows 64 bits"});
}

TEST(ErrorsLayer, TensorSizeOverflowingSixtyFourBits) {
  // A huge stride keeps the MAC count small (one window per row and column), but the ifmap
  // itself, C·H·W = 2^90, cannot be counted.
  const std::int64_t big = std::int64_t{1} << 30;
  LayerSpec s = Conv(big, 1, big, 1, big);
  ExpectError(s, {"inputs", "overflows 64 bits"});
}

TEST(ErrorsLayer, WithBatchValidatesTheNewBatch) {
  const Layer l = Make(Conv(4, 4, 8, 3));
  auto r = l.with_batch(0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'batch'"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

TEST(ErrorsLayerKinds, DepthwiseNeedsOneInputChannelPerGroup) {
  LayerSpec s;
  s.name = "dw";
  s.type = LayerType::Depthwise;
  s.in_channels = s.out_channels = 8;
  s.groups = 4;
  s.in_h = s.in_w = 5;
  s.filter_h = s.filter_w = 3;
  auto l = Layer::make(s);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("'groups' must equal in_channels = 8"), std::string::npos)
      << l.error().message;
  s.groups = 8;
  EXPECT_TRUE(Layer::make(s).ok());
}

TEST(ErrorsLayerKinds, FcFilterCoversTheInput) {
  LayerSpec s;
  s.name = "fc";
  s.type = LayerType::FC;
  s.in_channels = 16;
  s.out_channels = 4;
  s.in_h = s.in_w = 2;
  s.filter_h = s.filter_w = 1;
  auto l = Layer::make(s);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("filter covers its whole input"), std::string::npos);
  s.filter_h = s.filter_w = 2;
  EXPECT_TRUE(Layer::make(s).ok());
}

}  // namespace
}  // namespace erg
