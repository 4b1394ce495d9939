// src/io/presets.h — the architecture presets compiled into the binary.
//
// CMake (cmake/embed_presets.cmake) turns every archs/*.yaml into a raw string in a generated
// source file, so erg needs no data files at run time. Private to the io module: the public view
// is arch_preset_names() and load_arch() in erg/io.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace erg::detail {

// (name, YAML text) pairs, sorted by name; the name is the file stem ("eyeriss").
const std::vector<std::pair<std::string, std::string>>& embedded_presets();

}  // namespace erg::detail
