// ONNX models with weights from trainable networks (erg/prune/onnx_writer.h).
#include "erg/prune/onnx_writer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "erg/onnx_import.h"

namespace erg::prune {

namespace {

void add_ints(onnx::NodeProto* n, const char* name, std::initializer_list<std::int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t x : v) a->add_ints(x);
}

void add_int(onnx::NodeProto* n, const char* name, std::int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                          std::initializer_list<std::string> inputs, const std::string& output) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

void add_initializer(onnx::GraphProto* g, const std::string& name, const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kFloat).contiguous();
  auto* init = g->add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : c.sizes()) init->add_dims(d);
  // raw_data is little-endian float32, as x86-64 stores it.
  init->set_raw_data(std::string(reinterpret_cast<const char*>(c.data_ptr<float>()),
                                 static_cast<std::size_t>(c.numel()) * sizeof(float)));
}

void set_shape(onnx::ValueInfoProto* v, const std::string& name,
               std::initializer_list<std::int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace

Result<std::string> onnx_model_bytes(const TrainableNet& net) {
  const Network& nw = net.network();
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("erg");
  model.set_model_version(1);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* g = model.mutable_graph();
  g->set_name(nw.name.empty() ? "erg" : nw.name);
  const LayerSpec& first = nw.layers.front().spec();
  set_shape(g->add_input(), "input", {first.batch, first.in_channels, first.in_h, first.in_w});
  try {
    std::string x = "input";
    for (std::size_t i = 0; i < net.num_layers(); ++i) {
      const Layer& l = nw.layers[i];
      const LayerSpec& s = l.spec();
      const LayerPlan& plan = net.plan(i);
      const std::string& name = l.name();
      if (plan.flatten) {
        add_int(add_node(g, "Flatten", name + ".flatten", {x}, name + ".flat"), "axis", 1);
        x = name + ".flat";
      }
      add_initializer(g, name + ".weight", net.weight(i) * net.mask(i));
      add_initializer(g, name + ".bias", net.bias(i));
      const bool last = i + 1 == net.num_layers();
      const std::string out = last && l.type() == LayerType::FC ? "logits" : name + ".out";
      if (l.type() == LayerType::FC) {
        add_int(add_node(g, "Gemm", name, {x, name + ".weight", name + ".bias"}, out), "transB", 1);
      } else {
        auto* n = add_node(g, "Conv", name, {x, name + ".weight", name + ".bias"}, out);
        add_ints(n, "kernel_shape", {s.filter_h, s.filter_w});
        add_ints(n, "strides", {s.stride_h, s.stride_w});
        add_ints(n, "dilations", {s.dilation_h, s.dilation_w});
        add_ints(n, "pads", {s.pad_top, s.pad_left, s.pad_bottom, s.pad_right});
        add_int(n, "group", s.groups);
      }
      x = out;
      if (plan.relu) {
        add_node(g, "Relu", name + ".relu", {x}, name + ".relu.out");
        x = name + ".relu.out";
      }
      const PoolSpec& p = plan.pool;
      if (p.adaptive) {
        if (p.out_h != 1 || p.out_w != 1)
          return make_error(
              fmt::format("layer '{}': adaptive max pooling to {}×{} has no ONNX operator", name,
                          p.out_h, p.out_w));
        add_node(g, "GlobalMaxPool", name + ".pool", {x}, name + ".pool.out");
        x = name + ".pool.out";
      } else if (!p.none()) {
        auto* n = add_node(g, "MaxPool", name + ".pool", {x}, name + ".pool.out");
        add_ints(n, "kernel_shape", {p.kernel_h, p.kernel_w});
        add_ints(n, "strides", {p.stride_h, p.stride_w});
        x = name + ".pool.out";
      }
    }
    // A last CONV layer's ofmap flattened to N × M·P·Q logits.
    if (x != "logits") add_int(add_node(g, "Flatten", "logits", {x}, "logits"), "axis", 1);
  } catch (const std::exception& e) {
    return make_error(fmt::format("ONNX export of '{}': libtorch: {}", nw.name, e.what()));
  }
  set_shape(g->add_output(), "logits", {first.batch, net.num_outputs()});
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return make_error(fmt::format("ONNX export of '{}': the ONNX checker refuses the model: {}",
                                  nw.name, e.what()));
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return make_error(
        fmt::format("ONNX export of '{}': protobuf cannot serialise the model "
                    "(2 GiB or more?)",
                    nw.name));
  return bytes;
}

Status write_onnx_file(const TrainableNet& net, const std::string& path) {
  auto bytes = onnx_model_bytes(net);
  if (!bytes) return bytes.error();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  f.close();
  if (!f) {
    Error e = make_error("cannot write the ONNX model");
    e.file = path;
    return e;
  }
  return Ok{};
}

namespace {

// A float32 initializer's values as a tensor of its dims.
Result<at::Tensor> initializer_tensor(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    return make_error(fmt::format("{}: initializer '{}' is not float32", what, t.name()));
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return make_error(
        fmt::format("{}: initializer '{}' is stored as external data", what, t.name()));
  std::vector<std::int64_t> dims(t.dims().begin(), t.dims().end());
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0 || (d > 0 && n > (std::int64_t{1} << 40) / d))
      return make_error(fmt::format("{}: initializer '{}' has invalid dims", what, t.name()));
    n *= d;
  }
  at::Tensor out = at::empty(dims, at::kFloat);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(float))
      return make_error(fmt::format("{}: initializer '{}' holds {} bytes for {} floats", what,
                                    t.name(), t.raw_data().size(), n));
    std::memcpy(out.data_ptr<float>(), t.raw_data().data(), t.raw_data().size());
  } else {
    if (t.float_data_size() != n)
      return make_error(fmt::format("{}: initializer '{}' holds {} values for {}", what, t.name(),
                                    t.float_data_size(), n));
    std::copy(t.float_data().begin(), t.float_data().end(), out.data_ptr<float>());
  }
  return out;
}

}  // namespace

