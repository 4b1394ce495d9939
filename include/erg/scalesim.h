// erg/scalesim.h — SCALE-Sim's topology CSV files (v1 and v2), read and written.
//
// A header line, then one row per layer: `Layer name, IFMAP Height, IFMAP Width, Filter Height,
// Filter Width, Channels, Num Filter, Strides,` (v2 may split the stride into `Stride height,
// Stride width`), or SCALE-Sim v2's GEMM files `Layer, M, N, K`. SCALE-Sim's IFMAP sizes already
// include any padding, so erg reads every layer with pad 0. Rules, mapping and what is lost on
// writing: docs/formats.md.
#pragma once

#include <string>

#include "erg/error.h"
#include "erg/network.h"

namespace erg {

// `origin` names the text in messages (a file path); the network is named by its file stem.
// Errors name the line and the column ("column 'Filter Height': ...").
Result<Network> parse_scalesim_csv(const std::string& text, const std::string& origin);
// Reads the file (size limit kMaxInputBytes, erg/io.h) and parses it.
Result<Network> load_scalesim_csv_file(const std::string& path);

// The convolution form, padding folded into the IFMAP sizes. Batch, groups other than depthwise,
// dilation, bitwidths and densities have no place in the format: a layer with batch > 1, groups
// (other than depthwise) or dilation is an error; bits and densities are dropped. Depthwise layers
// follow SCALE-Sim's convention (a name containing "DP"; "_DP" is appended when it does not).
Result<std::string> network_to_scalesim_csv(const Network& net);

}  // namespace erg
