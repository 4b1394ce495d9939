// The built-in model zoo: published CNNs written out as erg layers.
//
// Each network lists only its MAC layers (CONV, depthwise CONV, FC) in execution order. Pooling
// layers are not listed, but the ifmap extent each layer is given already reflects every pooling
// step before it, so P×Q and the MAC counts are those of the real network. Shapes follow the
// original publications and their reference releases; docs/zoo.md lists the sources, the totals
// and where a summary table disagrees with the architecture (LeNet-5 and GoogLeNet CONV MACs).
#include "erg/zoo.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "erg/text.h"

namespace erg {

namespace {

using i64 = std::int64_t;

// Output extent of a pooling window of size k, stride s and padding pad on each side over an
// extent h. Caffe rounds up (ceil mode), most other frameworks round down; the rounding matters
// for GoogLeNet, whose published feature-map sizes (112 → 56 → 28 → 14 → 7) need ceil mode.
enum class Rounding { kFloor, kCeil };
i64 pool_out(i64 h, i64 k, i64 s, i64 pad = 0, Rounding r = Rounding::kFloor) {
  const i64 span = h + 2 * pad - k;
  const i64 steps = r == Rounding::kCeil ? (span + s - 1) / s : span / s;
  return steps + 1;
}

// Collects layers for one network. Every add_* call validates its layer at once with
// Layer::make (the single place that derives P and Q) and returns the ofmap extent, so a network
// definition chains spatial sizes without repeating the output-size formula. The first error is
// kept and returned by build(); after an error the calls return 1 so the chain can finish.
class NetBuilder {
 public:
  explicit NetBuilder(std::string name) { net_.name = std::move(name); }

  // A square CONV layer on a square ifmap of extent `in`; returns the ofmap extent.
  i64 conv(const std::string& name, i64 in_c, i64 out_c, i64 in, i64 k, i64 stride = 1, i64 pad = 0,
           i64 groups = 1) {
    LayerSpec s = square(name, LayerType::Conv, in_c, out_c, in, k, stride, pad);
    s.groups = groups;
    return add(s);
  }

  // A depthwise CONV: one k×k filter per channel (groups = channels, C = M = 1 per group).
  i64 depthwise(const std::string& name, i64 channels, i64 in, i64 k, i64 stride, i64 pad) {
    LayerSpec s = square(name, LayerType::Depthwise, channels, channels, in, k, stride, pad);
    s.groups = channels;
    return add(s);
  }

  // An FC layer reading an in×in×in_c ifmap: its filter covers the whole ifmap, so P = Q = 1.
  void fc(const std::string& name, i64 in_c, i64 out_c, i64 in = 1) {
    add(square(name, LayerType::FC, in_c, out_c, in, in, 1, 0));
  }

  Result<Network> build() && {
    if (error_) return std::move(*error_);
    return std::move(net_);
  }

 private:
  static LayerSpec square(const std::string& name, LayerType type, i64 in_c, i64 out_c, i64 in,
                          i64 k, i64 stride, i64 pad) {
    LayerSpec s;
    s.name = name;
    s.type = type;
    s.in_channels = in_c;
    s.out_channels = out_c;
    s.in_h = s.in_w = in;
    s.filter_h = s.filter_w = k;
    s.stride_h = s.stride_w = stride;
    s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = pad;
    return s;
  }

  i64 add(const LayerSpec& s) {
    if (error_) return 1;
    auto layer = Layer::make(s);
    if (!layer) {
      error_ = make_error(
          fmt::format("internal error in zoo network '{}': {}", net_.name, layer.error().message));
      return 1;
    }
    net_.layers.push_back(std::move(layer).value());
    return net_.layers.back().dim(Dim::P);
  }

