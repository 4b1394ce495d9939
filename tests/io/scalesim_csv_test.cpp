// SCALE-Sim topology CSV files (erg/scalesim.h, docs/formats.md): the dialects SCALE-Sim's own
// topology files use, the mapping onto erg layers (padding folded into the IFMAP, FC, depthwise,
// GEMM), and the writer.
#include <gtest/gtest.h>

#include "erg/io.h"
#include "erg/scalesim.h"
#include "erg/zoo.h"
#include "io/network_compare.h"

namespace erg {
namespace {

const std::string kData = std::string(ERG_SOURCE_DIR) + "/tests/data/";
const std::string kHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";

Network parse_ok(const std::string& text, const std::string& origin = "topo.csv") {
  auto r = parse_scalesim_csv(text, origin);
  EXPECT_TRUE(r.ok()) << r.error().to_string() << "\n" << text;
  return r.ok() ? *r : Network{};
}

Error parse_error(const std::string& text) {
  auto r = parse_scalesim_csv(text, "bad.csv");
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error{} : r.error();
}

TEST(ScaleSimCsv, ReadsSpacedCellsBlankLinesTabsCommentsAndMissingTrailingCommas) {
  // The quirks of SCALE-Sim's shipped topologies: padded cells, a blank line after the header,
  // tab-indented rows, a '#dw' note after the last comma, a row without its trailing comma.
  const std::string text = kHeader +
                           "\n"
                           "Conv1     ,224         ,224        ,11  ,11 ,3  ,96  ,4      ,\r\n"
                           "\tConv2_dw, 112, 112, 3, 3, 1, 1, 2,#dw\n"
                           "Conv3,28,28,1,1,256,256,1\n"
                           "# a comment line\n"
                           "FC, 1, 1, 1, 1, 1024, 1000, 1,\n";
  Network net = parse_ok(text, "dir/mobile.csv");
  EXPECT_EQ(net.name, "mobile");
  ASSERT_EQ(net.layers.size(), 4u);
  const LayerSpec& c1 = net.layers[0].spec();
  EXPECT_EQ(c1.name, "Conv1");
  EXPECT_EQ(c1.type, LayerType::Conv);
  EXPECT_EQ(c1.in_h, 224);
  EXPECT_EQ(c1.in_w, 224);
  EXPECT_EQ(c1.filter_h, 11);
  EXPECT_EQ(c1.in_channels, 3);
  EXPECT_EQ(c1.out_channels, 96);
  EXPECT_EQ(c1.stride_h, 4);
  EXPECT_EQ(c1.stride_w, 4);
  EXPECT_EQ(c1.pad_top + c1.pad_bottom + c1.pad_left + c1.pad_right, 0);
  EXPECT_EQ(c1.batch, 1);
  EXPECT_EQ(c1.groups, 1);
  // ⌊(224 − 11) / 4⌋ + 1 = 54, SCALE-Sim v1's rule (v2 rounds up to 55; docs/formats.md).
  EXPECT_EQ(net.layers[0].dim(Dim::P), 54);
  EXPECT_EQ(net.layers[1].name(), "Conv2_dw");
  EXPECT_EQ(net.layers[1].dim(Dim::P), 55);
  EXPECT_EQ(net.layers[2].spec().stride_h, 1);
  // A filter covering the whole IFMAP is FC.
  EXPECT_EQ(net.layers[3].type(), LayerType::FC);
  EXPECT_EQ(net.layers[3].macs(), 1024u * 1000u);
}

TEST(ScaleSimCsv, SplitStridesAndV2HeaderSpelling) {
  // scale-sim v2 writes "IFMAP height", "Num filter", "Stride height, Stride width".
  Network net = parse_ok(
      "Layer name,IFMAP height,IFMAP width,Filter height,Filter width,Channels,Num filter,"
      "Stride height,Stride width,\n"
      "a,32,33,3,3,8,16,1,2,\n"
      "b,32,32,3,3,8,16,2,\n");
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].spec().stride_h, 1);
  EXPECT_EQ(net.layers[0].spec().stride_w, 2);
  EXPECT_EQ(net.layers[0].dim(Dim::Q), 16);
  EXPECT_EQ(net.layers[1].spec().stride_w, 2);
}

