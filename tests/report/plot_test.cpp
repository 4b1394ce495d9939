// Tests of the SVG charts (erg/plot.h) on real estimates (zoo networks on the `eyeriss` preset):
// every document is well-formed XML (checked here and, when installed, by xmllint), has one bar
// and one label per layer, shows the estimate's totals, escapes layer names, grows with the number
// of layers, and renders to a PNG of its size with rsvg-convert.
#include "erg/plot.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "erg/dataflow.h"
#include "erg/io.h"
#include "erg/report.h"
#include "erg/zoo.h"

namespace erg {
namespace {

// ---------------------------------------------------------------------------------------------
// A small XML 1.0 well-formedness check: valid UTF-8, one root element, balanced tags, quoted and
// unique attributes, only the predefined or numeric entities, no '<' in text or attribute values.

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80             ? 1
                    : (b & 0xE0) == 0xC0 ? 2
                    : (b & 0xF0) == 0xE0 ? 3
                    : (b & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    if (len == 1 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

bool entity_ok(const std::string& s, std::size_t& i) {  // s[i] == '&'
  const std::size_t semi = s.find(';', i);
  if (semi == std::string::npos) return false;
  const std::string name = s.substr(i + 1, semi - i - 1);
  static const std::set<std::string> kNamed = {"amp", "lt", "gt", "quot", "apos"};
  bool ok = kNamed.count(name) > 0;
  if (!ok && name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x';
    const std::string digits = name.substr(hex ? 2 : 1);
    ok = !digits.empty() && digits.find_first_not_of(hex ? "0123456789abcdefABCDEF"
                                                         : "0123456789") == std::string::npos;
  }
  i = semi + 1;
  return ok;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
         c == '.';
}

// Empty when well-formed, else what is wrong and where.
std::string xml_problem(const std::string& s) {
  if (!valid_utf8(s)) return "not valid UTF-8 (or a control character)";
  std::vector<std::string> open;
  int roots = 0;
  std::size_t i = 0;
  if (s.rfind("<?xml", 0) == 0) i = s.find("?>") + 2;
  while (i < s.size()) {
    if (s[i] == '&') {
      if (!entity_ok(s, i)) return "bad entity at " + std::to_string(i);
      continue;
    }
    if (s[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(s[i])))
        return "text outside the root at " + std::to_string(i);
      ++i;
      continue;
    }
    if (s.compare(i, 2, "</") == 0) {
      std::size_t j = i + 2;
      while (j < s.size() && is_name_char(s[j])) ++j;
      const std::string name = s.substr(i + 2, j - i - 2);
      if (j >= s.size() || s[j] != '>') return "bad end tag at " + std::to_string(i);
      if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
      open.pop_back();
      i = j + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < s.size() && is_name_char(s[j])) ++j;
    const std::string name = s.substr(i + 1, j - i - 1);
    if (name.empty()) return "bad tag at " + std::to_string(i);
    std::set<std::string> attrs;
    while (true) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag <" + name + ">";
      if (s[j] == '>' || s.compare(j, 2, "/>") == 0) break;
      const std::size_t a = j;
      while (j < s.size() && is_name_char(s[j])) ++j;
      const std::string attr = s.substr(a, j - a);
      if (attr.empty() || j + 1 >= s.size() || s[j] != '=' || (s[j + 1] != '"' && s[j + 1] != '\''))
        return "bad attribute in <" + name + "> at " + std::to_string(a);
      if (!attrs.insert(attr).second) return "duplicate attribute " + attr + " in <" + name + ">";
      const char quote = s[j + 1];
      j += 2;
      while (j < s.size() && s[j] != quote) {
        if (s[j] == '<') return "'<' in attribute " + attr;
        if (s[j] == '&') {
          if (!entity_ok(s, j)) return "bad entity in attribute " + attr;
        } else {
          ++j;
        }
      }
      if (j >= s.size()) return "unterminated attribute " + attr;
      ++j;
    }
    const bool empty = s[j] == '/';
    if (open.empty()) ++roots;
    if (!empty) open.push_back(name);
    i = j + (empty ? 2 : 1);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

TEST(XmlCheck, TellsWellFormedFromBroken) {
  EXPECT_EQ(xml_problem("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; &#38;</a>\n"), "");
  EXPECT_NE(xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(xml_problem("<a>x & y</a>"), "");
  EXPECT_NE(xml_problem("<a t=\"<\"/>"), "");
  EXPECT_NE(xml_problem("<a x=\"1\" x=\"2\"/>"), "");
  EXPECT_NE(xml_problem("<a/><b/>"), "");
  EXPECT_NE(xml_problem("<a>\xff</a>"), "");
}

// ---------------------------------------------------------------------------------------------
// Helpers.

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("erg_plot_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Well-formed by the check above and, when it is installed, by xmllint.
void expect_well_formed(const std::string& svg, const std::string& what) {
  EXPECT_EQ(xml_problem(svg), "") << what;
  if (!have_tool("xmllint")) return;
  const std::string path = temp_path(what + ".svg");
  write_file(path, svg);
  EXPECT_EQ(std::system(("xmllint --noout '" + path + "' 2>/dev/null").c_str()), 0)
      << what << " does not parse with xmllint";
  std::remove(path.c_str());
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The value of attribute `attr` of the root <svg> element.
double root_attr(const std::string& svg, const std::string& attr) {
  const std::size_t root = svg.find("<svg ");
  const std::size_t p = svg.find(" " + attr + "=\"", root);
  if (root == std::string::npos || p == std::string::npos) return -1;
  return std::stod(svg.substr(p + attr.size() + 3));
}

// Per data-column (layer), the sum of the data-value attributes of its segments with a data-key
// among `keys` (all when empty).
std::map<std::string, double> column_sums(const std::string& svg,
                                          const std::set<std::string>& keys = {}) {
  std::map<std::string, double> sums;
  std::string column;
  std::size_t p = 0;
  while (true) {
    const std::size_t g = svg.find("data-column=\"", p);
    const std::size_t r = svg.find("data-key=\"", p);
    if (r == std::string::npos) break;
    if (g != std::string::npos && g < r) {
      const std::size_t b = g + 13;
      column = svg.substr(b, svg.find('"', b) - b);
      p = b;
      continue;
    }
    const std::size_t kb = r + 10;
    const std::string key = svg.substr(kb, svg.find('"', kb) - kb);
    const std::size_t v = svg.find("data-value=\"", kb) + 12;
    if (keys.empty() || keys.count(key)) sums[column] += std::stod(svg.substr(v));
    p = v;
  }
  return sums;
}

const Arch& eyeriss() {
  static const Arch arch = [] {
    auto a = load_arch("eyeriss");
    EXPECT_TRUE(a.ok()) << a.error().to_string();
    return *a;
  }();
  return arch;
}

NetworkEstimate estimate_of(const Network& net) {
  auto est = estimate_network(net, eyeriss(), EstimateOptions{});
  EXPECT_TRUE(est.ok()) << est.error().to_string();
  return *est;
}

Network zoo(const std::string& name) {
  auto net = zoo_network(name);
  EXPECT_TRUE(net.ok()) << net.error().to_string();
  return *net;
}

// `net` with every layer renamed by `rename(index, old name)`.
template <class F>
Network renamed(const Network& net, F rename) {
  Network out{net.name, {}};
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    LayerSpec s = net.layers[i].spec();
    s.name = rename(i, s.name);
    auto l = Layer::make(s);
    EXPECT_TRUE(l.ok()) << l.error().to_string();
    out.layers.push_back(*l);
  }
  return out;
}

const std::set<std::string> kTypeKeys = {"computation", "weights", "ifmap", "ofmap"};

// ---------------------------------------------------------------------------------------------

TEST(EstimateSvg, IsOneWellFormedDocumentWithThePanelsAndTheTitle) {
  const NetworkEstimate est = estimate_of(zoo("lenet5"));
  const std::string svg = estimate_svg(est);
  expect_well_formed(svg, "lenet5");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(count(svg, "<svg "), 1u);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);  // no links, images or external fonts
  EXPECT_EQ(svg.find("@import"), std::string::npos);
  for (const char* text : {"lenet5 on eyeriss", "dataflow rs", "batch 1", "(a) Energy per layer",
                           "(b) Energy per layer", "(c) Network total", "× MAC energy"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  EXPECT_GT(root_attr(svg, "width"), 0);
  EXPECT_GT(root_attr(svg, "height"), 0);
  // Each panel alone is a document too.
  for (const std::string& panel :
       {estimate_type_svg(est), estimate_level_svg(est), estimate_split_svg(est)}) {
    expect_well_formed(panel, "panel");
    EXPECT_EQ(count(panel, "<svg "), 1u);
  }
}

TEST(EstimateSvg, OneBarAndOneLabelPerLayerAndSegmentsAddUpToTheLayersEnergy) {
  const NetworkEstimate est = estimate_of(zoo("lenet5"));
  const std::string type = estimate_type_svg(est);
  ASSERT_EQ(est.layers.size(), 4u);
  EXPECT_EQ(count(type, "class=\"bar\""), 4u);
  EXPECT_EQ(count(type, "class=\"xlabel\""), 4u);
  std::size_t nonzero = 0;
  for (const LayerResult& r : est.layers) {
    const Energy& e = r.eval.energy;
    for (double v : {e.compute, e.tensor_total(Tensor::Weights), e.tensor_total(Tensor::Inputs),
                     e.tensor_total(Tensor::Outputs)})
      nonzero += v > 0;
  }
  EXPECT_EQ(count(type, "class=\"seg\""), nonzero);

  // By data type and by level, each layer's segments add up to its energy.
  const auto by_type = column_sums(type);
  const auto by_level = column_sums(estimate_level_svg(est));
  for (const LayerResult& r : est.layers) {
    const double total = r.eval.energy.total();
    EXPECT_NEAR(by_type.at(r.layer.name()), total, 1e-9 * total) << r.layer.name();
    EXPECT_NEAR(by_level.at(r.layer.name()), total, 1e-9 * total) << r.layer.name();
  }
}

TEST(EstimateSvg, TheTotalsShownAreTheEstimates) {
  const NetworkEstimate est = estimate_of(zoo("alexnet"));
  double total = 0, weights = 0;
  for (const LayerResult& r : est.layers) {
    total += r.eval.energy.total();
    weights += r.eval.energy.tensor_total(Tensor::Weights);
  }
  const std::string svg = estimate_svg(est);
  expect_well_formed(svg, "alexnet");
  // The title and panel (c) name the total as the table does.
  EXPECT_GE(count(svg, "total " + human_number(total) + " (× MAC energy)"), 1u);
  EXPECT_NE(svg.find("Network total: " + human_number(total)), std::string::npos);
  // Panel (c): both 100 % bars add up to the total; the weights part is the weights energy.
  const std::string split = estimate_split_svg(est);
  double by_type = 0, by_level = 0, w = 0;
  for (const auto& [key, v] : column_sums(split, kTypeKeys)) by_type += v;
  std::size_t p = 0;
  while ((p = split.find("data-key=\"", p)) != std::string::npos) {
    p += 10;
    const std::string key = split.substr(p, split.find('"', p) - p);
    const double v = std::stod(split.substr(split.find("data-value=\"", p) + 12));
    if (key.rfind("level:", 0) == 0) by_level += v;
    if (key == "weights") w = v;
  }
  EXPECT_NEAR(by_type, total, 1e-9 * total);
  EXPECT_NEAR(by_level, total, 1e-9 * total);
  EXPECT_NEAR(w, weights, 1e-9 * weights);
  // The legend gives each data type's share and value.
  const std::string legend =
      fmt::format("weights {:.1f} % ({})", 100.0 * weights / total, human_number(weights));
  EXPECT_NE(split.find(legend), std::string::npos) << legend;
}

TEST(EstimateSvg, LayerNamesAreEscapedAndInvalidBytesReplaced) {
  const Network net = renamed(zoo("lenet5"), [](std::size_t i, const std::string& name) {
    if (i == 0) return std::string("a<&>\"'b");
    if (i == 1)
      return std::string(
          "bad\xff\x01"
          "byte");
    if (i == 2) return std::string("ünïcode-conv-with-a-rather-long-name-that-gets-shortened");
    return name;
  });
  const NetworkEstimate est = estimate_of(net);
  const std::string svg = estimate_svg(est);
  expect_well_formed(svg, "escaped");
  EXPECT_NE(svg.find("a&lt;&amp;&gt;&quot;&apos;b"), std::string::npos);
  EXPECT_EQ(svg.find("a<&>"), std::string::npos);
  EXPECT_NE(svg.find("bad\xEF\xBF\xBD\xEF\xBF\xBD"
                     "byte"),
            std::string::npos);  // two U+FFFD
  // Long names are shortened in the middle on the axis; the tooltip keeps the whole name.
  EXPECT_NE(svg.find(">ünïcode-conv…s-shortened</text>"), std::string::npos);
  EXPECT_NE(svg.find("ünïcode-conv-with-a-rather-long-name-that-gets-shortened: "),
            std::string::npos);
}

TEST(EstimateSvg, ManyLayersWidenTheChartAndKeepEveryLabel) {
  // 60 distinct names for copies of LeNet-5's layers (identical layers are mapped once).
  const Network base = zoo("lenet5");
  Network many{"many", {}};
  for (int k = 0; k < 15; ++k) {
    for (const Layer& l : base.layers) {
      LayerSpec s = l.spec();
      s.name = "block" + std::to_string(k) + "/" + s.name;
      many.layers.push_back(*Layer::make(s));
    }
  }
  const NetworkEstimate est = estimate_of(many);
  const std::string svg = estimate_svg(est);
  expect_well_formed(svg, "many");
  EXPECT_GE(root_attr(svg, "width"), 60 * 14.0);       // at least 14 px per layer
  EXPECT_EQ(count(svg, "class=\"xlabel\""), 2 * 60u);  // panels (a) and (b)
  EXPECT_NE(svg.find("rotate(-90.0)\" class=\"xlabel\""), std::string::npos);
  // A fixed narrow width labels every k-th layer rather than overlapping them.
  PlotOptions narrow;
  narrow.width = 400;
  const std::string thin = estimate_type_svg(est, narrow);
  expect_well_formed(thin, "narrow");
  EXPECT_EQ(root_attr(thin, "width"), 400 + 2 * 16.0);  // plus the document margins
  const std::size_t labels = count(thin, "class=\"xlabel\"");
  EXPECT_LT(labels, 60u);
  EXPECT_GT(labels, 10u);
  EXPECT_EQ(count(thin, "class=\"bar\""), 60u);
}

TEST(EstimateSvg, EmptyEstimateIsStillADocument) {
  NetworkEstimate est;
  est.network = "empty";
  est.arch = "eyeriss";
  est.unit = "MAC";
  est.hardware = eyeriss();
  const std::string svg = estimate_svg(est);
  expect_well_formed(svg, "empty");
  EXPECT_NE(svg.find("no layers"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"seg\""), 0u);
}

// Reads a PNG's size from its IHDR chunk; {0, 0} when `png` is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      png.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(png[at + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

// Renders `svg` with rsvg-convert; the PNG's bytes (empty if it failed).
std::string render(const std::string& svg, const std::string& name) {
  const std::string in = temp_path(name + ".svg"), out = temp_path(name + ".png");
  write_file(in, svg);
  const int st = std::system(("rsvg-convert -o '" + out + "' '" + in + "' 2>/dev/null").c_str());
  std::string png = st == 0 ? read_file(out) : "";
  std::remove(in.c_str());
  std::remove(out.c_str());
  return png;
}

TEST(EstimateSvg, RendersToAPngOfItsSizeWithContent) {
  if (!have_tool("rsvg-convert")) GTEST_SKIP() << "rsvg-convert (librsvg2-bin) is not installed";
  const NetworkEstimate est = estimate_of(zoo("alexnet"));
  const std::string svg = estimate_svg(est);
  const std::string png = render(svg, "alexnet");
  ASSERT_FALSE(png.empty()) << "rsvg-convert failed";
  const auto [w, h] = png_size(png);
  EXPECT_NEAR(w, root_attr(svg, "width"), 1.0);
  EXPECT_NEAR(h, root_attr(svg, "height"), 1.0);
  EXPECT_GT(w, 600u);
  EXPECT_GT(h, 600u);
  // A blank page of the same size compresses to a few kB; bars and text make it far larger.
  const std::string blank = render(fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                               "width=\"{}\" height=\"{}\"><rect width=\"100%\" "
                                               "height=\"100%\" fill=\"#FFFFFF\"/></svg>",
                                               w, h),
                                   "blank");
  ASSERT_FALSE(blank.empty());
  EXPECT_GT(png.size(), 5 * blank.size());
}

DataflowComparison hand_comparison() {
  DataflowComparison c;
  c.network = "hand<net>";
  c.base_arch = "eyeriss-isca16";
  c.unit = "MAC";
  c.dataflows = compared_dataflows();
  c.layer_names = {"conv1", "fc&1"};
  const std::size_t k = c.dataflows.size();
  c.layers.assign(2, std::vector<DataflowFigures>(k));
  c.total.assign(k, DataflowFigures{});
  for (std::size_t j = 0; j < k; ++j) {
    for (std::size_t i = 0; i < 2; ++i) {
      c.layers[i][j].macs = 1000;
      c.layers[i][j].energy = 1000.0 * static_cast<double>(5 + j + 10 * i);
      c.total[j].macs += 1000;
      c.total[j].energy += c.layers[i][j].energy;
    }
  }
  return c;
}

TEST(CompareSvg, OneBarPerDataflowPerLayerAndInTotal) {
  const DataflowComparison c = hand_comparison();
  const std::string svg = compare_svg(c);
  expect_well_formed(svg, "compare");
  EXPECT_EQ(count(svg, "class=\"bar\""), 3u);  // conv1, fc&1, TOTAL
  EXPECT_EQ(count(svg, "class=\"seg\""), 3 * c.dataflows.size());
  EXPECT_NE(svg.find("hand&lt;net&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">fc&amp;1</text>"), std::string::npos);
  for (Dataflow df : c.dataflows)
    EXPECT_NE(svg.find(">" + std::string(dataflow_name(df)) + "</text>"), std::string::npos);
  // The bars are energy per MAC: nlr (the sixth) on fc&1 is (5 + 5 + 10) = 20 per MAC.
  EXPECT_NEAR(column_sums(svg, {"nlr"}).at("fc&amp;1"), 20.0, 1e-12);
  EXPECT_NEAR(column_sums(svg, {"rs"}).at("TOTAL"), (5.0 + 15.0) / 2, 1e-12);
}

TEST(TradeoffSvg, OnePointPerNetworkHollowWhenRejectedAndRenders) {
  const std::vector<TradeoffSeries> series = {
      {"magnitude",
       {{"original", 100, 0.90, true}, {"round 1", 70, 0.897, true}, {"round 2", 50, 0.87, false}}},
      {"energy-aware <&>", {{"original", 100, 0.90, true}, {"round 1", 40, 0.895, true}}}};
  const std::string svg = tradeoff_svg("pruning \"test\"", series, 100, 0.90, 0.01);
  expect_well_formed(svg, "tradeoff");
  EXPECT_EQ(count(svg, "class=\"point\""), 5u);
  EXPECT_EQ(count(svg, "data-accepted=\"false\""), 1u);
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find("energy-aware &lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(svg.find("data-key=\"floor\""), std::string::npos);
  // The cheapest point lies left of the original (x grows with relative energy).
  const auto x_of = [&](const std::string& energy) {
    const std::size_t at = svg.find("data-energy=\"" + energy + "\"");
    const std::size_t cx = svg.rfind("cx=\"", at);
    return std::stod(svg.substr(cx + 4));
  };
  EXPECT_LT(x_of("40"), x_of("100"));
  if (!have_tool("rsvg-convert")) GTEST_SKIP() << "rsvg-convert (librsvg2-bin) is not installed";
  EXPECT_FALSE(render(svg, "tradeoff").empty());
}

}  // namespace
}  // namespace erg
