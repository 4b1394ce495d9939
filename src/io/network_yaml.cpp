// Reading and writing layer and network files (parse_network_yaml, network_to_yaml).
//
// A layer entry is LayerSpec with conveniences: `in: [h, w]`, `filter: [h, w]` or a scalar,
// `stride`/`dilation` as a scalar or [h, w], `pad` as a scalar, [h, w] or [top, bottom, left,
// right]; the long forms (in_h, stride_w, pad_top, ...) are accepted too, but not both forms of
// one field. Every entry goes through Layer::make; its errors are located at the entry.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "erg/io.h"
#include "erg/text.h"
#include "io/yaml_reader.h"

namespace erg {

namespace {

using io::Field;
using io::MapView;

const std::vector<std::string> kLayerKeys = {
    "name",     "type",       "batch",    "in_channels", "out_channels", "in",
    "in_h",     "in_w",       "filter",   "filter_h",    "filter_w",     "stride",
    "stride_h", "stride_w",   "dilation", "dilation_h",  "dilation_w",   "pad",
    "pad_top",  "pad_bottom", "pad_left", "pad_right",   "groups",       "weights",
    "inputs",   "outputs"};

// Reads a scalar or a list of `sizes.size()` integers ≥ min into the outputs. A scalar sets all
// of them; a 2-list [h, w] sets pairs when four outputs are wanted (pad: [h, w] → top = bottom =
// h, left = right = w).
void read_multi(const MapView& m, const Field& f, std::int64_t min,
                const std::vector<std::int64_t*>& out, const char* shape) {
  auto element = [&](const YAML::Node& n) {
    Field e{f.key, f.key_node, n};
    return io::read_int(m, e, min);
  };
  if (f.value.IsScalar()) {
    const std::int64_t v = io::read_int(m, f, min);
    for (auto* o : out) *o = v;
    return;
  }
  if (f.value.IsSequence()) {
    std::vector<std::int64_t> v;
    for (const auto& n : f.value) v.push_back(element(n));
    if (v.size() == out.size()) {
      for (std::size_t i = 0; i < v.size(); ++i) *out[i] = v[i];
      return;
    }
    if (v.size() == 2 && out.size() == 4) {
      *out[0] = *out[1] = v[0];
      *out[2] = *out[3] = v[1];
      return;
    }
  }
  m.fail_field(f, fmt::format("expected {}, got {}", shape, io::describe(f.value)));
}

// A field given either as `short` (convenience form) or as its long per-axis keys.
void read_either(const MapView& m, const char* short_key, const std::vector<const char*>& long_keys,
                 std::int64_t min, const std::vector<std::int64_t*>& out, const char* shape) {
  const Field* s = m.find(short_key);
  for (std::size_t i = 0; i < long_keys.size(); ++i) {
    const Field* l = m.find(long_keys[i]);
    if (l == nullptr) continue;
    if (s != nullptr)
      m.fail(l->key_node.Mark(),
             fmt::format("both '{}' and '{}' are given; use one form", short_key, long_keys[i]));
    *out[i] = io::read_int(m, *l, min);
  }
  if (s != nullptr) read_multi(m, *s, min, out, shape);
}

TensorFormat read_format(const MapView& layer, const Field& f) {
  MapView m = io::sub_map(layer, f, layer.owner(), f.key + ".");
  m.allow({"bits", "density"});
  TensorFormat fmt;
  if (const Field* b = m.find("bits")) fmt.bits = static_cast<int>(io::read_int(m, *b, 1, 64));
  if (const Field* d = m.find("density")) fmt.density = io::read_number(m, *d, 0.0, 1.0);
  return fmt;
}

Layer read_layer(const io::Source& src, const YAML::Node& node, const std::string& owner) {
  MapView m(src, node, owner);
  LayerSpec s;
  s.name = io::read_name(m, m.require("name"));
  m.set_owner("layer '" + s.name + "'");
  m.allow(kLayerKeys);

  if (const Field* f = m.find("type")) {
    const std::string t = io::read_name(m, *f);
    auto type = parse_layer_type(t);
    if (!type) {
      m.fail_field(*f, "unknown layer type '" + t + "'" +
                           did_you_mean(t, {"conv", "depthwise", "fc", "matmul"}) +
                           "; types are conv, depthwise, fc, matmul");
    }
    s.type = *type;
  }
  const bool dense_type = s.type == LayerType::FC || s.type == LayerType::MatMul;
  if (const Field* f = m.find("batch")) s.batch = io::read_int(m, *f, 1);
  s.in_channels = io::read_int(m, m.require("in_channels"), 1);
  if (const Field* f = m.find("out_channels")) {
    s.out_channels = io::read_int(m, *f, 1);
  } else if (s.type == LayerType::Depthwise) {
    s.out_channels = s.in_channels;  // one filter per channel
  } else {
    m.require("out_channels");  // fails, naming it
  }

  // FC and matmul inputs default to 1×1 (a vector per sample); CONV needs its ifmap size.
  s.in_h = s.in_w = dense_type ? 1 : 0;
  read_either(m, "in", {"in_h", "in_w"}, 1, {&s.in_h, &s.in_w}, "an integer or [h, w]");
  if (s.in_h == 0 || s.in_w == 0)
    m.fail(m.mark(), "missing the ifmap size: give 'in: [h, w]' (or 'in_h' and 'in_w')");
  // An FC layer's filter covers its whole input, so its ofmap is 1×1.
  if (s.type == LayerType::FC) {
    s.filter_h = s.in_h;
    s.filter_w = s.in_w;
  }
  read_either(m, "filter", {"filter_h", "filter_w"}, 1, {&s.filter_h, &s.filter_w},
              "an integer or [h, w]");
  read_either(m, "stride", {"stride_h", "stride_w"}, 1, {&s.stride_h, &s.stride_w},
              "an integer or [h, w]");
  read_either(m, "dilation", {"dilation_h", "dilation_w"}, 1, {&s.dilation_h, &s.dilation_w},
              "an integer or [h, w]");
  read_either(m, "pad", {"pad_top", "pad_bottom", "pad_left", "pad_right"}, 0,
              {&s.pad_top, &s.pad_bottom, &s.pad_left, &s.pad_right},
              "an integer, [h, w] or [top, bottom, left, right]");
  if (const Field* f = m.find("groups")) {
    s.groups = io::read_int(m, *f, 1);
  } else if (s.type == LayerType::Depthwise) {
    s.groups = s.in_channels;
  }
  if (const Field* f = m.find("weights")) s.weights = read_format(m, *f);
  if (const Field* f = m.find("inputs")) s.inputs = read_format(m, *f);
  if (const Field* f = m.find("outputs")) s.outputs = read_format(m, *f);

  auto layer = Layer::make(s);
  if (!layer) src.fail(node.Mark(), layer.error().message);
  return std::move(layer).value();
}

Network read_network(const io::Source& src) {
  const YAML::Node root = io::load_document(src);
  MapView top(src, root, "");
  top.allow({"version", "layer", "network", "layers"});
  io::check_version(top);
  Network net;
  const Field* one = top.find("layer");
  const Field* many = top.find("layers");
  if (one != nullptr && many != nullptr)
    top.fail(many->key_node.Mark(),
             "give either 'layer' (one layer) or 'layers' (a list), not both");
  if (one != nullptr) {
    if (const Field* n = top.find("network"))
      top.fail(n->key_node.Mark(), "'network' names a list of 'layers'; a 'layer' file has none");
    if (!one->value.IsMap())
      top.fail_field(*one, "expected a map, got " + io::describe(one->value));
    net.layers.push_back(read_layer(src, one->value, "layer"));
    net.name = net.layers.front().name();
    return net;
  }
  if (many == nullptr) top.fail(top.mark(), "missing 'layer' (one layer) or 'layers' (a list)");
  if (const Field* n = top.find("network")) {
    net.name = io::read_string(top, *n);
  } else {
    net.name = std::filesystem::path(src.origin()).stem().string();
  }
  const std::vector<YAML::Node> nodes = io::read_list(top, *many);
  if (nodes.empty()) top.fail_field(*many, "a network needs at least one layer");
  std::map<std::string, std::size_t> seen;  // lower-case name → index, for duplicates
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    net.layers.push_back(read_layer(src, nodes[i], io::entry_owner(nodes[i], "name", "layer", i)));
    const std::string& name = net.layers.back().name();
    auto [it, fresh] = seen.emplace(ascii_lower(name), i);
    if (!fresh)
      top.fail(nodes[i].Mark(), fmt::format("layer {}: the name '{}' is already used by layer {}; "
                                            "layer names must be unique (case-insensitive)",
                                            i + 1, name, it->second + 1));
  }
  return net;
}

std::string format_yaml(const TensorFormat& f) {
  return fmt::format("{{bits: {}, density: {}}}", f.bits, io::yaml_number(f.density));
}

// A JSON string; bytes that are not UTF-8 become U+FFFD rather than an exception.
std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// yaml_number writes the shortest text that reads back as the same double, which is valid JSON
// for every finite value (densities are always finite).
std::string format_json(const TensorFormat& f) {
  return fmt::format("{{\"bits\": {}, \"density\": {}}}", f.bits, io::yaml_number(f.density));
}

}  // namespace

