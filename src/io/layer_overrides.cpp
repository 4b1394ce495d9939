// Per-layer density and bitwidth overrides (erg/layer_overrides.h).
#include "erg/layer_overrides.h"

#include <fmt/format.h>

#include <map>

#include "erg/io.h"
#include "erg/text.h"
#include "io/yaml_reader.h"

namespace erg {

namespace {

using io::Field;
using io::MapView;

TensorOverride read_tensor_override(const MapView& layer, const Field& f) {
  TensorOverride t;
  if (f.value.IsScalar()) {
    t.density = io::read_number(layer, f, 0.0, 1.0);
    return t;
  }
  MapView m = io::sub_map(layer, f, layer.owner(), f.key + ".");
  m.allow({"density", "bits"});
  if (const Field* d = m.find("density")) t.density = io::read_number(m, *d, 0.0, 1.0);
  if (const Field* b = m.find("bits")) t.bits = static_cast<int>(io::read_int(m, *b, 1, 64));
  return t;
}

LayerOverrides read_overrides(const io::Source& src) {
  const YAML::Node root = io::load_document(src);
  MapView top(src, root, "");
  top.allow({"version", "layers"});
  io::check_version(top);
  const Field& layers = top.require("layers");
  MapView lm = io::sub_map(top, layers, "layers", "");
  LayerOverrides out;
  out.origin = src.origin();
  for (const Field& f : lm.fields()) {
    LayerOverride o;
    o.layer = f.key;
    o.line = f.key_node.Mark().line + 1;
    MapView m = io::sub_map(lm, f, "layer '" + f.key + "'", "");
    m.allow({"weights", "inputs", "outputs"});
    for (const Field& t : m.fields()) {
      auto tensor = parse_tensor(t.key);
      o.tensors[static_cast<int>(*tensor)] = read_tensor_override(m, t);
    }
    out.layers.push_back(std::move(o));
  }
  return out;
}

}  // namespace

Result<LayerOverrides> parse_layer_overrides(const std::string& text, const std::string& origin) {
  const io::Source src(text, origin);
  try {
    return read_overrides(src);
  } catch (const io::ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, e.msg);
  }
}

Result<LayerOverrides> load_layer_overrides_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_layer_overrides(*text, path);
}

Status apply_layer_overrides(Network& net, const LayerOverrides& overrides) {
  std::map<std::string, std::size_t> index;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    index.emplace(ascii_lower(net.layers[i].name()), i);
    names.push_back(net.layers[i].name());
  }
  auto located = [&](const LayerOverride& o, std::string message) {
    Error e = make_error(std::move(message));
    e.file = overrides.origin;
    e.line = o.line;
    return e;
  };
  for (const LayerOverride& o : overrides.layers) {
    auto it = index.find(ascii_lower(o.layer));
    if (it == index.end())
      return located(o, fmt::format("network '{}' has no layer '{}'{}", net.name, o.layer,
                                    did_you_mean(o.layer, names)));
    LayerSpec s = net.layers[it->second].spec();
    for (Tensor t : kAllTensors) {
      const TensorOverride& to = o.tensors[static_cast<int>(t)];
      TensorFormat& f = t == Tensor::Weights  ? s.weights
                        : t == Tensor::Inputs ? s.inputs
                                              : s.outputs;
      if (to.density) f.density = *to.density;
      if (to.bits) f.bits = *to.bits;
    }
    auto layer = Layer::make(s);
    if (!layer) return located(o, layer.error().message);
    net.layers[it->second] = std::move(layer).value();
  }
  return Ok{};
}

}  // namespace erg
