// The ONNX importer (erg/onnx_import.h) on real exported models, on ONNX's own test models, and on
// hand-built graphs that must be refused.
//
// Models under tests/data/onnx/ were written by scripts/export-torchvision-models (torchvision's
// architectures, initializer data stripped) and scripts/export-onnx-test-models (small models with
// weights). ONNX's pytorch-converted test models come from Debian's libonnx-testdata.
#include "erg/onnx_import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "erg/layer_overrides.h"
#include "erg/zoo.h"

namespace erg {
namespace {

namespace fs = std::filesystem;

const std::string kOnnxDir = std::string(ERG_SOURCE_DIR) + "/tests/data/onnx/";
const std::string kTestData = "/usr/share/libonnx-testdata/data/pytorch-converted/";

OnnxImport must_import(const std::string& path, const OnnxImportOptions& o = {}) {
  auto r = import_onnx_file(path, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : OnnxImport{};
}

bool has_warning(const OnnxImport& r, const std::string& part) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

int op_count(const std::vector<OnnxOperatorCount>& ops, const std::string& op) {
  for (const auto& o : ops)
    if (o.op == op) return o.count;
  return 0;
}

std::string serialize(const onnx::ModelProto& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

// ---------------------------------------------------------------------------------------------
// torchvision's architectures, shape-only.

struct Exported {
  const char* file;
  std::size_t layers;
};

TEST(OnnxImport, EveryExportedTorchvisionModelImportsShapeOnly) {
  const Exported models[] = {{"alexnet", 8},   {"vgg16", 16},         {"googlenet", 58},
                             {"resnet50", 54}, {"squeezenet1_0", 26}, {"mobilenet_v2", 53}};
  for (const auto& m : models) {
    SCOPED_TRACE(m.file);
    const OnnxImport r = must_import(kOnnxDir + m.file + ".onnx");
    EXPECT_EQ(r.network.layers.size(), m.layers);
    EXPECT_EQ(r.network.name, m.file);
    EXPECT_FALSE(r.weights_measured);
    EXPECT_TRUE(has_warning(r, "shape-only")) << "one warning says the weights hold no data";
    EXPECT_GT(op_count(r.not_modelled, "Relu") + op_count(r.not_modelled, "Clip"), 0)
        << "activations are listed as not modelled, never dropped silently";
    for (const Layer& l : r.network.layers) {
      EXPECT_EQ(l.format(Tensor::Weights).density, 1.0) << l.name();
      EXPECT_EQ(l.dim(Dim::N), 1) << l.name();
    }
  }
}

// Pairs each zoo layer with the imported layer of the same (C, M, groups) in order of appearance.
std::vector<std::pair<const Layer*, const Layer*>> pair_layers(const Network& zoo,
                                                               const Network& onnx) {
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::vector<const Layer*>> pool;
  for (const Layer& l : onnx.layers)
    pool[{l.spec().in_channels, l.spec().out_channels, l.spec().groups}].push_back(&l);
  std::vector<std::pair<const Layer*, const Layer*>> pairs;
  for (const Layer& z : zoo.layers) {
    auto& v = pool[{z.spec().in_channels, z.spec().out_channels, z.spec().groups}];
    EXPECT_FALSE(v.empty()) << "no imported layer like zoo layer " << z.name();
    if (v.empty()) continue;
    pairs.emplace_back(&z, v.front());
    v.erase(v.begin());
  }
  return pairs;
}

TEST(OnnxImport, VggAndSqueezeNetEqualTheZooLayerByLayer) {
  for (auto [zoo_name, file] : {std::pair{"vgg16", "vgg16"}, {"squeezenet", "squeezenet1_0"}}) {
    SCOPED_TRACE(zoo_name);
    const Network zoo = zoo_network(zoo_name).value();
    const OnnxImport r = must_import(kOnnxDir + file + ".onnx");
    ASSERT_EQ(r.network.layers.size(), zoo.layers.size());
    for (std::size_t i = 0; i < zoo.layers.size(); ++i) {
      EXPECT_EQ(r.network.layers[i].macs(), zoo.layers[i].macs()) << zoo.layers[i].name();
      EXPECT_EQ(r.network.layers[i].weight_count(), zoo.layers[i].weight_count())
          << zoo.layers[i].name();
    }
    EXPECT_EQ(r.network.conv_macs(), zoo.conv_macs());
    EXPECT_EQ(r.network.conv_weights(), zoo.conv_weights());
    EXPECT_EQ(r.network.fc_macs(), zoo.fc_macs());
    EXPECT_EQ(r.network.fc_weights(), zoo.fc_weights());
  }
}

// torchvision's GoogLeNet uses a 3×3 convolution where the paper's inception modules have 5×5
// (its "branch3"), with the same channels; every other layer equals the zoo's.
TEST(OnnxImport, GoogLeNetEqualsTheZooExceptTorchvisionsThreeByThreeBranch) {
  const Network zoo = zoo_network("googlenet").value();
  const OnnxImport r = must_import(kOnnxDir + "googlenet.onnx");
  int five_by_five = 0;
  for (auto [z, o] : pair_layers(zoo, r.network)) {
    if (z->spec().filter_h == 5) {
      ++five_by_five;
      EXPECT_EQ(o->spec().filter_h, 3) << o->name();
      EXPECT_EQ(o->macs() * 25, z->macs() * 9) << o->name();
      EXPECT_EQ(o->weight_count() * 25, z->weight_count() * 9) << o->name();
    } else {
      EXPECT_EQ(o->macs(), z->macs()) << z->name() << " vs " << o->name();
      EXPECT_EQ(o->weight_count(), z->weight_count()) << z->name() << " vs " << o->name();
    }
  }
  EXPECT_EQ(five_by_five, 9) << "one per inception module";
}

// torchvision's ResNet-50 is "v1.5": a downsampling bottleneck strides in its 3×3 conv, not in its
// first 1×1, so that 1×1 runs at the input's resolution (4× the positions) in stages 3–5. Weights
// equal the zoo's (the authors' Caffe release) layer by layer.
TEST(OnnxImport, ResNet50EqualsTheZooExceptTheV15StridePlacement) {
  const Network zoo = zoo_network("resnet50").value();
  const OnnxImport r = must_import(kOnnxDir + "resnet50.onnx");
  EXPECT_EQ(r.network.weights(), zoo.weights());
  int quadrupled = 0;
  for (auto [z, o] : pair_layers(zoo, r.network)) {
    EXPECT_EQ(o->weight_count(), z->weight_count()) << z->name();
    if (o->macs() == 4 * z->macs()) {
      ++quadrupled;
      EXPECT_EQ(z->spec().stride_h, 2) << z->name();
      EXPECT_EQ(z->spec().filter_h, 1) << z->name();
    } else {
      EXPECT_EQ(o->macs(), z->macs()) << z->name();
    }
  }
  EXPECT_EQ(quadrupled, 3);
}

// AlexNet in torchvision is the one-group variant (64, 192, 384, 256, 256 filters), and MobileNet
// v2 is not in the zoo; both are checked against torchvision's published parameter counts
// (61,100,840 and 3,504,872), which add biases (AlexNet: every layer; MobileNet v2: the classifier)
// and batch normalisation's scale and shift (2 per channel after every MobileNet v2 conv).
TEST(OnnxImport, AlexNetAndMobileNetV2MatchTorchvisionsParameterCounts) {
  const OnnxImport alex = must_import(kOnnxDir + "alexnet.onnx");
  std::uint64_t biases = 0;
  for (const Layer& l : alex.network.layers) biases += l.spec().out_channels;
  EXPECT_EQ(alex.network.weights() + biases, 61100840u);
  EXPECT_EQ(alex.network.layers[1].spec().groups, 1) << "torchvision's AlexNet has one group";

  const OnnxImport mb = must_import(kOnnxDir + "mobilenet_v2.onnx");
  std::uint64_t bn = 0, fc_bias = 0;
  for (const Layer& l : mb.network.layers) {
    if (l.type() == LayerType::FC) {
      fc_bias += l.spec().out_channels;
    } else {
      bn += 2 * l.spec().out_channels;
    }
  }
  EXPECT_EQ(mb.network.weights() + bn + fc_bias, 3504872u);
  int depthwise = 0;
  for (const Layer& l : mb.network.layers) depthwise += l.type() == LayerType::Depthwise;
  EXPECT_EQ(depthwise, 17);
}

// ---------------------------------------------------------------------------------------------
// ONNX's pytorch-converted test models: the layer's ofmap must have the dims of the reference
// output ONNX ships with each model, and the (random, non-zero) weights measure density 1.

std::vector<std::int64_t> reference_output_dims(const std::string& dir) {
  std::ifstream in(dir + "/test_data_set_0/output_0.pb", std::ios::binary);
  onnx::TensorProto t;
  EXPECT_TRUE(t.ParseFromIstream(&in)) << dir;
  return {t.dims().begin(), t.dims().end()};
}

TEST(OnnxImport, OnnxPytorchConvertedConvAndGemmModelsGiveTheReferenceOutputShapes) {
  if (!fs::exists(kTestData)) GTEST_SKIP() << "libonnx-testdata is not installed";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kTestData)) {
    const std::string name = entry.path().filename().string();
    const bool conv = name.rfind("test_Conv", 0) == 0;
    if (!conv && name.rfind("test_Linear", 0) != 0) continue;
    SCOPED_TRACE(name);
    const std::string dir = entry.path().string();
    auto r = import_onnx_file(dir + "/model.onnx");
    const std::vector<std::int64_t> out = reference_output_dims(dir);
    if (out.size() == 5) {  // Conv3d: reported as not modelled, so nothing is left to estimate
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.error().message.find("no Conv"), std::string::npos) << r.error().message;
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->network.layers.size(), 1u);
    const Layer& l = r->network.layers[0];
    EXPECT_TRUE(r->weights_measured);
    EXPECT_EQ(l.format(Tensor::Weights).density, 1.0);
    if (out.size() == 2) {  // Gemm (rows in N) or MatMul (rows in P)
      EXPECT_EQ(l.dim(Dim::N) * l.dim(Dim::P), out[0]);
      EXPECT_EQ(l.dim(Dim::M), out[1]);
      ++checked;
      continue;
    }
    EXPECT_EQ(l.dim(Dim::N), out[0]);
    EXPECT_EQ(l.dim(Dim::G) * l.dim(Dim::M), out[1]);
    if (out.size() == 4) {
      EXPECT_EQ(l.dim(Dim::P), out[2]);
      EXPECT_EQ(l.dim(Dim::Q), out[3]);
    } else if (out.size() == 3) {  // 1-D conv: one row
      EXPECT_EQ(l.dim(Dim::P), 1);
      EXPECT_EQ(l.dim(Dim::Q), out[2]);
    }
    if (name.find("depthwise") != std::string::npos) EXPECT_EQ(l.type(), LayerType::Depthwise);
    if (name.find("groups") != std::string::npos) EXPECT_GT(l.dim(Dim::G), 1);
    if (name.find("Transpose") != std::string::npos) EXPECT_LT(l.format(Tensor::Inputs).density, 1);
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// ---------------------------------------------------------------------------------------------
// Constant propagation, measured densities, other operators.

TEST(OnnxImport, ShapeGatherReshapeChainsAreFoldedAndWeightsMeasured) {
  const OnnxImport r = must_import(kOnnxDir + "shape_chain.onnx");
  ASSERT_EQ(r.network.layers.size(), 3u);
  EXPECT_EQ(op_count(r.folded, "Shape"), 1);
  EXPECT_EQ(op_count(r.folded, "Gather"), 1);
  EXPECT_EQ(op_count(r.folded, "Concat"), 1);
  EXPECT_EQ(op_count(r.not_modelled, "Reshape"), 1);
  EXPECT_TRUE(r.weights_measured);
  EXPECT_TRUE(has_warning(r, "symbolic input dimensions taken as 1"));
  const Layer& fc = r.network.layers[2];
  EXPECT_EQ(fc.type(), LayerType::FC);
  EXPECT_EQ(fc.spec().in_channels, 16 * 14 * 14);
  EXPECT_EQ(r.network.layers[1].format(Tensor::Weights).density, 0.5)
      << "every other filter of conv2 is zero";
  EXPECT_EQ(r.network.layers[0].format(Tensor::Weights).density, 1.0);

  OnnxImportOptions o;
  o.symbolic_dim = 4;
  o.activations.density = 0.25;
  const OnnxImport b = must_import(kOnnxDir + "shape_chain.onnx", o);
  for (const Layer& l : b.network.layers) {
    EXPECT_EQ(l.dim(Dim::N), 4) << l.name();
    EXPECT_EQ(l.format(Tensor::Inputs).density, 0.25);
  }
}

TEST(OnnxImport, ConvTransposeConv1dAndMatMulsBecomeLayers) {
  const OnnxImport r = must_import(kOnnxDir + "misc_ops.onnx");
  ASSERT_EQ(r.network.layers.size(), 4u);
  // ConvTranspose 4→6, 3×3, stride 2, pad 1, output_padding 1 on 8×8: a 16×16 ofmap, computed as
  // a stride-1 conv over the 15×15 upsampled input, 64 of whose 225 positions are real.
  const Layer& up = r.network.layers[0];
  EXPECT_EQ(up.dim(Dim::P), 16);
  EXPECT_EQ(up.dim(Dim::Q), 16);
  EXPECT_EQ(up.weight_count(), 4u * 6 * 9);
  EXPECT_DOUBLE_EQ(up.format(Tensor::Inputs).density, 64.0 / 225.0);
  EXPECT_DOUBLE_EQ(up.nonzero_macs(), 6.0 * 4 * 16 * 16 * 9 * 64 / 225);
  // Conv1d 6→5, kernel 3, pad 1, over 256 positions.
  const Layer& c1 = r.network.layers[1];
  EXPECT_EQ(c1.dim(Dim::P), 1);
  EXPECT_EQ(c1.dim(Dim::Q), 256);
  EXPECT_EQ(c1.macs(), 5u * 6 * 256 * 3);
  // Batched matmul of two activations: 5 groups of (8×32)·(32×8).
  const Layer& attn = r.network.layers[2];
  EXPECT_EQ(attn.type(), LayerType::MatMul);
  EXPECT_EQ(attn.dim(Dim::G), 5);
  EXPECT_EQ(attn.macs(), 5u * 8 * 32 * 8);
  // A stored 32×7 matrix applied to 5 batches of 8 rows.
  const Layer& mm = r.network.layers[3];
  EXPECT_EQ(mm.dim(Dim::N), 5);
  EXPECT_EQ(mm.dim(Dim::P), 8);
  EXPECT_EQ(mm.weight_count(), 32u * 7);
  EXPECT_EQ(mm.macs(), 5u * 8 * 32 * 7);
}

// The same model with conv2's weights moved to an external data file: measured the same; with the
// file gone, shape-only with a warning.
TEST(OnnxImport, ExternalDataIsReadAndItsAbsenceMeansShapeOnly) {
  onnx::ModelProto m;
  {
    std::ifstream in(kOnnxDir + "shape_chain.onnx", std::ios::binary);
    ASSERT_TRUE(m.ParseFromIstream(&in));
  }
  const fs::path dir = fs::temp_directory_path() / ("erg_onnx_ext_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string blob;
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.dims_size() != 4 || t.dims(0) != 16) continue;  // conv2.weight
    const std::string raw = t.raw_data();
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* k, const std::string& v) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", "weights.bin");
    add("offset", "8");
    add("length", std::to_string(raw.size()));
    blob = std::string(8, 'x') + raw;
  }
  ASSERT_FALSE(blob.empty());
  std::ofstream(dir / "model.onnx", std::ios::binary) << serialize(m);
  std::ofstream(dir / "weights.bin", std::ios::binary) << blob;
  const OnnxImport with = must_import((dir / "model.onnx").string());
  EXPECT_EQ(with.network.layers[1].format(Tensor::Weights).density, 0.5);
  EXPECT_TRUE(with.weights_measured);

