// The online energy-estimation tool's per-layer configuration (erg/tool_format.h), read and
// written. docs/formats.md defines the format; this file follows it rule by rule.
#include "erg/tool_format.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include "erg/io.h"
#include "erg/text.h"
#include "io/line_text.h"

namespace erg {

namespace {

using io::TextLine;

constexpr int kNumFields = 25;
enum Field : int {
  kIndex = 0,
  kIfH,
  kIfW,
  kIfC,
  kIfN,
  kIfZeros,
  kIfBits,
  kFH,
  kFW,
  kFC,
  kFM,
  kFZeros,
  kFBits,
  kOfH,
  kOfW,
  kOfC,
  kOfN,
  kOfZeros,
  kOfBits,
  kStrideY,
  kStrideX,
  kPadTop,
  kPadBottom,
  kPadLeft,
  kPadRight
};
const std::array<const char*, kNumFields> kFieldNames = {
    "index",          "ifmap height", "ifmap width",   "ifmap channels", "ifmap maps",
    "ifmap zeros",    "ifmap bits",   "filter height", "filter width",   "filter channels",
    "filters",        "filter zeros", "filter bits",   "ofmap height",   "ofmap width",
    "ofmap channels", "ofmap maps",   "ofmap zeros",   "ofmap bits",     "stride y",
    "stride x",       "pad top",      "pad bottom",    "pad left",       "pad right"};

// The one exception of this reader: thrown by the checks, caught by parse_tool_config.
struct Failure {
  Error error;
};

struct Token {
  std::string text;
  int column = 0;  // 1-based
  bool quoted = false;
};

bool is_separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; }

// Splits a line into tokens: runs of characters between separators (whitespace, commas), or
// double-quoted names with \" \\ \n \t \r escapes. '#' outside quotes ends the line.
std::vector<Token> tokenize(const std::string& origin, const TextLine& line) {
  auto fail = [&](std::size_t at, std::string msg) {
    throw Failure{io::line_error(origin, line, static_cast<int>(at) + 1, std::move(msg))};
  };
  const std::string_view s = line.text;
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_separator(s[i])) {
      ++i;
      continue;
    }
    if (s[i] == '#') break;
    Token t;
    t.column = static_cast<int>(i) + 1;
    if (s[i] == '"') {
      t.quoted = true;
      const std::size_t open = i++;
      bool closed = false;
      while (i < s.size() && !closed) {
        const char c = s[i++];
        if (c == '"') {
          closed = true;
        } else if (c != '\\') {
          t.text += c;
        } else if (i < s.size()) {
          const char e = s[i++];
          switch (e) {
            case '"':
            case '\\':
              t.text += e;
              break;
            case 'n':
              t.text += '\n';
              break;
            case 't':
              t.text += '\t';
              break;
            case 'r':
              t.text += '\r';
              break;
            default:
              fail(i - 2, fmt::format("unknown escape '\\{}' in a quoted name (use \\\" \\\\ \\n "
                                      "\\t or \\r)",
                                      e));
          }
        }
      }
      if (!closed) fail(open, "this quoted name has no closing '\"'");
      if (i < s.size() && !is_separator(s[i]) && s[i] != '#')
        fail(i, "expected a separator (space or comma) after the quoted name");
    } else {
      while (i < s.size() && !is_separator(s[i]) && s[i] != '#') t.text += s[i++];
    }
    out.push_back(std::move(t));
  }
  return out;
}

// The type a line describes when it carries no `type=` token (docs/formats.md §Types).
LayerType inferred_type(const LayerSpec& s) {
  const bool no_pad = s.pad_top == 0 && s.pad_bottom == 0 && s.pad_left == 0 && s.pad_right == 0;
  if (s.filter_h == s.in_h && s.filter_w == s.in_w && no_pad && s.groups == 1 &&
      s.dilation_h == 1 && s.dilation_w == 1)
    return LayerType::FC;
  if (s.groups > 1 && s.groups == s.in_channels && s.out_channels == s.in_channels)
    return LayerType::Depthwise;
  return LayerType::Conv;
}