TEST(ScaleSimCsv, NamesWithDpAreDepthwiseAsScaleSimRunsThem) {
  // SCALE-Sim v2 runs a "DP" layer once per channel with Num Filter filters each.
  Network net = parse_ok(kHeader + "Conv_DP1,114,114,3,3,32,1,1,\nDPx2,10,10,3,3,4,2,1,\n");
  ASSERT_EQ(net.layers.size(), 2u);
  const Layer& dw = net.layers[0];
  EXPECT_EQ(dw.type(), LayerType::Depthwise);
  EXPECT_EQ(dw.spec().groups, 32);
  EXPECT_EQ(dw.spec().out_channels, 32);
  EXPECT_EQ(dw.macs(), 32u * 112 * 112 * 9);
  EXPECT_EQ(net.layers[1].spec().out_channels, 8);
  EXPECT_EQ(net.layers[1].macs(), 8u * 8 * 8 * 9);
}

TEST(ScaleSimCsv, GemmFilesAreMatrixMultiplies) {
  Network net = parse_ok("Layer,M,N,K\n1,2048,4096,32\n2,32,2048,4096\n", "gnmt.csv");
  ASSERT_EQ(net.layers.size(), 2u);
  const Layer& l = net.layers[0];
  EXPECT_EQ(l.type(), LayerType::MatMul);
  EXPECT_EQ(l.dim(Dim::P), 2048);  // M rows
  EXPECT_EQ(l.dim(Dim::M), 4096);  // N columns
  EXPECT_EQ(l.dim(Dim::C), 32);    // K inner
  EXPECT_EQ(l.macs(), 2048u * 4096u * 32u);
}