  fs::remove(dir / "weights.bin");
  const OnnxImport without = must_import((dir / "model.onnx").string());
  EXPECT_EQ(without.network.layers[1].format(Tensor::Weights).density, 1.0);
  EXPECT_FALSE(without.weights_measured);
  EXPECT_TRUE(has_warning(without, "1 of 3 layers' weights hold no data"));

  // A short external file is an error naming the tensor, not a silent shape-only import.
  std::ofstream(dir / "weights.bin", std::ios::binary) << blob.substr(0, 100);
  auto shortr = import_onnx_file((dir / "model.onnx").string());
  ASSERT_FALSE(shortr.ok());
  EXPECT_NE(shortr.error().message.find("shorter than"), std::string::npos);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Graphs that must be refused, with a message naming the node.

onnx::ModelProto tiny_conv_model(std::int64_t channels = 3) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : {std::int64_t{1}, channels, std::int64_t{8}, std::int64_t{8}})
    tt->mutable_shape()->add_dim()->set_dim_value(d);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : {std::int64_t{4}, channels, std::int64_t{3}, std::int64_t{3}})
    w->add_dims(d);
  auto* conv = g->add_node();
  conv->set_name("conv");
  conv->set_op_type("Conv");
  conv->add_input("x");
  conv->add_input("w");
  conv->add_output("y");
  g->add_output()->set_name("y");
  return m;
}