// A name token needs quotes when it could be read as something else or contains a separator.
bool needs_quotes(const std::string& name) {
  if (name.empty() || io::looks_like_integer(name) || name.front() == '"') return true;
  for (char c : name) {
    if (is_separator(c) || c == '#' || c == '=' || c == '\n' || c == '"' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

std::string name_token(const std::string& name) {
  if (!needs_quotes(name)) return name;
  std::string q = "\"";
  for (char c : name) {
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\t':
        q += "\\t";
        break;
      case '\r':
        q += "\\r";
        break;
      default:
        q += c;
    }
  }
  return q + "\"";
}

// Zeros of a tensor of `size` values at `density`, rounded to the nearest integer.
std::uint64_t zero_count(double density, std::uint64_t size) {
  const double z = std::round((1.0 - density) * static_cast<double>(size));
  if (!(z > 0.0)) return 0;
  if (z >= static_cast<double>(size)) return size;
  return static_cast<std::uint64_t>(z);
}

class Reader {
 public:
  Reader(const std::string& text, const std::string& origin) : text_(text), origin_(origin) {}

  Network read() {
    Network net;
    std::optional<std::string> name;
    std::int64_t last_index = 0;
    int last_index_line = 0;
    std::map<std::string, int> seen;  // lower-case layer name → line
    for (const TextLine& line : io::split_lines(text_)) {
      line_ = line;
      const std::vector<Token> tokens = tokenize(origin_, line);
      if (tokens.empty()) {
        // A `# network: NAME` comment before the first layer names the network.
        const std::string_view t = io::trim(line.text);
        if (net.layers.empty() && !name && t.size() > 1 && t.front() == '#') {
          const std::string_view rest = io::trim(t.substr(1));
          constexpr std::string_view kKey = "network:";
          if (rest.substr(0, kKey.size()) == kKey)
            name = std::string(io::trim(rest.substr(kKey.size())));
        }
        continue;
      }
      Layer layer = read_layer(tokens, last_index, last_index_line);
      const auto [it, fresh] = seen.emplace(ascii_lower(layer.name()), line.number);
      if (!fresh)
        fail(tokens.size() > kNumFields ? tokens[kNumFields].column : 1,
             fmt::format("the layer name '{}' is already used on line {}; layer names must be "
                         "unique (case-insensitive)",
                         layer.name(), it->second));
      last_index_line = line.number;
      net.layers.push_back(std::move(layer));
    }
    if (net.layers.empty()) {
      Error e = make_error(
          "the file has no layer lines (it is empty or holds only comments); a tool "
          "configuration has one line of 25 integers per layer");
      e.file = origin_;
      throw Failure{e};
    }
    net.name = name && !name->empty() ? *name : std::filesystem::path(origin_).stem().string();
    if (net.name.empty()) net.name = "network";
    return net;
  }

 private:
  [[noreturn]] void fail(int column, std::string message) const {
    throw Failure{io::line_error(origin_, line_, column, std::move(message))};
  }
  [[noreturn]] void fail_field(const Token& t, int field, const std::string& message) const {
    fail(t.column, fmt::format("field '{}': {}", kFieldNames[field], message));
  }

  Layer read_layer(const std::vector<Token>& tokens, std::int64_t& last_index,
                   int last_index_line) {
    // The 25 integers. A non-integer among them is reported before a short line, since it is
    // usually the reason the count is off (a name in the wrong place, a stray word).
    std::array<std::int64_t, kNumFields> v{};
    std::array<std::uint64_t, 3> zeros{};
    const std::size_t n = std::min<std::size_t>(tokens.size(), kNumFields);
    for (std::size_t i = 0; i < n; ++i) {
      const Token& t = tokens[i];
      const int f = static_cast<int>(i);
      const bool is_zeros = f == kIfZeros || f == kFZeros || f == kOfZeros;
      if (t.quoted || !io::looks_like_integer(t.text))
        fail_field(t, f, fmt::format("expected an integer, got '{}'", t.text));
      if (is_zeros) {
        auto z = io::parse_uint64(t.text);
        if (!z)
          fail_field(
              t, f,
              fmt::format("expected a non-negative integer (a count of zeros), got '{}'", t.text));
        zeros[f == kIfZeros ? 0 : f == kFZeros ? 1 : 2] = *z;
        continue;
      }
      auto x = io::parse_int64(t.text);
      if (!x) fail_field(t, f, fmt::format("the integer '{}' is out of range", t.text));
      v[i] = *x;
    }
    if (tokens.size() < kNumFields)
      fail(tokens.front().column,
           fmt::format("a layer line has 25 integers (index; ifmap, filter and ofmap: height, "
                       "width, channels, maps, zeros, bits; stride y, x; pad top, bottom, left, "
                       "right), then an optional name; this line has {}",
                       tokens.size()));
    for (int f = 0; f < kNumFields; ++f) {
      const Token& t = tokens[static_cast<std::size_t>(f)];
      if (f == kIfZeros || f == kFZeros || f == kOfZeros) continue;
      if (f == kIfBits || f == kFBits || f == kOfBits) {
        if (v[f] < 1 || v[f] > 64)
          fail_field(t, f, fmt::format("expected a bitwidth in 1..64, got '{}'", t.text));
      } else if (f >= kPadTop) {
        if (v[f] < 0)
          fail_field(t, f, fmt::format("expected a non-negative integer, got '{}'", t.text));
      } else if (v[f] < 1) {
        fail_field(t, f, fmt::format("expected a positive integer, got '{}'", t.text));
      }
    }
    if (v[kIndex] <= last_index)
      fail_field(tokens[0], kIndex,
                 fmt::format("{} does not follow index {} on line {}; indices must increase",
                             v[kIndex], last_index, last_index_line));
    last_index = v[kIndex];

    LayerSpec s;
    s.name = fmt::format("layer{}", v[kIndex]);
    read_extras(tokens, s);

    auto tok = [&](int f) -> const Token& { return tokens[static_cast<std::size_t>(f)]; };
    if (v[kOfN] != v[kIfN])
      fail_field(tok(kOfN), kOfN,
                 fmt::format("expected {} (the ifmap's maps: both are the batch), got {}", v[kIfN],
                             v[kOfN]));
    if (v[kOfC] != v[kFM])
      fail_field(tok(kOfC), kOfC,
                 fmt::format("expected {} (the number of filters), got {}", v[kFM], v[kOfC]));
    if (v[kIfC] % v[kFC] != 0)
      fail_field(tok(kFC), kFC,
                 fmt::format("{} does not divide the ifmap's {} channels (the groups are ifmap "
                             "channels / filter channels)",
                             v[kFC], v[kIfC]));
    const std::int64_t groups = v[kIfC] / v[kFC];
    if (v[kFM] % groups != 0)
      fail_field(tok(kFM), kFM,
                 fmt::format("{} filters do not split into {} groups (ifmap channels {} / filter "
                             "channels {})",
                             v[kFM], groups, v[kIfC], v[kFC]));

    s.batch = v[kIfN];
    s.in_channels = v[kIfC];
    s.out_channels = v[kFM];
    s.in_h = v[kIfH];
    s.in_w = v[kIfW];
    s.filter_h = v[kFH];
    s.filter_w = v[kFW];
    s.stride_h = v[kStrideY];
    s.stride_w = v[kStrideX];
    s.pad_top = v[kPadTop];
    s.pad_bottom = v[kPadBottom];
    s.pad_left = v[kPadLeft];
    s.pad_right = v[kPadRight];
    s.groups = groups;
    s.inputs.bits = static_cast<int>(v[kIfBits]);
    s.weights.bits = static_cast<int>(v[kFBits]);
    s.outputs.bits = static_cast<int>(v[kOfBits]);
    if (!type_) type_ = inferred_type(s);
    s.type = *type_;

    auto made = Layer::make(s);
    if (!made) fail(tokens.front().column, made.error().message);
    Layer layer = std::move(made).value();
    if (layer.dim(Dim::P) != v[kOfH])
      fail_field(tok(kOfH), kOfH,
                 fmt::format("expected {} (from the ifmap height, filter height, stride y and "
                             "padding), got {}",
                             layer.dim(Dim::P), v[kOfH]));
    if (layer.dim(Dim::Q) != v[kOfW])
      fail_field(tok(kOfW), kOfW,
                 fmt::format("expected {} (from the ifmap width, filter width, stride x and "
                             "padding), got {}",
                             layer.dim(Dim::Q), v[kOfW]));
    const std::array<std::pair<Tensor, int>, 3> zero_fields = {
        {{Tensor::Inputs, kIfZeros}, {Tensor::Weights, kFZeros}, {Tensor::Outputs, kOfZeros}}};
    for (std::size_t i = 0; i < zero_fields.size(); ++i) {
      const auto [t, f] = zero_fields[i];
      const std::uint64_t size = layer.size(t);
      const std::uint64_t z = zeros[i];
      if (z > size)
        fail_field(tok(f), f,
                   fmt::format("{} zeros, but the {} has only {} values", z,
                               f == kIfZeros  ? "ifmap"
                               : f == kFZeros ? "filter"
                                              : "ofmap",
                               size));
      layer.format(t).density =
          z == 0 ? 1.0 : static_cast<double>(size - z) / static_cast<double>(size);
    }
    return layer;
  }

  // The tokens after the 25 integers: an optional name, then `type=T` and `dilation=D` or
  // `dilation=HxW`, each at most once.
  void read_extras(const std::vector<Token>& tokens, LayerSpec& s) {
    type_.reset();
    bool have_dilation = false;
    for (std::size_t i = kNumFields; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      const std::size_t eq = t.quoted ? std::string::npos : t.text.find('=');
      if (eq == std::string::npos) {
        if (i != kNumFields) {
          fail(t.column,
               fmt::format("unexpected '{}': after the 25 integers come an optional name, then "
                           "only 'type=' and 'dilation='",
                           t.text));
        }
        if (!t.quoted && io::looks_like_integer(t.text))
          fail(t.column, fmt::format("a layer line has 25 integers, then an optional name; "
                                     "this line has more integers ('{}')",
                                     t.text));
        if (t.text.empty()) fail(t.column, "the layer name must not be empty");
        s.name = t.text;
        continue;
      }
      const std::string key = t.text.substr(0, eq);
      const std::string value = t.text.substr(eq + 1);
      const int col = t.column + static_cast<int>(eq) + 1;
      if (key == "type") {
        if (type_) fail(t.column, "'type=' is given twice");
        auto type = parse_layer_type(value);
        if (!type)
          fail(col, "unknown layer type '" + value + "'" +
                        did_you_mean(value, {"conv", "depthwise", "fc", "matmul"}) +
                        "; types are conv, depthwise, fc, matmul");
        type_ = *type;
      } else if (key == "dilation") {
        if (have_dilation) fail(t.column, "'dilation=' is given twice");
        have_dilation = true;
        const std::size_t x = value.find('x');
        const std::string h = value.substr(0, x);
        const std::string w = x == std::string::npos ? h : value.substr(x + 1);
        auto dh = io::parse_int64(h);
        auto dw = io::parse_int64(w);
        if (!dh || !dw || *dh < 1 || *dw < 1)
          fail(col, fmt::format("'dilation=' expects a positive integer or HxW (e.g. 2x2), got "
                                "'{}'",
                                value));
        s.dilation_h = *dh;
        s.dilation_w = *dw;
      } else {
        fail(t.column, "unknown option '" + key + "='" + did_you_mean(key, {"type", "dilation"}) +
                           "; after the name only 'type=' and 'dilation=' may follow");
      }
    }
  }

  const std::string& text_;
  const std::string& origin_;
  TextLine line_;
  std::optional<LayerType> type_;
};

}  // namespace

Result<Network> parse_tool_config(const std::string& text, const std::string& origin) {
  try {
    return Reader(text, origin).read();
  } catch (const Failure& f) {
    return f.error;
  }
}

Result<Network> load_tool_config_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_tool_config(*text, path);
}

