// The online tool's per-layer configuration (erg/tool_format.h, docs/formats.md): its lexical
// rules, the mapping of its 25 integers onto erg layers, and round trips of every zoo network.
#include "erg/tool_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "erg/zoo.h"
#include "io/network_compare.h"

namespace erg {
namespace {

using testing::expect_same_spec;

const std::string kData = std::string(ERG_SOURCE_DIR) + "/tests/data/";

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The density the format gives back for a tensor of `size` values written at `density`.
double rounded_density(double density, std::uint64_t size) {
  const auto zeros =
      static_cast<std::uint64_t>(std::round((1.0 - density) * static_cast<double>(size)));
  return zeros == 0 ? 1.0 : static_cast<double>(size - zeros) / static_cast<double>(size);
}

Network parse_ok(const std::string& text, const std::string& origin = "net.txt") {
  auto r = parse_tool_config(text, origin);
  EXPECT_TRUE(r.ok()) << r.error().to_string() << "\n" << text;
  return r.ok() ? *r : Network{};
}

Error parse_error(const std::string& text) {
  auto r = parse_tool_config(text, "bad.txt");
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error{} : r.error();
}

// AlexNet conv1 with no name: the 25 integers only.
const std::string kConv1 = "1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 96 1 0 16 4 4 0 0 0 0";

TEST(ToolFormat, EveryZooNetworkRoundTripsWithDensitiesRoundedToWholeZeros) {
  for (const ZooEntry& e : zoo_entries()) {
    SCOPED_TRACE(e.name);
    auto net = zoo_network(e.name);
    ASSERT_TRUE(net.ok());
    const std::string text = network_to_tool_config(*net);
    auto back = parse_tool_config(text, "elsewhere.txt");
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->name, net->name);  // from the `# network:` line, not the file name
    ASSERT_EQ(back->layers.size(), net->layers.size());
    for (std::size_t i = 0; i < net->layers.size(); ++i) {
      const Layer& a = net->layers[i];
      const Layer& b = back->layers[i];
      expect_same_spec(a.spec(), b.spec(), /*densities=*/false);
      EXPECT_EQ(a.bounds(), b.bounds());
      for (Tensor t : kAllTensors)
        EXPECT_EQ(b.format(t).density, rounded_density(a.format(t).density, a.size(t)))
            << a.name() << " " << tensor_name(t);
    }
    // What was read back is written the same way: the rounding happens once.
    EXPECT_EQ(network_to_tool_config(*back), text);
  }
}

TEST(ToolFormat, AlexNetKeepsItsPublishedSparsityAsZeroCounts) {
  auto net = zoo_network("alexnet");
  ASSERT_TRUE(net.ok());
  const Layer& conv2 = net->layers[1];
  ASSERT_LT(conv2.spec().inputs.density, 1.0);
  auto back = parse_ok(network_to_tool_config(*net));
  ASSERT_EQ(back.layers.size(), net->layers.size());
  const Layer& b = back.layers[1];
  // 27×27×96 ifmap values; the zero count is the nearest integer to (1 − density) × size.
  const double zeros = (1.0 - b.spec().inputs.density) * 27 * 27 * 96;
  EXPECT_NEAR(zeros, std::round(zeros), 1e-6);
  EXPECT_NEAR(b.spec().inputs.density, conv2.spec().inputs.density, 0.5 / (27 * 27 * 96));
  EXPECT_LT(b.spec().inputs.density, 1.0);
}

TEST(ToolFormat, TheDocumentedExampleIsAlexNetsFirstTwoLayers) {
  const std::string text = file_text(kData + "alexnet_first_two.txt");
  auto net = parse_ok(text, kData + "alexnet_first_two.txt");
  auto zoo = zoo_network("alexnet");
  ASSERT_TRUE(zoo.ok());
  EXPECT_EQ(net.name, "alexnet");
  ASSERT_EQ(net.layers.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    expect_same_spec(zoo->layers[i].spec(), net.layers[i].spec(), false);
  }
  EXPECT_EQ(net.layers[1].spec().groups, 2);  // 96 ifmap channels / 48 filter channels
  EXPECT_EQ(net.layers[0].spec().inputs.density, (154587.0 - 15) / 154587);  // 227·227·3
  // docs/formats.md shows these very lines.
  const std::string doc = file_text(std::string(ERG_SOURCE_DIR) + "/docs/formats.md");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') EXPECT_NE(doc.find(line), std::string::npos) << line;
  }
}

