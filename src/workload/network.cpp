#include "erg/network.h"

namespace erg {

namespace {
bool is_conv(const Layer& l) {
  return l.type() == LayerType::Conv || l.type() == LayerType::Depthwise;
}
}  // namespace

std::uint64_t Network::macs() const {
  std::uint64_t s = 0;
  for (const auto& l : layers) s += l.macs();
  return s;
}
std::uint64_t Network::weights() const {
  std::uint64_t s = 0;
  for (const auto& l : layers) s += l.weight_count();
  return s;
}
std::uint64_t Network::conv_macs() const {
  std::uint64_t s = 0;
  for (const auto& l : layers)
    if (is_conv(l)) s += l.macs();
  return s;
}
std::uint64_t Network::conv_weights() const {
  std::uint64_t s = 0;
  for (const auto& l : layers)
    if (is_conv(l)) s += l.weight_count();
  return s;
}
std::uint64_t Network::fc_macs() const { return macs() - conv_macs(); }
std::uint64_t Network::fc_weights() const { return weights() - conv_weights(); }

}  // namespace erg
