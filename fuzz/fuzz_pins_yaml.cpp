// libFuzzer target: parse_pins_yaml (partial mappings for `erg map --fix`) against the eyeriss
// preset, then check_pins against a fixed mapping.
#include <cstddef>
#include <cstdint>

#include "erg/io.h"
#include "erg/mapper.h"
#include "fuzz_common.h"

using namespace erg;

namespace {

// AlexNet CONV1 on eyeriss, as in tests/data/eyeriss_conv1_mapping.yaml.
const Mapping& fixed_mapping() {
  static const Mapping mapping = [] {
    auto m = parse_mapping_yaml(
        "version: 1\n"
        "mapping:\n"
        "  - {level: dram, temporal: [M: 2, C: 3, P: 4]}\n"
        "  - {level: GLB, temporal: [N: 1, Q: 55], spatial_x: [P: 14], spatial_y: [R: 11]}\n"
        "  - {level: RF, temporal: [C: 1, M: 48, S: 11], keep: [weights, outputs]}\n",
        "<fixed mapping>", fuzz::eyeriss());
    if (!m) fuzz::fail(m.error().to_string());
    return std::move(m).value();
  }();
  return mapping;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::text_of(data, size);
  const Arch& arch = fuzz::eyeriss();
  auto pins = parse_pins_yaml(text, fuzz::kOrigin, arch);
  if (!pins) {
    fuzz::check_error(pins.error());
    return 0;
  }
  fuzz::check(pins->levels.size() == arch.levels.size(), "pins with the wrong level count");
  (void)pins->empty();
  Status st = check_pins(*pins, arch, fixed_mapping());
  if (!st) fuzz::check(!st.error().message.empty(), "check_pins failed without a message");
  return 0;
}
