// Running ONNX models with OpenCV (erg/onnx_runner.h): every layer's weights, inputs and outputs in
// erg's layout, checked against a direct computation; random weights; refusals.
#include "erg/onnx_runner.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "erg/network_simulation.h"
#include "erg/onnx_import.h"
#include "sim/tiny_model.h"

namespace erg {
namespace {

namespace fs = std::filesystem;
using testing::add_init;
using testing::add_node;
using testing::bytes_of;
using testing::set_input;
using testing::small_ints;
using testing::tiny_model;
using testing::TinyModel;

std::vector<std::uint8_t> nz(const std::vector<float>& v) {
  std::vector<std::uint8_t> m(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) m[i] = v[i] != 0;
  return m;
}

TEST(ModelRunner, LayerDataEqualADirectComputationInErgsLayout) {
  const TinyModel t = tiny_model();
  OnnxImportOptions io;
  io.keep_model = true;
  auto imported = import_onnx(bytes_of(t.proto), "tiny.onnx", "", io);
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  ASSERT_EQ(imported->network.layers.size(), 3u);
  auto made = ModelRunner::make(*imported, "tiny.onnx");
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  ModelRunner runner = std::move(made).value();
  EXPECT_EQ(runner.batch(), 1);
  EXPECT_EQ(runner.input_shape().channels, 1);
  EXPECT_EQ(runner.input_shape().height, 6);

  std::mt19937_64 rng(5);
  const std::vector<float> x = small_ints(rng, 36, -1, 2);
  auto data = runner.run(x.data());
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  ASSERT_EQ(data->size(), 3u);

  // Conv + Relu, directly.
  std::vector<float> r1(72, 0);
  for (int m = 0; m < 2; ++m)
    for (int p = 0; p < 6; ++p)
      for (int q = 0; q < 6; ++q) {
        float s = 0;
        for (int r = 0; r < 3; ++r)
          for (int c = 0; c < 3; ++c) {
            const int h = p + r - 1, w = q + c - 1;
            if (h >= 0 && h < 6 && w >= 0 && w < 6) s += t.w1[m * 9 + r * 3 + c] * x[h * 6 + w];
          }
        r1[m * 36 + p * 6 + q] = std::max(s, 0.0f);
      }
  // Gemm (B stored 72 × 5) + bias + Relu; MatMul (B stored 5 × 3).
  std::vector<float> r2(5), y(3);
  for (int j = 0; j < 5; ++j) {
    float s = t.b2[j];
    for (int k = 0; k < 72; ++k) s += r1[k] * t.w2[k * 5 + j];
    r2[j] = std::max(s, 0.0f);
  }
  for (int j = 0; j < 3; ++j) {
    float s = 0;
    for (int k = 0; k < 5; ++k) s += r2[k] * t.w3[k * 3 + j];
    y[j] = s;
  }
  std::vector<float> w2t(5 * 72), w3t(3 * 5);  // erg's (m, c) layout
  for (int k = 0; k < 72; ++k)
    for (int j = 0; j < 5; ++j) w2t[j * 72 + k] = t.w2[k * 5 + j];
  for (int k = 0; k < 5; ++k)
    for (int j = 0; j < 3; ++j) w3t[j * 5 + k] = t.w3[k * 3 + j];

  const LayerData& conv = (*data)[0];
  EXPECT_EQ(conv.weights, nz(t.w1));
  EXPECT_EQ(conv.inputs, nz(x));
  EXPECT_EQ(conv.outputs, nz(r1));  // after the Relu
  const LayerData& gemm = (*data)[1];
  EXPECT_EQ(gemm.weights, nz(w2t));
  EXPECT_EQ(gemm.inputs, nz(r1));
  EXPECT_EQ(gemm.outputs, nz(r2));
  const LayerData& mm = (*data)[2];
  EXPECT_EQ(mm.weights, nz(w3t));
  EXPECT_EQ(mm.inputs, nz(r2));
  EXPECT_EQ(mm.outputs, nz(y));
  // Some zeros and some non-zeros everywhere, or the test proves little.
  for (const auto* v : {&conv.inputs, &conv.outputs, &gemm.weights, &gemm.outputs}) {
    const auto ones = std::count(v->begin(), v->end(), 1);
    EXPECT_GT(ones, 0);
    EXPECT_LT(ones, static_cast<long>(v->size()));
  }
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(check_layer_data(imported->network.layers[i], (*data)[i]).ok());
}

TEST(RandomWeights, FillOnlyEmptyInitializersReproducibly) {
  const TinyModel t = tiny_model(/*with_data=*/false);
  int filled = 0;
  auto a = fill_random_weights(bytes_of(t.proto), "tiny.onnx", 7, &filled);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(filled, 4);
  auto b = fill_random_weights(bytes_of(t.proto), "tiny.onnx", 7);
  auto c = fill_random_weights(bytes_of(t.proto), "tiny.onnx", 8);
  ASSERT_TRUE(b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(*a));
  for (const auto& init : m.graph().initializer()) {
    ASSERT_EQ(init.raw_data().size() % 4, 0u);
    std::vector<float> v(init.raw_data().size() / 4);
    std::memcpy(v.data(), init.raw_data().data(), init.raw_data().size());
    if (init.name() == "b2") {
      for (float x : v) EXPECT_EQ(x, 0.0f);  // a bias
    } else if (init.name() == "w2") {
      // He: standard deviation √(2 / fan-in), fan-in 5 (dims 72 × 5).
      double sq = 0;
      for (float x : v) sq += double{x} * x;
      EXPECT_NEAR(std::sqrt(sq / v.size()), std::sqrt(2.0 / 5), 0.1);
    }
  }
  // A model that holds its weights is left as it is.
  const TinyModel full = tiny_model();
  int none = -1;
  auto same = fill_random_weights(bytes_of(full.proto), "tiny.onnx", 7, &none);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(none, 0);
}

TEST(ModelRunner, ShapeOnlyModelsNeedRandomWeights) {
  const TinyModel t = tiny_model(/*with_data=*/false);
  OnnxImportOptions io;
  io.keep_model = true;
  auto imported = import_onnx(bytes_of(t.proto), "tiny.onnx", "", io);
  ASSERT_TRUE(imported.ok());
  auto runner = ModelRunner::make(*imported, "tiny.onnx");
  ASSERT_FALSE(runner.ok());
  EXPECT_NE(runner.error().to_string().find("--random-weights"), std::string::npos)
      << runner.error().to_string();
}

TEST(ModelRunner, ConvTransposeAndNonImageInputsAreRefusedNamingThem) {
  TinyModel t = tiny_model();
  auto* g = t.proto.mutable_graph();
  g->mutable_node(0)->set_op_type("ConvTranspose");
  // ConvTranspose's weights are (input channels, output channels / group, kh, kw).
  auto* w1 = g->mutable_initializer(0);
  w1->clear_dims();
  for (std::int64_t d : {1, 2, 3, 3}) w1->add_dims(d);
  OnnxImportOptions io;
  io.keep_model = true;
  auto imported = import_onnx(bytes_of(t.proto), "tiny.onnx", "", io);
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  auto runner = ModelRunner::make(*imported, "tiny.onnx");
  ASSERT_FALSE(runner.ok());
  EXPECT_NE(runner.error().to_string().find("ConvTranspose"), std::string::npos);

  // A 2-D input is not an image.
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* h = m.mutable_graph();
  h->set_name("mlp");
  set_input(h, "x", {1, 4});
  add_init(h, "w", {4, 2}, {1, 0, 0, 1, 1, 1, 0, 0});
  add_node(h, "MatMul", {"x", "w"}, "y");
  h->add_output()->set_name("y");
  auto mi = import_onnx(bytes_of(m), "mlp.onnx", "", io);
  ASSERT_TRUE(mi.ok()) << mi.error().to_string();
  auto mr = ModelRunner::make(*mi, "mlp.onnx");
  ASSERT_FALSE(mr.ok());
  EXPECT_NE(mr.error().to_string().find("N×C×H×W"), std::string::npos) << mr.error().to_string();
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

// Opset-13 Clip takes its bounds as inputs (here from Constant nodes, as PyTorch writes ReLU6);
// OpenCV 4.6 reads only bounds as attributes: the cleaned model moves them there.
TEST(ModelRunner, ClipWithBoundInputsRunsAndCountsAsTheActivation) {
  testing::TinyModel t = testing::tiny_model();
  auto* g = t.proto.mutable_graph();
  for (auto [name, value] : {std::pair{"lo", 0.0f}, std::pair{"hi", 6.0f}}) {
    auto* c = g->add_node();
    c->set_op_type("Constant");
    c->add_output(name);
    auto* a = c->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(value);
  }
  // The Constant nodes go first; the Relu after the conv becomes Clip(c1, lo, hi).
  for (int i = g->node_size() - 1; i >= 2; --i) g->mutable_node()->SwapElements(i, i - 2);
  for (auto& n : *g->mutable_node())
    if (n.op_type() == "Relu" && n.input(0) == "c1") {
      n.set_op_type("Clip");
      n.add_input("lo");
      n.add_input("hi");
    }
  OnnxImportOptions io;
  io.keep_model = true;
  auto imported = import_onnx(testing::bytes_of(t.proto), "clip.onnx", "", io);
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  auto made = ModelRunner::make(*imported, "clip.onnx");
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  ModelRunner runner = std::move(made).value();
  std::vector<float> x(36, 1.0f);
  auto data = runner.run(x.data());
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  // The conv's output is read after the Clip: as many non-zeros as the Gemm's input has.
  EXPECT_EQ((*data)[0].outputs, (*data)[1].inputs);
}

}  // namespace
}  // namespace erg