TEST(ScaleSimCsv, WrittenZooNetworksReadBackWithThePaddingInTheIfmap) {
  int written = 0;
  for (const ZooEntry& e : zoo_entries()) {
    SCOPED_TRACE(e.name);
    auto net = zoo_network(e.name);
    ASSERT_TRUE(net.ok());
    auto text = network_to_scalesim_csv(*net);
    bool grouped = false;
    for (const Layer& l : net->layers)
      grouped = grouped || (l.spec().groups > 1 && l.type() != LayerType::Depthwise);
    if (grouped) {  // AlexNet's two-group layers have no SCALE-Sim form
      ASSERT_FALSE(text.ok());
      EXPECT_NE(text.error().message.find("the format has no groups"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(text.ok()) << text.error().message;
    ++written;
    auto back = parse_scalesim_csv(*text, e.name + ".csv");
    ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << *text;
    ASSERT_EQ(back->layers.size(), net->layers.size());
    EXPECT_EQ(back->macs(), net->macs());
    EXPECT_EQ(back->weights(), net->weights());
    for (std::size_t i = 0; i < net->layers.size(); ++i) {
      const Layer& a = net->layers[i];
      const Layer& b = back->layers[i];
      const LayerSpec& s = a.spec();
      EXPECT_EQ(b.spec().in_h, s.in_h + s.pad_top + s.pad_bottom) << s.name;
      EXPECT_EQ(b.spec().in_w, s.in_w + s.pad_left + s.pad_right) << s.name;
      EXPECT_EQ(b.dim(Dim::P), a.dim(Dim::P)) << s.name;
      EXPECT_EQ(b.dim(Dim::Q), a.dim(Dim::Q)) << s.name;
      EXPECT_EQ(b.type(), a.type()) << s.name;
      EXPECT_EQ(b.spec().groups, s.groups) << s.name;
    }
    // Reading back and writing again changes nothing more.
    auto again = network_to_scalesim_csv(*back);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *text);
  }
  EXPECT_GE(written, 5);
}

TEST(ScaleSimCsv, WriterRefusesWhatTheFormatCannotHold) {
  auto alex = zoo_network("alexnet");
  ASSERT_TRUE(alex.ok());
  LayerSpec s = alex->layers[0].spec();
  s.batch = 4;
  auto r = network_to_scalesim_csv(Network{"n", {Layer::make(s).value()}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("layer 'conv1' cannot be written as a SCALE-Sim topology: the "
                                   "format has no batch (batch 4)"),
            std::string::npos)
      << r.error().message;
  s = alex->layers[0].spec();
  s.dilation_h = 2;
  EXPECT_FALSE(network_to_scalesim_csv(Network{"n", {Layer::make(s).value()}}).ok());
  s = alex->layers[0].spec();
  s.name = "a,b";
  EXPECT_FALSE(network_to_scalesim_csv(Network{"n", {Layer::make(s).value()}}).ok());
  s.name = "conv_DP";  // would read back as depthwise
  EXPECT_FALSE(network_to_scalesim_csv(Network{"n", {Layer::make(s).value()}}).ok());
  // Unequal strides switch the whole file to the split-stride header.
  s = alex->layers[0].spec();
  s.stride_w = 2;
  auto split = network_to_scalesim_csv(Network{"n", {Layer::make(s).value()}});
  ASSERT_TRUE(split.ok());
  EXPECT_NE(split->find("Stride height, Stride width,\nconv1,227,227,11,11,3,96,4,2,\n"),
            std::string::npos)
      << *split;
  auto back = parse_ok(*split);
  EXPECT_EQ(back.layers[0].spec().stride_w, 2);
}

TEST(ScaleSimCsv, TheShippedExampleMatchesTheZoo) {
  auto net = load_scalesim_csv_file(kData + "lenet5_scalesim.csv");
  ASSERT_TRUE(net.ok()) << net.error().to_string();
  auto zoo = zoo_network("lenet5");
  ASSERT_TRUE(zoo.ok());
  EXPECT_EQ(net->name, "lenet5_scalesim");
  EXPECT_EQ(net->macs(), zoo->macs());
  ASSERT_EQ(net->layers.size(), zoo->layers.size());
  EXPECT_EQ(net->layers[0].spec().in_h, 32);  // 28 + 2 + 2: the padding is in the IFMAP
  EXPECT_EQ(net->layers[2].type(), LayerType::FC);
}

struct BadRow {
  std::string text;  // the second line, after kHeader
  int column;
  const char* expected;
};

TEST(ScaleSimCsv, BadRowsNameTheColumn) {
  const BadRow cases[] = {
      {"Conv1,224,224,11,11,3,96,4,", 0, ""},  // a good row, as a control
      {"Conv1,224,224,11,11,3,96,x,", 26, "column 'Strides': expected a positive integer"},
      {"Conv1,224,,11,11,3,96,4,", 11, "column 'IFMAP Width': the cell is empty"},
      {" ,224,224,11,11,3,96,4,", 1, "column 'Layer name': the name is empty"},
      {"Conv1,224,224,11,11,3,96,4,2,9,", 30, "this one has 10 cells"},
      {"Conv1,224,224,11,11,3,-96,4,", 23, "column 'Num Filter': expected a positive integer"},
      {"Conv1,224,10,11,11,3,96,4,", 17, "column 'Filter Width': 11 exceeds the IFMAP Width 10"},
  };
  for (const BadRow& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse_scalesim_csv(kHeader + c.text + "\n", "bad.csv");
    if (c.column == 0) {
      EXPECT_TRUE(r.ok());
      continue;
    }
    ASSERT_FALSE(r.ok());
    const Error& e = r.error();
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, c.column) << e.to_string();
    EXPECT_EQ(e.source_line, c.text);
    EXPECT_NE(e.message.find(c.expected), std::string::npos) << e.message;
  }
}

TEST(ScaleSimCsv, HeaderProblems) {
  Error e = parse_error("Layer name, IFMAP Height, IFMAP Width, Filter Height\nConv1,1,1,1,\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_NE(e.message.find("the header has 4 columns"), std::string::npos) << e.message;
  e = parse_error(kHeader.substr(0, kHeader.size() - 1) +
                  " Stride width, Dilation,\nConv1,8,8,1,1,1,1,1,\n");
  EXPECT_NE(e.message.find("unexpected header column 'Dilation'"), std::string::npos) << e.message;
  e = parse_error("# only a comment\n\n" + kHeader);
  EXPECT_EQ(e.line, 0);
  EXPECT_NE(e.message.find("a header but no layer rows"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace erg