Result<Network> parse_network_yaml(const std::string& text, const std::string& origin) {
  const io::Source src(text, origin);
  try {
    return read_network(src);
  } catch (const io::ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, e.msg);
  }
}

std::string network_to_yaml(const Network& net) {
  std::string out = "version: 1\n";
  out += "network: " + io::yaml_string(net.name) + "\n";
  out += "layers:\n";
  for (const Layer& l : net.layers) {
    const LayerSpec& s = l.spec();
    out += "  - name: " + io::yaml_string(s.name) + "\n";
    out += fmt::format("    type: {}\n", layer_type_name(s.type));
    out += fmt::format("    batch: {}\n", s.batch);
    out += fmt::format("    in_channels: {}\n", s.in_channels);
    out += fmt::format("    out_channels: {}\n", s.out_channels);
    out += fmt::format("    in: [{}, {}]\n", s.in_h, s.in_w);
    out += fmt::format("    filter: [{}, {}]\n", s.filter_h, s.filter_w);
    out += fmt::format("    stride: [{}, {}]\n", s.stride_h, s.stride_w);
    out += fmt::format("    dilation: [{}, {}]\n", s.dilation_h, s.dilation_w);
    out += fmt::format("    pad: [{}, {}, {}, {}]\n", s.pad_top, s.pad_bottom, s.pad_left,
                       s.pad_right);
    out += fmt::format("    groups: {}\n", s.groups);
    out += "    weights: " + format_yaml(s.weights) + "\n";
    out += "    inputs: " + format_yaml(s.inputs) + "\n";
    out += "    outputs: " + format_yaml(s.outputs) + "\n";
  }
  return out;
}