std::string import_error(const onnx::ModelProto& m) {
  auto r = import_onnx(serialize(m), "bad.onnx", "");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().to_string();
}

TEST(OnnxImport, CyclesDanglingEdgesAndGarbageAreRefusedNamingTheNode) {
  ASSERT_TRUE(import_onnx(serialize(tiny_conv_model()), "ok.onnx", "").ok());

  onnx::ModelProto cyc = tiny_conv_model();
  auto* relu = cyc.mutable_graph()->add_node();
  relu->set_name("loop_back");
  relu->set_op_type("Relu");
  relu->add_input("z");
  relu->add_output("r");
  auto* add = cyc.mutable_graph()->add_node();
  add->set_name("adder");
  add->set_op_type("Add");
  add->add_input("r");
  add->add_input("y");
  add->add_output("z");
  EXPECT_NE(import_error(cyc).find("cycle through node 'loop_back' (Relu)"), std::string::npos)
      << import_error(cyc);

  onnx::ModelProto dangling = tiny_conv_model();
  dangling.mutable_graph()->mutable_node(0)->set_input(1, "nowhere");
  const std::string d = import_error(dangling);
  EXPECT_NE(d.find("node 'conv' (Conv) reads 'nowhere'"), std::string::npos) << d;
  EXPECT_NE(d.find("bad.onnx"), std::string::npos) << d;

  onnx::ModelProto twice = tiny_conv_model();
  *twice.mutable_graph()->add_node() = twice.graph().node(0);
  EXPECT_NE(import_error(twice).find("which node 'conv' (Conv) writes too"), std::string::npos);

  auto garbage = import_onnx("this is not protobuf \x01\x02\xff", "junk.onnx", "");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("does not parse"), std::string::npos);
  EXPECT_EQ(garbage.error().file, "junk.onnx");
}

