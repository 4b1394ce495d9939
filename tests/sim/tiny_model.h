// A small ONNX model with integer-valued weights, built in memory, for the simulation tests.
#pragma once

#include <onnx/onnx_pb.h>

#include <random>
#include <string>
#include <vector>

namespace erg::testing {

// A small model: x[1,1,6,6] → Conv(2 filters 3×3, pad 1) → Relu → Flatten → Gemm(B stored 72×5,
// transB 0, bias) → Relu → MatMul(B 5×3) → y. Integer-valued data keep every sum exact.
struct TinyModel {
  std::vector<float> w1, w2, b2, w3;
  onnx::ModelProto proto;
};

inline onnx::TensorProto* add_init(onnx::GraphProto* g, const std::string& name,
                                   const std::vector<std::int64_t>& dims,
                                   const std::vector<float>& v) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  for (float x : v) t->add_float_data(x);
  return t;
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                                 const std::vector<std::string>& in, const std::string& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out + "_node");
  for (const auto& i : in) n->add_input(i);
  n->add_output(out);
  return n;
}

inline void set_input(onnx::GraphProto* g, const std::string& name,
                      std::vector<std::int64_t> dims) {
  auto* in = g->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

inline std::vector<float> small_ints(std::mt19937_64& rng, std::size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(d(rng));
  return v;
}

inline TinyModel tiny_model(bool with_data = true) {
  TinyModel t;
  std::mt19937_64 rng(11);
  t.w1 = small_ints(rng, 2 * 9, -2, 2);
  t.w2 = small_ints(rng, 72 * 5, -1, 1);
  t.b2 = small_ints(rng, 5, -1, 1);
  t.w3 = small_ints(rng, 5 * 3, -1, 2);
  auto& m = t.proto;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  set_input(g, "x", {1, 1, 6, 6});
  auto empty = [&](const std::vector<float>& v) { return with_data ? v : std::vector<float>(); };
  add_init(g, "w1", {2, 1, 3, 3}, empty(t.w1));
  add_init(g, "w2", {72, 5}, empty(t.w2));
  add_init(g, "b2", {5}, empty(t.b2));
  add_init(g, "w3", {5, 3}, empty(t.w3));
  auto* conv = add_node(g, "Conv", {"x", "w1"}, "c1");
  for (const char* a : {"pads"}) {
    auto* at = conv->add_attribute();
    at->set_name(a);
    at->set_type(onnx::AttributeProto::INTS);
    for (int k = 0; k < 4; ++k) at->add_ints(1);
  }
  add_node(g, "Relu", {"c1"}, "r1");
  add_node(g, "Flatten", {"r1"}, "f");
  add_node(g, "Gemm", {"f", "w2", "b2"}, "g2");
  add_node(g, "Relu", {"g2"}, "r2");
  add_node(g, "MatMul", {"r2", "w3"}, "y");
  g->add_output()->set_name("y");
  return t;
}

inline std::string bytes_of(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

}  // namespace erg::testing
