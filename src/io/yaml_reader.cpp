#include "io/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "erg/text.h"

namespace erg::io {

namespace {

// Lines longer than this are left out of messages: a caret under column 40000 helps nobody.
constexpr std::size_t kMaxQuotedLine = 400;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string int_range_text(std::int64_t min, std::int64_t max) {
  // Small ranges read best as a range ("an integer in 1..64"); a large upper bound is only a
  // guard against absurd values, so it is mentioned after the main requirement.
  if (max - min <= 1024) return fmt::format("an integer in {}..{}", min, max);
  std::string base = min == 0   ? "a non-negative integer"
                     : min == 1 ? "a positive integer"
                                : fmt::format("an integer of at least {}", min);
  if (max != std::numeric_limits<std::int64_t>::max()) base += fmt::format(" (at most {})", max);
  return base;
}

std::string number_range_text(double min, double max) {
  const bool no_max = max == std::numeric_limits<double>::max();
  if (min == 0.0 && no_max) return "a non-negative number";
  if (min == -std::numeric_limits<double>::max() && no_max) return "a number";
  if (no_max) return fmt::format("a number of at least {}", min);
  return fmt::format("a number in [{}, {}]", min, max);
}

const std::vector<std::string>& tensor_names() {
  static const std::vector<std::string> names = {"weights", "inputs", "outputs"};
  return names;
}

}  // namespace

// ---- Source ----------------------------------------------------------------------------------

std::string Source::line_text(int line) const {
  std::size_t begin = 0;
  for (int i = 0; i < line; ++i) {
    begin = text_.find('\n', begin);
    if (begin == std::string::npos) return "";
    ++begin;
  }
  std::size_t end = text_.find('\n', begin);
  if (end == std::string::npos) end = text_.size();
  if (end > begin && text_[end - 1] == '\r') --end;
  if (end - begin > kMaxQuotedLine) return "";
  return text_.substr(begin, end - begin);
}

Error Source::error_at(const YAML::Mark& mark, std::string message) const {
  Error e = make_error(std::move(message));
  e.file = origin_;
  if (!mark.is_null() && mark.line >= 0) {
    e.line = mark.line + 1;
    e.column = mark.column + 1;
    e.source_line = line_text(mark.line);
    // A caret needs the line; a column past the quoted text would point nowhere.
    if (e.source_line.empty()) e.column = 0;
  }
  return e;
}

void Source::fail(const YAML::Mark& mark, std::string message) const {
  throw ParseFailure{error_at(mark, std::move(message))};
}

YAML::Node load_document(const Source& src) {
  YAML::Node root;
  try {
    root = YAML::Load(src.text());
  } catch (const YAML::Exception& e) {
    src.fail(e.mark, "YAML syntax error: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull())
    src.fail(YAML::Mark::null_mark(),
             "the file is empty: expected a map starting with 'version: 1'");
  if (!root.IsMap())
    src.fail(root.Mark(), "expected a map of keys at the top level, got " + describe(root));
  return root;
}

// ---- Field and MapView -----------------------------------------------------------------------

YAML::Mark Field::mark() const {
  if (!value.IsDefined() || value.IsNull()) return key_node.Mark();
  return value.Mark();
}

MapView::MapView(const Source& src, const YAML::Node& node, std::string owner, std::string prefix)
    : src_(src), node_(node), owner_(std::move(owner)), prefix_(std::move(prefix)) {
  if (!node.IsMap()) fail(node.Mark(), "expected a map of keys, got " + describe(node));
  // Range-for keeps yaml-cpp's by-value iterator entry alive; the nodes are copied (they are
  // handles) because a reference into `it->first` would dangle.
  // Duplicates are found through a hash index: a map with a million keys must not take 10^12
  // comparisons (it fails on its first unknown key soon after).
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& entry : node) {
    const YAML::Node k = entry.first;
    if (!k.IsScalar()) fail(k.Mark(), "keys must be names, got " + describe(k));
    auto [it, fresh] = index.emplace(k.Scalar(), fields_.size());
    if (!fresh)
      fail(k.Mark(), fmt::format("key '{}{}' appears twice (first on line {})", prefix_, k.Scalar(),
                                 fields_[it->second].key_node.Mark().line + 1));
    fields_.push_back(Field{k.Scalar(), k, entry.second});
  }
}

void MapView::allow(const std::vector<std::string>& allowed) const {
  for (const Field& f : fields_) {
    if (std::find(allowed.begin(), allowed.end(), f.key) != allowed.end()) continue;
    std::string msg = "unknown key '" + prefix_ + f.key + "'";
    if (!owner_.empty()) msg += " in " + owner_;
    if (auto m = closest_match(f.key, allowed)) msg += " (did you mean '" + prefix_ + *m + "'?)";
    // Not fail(): the owner is already part of the sentence.
    src_.fail(f.key_node.Mark(), msg);
  }
}

const Field* MapView::find(std::string_view key) const {
  for (const Field& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

const Field& MapView::require(std::string_view key) const {
  const Field* f = find(key);
  if (f == nullptr) fail(node_.Mark(), fmt::format("missing '{}{}'", prefix_, key));
  return *f;
}

void MapView::fail(const YAML::Mark& mark, const std::string& message) const {
  src_.fail(mark, owner_.empty() ? message : owner_ + ": " + message);
}

void MapView::fail_field(const Field& f, const std::string& message) const {
  fail(f.mark(), key_name(f) + ": " + message);
}

MapView sub_map(const MapView& parent, const Field& f, std::string owner, std::string prefix) {
  if (!f.value.IsMap()) parent.fail_field(f, "expected a map, got " + describe(f.value));
  return MapView(parent.src(), f.value, std::move(owner), std::move(prefix));
}

std::string entry_owner(const YAML::Node& node, const char* key, const std::string& kind,
                        std::size_t index) {
  // Looked up by iterating: yaml-cpp's operator[] on a missing key gives a node that throws.
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const YAML::Node k = entry.first;
      const YAML::Node v = entry.second;
      if (k.IsScalar() && k.Scalar() == key && v.IsScalar() && !trim(v.Scalar()).empty())
        return kind + " '" + v.Scalar() + "'";
    }
  }
  return fmt::format("{} {}", kind, index + 1);
}

void check_version(const MapView& top) {
  const Field* f = top.find("version");
  if (f == nullptr) top.fail(top.mark(), "missing 'version: 1' (every erg file starts with it)");
  if (!f->value.IsScalar() || trim(f->value.Scalar()) != "1")
    top.fail(f->mark(), "'version' must be 1, got " + describe(f->value));
}

// ---- typed reads -----------------------------------------------------------------------------

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

std::string read_string(const MapView& m, const Field& f) {
  if (!f.value.IsScalar()) m.fail_field(f, "expected a string, got " + describe(f.value));
  return f.value.Scalar();
}

std::string read_name(const MapView& m, const Field& f) {
  std::string s = read_string(m, f);
  if (trim(s).empty()) m.fail_field(f, "must not be empty");
  return s;
}

std::int64_t read_int(const MapView& m, const Field& f, std::int64_t min, std::int64_t max) {
  auto bad = [&]() {
    m.fail_field(f, "expected " + int_range_text(min, max) + ", got " + describe(f.value));
  };
  if (!f.value.IsScalar()) bad();
  std::string_view s = trim(f.value.Scalar());
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max) bad();
  return v;
}

std::uint64_t read_uint64(const MapView& m, const Field& f) {
  auto bad = [&]() {
    m.fail_field(f, "expected a non-negative integer, got " + describe(f.value));
  };
  if (!f.value.IsScalar()) bad();
  std::string_view s = trim(f.value.Scalar());
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) bad();
  return v;
}