Result<TrainableNet> read_onnx_trainable(const std::string& path) {
  auto imported = import_onnx_file(path);
  if (!imported) return imported.error();
  auto built = TrainableNet::build(imported->network);
  if (!built) return built.error();
  TrainableNet net = std::move(built).value();
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) {
    Error e = make_error("cannot read the ONNX model");
    e.file = path;
    return e;
  }
  const auto& g = model.graph();
  std::unordered_map<std::string, const onnx::TensorProto*> inits;
  for (const auto& t : g.initializer()) inits[t.name()] = &t;
  std::size_t layer = 0;
  try {
    for (int k = 0; k < g.node_size(); ++k) {
      const auto& n = g.node(k);
      const std::string what = fmt::format("{}: node '{}' ({})", path, n.name(), n.op_type());
      if (n.op_type() == "ConvTranspose" || n.op_type() == "MatMul")
        return make_error(fmt::format("{}: not readable as a trainable layer", what));
      if (n.op_type() != "Conv" && n.op_type() != "Gemm") continue;
      if (layer >= net.num_layers())
        return make_error(fmt::format("{}: more Conv/Gemm nodes than layers", what));
      auto find = [&](int input) -> const onnx::TensorProto* {
        if (n.input_size() <= input) return nullptr;
        auto it = inits.find(n.input(input));
        return it == inits.end() ? nullptr : it->second;
      };
      const onnx::TensorProto* wt = find(1);
      if (!wt) return make_error(fmt::format("{}: its weights are not an initializer", what));
      auto w = initializer_tensor(*wt, what);
      if (!w) return w.error();
      at::Tensor weight = *w;
      if (n.op_type() == "Gemm") {
        std::int64_t trans_b = 0;
        for (const auto& a : n.attribute())
          if (a.name() == "transB") trans_b = a.i();
        if (trans_b == 0) weight = weight.t().contiguous();
      }
      const at::Tensor target = net.weight(layer);
      if (weight.numel() != target.numel())
        return make_error(
            fmt::format("{}: {} weights, the layer has {}", what, weight.numel(), target.numel()));
      weight = weight.reshape(target.sizes());
      at::Tensor bias;
      if (const onnx::TensorProto* bt = find(2)) {
        auto b = initializer_tensor(*bt, what);
        if (!b) return b.error();
        if (b->numel() != net.bias(layer).numel())
          return make_error(fmt::format("{}: {} biases for {} outputs", what, b->numel(),
                                        net.bias(layer).numel()));
        bias = b->reshape(net.bias(layer).sizes());
      }
      if (auto st = net.set_mask(layer, weight.ne(0).to(at::kFloat)); !st) return st.error();
      if (auto st = net.set_weight(layer, weight, bias); !st) return st.error();
      ++layer;
    }
  } catch (const std::exception& e) {
    return make_error(fmt::format("{}: libtorch: {}", path, e.what()));
  }
  if (layer != net.num_layers())
    return make_error(
        fmt::format("{}: {} Conv/Gemm nodes for {} layers", path, layer, net.num_layers()));
  return net;
}

}  // namespace erg::prune
