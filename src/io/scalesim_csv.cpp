// SCALE-Sim topology CSV files (erg/scalesim.h), read and written. docs/formats.md defines the
// accepted dialect; this file follows it rule by rule.
#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <limits>
#include <map>

#include "erg/io.h"
#include "erg/scalesim.h"
#include "erg/text.h"
#include "io/line_text.h"

namespace erg {

namespace {

using io::TextLine;

struct Failure {
  Error error;
};

struct Cell {
  std::string text;  // trimmed
  int column = 0;    // 1-based column of the text (of the cell's start when it is empty)
};

// Splits a row at commas. A cell starting with '#' comments out itself and the rest of the row;
// empty cells at the end (trailing commas) are dropped.
std::vector<Cell> split_row(std::string_view line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
    const std::string_view raw = line.substr(start, end - start);
    const std::string_view t = io::trim(raw);
    const std::size_t lead = t.empty() ? 0 : static_cast<std::size_t>(t.data() - raw.data());
    if (!t.empty() && t.front() == '#') break;
    cells.push_back({std::string(t), static_cast<int>(start + lead) + 1});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  while (!cells.empty() && cells.back().text.empty()) cells.pop_back();
  return cells;
}

// Header names compared without case, spaces or underscores.
std::string normalised(std::string_view s) {
  std::string out;
  for (char c : ascii_lower(s))
    if (c != ' ' && c != '_' && c != '\t') out += c;
  return out;
}

enum class Kind { Conv, Gemm };

// The column names as messages show them (the conv layout, then the GEMM one).
const std::array<const char*, 9> kConvColumns = {"Layer name",    "IFMAP Height", "IFMAP Width",
                                                 "Filter Height", "Filter Width", "Channels",
                                                 "Num Filter",    "Strides",      "Stride width"};
const std::array<const char*, 4> kGemmColumns = {"Layer", "M", "N", "K"};

class Reader {
 public:
  Reader(const std::string& text, const std::string& origin) : text_(text), origin_(origin) {}

  Network read() {
    Network net;
    net.name = std::filesystem::path(origin_).stem().string();
    if (net.name.empty()) net.name = "network";
    bool have_header = false;
    std::map<std::string, int> seen;  // lower-case layer name → line
    for (const TextLine& line : io::split_lines(text_)) {
      line_ = line;
      const std::vector<Cell> cells = split_row(line.text);
      if (cells.empty()) continue;  // blank or comment
      if (!have_header) {
        read_header(cells);
        have_header = true;
        continue;
      }
      Layer layer = kind_ == Kind::Gemm ? read_gemm(cells) : read_conv(cells);
      const auto [it, fresh] = seen.emplace(ascii_lower(layer.name()), line.number);
      if (!fresh)
        fail(cells[0].column,
             fmt::format("the layer name '{}' is already used on line {}; layer names must be "
                         "unique (case-insensitive)",
                         layer.name(), it->second));
      net.layers.push_back(std::move(layer));
    }
    if (net.layers.empty()) {
      Error e = make_error(
          have_header ? "the file has a header but no layer rows"
                      : "the file is empty: a SCALE-Sim topology has a header line and one row "
                        "per layer");
      e.file = origin_;
      throw Failure{e};
    }
    return net;
  }

 private:
  [[noreturn]] void fail(int column, std::string message) const {
    throw Failure{io::line_error(origin_, line_, column, std::move(message))};
  }

  const char* column_name(std::size_t i) const {
    return kind_ == Kind::Gemm ? kGemmColumns[i] : kConvColumns[i];
  }

