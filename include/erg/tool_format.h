// erg/tool_format.h — the per-layer configuration format of the online energy-estimation tool
// (energyestimation.mit.edu, seed 004 §IV), read and written.
//
// One line per layer: the layer index; then for the ifmap, the filter and the ofmap in turn its
// height, width, channels, number of maps (filters), number of zero entries and bitwidth; then
// the stride (y, x) and the padding (top, bottom, left, right): 25 integers. erg adds an optional
// layer name and optional `type=`/`dilation=` tokens after them, so that every erg network
// round-trips. Separators are whitespace and/or commas; `#` starts a comment. The exact rules
// (groups, depthwise and FC inference, zero counts ↔ densities, rounding): docs/formats.md.
#pragma once

#include <string>

#include "erg/error.h"
#include "erg/network.h"

namespace erg {

// `origin` names the text in messages (a file path). The network is named by a `# network: NAME`
// comment before the first layer line, else by the origin's file stem. Errors name the line and
// the field ("ifmap zeros", "ofmap height", ...).
Result<Network> parse_tool_config(const std::string& text, const std::string& origin);
// Reads the file (size limit kMaxInputBytes, erg/io.h) and parses it.
Result<Network> load_tool_config_file(const std::string& path);

// One line per layer, indices from 1, each layer's name after its 25 integers. Zero counts are
// (1 − density) × size rounded to the nearest integer, so reading the text back gives the same
// layers with densities (size − zeros) / size. A `type=` token is written only when the type
// read back would otherwise differ, a `dilation=` token only for dilated layers.
std::string network_to_tool_config(const Network& net);

}  // namespace erg
