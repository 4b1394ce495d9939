// Layer and network files: the conveniences expand to the right LayerSpec, and network_to_yaml
// writes what parse_network_yaml reads back as the same network.
#include <gtest/gtest.h>

#include "erg/io.h"
#include "io/network_compare.h"

namespace erg {
namespace {

using testing::expect_same_network;

const std::string kData = std::string(ERG_SOURCE_DIR) + "/tests/data/";

void expect_round_trip(const Network& net) {
  const std::string text = network_to_yaml(net);
  auto back = parse_network_yaml(text, "<written>");
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << text;
  expect_same_network(net, *back);
  EXPECT_EQ(network_to_yaml(*back), text);
}

TEST(NetworkIo, SingleLayerFileIsANetworkOfOne) {
  auto r = load_network_file(kData + "alexnet_conv1.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->layers.size(), 1u);
  EXPECT_EQ(r->name, "conv1");
  const Layer& l = r->layers[0];
  // AlexNet CONV1: 96 filters of 11×11×3 at stride 4 over 227×227 give a 55×55 ofmap.
  EXPECT_EQ(l.dim(Dim::M), 96);
  EXPECT_EQ(l.dim(Dim::C), 3);
  EXPECT_EQ(l.dim(Dim::P), 55);
  EXPECT_EQ(l.dim(Dim::Q), 55);
  EXPECT_EQ(l.dim(Dim::R), 11);
  EXPECT_EQ(l.macs(), 96ull * 3 * 55 * 55 * 11 * 11);  // 105.4 M
}

TEST(NetworkIo, ConveniencesExpandToTheLongForms) {
  auto r = load_network_file(kData + "small_net.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Network& net = *r;
  EXPECT_EQ(net.name, "small");
  ASSERT_EQ(net.layers.size(), 4u);

  const LayerSpec& c1 = net.layers[0].spec();
  EXPECT_EQ(c1.type, LayerType::Conv);  // default
  EXPECT_EQ(c1.batch, 1);
  EXPECT_EQ(c1.in_h, 33);
  EXPECT_EQ(c1.in_w, 31);
  EXPECT_EQ(c1.filter_h, 5);
  EXPECT_EQ(c1.filter_w, 3);
  EXPECT_EQ(c1.stride_h, 2);
  EXPECT_EQ(c1.stride_w, 1);
  EXPECT_EQ(c1.pad_top, 2);
  EXPECT_EQ(c1.pad_bottom, 2);
  EXPECT_EQ(c1.pad_left, 1);
  EXPECT_EQ(c1.pad_right, 1);
  EXPECT_EQ(c1.groups, 1);
  EXPECT_EQ(c1.weights.bits, 16);
  EXPECT_EQ(c1.inputs.density, 1.0);
  EXPECT_EQ(net.layers[0].dim(Dim::P), (33 + 4 - 5) / 2 + 1);
  EXPECT_EQ(net.layers[0].dim(Dim::Q), (31 + 2 - 3) / 1 + 1);

  const LayerSpec& dw = net.layers[1].spec();
  EXPECT_EQ(dw.type, LayerType::Depthwise);
  EXPECT_EQ(dw.groups, 16);
  EXPECT_EQ(dw.out_channels, 16);
  EXPECT_EQ(dw.in_h, 17);
  EXPECT_EQ(dw.in_w, 31);
  EXPECT_EQ(dw.filter_h, 3);
  EXPECT_EQ(dw.filter_w, 3);
  EXPECT_EQ(dw.dilation_h, 2);
  EXPECT_EQ(dw.dilation_w, 2);
  EXPECT_EQ(dw.stride_h, 1);
  EXPECT_EQ(dw.pad_top, 1);
  EXPECT_EQ(dw.pad_bottom, 2);
  EXPECT_EQ(dw.pad_left, 3);
  EXPECT_EQ(dw.pad_right, 4);
  EXPECT_EQ(dw.inputs.density, 0.25);
  EXPECT_EQ(dw.inputs.bits, 16);
  EXPECT_EQ(net.layers[1].dim(Dim::C), 1);
  EXPECT_EQ(net.layers[1].dim(Dim::M), 1);

  const LayerSpec& pw = net.layers[2].spec();
  EXPECT_EQ(pw.batch, 4);
  EXPECT_EQ(pw.in_h, 15);
  EXPECT_EQ(pw.in_w, 15);
  EXPECT_EQ(pw.filter_h, 1);
  EXPECT_EQ(pw.groups, 4);
  EXPECT_EQ(pw.weights.bits, 8);
  EXPECT_EQ(pw.weights.density, 0.5);
  EXPECT_EQ(pw.outputs.bits, 24);
  EXPECT_EQ(pw.outputs.density, 1.0);

  const Layer& fc = net.layers[3];
  EXPECT_EQ(fc.type(), LayerType::FC);
  EXPECT_EQ(fc.spec().filter_h, 15);
  EXPECT_EQ(fc.spec().filter_w, 29);
  EXPECT_EQ(fc.dim(Dim::P), 1);
  EXPECT_EQ(fc.dim(Dim::Q), 1);
  EXPECT_EQ(fc.macs(), 10ull * 32 * 15 * 29);
}

TEST(NetworkIo, FcWithoutASizeIsAVectorLayer) {
  auto r = parse_network_yaml(
      "version: 1\nlayer: {name: fc8, type: fc, in_channels: 4096, out_channels: 1000}\n", "t");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->layers[0].macs(), 4096ull * 1000);
  EXPECT_EQ(r->layers[0].weight_count(), 4096ull * 1000);
}

TEST(NetworkIo, NetworkNameDefaultsToTheFileStem) {
  auto r = parse_network_yaml(
      "version: 1\nlayers:\n  - {name: a, in_channels: 2, out_channels: 2, in: 4}\n",
      "/some/dir/my_net.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->name, "my_net");
}

TEST(NetworkIo, NetworkToYamlRoundTripsOddLayers) {
  auto r = load_network_file(kData + "small_net.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  expect_round_trip(*r);

  // Layers built in code with every field away from its default.
  LayerSpec s;
  s.name = "odd: \"one\"";
  s.type = LayerType::Conv;
  s.batch = 3;
  s.in_channels = 12;
  s.out_channels = 18;
  s.in_h = 23;
  s.in_w = 19;
  s.filter_h = 4;
  s.filter_w = 2;
  s.stride_h = 3;
  s.stride_w = 2;
  s.dilation_h = 2;
  s.dilation_w = 3;
  s.pad_top = 0;
  s.pad_bottom = 3;
  s.pad_left = 2;
  s.pad_right = 1;
  s.groups = 6;
  s.weights = {7, 0.1};
  s.inputs = {12, 1.0 / 3.0};
  s.outputs = {32, 0.999999};
  auto odd = Layer::make(s);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  LayerSpec m;
  m.name = "mm";
  m.type = LayerType::MatMul;
  m.in_channels = 64;
  m.out_channels = 48;
  m.in_h = 100;
  m.in_w = 1;
  m.inputs.density = 0;
  auto mm = Layer::make(m);
  ASSERT_TRUE(mm.ok()) << mm.error().message;
  LayerSpec d;
  d.name = "true";  // a YAML boolean spelling as a name
  d.type = LayerType::Depthwise;
  d.in_channels = d.out_channels = d.groups = 8;
  d.in_h = d.in_w = 9;
  d.filter_h = d.filter_w = 3;
  d.stride_h = 2;
  auto dw = Layer::make(d);
  ASSERT_TRUE(dw.ok()) << dw.error().message;

  Network net;
  net.name = "odd net";
  net.layers = {*odd, *mm, *dw};
  expect_round_trip(net);
}

}  // namespace
}  // namespace erg