  void read_header(const std::vector<Cell>& cells) {
    if (cells.size() > 1 && io::looks_like_integer(cells[1].text))
      fail(1,
           "missing the header line: a SCALE-Sim topology starts with 'Layer name, IFMAP Height, "
           "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,' (or "
           "'Layer, M, N, K' for GEMM layers)");
    if (cells.size() == 4 && normalised(cells[1].text) == "m") {
      kind_ = Kind::Gemm;
      for (std::size_t i = 1; i < 4; ++i) {
        if (normalised(cells[i].text) != ascii_lower(kGemmColumns[i]))
          fail(cells[i].column, fmt::format("header column {} is '{}', expected '{}'", i + 1,
                                            cells[i].text, kGemmColumns[i]));
      }
      return;
    }
    kind_ = Kind::Conv;
    // Accepted spellings of each column after the first (normalised).
    const std::array<std::vector<std::string>, 9> accepted = {{
        {},
        {"ifmapheight"},
        {"ifmapwidth"},
        {"filterheight"},
        {"filterwidth"},
        {"channels"},
        {"numfilter", "numfilters"},
        {"strides", "stride", "strideheight"},
        {"stridewidth"},
    }};
    for (std::size_t i = 1; i < cells.size(); ++i) {
      if (i >= accepted.size())
        fail(cells[i].column,
             fmt::format("unexpected header column '{}': a SCALE-Sim topology has 8 columns "
                         "(9 with 'Stride width')",
                         cells[i].text));
      const std::string n = normalised(cells[i].text);
      bool ok = false;
      for (const auto& a : accepted[i]) ok = ok || n == a;
      if (!ok) {
        std::vector<std::string> names(kConvColumns.begin() + 1, kConvColumns.end());
        fail(cells[i].column,
             fmt::format("header column {} is '{}', expected '{}'{}", i + 1, cells[i].text,
                         i == 7 ? "Strides' (or 'Stride height" : kConvColumns[i],
                         did_you_mean(cells[i].text, names)));
      }
    }
    if (cells.size() < 8)
      fail(1, fmt::format("the header has {} columns; a SCALE-Sim topology has 8 ('Layer name, "
                          "IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
                          "Filter, Strides,'), or 9 with the stride split into height and width",
                          cells.size()));
  }

  // The name cell and `count` positive integers after it.
  std::vector<std::int64_t> read_cells(const std::vector<Cell>& cells, std::size_t min,
                                       std::size_t max, const char* layout) {
    if (cells[0].text.empty()) fail(cells[0].column, "column 'Layer name': the name is empty");
    for (std::size_t i = 1; i < cells.size() && i < max; ++i) {
      const Cell& c = cells[i];
      if (c.text.empty())
        fail(c.column, fmt::format("column '{}': the cell is empty", column_name(i)));
      auto v = io::parse_int64(c.text);
      if (!v || *v < 1)
        fail(c.column, fmt::format("column '{}': expected a positive integer, got '{}'",
                                   column_name(i), c.text));
    }
    if (cells.size() < min || cells.size() > max)
      fail(cells.size() > max ? cells[max].column : 1,
           fmt::format("a row has {}; this one has {} cells", layout, cells.size()));
    std::vector<std::int64_t> v;
    for (std::size_t i = 1; i < cells.size(); ++i) v.push_back(*io::parse_int64(cells[i].text));
    return v;
  }

  Layer make(const LayerSpec& s, const std::vector<Cell>& cells) const {
    auto l = Layer::make(s);
    if (!l) fail(cells[0].column, l.error().message);
    return std::move(l).value();
  }