std::string network_to_tool_config(const Network& net) {
  std::string name = net.name;
  for (char& c : name)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  // The reader trims the name, so the writer writes it trimmed: a second round trip is identical.
  name = std::string(io::trim(name));
  if (name.empty()) name = "network";
  std::string out =
      "# erg network in the online energy-estimation tool's per-layer format (docs/formats.md)\n";
  out += "# network: " + name + "\n";
  out +=
      "# index  ifmap: H W C N zeros bits  filter: H W C M zeros bits  ofmap: H W C N zeros bits  "
      "stride: y x  pad: top bottom left right  name\n";
  std::int64_t index = 0;
  for (const Layer& l : net.layers) {
    const LayerSpec& s = l.spec();
    auto zeros = [&](Tensor t) { return zero_count(l.format(t).density, l.size(t)); };
    out += fmt::format("{}  {} {} {} {} {} {}  ", ++index, s.in_h, s.in_w, s.in_channels, s.batch,
                       zeros(Tensor::Inputs), s.inputs.bits);
    out += fmt::format("{} {} {} {} {} {}  ", s.filter_h, s.filter_w, l.dim(Dim::C), s.out_channels,
                       zeros(Tensor::Weights), s.weights.bits);
    out += fmt::format("{} {} {} {} {} {}  ", l.dim(Dim::P), l.dim(Dim::Q), s.out_channels, s.batch,
                       zeros(Tensor::Outputs), s.outputs.bits);
    out += fmt::format("{} {}  {} {} {} {}  {}", s.stride_h, s.stride_w, s.pad_top, s.pad_bottom,
                       s.pad_left, s.pad_right, name_token(s.name));
    if (inferred_type(s) != s.type) out += fmt::format(" type={}", layer_type_name(s.type));
    if (s.dilation_h != 1 || s.dilation_w != 1)
      out += fmt::format(" dilation={}x{}", s.dilation_h, s.dilation_w);
    out += "\n";
  }
  return out;
}

}  // namespace erg