double read_number(const MapView& m, const Field& f, double min, double max) {
  auto bad = [&]() {
    m.fail_field(f, "expected " + number_range_text(min, max) + ", got " + describe(f.value));
  };
  if (!f.value.IsScalar()) bad();
  std::string_view s = trim(f.value.Scalar());
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) ||
      v < min || v > max)
    bad();
  return v;
}

std::vector<YAML::Node> read_list(const MapView& m, const Field& f) {
  if (!f.value.IsSequence()) m.fail_field(f, "expected a list, got " + describe(f.value));
  std::vector<YAML::Node> out;
  for (const auto& n : f.value) out.push_back(n);
  return out;
}

Tensor read_tensor(const MapView& m, const YAML::Node& node, const YAML::Mark& where,
                   const std::string& what_list) {
  if (!node.IsScalar())
    m.fail(where, "expected a tensor name in " + what_list + ", got " + describe(node));
  auto t = parse_tensor(trim(node.Scalar()));
  if (!t) {
    m.fail(where, "unknown tensor '" + node.Scalar() + "' in " + what_list +
                      did_you_mean(node.Scalar(), tensor_names()) +
                      "; tensors are weights, inputs, outputs");
  }
  return *t;
}

std::array<bool, kNumTensors> read_tensor_set(const MapView& m, const Field& f) {
  std::array<bool, kNumTensors> set{false, false, false};
  const std::string what = m.quoted(f);
  if (f.value.IsScalar()) {  // `keeps: weights` is a one-element list
    set[static_cast<int>(read_tensor(m, f.value, f.mark(), what))] = true;
    return set;
  }
  for (const YAML::Node& n : read_list(m, f)) {
    set[static_cast<int>(read_tensor(m, n, n.Mark(), what))] = true;
  }
  return set;
}