TEST(OnnxImport, UnknowableShapesAndAbsurdSizesAreErrorsNamingTheNode) {
  // A Reshape whose target shape is a graph input: no inference can know it.
  onnx::ModelProto m = tiny_conv_model();
  auto* g = m.mutable_graph();
  auto* s = g->add_input();
  s->set_name("target_shape");
  s->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  s->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  auto* reshape = g->add_node();
  reshape->set_name("flatten");
  reshape->set_op_type("Reshape");
  reshape->add_input("y");
  reshape->add_input("target_shape");
  reshape->add_output("flat");
  auto* fw = g->add_initializer();
  fw->set_name("fc_w");
  fw->set_data_type(onnx::TensorProto::FLOAT);
  fw->add_dims(144);
  fw->add_dims(10);
  auto* gemm = g->add_node();
  gemm->set_name("classifier");
  gemm->set_op_type("Gemm");
  gemm->add_input("flat");
  gemm->add_input("fc_w");
  gemm->add_output("logits");
  g->mutable_output(0)->set_name("logits");
  const std::string e = import_error(m);
  EXPECT_NE(e.find("node 'classifier' (Gemm): the shape of its input A 'flat' is unknown"),
            std::string::npos)
      << e;

  const std::string huge = import_error(tiny_conv_model(1'000'000'000'000));
  EXPECT_NE(huge.find("node 'conv' (Conv)"), std::string::npos) << huge;
  EXPECT_NE(huge.find("absurdly large"), std::string::npos) << huge;

  onnx::ModelProto bad_raw = tiny_conv_model();
  bad_raw.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(7, '\0'));
  EXPECT_NE(import_error(bad_raw).find("raw_data holds 7 bytes, but its dims need 432"),
            std::string::npos);
}

