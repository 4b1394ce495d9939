// libFuzzer target: parse_network_yaml (layer and network files), then each layer's derived counts,
// a small evaluation, and a round trip through network_to_yaml.
#include <cstddef>
#include <cstdint>

#include "erg/io.h"
#include "erg/network.h"
#include "fuzz_common.h"

using namespace erg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::text_of(data, size);
  auto net = parse_network_yaml(text, fuzz::kOrigin);
  if (!net) {
    fuzz::check_error(net.error());
    return 0;
  }
  fuzz::check(!net->layers.empty(), "a network without layers was accepted");
  for (const Layer& l : net->layers) {
    (void)l.macs();
    (void)l.nonzero_macs();
    for (Tensor t : kAllTensors) (void)l.size(t);
    fuzz::check_error_of(l.with_batch(3));
    if (fuzz::cheap_to_evaluate(l))
      fuzz::check_evaluation(l, fuzz::eyeriss(), fuzz::outermost_mapping(l, fuzz::eyeriss()));
  }
  // What erg writes, erg reads back, and writing it again gives the same text.
  const std::string yaml = network_to_yaml(*net);
  auto again = parse_network_yaml(yaml, fuzz::kOrigin);
  if (!again) fuzz::fail("network_to_yaml wrote a file erg refuses: " + again.error().to_string());
  fuzz::check(network_to_yaml(*again) == yaml, "network_to_yaml round trip changed the network");
  return 0;
}