// ---- writers ---------------------------------------------------------------------------------

std::string yaml_string(std::string_view s) {
  static const std::vector<std::string> reserved = {"true", "false", "yes", "no", "on",
                                                    "off",  "null",  "y",   "n",  "~"};
  bool plain = !s.empty() && (std::isalpha(static_cast<unsigned char>(s.front())) || s[0] == '_');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '-' || c == '.' || c == '/' || c == '+'))
      plain = false;
  }
  if (plain && std::find(reserved.begin(), reserved.end(), ascii_lower(s)) == reserved.end())
    return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string yaml_number(double v) { return fmt::format("{}", v); }

std::string yaml_tensor_list(const std::array<bool, kNumTensors>& set) {
  std::string out = "[";
  for (Tensor t : kAllTensors) {
    if (!set[static_cast<int>(t)]) continue;
    if (out.size() > 1) out += ", ";
    out += tensor_name(t);
  }
  return out + "]";
}

namespace {

// Names other tools and papers use for erg's dimensions, for hints on an unknown one.
std::string dim_hint(const std::string& name) {
  if (name == "K" || name == "k") return " (did you mean 'M'? erg calls output channels M)";
  if (name == "E" || name == "e") return " (did you mean 'P'? erg calls ofmap rows P)";
  if (name == "F" || name == "f") return " (did you mean 'Q'? erg calls ofmap columns Q)";
  if (name == "H" || name == "h" || name == "W" || name == "w")
    return " (the ifmap size is not a loop: loop over the ofmap, P and Q, and the filter, R and S)";
  std::vector<std::string> dims;
  for (Dim d : kAllDims) dims.emplace_back(dim_name(d));
  return did_you_mean(name, dims);
}

}  // namespace

std::vector<Loop> read_loop_list(const MapView& m, const Field& f, std::int64_t max_factor,
                                 std::vector<YAML::Mark>* key_marks) {
  std::vector<Loop> loops;
  const std::string list = m.quoted(f);
  for (const YAML::Node& n : read_list(m, f)) {
    if (!n.IsMap() || n.size() != 1) {
      m.fail(n.Mark(), fmt::format("each entry of {} is one 'dim: factor' pair, e.g. [M: 2, C: 3]; "
                                   "got {}",
                                   list, describe(n)));
    }
    MapView pair(m.src(), n, m.owner(), f.key + ".");
    const Field& entry = pair.fields().front();
    auto dim = parse_dim(entry.key);
    if (!dim) {
      m.fail(entry.key_node.Mark(),
             fmt::format("unknown dimension '{}' in {}{}; dimensions are N G M C P Q R S",
                         entry.key, list, dim_hint(entry.key)));
    }
    if (key_marks != nullptr) key_marks->push_back(entry.key_node.Mark());
    loops.push_back({*dim, read_int(pair, entry, 1, max_factor)});
  }
  return loops;
}

}  // namespace erg::io