// A fuzzer-made model on which libonnx 1.12's shape inference crashed: an opset no ONNX has, an
// operator named "Conv;ranspose", an attribute "dilation*". The node checker now refuses it first.
TEST(OnnxImport, ModelsThatBreakOnnxsNodeCheckerAreRefusedBeforeShapeInference) {
  auto r = import_onnx_file(kOnnxDir + "fuzz_libonnx_crash.onnx");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("opset 77"), std::string::npos) << r.error().message;

  onnx::ModelProto m;
  {
    std::ifstream in(kOnnxDir + "fuzz_libonnx_crash.onnx", std::ios::binary);
    ASSERT_TRUE(m.ParseFromIstream(&in));
  }
  m.mutable_opset_import(0)->set_version(13);
  const std::string e = import_error(m);
  EXPECT_NE(e.find("node '/up/ConvTranspose' (Conv;ranspose) is malformed"), std::string::npos)
      << e;
  m.mutable_graph()->mutable_node(0)->set_op_type("ConvTranspose");
  const std::string attr = import_error(m);
  EXPECT_NE(attr.find("node '/conv1d/Conv' (Conv) is malformed"), std::string::npos) << attr;
  EXPECT_NE(attr.find("dilation*"), std::string::npos) << attr;
}

// Found by fuzz_onnx in CI: a node whose convolution/pooling attributes make libonnx's shape
// inference divide by zero. Such attributes are refused, naming the node, before inference.
TEST(OnnxImport, ZeroStridesAndGroupsAreRefusedBeforeShapeInference) {
  auto r = import_onnx_file(kOnnxDir + "fuzz_libonnx_fpe.onnx");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("attribute 'strides' must hold positive values"),
            std::string::npos)
      << r.error().message;

  onnx::ModelProto m = tiny_conv_model();
  auto* strides = m.mutable_graph()->mutable_node(0)->add_attribute();
  strides->set_name("strides");
  strides->set_type(onnx::AttributeProto::INTS);
  strides->add_ints(0);
  strides->add_ints(1);
  EXPECT_NE(import_error(m).find("node 'conv' (Conv): attribute 'strides' must hold positive"),
            std::string::npos)
      << import_error(m);
  onnx::ModelProto g = tiny_conv_model();
  auto* group = g.mutable_graph()->mutable_node(0)->add_attribute();
  group->set_name("group");
  group->set_type(onnx::AttributeProto::INT);
  group->set_i(0);
  EXPECT_NE(import_error(g).find("attribute 'group' must be positive"), std::string::npos)
      << import_error(g);
}