TEST(ToolFormat, FieldsMapOntoTheLayer) {
  // ifmap 13×13×256, batch 2, 100 zeros, 8 bits; filter 3×3×128 ×384, 50 zeros, 4 bits;
  // ofmap 6×7×384, batch 2, 1000 zeros, 12 bits; stride 2×2 (y, x); pad 1 0 1 2.
  auto net = parse_ok("7 13 13 256 2 100 8 3 3 128 384 50 4 6 7 384 2 1000 12 2 2 1 0 1 2 mixed\n",
                      "dir/x.cfg");
  EXPECT_EQ(net.name, "x");  // the file stem when no `# network:` line names it
  ASSERT_EQ(net.layers.size(), 1u);
  const Layer& l = net.layers[0];
  const LayerSpec& s = l.spec();
  EXPECT_EQ(s.name, "mixed");
  EXPECT_EQ(s.type, LayerType::Conv);
  EXPECT_EQ(s.batch, 2);
  EXPECT_EQ(s.in_h, 13);
  EXPECT_EQ(s.in_w, 13);
  EXPECT_EQ(s.in_channels, 256);
  EXPECT_EQ(s.out_channels, 384);
  EXPECT_EQ(s.groups, 2);
  EXPECT_EQ(s.filter_h, 3);
  EXPECT_EQ(s.filter_w, 3);
  EXPECT_EQ(s.stride_h, 2);
  EXPECT_EQ(s.stride_w, 2);
  EXPECT_EQ(s.pad_top, 1);
  EXPECT_EQ(s.pad_bottom, 0);
  EXPECT_EQ(s.pad_left, 1);
  EXPECT_EQ(s.pad_right, 2);
  EXPECT_EQ(l.dim(Dim::P), 6);
  EXPECT_EQ(l.dim(Dim::Q), 7);
  EXPECT_EQ(s.inputs.bits, 8);
  EXPECT_EQ(s.weights.bits, 4);
  EXPECT_EQ(s.outputs.bits, 12);
  EXPECT_EQ(s.inputs.density, (86528.0 - 100) / 86528);    // 2·256·13·13 values
  EXPECT_EQ(s.weights.density, (442368.0 - 50) / 442368);  // 384·128·3·3
  EXPECT_EQ(s.outputs.density, (32256.0 - 1000) / 32256);  // 2·384·6·7
}

TEST(ToolFormat, SeparatorsCommentsBlankLinesAndLineEnds) {
  const std::string commas =
      "# a comment\r\n\r\n   \r\n1,227,227,3,1,0,16,11,11,3,96,0,16,55,55,96,1,0,16,4,4,0,0,0,0 "
      "# trailing comment\r\n"
      "2, 27 ,27\t96,1, 0,16 5,5,48,256,0,16,27,27,256,1,0,16,1,1,2,2,2,2,\n"
      "# the end";
  auto net = parse_ok(commas);
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].name(), "layer1");  // no name token
  EXPECT_EQ(net.layers[1].name(), "layer2");
  EXPECT_EQ(net.layers[1].spec().groups, 2);
  auto spaces = parse_ok(kConv1 + "\n");
  EXPECT_EQ(spaces.layers[0].bounds(), net.layers[0].bounds());
}

TEST(ToolFormat, IndicesMayJumpButMustIncrease) {
  auto net = parse_ok("5 " + kConv1.substr(2) + "\n9 " + kConv1.substr(2) + " second\n");
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].name(), "layer5");
  EXPECT_EQ(net.layers[1].name(), "second");
  const Error e = parse_error(kConv1 + "\n" + kConv1 + " again\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("field 'index': 1 does not follow index 1 on line 1"), std::string::npos)
      << e.message;
}

TEST(ToolFormat, QuotedNamesKeepSeparatorsAndEscapes) {
  Network net = parse_ok(kConv1 + " \"conv 1, \\\"first\\\" # not a comment\"\n");
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].name(), "conv 1, \"first\" # not a comment");
  // Names that need quotes are written quoted, and read back unchanged.
  for (const std::string name :
       {"a b", "x,y", "#1", "12", "k=v", "tab\there", "back\\slash", "\""}) {
    LayerSpec s = net.layers[0].spec();
    s.name = name;
    Network one{"n", {Layer::make(s).value()}};
    Network back = parse_ok(network_to_tool_config(one));
    ASSERT_EQ(back.layers.size(), 1u) << name;
    EXPECT_EQ(back.layers[0].name(), name);
  }
  const Error e = parse_error(kConv1 + " \"open\n");
  EXPECT_NE(e.message.find("no closing"), std::string::npos) << e.message;
  EXPECT_EQ(e.column, static_cast<int>(kConv1.size()) + 2);
}

