// libFuzzer target: parse_scalesim_csv (SCALE-Sim topology files), then each layer's derived
// counts, a small evaluation, and a round trip through network_to_scalesim_csv where it applies.
#include <cstddef>
#include <cstdint>

#include "erg/network.h"
#include "erg/scalesim.h"
#include "fuzz_common.h"

using namespace erg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto net = parse_scalesim_csv(fuzz::text_of(data, size), fuzz::kOrigin);
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
  auto csv = network_to_scalesim_csv(*net);
  if (!csv) {  // a network SCALE-Sim cannot express: a message, naming no file
    fuzz::check(!csv.error().message.empty(), "a writer error with an empty message");
    return 0;
  }
  auto again = parse_scalesim_csv(*csv, fuzz::kOrigin);
  if (!again)
    fuzz::fail("network_to_scalesim_csv wrote a file erg refuses: " + again.error().to_string());
  fuzz::check(again->layers.size() == net->layers.size(), "the round trip changed the layers");
  for (std::size_t i = 0; i < net->layers.size(); ++i)
    fuzz::check(again->layers[i].macs() == net->layers[i].macs(), "the round trip changed MACs");
  return 0;
}