  Network net_;
  std::optional<Error> error_;
};

// LeNet-5 (LeCun et al., Proc. IEEE 1998) as the summary table of seed 003 describes it: a 28×28
// digit zero-padded by 2 (the paper's 32×32 input), C1 and C3 as dense CONV layers (C3 fully
// connected across channels, which the table's 2.6k CONV weights imply), 2×2 subsampling, then C5
// (a 5×5 CONV over a 5×5 map, i.e. an FC layer) and F6. The Euclidean-RBF output layer computes
// distances, not weighted sums, and the table counts 2 FC layers, so it is not listed.
Result<Network> lenet5() {
  NetBuilder b("lenet5");
  i64 h = b.conv("conv1", 1, 6, 28, 5, 1, 2);  // C1: 28×28×6
  h = pool_out(h, 2, 2);                       // S2: 14×14
  h = b.conv("conv2", 6, 16, h, 5);            // C3: 10×10×16
  h = pool_out(h, 2, 2);                       // S4: 5×5
  b.fc("fc1", 16, 120, h);                     // C5
  b.fc("fc2", 120, 84);                        // F6
  return std::move(b).build();
}

// AlexNet (Krizhevsky et al., NIPS 2012), the original two-GPU network: conv2, conv4 and conv5
// only see the half of their input channels computed on the same GPU (groups = 2). 227×227 input
// as in the Caffe reference model (it makes conv1's 55×55 ofmap exact); 3×3/2 max pooling after
// conv1, conv2 and conv5.
Result<Network> alexnet_dense() {
  NetBuilder b("alexnet");
  i64 h = b.conv("conv1", 3, 96, 227, 11, 4);   // 55
  h = pool_out(h, 3, 2);                        // 27
  h = b.conv("conv2", 96, 256, h, 5, 1, 2, 2);  // 27
  h = pool_out(h, 3, 2);                        // 13
  h = b.conv("conv3", 256, 384, h, 3, 1, 1);
  h = b.conv("conv4", 384, 384, h, 3, 1, 1, 2);
  h = b.conv("conv5", 384, 256, h, 3, 1, 1, 2);
  h = pool_out(h, 3, 2);      // 6
  b.fc("fc6", 256, 4096, h);  // over the 6×6×256 map
  b.fc("fc7", 4096, 4096);
  b.fc("fc8", 4096, 1000);
  return std::move(b).build();
}

// Published zero fractions of AlexNet's input activations (Eyeriss, reference §1), in layer order
// conv1..conv5, fc6..fc8, in percent.
constexpr std::array<double, 8> kAlexNetInputZeroPercent = {0.01, 38.7, 72.5, 79.3,
                                                            77.6, 71.1, 83.1, 81.3};

// AlexNet carrying the published activation sparsity. Each layer's input density is
// 1 − its published zero fraction. Its output density is taken to be the next layer's input
// density: the ofmap goes through ReLU (which makes the zeros) and, after conv1, conv2 and conv5,
// max pooling and LRN, so this is an approximation for those three layers, but it is the only
// measured figure and it is the density of the data the next layer actually reads back. fc8's
// outputs (the class scores before softmax) are dense.
Result<Network> alexnet() {
  auto net = alexnet_dense();
  if (!net) return net;
  Network& n = net.value();
  if (n.layers.size() != kAlexNetInputZeroPercent.size())
    return make_error("internal error in zoo network 'alexnet': layer count mismatch");
  for (std::size_t i = 0; i < n.layers.size(); ++i) {
    LayerSpec s = n.layers[i].spec();
    s.inputs.density = 1.0 - kAlexNetInputZeroPercent[i] / 100.0;
    s.outputs.density =
        i + 1 < n.layers.size() ? 1.0 - kAlexNetInputZeroPercent[i + 1] / 100.0 : 1.0;
    auto l = Layer::make(s);
    if (!l) return make_error("internal error in zoo network 'alexnet': " + l.error().message);
    n.layers[i] = std::move(l).value();
  }
  return net;
}

// VGG-16 (Simonyan & Zisserman, ICLR 2015, configuration D): 13 3×3/1 CONV layers with padding
// 1 in five stages separated by 2×2/2 max pooling, then three FC layers (fc6 over 7×7×512).
Result<Network> vgg16() {
  NetBuilder b("vgg16");
  struct Stage {
    int convs;
    i64 channels;
  };
  constexpr std::array<Stage, 5> stages = {{{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}}};
  i64 h = 224;
  i64 c = 3;
  for (std::size_t st = 0; st < stages.size(); ++st) {
    for (int i = 0; i < stages[st].convs; ++i) {
      h = b.conv(fmt::format("conv{}_{}", st + 1, i + 1), c, stages[st].channels, h, 3, 1, 1);
      c = stages[st].channels;
    }
    h = pool_out(h, 2, 2);
  }
  b.fc("fc6", c, 4096, h);  // 7×7×512
  b.fc("fc7", 4096, 4096);
  b.fc("fc8", 4096, 1000);
  return std::move(b).build();
}

// GoogLeNet / Inception v1 (Szegedy et al., CVPR 2015, Table 1), layer names and 3×3/2 ceil-mode
// max pooling as in the BVLC Caffe release, which gives the paper's feature-map sizes. The two
// auxiliary classifiers are used only in training and are not listed.
Result<Network> googlenet() {
  NetBuilder b("googlenet");
  i64 h = b.conv("conv1/7x7_s2", 3, 64, 224, 7, 2, 3);  // 112
  h = pool_out(h, 3, 2, 0, Rounding::kCeil);            // 56
  h = b.conv("conv2/3x3_reduce", 64, 64, h, 1);
  h = b.conv("conv2/3x3", 64, 192, h, 3, 1, 1);
  h = pool_out(h, 3, 2, 0, Rounding::kCeil);  // 28
  struct Inception {
    const char* name;
    i64 c1x1, c3x3_reduce, c3x3, c5x5_reduce, c5x5, pool_proj;
    bool pool_before;  // a 3×3/2 max pool precedes the module
  };
  constexpr std::array<Inception, 9> modules = {{
      {"3a", 64, 96, 128, 16, 32, 32, false},
      {"3b", 128, 128, 192, 32, 96, 64, false},
      {"4a", 192, 96, 208, 16, 48, 64, true},
      {"4b", 160, 112, 224, 24, 64, 64, false},
      {"4c", 128, 128, 256, 24, 64, 64, false},
      {"4d", 112, 144, 288, 32, 64, 64, false},
      {"4e", 256, 160, 320, 32, 128, 128, false},
      {"5a", 256, 160, 320, 32, 128, 128, true},
      {"5b", 384, 192, 384, 48, 128, 128, false},
  }};
  i64 c = 192;
  for (const auto& m : modules) {
    if (m.pool_before) h = pool_out(h, 3, 2, 0, Rounding::kCeil);
    const std::string p = fmt::format("inception_{}/", m.name);
    // All branches keep the module's spatial size ("same" padding); the pool branch's 3×3/1 max
    // pool (padding 1) precedes pool_proj and does not change the extent either.
    b.conv(p + "1x1", c, m.c1x1, h, 1);
    b.conv(p + "3x3_reduce", c, m.c3x3_reduce, h, 1);
    b.conv(p + "3x3", m.c3x3_reduce, m.c3x3, h, 3, 1, 1);
    b.conv(p + "5x5_reduce", c, m.c5x5_reduce, h, 1);
    b.conv(p + "5x5", m.c5x5_reduce, m.c5x5, h, 5, 1, 2);
    b.conv(p + "pool_proj", c, m.pool_proj, h, 1);
    c = m.c1x1 + m.c3x3 + m.c5x5 + m.pool_proj;
  }
  // 7×7 global average pooling, then the single classifier.
  b.fc("loss3/classifier", c, 1000);
  return std::move(b).build();
}

// ResNet-50 (He et al., CVPR 2016), as in the authors' Caffe release: each bottleneck block is
// branch2a (1×1), branch2b (3×3), branch2c (1×1, 4× expansion); the first block of every stage
// has a 1×1 projection shortcut (branch1). The stride-2 downsampling of stages 3–5 sits in
// branch2a and branch1 (the later "v1.5" variant moves it to the 3×3 and costs ~4.09 G MACs).
Result<Network> resnet50() {
  NetBuilder b("resnet50");
  i64 h = b.conv("conv1", 3, 64, 224, 7, 2, 3);  // 112
  h = pool_out(h, 3, 2, 1);                      // 56
  struct Stage {
    i64 mid, out;
    int blocks;
    i64 stride;
  };
  constexpr std::array<Stage, 4> stages = {
      {{64, 256, 3, 1}, {128, 512, 4, 2}, {256, 1024, 6, 2}, {512, 2048, 3, 2}}};
  i64 c = 64;
  for (std::size_t st = 0; st < stages.size(); ++st) {
    const Stage& s = stages[st];
    for (int i = 0; i < s.blocks; ++i) {
      const std::string p = fmt::format("res{}{}_", st + 2, static_cast<char>('a' + i));
      const i64 stride = i == 0 ? s.stride : 1;
      const i64 in_h = h;
      h = b.conv(p + "branch2a", c, s.mid, in_h, 1, stride);
      h = b.conv(p + "branch2b", s.mid, s.mid, h, 3, 1, 1);
      h = b.conv(p + "branch2c", s.mid, s.out, h, 1);
      if (i == 0) b.conv(p + "branch1", c, s.out, in_h, 1, stride);
      c = s.out;
    }
  }
  b.fc("fc1000", c, 1000);  // after 7×7 global average pooling
  return std::move(b).build();
}

// SqueezeNet 1.0 (Iandola et al., 2016, Table 1 and the authors' Caffe release): 227×227 input,
// conv1 7×7/2 with 96 filters, eight fire modules (squeeze 1×1, then expand 1×1 and expand 3×3
// side by side), 3×3/2 max pooling after conv1, fire4 and fire8, and conv10 (1×1 to 1000
// classes) followed by global average pooling. There is no FC layer.
Result<Network> squeezenet() {
  NetBuilder b("squeezenet");
  i64 h = b.conv("conv1", 3, 96, 227, 7, 2);  // 111
  h = pool_out(h, 3, 2, 0, Rounding::kCeil);  // 55
  struct Fire {
    int index;
    i64 squeeze, expand;  // expand1x1 and expand3x3 each have `expand` filters
    bool pool_after;
  };
  constexpr std::array<Fire, 8> fires = {{{2, 16, 64, false},
                                          {3, 16, 64, false},
                                          {4, 32, 128, true},
                                          {5, 32, 128, false},
                                          {6, 48, 192, false},
                                          {7, 48, 192, false},
                                          {8, 64, 256, true},
                                          {9, 64, 256, false}}};
  i64 c = 96;
  for (const auto& f : fires) {
    const std::string p = fmt::format("fire{}/", f.index);
    b.conv(p + "squeeze1x1", c, f.squeeze, h, 1);
    b.conv(p + "expand1x1", f.squeeze, f.expand, h, 1);
    b.conv(p + "expand3x3", f.squeeze, f.expand, h, 3, 1, 1);
    c = 2 * f.expand;
    if (f.pool_after) h = pool_out(h, 3, 2, 0, Rounding::kCeil);  // 55 → 27 → 13
  }
  b.conv("conv10", c, 1000, h, 1);
  return std::move(b).build();
}

// MobileNet v1, width multiplier 1.0, 224×224 (Howard et al., 2017, Table 1): a full 3×3/2 CONV,
// then 13 depthwise-separable blocks (3×3 depthwise, then 1×1 pointwise), global average pooling
// and one FC layer. Table 1 lists the last depthwise layer as stride 2, but its input and output
// are both 7×7, so it is stride 1 here (as in the released models).
Result<Network> mobilenet() {
  NetBuilder b("mobilenet");
  i64 h = b.conv("conv1", 3, 32, 224, 3, 2, 1);  // 112
  struct Block {
    i64 out;
    i64 stride;
  };
  constexpr std::array<Block, 13> blocks = {{{64, 1},
                                             {128, 2},
                                             {128, 1},
                                             {256, 2},
                                             {256, 1},
                                             {512, 2},
                                             {512, 1},
                                             {512, 1},
                                             {512, 1},
                                             {512, 1},
                                             {512, 1},
                                             {1024, 2},
                                             {1024, 1}}};
  i64 c = 32;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    h = b.depthwise(fmt::format("conv_dw_{}", i + 1), c, h, 3, blocks[i].stride, 1);
    h = b.conv(fmt::format("conv_pw_{}", i + 1), c, blocks[i].out, h, 1);
    c = blocks[i].out;
  }
  b.fc("fc", c, 1000);  // after 7×7 global average pooling
  return std::move(b).build();
}

struct ZooNet {
  ZooEntry entry;
  Result<Network> (*build)();
};

const std::vector<ZooNet>& registry() {
  static const std::vector<ZooNet> nets = {
      {{"lenet5", "LeNet-5 (1998), 28x28 digits: 2 CONV + 2 FC"}, &lenet5},
      {{"alexnet",
        "AlexNet (2012), original two-group version, 227x227, with published activation "
        "densities: 5 CONV + 3 FC"},
       &alexnet},
      {{"vgg16", "VGG-16 (2015), 224x224: 13 CONV + 3 FC"}, &vgg16},
      {{"googlenet", "GoogLeNet / Inception v1 (2015), 224x224: 57 CONV + 1 FC"}, &googlenet},
      {{"resnet50",
        "ResNet-50 (2016), 224x224, bottlenecks with projection shortcuts: 53 CONV + 1 FC"},
       &resnet50},
      {{"squeezenet", "SqueezeNet 1.0 (2016), 227x227: 26 CONV, no FC"}, &squeezenet},
      {{"mobilenet", "MobileNet v1 1.0-224 (2017): 14 CONV + 13 depthwise + 1 FC"}, &mobilenet},
  };
  return nets;
}

}  // namespace

const std::vector<ZooEntry>& zoo_entries() {
  static const std::vector<ZooEntry> entries = [] {
    std::vector<ZooEntry> e;
    for (const auto& n : registry()) e.push_back(n.entry);
    return e;
  }();
  return entries;
}

Result<Network> zoo_network(const std::string& name) {
  const std::string key = ascii_lower(name);
  std::vector<std::string> names;
  for (const auto& n : registry()) {
    if (n.entry.name == key) return n.build();
    names.push_back(n.entry.name);
  }
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  return make_error(fmt::format("unknown network '{}'{}; the zoo has: {}", name,
                                did_you_mean(name, names), known));
}

}  // namespace erg
