// libFuzzer target: parse_arch_yaml (which validates the arch), then a round trip through
// arch_to_yaml and a small layer evaluated on the arch.
#include <cstddef>
#include <cstdint>

#include "erg/io.h"
#include "fuzz_common.h"

using namespace erg;

namespace {

const Layer& small_layer() {
  static const Layer layer = [] {
    LayerSpec s;
    s.name = "small";
    s.in_channels = 3;
    s.out_channels = 4;
    s.in_h = s.in_w = 6;
    s.filter_h = s.filter_w = 3;
    s.weights.density = 0.5;
    auto l = Layer::make(s);
    if (!l) fuzz::fail(l.error().to_string());
    return std::move(l).value();
  }();
  return layer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::text_of(data, size);
  auto arch = parse_arch_yaml(text, fuzz::kOrigin);
  if (!arch) {
    fuzz::check_error(arch.error());
    return 0;
  }
  fuzz::check(arch->validate().ok(), "parse_arch_yaml returned an arch that does not validate");
  for (int i = 0; i < arch->num_levels(); ++i) (void)arch->instances(i);
  (void)arch->mac_units();

  const std::string yaml = arch_to_yaml(*arch);
  auto again = parse_arch_yaml(yaml, fuzz::kOrigin);
  if (!again) fuzz::fail("arch_to_yaml wrote a file erg refuses: " + again.error().to_string());
  fuzz::check(arch_to_yaml(*again) == yaml, "arch_to_yaml round trip changed the arch");

  fuzz::check_evaluation(small_layer(), *arch, fuzz::outermost_mapping(small_layer(), *arch));
  return 0;
}
