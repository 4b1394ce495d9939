// libFuzzer target: parse_mapping_yaml against the eyeriss preset, then a round trip through
// mapping_to_yaml, and validation and evaluation against AlexNet CONV1 and a small layer.
#include <cstddef>
#include <cstdint>

#include "erg/io.h"
#include "erg/zoo.h"
#include "fuzz_common.h"

using namespace erg;

namespace {

const std::vector<Layer>& layers() {
  static const std::vector<Layer> list = [] {
    std::vector<Layer> out;
    auto alexnet = zoo_network("alexnet");
    if (!alexnet) fuzz::fail(alexnet.error().to_string());
    out.push_back(alexnet->layers.front());
    LayerSpec s;
    s.name = "small";
    s.in_channels = 4;
    s.out_channels = 8;
    s.in_h = s.in_w = 7;
    s.filter_h = s.filter_w = 3;
    auto l = Layer::make(s);
    if (!l) fuzz::fail(l.error().to_string());
    out.push_back(std::move(l).value());
    return out;
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::text_of(data, size);
  const Arch& arch = fuzz::eyeriss();
  auto mapping = parse_mapping_yaml(text, fuzz::kOrigin, arch);
  if (!mapping) {
    fuzz::check_error(mapping.error());
    return 0;
  }
  fuzz::check(mapping->levels.size() == arch.levels.size(), "a mapping with the wrong level count");
  (void)mapping_summary(arch, *mapping);

  auto again = parse_mapping_yaml(mapping_to_yaml(arch, *mapping), fuzz::kOrigin, arch);
  if (!again) fuzz::fail("mapping_to_yaml wrote a file erg refuses: " + again.error().to_string());
  fuzz::check(*again == *mapping, "mapping_to_yaml round trip changed the mapping");

  for (const Layer& layer : layers()) {
    if (!validate_mapping(layer, arch, *mapping)) continue;
    (void)loop_nest_string(layer, arch, *mapping);
    for (int i = 0; i < arch.num_levels(); ++i) (void)tile_words(layer, arch, *mapping, i);
    fuzz::check_evaluation(layer, arch, *mapping);
  }
  return 0;
}
