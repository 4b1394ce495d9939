// libFuzzer target: import_onnx (protobuf parse, graph checks, shape inference with constant
// folding, layers) on arbitrary bytes, without external data; then each layer's derived counts
// and a small evaluation. The importer must refuse, never crash or hang, and every layer it
// returns must be a valid erg layer.
#include <cstddef>
#include <cstdint>

#include "erg/network.h"
#include "erg/onnx_import.h"
#include "fuzz_common.h"

using namespace erg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto r = import_onnx(bytes, fuzz::kOrigin, "");
  if (!r) {
    fuzz::check_error(r.error());
    return 0;
  }
  fuzz::check(!r->network.layers.empty(), "a model without layers was accepted");
  for (const auto& op : r->not_modelled) fuzz::check(op.count > 0, "an operator counted 0 times");
  for (const Layer& l : r->network.layers) {
    auto again = Layer::make(l.spec());
    fuzz::check(again.ok(), "the importer returned a layer Layer::make refuses");
    (void)l.nonzero_macs();
    for (Tensor t : kAllTensors) (void)l.size(t);
    if (fuzz::cheap_to_evaluate(l))
      fuzz::check_evaluation(l, fuzz::eyeriss(), fuzz::outermost_mapping(l, fuzz::eyeriss()));
  }
  return 0;
}