  Layer read_conv(const std::vector<Cell>& cells) {
    const auto v = read_cells(cells, 8, 9,
                              "a layer name and 7 integers (IFMAP Height, IFMAP Width, Filter "
                              "Height, Filter Width, Channels, Num Filter, Strides), optionally "
                              "followed by the stride width");
    LayerSpec s;
    s.name = cells[0].text;
    s.in_h = v[0];
    s.in_w = v[1];
    s.filter_h = v[2];
    s.filter_w = v[3];
    s.in_channels = v[4];
    s.out_channels = v[5];
    s.stride_h = v[6];
    s.stride_w = v.size() > 7 ? v[7] : v[6];
    for (int i : {2, 3}) {
      if (v[i] > v[i - 2])
        fail(cells[i + 1].column,
             fmt::format("column '{}': {} exceeds the {} {} (SCALE-Sim's IFMAP sizes include "
                         "any padding)",
                         column_name(i + 1), v[i], column_name(i - 1), v[i - 2]));
    }
    if (s.name.find("DP") != std::string::npos) {
      // SCALE-Sim v2 runs a layer whose name contains "DP" once per channel, each on one
      // channel with Num Filter filters: a depthwise layer.
      s.type = LayerType::Depthwise;
      s.groups = s.in_channels;
      auto m = checked_mul(static_cast<std::uint64_t>(s.in_channels),
                           static_cast<std::uint64_t>(s.out_channels));
      if (!m || *m > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(cells[6].column, "column 'Num Filter': Channels x Num Filter overflows 64 bits");
      s.out_channels = static_cast<std::int64_t>(*m);
    } else if (s.filter_h == s.in_h && s.filter_w == s.in_w) {
      s.type = LayerType::FC;
    }
    return make(s, cells);
  }

  Layer read_gemm(const std::vector<Cell>& cells) {
    const auto v = read_cells(cells, 4, 4, "a layer name and 3 integers (M, N, K)");
    LayerSpec s;
    s.name = cells[0].text;
    s.type = LayerType::MatMul;
    s.in_h = v[0];  // M rows
    s.in_w = 1;
    s.out_channels = v[1];  // N columns
    s.in_channels = v[2];   // K inner dimension
    return make(s, cells);
  }

  const std::string& text_;
  const std::string& origin_;
  TextLine line_;
  Kind kind_ = Kind::Conv;
};

}  // namespace

Result<Network> parse_scalesim_csv(const std::string& text, const std::string& origin) {
  try {
    return Reader(text, origin).read();
  } catch (const Failure& f) {
    return f.error;
  }
}

Result<Network> load_scalesim_csv_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_scalesim_csv(*text, path);
}

Result<std::string> network_to_scalesim_csv(const Network& net) {
  bool split_stride = false;
  for (const Layer& l : net.layers) split_stride = split_stride || l.stride_h() != l.stride_w();
  std::string out =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, ";
  out += split_stride ? "Stride height, Stride width,\n" : "Strides,\n";
  for (const Layer& l : net.layers) {
    const LayerSpec& s = l.spec();
    auto refuse = [&](const std::string& why) {
      return make_error(
          fmt::format("layer '{}' cannot be written as a SCALE-Sim topology: {}", s.name, why));
    };
    if (s.batch != 1) return refuse(fmt::format("the format has no batch (batch {})", s.batch));
    if (s.dilation_h != 1 || s.dilation_w != 1)
      return refuse(fmt::format("the format has no dilation ({}x{})", s.dilation_h, s.dilation_w));
    const bool depthwise =
        s.groups == s.in_channels && (s.groups > 1 || s.type == LayerType::Depthwise);
    if (s.groups > 1 && !depthwise)
      return refuse(fmt::format("the format has no groups (groups {})", s.groups));
    std::string name = s.name;
    if (name != std::string(io::trim(name)) || name.find_first_of(",#\n") != std::string::npos)
      return refuse("its name has a comma, a '#', a line break or surrounding blanks");
    if (depthwise && name.find("DP") == std::string::npos) name += "_DP";
    if (!depthwise && name.find("DP") != std::string::npos)
      return refuse("its name contains 'DP', which SCALE-Sim reads as depthwise");
    out += fmt::format("{},{},{},{},{},{},{},{},", name, s.in_h + s.pad_top + s.pad_bottom,
                       s.in_w + s.pad_left + s.pad_right, s.filter_h, s.filter_w, s.in_channels,
                       depthwise ? s.out_channels / s.in_channels : s.out_channels, s.stride_h);
    if (split_stride) out += fmt::format("{},", s.stride_w);
    out += "\n";
  }
  return out;
}

}  // namespace erg