TEST(ToolFormat, TypesAreInferredFromTheShape) {
  // Filter = ifmap, no padding: FC. A conv whose filter covers its ifmap only with padding stays
  // CONV.
  auto fc = parse_ok("1 6 6 256 1 0 16 6 6 256 4096 0 16 1 1 4096 1 0 16 1 1 0 0 0 0 fc6\n");
  EXPECT_EQ(fc.layers[0].type(), LayerType::FC);
  auto padded = parse_ok("1 3 3 8 1 0 16 3 3 8 4 0 16 3 3 4 1 0 16 1 1 1 1 1 1 c\n");
  EXPECT_EQ(padded.layers[0].type(), LayerType::Conv);
  // One filter channel per ifmap channel, as many filters as channels: depthwise.
  auto dw = parse_ok("1 112 112 32 1 0 16 3 3 1 32 0 16 112 112 32 1 0 16 1 1 1 1 1 1 dw\n");
  EXPECT_EQ(dw.layers[0].type(), LayerType::Depthwise);
  EXPECT_EQ(dw.layers[0].spec().groups, 32);
  // Twice as many filters: a grouped CONV (groups = 32), not depthwise.
  auto x2 = parse_ok("1 112 112 32 1 0 16 3 3 1 64 0 16 112 112 64 1 0 16 1 1 1 1 1 1 g\n");
  EXPECT_EQ(x2.layers[0].type(), LayerType::Conv);
  EXPECT_EQ(x2.layers[0].spec().groups, 32);
}

TEST(ToolFormat, TypeAndDilationTokensKeepWhatTheIntegersCannotSay) {
  LayerSpec mm;
  mm.name = "mm";
  mm.type = LayerType::MatMul;
  mm.in_h = 64;
  mm.in_w = 1;
  mm.in_channels = 512;
  mm.out_channels = 128;
  LayerSpec dil;
  dil.name = "dilated";
  dil.in_channels = dil.out_channels = 16;
  dil.in_h = dil.in_w = 32;
  dil.filter_h = dil.filter_w = 3;
  dil.dilation_h = 2;
  dil.dilation_w = 3;
  dil.pad_top = dil.pad_bottom = 2;
  dil.pad_left = dil.pad_right = 3;
  LayerSpec conv_as_fc = dil;  // a 5×5 CONV over a 5×5 map, kept as CONV
  conv_as_fc.name = "c5";
  conv_as_fc.in_h = conv_as_fc.in_w = conv_as_fc.filter_h = conv_as_fc.filter_w = 5;
  conv_as_fc.dilation_h = conv_as_fc.dilation_w = 1;
  conv_as_fc.pad_top = conv_as_fc.pad_bottom = conv_as_fc.pad_left = conv_as_fc.pad_right = 0;
  Network net{"extras",
              {Layer::make(mm).value(), Layer::make(dil).value(), Layer::make(conv_as_fc).value()}};
  const std::string text = network_to_tool_config(net);
  EXPECT_NE(text.find(" mm type=matmul\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" dilated dilation=2x3\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" c5 type=conv\n"), std::string::npos) << text;
  Network back = parse_ok(text);
  testing::expect_same_network(net, back);
  // A single dilation applies to both axes.
  auto sq = parse_ok("1 32 32 16 1 0 16 3 3 16 16 0 16 32 32 16 1 0 16 1 1 2 2 2 2 d dilation=2\n");
  EXPECT_EQ(sq.layers[0].spec().dilation_h, 2);
  EXPECT_EQ(sq.layers[0].spec().dilation_w, 2);
}

TEST(ToolFormat, ZerosRoundToTheNearestInteger) {
  LayerSpec s;
  s.name = "tiny";
  s.in_channels = 1;
  s.out_channels = 1;
  s.in_h = s.in_w = 3;  // 9 inputs, 9 weights (3×3 filter), 1 output
  s.filter_h = s.filter_w = 3;
  s.type = LayerType::FC;
  s.inputs.density = 0.5;    // 4.5 zeros → 5 (half away from zero)
  s.weights.density = 0.34;  // 5.94 zeros → 6
  s.outputs.density = 0.0;   // the one output is zero
  Network net{"t", {Layer::make(s).value()}};
  const std::string text = network_to_tool_config(net);
  EXPECT_NE(text.find("1  3 3 1 1 5 16  3 3 1 1 6 16  1 1 1 1 1 16  1 1  0 0 0 0  tiny"),
            std::string::npos)
      << text;
  Network back = parse_ok(text);
  EXPECT_EQ(back.layers[0].spec().inputs.density, 4.0 / 9.0);
  EXPECT_EQ(back.layers[0].spec().weights.density, 3.0 / 9.0);
  EXPECT_EQ(back.layers[0].spec().outputs.density, 0.0);
}

