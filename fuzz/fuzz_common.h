// fuzz/fuzz_common.h — what every libFuzzer target in fuzz/ shares (HACKING.md, "Fuzzing and
// sanitizers").
//
// A target feeds the input to one parser, then runs what follows a successful parse where that is
// cheap and bounded (derived counts, a round trip through the writer, a small evaluation), so
// that overflow and other undefined behaviour surface under UBSan, and wrong answers surface as
// failed checks. A failed check aborts with a message: libFuzzer records the input as a crash.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "erg/arch.h"
#include "erg/cost_model.h"
#include "erg/error.h"
#include "erg/io.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg::fuzz {

// Every input is parsed under this name; errors must name it.
inline const std::string kOrigin = "fuzz-input.yaml";

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
  std::abort();
}

inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A parse error must be a usable message: non-empty, naming the input, a sane location; and
// rendering it (with the quoted line and caret) must work.
inline void check_error(const Error& e) {
  check(!e.message.empty(), "an error with an empty message");
  check(e.file == kOrigin, "an error that does not name the input: " + e.to_string());
  check(e.line >= 0 && e.column >= 0, "an error with a negative location: " + e.to_string());
  check(e.line > 0 || e.column == 0, "an error with a column but no line: " + e.to_string());
  (void)e.to_string();
}

template <class T>
void check_error_of(const Result<T>& r) {
  if (!r.ok()) check_error(r.error());
}

// The preset every mapping and pins input is read against.
inline const Arch& eyeriss() {
  static const Arch arch = [] {
    auto a = load_arch("eyeriss");
    if (!a) fail("the eyeriss preset does not load: " + a.error().to_string());
    return std::move(a).value();
  }();
  return arch;
}

// True when the analytical model's work on the layer is small (its sliding-window walks are over
// ofmap × filter rows and columns), so evaluating it per input is cheap.
inline bool cheap_to_evaluate(const Layer& layer) {
  return layer.dim(Dim::P) * layer.dim(Dim::R) <= 4096 &&
         layer.dim(Dim::Q) * layer.dim(Dim::S) <= 4096;
}

// The simplest mapping: every loop in the outermost level, every other level a pass-through that
// keeps what the arch lets it.
inline Mapping outermost_mapping(const Layer& layer, const Arch& arch) {
  Mapping m;
  m.levels.resize(arch.levels.size());
  for (std::size_t i = 0; i < arch.levels.size(); ++i) m.levels[i].keeps = arch.levels[i].keeps;
  for (Dim d : kAllDims)
    if (layer.dim(d) > 1) m.levels[0].temporal.push_back({d, layer.dim(d)});
  return m;
}

// Evaluates a valid mapping and checks the results are numbers (energies are sums of
// non-negative, finite per-access costs).
inline void check_evaluation(const Layer& layer, const Arch& arch, const Mapping& mapping) {
  auto ev = evaluate(layer, arch, mapping);
  if (!ev) return;  // invalid mappings are refused with a message: fine
  const double total = ev->energy.total();
  check(std::isfinite(total) && total >= 0, "an energy that is not a finite, non-negative number");
  check(ev->perf.cycles > 0 || layer.macs() == 0, "zero cycles for a layer with MACs");
}

}  // namespace erg::fuzz