std::string network_to_json(const Network& net) {
  std::string out = "{\n  \"version\": 1,\n";
  out += "  \"network\": " + json_string(net.name) + ",\n";
  out += "  \"layers\": [";
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const LayerSpec& s = net.layers[i].spec();
    out += i == 0 ? "\n" : ",\n";
    out += "    {\"name\": " + json_string(s.name) + ",\n";
    out += fmt::format(
        "     \"type\": \"{}\", \"batch\": {}, \"in_channels\": {}, "
        "\"out_channels\": {}, \"groups\": {},\n",
        layer_type_name(s.type), s.batch, s.in_channels, s.out_channels, s.groups);
    out += fmt::format(
        "     \"in\": [{}, {}], \"filter\": [{}, {}], \"stride\": [{}, {}], \"dilation\": "
        "[{}, {}], \"pad\": [{}, {}, {}, {}],\n",
        s.in_h, s.in_w, s.filter_h, s.filter_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
        s.pad_top, s.pad_bottom, s.pad_left, s.pad_right);
    out += "     \"weights\": " + format_json(s.weights) + ",\n";
    out += "     \"inputs\": " + format_json(s.inputs) + ",\n";
    out += "     \"outputs\": " + format_json(s.outputs) + "}";
  }
  out += "\n  ]\n}\n";
  return out;
}

}  // namespace erg
