// erg/network_input.h — one loader for every network file erg reads.
//
// The extension picks the reader (case-insensitive):
//   .yaml .yml .json     erg's network or layer file (erg/io.h; JSON is read by the YAML reader)
//   .csv                 SCALE-Sim topology (erg/scalesim.h)
//   .txt .cfg .tool      the online estimation tool's per-layer configuration (erg/tool_format.h)
// Any other extension (or none) is sniffed from the content: a first meaningful line holding
// `version:` or starting with `{` is erg YAML/JSON, one starting with an integer is the tool
// format, one whose second comma-separated cell names a SCALE-Sim column is a CSV. When none fits,
// the error lists the accepted extensions. docs/formats.md describes every format.
#pragma once

#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/network.h"

namespace erg {

Result<Network> load_network_input(const std::string& path);

// The same choice for a file's text already in memory (an upload): `name` is the file's name,
// whose extension picks the reader (else the text is sniffed) and which errors name. `format`, if
// given, receives the reader's format: "erg", "scalesim" or "tool".
Result<Network> parse_network_input(const std::string& text, const std::string& name,
                                    std::string* format = nullptr);

// The extensions load_network_input knows, with their dots (".yaml", ...).
const std::vector<std::string>& network_input_extensions();

}  // namespace erg
