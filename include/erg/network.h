// erg/network.h — a network is an ordered list of layers.
#pragma once

#include <string>
#include <vector>

#include "erg/layer.h"

namespace erg {

struct Network {
  std::string name;
  std::vector<Layer> layers;

  std::uint64_t macs() const;
  std::uint64_t weights() const;
  // Sums over layers of one type class: CONV (conv and depthwise) or FC (fc and matmul).
  std::uint64_t conv_macs() const;
  std::uint64_t conv_weights() const;
  std::uint64_t fc_macs() const;
  std::uint64_t fc_weights() const;
};

}  // namespace erg