// Found by fuzz_onnx in CI: an opset-6 Gemm whose A is a scalar crashed libonnx's shape
// inference (it reads two dims without checking the rank). Declared ranks are checked first.
TEST(OnnxImport, GemmInputsOfTheWrongRankAreRefusedBeforeShapeInference) {
  auto r = import_onnx_file(kOnnxDir + "fuzz_gemm_scalar.onnx");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("has rank 0, it needs 2"), std::string::npos)
      << r.error().message;
}

// ---------------------------------------------------------------------------------------------
// Per-layer overrides (erg/layer_overrides.h), used with imported models.

TEST(LayerOverrides, SetTheNamedLayersAndRefuseUnknownOnesWithAHint) {
  Network net = must_import(kOnnxDir + "shape_chain.onnx").network;
  auto o = parse_layer_overrides(
      "version: 1\nlayers:\n  conv2: {inputs: 0.5, outputs: {density: 0.25, bits: 8}}\n"
      "  FC: {weights: {bits: 4}}\n",
      "dens.yaml");
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  ASSERT_TRUE(apply_layer_overrides(net, *o).ok());
  EXPECT_EQ(net.layers[1].format(Tensor::Inputs).density, 0.5);
  EXPECT_EQ(net.layers[1].format(Tensor::Outputs).density, 0.25);
  EXPECT_EQ(net.layers[1].format(Tensor::Outputs).bits, 8);
  EXPECT_EQ(net.layers[1].format(Tensor::Weights).density, 0.5) << "measured, not overridden";
  EXPECT_EQ(net.layers[2].format(Tensor::Weights).bits, 4) << "names are case-insensitive";
  EXPECT_EQ(net.layers[0].format(Tensor::Inputs).density, 1.0);

  auto typo = parse_layer_overrides("version: 1\nlayers:\n  conv1: {inputs: 0.5}\n  conv3: {}\n",
                                    "dens.yaml");
  ASSERT_TRUE(typo.ok());
  auto st = apply_layer_overrides(net, *typo);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().line, 4);
  EXPECT_NE(st.error().message.find("no layer 'conv3'"), std::string::npos);
  EXPECT_NE(st.error().message.find("did you mean"), std::string::npos);

  auto bad = parse_layer_overrides("version: 1\nlayers:\n  conv1: {inputs: 1.5}\n", "d.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  auto key = parse_layer_overrides("version: 1\nlayers:\n  conv1: {ifmaps: 0.5}\n", "d.yaml");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("ifmaps"), std::string::npos);
}

}  // namespace
}  // namespace erg
