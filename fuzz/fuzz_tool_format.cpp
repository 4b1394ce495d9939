// libFuzzer target: parse_tool_config (the online tool's per-layer text), then each layer's
// derived counts, a small evaluation, and a round trip through network_to_tool_config.
#include <cstddef>
#include <cstdint>

#include "erg/network.h"
#include "erg/tool_format.h"
#include "fuzz_common.h"

using namespace erg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto net = parse_tool_config(fuzz::text_of(data, size), fuzz::kOrigin);
  if (!net) {
    fuzz::check_error(net.error());
    return 0;
  }
  fuzz::check(!net->layers.empty(), "a network without layers was accepted");
  for (const Layer& l : net->layers) {
    (void)l.nonzero_macs();
    for (Tensor t : kAllTensors) (void)l.size(t);
    if (fuzz::cheap_to_evaluate(l))
      fuzz::check_evaluation(l, fuzz::eyeriss(), fuzz::outermost_mapping(l, fuzz::eyeriss()));
  }
  // What erg writes, erg reads back; zero counts are integers, so a second write is identical.
  const std::string text = network_to_tool_config(*net);
  auto again = parse_tool_config(text, fuzz::kOrigin);
  if (!again)
    fuzz::fail("network_to_tool_config wrote a file erg refuses: " + again.error().to_string());
  fuzz::check(again->layers.size() == net->layers.size(), "the round trip changed the layers");
  fuzz::check(network_to_tool_config(*again) == text, "a second round trip changed the text");
  return 0;
}