struct BadLine {
  std::string text;
  int column;
  const char* expected;
};

TEST(ToolFormat, BadLinesNameTheFieldAndColumn) {
  const BadLine cases[] = {
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 96 1 0 16 4 4 0 0 0", 1, "this line has 24"},
      {kConv1 + " conv1 7", 70, "unexpected '7': after the 25 integers come an optional name"},
      {kConv1 + " 7", 64, "this line has more integers ('7')"},
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 96 1 0 16 4 4 0 0 0 0.5", 62,
       "field 'pad right': expected an integer, got '0.5'"},
      {"1 227 227 3 1 -4 16 11 11 3 96 0 16 55 55 96 1 0 16 4 4 0 0 0 0", 15,
       "field 'ifmap zeros': expected a non-negative integer (a count of zeros), got '-4'"},
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 96 1 0 65 4 4 0 0 0 0", 49,
       "field 'ofmap bits': expected a bitwidth in 1..64, got '65'"},
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 95 1 0 16 4 4 0 0 0 0", 42,
       "field 'ofmap channels': expected 96 (the number of filters), got 95"},
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 54 96 1 0 16 4 4 0 0 0 0", 39,
       "field 'ofmap width': expected 55 (from the ifmap width"},
      {"1 227 227 3 1 0 16 11 11 3 96 99999999 16 55 55 96 1 0 16 4 4 0 0 0 0", 31,
       "field 'filter zeros': 99999999 zeros, but the filter has only 34848 values"},
      {"1 227 227 3 1 0 16 11 11 3 96 0 16 55 55 96 1 0 16 4 4 0 0 0 99999999999999999999", 62,
       "field 'pad right': the integer '99999999999999999999' is out of range"},
      {kConv1 + " c type=fc", 1, "an fc layer's filter covers its whole input"},
      {kConv1 + " c type=cnv", 71, "unknown layer type 'cnv' (did you mean 'conv'?)"},
      {kConv1 + " c dilation=0", 75, "'dilation=' expects a positive integer or HxW"},
      {kConv1 + " c type=conv type=conv", 76, "'type=' is given twice"},
      {kConv1 + " \"bad\\q\"", 68, "unknown escape '\\q'"},
  };
  for (const BadLine& c : cases) {
    SCOPED_TRACE(c.text);
    const Error e = parse_error("# header comment\n" + c.text + "\n");
    EXPECT_EQ(e.file, "bad.txt");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, c.column) << e.to_string();
    EXPECT_EQ(e.source_line, c.text);
    EXPECT_NE(e.message.find(c.expected), std::string::npos) << e.message;
  }
}

TEST(ToolFormat, AbsurdSizesAreRefusedByTheLayerChecks) {
  // Every extent is within Layer::make's per-field limit, but the MAC count overflows 64 bits.
  const Error e = parse_error(
      "1 1000000 1000000 1000000 1000 0 16 1 1 1000000 1000000 0 16 1000000 1000000 1000000 1000 0 "
      "16 1 1 0 0 0 0 big\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_NE(e.message.find("overflows 64 bits"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("layer 'big'"), std::string::npos) << e.message;
}

TEST(ToolFormat, OnlyCommentsIsAnError) {
  const Error e = parse_error("# nothing here\n\n# network: x\n");
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(e.file, "bad.txt");
  EXPECT_NE(e.message.find("no layer lines"), std::string::npos) << e.message;
}

TEST(ToolFormat, LoadsFilesAndNamesThemInErrors) {
  auto net = load_tool_config_file(kData + "alexnet_first_two.txt");
  ASSERT_TRUE(net.ok()) << net.error().to_string();
  EXPECT_EQ(net->layers.size(), 2u);
  auto missing = load_tool_config_file(kData + "no_such.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no_such.txt"), std::string::npos);
}

}  // namespace
}  // namespace erg

namespace erg {
namespace {

// Found by fuzz_tool_format: a network name with control bytes and blanks around it was written
// with the bytes as blanks, read back trimmed, and so written differently the second time.
TEST(ToolFormat, NetworkNamesWithControlBytesRoundTripToTheSameText) {
  Network net = zoo_network("lenet5").value();
  net.name = std::string("\0\0 \tlenet5\x01 ", 12);
  const std::string once = network_to_tool_config(net);
  auto back = parse_tool_config(once, "n.txt");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->name, "lenet5");
  EXPECT_EQ(network_to_tool_config(*back), once);
  net.name = std::string("\0\0", 2);
  auto unnamed = parse_tool_config(network_to_tool_config(net), "n.txt");
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->name, "network");
}

}  // namespace
}  // namespace erg
