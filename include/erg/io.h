// erg/io.h — reading and writing erg's YAML (and JSON) files: architectures, layers/networks,
// mappings.
//
// Every file carries `version: 1`. Unknown keys, missing energies, wrong types and impossible
// values are errors naming the file, line, column and key, with the offending line and a
// "did you mean" hint for misspelt names. Schemas: docs/model.md.
#pragma once

#include <string>

#include "erg/arch.h"
#include "erg/error.h"
#include "erg/mapper.h"
#include "erg/mapping.h"
#include "erg/network.h"

namespace erg {

// Files larger than this are refused before parsing.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

// `origin` names the text in messages (a file path or "<preset eyeriss>").
Result<Arch> parse_arch_yaml(const std::string& text, const std::string& origin);
Result<Arch> load_arch_file(const std::string& path);
std::string arch_to_yaml(const Arch& arch);

// Shipped presets (embedded in the binary from archs/*.yaml at build time).
const std::vector<std::string>& arch_preset_names();
// A preset name or a path to a YAML file.
Result<Arch> load_arch(const std::string& name_or_path);

// A single layer file (`layer:` mapping) or a network file (`network:` name and `layers:` list).
Result<Network> parse_network_yaml(const std::string& text, const std::string& origin);
Result<Network> load_network_file(const std::string& path);
std::string network_to_yaml(const Network& net);
// The same schema as JSON text. yaml-cpp reads JSON, so parse_network_yaml and load_network_file
// read it back (errors still name the line and column).
std::string network_to_json(const Network& net);

// Mappings: `mapping:` list, one entry per arch level (by name). Written by erg; read back as is.
Result<Mapping> parse_mapping_yaml(const std::string& text, const std::string& origin,
                                   const Arch& arch);
Result<Mapping> load_mapping_file(const std::string& path, const Arch& arch);
std::string mapping_to_yaml(const Arch& arch, const Mapping& mapping);

// Partial mappings for `erg map --fix` (docs/model.md §Partial mappings): the mapping file's
// layout, every level optional, where `temporal` pins each listed dimension's product and the
// loops' relative order, `spatial` (or `spatial_x`/`spatial_y`, multiplied per dimension) pins
// the spatial product, and `keep` the kept tensors. A mapping file is a valid pins file.
Result<MappingPins> parse_pins_yaml(const std::string& text, const std::string& origin,
                                    const Arch& arch);
Result<MappingPins> load_pins_file(const std::string& path, const Arch& arch);

// Reads a whole file with the size limit; errors name the path.
Result<std::string> read_text_file(const std::string& path);

}  // namespace erg
